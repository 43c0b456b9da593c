"""The calendar: a grid with a column per practitioner, a day by quarter hours or a
week by days, at one of the user's locations; and blocking time from it (holidays,
leave, extra clinics), for the practice manager and the administrator."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from mildpath.accounts.access import forbidden, staff_required
from mildpath.accounts.roles import Capability
from mildpath.audit.actor import Actor
from mildpath.core import clock
from mildpath.practice.models import Location, Practitioner
from mildpath.scheduling import queries
from mildpath.scheduling.availability import HoursChange
from mildpath.scheduling.errors import HoursChangeClashes
from mildpath.scheduling.forms.staff import BlockTimeForm
from mildpath.scheduling.grid import day_grid, week_grid
from mildpath.scheduling.models import Appointment, ScheduleOverride
from mildpath.scheduling.services.overrides import (
    schedule_override_add,
    schedule_override_remove,
)
from mildpath.scheduling.slots import Hours, Window


@dataclass
class Column:
    practitioner: Practitioner
    note: str = ""  # the day's change of hours, in the day view


def _pick_location(request: HttpRequest, locations: list[Location], wanted: str) -> Location:
    return next((loc for loc in locations if loc.slug == wanted), locations[0])


def _hours(
    location: Location, days: list[date]
) -> tuple[dict[int, Practitioner], dict[tuple[int, date], list[tuple[time, time]]], list[Any]]:
    """Who works at the location (weekly or on a date shown), their hours on each day
    shown, and the changes of hours on those days."""
    weekly, changes = queries.hours_at(location=location, first_day=days[0], last_day=days[-1])
    people: dict[int, Practitioner] = {}
    windows: dict[int, list[Window]] = {}
    overrides: dict[int, dict[date, list[tuple[time, time]]]] = {}
    for row in weekly:
        people[row.practitioner_id] = row.practitioner
        windows.setdefault(row.practitioner_id, []).append(Window(row.weekday, row.start, row.end))
    for change in changes:
        people[change.practitioner_id] = change.practitioner
        spans = overrides.setdefault(change.practitioner_id, {}).setdefault(change.date, [])
        if change.start is not None and change.end is not None:
            spans.append((change.start, change.end))
    spans_by_day = {
        (who, day): Hours(windows.get(who, []), overrides.get(who, {})).on(day)
        for who in people
        for day in days
    }
    return people, spans_by_day, changes


@staff_required(Capability.SCHEDULE_VIEW)
@require_http_methods(["GET", "HEAD"])
def calendar(request: HttpRequest) -> HttpResponse:
    actor = Actor.of(request)
    locations = list(queries.locations_for_schedule(actor))
    if not locations:
        return forbidden(request)
    location = _pick_location(request, locations, request.GET.get("location", ""))
    tz = location.tz
    today = clock.now().astimezone(tz).date()
    day = clock.day_from_query(request.GET.get("date", ""), today=today, default=today)
    week = request.GET.get("view") == "week"
    first = day - timedelta(days=day.weekday()) if week else day
    days = [first + timedelta(days=n) for n in range(7 if week else 1)]
    people, spans, changes = _hours(location, days)
    doctors = sorted(people.values(), key=lambda d: (d.family_name, d.given_name))
    doctor = next((d for d in doctors if str(d.pk) == request.GET.get("doctor")), None)
    rows = queries.appointments_between(
        actor,
        location=location,
        start=datetime.combine(days[0], time.min, tzinfo=tz),
        end=datetime.combine(days[-1] + timedelta(days=1), time.min, tzinfo=tz),
        practitioner_id=doctor.pk if doctor else None,
    )
    # A column for whoever works a day shown, and for anyone with a visit then.
    for visit in rows:
        people.setdefault(visit.practitioner_id, visit.practitioner)
    working = {who for (who, _), hours in spans.items() if hours}
    shown = [
        person
        for person in sorted(people.values(), key=lambda d: (d.family_name, d.given_name, d.pk))
        if (doctor is None or person.pk == doctor.pk)
        and (person.pk in working or any(v.practitioner_id == person.pk for v in rows))
    ]
    if doctor is not None and not shown:
        shown = [doctor]
    ids = [person.pk for person in shown]
    context: dict[str, Any] = {
        "locations": locations,
        "location": location,
        "doctors": doctors,
        "doctor": doctor,
        "first": first,
        "last": days[-1],
        "week": week,
        "today": today,
        "book_from": max(first, today),  # booking offers no time before today
        "previous": first - timedelta(days=len(days)),
        "next": first + timedelta(days=len(days)),
        "changes": changes,
        "visit_count": sum(1 for v in rows if v.status != Appointment.Status.CANCELLED),
    }
    if week:
        context["columns"] = [Column(person) for person in shown]
        context["week_rows"] = week_grid(
            days=days,
            tz=tz,
            columns=ids,
            hours={key: value for key, value in spans.items() if key[0] in ids},
            visits=rows,
        )
    else:
        notes = {c.practitioner_id: c for c in changes if c.date == first}
        context["columns"] = [
            Column(person, _change_label(notes[person.pk]) if person.pk in notes else "")
            for person in shown
        ]
        context["day_rows"] = day_grid(
            day=first,
            tz=tz,
            columns=ids,
            hours={who: spans.get((who, first), []) for who in ids},
            visits=[v for v in rows if v.status != Appointment.Status.CANCELLED],
        )
        context["cancelled"] = [v for v in rows if v.status == Appointment.Status.CANCELLED]
    with timezone.override(tz):
        return render(request, "scheduling/calendar.html", context)


def _change_label(change: ScheduleOverride) -> str:
    if change.start is None or change.end is None:
        label = _("Not working")
    else:
        label = _("Changed hours")
    return f"{label}: {change.note}" if change.note else label


@staff_required(Capability.SCHEDULE_HOURS)
@require_http_methods(["GET", "HEAD", "POST"])
def block_time(request: HttpRequest) -> HttpResponse:
    """Change a practitioner's hours for some dates: a holiday or leave (not working),
    or different hours (a shorter day, an extra clinic). Visits already booked in the
    time are listed first and stay booked until the desk moves them."""
    actor = Actor.of(request)
    locations = queries.locations_for_hours(actor)
    if not locations:
        return forbidden(request)
    wanted = request.POST.get("location") or request.GET.get("location", "")
    location = _pick_location(request, locations, wanted)
    tz = location.tz
    today = clock.now().astimezone(tz).date()
    practitioners = queries.practitioners_at(locations)
    initial = {
        "location": location.slug,
        "first_day": clock.day_from_query(
            request.GET.get("date", ""), today=today, default=today, earliest=today
        ),
        "practitioner": request.GET.get("doctor", ""),
        "kind": "off",
    }
    form = BlockTimeForm(
        request.POST or None,
        initial=initial,
        locations=locations,
        practitioners=practitioners,
        today=today,
    )
    clashing: list[Appointment] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen: Location = data["location"]
        change = HoursChange(
            practitioner=data["practitioner"],
            location=chosen,
            first_day=data["first_day"],
            last_day=data["last_day"],
            start=data["start"],
            end=data["end"],
        )
        try:
            changed = schedule_override_add(
                actor=actor,
                now=clock.now(),
                change=change,
                note=data["note"],
                clashes_confirmed=data["confirm"],
            )
        except HoursChangeClashes:
            # Nothing written: list the visits (an audited read) and ask first.
            clashing = queries.visits_in_changed_hours(actor, change)
            form.ask_to_confirm()
        else:
            messages.success(
                request,
                _("Hours changed for %(name)s on %(count)s date(s).")
                % {"name": data["practitioner"].display_name, "count": len(changed.made)}
                + (
                    " "
                    + _("%(count)s visit(s) in that time are still booked: move them.")
                    % {"count": changed.still_booked}
                    if changed.still_booked
                    else ""
                ),
            )
            query = urlencode({"location": chosen.slug, "date": data["first_day"].isoformat()})
            return redirect(f"{reverse('scheduling_staff:calendar')}?{query}")
    upcoming = queries.schedule_overrides_for(
        actor, location=location, first_day=today, last_day=today + timedelta(days=90)
    )
    with timezone.override(tz):
        return render(
            request,
            "scheduling/block_time.html",
            {
                "form": form,
                "location": location,
                "locations": locations,
                "clashing": clashing,
                "upcoming": upcoming,
            },
        )


@staff_required(Capability.SCHEDULE_HOURS)
@require_http_methods(["GET", "HEAD", "POST"])
def block_remove(request: HttpRequest, override_id: int) -> HttpResponse:
    """Asks first: removing a holiday opens those hours to online booking at once. Only
    "Yes, remove it" removes; a post without it shows the question again."""
    actor = Actor.of(request)
    override = queries.schedule_override_for_change(actor, override_id)
    asked = request.POST if request.method == "POST" else request.GET
    back = "calendar" if asked.get("back") == "calendar" else "block"
    query = urlencode({"location": override.location.slug, "date": override.date.isoformat()})
    back_url = f"{reverse('scheduling_staff:' + back)}?{query}"
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        schedule_override_remove(actor=actor, now=clock.now(), override=override)
        messages.success(request, _("Change removed: that date follows the weekly hours again."))
        return redirect(back_url)
    return render(
        request,
        "scheduling/block_remove.html",
        {"change": override, "back": back, "back_url": back_url},
    )
