"""Online booking for patients, no account needed:
location -> time -> details -> review -> confirmation.

The time step is one screen: the next days with free times, then the chosen day's
times, morning and afternoon, with any doctor or a chosen one; each time is a button
that continues. The review shows everything back with a way to change each part.

Every step works as a plain form; the draft lives in the session until the booking
is made, and the time is checked again, under the booking lock, at the last step.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from mildpath.audit.actor import Actor
from mildpath.core import clock
from mildpath.core.phone import format_phone
from mildpath.core.typed import switching_language, typed_initial, typed_keep
from mildpath.patients.services import PatientDetails
from mildpath.practice.forms import ZipSearchForm
from mildpath.practice.models import Practitioner
from mildpath.practice.queries import (
    locations_nearest,
    locations_public,
    outside_service_area,
    service_radius_miles,
)
from mildpath.scheduling.availability import available_slots
from mildpath.scheduling.errors import (
    SlotTaken,
    TimeNotOffered,
    TooManyFromAddress,
)
from mildpath.scheduling.forms.public import (
    DetailsForm,
    ReviewForm,
    TimeButton,
    TimeStepForm,
    details_initial,
    slot_value,
    time_choices,
)
from mildpath.scheduling.ics import appointment_ics
from mildpath.scheduling.models import Appointment, AppointmentType
from mildpath.scheduling.queries import appointment_just_booked, confirmations_sent
from mildpath.scheduling.services.booking import appointment_book
from mildpath.scheduling.services.quota import BOOKING, quota_spent
from mildpath.scheduling.slots import FreeTime, by_local_day, day_page, morning_and_afternoon
from mildpath.scheduling.throttle import too_many_page

DRAFT = "booking_draft"
DETAILS_TYPED = "booking_details"  # what was typed on the details step (core.typed)
BOOKED = "booking_done"
DAYS_PER_PAGE = 7  # days with free times shown at once
SEARCH_DAYS = 28  # how far the time step looks, either side of its first day, for them


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
    if slug and slug in set(locations_public().values_list("slug", flat=True)):
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
    far_away = False
    if form.is_bound and form.is_valid():
        _, nearby = locations_nearest(form.cleaned_data["zip"])
        miles = {item.location.pk: item.miles for item in nearby}
        far_away = outside_service_area(nearby)
        locations.sort(key=lambda loc: miles.get(loc.pk, float("inf")))
    choices = [(loc, miles.get(loc.pk)) for loc in locations]
    return render(
        request,
        "booking/start.html",
        {
            "choices": choices,
            "form": form,
            "far_away": far_away,
            "radius": service_radius_miles(),
        },
    )


def _doctors(kind: AppointmentType) -> list[Practitioner]:
    """Who a patient may choose for this appointment type: its active practitioners who
    work at its location."""
    location = kind.location
    return list(
        kind.practitioners.filter(is_active=True)
        .filter(Q(working_hours__location=location) | Q(overrides__location=location))
        .distinct()
        .order_by("family_name", "given_name")
    )


def _chosen_doctor(request: HttpRequest, doctors: list[Practitioner]) -> Practitioner | None:
    """The doctor the query string asks for (None: any); another location's, or a made-up
    one, is not found."""
    raw = request.GET.get("doctor", "")
    if not raw:
        return None
    found = next((doctor for doctor in doctors if str(doctor.pk) == raw), None)
    if found is None:
        raise Http404
    return found


def _step_query(
    *, first: date | None, day: date | None, doctor: Practitioner | None, earlier: bool
) -> str:
    """The time step's query string: which days, which day, whose times, and whether the
    patient asked to be offered an earlier time."""
    params: dict[str, str] = {}
    if first is not None:
        params["from"] = first.isoformat()
    if day is not None:
        params["day"] = day.isoformat()
    if doctor is not None:
        params["doctor"] = str(doctor.pk)
    if earlier:
        params["earlier"] = "1"
    return "?" + urlencode(params)  # "?" alone: the time step as it first opens


@require_http_methods(["GET", "HEAD", "POST"])
def book_slots(request: HttpRequest, slug: str) -> HttpResponse:
    """The time step: the next days with free times, then the chosen day's times in
    the morning and the afternoon, with any doctor or a chosen one. Choosing a time
    (a button per time) continues to the patient's details."""
    kind = _bookable(slug)
    location = kind.location
    tz = location.tz
    now = clock.now()
    today = now.astimezone(tz).date()
    doctors = _doctors(kind)
    doctor = _chosen_doctor(request, doctors)
    earlier = request.GET.get("earlier") == "1"
    first = _first_day(request, today)
    searched_to = first + timedelta(days=SEARCH_DAYS - 1)
    slots = available_slots(
        appointment_type=kind,
        first_day=max(today, first - timedelta(days=SEARCH_DAYS)),
        last_day=searched_to,
        now=now,
        practitioner_id=doctor.pk if doctor else None,
    )
    by_day = by_local_day(slots, tz)
    page = day_page(
        list(by_day),
        start=first,
        size=DAYS_PER_PAGE,
        searched_to=searched_to,
        latest=today + timedelta(days=kind.horizon_days),
    )
    asked = clock.day_from_query(request.GET.get("day", ""), today=today, default=today)
    day = asked if asked in page.days else (page.days[0] if page.days else None)
    posted = request.POST if request.method == "POST" else None
    form = TimeStepForm(posted, choices=time_choices(slots))
    if request.method == "POST" and form.is_valid():
        practitioner_id, start = form.chosen()
        previous = request.session.get(DRAFT) or {}
        draft: dict[str, Any] = {
            "location": slug,
            "practitioner": practitioner_id,
            "any_doctor": doctor is None,
            "start": start.isoformat(),
            "earlier": form.cleaned_data["earlier"] or bool(previous.get("earlier")),
        }
        if previous.get("details"):  # a new time for details already given: back to review
            draft["details"] = previous["details"]
            request.session[DRAFT] = draft
            return redirect("booking:review", slug=slug)
        request.session[DRAFT] = draft
        return redirect("booking:details", slug=slug)
    names = {practitioner.pk: practitioner for practitioner in doctors}

    def buttons(group: list[FreeTime]) -> list[TimeButton]:
        # With any doctor, each time goes to the first doctor free then, named on it.
        return [
            TimeButton(
                slot=slot,
                value=slot_value(slot.practitioner_ids[0], slot.start),
                doctor=names.get(slot.practitioner_ids[0]),
            )
            for slot in group
        ]

    morning, afternoon = morning_and_afternoon(by_day.get(day, []) if day else [], tz)
    groups = [
        (_("Morning"), "morning", buttons(morning)),
        (_("Afternoon"), "afternoon", buttons(afternoon)),
    ]
    # One doctor free all day: named once over the times, not on each of thirty buttons.
    everyone = {button.doctor for _, _, group in groups for button in group}
    named = doctor or (everyone.pop() if len(everyone) == 1 else None)

    def link(**changes: Any) -> str:
        state = {"first": first, "day": day, "doctor": doctor, "earlier": earlier, **changes}
        if state["first"] == today:
            state["first"] = None
        return _step_query(**state)

    with timezone.override(tz):
        return render(
            request,
            "booking/slots.html",
            {
                "kind": kind,
                "location": location,
                "form": form,
                "doctors": doctors,
                "doctor": doctor,
                "earlier": earlier,
                "days": [(shown, link(day=shown)) for shown in page.days],
                "day": day,
                "groups": groups,
                "named": named,
                "post_query": link(),
                "earlier_link": link(earlier=True),
                "not_earlier_link": link(earlier=False),
                "previous_link": link(first=page.previous_from, day=None)
                if page.previous_from
                else "",
                "next_link": link(first=page.next_from, day=None) if page.next_from else "",
            },
        )


