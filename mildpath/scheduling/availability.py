"""Free slots for a location and appointment type, from the database.

One query fetches every busy interval of the candidate practitioners (at any
location, since nobody can be in two places at once); the rest is the pure
``slots`` module.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db.models import F, Q, QuerySet

from mildpath.practice.models import Location, Practitioner
from mildpath.scheduling.errors import TimeNotOffered
from mildpath.scheduling.models import Appointment, AppointmentType, ScheduleOverride, WorkingHours
from mildpath.scheduling.slots import (
    FreeTime,
    Hours,
    Interval,
    SlotRules,
    Window,
    free_times,
    who_may_start,
)


def rules_for(kind: AppointmentType) -> SlotRules:
    return SlotRules(
        duration=timedelta(minutes=kind.duration_minutes),
        buffer_before=timedelta(minutes=kind.buffer_before_minutes),
        buffer_after=timedelta(minutes=kind.buffer_after_minutes),
        step=timedelta(minutes=15),
    )


def busy_span(first_day: date, last_day: date) -> tuple[datetime, datetime]:
    """UTC bounds that hold these calendar days in any time zone, and then some: a day
    either side."""
    return (
        datetime.combine(first_day - timedelta(days=1), time.min, tzinfo=UTC),
        datetime.combine(last_day + timedelta(days=2), time.min, tzinfo=UTC),
    )


def busy_intervals(
    practitioner_ids: list[int], start: datetime, end: datetime
) -> dict[int, list[Interval]]:
    """The floor of a slot search: the one query for time already held."""
    busy: dict[int, list[Interval]] = defaultdict(list)
    rows = Appointment.objects.filter(
        practitioner_id__in=practitioner_ids,
        status__in=Appointment.HOLDS_TIME,
        busy_start__lt=end,
        busy_end__gt=start,
    ).values_list("practitioner_id", "busy_start", "busy_end")
    for practitioner_id, busy_start, busy_end in rows.iterator(chunk_size=5000):
        busy[practitioner_id].append(Interval(busy_start, busy_end))
    return busy


def available_slots(
    *,
    appointment_type: AppointmentType,
    first_day: date,
    last_day: date,
    now: datetime,
    practitioner_id: int | None = None,
) -> list[FreeTime]:
    """Free times for one appointment type at its location, earliest first."""
    return available_slots_by_type(
        appointment_types=[appointment_type],
        first_day=first_day,
        last_day=last_day,
        now=now,
        practitioner_id=practitioner_id,
    )[appointment_type.pk]


def available_slots_by_type(
    *,
    appointment_types: Sequence[AppointmentType],
    first_day: date,
    last_day: date,
    now: datetime,
    practitioner_id: int | None = None,
) -> dict[int, list[FreeTime]]:
    """Free times for several appointment types (one per location, say), from one query
    each for eligibility, hours, date changes and busy time, whatever their number. Days
    are the location's own calendar days."""
    hours = _hours_by_type(appointment_types, first_day, last_day, practitioner_id)
    candidates = sorted({pk for by_practitioner in hours.values() for pk in by_practitioner})
    busy = busy_intervals(candidates, *busy_span(first_day, last_day))
    return {
        kind.pk: free_times(
            tz=kind.location.tz,
            hours=hours[kind.pk],
            busy=busy,
            first_day=first_day,
            last_day=last_day,
            rules=rules_for(kind),
            not_before=now + timedelta(hours=kind.minimum_notice_hours),
            not_after=now + timedelta(days=kind.horizon_days),
        )
        for kind in appointment_types
    }


def time_refusal(
    *, appointment_type: AppointmentType, start: datetime, now: datetime
) -> TimeNotOffered | None:
    """Why ``start`` is never offered for this type now, whoever else has booked (None
    when it may be): checked before anything else, so such a time is a clear "no", not
    a "just taken"."""
    kind = appointment_type
    if start <= now:
        return TimeNotOffered("past", "must be in the future")
    if start < now + timedelta(hours=kind.minimum_notice_hours):
        return TimeNotOffered(
            "notice", f"must be at least {kind.minimum_notice_hours} hours from now"
        )
    if start > now + timedelta(days=kind.horizon_days):
        return TimeNotOffered("horizon", f"must be within {kind.horizon_days} days from now")
    local = start.astimezone(kind.location.tz)
    if local.minute % 15 or local.second or local.microsecond:
        return TimeNotOffered("grid", "must be on the quarter hour, like 09:00 or 09:15")
    return None


def practitioners_working_at(
    *,
    appointment_type: AppointmentType,
    start: datetime,
    now: datetime,
    practitioner_id: int | None = None,
) -> tuple[int, ...]:
    """Who could take ``start`` by hours, notice and horizon, busy time aside.

    None of that changes when somebody else books, so a booking checks it before taking
    its lock and re-checks only busy time under it.
    """
    tz = appointment_type.location.tz
    day = start.astimezone(tz).date()
    return who_may_start(
        tz=tz,
        hours=_hours_by_type([appointment_type], day, day, practitioner_id)[appointment_type.pk],
        at=start,
        rules=rules_for(appointment_type),
        not_before=now + timedelta(hours=appointment_type.minimum_notice_hours),
        not_after=now + timedelta(days=appointment_type.horizon_days),
    )


