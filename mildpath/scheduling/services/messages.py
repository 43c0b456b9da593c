"""What the patient is told, written into the outbox.

Called inside the transaction of the change a message follows, so a message exists
exactly when its change does. The row is the queue: the worker (``outbox``) sends it
when it is due, however long after, even if this process dies right after the commit.

Every change (booked, moved, cancelled, booked again, an earlier time offered) goes
by every channel the patient gave: email when they gave an address, a text when they
asked for texts or gave only a phone number (a patient who can only be texted is
still told). Reminders go only where the patient asked for them. A number that
replied STOP gets no texts: its row is written already cancelled, so the record
shows what was not sent and why.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from email.utils import formataddr, parseaddr
from typing import Any, Literal
from uuid import uuid4

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from mildpath.audit.actor import Actor
from mildpath.patients.models import Patient, PatientLink
from mildpath.patients.services import patient_link_issue
from mildpath.practice.queries import practice_current
from mildpath.questionnaires.models import TimePoint
from mildpath.scheduling.models import Appointment, OutboundMessage, TextOptOut, WaitlistEntry

Change = Literal["booked", "moved", "restored"]
TEXTS_STOPPED = OutboundMessage.TEXTS_STOPPED


def practice_name() -> str:
    """The practice as patients know it: MILDPATH_PRACTICE_NAME, else its own name."""
    if settings.MILDPATH_PRACTICE_NAME:
        return str(settings.MILDPATH_PRACTICE_NAME)
    practice = practice_current()
    return practice.name if practice is not None else "mildpath"


def practice_sender() -> str:
    """Who mail comes from: DEFAULT_FROM_EMAIL, named after the practice if it has no
    name of its own."""
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return formataddr((name or practice_name(), address))


def texts_wanted(*, appointment: Appointment) -> bool:
    """A change is texted when the patient asked for texts or gave no email address."""
    return appointment.remind_by_sms or not appointment.patient.email


def texts_stopped(*, phone: str) -> bool:
    return TextOptOut.objects.filter(phone=phone, stopped=True).exists()


def _url(path: str) -> str:
    return f"{settings.MILDPATH_BASE_URL.rstrip('/')}{path}"


def link_url_issue(
    *,
    actor: Actor,
    patient: Patient,
    purpose: str,
    target_id: int,
    expires_at: datetime,
    now: datetime,
    sent_by: str = "",
) -> tuple[str, PatientLink]:
    """A new signed link for the patient, as a full URL in their language, and the link."""
    issued = patient_link_issue(
        actor=actor,
        patient=patient,
        purpose=purpose,
        now=now,
        target_id=target_id,
        expires_at=expires_at,
        sent_by=sent_by,
    )
    # reverse() adds the language prefix (/es/) of the language active here.
    with translation.override(patient.preferred_language):
        path = reverse("patient_link", args=[purpose, issued.token])
    return _url(path), issued.link


def _book_again_url(language: str) -> str:
    with translation.override(language):
        return _url(reverse("booking:start"))


def _address(appointment: Appointment) -> str:
    return appointment.location.address_one_line


def _render(template: str, appointment: Appointment, **extra: Any) -> str:
    """A message's text in the patient's language and the location's time zone."""
    context = {
        "appointment": appointment,
        "location": appointment.location,
        "address": _address(appointment),
        "practice": practice_name(),
        **extra,
    }
    language = appointment.patient.preferred_language
    with translation.override(language), timezone.override(appointment.location.tz):
        return render_to_string(template, context).strip()


def render_for_patient(*, template: str, language: str, tz: tzinfo, context: dict[str, Any]) -> str:
    """A message about no appointment (a questionnaire), in the patient's language and
    their location's time zone."""
    with translation.override(language), timezone.override(tz):
        return render_to_string(template, {"practice": practice_name(), **context}).strip()


def subject_in(*, text: str, language: str) -> str:
    with translation.override(language):
        return _(text)


