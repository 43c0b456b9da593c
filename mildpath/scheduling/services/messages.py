"""What the patient is told, written into the outbox.

Called inside the transaction of the change a message follows, so a message exists
exactly when its change does. The row is the queue: the worker (``outbox``) sends it
when it is due, however long after, even if this process dies right after the commit.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import uuid4

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from mildpath.audit.actor import Actor
from mildpath.patients.models import Patient, PatientLink
from mildpath.patients.services import patient_link_issue
from mildpath.scheduling.models import Appointment, OutboundMessage, WaitlistEntry


def _link_url(
    *,
    actor: Actor,
    patient: Patient,
    purpose: str,
    target_id: int,
    expires_at: datetime,
    now: datetime,
) -> str:
    """A new signed link for the patient, as a full URL in their language."""
    issued = patient_link_issue(
        actor=actor,
        patient=patient,
        purpose=purpose,
        now=now,
        target_id=target_id,
        expires_at=expires_at,
    )
    # reverse() adds the language prefix (/es/) of the language active here.
    with translation.override(patient.preferred_language):
        path = reverse("patient_link", args=[purpose, issued.token])
    return f"{settings.MILDPATH_BASE_URL}{path}"


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
    OutboundMessage.objects.get_or_create(
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


def booking_messages_queue(
    *, actor: Actor, appointment: Appointment, now: datetime, moved: bool = False
) -> None:
    """Confirmation now, reminders before the visit, on the channels the patient chose.

    Each message's key names the change it follows (the appointment, its time, and a
    token for this change), so a visit moved away and back, or cancelled and restored,
    gets its reminders written anew rather than matching the withdrawn ones."""
    email_ok, sms_ok = appointment.remind_by_email, appointment.remind_by_sms
    patient = appointment.patient
    language = patient.preferred_language
    if not (patient.email or sms_ok):
        return  # nothing to send, so no link to make
    url = _link_url(
        actor=actor,
        patient=patient,
        purpose=PatientLink.Purpose.MANAGE_APPOINTMENT,
        target_id=appointment.pk,
        expires_at=max(appointment.end + timedelta(days=1), now + timedelta(hours=1)),
        now=now,
    )
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


def reminders_withdraw(*, appointment: Appointment) -> int:
    """A cancelled or moved appointment keeps none of its waiting reminders."""
    return OutboundMessage.objects.filter(
        appointment=appointment,
        kind="reminder",
        status=OutboundMessage.Status.PENDING,
    ).update(status=OutboundMessage.Status.CANCELLED)


def offer_messages_queue(*, actor: Actor, entry: WaitlistEntry, now: datetime) -> None:
    """Tell a waiting patient an earlier time is free, with a link to take it."""
    appointment = entry.appointment
    patient = appointment.patient
    expires, offered = entry.offer_expires_at, entry.offered_start
    if expires is None or offered is None:
        return
    url = _link_url(
        actor=actor,
        patient=patient,
        purpose=PatientLink.Purpose.EARLIER_TIME,
        target_id=entry.pk,
        expires_at=expires,
        now=now,
    )
    with (
        translation.override(patient.preferred_language),
        timezone.override(appointment.location.tz),
    ):
        text = _(
            "An earlier time is free at %(place)s: %(when)s. To take it instead of your "
            "current appointment, open this link before it expires: %(url)s"
        ) % {
            "place": appointment.location.name,
            "when": date_format(timezone.localtime(offered), "DATETIME_FORMAT"),
            "url": url,
        }
        subject = _("An earlier appointment is free")
    channels = []
    if patient.email:
        channels.append(("email", patient.email))
    if appointment.remind_by_sms:
        channels.append(("sms", patient.phone))
    offer_id = uuid4().hex[:12]  # the same time may be offered again after a withdrawal
    for channel, to in channels:
        _queue(
            appointment=appointment,
            key=f"offer:{entry.pk}:{offered:%Y%m%dT%H%M}:{offer_id}:{channel}",
            kind="offer",
            channel=channel,
            to=to,
            subject=subject if channel == "email" else "",
            body=text,
            send_after=now,
            now=now,
        )