def _hours_by_type(
    appointment_types: Sequence[AppointmentType],
    first_day: date,
    last_day: date,
    practitioner_id: int | None,
) -> dict[int, dict[int, Hours]]:
    """For each appointment type, the hours at its location of everyone eligible for it
    who works there at all (weekly, or on a date in the search)."""
    type_ids = [kind.pk for kind in appointment_types]
    weekly, changes = _eligible_hours(type_ids, practitioner_id, first_day, last_day)
    windows: dict[tuple[int, int], list[Window]] = defaultdict(list)
    for type_id, who, weekday, opens, closes in weekly:
        windows[type_id, who].append(Window(weekday, opens, closes))
    # An override with no hours is a day off: an empty list for the day.
    overrides: dict[tuple[int, int], dict[date, list[tuple[time, time]]]] = defaultdict(dict)
    for type_id, who, day, change_opens, change_closes in changes:
        spans = overrides[type_id, who].setdefault(day, [])
        if change_opens is not None and change_closes is not None:
            spans.append((change_opens, change_closes))
    found: dict[int, dict[int, Hours]] = {type_id: {} for type_id in type_ids}
    for type_id, who in sorted({*windows, *overrides}):
        found[type_id][who] = Hours(windows[type_id, who], overrides.get((type_id, who), {}))
    return found


def _eligible(
    rows: QuerySet[WorkingHours] | QuerySet[ScheduleOverride],
    type_ids: Sequence[int],
    practitioner_id: int | None,
) -> Any:
    """Hours rows of active practitioners eligible for each type, at the type's location,
    each with the type it serves."""
    rows = rows.filter(
        practitioner__appointment_types__in=type_ids,
        location_id=F("practitioner__appointment_types__location_id"),
        practitioner__is_active=True,
    )
    if practitioner_id is not None:
        rows = rows.filter(practitioner_id=practitioner_id)
    return rows


def _eligible_hours(
    type_ids: Sequence[int], practitioner_id: int | None, first_day: date, last_day: date
) -> tuple[list[tuple[int, int, int, time, time]], list[tuple[int, int, date, Any, Any]]]:
    """For every active practitioner eligible for each type, at the type's location:
    their weekly hours, as (type, practitioner, weekday, opens, closes), and their date
    changes from ``first_day`` to ``last_day``, as (type, practitioner, date, opens,
    closes), where no hours means a day off."""
    if not type_ids:
        return [], []
    weekly = _eligible(WorkingHours.objects.all(), type_ids, practitioner_id).values_list(
        "practitioner__appointment_types", "practitioner_id", "weekday", "start", "end"
    )
    changes = _eligible(
        ScheduleOverride.objects.filter(date__gte=first_day, date__lte=last_day),
        type_ids,
        practitioner_id,
    ).values_list("practitioner__appointment_types", "practitioner_id", "date", "start", "end")
    return list(weekly), list(changes)


def clashes(
    *,
    practitioner_ids: Sequence[int],
    held_from: datetime,
    held_to: datetime,
    patient_id: int | None,
    start: datetime,
    end: datetime,
) -> tuple[set[int], bool]:
    """Which of the practitioners hold time overlapping [held_from, held_to) (buffers
    included), and whether the patient holds an appointment overlapping [start, end).
    One query; a booking asks it under the lock."""
    overlapping = Q(
        practitioner_id__in=practitioner_ids, busy_start__lt=held_to, busy_end__gt=held_from
    )
    if patient_id is not None:
        overlapping |= Q(patient_id=patient_id, start__lt=end, end__gt=start)
    taken: set[int] = set()
    patient_busy = False
    for who, whose, busy_start, busy_end, booked_start, booked_end in Appointment.objects.filter(
        overlapping, status__in=Appointment.HOLDS_TIME
    ).values_list("practitioner_id", "patient_id", "busy_start", "busy_end", "start", "end"):
        if who in practitioner_ids and busy_start < held_to and busy_end > held_from:
            taken.add(who)
        if whose == patient_id and booked_start < end and booked_end > start:
            patient_busy = True
    return taken, patient_busy


@dataclass(frozen=True)
class HoursChange:
    """A practitioner's hours at one location changed on every date from ``first_day``
    to ``last_day``: a day off (no times) or hours ``start``-``end`` added."""

    practitioner: Practitioner
    location: Location
    first_day: date
    last_day: date
    start: time | None
    end: time | None


def visits_outside_changed_hours(change: HoursChange) -> list[Appointment]:
    """Booked visits with the practitioner at the location that would fall outside
    their hours after ``change`` (its hours are added to those other changes already
    give those dates, replacing the weekly hours), by start. Two queries. No access
    check: the caller has checked that the location is the actor's; a change of hours
    asks it under its lock."""
    location, start, end = change.location, change.start, change.end
    tz = location.tz
    spans: dict[date, list[tuple[time, time]]] = defaultdict(list)
    if start is not None and end is not None:
        for day, opens, closes in ScheduleOverride.objects.filter(
            practitioner=change.practitioner,
            location=location,
            date__gte=change.first_day,
            date__lte=change.last_day,
            start__isnull=False,
        ).values_list("date", "start", "end"):
            if opens is not None and closes is not None:
                spans[day].append((opens, closes))
    booked = (
        Appointment.objects.filter(
            practitioner=change.practitioner,
            location=location,
            status=Appointment.Status.BOOKED,
            start__gte=datetime.combine(change.first_day, time.min, tzinfo=tz),
            start__lt=datetime.combine(change.last_day + timedelta(days=1), time.min, tzinfo=tz),
        )
        .select_related("patient", "practitioner", "location", "appointment_type__location")
        .order_by("start")
    )
    outside = []
    for visit in booked:
        local_start, local_end = visit.start.astimezone(tz), visit.end.astimezone(tz)
        day = local_start.date()
        hours = [*spans.get(day, []), *([(start, end)] if start and end else [])]
        if not any(
            opens <= local_start.time() and local_end.time() <= closes and local_end.date() == day
            for opens, closes in hours
        ):
            outside.append(visit)
    return outside
