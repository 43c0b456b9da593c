"""Call-back requests: a patient asks to be called; the front desk works the list."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from mildpath.audit.actor import Actor
from mildpath.audit.services import record
from mildpath.practice.models import Location
from mildpath.scheduling.models import ConsultationRequest
from mildpath.scheduling.services.quota import CALL_BACK, address_quota_take


@transaction.atomic
def consultation_request_create(
    *,
    actor: Actor,
    name: str,
    phone: str,
    preferred_location: Location | None,
    best_time: str,
    consent_to_contact: bool,
    language: str,
    now: datetime,
) -> ConsultationRequest:
    """Store a call-me-back request (TooManyFromAddress past the address's hourly
    quota). ``phone`` is already E.164 (the form normalises it)."""
    address_quota_take(actor=actor, actions=CALL_BACK, now=now)
    created = ConsultationRequest.objects.create(
        name=name,
        phone=phone,
        preferred_location=preferred_location,
        best_time=best_time,
        consent_to_contact=consent_to_contact,
        language=language,
        created_at=now,
    )
    record(action="callback.create", actor=actor, now=now, obj=created)
    return created


@transaction.atomic
def consultation_request_update(
    *,
    actor: Actor,
    consultation: ConsultationRequest,
    status: str,
    staff_notes: str,
    now: datetime,
) -> ConsultationRequest:
    consultation = ConsultationRequest.objects.select_for_update().get(pk=consultation.pk)
    changed = {
        field: [str(getattr(consultation, field)), str(value)]
        for field, value in (("status", status), ("staff_notes", staff_notes))
        if getattr(consultation, field) != value
    }
    if not changed:
        return consultation
    consultation.status = status
    consultation.staff_notes = staff_notes
    consultation.save(update_fields=["status", "staff_notes"])
    record(
        action="callback.update",
        actor=actor,
        now=now,
        obj=consultation,
        detail={"changed": sorted(changed)},
    )
    return consultation


@transaction.atomic
def consultation_request_booked(
    *, actor: Actor, consultation: ConsultationRequest, appointment_id: int, now: datetime
) -> None:
    """Close a call-back request once the caller has an appointment."""
    consultation = ConsultationRequest.objects.select_for_update().get(pk=consultation.pk)
    consultation.status = ConsultationRequest.Status.BOOKED
    note = f"Booked as appointment {appointment_id}."
    consultation.staff_notes = f"{consultation.staff_notes}\n{note}".strip()
    consultation.save(update_fields=["status", "staff_notes"])
    record(
        action="callback.booked",
        actor=actor,
        now=now,
        obj=consultation,
        detail={"appointment": appointment_id},
    )
