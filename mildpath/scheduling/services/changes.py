"""Changes to a booked appointment: cancel, undo a cancellation, move, the front desk's
marks (arrived, did not come, completed), and taking an earlier time offered from the
waiting list. Each runs in one transaction that locks the appointment's row, writes
its one audit entry, and rewrites or withdraws the patient's messages with it; a time
taken anew is re-checked under the booking lock (``locks``)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction

from mildpath.audit.actor import Actor
from mildpath.audit.services import record
from mildpath.patients.models import PatientLink
from mildpath.patients.services import patient_links_extend, patient_location_add
from mildpath.practice.models import Location
from mildpath.scheduling.availability import available_slots, clashes, rules_for
from mildpath.scheduling.errors import (
    NotAllowedNow,
    OfferGone,
    PatientAlreadyBooked,
    SlotTaken,
    TooLateToChange,
)
from mildpath.scheduling.models import Appointment, AppointmentType, WaitlistEntry
from mildpath.scheduling.services.locks import person_lock, schedules_lock
from mildpath.scheduling.services.messages import (
    booking_messages_queue,
    cancellation_messages_queue,
    reminders_renew,
    reminders_withdraw,
)
from mildpath.scheduling.services.waitlist import waitlist_offer_freed, waitlist_offers_withdraw

# How long after a visit's end a mark of arrived or did not come can be undone.
UNMARK_WINDOW = timedelta(days=1)
STAFF_STATUS_CHANGES = {
    Appointment.Status.BOOKED: {Appointment.Status.ARRIVED, Appointment.Status.NOSHOW},
    Appointment.Status.ARRIVED: {Appointment.Status.FULFILLED},
}


def _before_cutoff(appointment: Appointment, now: datetime) -> bool:
    return now <= appointment.start - timedelta(hours=settings.MILDPATH_CANCEL_CUTOFF_HOURS)


def _locked(appointment: Appointment) -> Appointment:
    return (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("patient", "location", "appointment_type__location", "practitioner")
        .get(pk=appointment.pk)
    )


def appointment_cancel(
    *, actor: Actor, appointment: Appointment, now: datetime, by_patient: bool, reason: str = ""
) -> Appointment:
    """Cancel, withdrawing the reminders in the same transaction so none can go out.
    ``reason`` is what the patient or the desk gave (optional for a patient)."""
    with transaction.atomic():
        locked = _locked(appointment)
        if locked.status == Appointment.Status.CANCELLED:
            return locked
        if by_patient and not _before_cutoff(locked, now):
            raise TooLateToChange
        locked.status = Appointment.Status.CANCELLED
        locked.cancelled_at = now
        locked.cancel_reason = reason.strip()
        locked.calendar_sequence += 1
        locked.save(update_fields=["status", "cancelled_at", "cancel_reason", "calendar_sequence"])
        withdrawn = reminders_withdraw(appointment=locked)
        cancellation_messages_queue(appointment=locked, now=now)
        locked.waitlist_entries.filter(status__in=["waiting", "offered"]).update(status="withdrawn")
        record(
            action="appointment.cancel",
            actor=actor,
            now=now,
            obj=locked,
            patient_id=locked.patient_id,
            detail={"by_patient": by_patient, "reminders_withdrawn": withdrawn},
        )
        waitlist_offer_freed(
            appointment_type=locked.appointment_type,
            practitioner=locked.practitioner,
            start=locked.start,
            now=now,
        )
    return locked


def appointment_restore(*, actor: Actor, appointment: Appointment, now: datetime) -> Appointment:
    """Undo a cancellation while the time is still ahead and still free: booked again,
    with a confirmation and reminders written anew. An earlier-time offer of this time to
    a waiting patient is withdrawn (they go back to waiting). Raises NotAllowedNow,
    SlotTaken or PatientAlreadyBooked, and then changes nothing."""
    with transaction.atomic():
        locked = _locked(appointment)
        if locked.status != Appointment.Status.CANCELLED or locked.start <= now:
            raise NotAllowedNow
        schedules_lock(practitioner_ids=(locked.practitioner_id,))
        person_lock(phone=locked.patient.phone, date_of_birth=locked.patient.date_of_birth)
        taken, patient_busy = clashes(
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
        locked.calendar_sequence += 1
        try:
            with transaction.atomic():
                locked.save(update_fields=["status", "cancelled_at", "calendar_sequence"])
        except IntegrityError as exc:
            raise SlotTaken("constraint") from exc
        withdrawn = waitlist_offers_withdraw(
            practitioner_id=locked.practitioner_id, start=locked.start
        )
        record(
            action="appointment.restore",
            actor=actor,
            now=now,
            obj=locked,
            patient_id=locked.patient_id,
            detail={"offers_withdrawn": withdrawn},
        )
        booking_messages_queue(actor=actor, appointment=locked, now=now, change="restored")
    return locked


def _visit_day(appointment: Appointment) -> date:
    return appointment.start.astimezone(appointment.location.tz).date()


def mark_allowed(*, appointment: Appointment, status: str, now: datetime) -> bool:
    """Whether the front desk may mark the visit so now: arrived from the visit's day
    (at the clinic's clock) until a day after it ends (so that a "did not come" undone
    the next morning can become "arrived", then completed), did not come once its time
    has begun, completed once arrived. A tap on next week's visit changes nothing."""
    if status not in STAFF_STATUS_CHANGES.get(Appointment.Status(appointment.status), set()):
        return False
    if status == Appointment.Status.ARRIVED:
        today = now.astimezone(appointment.location.tz).date()
        return _visit_day(appointment) <= today and now <= appointment.end + UNMARK_WINDOW
    if status == Appointment.Status.NOSHOW:
        return now >= appointment.start
    return True


