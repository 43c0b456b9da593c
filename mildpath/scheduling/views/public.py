"""Online booking for patients, no account needed:
location -> time -> details -> review -> confirmation.

Every step works as a plain form; the draft lives in the session until the booking
is made, and the time is checked again, under the booking lock, at the last step.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from mildpath.audit.actor import Actor
from mildpath.core import clock
from mildpath.patients.services import PatientDetails
from mildpath.practice.forms import ZipSearchForm
from mildpath.practice.models import Practitioner
from mildpath.practice.queries import locations_nearest, locations_public
from mildpath.scheduling.availability import available_slots
from mildpath.scheduling.errors import (
    SlotTaken,
    TimeNotOffered,
    TooManyFromAddress,
)
from mildpath.scheduling.forms.public import DetailsForm, SlotForm, slot_days
from mildpath.scheduling.ics import appointment_ics
from mildpath.scheduling.models import Appointment, AppointmentType
from mildpath.scheduling.queries import appointment_just_booked
from mildpath.scheduling.services.booking import appointment_book
from mildpath.scheduling.services.quota import BOOKING, quota_spent
from mildpath.scheduling.throttle import too_many_page

DRAFT = "booking_draft"
BOOKED = "booking_done"
DAYS_PER_PAGE = 5


def _bookable(slug: str) -> AppointmentType:
    kind = (
        AppointmentType.objects.select_related("location")
        .filter(
            location__slug=slug,
            location__is_active=True,
            kind=AppointmentType.Kind.CONSULTATION,
            self_bookable=True,
            is_active=True,
        )
        .first()
    )
    if kind is None:
        raise Http404
    return kind


def _first_day(request: HttpRequest, today: date) -> date:
    return clock.day_from_query(
        request.GET.get("from", ""), today=today, default=today, earliest=today
    )


@require_http_methods(["GET", "HEAD"])
def book_start(request: HttpRequest) -> HttpResponse:
    slug = request.GET.get("location")
    if slug:
        return redirect("booking:slots", slug=slug)
    bookable = set(
        AppointmentType.objects.filter(
            kind=AppointmentType.Kind.CONSULTATION, self_bookable=True, is_active=True
        ).values_list("location_id", flat=True)
    )
    locations = [loc for loc in locations_public() if loc.pk in bookable]
    # With a ZIP code, the nearest location comes first and is the one already chosen.
    form = ZipSearchForm(request.GET if "zip" in request.GET else None)
    miles: dict[int, float] = {}
    if form.is_bound and form.is_valid():
        _, nearby = locations_nearest(form.cleaned_data["zip"])
        miles = {item.location.pk: item.miles for item in nearby}
        locations.sort(key=lambda loc: miles.get(loc.pk, float("inf")))
    choices = [(loc, miles.get(loc.pk)) for loc in locations]
    return render(request, "booking/start.html", {"choices": choices, "form": form})


@require_http_methods(["GET", "HEAD", "POST"])
def book_slots(request: HttpRequest, slug: str) -> HttpResponse:
    kind = _bookable(slug)
    location = kind.location
    now = clock.now()
    first = _first_day(request, now.astimezone(location.tz).date())
    last = first + timedelta(days=DAYS_PER_PAGE - 1)
    slots = available_slots(appointment_type=kind, first_day=first, last_day=last, now=now)
    choices, days = slot_days(slots, location.tz)
    form = SlotForm(request.POST or None, choices=choices)
    if request.method == "POST" and form.is_valid():
        practitioner_id, start = form.chosen()
        request.session[DRAFT] = {
            "location": slug,
            "practitioner": practitioner_id,
            "start": start.isoformat(),
        }
        return redirect("booking:details", slug=slug)
    with timezone.override(location.tz):
        return render(
            request,
            "booking/slots.html",
            {
                "kind": kind,
                "location": location,
                "form": form,
                "days": days,
                "first": first,
                "next_from": last + timedelta(days=1),
                "previous_from": first - timedelta(days=DAYS_PER_PAGE)
                if first > now.astimezone(location.tz).date()
                else None,
            },
        )


def _draft(request: HttpRequest, slug: str) -> dict[str, Any] | None:
    draft = request.session.get(DRAFT)
    if not draft or draft.get("location") != slug:
        return None
    return dict(draft)


@require_http_methods(["GET", "HEAD", "POST"])
def book_details(request: HttpRequest, slug: str) -> HttpResponse:
    kind = _bookable(slug)
    draft = _draft(request, slug)
    if draft is None:
        return redirect("booking:slots", slug=slug)
    initial = draft.get("details") or {}
    form = DetailsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        details = dict(form.cleaned_data)
        details["date_of_birth"] = details["date_of_birth"].isoformat()
        draft["details"] = details
        request.session[DRAFT] = draft
        return redirect("booking:review", slug=slug)
    start = datetime.fromisoformat(str(draft["start"]))
    with timezone.override(kind.location.tz):
        return render(
            request,
            "booking/details.html",
            {"kind": kind, "location": kind.location, "form": form, "start": start},
        )


@require_http_methods(["GET", "HEAD", "POST"])
def book_review(request: HttpRequest, slug: str) -> HttpResponse:
    kind = _bookable(slug)
    draft = _draft(request, slug)
    if draft is None or "details" not in draft:
        return redirect("booking:slots", slug=slug)
    details = dict(draft["details"])
    start = datetime.fromisoformat(str(draft["start"]))
    if request.method == "POST":
        actor, now = Actor.of(request, label="online booking"), clock.now()
        if quota_spent(actor=actor, actions=BOOKING, now=now):
            return too_many_page(request)
        try:
            appointment = appointment_book(
                actor=actor,
                appointment_type=kind,
                start=start,
                practitioner_id=int(draft["practitioner"]),
                patient=PatientDetails(
                    given_name=details["given_name"],
                    family_name=details["family_name"],
                    date_of_birth=date.fromisoformat(details["date_of_birth"]),
                    phone=details["phone"],
                    email=details["email"],
                    preferred_language=(get_language() or "en")[:2],
                ),
                now=now,
                reason=details["reason"],
                referring_physician=details["referring_physician"],
                source="online",
                email_ok=bool(details.get("consent_email")),
                sms_ok=bool(details.get("consent_sms")),
                public=True,
            )
        except TooManyFromAddress:
            return too_many_page(request)
        except (SlotTaken, TimeNotOffered):  # taken, or its notice ran out meanwhile
            messages.error(request, _("Sorry, that time was just taken. Please choose another."))
            return redirect("booking:slots", slug=slug)
        del request.session[DRAFT]
        request.session[BOOKED] = appointment.pk
        return redirect("booking:done")
    practitioner = Practitioner.objects.filter(pk=draft["practitioner"]).first()
    with timezone.override(kind.location.tz):
        return render(
            request,
            "booking/review.html",
            {
                "kind": kind,
                "location": kind.location,
                "start": start,
                "details": details,
                "practitioner": practitioner,
            },
        )


def _booked(request: HttpRequest) -> Appointment | None:
    appointment_id = request.session.get(BOOKED)
    if not appointment_id:
        return None
    return appointment_just_booked(int(appointment_id))


@require_http_methods(["GET", "HEAD"])
def book_done(request: HttpRequest) -> HttpResponse:
    appointment = _booked(request)
    if appointment is None:
        return redirect("booking:start")
    with timezone.override(appointment.location.tz):
        return render(request, "booking/done.html", {"appointment": appointment})


@require_http_methods(["GET", "HEAD"])
def book_ics(request: HttpRequest) -> HttpResponse:
    appointment = _booked(request)
    if appointment is None:
        raise Http404
    response = HttpResponse(
        appointment_ics(appointment, now=clock.now()), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="appointment.ics"'
    return response
