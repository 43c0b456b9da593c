"""Questionnaire time points and their windows, including the days clocks change."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mildpath.questionnaires.plan import (
    DEFAULT_SCHEDULE,
    PlannedTimePoint,
    TimePointRule,
    add_months,
    parse_schedule,
    plan_time_points,
    window_of,
)

# A pure module's tests: the SQLite pass runs them; with no database, the PostgreSQL
# pass would only repeat them.
pytestmark = pytest.mark.pure

LA = ZoneInfo("America/Los_Angeles")
PHOENIX = ZoneInfo("America/Phoenix")
SANTIAGO = ZoneInfo("America/Santiago")
ZONES = [
    LA,
    ZoneInfo("America/New_York"),
    PHOENIX,
    ZoneInfo("America/Chicago"),
    ZoneInfo("Pacific/Honolulu"),
    SANTIAGO,
]
DEFAULT_TEXT = (
    "baseline:0d:30:0,week_1:7d:3:7,week_6:42d:14:14,month_3:3m:21:30,"
    "month_6:6m:30:45,month_12:12m:45:60,month_24:24m:60:90"
)


def point(code: str, anchor: date, tz: ZoneInfo = LA) -> PlannedTimePoint:
    (found,) = [p for p in plan_time_points(anchor=anchor, tz=tz) if p.code == code]
    return found


def utc(year: int, month: int, day: int, hour: int) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def hours(p: PlannedTimePoint) -> float:
    return (p.closes_at - p.opens_at).total_seconds() / 3600


def test_the_default_plan_from_march_2_2026_has_seven_points_on_the_expected_days() -> None:
    plan = plan_time_points(anchor=date(2026, 3, 2), tz=LA)
    assert [(p.code, p.target) for p in plan] == [
        ("baseline", date(2026, 3, 2)),
        ("week_1", date(2026, 3, 9)),
        ("week_6", date(2026, 4, 13)),
        ("month_3", date(2026, 6, 2)),
        ("month_6", date(2026, 9, 2)),
        ("month_12", date(2027, 3, 2)),
        ("month_24", date(2028, 3, 2)),
    ]


def test_month_time_points_from_a_month_end_land_on_month_ends() -> None:
    targets = {p.code: p.target for p in plan_time_points(anchor=date(2026, 1, 31), tz=LA)}
    assert targets["month_3"] == date(2026, 4, 30)
    assert targets["month_6"] == date(2026, 7, 31)
    assert targets["month_12"] == date(2027, 1, 31)
    assert targets["month_24"] == date(2028, 1, 31)
    assert point("month_6", date(2027, 8, 31)).target == date(2028, 2, 29)
    assert point("month_6", date(2026, 8, 31)).target == date(2027, 2, 28)


def test_adding_months_clamps_to_the_last_day_of_the_month() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2026, 11, 15), 14) == date(2028, 1, 15)
    assert add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)


@pytest.mark.parametrize(
    ("anchor", "opens_at", "closes_at", "length"),
    [
        # Mar 6 (PST) to the end of Mar 16 (PDT): eleven days, one of them 23 hours.
        (date(2026, 3, 2), utc(2026, 3, 6, 8), utc(2026, 3, 17, 7), 11 * 24 - 1),
        # Opening on the change day itself: its midnight is still PST.
        (date(2026, 3, 5), utc(2026, 3, 9, 7), utc(2026, 3, 20, 7), 11 * 24),
        (date(2026, 3, 4), utc(2026, 3, 8, 8), utc(2026, 3, 19, 7), 11 * 24 - 1),
        # Oct 30 (PDT) to the end of Nov 9 (PST): one day of 25 hours.
        (date(2026, 10, 26), utc(2026, 10, 30, 7), utc(2026, 11, 10, 8), 11 * 24 + 1),
        (date(2026, 10, 28), utc(2026, 11, 1, 7), utc(2026, 11, 12, 8), 11 * 24 + 1),
    ],
)
def test_los_angeles_windows_open_and_close_at_local_midnight_across_clock_changes(
    anchor: date, opens_at: datetime, closes_at: datetime, length: int
) -> None:
    week_1 = point("week_1", anchor)
    assert (week_1.opens_at, week_1.closes_at) == (opens_at, closes_at)
    assert week_1.opens_at.astimezone(LA).time() == time(0)
    assert week_1.closes_at.astimezone(LA).time() == time(0)
    assert hours(week_1) == length


def test_a_baseline_window_ending_on_the_spring_forward_day_is_one_hour_short() -> None:
    baseline = point("baseline", date(2026, 3, 8))
    assert baseline.opens_at == utc(2026, 2, 6, 8)
    assert baseline.closes_at == utc(2026, 3, 9, 7)
    assert hours(baseline) == 31 * 24 - 1


def test_phoenix_has_no_clock_changes_so_every_window_is_whole_24_hour_days() -> None:
    for anchor in (date(2026, 3, 2), date(2026, 10, 26)):
        for p, rule in zip(
            plan_time_points(anchor=anchor, tz=PHOENIX), DEFAULT_SCHEDULE, strict=True
        ):
            assert hours(p) == 24 * (rule.opens_before + rule.closes_after + 1)
            assert p.opens_at.time() == p.closes_at.time() == time(7)


def test_a_santiago_window_opening_on_a_day_without_midnight_opens_at_its_first_moment() -> None:
    # Chile springs forward at midnight on 2026-09-06: local 00:00 becomes 01:00.
    week_1 = point("week_1", date(2026, 9, 2), SANTIAGO)
    assert week_1.opens_at == utc(2026, 9, 6, 4)
    local = week_1.opens_at.astimezone(SANTIAGO)
    assert (local.date(), local.time()) == (date(2026, 9, 6), time(1))


def test_leaving_out_the_baseline_plans_only_the_follow_up_points() -> None:
    plan = plan_time_points(anchor=date(2026, 3, 2), tz=LA, include_baseline=False)
    assert [p.code for p in plan] == [rule.code for rule in DEFAULT_SCHEDULE[1:]]


def test_a_window_opens_at_its_first_instant_and_is_closed_at_its_closing_instant() -> None:
    week_1 = point("week_1", date(2026, 3, 2))
    tick = timedelta(microseconds=1)
    assert window_of(week_1, week_1.opens_at - tick) == "before"
    assert window_of(week_1, week_1.opens_at) == "open"
    assert window_of(week_1, week_1.opens_at.astimezone(LA)) == "open"
    assert window_of(week_1, week_1.closes_at - tick) == "open"
    assert window_of(week_1, week_1.closes_at) == "closed"
    with pytest.raises(ValueError, match="aware"):
        window_of(week_1, datetime(2026, 3, 10, 12))  # noqa: DTZ001


def test_an_empty_schedule_setting_means_the_default_schedule() -> None:
    assert parse_schedule("") == DEFAULT_SCHEDULE
    assert parse_schedule("  ") == DEFAULT_SCHEDULE


def test_a_schedule_setting_is_read_and_sorted_by_offset() -> None:
    assert parse_schedule(DEFAULT_TEXT) == DEFAULT_SCHEDULE
    shuffled = "month_12:12m:45:60, week_1:7d:3:7 ,baseline:0d:30:0,month_3:3m:21:30"
    assert parse_schedule(shuffled) == (
        TimePointRule("baseline", opens_before=30),
        TimePointRule("week_1", days=7, opens_before=3, closes_after=7),
        TimePointRule("month_3", months=3, opens_before=21, closes_after=30),
        TimePointRule("month_12", months=12, opens_before=45, closes_after=60),
    )


@pytest.mark.parametrize(
    ("raw", "entry", "rule"),
    [
        ("baseline:0d:30:0,week_1:7x:3:7", "week_1:7x:3:7", "expected code:"),
        ("week_1:7d:3", "week_1:7d:3", "expected code:"),
        ("week_1:7d:3:7:1", "week_1:7d:3:7:1", "expected code:"),
        ("week_1:7d:3:7,", "", "expected code:"),
        ("week_1:7d:3:7,week_1:14d:0:0", "week_1:14d:0:0", "used twice"),
        ("week_1:7d:-3:7", "week_1:7d:-3:7", "negative"),
        ("week_1:-7d:3:7", "week_1:-7d:3:7", "negative"),
        ("Week_1:7d:3:7", "Week_1:7d:3:7", "must match"),
        ("a_code_longer_than_20:7d:0:0", "a_code_longer_than_20:7d:0:0", "must match"),
        (":7d:0:0", ":7d:0:0", "must match"),
        ("baseline:7d:0:0", "baseline:7d:0:0", "offset must be 0"),
        ("week_1:0d:0:0", "week_1:0d:0:0", "exactly one"),
        ("far:99999d:0:0", "far:99999d:0:0", "at most"),
        ("wide:7d:400:0", "wide:7d:400:0", "at most"),
        ("week_1:7d:3:7,week_2:14d:7:7", "week_2:14d:7:7", "must close before"),
        # Fine with a 30.44-day month, but Jan 31 2027 + 1 month is Feb 28: only 28 days.
        ("day_28:28d:0:0,month_1:1m:0:0", "month_1:1m:0:0", "anchor 2027-01-31"),
    ],
)
def test_a_bad_schedule_setting_is_refused_naming_the_entry(
    raw: str, entry: str, rule: str
) -> None:
    with pytest.raises(ValueError) as refused:
        parse_schedule(raw)
    assert repr(entry) in str(refused.value)
    assert rule in str(refused.value)


def test_the_brief_s_thirty_day_baseline_tail_would_overlap_the_one_week_window() -> None:
    with pytest.raises(ValueError, match="baseline window must close before the week_1"):
        parse_schedule(DEFAULT_TEXT.replace("baseline:0d:30:0", "baseline:0d:30:30"))


def starts_local_day(moment: datetime, day: date, tz: ZoneInfo) -> bool:
    """``moment`` is aware UTC and the first moment of local ``day``: its midnight, or, where
    midnight does not exist, the first moment that does."""
    local = moment.astimezone(tz)
    just_before = (moment - timedelta(microseconds=1)).astimezone(tz)
    midnight = datetime.combine(day, time(0), tzinfo=tz)
    midnight_exists = midnight.astimezone(UTC).astimezone(tz).time() == time(0)
    return (
        moment.tzinfo is UTC
        and local.date() == day
        and just_before.date() == day - timedelta(days=1)
        and (local.time() == time(0) or not midnight_exists)
    )


@given(
    anchor=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)),
    tz=st.sampled_from(ZONES),
)
def test_any_plan_has_rising_targets_and_ordered_windows_of_whole_local_days(
    anchor: date, tz: ZoneInfo
) -> None:
    plan = plan_time_points(anchor=anchor, tz=tz)
    assert len(plan) == len(DEFAULT_SCHEDULE)
    for p, rule in zip(plan, DEFAULT_SCHEDULE, strict=True):
        first_day = p.target - timedelta(days=rule.opens_before)
        after_last_day = p.target + timedelta(days=rule.closes_after + 1)
        assert starts_local_day(p.opens_at, first_day, tz)
        assert starts_local_day(p.closes_at, after_last_day, tz)
        assert p.opens_at.astimezone(tz).date() <= p.target
        assert (p.closes_at - timedelta(microseconds=1)).astimezone(tz).date() >= p.target
        assert window_of(p, p.opens_at) == "open"
    for earlier, later in zip(plan, plan[1:], strict=False):
        assert earlier.target < later.target
        assert earlier.opens_at < earlier.closes_at <= later.opens_at < later.closes_at
