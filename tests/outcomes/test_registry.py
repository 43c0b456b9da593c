"""The registry read in bulk: who is in it, and which answer counts for each time point
(the baseline the latest before the procedure, each follow-up the one nearest its
target inside its window). Runs on SQLite and on PostgreSQL (the one hand-written read,
``outcomes._sql``, differs between them)."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from mildpath.care.models import Complication, LaterSurgery, ProcedureRecord
from mildpath.outcomes.registry import Filters, registry_read
from mildpath.outcomes.report import report_build
from tests.helpers import NOW
from tests.registry_data import PROCEDURE_DAY, Build

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "demo_practice")]


@pytest.fixture
def build() -> Build:
    return Build()


def _day(offset: int) -> date:
    return PROCEDURE_DAY + timedelta(days=offset)


def test_the_baseline_is_the_latest_answer_on_or_before_the_procedure(build):
    rosa = build.patient()
    build.answer(rosa, "odi", _day(-200), {"odi": 70.0})  # too early to count
    build.answer(rosa, "odi", _day(-40), {"odi": 50.0})
    build.answer(rosa, "odi", _day(-3), {"odi": 44.0})
    build.answer(rosa, "odi", _day(1), {"odi": 10.0})  # after: not a baseline

    registry = registry_read(now=NOW)

    odi = registry.readings["odi"]
    assert odi.value["baseline"].tolist() == [44.0]
    assert odi.day["baseline"].tolist() == [-3.0]


def test_each_follow_up_takes_the_answer_nearest_its_target_inside_the_window(build):
    rosa = build.patient()
    build.answer(rosa, "odi", _day(-3), {"odi": 44.0})
    # 3 months after 15 January is 15 April, day 90; the window is -21 / +30 days.
    build.answer(rosa, "odi", _day(75), {"odi": 30.0})
    build.answer(rosa, "odi", _day(93), {"odi": 26.0})
    build.answer(rosa, "odi", _day(118), {"odi": 20.0})
    build.answer(rosa, "odi", _day(150), {"odi": 18.0})  # between windows: nowhere

    registry = registry_read(now=NOW)

    odi = registry.readings["odi"]
    assert odi.value["month_3"].tolist() == [26.0]
    assert "month_6" not in odi.value or odi.value["month_6"].tolist() != [18.0]
    pairs = odi.paired("month_3")
    assert (pairs.baseline.tolist(), pairs.follow_up.tolist()) == ([44.0], [26.0])


def test_the_time_points_count_calendar_months_from_the_procedure(build):
    # 31 August + 6 months is the end of February, as the follow-up plan counts it.
    mei = build.patient(on=date(2025, 8, 31))
    build.answer(mei, "nrs", date(2025, 8, 30), {"nrs_back": 8, "nrs_leg": 7})
    build.answer(mei, "nrs", date(2026, 2, 28), {"nrs_back": 3, "nrs_leg": 2})

    registry = registry_read(now=NOW)

    leg = registry.readings["nrs_leg"]
    assert leg.value["month_6"].tolist() == [2.0]
    assert leg.day["month_6"].tolist() == [181.0]


def test_only_consenting_patients_with_a_signed_procedure_are_in_it(build):
    build.patient()
    build.patient(consent=False)
    build.patient(signed=False)

    registry = registry_read(now=NOW)

    assert len(registry.cohort) == 1


def test_a_second_procedure_is_a_repeat_and_the_first_is_the_index(build):
    harold = build.patient(levels=("L3-L4",))
    build.procedure(harold, on=_day(200), levels=("L4-L5",))
    LaterSurgery.objects.create(
        patient=harold, kind="fusion", levels=["L4-L5"], performed_on=_day(300), recorded_at=NOW
    )
    Complication.objects.create(
        patient=harold,
        chain=ProcedureRecord.objects.filter(patient=harold).earliest("pk").pk,
        phase="post",
        grade="II",
        description="Wound redness, antibiotics",
        occurred_on=_day(6),
        recorded_at=NOW,
    )

    registry = registry_read(now=NOW)

    cohort = registry.cohort
    assert cohort.levels == [("L3-L4",)]
    assert cohort.repeat_day.tolist() == [200.0]
    assert cohort.surgery_day.tolist() == [300.0]
    assert registry.complications == [(0, "II", "post", 6)]


def test_capped_values_keep_their_flag(build):
    rosa = build.patient()
    build.answer(rosa, "standing", _day(-2), {"standing_minutes": 6, "standing_capped": False})
    build.answer(rosa, "standing", _day(366), {"standing_minutes": 30, "standing_capped": True})

    pairs = registry_read(now=NOW).readings["standing_minutes"].paired("month_12")

    assert pairs.follow_up.tolist() == [30.0]
    assert pairs.follow_up_capped.tolist() == [True]
    assert pairs.baseline_capped.tolist() == [False]


def test_filters_pick_the_patients_a_report_covers(build):
    build.patient(born=date(1955, 1, 1), levels=("L3-L4", "L4-L5"))  # 71 at the procedure
    build.patient(born=date(1938, 1, 1), medicare=True)  # 88
    build.patient(on=date(2025, 3, 1), location=build.other_location)

    def count(**filters: object) -> int:
        return len(registry_read(now=NOW, filters=Filters(**filters)).cohort)  # type: ignore[arg-type]

    assert count() == 3
    assert count(levels="2") == 1
    assert count(level="L3-L4") == 1
    assert count(age_band="85_up") == 1
    assert count(payer="medicare") == 1
    assert count(payer="other") == 2
    assert count(since=date(2026, 1, 1)) == 2
    assert count(until=date(2025, 12, 31)) == 1
    assert count(location=build.other_location.pk) == 1


def test_the_number_of_queries_does_not_grow_with_the_registry(
    build, django_assert_max_num_queries
):
    def patients(n: int) -> None:
        for _ in range(n):
            patient = build.patient()
            build.answer(patient, "odi", _day(-1), {"odi": 40.0})
            build.answer(patient, "odi", _day(90), {"odi": 20.0})

    patients(2)
    with django_assert_max_num_queries(12) as few:
        registry_read(now=NOW)
    patients(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        registry_read(now=NOW)


def test_the_report_agrees_with_the_same_numbers_computed_directly(build):
    rng = np.random.default_rng(7)
    before = rng.integers(30, 60, size=25).astype(float)
    after = before - rng.integers(-4, 25, size=25)
    for b, a in zip(before, after, strict=True):
        patient = build.patient()
        build.answer(patient, "odi", _day(-5), {"odi": float(b)})
        build.answer(patient, "odi", _day(92), {"odi": float(a)})

    result = report_build(now=NOW)

    odi = next(m for m in result["measures"] if m["measure"] == "odi")
    month_3 = next(row for row in odi["rows"] if row["time_point"] == "month_3")
    assert month_3["n"] == 25
    assert month_3["change"]["mean"] == pytest.approx(float(np.mean(after - before)), abs=1e-4)
    assert month_3["change"]["sd"] == pytest.approx(float(np.std(after - before, ddof=1)), abs=1e-4)
    low, high = month_3["change_ci"]
    assert low < np.mean(after - before) < high
    drops = before - after
    responders = int(np.sum((drops >= 10) | (drops >= 0.3 * before)))
    assert month_3["responders"]["k"] == responders
    assert result["patients"] == 25
    assert result["synthetic"] is False


def test_the_benchmarks_floor_scans_the_same_rows(build):
    from mildpath.outcomes._sql import floor_scan

    rosa, mei = build.patient(), build.patient()
    build.answer(rosa, "odi", _day(-3), {"odi": 40.0})
    build.answer(mei, "odi", _day(-3), {"odi": None})  # not computable: counted, not averaged
    build.answer(mei, "walking", _day(-3), {"walking_feet": 300, "walking_capped": False})

    rows = {row[0]: (row[1], row[2]) for row in floor_scan()}

    assert rows == {"odi": (2, 40.0), "walking": (1, 300.0)}


def test_ages_count_whole_years_to_the_day_of_the_procedure(build):
    build.patient(born=date(1952, 2, 29), on=date(2026, 2, 28))  # the day before: 73
    build.patient(born=date(1952, 2, 29), on=date(2026, 3, 1))
    build.patient(born=date(1936, 11, 30), on=date(2026, 11, 30))  # 90 that very day

    assert sorted(registry_read(now=NOW).cohort.age.tolist()) == [73, 74, 90]


def test_an_answer_that_cannot_be_scored_gives_way_to_the_next_nearest(build):
    rosa = build.patient()
    build.answer(rosa, "odi", _day(-3), {"odi": 44.0})
    build.answer(rosa, "odi", _day(80), {"odi": 30.0})
    build.answer(rosa, "odi", _day(91), {"odi": None})  # more than 2 sections skipped

    registry = registry_read(now=NOW)

    assert registry.readings["odi"].value["month_3"].tolist() == [30.0]
    assert registry.last_contact_day.tolist() == [91.0]