def message_write(
    *,
    appointment: Appointment | None,
    key: str,
    kind: str,
    channel: str,
    to: str,
    subject: str,
    body: str,
    send_after: datetime,
    now: datetime,
    attach_ics: bool = False,
    time_point: TimePoint | None = None,
) -> OutboundMessage:
    # A text to a number that replied STOP: one due now is written as not sent (the
    # confirmation page says so); a later one (a reminder) waits, as the outbox checks
    # again when it is due, and the patient may have replied START by then.
    stopped = (
        channel == OutboundMessage.Channel.SMS and send_after <= now and texts_stopped(phone=to)
    )
    patient = appointment.patient if appointment is not None else time_point.patient  # type: ignore[union-attr]
    message, _created = OutboundMessage.objects.get_or_create(
        key=key,
        defaults={
            "kind": kind,
            "channel": channel,
            "appointment": appointment,
            "time_point": time_point,
            "to": to,
            "subject": subject,
            "body": body,
            "attach_ics": attach_ics,
            "language": patient.preferred_language,
            "for_start": appointment.start if appointment is not None else None,
            "send_after": send_after,
            "created_at": now,
            **(
                {"status": OutboundMessage.Status.CANCELLED, "error": TEXTS_STOPPED}
                if stopped
                else {}
            ),
        },
    )
    return message


def _manage_url(*, actor: Actor, appointment: Appointment, now: datetime) -> str:
    url, _link = link_url_issue(
        actor=actor,
        patient=appointment.patient,
        purpose=PatientLink.Purpose.MANAGE_APPOINTMENT,
        target_id=appointment.pk,
        expires_at=max(appointment.end + timedelta(days=1), now + timedelta(hours=1)),
        now=now,
    )
    return url


# Marked for translation here, translated into each patient's language as written.
SUBJECTS: dict[str, str] = {
    "booked": gettext_noop("Your appointment is booked"),
    "moved": gettext_noop("Your appointment has a new time"),
    "restored": gettext_noop("Your appointment is booked again"),
    "cancelled": gettext_noop("Your appointment is cancelled"),
    "reminder": gettext_noop("Reminder: your appointment"),
    "offer": gettext_noop("An earlier appointment is free"),
}


def booking_messages_queue(
    *,
    actor: Actor,
    appointment: Appointment,
    now: datetime,
    moved: bool = False,
    change: Change = "booked",
    questionnaire_url: str = "",
) -> None:
    """The confirmation of a change now (``change``: booked, moved, booked again), by
    email with the calendar file and by text; reminders before the visit, on the
    channels the patient chose. ``questionnaire_url``: the intake questionnaires'
    link, sent with the confirmation of a first consultation.

    Each message's key names the change it follows (the appointment, its time, and a
    token for this change), so a visit moved away and back, or cancelled and restored,
    gets its messages written anew rather than matching the withdrawn ones."""
    if moved:
        change = "moved"
    patient = appointment.patient
    language = patient.preferred_language
    text = texts_wanted(appointment=appointment)
    url = _manage_url(actor=actor, appointment=appointment, now=now)
    stamp = f"{appointment.start:%Y%m%dT%H%M}:{uuid4().hex[:12]}"
    prefix = {"booked": "confirm", "moved": "moved", "restored": "restored"}[change]
    if patient.email:
        message_write(
            appointment=appointment,
            key=f"{prefix}:{appointment.pk}:{stamp}",
            kind="confirmation",
            channel="email",
            to=patient.email,
            subject=subject_in(text=SUBJECTS[change], language=language),
            body=_render(
                "scheduling/email/confirmation.txt",
                appointment,
                manage_url=url,
                change=change,
                moved=change == "moved",
                questionnaire_url=questionnaire_url,
            ),
            send_after=now,
            now=now,
            attach_ics=True,
        )
    if text:
        message_write(
            appointment=appointment,
            key=f"{prefix}:{appointment.pk}:{stamp}:sms",
            kind="confirmation",
            channel="sms",
            to=patient.phone,
            subject="",
            body=_render(
                "scheduling/email/confirmation_sms.txt",
                appointment,
                manage_url=url,
                change=change,
                questionnaire_url=questionnaire_url,
            ),
            send_after=now,
            now=now,
        )
    _reminders_queue(appointment=appointment, url=url, stamp=stamp, now=now)


