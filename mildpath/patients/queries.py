"""Reads of patient data. Each takes the actor, enforces location scoping and writes
one audit entry. Views never query Patient themselves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NoReturn

from django.db.models import Model, Q, QuerySet
from django.http import Http404

from mildpath.accounts.access import may, scoped_locations
from mildpath.accounts.roles import Capability
from mildpath.audit.actor import Actor
from mildpath.audit.services import record
from mildpath.core import clock
from mildpath.patients.models import BreakGlassGrant, Patient, PatientLink, PatientMatch
from mildpath.patients.search import PHONE_END_DIGITS, Search, read_search


def patients_in_scope(actor: Actor) -> QuerySet[Patient]:
    """Patients this staff member may see: their locations, plus emergency grants."""
    if not may(actor.user, Capability.PATIENT_CONTACT):
        return Patient.objects.none()
    # A record joined into another (the same person, booked online) lives on only there.
    current = Patient.objects.filter(merged_into__isnull=True)
    locations = scoped_locations(actor.user)
    if locations is None:
        return current
    granted = BreakGlassGrant.objects.filter(user=actor.user, expires_at__gt=clock.now()).values(
        "patient_id"
    )
    return current.filter(Q(locations__in=locations) | Q(id__in=granted)).distinct()


def _matching(patients: QuerySet[Patient], search: Search) -> QuerySet[Patient]:
    """Every part of the search must match: "Ruiz 1950-04-05" is Ruiz born that day."""
    for name in search.names:
        patients = patients.filter(Q(given_name__icontains=name) | Q(family_name__icontains=name))
    for born in search.born:
        patients = patients.filter(date_of_birth=born)
    if search.phone:
        patients = patients.filter(phone=search.phone)
    for digits in search.phone_digits:
        patients = patients.filter(phone__contains=digits)
    for number in search.numbers:
        either = Q(pk=int(number))  # at most six digits: longer runs are phone numbers
        if len(number) >= PHONE_END_DIGITS:
            either |= Q(phone__contains=number)
        patients = patients.filter(either)
    return patients


PATIENTS_SHOWN = 200  # a list or a search shows at most this many


@dataclass(frozen=True)
class PatientPage:
    patients: list[Patient]
    more: bool  # more patients match than are shown


def patient_page(actor: Actor, *, search: str = "") -> PatientPage:
    """Patients at the actor's locations (records joined into another left out), all or
    those matching the search: a name, a date of birth, a phone number or a patient
    number (``patients.search``). At most PATIENTS_SHOWN, and whether more match; the
    look is audited with whom it showed."""
    patients = patients_in_scope(actor).prefetch_related("locations")
    wanted = read_search(search)
    if not wanted.empty:
        patients = _matching(patients, wanted)
    found = list(patients[: PATIENTS_SHOWN + 1])
    more, found = len(found) > PATIENTS_SHOWN, found[:PATIENTS_SHOWN]
    record(
        action="patient.list",
        actor=actor,
        now=clock.now(),
        detail={"search": search[:100], "count": len(found), "patients": [p.pk for p in found]},
    )
    return PatientPage(patients=found, more=more)


def patient_list(actor: Actor, *, search: str = "") -> list[Patient]:
    """The patients of ``patient_page``, without the count of others."""
    return patient_page(actor, search=search).patients


def refuse(actor: Actor, target: Model | None) -> NoReturn:
    """Not found, whether ``target`` does not exist or is outside the actor's scope; a
    refusal of something that exists is recorded with its target."""
    if target is not None:
        patient_id = (
            target.pk if isinstance(target, Patient) else getattr(target, "patient_id", None)
        )
        record(
            action="access.refused",
            actor=actor,
            now=clock.now(),
            obj=target,
            patient_id=patient_id,
        )
    raise Http404


def patient_for_change(actor: Actor, patient_id: int) -> Patient:
    """A patient in scope, for a service that changes something and audits that change
    (one entry per action, so no separate read entry). Raises Http404 if there is no
    such patient or it is outside the staff member's locations (the same answer, so
    nobody learns which records exist elsewhere; the refusal is recorded)."""
    patient = patients_in_scope(actor).filter(pk=patient_id).first()
    if patient is None:
        refuse(actor, Patient.objects.filter(pk=patient_id).first())
    return patient


def patient_get(actor: Actor, patient_id: int) -> Patient:
    """One patient to look at, if in scope; the look is audited."""
    patient = patient_for_change(actor, patient_id)
    record(action="patient.read", actor=actor, now=clock.now(), obj=patient, patient_id=patient.pk)
    return patient


def patient_links(patient: Patient) -> list[PatientLink]:
    """Links of a patient already read (and audited) through ``patient_get``."""
    return list(patient.links.select_related("created_by", "revoked_by")[:50])


def tablet_link(link_id: object) -> PatientLink | None:
    """The questionnaire link a clinic tablet was last handed over with (its id kept in
    the tablet's session), if still open: not used, not revoked."""
    if not isinstance(link_id, int) or isinstance(link_id, bool):
        return None
    return PatientLink.objects.filter(
        pk=link_id,
        purpose=PatientLink.Purpose.QUESTIONNAIRE,
        used_at__isnull=True,
        revoked_at__isnull=True,
    ).first()


def _pending_matches(actor: Actor) -> QuerySet[PatientMatch]:
    if not may(actor.user, Capability.PATIENT_CREATE):
        return PatientMatch.objects.none()
    pending = PatientMatch.objects.filter(status=PatientMatch.Status.PENDING)
    locations = scoped_locations(actor.user)
    if locations is not None:
        pending = pending.filter(new_patient__locations__in=locations).distinct()
    return pending


def patient_match_count(actor: Actor) -> int:
    """How many online bookings at the actor's locations wait for a match decision (no
    patient detail, so no audit entry)."""
    return _pending_matches(actor).count()


def patient_matches(actor: Actor) -> list[PatientMatch]:
    """Online bookings waiting for this staff member to say whether they are a patient
    already known: those booked at their locations. Audited with the records shown."""
    rows = list(
        _pending_matches(actor)
        .select_related("new_patient", "existing_patient")
        .prefetch_related("existing_patient__locations")
        .order_by("created_at", "id")[:100]
    )
    record(
        action="patient.list",
        actor=actor,
        now=clock.now(),
        detail={
            "list": "matches",
            "count": len(rows),
            "patients": sorted(
                {row.new_patient_id for row in rows} | {row.existing_patient_id for row in rows}
            ),
        },
    )
    return rows


def patient_match_for_decision(actor: Actor, match_id: int) -> PatientMatch:
    """A pending match the actor may decide (its booking is at their locations)."""
    if may(actor.user, Capability.PATIENT_CREATE):
        found = PatientMatch.objects.select_related("new_patient", "existing_patient")
        locations = scoped_locations(actor.user)
        if locations is not None:
            found = found.filter(new_patient__locations__in=locations).distinct()
        match = found.filter(pk=match_id).first()
        if match is not None:
            return match
    refuse(actor, PatientMatch.objects.filter(pk=match_id).first())
