"""Booking: the one service the booking pages, the staff calendar and the API share.

Locking rule: what another booking cannot change (hours, notice, eligibility) is
checked first; then the re-check of busy time and the insert happen in one
transaction that first locks the candidate practitioners' rows (``SELECT ... FOR
UPDATE`` in id order, so two bookings never wait on each other in a circle). On SQLite
the transaction is IMMEDIATE (settings), which takes the database's single write lock
at BEGIN. Behind the lock, the database refuses overlapping appointments itself
(migration 0003); if that backstop ever fires, the booking is reported as taken,
never as an error.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.http import HttpRequest

from mildpath.audit.services import record
from mildpath.patients.models import Patient
from mildpath.practice.models import Practitioner
from mildpath.scheduling import sql
from mildpath.scheduling.availability import (
    available_slots,
    practitioners_working_at,
    rules_for,
)
from mildpath.scheduling.models import Appointment, AppointmentType
from mildpath.scheduling.notifications import booking_messages_queue, reminders_withdraw
from mildpath.scheduling.waitlist import waitlist_offer_freed, waitlist_offers_withdraw

RACE_WINDOW_SECONDS = 0.05


class SlotTaken(Exception):
    """The time was just taken (``reason`` says how we found out)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PatientAlreadyBooked(Exception):
    """The patient already holds an appointment at an overlapping time."""


@dataclass(frozen=True)
class PatientDetails:
    given_name: str
    family_name: str
    date_of_birth: date
    phone: str
    email: str
    preferred_language: str


def _patient_known(details: PatientDetails) -> int | None:
    """The id of the patient these details name, if we know them: phone and date of
    birth narrow it through an index, names compare case-blind."""
    for pk, given_name, family_name in sql.patients_by_phone(details.phone, details.date_of_birth):
        if (
            given_name.casefold() == details.given_name.casefold()
            and family_name.casefold() == details.family_name.casefold()
        ):
            return pk
    return None