def _reminders_queue(*, appointment: Appointment, url: str, stamp: str, now: datetime) -> None:
    patient = appointment.patient
    # (channel, address, subject, body): rendered once, sent at each reminder offset.
    channels = []
    if appointment.remind_by_email and patient.email:
        subject = subject_in(text=SUBJECTS["reminder"], language=patient.preferred_language)
        body = _render("scheduling/email/reminder.txt", appointment, manage_url=url)
        channels.append(("email", patient.email, subject, body))
    if appointment.remind_by_sms:
        body = _render("scheduling/email/reminder_sms.txt", appointment, manage_url=url)
        channels.append(("sms", patient.phone, "", body))
    for hours in settings.MILDPATH_REMINDER_HOURS:
        due = appointment.start - timedelta(hours=hours)
        if due <= now:
            continue
        for channel, to, subject, body in channels:
            message_write(
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


def reminders_renew(*, actor: Actor, appointment: Appointment, now: datetime) -> None:
    """The reminders still ahead of a visit booked again after a mark was undone, with a
    fresh link (the withdrawn ones stay withdrawn); none when every reminder's time has
    passed."""
    if not any(
        appointment.start - timedelta(hours=hours) > now
        for hours in settings.MILDPATH_REMINDER_HOURS
    ):
        return
    url = _manage_url(actor=actor, appointment=appointment, now=now)
    stamp = f"{appointment.start:%Y%m%dT%H%M}:{uuid4().hex[:12]}"
    _reminders_queue(appointment=appointment, url=url, stamp=stamp, now=now)


def cancellation_messages_queue(*, appointment: Appointment, now: datetime) -> None:
    """Tell the patient their visit is cancelled, by every channel they gave: no link
    to a visit that is gone, but how to book again; the email's calendar file removes
    the event from their calendar. A visit already past is not worth a message."""
    if appointment.start <= now:
        return
    patient = appointment.patient
    language = patient.preferred_language
    book_again = _book_again_url(language)
    stamp = f"{appointment.start:%Y%m%dT%H%M}:{uuid4().hex[:12]}"
    if patient.email:
        message_write(
            appointment=appointment,
            key=f"cancel:{appointment.pk}:{stamp}",
            kind="cancellation",
            channel="email",
            to=patient.email,
            subject=subject_in(text=SUBJECTS["cancelled"], language=language),
            body=_render(
                "scheduling/email/cancellation.txt", appointment, book_again_url=book_again
            ),
            send_after=now,
            now=now,
            attach_ics=True,
        )
    if texts_wanted(appointment=appointment):
        message_write(
            appointment=appointment,
            key=f"cancel:{appointment.pk}:{stamp}:sms",
            kind="cancellation",
            channel="sms",
            to=patient.phone,
            subject="",
            body=_render(
                "scheduling/email/cancellation_sms.txt", appointment, book_again_url=book_again
            ),
            send_after=now,
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
    url, _link = link_url_issue(
        actor=actor,
        patient=patient,
        purpose=PatientLink.Purpose.EARLIER_TIME,
        target_id=entry.pk,
        expires_at=expires,
        now=now,
    )
    context = {"offered": offered, "expires": expires, "offer_url": url}
    channels = []
    if patient.email:
        body = _render("scheduling/email/offer.txt", appointment, **context)
        subject = subject_in(text=SUBJECTS["offer"], language=patient.preferred_language)
        channels.append(("email", patient.email, subject, body))
    if texts_wanted(appointment=appointment):
        body = _render("scheduling/email/offer_sms.txt", appointment, **context)
        channels.append(("sms", patient.phone, "", body))
    offer_id = uuid4().hex[:12]  # the same time may be offered again after a withdrawal
    for channel, to, subject, body in channels:
        message_write(
            appointment=appointment,
            key=f"offer:{entry.pk}:{offered:%Y%m%dT%H%M}:{offer_id}:{channel}",
            kind="offer",
            channel=channel,
            to=to,
            subject=subject,
            body=body,
            send_after=now,
            now=now,
        )
