"""What a patient sees from the link in their messages: the appointment, and ways to
move it to another time or cancel it, up to the cut-off. Every change is asked twice: a
page that shows what will happen, then a button that says so ("Yes, cancel this
visit"); a form posted without that answer changes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from mildpath.audit.actor import Actor
from mildpath.core import clock
from mildpath.patients.models import PatientLink
from mildpath.patients.views import link_opened, private
from mildpath.practice.models import Location
from mildpath.questionnaires.queries import questions_waiting
from mildpath.scheduling.errors import OfferGone, TooLateToChange
from mildpath.scheduling.forms.links import CancelForm
from mildpath.scheduling.ics import appointment_ics
from mildpath.scheduling.models import Appointment, WaitlistEntry
from mildpath.scheduling.queries import (
    appointment_for_link,
    cancellation_sent_by,
    waitlist_entry_for_link,
)
from mildpath.scheduling.services.changes import appointment_cancel, waitlist_offer_accept
from mildpath.scheduling.services.invitations import LinkResent, questionnaire_link_resend

PURPOSE = PatientLink.Purpose.MANAGE_APPOINTMENT.value
OFFER = PatientLink.Purpose.EARLIER_TIME.value
CONFIRMED = "yes"  # the value of the "Yes, ..." button that makes a change happen


def changeable(appointment: Appointment, now: datetime) -> bool:
    cutoff = appointment.start - timedelta(hours=settings.MILDPATH_CANCEL_CUTOFF_HOURS)
    return appointment.status == Appointment.Status.BOOKED and now <= cutoff


def opened_appointment(
    request: HttpRequest, token: str
) -> tuple[PatientLink, Appointment] | HttpResponse:
    link = link_opened(request, token, PURPOSE)  # a bad link posted counts as a guess too
    if isinstance(link, HttpResponse):
        return link
    appointment = appointment_for_link(link)
    if appointment is None:
        return render(request, "patients/link_problem.html", {"state": "invalid"}, status=410)
    return link, appointment


def where(location: Location) -> dict[str, object]:
    """The clinic's address as the patient reads it, and a map search for it."""
    return {
        "location": location,
        "visit_location": location,  # the header's "Call us" is this clinic's number
        "address_lines": location.address_lines,
        "map_url": location.map_url,
    }


def visit_context(appointment: Appointment, now: datetime) -> dict[str, object]:
    can_change = changeable(appointment, now)
    return {
        "appointment": appointment,
        **where(appointment.location),
        "can_change": can_change,
        # A visit patients may not book themselves (a procedure, say) is not theirs to
        # move either: they call, and the practice finds a time.
        "can_move": can_change and appointment.appointment_type.self_bookable,
        "is_past": appointment.start <= now,
        # The header offers no second booking on the page of a visit still to come.
        "visit_ahead": appointment.status == Appointment.Status.BOOKED and appointment.start > now,
        "cutoff_hours": settings.MILDPATH_CANCEL_CUTOFF_HOURS,
    }


def _manage_url(request: HttpRequest, marker: str) -> str:
    return request.path.rsplit(marker, 1)[0] + "/"


@require_http_methods(["GET", "HEAD"])
def manage_page(request: HttpRequest, token: str) -> HttpResponse:
    """Where the link in a confirmation or reminder lands; a cancelled visit's link
    lands on the page that says so, with the way to book again."""
    found = opened_appointment(request, token)
    if isinstance(found, HttpResponse):
        return found
    link, appointment = found
    now = clock.now()
    context = {"patient": link.patient, "token": token, **visit_context(appointment, now)}
    template = "patients/link_appointment.html"
    if appointment.status == Appointment.Status.CANCELLED:
        template = "patients/link_cancelled.html"
        context["sent_by"] = cancellation_sent_by(appointment)
    elif appointment.status == Appointment.Status.BOOKED and not context["is_past"]:
        context["waiting"] = questions_waiting(link, now=now)
    with timezone.override(appointment.location.tz):
        return private(render(request, template, context))


def _resent_message(resent: LinkResent, appointment: Appointment) -> tuple[int, str]:
    """What the patient is told after asking for the questions' link again."""
    if resent.channels:
        if set(resent.channels) == {"email"}:
            how = _("by email")
        elif set(resent.channels) == {"sms"}:
            how = _("by text message")
        else:
            how = _("by email and by text message")
        text = _("We have sent the link again %(how)s. It can take a few minutes to arrive.")
        return messages.SUCCESS, text % {"how": how}
    if resent.last_sent is not None:
        return messages.INFO, _(
            "We sent the link a few minutes ago. It can take a little while to arrive: "
            "please look in your email or text messages (and in the spam folder)."
        )
    return messages.ERROR, _("We could not send the link. Please call us at %(phone)s.") % {
        "phone": appointment.location.phone_display
    }


