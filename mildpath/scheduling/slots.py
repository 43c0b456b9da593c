"""Free appointment slots from working hours and busy intervals. Pure: no Django.

Times of day are wall-clock times at the location (its IANA zone); everything else is
aware UTC. Candidate starts step through the wall clock, so a clinic that opens at
08:00 opens at 08:00 on the days clocks change too; a start that does not exist on
the wall clock (the spring-forward gap) is skipped, and an ambiguous one (fall-back)
takes its first occurrence. Durations are real elapsed time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo


class Interval(NamedTuple):
    """A stretch of time; tuples sort by start, then end."""

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
    moments: dict[float, datetime] | None = None,
) -> list[Interval]:
    """Appointment intervals (without buffers) that fit the hours and clash with nothing.

    ``busy`` holds other appointments' intervals *with* their buffers; an override maps
    a date to its hours that day (an empty list: not working).
    """
    # The inner loop works on POSIX seconds: a search over months has many thousands
    # of candidates, and float arithmetic is what keeps it near the cost of its query.
    held = _merged(sorted((b.start.timestamp(), b.end.timestamp()) for b in busy))
    duration = rules.duration.total_seconds()
    before = rules.buffer_before.total_seconds()
    after = rules.buffer_after.total_seconds()
    step = rules.step.total_seconds()
    earliest, latest = not_before.timestamp(), not_after.timestamp()
    found: list[Interval] = []
    # Many practitioners share one grid of times: callers searching several pass one
    # dict, so each moment becomes a datetime once.
    moments = {} if moments is None else moments
    cursor = 0  # first held interval that ends after the candidate's blocked start
    day = first_day
    while day <= last_day:
        for opens, closes in sorted(_windows_for(day, windows, overrides)):
            for begin in _candidate_starts(day, opens, closes, tz, rules.step, step, duration):
                if begin < earliest or begin > latest:
                    continue
                block_start, block_end = begin - before, begin + duration + after
                # Held intervals are merged, so their ends rise with their starts and the
                # cursor only moves forward.
                while cursor < len(held) and held[cursor][1] <= block_start:
                    cursor += 1
                if cursor < len(held) and held[cursor][0] < block_end:
                    continue
                end_at = begin + duration
                start_dt = moments.get(begin) or _moment(moments, begin)
                end_dt = moments.get(end_at) or _moment(moments, end_at)
                found.append(Interval(start_dt, end_dt))
        day += timedelta(days=1)
    return found


def _merged(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[tuple[float, float]] = []
    for start, end in intervals:
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _moment(cache: dict[float, datetime], seconds: float) -> datetime:
    moment = cache.get(seconds)
    if moment is None:
        moment = cache[seconds] = datetime.fromtimestamp(seconds, UTC)
    return moment


def _candidate_starts(
    day: date,
    opens: time,
    closes: time,
    tz: ZoneInfo,
    step_delta: timedelta,
    step: float,
    duration: float,
) -> Iterable[float]:
    """Start times (POSIX seconds) on the wall clock from ``opens`` whose appointment ends
    by ``closes``."""
    first, last = local_moment(day, opens, tz), local_moment(day, closes, tz)
    wall_span = (datetime.combine(day, closes) - datetime.combine(day, opens)).total_seconds()
    if first is not None and last is not None and last - first == timedelta(seconds=wall_span):
        # No clock change inside the window: plain arithmetic.
        begin, end = first.timestamp(), last.timestamp()
        while begin + duration <= end:
            yield begin
            begin += step
        return
    # A clock change inside the window: step through the wall clock itself.
    if last is None:
        return
    window_end = last.timestamp()
    for at in _step_times(opens, closes, step_delta):
        moment = local_moment(day, at, tz)
        if moment is None:
            continue
        begin = moment.timestamp()
        if begin + duration > window_end:
            return
        yield begin
