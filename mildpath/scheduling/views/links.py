"""What a patient sees from the link in their confirmation: the appointment, and ways
to move it to another time or cancel it, up to the cut-off."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from mildpath.audit.actor import Actor
from mildpath.core import clock
from mildpath.patients.models import PatientLink
from mildpath.patients.services import patient_link_open
from mildpath.scheduling.availability import available_slots
from mildpath.scheduling.errors import (
    NotAllowedNow,
    OfferGone,
    PatientAlreadyBooked,
    SlotTaken,
    TooLateToChange,
)
from mildpath.scheduling.forms.public import SlotForm, slot_days
from mildpath.scheduling.models import Appointment, WaitlistEntry
from mildpath.scheduling.queries import appointment_for_link, waitlist_entry_for_link
from mildpath.scheduling.services.changes import (
    appointment_cancel,
    appointment_move,
    waitlist_offer_accept,
)

PURPOSE = PatientLink.Purpose.MANAGE_APPOINTMENT.value


def _changeable(appointment: Appointment, now: datetime) -> bool:
    cutoff = appointment.start - timedelta(hours=settings.MILDPATH_CANCEL_CUTOFF_HOURS)
    return appointment.status == Appointment.Status.BOOKED and now <= cutoff


def _private(response: HttpResponse) -> HttpResponse:
    # The token must not leak to other sites, but our own forms need the Origin header
    # (with no-referrer the browser sends "Origin: null" and CSRF refuses the form).
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "no-store"
    return response


def _opened(request: HttpRequest, token: str, purpose: str) -> PatientLink | HttpResponse:
    """Open a link the patient followed (throttled and audited), or the page saying why
    it does not work."""
    check = patient_link_open(
        actor=Actor.of(request, label="patient link"), token=token, purpose=purpose, now=clock.now()
    )
    if check.state == "throttled":
        return render(request, "patients/link_problem.html", {"state": check.state}, status=429)
    if check.link is None or check.state != "active":
        return render(request, "patients/link_problem.html", {"state": check.state}, status=410)
    return check.link


@require_http_methods(["GET", "HEAD"])
def manage_page(request: HttpRequest, token: str) -> HttpResponse:
    """Where the link in a confirmation or reminder lands."""
    link = _opened(request, token, PURPOSE)
    if isinstance(link, HttpResponse):
        return link
    appointment = appointment_for_link(link)
    now = clock.now()
    context = {
        "link": link,
        "patient": link.patient,
        "appointment": appointment,
        "token": token,
        "can_change": appointment is not None and _changeable(appointment, now),
        # A visit patients may not book themselves (a procedure, say) is not theirs to
        # move either: they call, and the practice finds a time.
        "can_move": appointment is not None
        and _changeable(appointment, now)
        and appointment.appointment_type.self_bookable,
        "cutoff_hours": settings.MILDPATH_CANCEL_CUTOFF_HOURS,
    }
    tz = appointment.location.tz if appointment else timezone.get_default_timezone()
    with timezone.override(tz):
        return _private(render(request, "patients/link_appointment.html", context))


@require_POST
def cancel(request: HttpRequest, token: str) -> HttpResponse:
    link = _opened(request, token, PURPOSE)  # a bad link here counts as a guess too
    if isinstance(link, HttpResponse):
        return link
    appointment = appointment_for_link(link)
    if appointment is None:
        return render(request, "patients/link_problem.html", {"state": "invalid"}, status=410)
    manage_url = request.path.rsplit("/cancel/", 1)[0] + "/"
    try:
        appointment_cancel(
            actor=Actor.of(request, label="patient link"),
            appointment=appointment,
            now=clock.now(),
            by_patient=True,
        )
    except TooLateToChange:
        return redirect(f"{manage_url}?too_late=1")
    return redirect(f"{manage_url}?cancelled=1")


MOVE_DAYS = 7


@require_http_methods(["GET", "HEAD", "POST"])
def move(request: HttpRequest, token: str) -> HttpResponse:
    """The patient picks another free time for the same visit at the same clinic."""
    now = clock.now()
    # Opening the page shows the appointment, and a POST acts on it: both are throttled
    # and audited like the link itself.
    link = _opened(request, token, PURPOSE)
    if isinstance(link, HttpResponse):
        return link
    appointment = appointment_for_link(link)
    if appointment is None:
        return render(request, "patients/link_problem.html", {"state": "invalid"}, status=410)
    manage_url = request.path.rsplit("/move/", 1)[0] + "/"
    if appointment.status == Appointment.Status.CANCELLED:
        return redirect(f"{manage_url}?was_cancelled=1")
    if not _changeable(appointment, now):
        return redirect(f"{manage_url}?too_late=1")
    if not appointment.appointment_type.self_bookable:
        return redirect(manage_url)
    tz = appointment.location.tz
    today = now.astimezone(tz).date()
    first = clock.day_from_query(
        request.GET.get("from", ""), today=today, default=today, earliest=today
    )
    last = first + timedelta(days=MOVE_DAYS - 1)
    slots = [
        slot
        for slot in available_slots(
            appointment_type=appointment.appointment_type, first_day=first, last_day=last, now=now
        )
        if slot.start != appointment.start
    ]
    # Moving keeps the patient with their doctor whenever that doctor is free then.
    choices, days = slot_days(slots, tz, prefer=appointment.practitioner_id)
    form = SlotForm(request.POST or None, choices=choices)
    if request.method == "POST" and form.is_valid():
        practitioner_id, start = form.chosen()
        try:
            appointment_move(
                actor=Actor.of(request, label="patient link"),
                appointment=appointment,
                start=start,
                now=now,
                practitioner_id=practitioner_id,
                by_patient=True,
            )
        except TooLateToChange:
            return redirect(f"{manage_url}?too_late=1")
        except NotAllowedNow:  # cancelled or marked by the practice meanwhile
            return redirect(manage_url)
        except SlotTaken:
            # Back to the same days, which now leave that time out, with a word why.
            return redirect(f"{request.path}?from={first.isoformat()}&taken=1")
        except PatientAlreadyBooked:
            return redirect(f"{request.path}?from={first.isoformat()}&clash=1")
        return redirect(f"{manage_url}?moved=1")
    with timezone.override(tz):
        return _private(
            render(
                request,
                "patients/link_move.html",
                {
                    "appointment": appointment,
                    "patient": link.patient,
                    "token": token,
                    "form": form,
                    "days": days,
                    "next_from": last + timedelta(days=1),
                    "previous_from": first - timedelta(days=MOVE_DAYS) if first > today else None,
                    "manage_url": manage_url,
                },
            )
        )


OFFER = PatientLink.Purpose.EARLIER_TIME.value


@require_http_methods(["GET", "HEAD"])
def offer_page(request: HttpRequest, token: str) -> HttpResponse:
    """Where the link in an earlier-time offer lands."""
    link = _opened(request, token, OFFER)
    if isinstance(link, HttpResponse):
        return link
    entry = waitlist_entry_for_link(link)
    now = clock.now()
    open_offer = (
        entry is not None
        and entry.status == WaitlistEntry.Status.OFFERED
        and entry.offer_expires_at is not None
        and entry.offer_expires_at > now
    )
    tz = entry.appointment.location.tz if entry else timezone.get_default_timezone()
    with timezone.override(tz):
        response = render(
            request,
            "scheduling/offer.html",
            {"entry": entry, "patient": link.patient, "open_offer": open_offer, "token": token},
        )
    return _private(response)


@require_POST
def offer_take(request: HttpRequest, token: str) -> HttpResponse:
    now = clock.now()
    link = _opened(request, token, OFFER)
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
        return redirect(f"{base}/?gone=1")
    return redirect(f"{base}/")
