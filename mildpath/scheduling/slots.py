"""Free appointment slots from working hours and busy intervals. Pure: no Django.

Times of day are wall-clock times at the location (its IANA zone); everything else is
aware UTC. Candidate starts step through the wall clock, so a clinic that opens at
08:00 opens at 08:00 on the days clocks change too; a start that does not exist on
the wall clock (the spring-forward gap) is skipped, and an ambiguous one (fall-back)
takes its first occurrence. Durations are real elapsed time.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
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
class Hours:
    """One practitioner's working hours: weekly windows, and date overrides that replace
    them for a day (an empty list: not working that day)."""

    windows: Sequence[Window]
    overrides: Mapping[date, Sequence[tuple[time, time]]] = field(default_factory=dict)

    def on(self, day: date) -> list[tuple[time, time]]:
        if day in self.overrides:
            return sorted(self.overrides[day])
        weekday = day.weekday()
        return sorted((w.start, w.end) for w in self.windows if w.weekday == weekday)

    def signature(self, first_day: date, last_day: date) -> Hashable:
        """Equal for two practitioners whose hours agree on every day of the search."""
        changes = sorted(
            (day, tuple(sorted(spans)))
            for day, spans in self.overrides.items()
            if first_day <= day <= last_day
        )
        weekly = sorted((w.weekday, w.start, w.end) for w in self.windows)
        return (tuple(weekly), tuple(changes))


class FreeTime(NamedTuple):
    """A free start time and everyone free then, lowest id first."""

    start: datetime
    end: datetime
    practitioner_ids: tuple[int, ...]


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


def free_times(
    *,
    tz: ZoneInfo,
    hours: Mapping[int, Hours],
    busy: Mapping[int, Sequence[Interval]],
    first_day: date,
    last_day: date,
    rules: SlotRules,
    not_before: datetime,
    not_after: datetime,
) -> list[FreeTime]:
    """Every start time at which someone in ``hours`` is free for an appointment, earliest
    first, each with everyone free then.

    ``busy`` holds other appointments' intervals *with* their buffers. A search over
    months has tens of thousands of (time, practitioner) pairs, so the work is arranged
    to avoid touching each: practitioners with the same hours share one sorted list of
    candidate starts, and each busy interval blocks a run of it found by bisection.
    """
    duration = rules.duration.total_seconds()
    reach_back = duration + rules.buffer_after.total_seconds()
    reach_forward = rules.buffer_before.total_seconds()
    earliest, latest = not_before.timestamp(), not_after.timestamp()
    same_hours: dict[Hashable, list[int]] = defaultdict(list)
    for practitioner_id, their_hours in hours.items():
        same_hours[their_hours.signature(first_day, last_day)].append(practitioner_id)
    day_starts: dict[tuple[date, time, time], list[float]] = {}
    free_at: dict[float, set[int]] = defaultdict(set)
    for group in same_hours.values():
        begins = _candidates(hours[group[0]], first_day, last_day, tz, rules, day_starts)
        begins = begins[bisect_left(begins, earliest) : bisect_right(begins, latest)]
        # A candidate clashes with [start, end) when it begins after start - duration -
        # buffer after, and before end + buffer before.
        blocked: dict[int, set[int]] = defaultdict(set)
        for practitioner_id in group:
            for held in busy.get(practitioner_id, ()):
                first = bisect_right(begins, held.start.timestamp() - reach_back)
                stop = bisect_left(begins, held.end.timestamp() + reach_forward)
                for index in range(first, stop):
                    blocked[index].add(practitioner_id)
        everyone = frozenset(group)
        for index, begin in enumerate(begins):
            free = everyone - blocked[index] if index in blocked else everyone
            if free:
                free_at[begin] |= free
    return [
        FreeTime(_utc(begin), _utc(begin + duration), tuple(sorted(free_at[begin])))
        for begin in sorted(free_at)
    ]


def who_may_start(
    *,
    tz: ZoneInfo,
    hours: Mapping[int, Hours],
    at: datetime,
    rules: SlotRules,
    not_before: datetime,
    not_after: datetime,
) -> tuple[int, ...]:
    """Who in ``hours`` could start an appointment at ``at``, busy time aside: the
    practitioner ids ``free_times`` would list at ``at`` with nobody busy, read from the
    same candidate starts, for the one day ``at`` falls on (a booking asks this)."""
    if not not_before <= at <= not_after:
        return ()
    day = at.astimezone(tz).date()
    moment = at.timestamp()
    day_starts: dict[tuple[date, time, time], list[float]] = {}
    return tuple(
        sorted(
            practitioner_id
            for practitioner_id, their_hours in hours.items()
            if moment in _candidates(their_hours, day, day, tz, rules, day_starts)
        )
    )


def _utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _candidates(
    hours: Hours,
    first_day: date,
    last_day: date,
    tz: ZoneInfo,
    rules: SlotRules,
    day_starts: dict[tuple[date, time, time], list[float]],
) -> list[float]:
    """Sorted, distinct candidate starts (POSIX seconds) for one set of hours."""
    begins: list[float] = []
    day = first_day
    while day <= last_day:
        for opens, closes in hours.on(day):
            key = (day, opens, closes)
            if key not in day_starts:
                day_starts[key] = list(_candidate_starts(day, opens, closes, tz, rules))
            begins.extend(day_starts[key])
        day += timedelta(days=1)
    return sorted(set(begins))


def _candidate_starts(
    day: date, opens: time, closes: time, tz: ZoneInfo, rules: SlotRules
) -> Iterable[float]:
    """Start times (POSIX seconds) on the wall clock from ``opens`` whose appointment ends
    by ``closes``."""
    duration, step = rules.duration.total_seconds(), rules.step.total_seconds()
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
    for at in _step_times(opens, closes, rules.step):
        moment = local_moment(day, at, tz)
        if moment is None:
            continue
        begin = moment.timestamp()
        if begin + duration > window_end:
            return
        yield begin


def _step_times(start: time, end: time, step: timedelta) -> Iterable[time]:
    cursor = datetime.combine(date(2000, 1, 3), start)
    stop = datetime.combine(date(2000, 1, 3), end)
    while cursor < stop:
        yield cursor.time()
        cursor += step


# --- the patient's time step: days with free times, then one day's times ------------

NOON = time(12)


def by_local_day(slots: Iterable[FreeTime], tz: ZoneInfo) -> dict[date, list[FreeTime]]:
    """Free times by the location's calendar day, in order (``slots`` earliest first)."""
    days: dict[date, list[FreeTime]] = {}
    for slot in slots:
        days.setdefault(slot.start.astimezone(tz).date(), []).append(slot)
    return days