def _draft(request: HttpRequest, slug: str) -> dict[str, Any] | None:
    draft = request.session.get(DRAFT)
    if not draft or draft.get("location") != slug:
        return None
    return dict(draft)


def _time_step_link(draft: dict[str, Any], start: datetime, tz: Any) -> str:
    """Back to the time step at the chosen day, with the same doctor choice."""
    day = start.astimezone(tz).date()
    doctor = None if draft.get("any_doctor", True) else draft.get("practitioner")
    params = {"from": day.isoformat(), "day": day.isoformat()}
    if doctor:
        params["doctor"] = str(doctor)
    if draft.get("earlier"):
        params["earlier"] = "1"
    return "?" + urlencode(params)


@require_http_methods(["GET", "HEAD", "POST"])
def book_details(request: HttpRequest, slug: str) -> HttpResponse:
    kind = _bookable(slug)
    draft = _draft(request, slug)
    if draft is None:
        return redirect("booking:slots", slug=slug)
    if switching_language(request):
        return typed_keep(request, key=DETAILS_TYPED, form_class=DetailsForm)
    initial = details_initial(draft.get("details"))
    initial.update(typed_initial(request, key=DETAILS_TYPED, form_class=DetailsForm))
    form = DetailsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        details = dict(form.cleaned_data)
        details["date_of_birth"] = details["date_of_birth"].isoformat()
        draft["details"] = details
        request.session[DRAFT] = draft
        return redirect("booking:review", slug=slug)
    start = datetime.fromisoformat(str(draft["start"]))
    tz = kind.location.tz
    with timezone.override(tz):
        return render(
            request,
            "booking/details.html",
            {
                "kind": kind,
                "location": kind.location,
                "form": form,
                "start": start,
                "practitioner": Practitioner.objects.filter(pk=draft["practitioner"]).first(),
                "time_link": _time_step_link(draft, start, tz),
                "keep_typed_form": "details-form",
            },
        )


