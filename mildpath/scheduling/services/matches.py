"""The front desk's answer to an online booking that matches a known patient
(``patients.models.PatientMatch``): the same person, so their new visits join their
record, or different people, so both records stay."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction

from mildpath.audit.actor import Actor
from mildpath.patients.models import PatientMatch
from mildpath.patients.services import MatchDecided, patient_match_decide
from mildpath.questionnaires.services import follow_up_plans_join
from mildpath.scheduling.models import Appointment
from mildpath.scheduling.services.locks import person_lock


class VisitsClash(Exception):
    """Joined, the person would hold two visits at the same time: one must be cancelled
    first."""


def patient_match_confirm(*, actor: Actor, match: PatientMatch, now: datetime) -> PatientMatch:
    """Same person: the new record's visits and questionnaires move to the known
    record, then its links and locations (``patient_match_decide``). Raises
    VisitsClash, changing nothing, if that would give the person two visits at once."""
    with transaction.atomic():
        locked = PatientMatch.objects.select_for_update().get(pk=match.pk)
        if locked.status != PatientMatch.Status.PENDING:
            raise MatchDecided
        existing = locked.existing_patient
        person_lock(phone=existing.phone, date_of_birth=existing.date_of_birth)
        moving = Appointment.objects.filter(patient=locked.new_patient_id)
        moved = list(moving.values_list("pk", flat=True))
        try:
            with transaction.atomic():
                moving.update(patient=locked.existing_patient_id)
        except IntegrityError as exc:  # the database's one-visit-at-a-time guard
            raise VisitsClash from exc
        follow_up_plans_join(
            actor=actor,
            from_patient=locked.new_patient,
            into_patient=locked.existing_patient,
            now=now,
        )
        return patient_match_decide(
            actor=actor, match=locked, same_person=True, now=now, moved_visits=moved
        )


def patient_match_reject(*, actor: Actor, match: PatientMatch, now: datetime) -> PatientMatch:
    """Different people: both records stay as they are."""
    with transaction.atomic():
        return patient_match_decide(actor=actor, match=match, same_person=False, now=now)
