"""Booking: the one service the booking pages, the staff calendar and the API share.

What another booking cannot change (hours, notice, eligibility) is checked first,
outside the lock; then, under the lock (``locks``), busy time is checked again and the
appointment written, in one transaction with its patient, its audit entry and its
messages. If the database's own no-overlap guard ever fires behind the lock, the
booking is reported as taken, never as an error.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction

from mildpath.audit.actor import Actor
from mildpath.audit.services import record
from mildpath.patients.services import PatientDetails, patient_for_booking, patient_known
from mildpath.scheduling.availability import (
    clashes,
    practitioners_working_at,
    rules_for,
    time_refusal,
)
from mildpath.scheduling.errors import PatientAlreadyBooked, SlotTaken
from mildpath.scheduling.models import Appointment, AppointmentType, ConsultationRequest
from mildpath.scheduling.services.invitations import intake_start
from mildpath.scheduling.services.locks import person_lock, schedules_lock
from mildpath.scheduling.services.messages import booking_messages_queue
from mildpath.scheduling.services.quota import BOOKING, address_quota_take
from mildpath.scheduling.services.requests import consultation_request_booked
from mildpath.scheduling.services.waitlist import waitlist_join


def appointment_book(
    *,
    actor: Actor,
    appointment_type: AppointmentType,
    start: datetime,
    patient: PatientDetails,
    now: datetime,
    practitioner_id: int | None = None,
    reason: str = "",
    referring_physician: str = "",
    source: str = "online",
    email_ok: bool = False,
    sms_ok: bool = False,
    public: bool = False,
    call_back: ConsultationRequest | None = None,
    wait_for_earlier: bool = False,
) -> Appointment:
    """Book ``start`` for the patient, with the named practitioner or anyone eligible.

    ``call_back``: the call-back request this booking answers, closed as booked in the
    same transaction. ``wait_for_earlier``: the patient also joins the waiting list for
    an earlier time, in the same transaction (booked and waiting, or neither).

    ``public``: booked by the person themselves (the booking pages, the API): their
    address's hourly quota applies (TooManyFromAddress), and the answer never depends
    on whether the practice knows them (their details get a record of their own, and a
    match with a known patient waits for the front desk).

    Raises TimeNotOffered when the type never offers ``start`` now (past, too soon,
    too far, off the grid), SlotTaken when the time is not free and
    PatientAlreadyBooked when the patient holds an overlapping appointment. Nothing is
    written in any of these cases.
    """
    refusal = time_refusal(appointment_type=appointment_type, start=start, now=now)
    if refusal is not None:
        raise refusal
    rules = rules_for(appointment_type)
    end = start + rules.duration
    held_from, held_to = start - rules.buffer_before, end + rules.buffer_after
    working = practitioners_working_at(
        appointment_type=appointment_type, start=start, now=now, practitioner_id=practitioner_id
    )
    if not working:
        raise SlotTaken("taken")
    with transaction.atomic():
        if public:
            address_quota_take(actor=actor, actions=BOOKING, now=now)
        schedules_lock(practitioner_ids=working)
        person_lock(phone=patient.phone, date_of_birth=patient.date_of_birth)
        known = patient_known(details=patient)
        # An online booking never attaches to a known record (patients.services
        # .patient_for_booking), so it never learns whether that record is busy then.
        taken, patient_busy = clashes(
            practitioner_ids=working,
            held_from=held_from,
            held_to=held_to,
            patient_id=known.pk if known is not None and not public else None,
            start=start,
            end=end,
        )
        free = [pk for pk in working if pk not in taken]
        if not free:
            raise SlotTaken("taken")
        if patient_busy:
            raise PatientAlreadyBooked
        booked_patient = patient_for_booking(
            actor=actor,
            details=patient,
            known=known,
            location=appointment_type.location,
            now=now,
            public=public,
        )
        try:
            # No savepoint: on failure the whole booking is rolled back anyway.
            appointment = Appointment.objects.create(
                location=appointment_type.location,
                practitioner_id=free[0],
                patient=booked_patient,
                appointment_type=appointment_type,
                start=start,
                end=end,
                busy_start=held_from,
                busy_end=held_to,
                reason=reason,
                referring_physician=referring_physician,
                source=source,
                remind_by_email=email_ok and bool(patient.email),
                remind_by_sms=sms_ok,
                created_at=now,
            )
        except IntegrityError as exc:
            # The database's no-overlap guard caught what the check above missed; leaving
            # the outer block with this exception rolls the whole booking back.
            raise SlotTaken("constraint") from exc
        record(
            action="appointment.book",
            actor=actor,
            now=now,
            obj=appointment,
            patient_id=booked_patient.pk,
            detail={"source": source},
        )
        booking_messages_queue(
            actor=actor,
            appointment=appointment,
            now=now,
            questionnaire_url=intake_start(actor=actor, appointment=appointment, now=now),
        )
        if call_back is not None:
            consultation_request_booked(
                actor=actor, consultation=call_back, appointment_id=appointment.pk, now=now
            )
        if wait_for_earlier:
            waitlist_join(actor=actor, appointment=appointment, now=now)
    return appointment
