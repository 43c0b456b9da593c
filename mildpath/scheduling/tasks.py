"""Background work, run by `manage.py db_worker`."""

from __future__ import annotations

from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import translation
from django_tasks import task

from mildpath.core import clock
from mildpath.scheduling.ics import appointment_ics
from mildpath.scheduling.models import Appointment, OutboundMessage
from mildpath.scheduling.sms import sms_backend


def _still_wanted(message: OutboundMessage) -> bool:
    appointment = message.appointment
    if message.kind != "reminder" or appointment is None:
        return True
    return (
        appointment.status == Appointment.Status.BOOKED and appointment.start == message.for_start
    )


@task()
def deliver(message_id: int) -> str:
    """Send one outbox message, at most once."""
    with transaction.atomic():
        message = (
            OutboundMessage.objects.select_for_update(of=("self",))
            .select_related("appointment__location", "appointment__appointment_type")
            .filter(pk=message_id, status=OutboundMessage.Status.PENDING)
            .first()
        )
        if message is None:
            return "not pending"
        if not _still_wanted(message):
            message.status = OutboundMessage.Status.CANCELLED
            message.save(update_fields=["status"])
            return "no longer wanted"
        # Claimed and committed before sending: a worker killed from here on leaves the
        # message as "sending", never to be sent a second time by its successor.
        message.status = OutboundMessage.Status.SENDING
        message.save(update_fields=["status"])
    try:
        if message.channel == OutboundMessage.Channel.SMS:
            sms_backend().send(to=message.to, body=message.body, key=message.key)
        else:
            email = EmailMessage(
                subject=message.subject,
                body=message.body,
                to=[message.to],
                headers={"Message-ID": f"<{message.key.replace(':', '.')}@mildpath>"},
            )
            if message.attach_ics and message.appointment is not None:
                with translation.override(message.language):
                    calendar_file = appointment_ics(message.appointment, now=clock.now())
                email.attach("appointment.ics", calendar_file, "text/calendar")
            email.send()
    except Exception as exc:
        OutboundMessage.objects.filter(pk=message.pk).update(
            status=OutboundMessage.Status.FAILED, error=str(exc)[:300]
        )
        raise
    OutboundMessage.objects.filter(pk=message.pk).update(
        status=OutboundMessage.Status.SENT, sent_at=clock.now()
    )
    return "sent"


@task()
def waitlist_offer_expire(entry_id: int) -> str:
    from mildpath.scheduling.waitlist import waitlist_offer_lapse

    waitlist_offer_lapse(entry_id=entry_id, now=clock.now())
    return "checked"