@require_http_methods(["GET", "HEAD", "POST"])
def book_review(request: HttpRequest, slug: str) -> HttpResponse:
    kind = _bookable(slug)
    draft = _draft(request, slug)
    if draft is None or "details" not in draft:
        return redirect("booking:slots", slug=slug)
    details = dict(draft["details"])
    start = datetime.fromisoformat(str(draft["start"]))
    tz = kind.location.tz
    posted = request.POST if request.method == "POST" else None
    form = ReviewForm(posted, initial={"earlier": bool(draft.get("earlier"))})
    if request.method == "POST" and form.is_valid():
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
                # Booked and in line for an earlier time, in one transaction (the
                # waiting list brings a booked visit forward).
                wait_for_earlier=bool(form.cleaned_data["earlier"]),
            )
        except TooManyFromAddress:
            return too_many_page(request)
        except (SlotTaken, TimeNotOffered):  # taken, or its notice ran out meanwhile
            messages.error(request, _("Sorry, that time was just taken. Please choose another."))
            return redirect(
                reverse("booking:slots", args=[slug]) + _time_step_link(draft, start, tz)
            )
        del request.session[DRAFT]
        request.session[BOOKED] = appointment.pk
        return redirect("booking:done")
    with timezone.override(tz):
        return render(
            request,
            "booking/review.html",
            {
                "kind": kind,
                "location": kind.location,
                "start": start,
                "details": details,
                "born": date.fromisoformat(details["date_of_birth"]),
                "phone": format_phone(details["phone"]),
                "practitioner": Practitioner.objects.filter(pk=draft["practitioner"]).first(),
                "form": form,
                "time_link": _time_step_link(draft, start, tz),
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
    # What the outbox holds for it, so the page says what was sent where.
    sent = confirmations_sent(appointment)
    with timezone.override(appointment.location.tz):
        return render(
            request,
            "booking/done.html",
            {
                "appointment": appointment,
                "sent": sent,
                "visit_location": appointment.location,
                "visit_ahead": True,
            },
        )


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