@require_POST
def questions_again(request: HttpRequest, token: str) -> HttpResponse:
    """ "Send me the link again": the questionnaire's link goes to the patient's own
    email or phone, never to this page, which anyone the visit's link was forwarded
    to could read."""
    found = opened_appointment(request, token)
    if isinstance(found, HttpResponse):
        return found
    link, appointment = found
    now = clock.now()
    manage_url = _manage_url(request, "/questions/")
    waiting = None
    if appointment.status == Appointment.Status.BOOKED and appointment.start > now:
        waiting = questions_waiting(link, now=now)
    if waiting is None:
        return redirect(manage_url)  # answered meanwhile, or the visit is over: nothing to send
    resent = questionnaire_link_resend(
        actor=Actor.of(request, label="patient link"), time_point=waiting.time_point, now=now
    )
    level, text = _resent_message(resent, appointment)
    messages.add_message(request, level, text)
    return redirect(manage_url)


@require_http_methods(["GET", "HEAD"])
def manage_ics(request: HttpRequest, token: str) -> HttpResponse:
    """ "Add to calendar": the visit as a calendar file, in the patient's language."""
    found = opened_appointment(request, token)
    if isinstance(found, HttpResponse):
        return found
    link, appointment = found
    cancelled = appointment.status == Appointment.Status.CANCELLED
    with translation.override(link.patient.preferred_language):
        # Same event, higher sequence: a calendar that has it takes it out.
        content = appointment_ics(
            appointment, now=clock.now(), method="CANCEL" if cancelled else "PUBLISH"
        )
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="appointment.ics"'
    return private(response)


@require_http_methods(["GET", "HEAD", "POST"])
def cancel(request: HttpRequest, token: str) -> HttpResponse:
    """Asks first, with an optional reason; cancels only when "Yes, cancel" is pressed.
    A second press, or a post after the visit was cancelled, lands on the same page."""
    found = opened_appointment(request, token)
    if isinstance(found, HttpResponse):
        return found
    link, appointment = found
    now = clock.now()
    manage_url = _manage_url(request, "/cancel/")
    if appointment.status == Appointment.Status.CANCELLED:
        return redirect(manage_url)
    form = CancelForm(request.POST if request.method == "POST" else None)
    if (
        request.method == "POST"
        and request.POST.get("confirm") == CONFIRMED
        and changeable(appointment, now)
        and form.is_valid()
    ):
        try:
            appointment_cancel(
                actor=Actor.of(request, label="patient link"),
                appointment=appointment,
                now=now,
                by_patient=True,
                reason=form.reason_text(),
            )
        except TooLateToChange:
            pass  # the page below says why, with the number to call
        else:
            return redirect(f"{manage_url}?cancelled=1")
    context = {
        "patient": link.patient,
        "token": token,
        "form": form,
        "manage_url": manage_url,
        **visit_context(appointment, now),
    }
    with timezone.override(appointment.location.tz):
        return private(render(request, "patients/link_cancel.html", context))


@require_http_methods(["GET", "HEAD"])
def offer_page(request: HttpRequest, token: str) -> HttpResponse:
    """Where the link in an earlier-time offer lands: both times side by side, and what
    taking the new one does to the old."""
    link = link_opened(request, token, OFFER)
    if isinstance(link, HttpResponse):
        return link
    entry = waitlist_entry_for_link(link)
    now = clock.now()
    open_offer = (
        entry is not None
        and entry.status == WaitlistEntry.Status.OFFERED
        and entry.offer_expires_at is not None
        and entry.offer_expires_at > now
        and entry.offered_start is not None
        and entry.offered_start < entry.appointment.start
    )
    tz = entry.appointment.location.tz if entry else timezone.get_default_timezone()
    context: dict[str, object] = {
        "entry": entry,
        "patient": link.patient,
        "open_offer": open_offer,
        "token": token,
    }
    if entry is not None:
        context.update(where(entry.appointment.location))
    with timezone.override(tz):
        return private(render(request, "scheduling/offer.html", context))


@require_POST
def offer_take(request: HttpRequest, token: str) -> HttpResponse:
    now = clock.now()
    link = link_opened(request, token, OFFER)
    if isinstance(link, HttpResponse):
        return link
    entry = waitlist_entry_for_link(link)
    if entry is None:
        return render(request, "patients/link_problem.html", {"state": "invalid"}, status=410)
    base = request.path.rsplit("/take/", 1)[0]
    if entry.status == WaitlistEntry.Status.ACCEPTED:
        return redirect(f"{base}/")  # a second press: the page says it is done
    try:
        waitlist_offer_accept(actor=Actor.of(request, label="patient link"), entry=entry, now=now)
    except OfferGone:
        return redirect(f"{base}/?{urlencode({'gone': 1})}")
    return redirect(f"{base}/")