def _schedules_lock(practitioner_ids: tuple[int, ...]) -> None:
    """Hold the practitioners' rows until commit, in id order so that two bookings never
    wait on each other in a circle. SQLite needs nothing more: its IMMEDIATE transaction
    took the database's one write lock at BEGIN."""
    if connection.features.has_select_for_update:
        list(
            Practitioner.objects.select_for_update()
            .filter(pk__in=practitioner_ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )


def appointment_book(
    *,
    request: HttpRequest | None,
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
) -> Appointment:
    """Book ``start`` for the patient, with the named practitioner or anyone eligible.

    Raises SlotTaken when the time is no longer free and PatientAlreadyBooked when the
    patient holds an overlapping appointment. Nothing is written in either case.
    """
    rules = rules_for(appointment_type)
    end = start + rules.duration
    held_from, held_to = start - rules.buffer_before, end + rules.buffer_after
    working = practitioners_working_at(
        appointment_type=appointment_type, start=start, now=now, practitioner_id=practitioner_id
    )
    if not working:
        raise SlotTaken("taken")
    with transaction.atomic():
        if settings.MILDPATH_BOOKING_LOCK:
            _schedules_lock(working)
        known = _patient_known(patient)
        taken, patient_busy = sql.clashes(
            practitioner_ids=working,
            held_from=held_from,
            held_to=held_to,
            patient_id=known,
            start=start,
            end=end,
        )
        free = [pk for pk in working if pk not in taken]
        if not free:
            raise SlotTaken("taken")
        if patient_busy:
            raise PatientAlreadyBooked
        if not settings.MILDPATH_BOOKING_LOCK:
            # Test profile only, to prove the lock matters: hold the gap between check and
            # insert open long enough that concurrent bookings fall into it every time.
            time.sleep(RACE_WINDOW_SECONDS)
        if known is None:
            booked_patient = Patient.objects.create(
                given_name=patient.given_name,
                family_name=patient.family_name,
                date_of_birth=patient.date_of_birth,
                phone=patient.phone,
                email=patient.email,
                preferred_language=patient.preferred_language,
                created_at=now,
            )
        else:
            booked_patient = Patient.objects.get(pk=known)
        sql.patient_seen_at(booked_patient.pk, appointment_type.location_id)
        try:
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
            # the block with this exception rolls the whole booking back.
            raise SlotTaken("constraint") from exc
        record(
            action="create",
            request=request,
            obj=appointment,
            patient_id=booked_patient.pk,
            detail={"source": source},
        )
        booking_messages_queue(appointment=appointment, now=now)
    return appointment


class TooLateToChange(Exception):
    """Inside the cut-off before the visit, when a patient may no longer cancel or move
    it online (MILDPATH_CANCEL_CUTOFF_HOURS)."""


def _before_cutoff(appointment: Appointment, now: datetime) -> bool:
    return now <= appointment.start - timedelta(hours=settings.MILDPATH_CANCEL_CUTOFF_HOURS)


def appointment_cancel(
    *, request: HttpRequest | None, appointment: Appointment, now: datetime, by_patient: bool
) -> Appointment:
    """Cancel, withdrawing the reminders in the same transaction so none can go out."""
    with transaction.atomic():
        locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if locked.status == Appointment.Status.CANCELLED:
            return locked
        if by_patient and not _before_cutoff(locked, now):
            raise TooLateToChange
        locked.status = Appointment.Status.CANCELLED
        locked.cancelled_at = now
        locked.save(update_fields=["status", "cancelled_at"])
        withdrawn = reminders_withdraw(locked)
        locked.waitlist_entries.filter(status__in=["waiting", "offered"]).update(status="withdrawn")
        record(
            action="update",
            request=request,
            obj=locked,
            patient_id=locked.patient_id,
            detail={
                "status": "cancelled",
                "by_patient": by_patient,
                "reminders_withdrawn": withdrawn,
            },
        )
        waitlist_offer_freed(freed=locked, now=now)
    return locked


def appointment_restore(
    *, request: HttpRequest, appointment: Appointment, now: datetime
) -> Appointment:
    """Undo a cancellation while the time is still ahead and still free: booked again,
    with a confirmation and reminders written anew. An earlier-time offer of this time to
    a waiting patient is withdrawn (they go back to waiting). Raises NotAllowedNow,
    SlotTaken or PatientAlreadyBooked, and then changes nothing."""
    with transaction.atomic():
        locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if locked.status != Appointment.Status.CANCELLED or locked.start <= now:
            raise NotAllowedNow
        _schedules_lock((locked.practitioner_id,))
        taken, patient_busy = sql.clashes(
            practitioner_ids=(locked.practitioner_id,),
            held_from=locked.busy_start,
            held_to=locked.busy_end,
            patient_id=locked.patient_id,
            start=locked.start,
            end=locked.end,
        )
        if taken:
            raise SlotTaken("taken")
        if patient_busy:
            raise PatientAlreadyBooked
        locked.status = Appointment.Status.BOOKED
        locked.cancelled_at = None
        try:
            with transaction.atomic():
                locked.save(update_fields=["status", "cancelled_at"])
        except IntegrityError as exc:
            raise SlotTaken("constraint") from exc
        withdrawn = waitlist_offers_withdraw(
            practitioner_id=locked.practitioner_id, start=locked.start
        )
        booking_messages_queue(appointment=locked, now=now)
        record(
            action="update",
            request=request,
            obj=locked,
            patient_id=locked.patient_id,
            detail={"status": ["cancelled", "booked"], "offers_withdrawn": withdrawn},
        )
    return locked


STAFF_STATUS_CHANGES = {
    Appointment.Status.BOOKED: {Appointment.Status.ARRIVED, Appointment.Status.NOSHOW},
    Appointment.Status.ARRIVED: {Appointment.Status.FULFILLED},
}


class NotAllowedNow(Exception):
    pass


def appointment_mark(
    *, request: HttpRequest, appointment: Appointment, status: str, now: datetime
) -> Appointment:
    """Front-desk status changes: arrived, did not come, completed."""
    with transaction.atomic():
        locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
        allowed = STAFF_STATUS_CHANGES.get(Appointment.Status(locked.status), set())
        if status not in allowed:
            raise NotAllowedNow
        previous = locked.status
        locked.status = status
        locked.save(update_fields=["status"])
        if status != Appointment.Status.BOOKED:
            reminders_withdraw(locked)
        record(
            action="update",
            request=request,
            obj=locked,
            patient_id=locked.patient_id,
            detail={"status": [previous, status]},
        )
    return locked


def appointment_move(
    *,
    request: HttpRequest,
    appointment: Appointment,
    start: datetime,
    now: datetime,
    practitioner_id: int | None = None,
    by_patient: bool = False,
) -> Appointment:
    """Move to another free time, with the same practitioner unless another is named (a
    waiting-list offer is for the time a cancelled visit left, with whoever held it; a
    patient choosing a new time takes whoever is free). The old reminders go, new ones
    are written for the new time. Raises SlotTaken if the new time is not free,
    PatientAlreadyBooked if the patient has another visit then, and TooLateToChange if a
    patient moves a visit inside the cut-off."""
    with transaction.atomic():
        locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if locked.status != Appointment.Status.BOOKED:
            raise NotAllowedNow
        if by_patient and not _before_cutoff(locked, now):
            raise TooLateToChange
        previous_practitioner = locked.practitioner
        target = practitioner_id or locked.practitioner_id
        _schedules_lock(tuple(sorted({target, locked.practitioner_id})))
        # Free the old time for the re-check, then hold the new one.
        kind = locked.appointment_type
        local_day = start.astimezone(kind.location.tz).date()
        old_status = locked.status
        Appointment.objects.filter(pk=locked.pk).update(status=Appointment.Status.CANCELLED)
        free = [
            slot
            for slot in available_slots(
                appointment_type=kind,
                first_day=local_day,
                last_day=local_day,
                now=now,
                practitioner_id=target,
            )
            if slot.start == start
        ]
        if not free:
            raise SlotTaken("taken")  # the atomic block rolls the status change back
        rules = rules_for(kind)
        end = start + rules.duration
        _, patient_busy = sql.clashes(
            practitioner_ids=(target,),
            held_from=start,
            held_to=end,
            patient_id=locked.patient_id,
            start=start,
            end=end,
        )
        if patient_busy:
            raise PatientAlreadyBooked
        previous_start = locked.start
        locked.practitioner_id = target
        locked.status = old_status
        locked.start = start
        locked.end = end
        locked.busy_start = start - rules.buffer_before
        locked.busy_end = locked.end + rules.buffer_after
        try:
            with transaction.atomic():
                locked.save(
                    update_fields=[
                        "practitioner",
                        "status",
                        "start",
                        "end",
                        "busy_start",
                        "busy_end",
                    ]
                )
        except IntegrityError as exc:
            raise SlotTaken("constraint") from exc
        reminders_withdraw(locked)
        booking_messages_queue(appointment=locked, now=now, moved=True)
        freed = Appointment(
            location=locked.location,
            appointment_type=kind,
            practitioner=previous_practitioner,
            start=previous_start,
        )
        waitlist_offer_freed(
            freed=freed,
            now=now,
            skip=set(locked.waitlist_entries.values_list("pk", flat=True)),
        )
        record(
            action="update",
            request=request,
            obj=locked,
            patient_id=locked.patient_id,
            detail={
                "by_patient": by_patient,
                "moved_from": previous_start.isoformat(),
                "moved_to": start.isoformat(),
                **({"practitioner": target} if target != previous_practitioner.pk else {}),
            },
        )
    return locked