def unmark_allowed(*, appointment: Appointment, now: datetime) -> bool:
    """Whether a mark of arrived or did not come may be undone: until a day after the
    visit's end, for a tap on the wrong row or a patient who came after all."""
    return (
        appointment.status in (Appointment.Status.ARRIVED, Appointment.Status.NOSHOW)
        and now <= appointment.end + UNMARK_WINDOW
    )


def appointment_mark(
    *, actor: Actor, appointment: Appointment, status: str, now: datetime
) -> Appointment:
    """Front-desk status changes: arrived, did not come, completed (``mark_allowed``)."""
    with transaction.atomic():
        locked = _locked(appointment)
        if not mark_allowed(appointment=locked, status=status, now=now):
            raise NotAllowedNow
        previous = locked.status
        locked.status = status
        locked.save(update_fields=["status"])
        reminders_withdraw(appointment=locked)
        record(
            action="appointment.mark",
            actor=actor,
            now=now,
            obj=locked,
            patient_id=locked.patient_id,
            detail={"status": [previous, status]},
        )
    return locked


def appointment_unmark(*, actor: Actor, appointment: Appointment, now: datetime) -> Appointment:
    """Undo "arrived" or "did not come" (``unmark_allowed``): booked again, with the
    reminders still ahead written anew (the mark withdrew them). Raises NotAllowedNow."""
    with transaction.atomic():
        locked = _locked(appointment)
        if not unmark_allowed(appointment=locked, now=now):
            raise NotAllowedNow
        previous = locked.status
        locked.status = Appointment.Status.BOOKED
        locked.save(update_fields=["status"])
        record(
            action="appointment.unmark",
            actor=actor,
            now=now,
            obj=locked,
            patient_id=locked.patient_id,
            detail={"status": [previous, locked.status]},
        )
        reminders_renew(actor=actor, appointment=locked, now=now)
    return locked


