"""Blocking time: a practitioner's hours changed for some dates at one location (a
holiday, leave, a shorter day, an extra clinic), as ``ScheduleOverride`` rows.

A date with any override rows follows them instead of the weekly hours (``slots.Hours``):
a row without times is a day off, rows with times are the hours worked that date. So a
day off replaces whatever that date had; hours are added to the date's other hours.
Visits already booked in the time are not moved: the page lists them and asks first, and
the change counts them again under its lock, so one booked in the meantime is not missed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction

from mildpath.audit.actor import Actor
from mildpath.audit.services import record
from mildpath.scheduling.availability import HoursChange, visits_outside_changed_hours
from mildpath.scheduling.errors import HoursChangeClashes
from mildpath.scheduling.models import ScheduleOverride
from mildpath.scheduling.services.locks import schedules_lock

# Leave longer than this is better entered as a change of weekly hours in the settings.
MAX_DAYS = 31


@dataclass(frozen=True)
class HoursChanged:
    made: list[ScheduleOverride]
    still_booked: int  # visits left outside the new hours, counted under the lock


def schedule_override_add(
    *, actor: Actor, now: datetime, change: HoursChange, note: str, clashes_confirmed: bool
) -> HoursChanged:
    """Make ``change``: the practitioner not working (no times) or working
    ``start``-``end`` at the location on every date from ``first_day`` to ``last_day``.
    One audit entry for the whole change. Visits booked in the time stay booked;
    unless ``clashes_confirmed``, any such visit found under the lock raises
    HoursChangeClashes and nothing is written. Raises ValueError for dates or times that
    make no sense (the form refuses them first)."""
    first_day, last_day, start, end = change.first_day, change.last_day, change.start, change.end
    practitioner, location = change.practitioner, change.location
    if last_day < first_day or (last_day - first_day).days >= MAX_DAYS:
        raise ValueError("dates")
    if (start is None) != (end is None) or (start is not None and end is not None and end <= start):
        raise ValueError("times")
    days = [first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1)]
    with transaction.atomic():
        # A booking re-checks the hours under this lock: none slips in half-way; and
        # a visit booked since the page listed them is found here.
        schedules_lock(practitioner_ids=(practitioner.pk,))
        clashing = visits_outside_changed_hours(change)
        if clashing and not clashes_confirmed:
            raise HoursChangeClashes
        existing = ScheduleOverride.objects.filter(
            practitioner=practitioner, location=location, date__in=days
        )
        # A day off replaces the date's hours; hours replace a day off on that date.
        replaced = existing if start is None else existing.filter(start__isnull=True)
        replaced_ids = sorted(replaced.values_list("pk", flat=True))
        ScheduleOverride.objects.filter(pk__in=replaced_ids).delete()
        made = ScheduleOverride.objects.bulk_create(
            ScheduleOverride(
                practitioner=practitioner,
                location=location,
                date=day,
                start=start,
                end=end,
                note=note.strip(),
            )
            for day in days
        )
        record(
            action="schedule.block",
            actor=actor,
            now=now,
            obj=practitioner,
            detail={
                "location": location.slug,
                "from": first_day.isoformat(),
                "to": last_day.isoformat(),
                "hours": [start.isoformat(), end.isoformat()] if start and end else None,
                "note": note.strip(),
                "replaced": replaced_ids,
                "still_booked": [visit.pk for visit in clashing],
            },
        )
    return HoursChanged(made=made, still_booked=len(clashing))


def schedule_override_remove(*, actor: Actor, now: datetime, override: ScheduleOverride) -> None:
    """Take back one date's change: that date follows the weekly hours again (or the
    date's other changes, if it has more)."""
    with transaction.atomic():
        schedules_lock(practitioner_ids=(override.practitioner_id,))
        deleted, _ = ScheduleOverride.objects.filter(pk=override.pk).delete()
        if not deleted:
            return
        record(
            action="schedule.unblock",
            actor=actor,
            now=now,
            obj=override.practitioner,
            detail={
                "location": override.location.slug,
                "date": override.date.isoformat(),
                "hours": (
                    [override.start.isoformat(), override.end.isoformat()]
                    if override.start and override.end
                    else None
                ),
                "note": override.note,
            },
        )
