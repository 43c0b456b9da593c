"""Free slots for a location and appointment type, from the database.

One query fetches every busy interval of the candidate practitioners (at any
location, since nobody can be in two places at once); the rest is the pure
``slots`` module.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from mildpath.practice.models import Practitioner
from mildpath.scheduling.models import Appointment, AppointmentType, ScheduleOverride, WorkingHours
from mildpath.scheduling.slots import Interval, SlotRules, Window, free_slots


class Slot(NamedTuple):
    """A free time; tuples sort by start, then practitioner."""

    start: datetime
    practitioner_id: int
    end: datetime


def rules_for(kind: AppointmentType) -> SlotRules:
    return SlotRules(
        duration=timedelta(minutes=kind.duration_minutes),
        buffer_before=timedelta(minutes=kind.buffer_before_minutes),
        buffer_after=timedelta(minutes=kind.buffer_after_minutes),
        step=timedelta(minutes=15),
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
    practitioner: Practitioner | None = None,
) -> list[Slot]:
    location = appointment_type.location
    tz = location.tz
    candidates = list(
        appointment_type.practitioners.filter(is_active=True).values_list("id", flat=True)
    )
    if practitioner is not None:
        candidates = [pk for pk in candidates if pk == practitioner.pk]
    if not candidates:
        return []
    not_before = now + timedelta(hours=appointment_type.minimum_notice_hours)
    not_after = now + timedelta(days=appointment_type.horizon_days)

    windows: dict[int, list[Window]] = defaultdict(list)
    for hours in WorkingHours.objects.filter(practitioner_id__in=candidates, location=location):
        windows[hours.practitioner_id].append(Window(hours.weekday, hours.start, hours.end))
    overrides: dict[int, dict[date, list[tuple[time, time]]]] = defaultdict(dict)
    for change in ScheduleOverride.objects.filter(
        practitioner_id__in=candidates, location=location, date__range=(first_day, last_day)
    ).order_by("date", "start"):
        day = overrides[change.practitioner_id].setdefault(change.date, [])
        if change.start is not None and change.end is not None:
            day.append((change.start, change.end))

    search_start = datetime.combine(first_day, time.min, tzinfo=tz) - timedelta(hours=12)
    search_end = datetime.combine(last_day, time.max, tzinfo=tz) + timedelta(hours=12)
    busy = busy_intervals(candidates, search_start, search_end)
    rules = rules_for(appointment_type)
    moments: dict[float, datetime] = {}
    found = [
        Slot(interval.start, practitioner_id, interval.end)
        for practitioner_id in candidates
        for interval in free_slots(
            tz=tz,
            windows=windows[practitioner_id],
            overrides=overrides[practitioner_id],
            busy=busy[practitioner_id],
            first_day=first_day,
            last_day=last_day,
            rules=rules,
            not_before=not_before,
            not_after=not_after,
            moments=moments,
        )
    ]
    found.sort()
    return found
