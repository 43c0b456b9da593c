"""Messages to patients about their appointments, written into the outbox.

Called inside the booking or cancelling transaction, so a message exists exactly
when its change does; the task worker delivers it after commit.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import uuid4

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from mildpath.patients.models import PatientLink
from mildpath.patients.tokens import make_token
from mildpath.scheduling.models import Appointment, OutboundMessage


def _render(
    template: str, appointment: Appointment, manage_url: str, language: str, moved: bool = False
) -> str:
    context = {
        "appointment": appointment,
        "location": appointment.location,
        "manage_url": manage_url,
        "moved": moved,
    }
    with translation.override(language), timezone.override(appointment.location.tz):
        return render_to_string(template, context).strip()


def manage_link(appointment: Appointment, *, now: datetime) -> str:
    """A signed link that lets the patient see and cancel this appointment."""
    link = PatientLink.objects.create(
        patient=appointment.patient,
        purpose=PatientLink.Purpose.MANAGE_APPOINTMENT,
        target_id=appointment.pk,
        created_at=now,
        expires_at=max(appointment.end + timedelta(days=1), now + timedelta(hours=1)),
    )
    # reverse() adds the language prefix (/es/) of the language active here.
    with translation.override(appointment.patient.preferred_language):
        path = reverse("patient_link", args=[link.purpose, make_token(link.pk, link.purpose)])
    return f"{settings.MILDPATH_BASE_URL}{path}"


def _queue(
    *,
    appointment: Appointment,
    key: str,
    kind: str,
    channel: str,
    to: str,
    subject: str,
    body: str,
    send_after: datetime,
    now: datetime,
    attach_ics: bool = False,
) -> None:
    message, created = OutboundMessage.objects.get_or_create(
        key=key,
        defaults={
            "kind": kind,
            "channel": channel,
            "appointment": appointment,
            "to": to,
            "subject": subject,
            "body": body,
            "attach_ics": attach_ics,
            "language": appointment.patient.preferred_language,
            "for_start": appointment.start,
            "send_after": send_after,
            "created_at": now,
        },
    )
    if created:
        from mildpath.scheduling.tasks import deliver

        run_after = send_after if send_after > now else None
        transaction.on_commit(lambda: deliver.using(run_after=run_after).enqueue(message.pk))


def booking_messages_queue(*, appointment: Appointment, now: datetime, moved: bool = False) -> None:
    """Confirmation now, reminders before the visit, on the channels the patient chose.

    Each message's key names the change it follows (the appointment, its time, and a
    token for this change), so a visit moved away and back, or cancelled and restored,
    gets its reminders written anew rather than matching the withdrawn ones."""
    email_ok, sms_ok = appointment.remind_by_email, appointment.remind_by_sms
    patient = appointment.patient
    language = patient.preferred_language
    if not (patient.email or sms_ok):
        return  # nothing to send, so no link to make
    url = manage_link(appointment, now=now)
    stamp = f"{appointment.start:%Y%m%dT%H%M}:{uuid4().hex[:12]}"
    if patient.email:
        with translation.override(language):
            subject = (
                _("Your appointment has a new time") if moved else _("Your appointment is booked")
            )
        _queue(
            appointment=appointment,
            key=f"{'moved' if moved else 'confirm'}:{appointment.pk}:{stamp}",
            kind="confirmation",
            channel="email",
            to=patient.email,
            subject=subject,
            body=_render("scheduling/email/confirmation.txt", appointment, url, language, moved),
            send_after=now,
            now=now,
            attach_ics=True,
        )
    # (channel, address, subject, body): rendered once, sent at each reminder offset.
    channels = []
    if email_ok and patient.email:
        with translation.override(language):
            subject = _("Reminder: your appointment")
        body = _render("scheduling/email/reminder.txt", appointment, url, language)
        channels.append(("email", patient.email, subject, body))
    if sms_ok:
        body = _render("scheduling/email/reminder_sms.txt", appointment, url, language)
        channels.append(("sms", patient.phone, "", body))
    for hours in settings.MILDPATH_REMINDER_HOURS:
        due = appointment.start - timedelta(hours=hours)
        if due <= now:
            continue
        for channel, to, subject, body in channels:
            _queue(
                appointment=appointment,
                key=f"remind:{appointment.pk}:{stamp}:{hours}h:{channel}",
                kind="reminder",
                channel=channel,
                to=to,
                subject=subject,
                body=body,
                send_after=due,
                now=now,
            )


def reminders_withdraw(appointment: Appointment) -> int:
    """A cancelled or moved appointment keeps none of its waiting reminders."""
    return OutboundMessage.objects.filter(
        appointment=appointment, kind="reminder", status=OutboundMessage.Status.PENDING
    ).update(status=OutboundMessage.Status.CANCELLED)
