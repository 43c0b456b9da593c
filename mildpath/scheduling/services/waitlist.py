"""The waiting list: freed times offered, one patient at a time, to those they bring
forward.

Offers are made inside the transaction that frees the time (a cancellation or a
move), written to the outbox like every other message, and end when taken (see
``changes.waitlist_offer_accept``) or when they lapse; a lapsed offer passes to the
next patient in line. The worker looks for lapsed offers every round
(``waitlist_offers_lapse_due``), so none waits on a process that may have died.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction

from mildpath.audit.actor import Actor
from mildpath.audit.services import record
from mildpath.practice.models import Practitioner
from mildpath.scheduling.availability import available_slots
from mildpath.scheduling.errors import AlreadyWaiting
from mildpath.scheduling.models import Appointment, AppointmentType, WaitlistEntry
from mildpath.scheduling.services.messages import offer_messages_queue

OFFER_HOURS = 12
WAITING_LIST = Actor.system("waiting list")


def waitlist_join(*, actor: Actor, appointment: Appointment, now: datetime) -> WaitlistEntry:
    with transaction.atomic():
        # The appointment's row first (the lock order of every change), so two clicks at
        # once queue here rather than both passing the check.
        Appointment.objects.select_for_update().filter(pk=appointment.pk).exists()
        if WaitlistEntry.objects.filter(
            appointment=appointment, status__in=["waiting", "offered"]
        ).exists():
            raise AlreadyWaiting
        try:
            with transaction.atomic():
                entry = WaitlistEntry.objects.create(appointment=appointment, created_at=now)
        except IntegrityError as exc:  # SQLite serialises writers; this is the backstop
            raise AlreadyWaiting from exc
        record(
            action="waitlist.join",
            actor=actor,
            now=now,
            obj=appointment,
            patient_id=appointment.patient_id,
        )
    return entry


def waitlist_offer_freed(
    *,
    appointment_type: AppointmentType,
    practitioner: Practitioner,
    start: datetime,
    now: datetime,
    skip: set[int] | None = None,
) -> None:
    """Offer the time ``practitioner`` just freed at ``start`` to the first waiting
    patient of this appointment type it would bring forward. Call inside the
    transaction that freed it."""
    kind = appointment_type
    notice = timedelta(hours=kind.minimum_notice_hours)
    if start < now + notice:
        return
    entry = (
        WaitlistEntry.objects.select_for_update(of=("self",))
        .select_related("appointment__patient", "appointment__location")
        .filter(
            status=WaitlistEntry.Status.WAITING,
            appointment__status=Appointment.Status.BOOKED,
            appointment__appointment_type=kind,
            appointment__start__gt=start,
        )
        .exclude(pk__in=skip or set())
        .order_by("created_at", "id")
        .first()
    )
    if entry is None:
        return
    local_day = start.astimezone(kind.location.tz).date()
    still_free = any(
        slot.start == start
        for slot in available_slots(
            appointment_type=kind,
            first_day=local_day,
            last_day=local_day,
            now=now,
            practitioner_id=practitioner.pk,
        )
    )
    if not still_free:
        return
    entry.status = WaitlistEntry.Status.OFFERED
    entry.offered_start = start
    entry.offered_practitioner = practitioner
    entry.offer_expires_at = min(now + timedelta(hours=OFFER_HOURS), start - notice)
    entry.save(
        update_fields=["status", "offered_start", "offered_practitioner", "offer_expires_at"]
    )
    record(
        action="waitlist.offer",
        actor=WAITING_LIST,
        now=now,
        obj=entry,
        patient_id=entry.appointment.patient_id,
        detail={"offered_start": start.isoformat()},
    )
    offer_messages_queue(actor=WAITING_LIST, entry=entry, now=now)


def waitlist_offers_withdraw(*, practitioner_id: int, start: datetime) -> int:
    """The time is taken back (a cancellation undone): whoever was offered it waits again,
    and their link says the offer is gone. Call inside the transaction that takes it,
    which records it."""
    return WaitlistEntry.objects.filter(
        status=WaitlistEntry.Status.OFFERED,
        offered_practitioner_id=practitioner_id,
        offered_start=start,
    ).update(
        status=WaitlistEntry.Status.WAITING,
        offered_start=None,
        offered_practitioner=None,
        offer_expires_at=None,
    )


def waitlist_offer_lapse(*, entry_id: int, now: datetime) -> bool:
    """An offer nobody took: back in line, and the time goes to the next patient.
    False if the offer was taken, withdrawn or still open."""
    with transaction.atomic():
        entry = (
            WaitlistEntry.objects.select_for_update(of=("self",))
            .select_related("appointment__appointment_type__location", "offered_practitioner")
            .filter(pk=entry_id, status=WaitlistEntry.Status.OFFERED)
            .first()
        )
        if entry is None or entry.offer_expires_at is None or entry.offer_expires_at > now:
            return False
        freed_start, practitioner = entry.offered_start, entry.offered_practitioner
        entry.status = WaitlistEntry.Status.WAITING
        entry.offered_start = entry.offered_practitioner = entry.offer_expires_at = None
        entry.save(
            update_fields=["status", "offered_start", "offered_practitioner", "offer_expires_at"]
        )
        record(
            action="waitlist.lapse",
            actor=WAITING_LIST,
            now=now,
            obj=entry,
            patient_id=entry.appointment.patient_id,
        )
        if freed_start is not None and practitioner is not None:
            waitlist_offer_freed(
                appointment_type=entry.appointment.appointment_type,
                practitioner=practitioner,
                start=freed_start,
                now=now,
                skip={entry.pk},
            )
    return True


def waitlist_offers_lapse_due(*, now: datetime) -> int:
    """Lapse every offer past its time (the worker calls this each round)."""
    due = WaitlistEntry.objects.filter(
        status=WaitlistEntry.Status.OFFERED, offer_expires_at__lte=now
    ).values_list("pk", flat=True)
    return sum(waitlist_offer_lapse(entry_id=entry_id, now=now) for entry_id in list(due))
