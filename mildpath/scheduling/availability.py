"""Free slots for a location and appointment type, from the database.

One query fetches every busy interval of the candidate practitioners (at any
location, since nobody can be in two places at once); the rest is the pure
``slots`` module.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from mildpath.practice.models import Practitioner
from mildpath.scheduling.models import Appointment, AppointmentType, ScheduleOverride, WorkingHours
from mildpath.scheduling.slots import FreeTime, Hours, Interval, SlotRules, Window, free_times


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
    practitioner: Practitioner | None = None,
) -> list[FreeTime]:
    """Free times for one appointment type at its location, earliest first."""
    return available_slots_by_type(
        appointment_types=[appointment_type],
        first_day=first_day,
        last_day=last_day,
        now=now,
        practitioner=practitioner,
    )[appointment_type.pk]


def available_slots_by_type(
    *,
    appointment_types: Sequence[AppointmentType],
    first_day: date,
    last_day: date,
    now: datetime,
    practitioner: Practitioner | None = None,
) -> dict[int, list[FreeTime]]:
    """Free times for several appointment types (one per location, say), from one query
    each for eligibility, hours, date changes and busy time, whatever their number. Days
    are the location's own calendar days."""
    eligible: dict[int, list[int]] = defaultdict(list)
    for type_id, practitioner_id in AppointmentType.practitioners.through.objects.filter(
        appointmenttype_id__in=[kind.pk for kind in appointment_types],
        practitioner__is_active=True,
    ).values_list("appointmenttype_id", "practitioner_id"):
        if practitioner is None or practitioner_id == practitioner.pk:
            eligible[type_id].append(practitioner_id)
    candidates = sorted({pk for pks in eligible.values() for pk in pks})
    location_ids = {kind.location_id for kind in appointment_types}
    windows: dict[tuple[int, int], list[Window]] = defaultdict(list)
    for hours in WorkingHours.objects.filter(
        practitioner_id__in=candidates, location_id__in=location_ids
    ):
        windows[hours.practitioner_id, hours.location_id].append(
            Window(hours.weekday, hours.start, hours.end)
        )
    overrides: dict[tuple[int, int], dict[date, list[tuple[time, time]]]] = defaultdict(dict)
    for change in ScheduleOverride.objects.filter(
        practitioner_id__in=candidates,
        location_id__in=location_ids,
        date__range=(first_day, last_day),
    ):
        day = overrides[change.practitioner_id, change.location_id].setdefault(change.date, [])
        if change.start is not None and change.end is not None:
            day.append((change.start, change.end))
    busy = busy_intervals(candidates, *busy_span(first_day, last_day))
    found: dict[int, list[FreeTime]] = {}
    for kind in appointment_types:
        found[kind.pk] = free_times(
            tz=kind.location.tz,
            hours={
                pk: Hours(windows[pk, kind.location_id], overrides.get((pk, kind.location_id), {}))
                for pk in eligible[kind.pk]
            },
            busy=busy,
            first_day=first_day,
            last_day=last_day,
            rules=rules_for(kind),
            not_before=now + timedelta(hours=kind.minimum_notice_hours),
            not_after=now + timedelta(days=kind.horizon_days),
        )
    return found
