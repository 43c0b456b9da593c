"""Slot search, including the days Los Angeles changes its clocks."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mildpath.scheduling.slots import (
    FreeTime,
    Hours,
    Interval,
    SlotRules,
    Window,
    free_times,
    local_moment,
    who_may_start,
)

# A pure module's tests: the SQLite pass runs them; with no database, the PostgreSQL
# pass would only repeat them.
pytestmark = pytest.mark.pure

LA = ZoneInfo("America/Los_Angeles")
EVERY_DAY = [Window(weekday, time(8), time(17)) for weekday in range(7)]
CONSULT = SlotRules(duration=timedelta(minutes=45), step=timedelta(minutes=15))
EARLY = datetime(2000, 1, 1, tzinfo=UTC)
LATE = datetime(2100, 1, 1, tzinfo=UTC)


def slots_on(day: date, windows=EVERY_DAY, busy=(), rules=CONSULT, overrides=None):
    return free_times(
        tz=LA,
        hours={1: Hours(windows, overrides or {})},
        busy={1: list(busy)},
        first_day=day,
        last_day=day,
        rules=rules,
        not_before=EARLY,
        not_after=LATE,
    )


def at(day: date, clock: time) -> datetime:
    moment = local_moment(day, clock, LA)
    assert moment is not None
    return moment


def wall(interval: Interval | FreeTime) -> str:
    return interval.start.astimezone(LA).strftime("%H:%M")


def test_a_plain_day_offers_every_quarter_hour_that_fits():
    slots = slots_on(date(2026, 3, 6))
    assert wall(slots[0]) == "08:00"
    assert wall(slots[-1]) == "16:15"  # 16:15 + 45 min ends at closing
    assert len(slots) == 34
    assert slots[0].start == datetime(2026, 3, 6, 16, 0, tzinfo=UTC)  # PST is UTC-8


def test_spring_forward_keeps_the_clinic_opening_at_eight_local():
    slots = slots_on(date(2026, 3, 8))  # clocks go from 02:00 to 03:00
    assert wall(slots[0]) == "08:00"
    assert slots[0].start == datetime(2026, 3, 8, 15, 0, tzinfo=UTC)  # PDT is UTC-7
    assert len(slots) == 34


def test_fall_back_keeps_the_clinic_opening_at_eight_local():
    slots = slots_on(date(2026, 11, 1))  # clocks go from 02:00 back to 01:00
    assert wall(slots[0]) == "08:00"
    assert slots[0].start == datetime(2026, 11, 1, 16, 0, tzinfo=UTC)
    assert len(slots) == 34


def test_the_skipped_hour_offers_no_slots_and_durations_are_real_time():
    night = [Window(6, time(1), time(4))]  # a Sunday window across the gap
    slots = slots_on(date(2026, 3, 8), windows=night)
    walls = [wall(s) for s in slots]
    assert "02:00" not in walls and "02:30" not in walls
    assert walls[:4] == ["01:00", "01:15", "01:30", "01:45"]
    assert walls[4] == "03:00"
    # 01:45 PST + 45 minutes is 03:30 PDT: still inside the window, and 45 real minutes.
    last_before_gap = slots[3]
    assert last_before_gap.end - last_before_gap.start == timedelta(minutes=45)
    assert last_before_gap.end.astimezone(LA).strftime("%H:%M") == "03:30"


def test_the_repeated_hour_is_offered_once():
    night = [Window(6, time(0), time(3))]
    slots = slots_on(date(2026, 11, 1), windows=night)
    walls = [wall(s) for s in slots]
    assert walls.count("01:15") == 1
    first = next(s for s in slots if wall(s) == "01:15")
    assert first.start == datetime(2026, 11, 1, 8, 15, tzinfo=UTC)  # the PDT occurrence


def test_busy_time_and_buffers_block_slots():
    day = date(2026, 3, 6)
    busy = [Interval(at(day, time(10)), at(day, time(11)))]
    rules = SlotRules(
        duration=timedelta(minutes=45),
        buffer_before=timedelta(minutes=15),
        buffer_after=timedelta(minutes=15),
    )
    walls = [wall(s) for s in slots_on(day, busy=busy, rules=rules)]
    assert "09:00" in walls  # ends 09:45, buffer to 10:00
    assert "09:15" not in walls and "10:30" not in walls
    assert "11:15" in walls  # buffer back to 11:00


def test_an_override_replaces_the_weekly_hours():
    day = date(2026, 12, 25)
    assert slots_on(day, overrides={day: []}) == []
    walls = [wall(s) for s in slots_on(day, overrides={day: [(time(9), time(10))]})]
    assert walls == ["09:00", "09:15"]


def test_notice_and_horizon_limit_the_search():
    day = date(2026, 3, 6)
    not_before = at(day, time(12))
    slots = free_times(
        tz=LA,
        hours={1: Hours(EVERY_DAY)},
        busy={},
        first_day=day,
        last_day=day,
        rules=CONSULT,
        not_before=not_before,
        not_after=LATE,
    )
    assert wall(slots[0]) == "12:00"


busy_starts = st.lists(st.integers(min_value=0, max_value=40), max_size=12)


@settings(max_examples=60, deadline=None)
@given(busy_starts, st.integers(min_value=1, max_value=8))
def test_no_slot_ever_overlaps_busy_time(starts, length):
    day = date(2026, 3, 9)
    opening = at(day, time(8))
    busy = [
        Interval(
            opening + timedelta(minutes=15 * n), opening + timedelta(minutes=15 * (n + length))
        )
        for n in starts
    ]
    for slot in slots_on(day, busy=busy):
        assert not any(Interval(slot.start, slot.end).overlaps(b) for b in busy)
        assert wall(slot) >= "08:00"
        assert slot.end <= at(day, time(17))


def _reference(hours, busy, first_day, last_day, rules, not_before):
    """The rules read literally, one practitioner and one quarter hour at a time."""
    free: dict[datetime, set[int]] = {}
    day = first_day
    while day <= last_day:
        for pid, their in hours.items():
            spans = their.overrides.get(day)
            if spans is None:
                spans = [(w.start, w.end) for w in their.windows if w.weekday == day.weekday()]
            for opens, closes in spans:
                closing = local_moment(day, closes, LA)
                wall_clock = datetime.combine(day, opens)
                while closing is not None and wall_clock < datetime.combine(day, closes):
                    start = local_moment(day, wall_clock.time(), LA)
                    wall_clock += rules.step
                    if start is None or start < not_before or start + rules.duration > closing:
                        continue
                    block = Interval(
                        start - rules.buffer_before, start + rules.duration + rules.buffer_after
                    )
                    if not any(block.overlaps(held) for held in busy.get(pid, [])):
                        free.setdefault(start, set()).add(pid)
        day += timedelta(days=1)
    return [(start, tuple(sorted(free[start]))) for start in sorted(free)]


spans = st.sampled_from(
    [(time(8), time(17)), (time(8), time(12)), (time(13), time(17)), (time(1), time(4))]
)
practitioner_hours = st.builds(
    Hours,
    windows=st.lists(
        st.builds(lambda weekday, span: Window(weekday, *span), st.integers(0, 6), spans),
        max_size=4,
    ),
    overrides=st.dictionaries(
        st.dates(min_value=date(2026, 3, 5), max_value=date(2026, 3, 10)),
        st.lists(spans, max_size=1),
        max_size=2,
    ),
)


@settings(max_examples=80, deadline=None)
@given(
    hours=st.dictionaries(st.integers(1, 5), practitioner_hours, min_size=1, max_size=4),
    busy_at=st.lists(
        st.tuples(st.integers(1, 5), st.integers(0, 6 * 96), st.integers(1, 12)), max_size=15
    ),
    buffers=st.tuples(st.sampled_from([0, 5, 15]), st.sampled_from([0, 10, 15])),
    notice_hours=st.integers(0, 60),
)
def test_many_practitioners_at_once_match_the_rules_read_one_by_one(
    hours, busy_at, buffers, notice_hours
):
    first_day, last_day = date(2026, 3, 5), date(2026, 3, 10)  # clocks change on the 8th
    rules = SlotRules(
        duration=timedelta(minutes=45),
        buffer_before=timedelta(minutes=buffers[0]),
        buffer_after=timedelta(minutes=buffers[1]),
    )
    origin = at(first_day, time(0))
    busy: dict[int, list[Interval]] = {}
    for pid, quarter, length in busy_at:
        start = origin + timedelta(minutes=15 * quarter)
        busy.setdefault(pid, []).append(Interval(start, start + timedelta(minutes=15 * length)))
    not_before = origin + timedelta(hours=notice_hours)
    found = free_times(
        tz=LA,
        hours=hours,
        busy=busy,
        first_day=first_day,
        last_day=last_day,
        rules=rules,
        not_before=not_before,
        not_after=LATE,
    )
    assert [(f.start, f.practitioner_ids) for f in found] == _reference(
        hours, busy, first_day, last_day, rules, not_before
    )
    assert all(f.end - f.start == rules.duration for f in found)


@settings(max_examples=60, deadline=None)
@given(
    hours=st.dictionaries(st.integers(1, 5), practitioner_hours, min_size=1, max_size=4),
    quarter=st.integers(0, 6 * 96 - 8),  # up to the last hours of the 10th, local time
    minute=st.sampled_from([0, 0, 0, 7]),
    notice_hours=st.integers(0, 60),
    horizon_hours=st.integers(24, 6 * 24),
)
def test_a_booking_asks_who_may_start_and_gets_what_the_search_offers(
    hours, quarter, minute, notice_hours, horizon_hours
):
    """The check a booking makes for one time agrees with the slot search (the rules
    read one by one), across the spring-forward change, inside notice and horizon; an
    off-grid time suits no one."""
    first_day, last_day = date(2026, 3, 5), date(2026, 3, 10)
    origin = at(first_day, time(0))
    start = origin + timedelta(minutes=15 * quarter + minute)
    assert start.astimezone(LA).date() <= last_day
    not_before = origin + timedelta(hours=notice_hours)
    not_after = origin + timedelta(hours=horizon_hours)
    offered = {
        when: who
        for when, who in _reference(hours, {}, first_day, last_day, CONSULT, not_before)
        if when <= not_after
    }
    found = who_may_start(
        tz=LA, hours=hours, at=start, rules=CONSULT, not_before=not_before, not_after=not_after
    )
    assert found == offered.get(start, ())
