"""The front desk's changes from a patient's record that reach into scheduling:
correcting how the patient is reached (messages already waiting follow the change), and
sending the patient a link to one of their visits by text or email.

A link is never shown to staff for copying: it goes out through the outbox, written in
the same transaction as the link, so the only copy is the one the patient receives."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _

from mildpath.audit.actor import Actor
from mildpath.patients.models import Patient, PatientLink
from mildpath.patients.services import patient_contact_change
from mildpath.scheduling.errors import NotAllowedNow
from mildpath.scheduling.models import Appointment, OutboundMessage
from mildpath.scheduling.services.messages import link_url_issue, practice_name, texts_stopped

EMAIL, SMS = OutboundMessage.Channel.EMAIL.value, OutboundMessage.Channel.SMS.value


class NoAddress(Exception):
    """The patient has no address for this channel (no email on file)."""


class TextsStopped(Exception):
    """The patient's phone replied STOP: it gets no texts until it replies START."""


@transaction.atomic
def patient_contact_update(
    *,
    actor: Actor,
    patient: Patient,
    phone: str,
    email: str,
    postal_code: str,
    preferred_language: str,
    now: datetime,
) -> list[str]:
    """Correct how a patient is reached (``patients.services.patient_contact_change``,
    which records it) and send what is still waiting to the corrected number or address:
    a front desk fixing a mistyped phone expects tomorrow's reminder to reach it. With
    the email removed, emails still waiting are not sent. Returns the fields changed."""
    changed = patient_contact_change(
        actor=actor,
        patient=patient,
        phone=phone,
        email=email,
        postal_code=postal_code,
        preferred_language=preferred_language,
        now=now,
    )
    waiting = OutboundMessage.objects.filter(
        appointment__patient_id=patient.pk, status=OutboundMessage.Status.PENDING
    )
    if "phone" in changed:
        waiting.filter(channel=SMS).update(to=phone)
    if "email" in changed:
        if email:
            waiting.filter(channel=EMAIL).update(to=email)
        else:
            waiting.filter(channel=EMAIL).update(status=OutboundMessage.Status.CANCELLED)
    return changed


def _texts(*, appointment: Appointment, url: str) -> tuple[str, str, str]:
    """(subject, email body, text body) in the active language and time zone."""
    patient, location = appointment.patient, appointment.location
    local = timezone.localtime(appointment.start)
    when = {"date": date_format(local, "DATE_FORMAT"), "time": time_format(local, "TIME_FORMAT")}
    practice = practice_name()
    sms = _(
        "%(practice)s: your appointment on %(date)s at %(time)s, %(place)s. "
        "To see, move or cancel it: %(url)s"
    ) % {**when, "practice": practice, "place": location.name, "url": url}
    subject = _("Your appointment: see, move or cancel it")
    address = location.address_one_line
    body = "\n".join(
        [
            _("Hello %(name)s,") % {"name": patient.given_name},
            "",
            _("Your appointment: %(date)s at %(time)s") % when,
            _("Where: %(place)s, %(address)s") % {"place": location.name, "address": address},
            _("With: %(doctor)s") % {"doctor": appointment.practitioner.display_name},
            "",
            _("To see, move or cancel your appointment, open this link:"),
            url,
            "",
            _("Questions? Call %(phone)s.") % {"phone": location.phone_display},
            practice,
        ]
    )
    return subject, body, sms


@transaction.atomic
def patient_link_send(
    *, actor: Actor, appointment: Appointment, channel: str, now: datetime
) -> OutboundMessage:
    """Send the patient a new link to see, move or cancel an upcoming visit, by text
    (``sms``) or email: the link (audited as issued, with the channel) and its message
    are written together, and the worker sends the message. Raises ``NotAllowedNow``
    for a visit that is not booked or has begun, ``NoAddress`` without an email on
    file, ``TextsStopped`` for a phone that replied STOP; nothing is written then."""
    patient = appointment.patient
    if appointment.status != Appointment.Status.BOOKED or appointment.start <= now:
        raise NotAllowedNow
    if channel == SMS:
        to = patient.phone
        if texts_stopped(phone=to):
            raise TextsStopped
    elif channel == EMAIL:
        to = patient.email
        if not to:
            raise NoAddress
    else:
        raise ValueError(channel)
    url, link = link_url_issue(
        actor=actor,
        patient=patient,
        purpose=PatientLink.Purpose.MANAGE_APPOINTMENT,
        now=now,
        target_id=appointment.pk,
        expires_at=max(appointment.end + timedelta(days=1), now + timedelta(hours=1)),
        sent_by=channel,
    )
    language = patient.preferred_language
    with translation.override(language), timezone.override(appointment.location.tz):
        subject, body, sms = _texts(appointment=appointment, url=url)
    return OutboundMessage.objects.create(
        key=f"link:{link.pk}:{channel}",
        kind="link",
        channel=channel,
        appointment=appointment,
        to=to,
        subject=subject if channel == EMAIL else "",
        body=body if channel == EMAIL else sms,
        language=language,
        for_start=appointment.start,
        send_after=now,
        created_at=now,
    )