def appointment_move(
    *,
    actor: Actor,
    appointment: Appointment,
    start: datetime,
    now: datetime,
    practitioner_id: int | None = None,
    by_patient: bool = False,
    location: Location | None = None,
) -> Appointment:
    """Move to another free time, with the same practitioner unless another is named (a
    waiting-list offer is for the time a cancelled visit left, with whoever held it; a
    patient choosing a new time takes whoever is free). The old reminders go, new ones
    are written for the new time. Raises SlotTaken if the new time is not free,
    PatientAlreadyBooked if the patient has another visit then, and TooLateToChange if a
    patient moves a visit inside the cut-off."""
    with transaction.atomic():
        locked = _locked(appointment)
        if locked.status != Appointment.Status.BOOKED:
            raise NotAllowedNow
        if by_patient and not _before_cutoff(locked, now):
            raise TooLateToChange
        previous_practitioner, previous_start = locked.practitioner, locked.start
        target = practitioner_id or locked.practitioner_id
        schedules_lock(practitioner_ids=(target, locked.practitioner_id))
        person_lock(phone=locked.patient.phone, date_of_birth=locked.patient.date_of_birth)
        # Free the old time for the re-check, then hold the new one.
        kind = previous_kind = locked.appointment_type
        if location is not None and location.pk != kind.location_id:
            # Staff may move a visit to another location: the same kind of visit there.
            kind_there = (
                AppointmentType.objects.select_related("location")
                .filter(location=location, kind=kind.kind, is_active=True)
                .first()
            )
            if kind_there is None:
                raise NotAllowedNow  # no longer offered there since the page was shown
            kind = kind_there
            # Its front desk will see the patient, as a booking there would.
            patient_location_add(
                actor=actor, patient=locked.patient, location=kind.location, now=now
            )
        local_day = start.astimezone(kind.location.tz).date()
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
        _, patient_busy = clashes(
            practitioner_ids=(target,),
            held_from=start,
            held_to=end,
            patient_id=locked.patient_id,
            start=start,
            end=end,
        )
        if patient_busy:
            raise PatientAlreadyBooked
        locked.practitioner_id = target
        locked.appointment_type, locked.location = kind, kind.location
        locked.start = start
        locked.end = end
        locked.busy_start = start - rules.buffer_before
        locked.busy_end = end + rules.buffer_after
        locked.calendar_sequence += 1
        try:
            with transaction.atomic():
                locked.save(
                    update_fields=[
                        "practitioner",
                        "appointment_type",
                        "location",
                        "status",
                        "start",
                        "end",
                        "busy_start",
                        "busy_end",
                        "calendar_sequence",
                    ]
                )
        except IntegrityError as exc:
            raise SlotTaken("constraint") from exc
        reminders_withdraw(appointment=locked)
        # The links the patient already has keep working until the new time has passed.
        patient_links_extend(
            purpose=PatientLink.Purpose.MANAGE_APPOINTMENT,
            target_id=locked.pk,
            expires_at=locked.end + timedelta(days=1),
        )
        record(
            action="appointment.move",
            actor=actor,
            now=now,
            obj=locked,
            patient_id=locked.patient_id,
            detail={
                "by_patient": by_patient,
                "moved_from": previous_start.isoformat(),
                "moved_to": start.isoformat(),
                **({"practitioner": target} if target != previous_practitioner.pk else {}),
                **({"location": kind.location.slug} if kind != previous_kind else {}),
            },
        )
        booking_messages_queue(actor=actor, appointment=locked, now=now, change="moved")
        waitlist_offer_freed(
            appointment_type=previous_kind,
            practitioner=previous_practitioner,
            start=previous_start,
            now=now,
            skip=set(locked.waitlist_entries.values_list("pk", flat=True)),
        )
    return locked


def waitlist_offer_accept(*, actor: Actor, entry: WaitlistEntry, now: datetime) -> Appointment:
    """Move the patient's appointment to the offered time, if it is still theirs to take."""
    with transaction.atomic():
        # The lock order every change follows (``locks``): the appointment, then the
        # practitioners and the person, then waiting-list entries.
        appointment = _locked(entry.appointment)
        schedules_lock(
            practitioner_ids=tuple(
                pk for pk in (entry.offered_practitioner_id, appointment.practitioner_id) if pk
            )
        )
        person_lock(
            phone=appointment.patient.phone, date_of_birth=appointment.patient.date_of_birth
        )
        locked = (
            WaitlistEntry.objects.select_for_update(of=("self",))
            .select_related("appointment")
            .get(pk=entry.pk)
        )
        if (
            locked.status != WaitlistEntry.Status.OFFERED
            or locked.offer_expires_at is None
            or locked.offer_expires_at <= now
            or locked.offered_start is None
            # The patient may have moved their visit meanwhile: only an earlier time is
            # an offer worth taking.
            or locked.offered_start >= locked.appointment.start
        ):
            raise OfferGone
        try:
            moved = appointment_move(
                actor=actor,
                appointment=locked.appointment,
                start=locked.offered_start,
                now=now,
                practitioner_id=locked.offered_practitioner_id,
            )
        except (SlotTaken, PatientAlreadyBooked, NotAllowedNow) as exc:
            raise OfferGone from exc
        locked.status = WaitlistEntry.Status.ACCEPTED
        locked.save(update_fields=["status"])
        record(
            action="waitlist.accept",
            actor=actor,
            now=now,
            obj=locked,
            patient_id=moved.patient_id,
        )
    return moved