def morning_and_afternoon(
    times: Iterable[FreeTime], tz: ZoneInfo
) -> tuple[list[FreeTime], list[FreeTime]]:
    """One day's times split at noon on the location's clock."""
    morning: list[FreeTime] = []
    afternoon: list[FreeTime] = []
    for slot in times:
        (morning if slot.start.astimezone(tz).time() < NOON else afternoon).append(slot)
    return morning, afternoon


@dataclass(frozen=True)
class DayPage:
    """A page of days that have free times: the days, and where the pages before and
    after it start (None: nothing bookable that way)."""

    days: list[date]
    previous_from: date | None
    next_from: date | None


def day_page(
    days_with_times: Sequence[date],
    *,
    start: date,
    size: int,
    searched_to: date,
    latest: date,
) -> DayPage:
    """The first ``size`` days from ``start`` that have free times.

    ``days_with_times`` are the days with free times found from a while before
    ``start`` to ``searched_to``, in order; ``latest`` is the last bookable day. The
    previous page starts at the first of the ``size`` days with times before ``start``
    (none found: no previous page); the next one the day after the last shown, or, when
    the search found no more, the day after it ends, so a fully booked stretch is
    stepped over.
    """
    after = [day for day in days_with_times if day >= start]
    before = [day for day in days_with_times if day < start]
    shown = after[:size]
    previous_from = before[-size:][0] if before else None
    if len(after) > size:
        next_from: date | None = shown[-1] + timedelta(days=1)
    elif searched_to < latest:
        next_from = searched_to + timedelta(days=1)
    else:
        next_from = None
    return DayPage(shown, previous_from, next_from)
