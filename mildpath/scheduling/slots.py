"""Free appointment slots from working hours and busy intervals. Pure: no Django.

Times of day are wall-clock times at the location (its IANA zone); everything else is
aware UTC. Candidate starts step through the wall clock, so a clinic that opens at
08:00 opens at 08:00 on the days clocks change too; a start that does not exist on
the wall clock (the spring-forward gap) is skipped, and an ambiguous one (fall-back)
takes its first occurrence. Durations are real elapsed time.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True, order=True)
class Interval:
    start: datetime
    end: datetime

    def overlaps(self, other: Interval) -> bool:
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True)
class Window:
    """Working hours on one weekday (0 = Monday), wall-clock times."""

    weekday: int
    start: time
    end: time


@dataclass(frozen=True)
class SlotRules:
    duration: timedelta
    buffer_before: timedelta = timedelta(0)
    buffer_after: timedelta = timedelta(0)
    step: timedelta = timedelta(minutes=15)


def local_moment(day: date, at: time, tz: ZoneInfo) -> datetime | None:
    """``day`` at wall-clock ``at`` in ``tz``, as UTC; None if that time does not exist."""
    naive = datetime.combine(day, at)
    aware = naive.replace(tzinfo=tz, fold=0)
    as_utc = aware.astimezone(UTC)
    if as_utc.astimezone(tz).replace(tzinfo=None) != naive:
        return None  # skipped by a spring-forward change
    return as_utc


def _windows_for(
    day: date,
    windows: Sequence[Window],
    overrides: Mapping[date, Sequence[tuple[time, time]]],
) -> Iterable[tuple[time, time]]:
    if day in overrides:
        return overrides[day]
    return [(w.start, w.end) for w in windows if w.weekday == day.weekday()]


def _step_times(start: time, end: time, step: timedelta) -> Iterable[time]:
    cursor = datetime.combine(date(2000, 1, 3), start)
    stop = datetime.combine(date(2000, 1, 3), end)
    while cursor < stop:
        yield cursor.time()
        cursor += step


def free_slots(
    *,
    tz: ZoneInfo,
    windows: Sequence[Window],
    overrides: Mapping[date, Sequence[tuple[time, time]]],
    busy: Sequence[Interval],
    first_day: date,
    last_day: date,
    rules: SlotRules,
    not_before: datetime,
    not_after: datetime,
) -> list[Interval]:
    """Appointment intervals (without buffers) that fit the hours and clash with nothing.

    ``busy`` holds other appointments' intervals *with* their buffers, sorted by start;
    an override maps a date to its hours that day (an empty list: not working).
    """
    ordered = sorted(busy)
    starts = [interval.start for interval in ordered]
    longest = max((i.end - i.start for i in ordered), default=timedelta(0))
    found: list[Interval] = []
    day = first_day
    while day <= last_day:
        for opens, closes in _windows_for(day, windows, overrides):
            window_end = local_moment(day, closes, tz)
            if window_end is None:
                continue
            for at in _step_times(opens, closes, rules.step):
                begin = local_moment(day, at, tz)
                if begin is None or begin < not_before or begin > not_after:
                    continue
                end = begin + rules.duration
                if end > window_end:
                    break
                blocked = Interval(begin - rules.buffer_before, end + rules.buffer_after)
                # Only intervals starting before ours ends, and not long before it, can clash.
                low = bisect_left(starts, blocked.start - longest)
                high = bisect_left(starts, blocked.end)
                if not any(ordered[i].overlaps(blocked) for i in range(low, high)):
                    found.append(Interval(begin, end))
        day += timedelta(days=1)
    return found
