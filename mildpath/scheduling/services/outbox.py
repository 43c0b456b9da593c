"""The worker's side of the outbox (healthchecks' ``sendalerts`` is the model).

A worker claims due messages in a short transaction of its own (``outbox_claim``),
then sends each one outside any transaction (``outbox_send``) and marks how it went:

- two workers never claim the same message: PostgreSQL skips rows another worker has
  locked (``select_for_update(skip_locked=True)``); SQLite's IMMEDIATE transaction lets
  one claim run at a time;
- a failed send is tried again later (``BACKOFF``), and after ``MAX_ATTEMPTS`` it is
  marked failed for the front desk to see;
- a message still "sending" ``CLAIM_TIMEOUT`` after its claim belongs to a worker that
  died; it is claimed again, at most until its attempts run out (then it is failed, for
  the front desk to call). A worker claims one message at a time (``outbox_work``), so a
  claim never outlives the one send it covers. Only a worker killed between handing the
  message to the provider and marking it sent can cause a repeat; an email repeats with
  the same Message-ID (mail clients show it once), a text message would arrive twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import translation

from mildpath.audit.actor import Actor
from mildpath.audit.services import record
from mildpath.core import clock
from mildpath.scheduling.ics import Method, appointment_ics
from mildpath.scheduling.models import Appointment, OutboundMessage
from mildpath.scheduling.services.messages import TEXTS_STOPPED, practice_sender, texts_stopped
from mildpath.scheduling.sms import sms_backend

MAX_ATTEMPTS = 5
# Wait after the 1st, 2nd, ... failed attempt; the last entry repeats.
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
)
WORKER = Actor.system("outbox worker")


def claim_timeout() -> timedelta:
    return timedelta(seconds=settings.MILDPATH_OUTBOX_CLAIM_TIMEOUT)


def outbox_claim(*, now: datetime, limit: int = 20) -> list[int]:
    """Claim up to ``limit`` messages that are due, or whose claim has lapsed, for this
    worker; returns their ids, earliest due first."""
    with transaction.atomic():
        lapsed = Q(status=OutboundMessage.Status.SENDING, claimed_at__lt=now - claim_timeout())
        # A message whose every attempt ended with its worker dead is not tried again.
        for message in OutboundMessage.objects.filter(lapsed, attempts__gte=MAX_ATTEMPTS):
            if _mark(
                message,
                status=OutboundMessage.Status.FAILED,
                error="the worker stopped while sending",
            ):
                _record_failure(message, now)
        due = OutboundMessage.objects.filter(
            Q(status=OutboundMessage.Status.PENDING, send_after__lte=now)
            | (lapsed & Q(attempts__lt=MAX_ATTEMPTS))
        ).order_by("send_after", "id")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("pk", flat=True)[:limit])
        OutboundMessage.objects.filter(pk__in=ids).update(
            status=OutboundMessage.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
    return ids


def _still_wanted(message: OutboundMessage, now: datetime) -> bool:
    """Whether the appointment is still as the message says, when it is sent (however
    late: a retry, a worker that was down): a reminder or confirmation of a time since
    moved or cancelled, a cancellation since undone, or a link to a visit since
    cancelled would tell the patient something no longer true; the newer change wrote
    its own message."""
    if message.time_point is not None:
        # An invitation to a questionnaire answered (or replaced) meanwhile, or whose
        # window has closed, would ask for something no longer wanted.
        return message.time_point.state(now) in ("open", "overdue")
    appointment = message.appointment
    if appointment is None or message.kind == "offer":
        return True  # an offer's page says itself when it has lapsed or been withdrawn
    booked = appointment.status == Appointment.Status.BOOKED
    if message.kind == "cancellation":
        return appointment.status == Appointment.Status.CANCELLED
    if message.kind == "link":
        return booked
    return booked and appointment.start == message.for_start


def _calendar_method(message: OutboundMessage) -> Method | None:
    """The calendar file a message carries, built as it is sent: a cancellation's
    cancels the event, the others add or update it. A message the appointment has
    changed since (a confirmation of a time since moved, a cancellation since undone)
    carries none: the newer message after it carries the event as it is now, and a
    stale file must not undo it."""
    appointment = message.appointment
    if not message.attach_ics or appointment is None:
        return None
    cancelled = appointment.status == Appointment.Status.CANCELLED
    if message.kind == "cancellation":
        return "CANCEL" if cancelled else None
    return "REQUEST" if not cancelled and appointment.start == message.for_start else None


def _deliver(message: OutboundMessage, now: datetime) -> None:
    if message.channel == OutboundMessage.Channel.SMS:
        sms_backend().send(to=message.to, body=message.body, key=message.key)
        return
    sender = practice_sender()
    email = EmailMessage(
        subject=message.subject,
        body=message.body,
        from_email=sender,
        to=[message.to],
        headers={"Message-ID": f"<{message.key.replace(':', '.')}@mildpath>"},
    )
    method = _calendar_method(message)
    if method is not None and message.appointment is not None:
        with translation.override(message.language):
            calendar_file = appointment_ics(
                message.appointment, now=now, method=method, organizer=sender, attendee=message.to
            )
        # The method in the content type is what lets mail clients offer to update or
        # remove the event, rather than show a file to open.
        email.attach("appointment.ics", calendar_file, f"text/calendar; method={method}")
    email.send()


def _mark(message: OutboundMessage, **changes: object) -> bool:
    """Change a message this worker holds; False if its claim passed to another worker."""
    return bool(
        OutboundMessage.objects.filter(
            pk=message.pk, status=OutboundMessage.Status.SENDING, claimed_at=message.claimed_at
        ).update(**changes)
    )


def outbox_send(*, message_id: int, now: datetime) -> str:
    """Send one message this worker claimed at ``now`` (``outbox_claim``'s now) and mark
    how it went: sent, no longer wanted (a reminder for a visit cancelled or moved
    since), texts stopped (the number replied STOP since), retrying, or failed. A
    message whose claim has lapsed and passed to another worker is that worker's to
    send: "not claimed"."""
    message = (
        OutboundMessage.objects.select_related(
            "appointment__location",
            "appointment__appointment_type",
            "appointment__practitioner",
            "appointment__patient",
            "time_point",
        )
        .filter(pk=message_id, status=OutboundMessage.Status.SENDING, claimed_at=now)
        .first()
    )
    if message is None:
        return "not claimed"
    if not _still_wanted(message, now):
        _mark(message, status=OutboundMessage.Status.CANCELLED)
        return "no longer wanted"
    if message.channel == OutboundMessage.Channel.SMS and texts_stopped(phone=message.to):
        # The patient replied STOP since this was written: not sent, and not a failure.
        _mark(message, status=OutboundMessage.Status.CANCELLED, error=TEXTS_STOPPED)
        return "texts stopped"
    try:
        _deliver(message, now)
    except Exception as exc:  # noqa: BLE001 - any provider failure is retried, then shown
        return _failed(message, str(exc) or exc.__class__.__name__, now)
    _mark(message, status=OutboundMessage.Status.SENT, sent_at=now, error="")
    return "sent"


def _failed(message: OutboundMessage, error: str, now: datetime) -> str:
    if message.attempts < MAX_ATTEMPTS:
        wait = BACKOFF[min(message.attempts, len(BACKOFF)) - 1]
        _mark(
            message,
            status=OutboundMessage.Status.PENDING,
            send_after=now + wait,
            error=error[:300],
        )
        return "retrying"
    with transaction.atomic():
        if _mark(message, status=OutboundMessage.Status.FAILED, error=error[:300]):
            _record_failure(message, now)
    return "failed"


def _record_failure(message: OutboundMessage, now: datetime) -> None:
    record(
        action="message.fail",
        actor=WORKER,
        now=now,
        obj=message,
        patient_id=(
            message.appointment.patient_id
            if message.appointment
            else message.time_point.patient_id
            if message.time_point
            else None
        ),
        detail={"kind": message.kind, "channel": message.channel, "attempts": message.attempts},
    )


def outbox_work(*, now: datetime, limit: int = 20) -> dict[str, int]:
    """One round of the worker: up to ``limit`` due messages, each claimed on its own
    just before it is sent (so a slow provider cannot let a batch's claims lapse while
    they wait their turn); how each went."""
    outcomes: dict[str, int] = {}
    for _ in range(limit):
        moment = now if not outcomes else clock.now()
        claimed = outbox_claim(now=moment, limit=1)
        if not claimed:
            break
        outcome = outbox_send(message_id=claimed[0], now=moment)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


def failed_message_mark(
    *, actor: Actor, message: OutboundMessage, handled: bool, now: datetime
) -> bool:
    """The front desk has dealt with a message that could not be sent (called the
    patient): it leaves their list. ``handled=False`` puts it back (undo). Returns
    whether anything changed: a second press, or a message already back, changes
    nothing and writes nothing."""
    with transaction.atomic():
        locked = OutboundMessage.objects.select_for_update().get(pk=message.pk)
        if (
            locked.status != OutboundMessage.Status.FAILED
            or (locked.handled_at is not None) == handled
        ):
            return False
        locked.handled_at = now if handled else None
        locked.handled_by = actor.user if handled else None
        locked.save(update_fields=["handled_at", "handled_by"])
        patient = locked.patient
        record(
            action="message.handled" if handled else "message.reopen",
            actor=actor,
            now=now,
            obj=locked,
            patient_id=patient.pk if patient is not None else None,
            detail={"kind": locked.kind, "channel": locked.channel},
        )
    return True
