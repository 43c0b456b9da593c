"""Questionnaire scoring: the published examples, the refusals, and properties that must hold."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from mildpath.questionnaires.scoring import (
    MINIMAL_IMPORTANT_CHANGE,
    ZcqThresholds,
    is_responder,
    odi_band,
    odi_score,
    zcq_scores,
)

# A pure module's tests: the SQLite pass runs them; with no database, the PostgreSQL
# pass would only repeat them.
pytestmark = pytest.mark.pure

ROOT = Path(__file__).resolve().parents[2]

# 16 of a possible 50.
SIXTEEN = [2, 1, 3, 0, 2, 1, 2, 3, 1, 1]

# --- ODI: published examples ------------------------------------------------------------------


def test_it_scores_16_of_50_as_32_percent():
    assert odi_score(SIXTEEN) == 32.0


def test_it_scores_over_the_sections_answered_so_one_blank_gives_16_of_45():
    answers: list[int | None] = [*SIXTEEN]
    answers[3] = None  # the section answered 0, so the total stays 16
    assert odi_score(answers) == 35.6


def test_it_still_computes_with_two_sections_unanswered():
    answers: list[int | None] = [None, None, 3, 0, 2, 1, 2, 3, 1, 1]  # 13 of 40
    assert odi_score(answers) == 32.5


def test_it_gives_up_with_three_sections_unanswered():
    assert odi_score([None, None, None, 0, 2, 1, 2, 3, 1, 1]) is None


def test_it_scores_the_extremes_as_0_and_100():
    assert odi_score([0] * 10) == 0.0
    assert odi_score([5] * 10) == 100.0


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ([1] * 11, "ODI has 10 sections, got 11 answers"),
        ([1] * 9, "ODI has 10 sections, got 9 answers"),
        ([1, 1, 1, 7, 1, 1, 1, 1, 1, 1], "ODI section 4: answers are 0 to 5, not 7"),
        ([1, 1, 1, 1, 1, 6, 1, 1, 1, 1], "ODI section 6: answers are 0 to 5, not 6"),
        ([-1, 1, 1, 1, 1, 1, 1, 1, 1, 1], "ODI section 1: answers are 0 to 5, not -1"),
        ([1, 1, True, 1, 1, 1, 1, 1, 1, 1], "ODI section 3: answers are 0 to 5, not True"),
        ([1, 1, 1, 1, 1, 1, 1, 1, 1, 2.5], "ODI section 10: answers are 0 to 5, not 2.5"),
    ],
)
def test_it_refuses_answers_the_odi_does_not_have(answers, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        odi_score(answers)


def test_it_refuses_a_string_even_one_ten_characters_long():
    with pytest.raises(ValueError, match="10 sections"):
        odi_score("0123401234")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (0.0, "minimal"),
        (20.0, "minimal"),
        (20.4, "moderate"),
        (40.0, "moderate"),
        (40.1, "severe"),
        (60.0, "severe"),
        (61.0, "crippled"),
        (80.0, "crippled"),
        (80.1, "bed-bound"),
        (100.0, "bed-bound"),
    ],
)
def test_it_bands_scores_with_inclusive_upper_bounds(score, band):
    assert odi_band(score) == band


@pytest.mark.parametrize("score", [-0.1, 100.1, float("nan")])
def test_it_refuses_to_band_a_score_outside_0_to_100(score):
    with pytest.raises(ValueError, match="0 to 100"):
        odi_band(score)


# --- ZCQ ---------------------------------------------------------------------------------------


def test_it_averages_each_zcq_subscale_to_two_decimals():
    scores = zcq_scores(
        [3, 2, 4, 3, 2, 1, 3],  # 18 / 7 = 2.5714...
        [2, 3, 2, 1, 2],  # 10 / 5 = 2.0
        [1, 2, 2, 1, 3, 2],  # 11 / 6 = 1.8333...
    )
    assert scores == {"symptom_severity": 2.57, "physical_function": 2.0, "satisfaction": 1.83}


def test_it_leaves_satisfaction_empty_before_treatment():
    scores = zcq_scores([5, 5, 5, 5, 5, 5, 5], [4, 4, 4, 4, 3])  # 35/7, 19/5
    assert scores["symptom_severity"] == 5.0
    assert scores["physical_function"] == 3.8
    assert scores["satisfaction"] is None


@pytest.mark.parametrize(
    ("symptom", "function", "satisfaction", "message"),
    [
        ([1, 1, 1, 1, 1, 1, 2], [1] * 5, None, "symptom severity item 7 (balance): .* 1, 3 or 5"),
        ([1, 1, 1, 1, 1, 1, 4], [1] * 5, None, "symptom severity item 7 (balance)"),
        ([1, 6, 1, 1, 1, 1, 1], [1] * 5, None, "symptom severity item 2: answers are 1 to 5"),
        ([1] * 7, [1, 1, 5, 1, 1], None, "physical function item 3: answers are 1 to 4, not 5"),
        ([1] * 7, [1] * 5, [1, 1, 1, 1, 0, 1], "satisfaction item 5: answers are 1 to 4, not 0"),
        ([1] * 6, [1] * 5, None, "symptom severity has 7 items, got 6"),
        ([1] * 7, [1] * 6, None, "physical function has 5 items, got 6"),
        ([1] * 7, [1] * 5, [1] * 5, "satisfaction has 6 items, got 5"),
        ([1, 1, None, 1, 1, 1, 1], [1] * 5, None, "symptom severity item 3: every ZCQ item"),
        ([1] * 7, [1, None, 1, 1, 1], None, "physical function item 2: every ZCQ item"),
        ([1] * 7, [1, 1, 1, 1, True], None, "physical function item 5: .* not True"),
    ],
)
def test_it_refuses_zcq_answers_the_questionnaire_does_not_have(
    symptom, function, satisfaction, message
):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        zcq_scores(symptom, function, satisfaction)


# --- Responders --------------------------------------------------------------------------------


def test_the_minimal_important_changes_are_the_published_ones():
    assert MINIMAL_IMPORTANT_CHANGE == {"odi": (10.0, 0.30), "nrs": (2.0, 0.30)}


@pytest.mark.parametrize(
    ("baseline", "follow_up", "responds"),
    [
        (50.0, 40.0, True),  # exactly 10 points, only 20%
        (50.0, 35.0, True),  # 15 points and exactly 30%
        (23.0, 16.1, True),  # exactly 30% of 23, which float division puts just below
        (40.0, 30.1, False),  # 9.9 points, under 30%
        (30.0, 21.1, False),  # 8.9 points, 29.7%
        (40.0, 45.0, False),  # worse
        (0.0, 0.0, False),  # nothing to improve on
    ],
)
def test_it_counts_an_odi_responder_at_10_points_or_30_percent(baseline, follow_up, responds):
    assert is_responder("odi", baseline, follow_up) is responds


@pytest.mark.parametrize(
    ("baseline", "follow_up", "responds"),
    [
        (8, 6, True),  # exactly 2 points, 25%
        (8, 7, False),  # 1 point, 12.5%
        (3.0, 2.1, True),  # exactly 30%
        (3, 2, True),  # 33%
        (10, 8.1, False),  # 1.9 points, 19%
        (0, 0, False),
    ],
)
def test_it_counts_an_nrs_responder_at_2_points_or_30_percent(baseline, follow_up, responds):
    assert is_responder("nrs", baseline, follow_up) is responds


@pytest.mark.parametrize(
    ("measure", "baseline", "follow_up"),
    [("odi", 100.5, 50.0), ("odi", 50.0, -1.0), ("nrs", 11, 3), ("nrs", True, 0)],
)
def test_it_refuses_scores_outside_the_measure(measure, baseline, follow_up):
    with pytest.raises(ValueError, match=f"^{measure} scores are"):
        is_responder(measure, baseline, follow_up)


def test_it_refuses_a_measure_it_has_no_rule_for():
    with pytest.raises(ValueError, match="No responder rule for 'vas'"):
        is_responder("vas", 5.0, 1.0)


BEFORE = {"symptom_severity": 3.0, "physical_function": 2.5, "satisfaction": None}


@pytest.mark.parametrize(
    ("after", "responds"),
    [
        # symptom 0.5 better (exactly), function 0.1 better, satisfied: 2 of 3
        ({"symptom_severity": 2.5, "physical_function": 2.4, "satisfaction": 2.5}, True),
        # both subscales exactly 0.5 better, satisfaction never asked: 2 of 3
        ({"symptom_severity": 2.5, "physical_function": 2.0, "satisfaction": None}, True),
        # symptom only: 1 of 3, satisfaction missing counts as not met
        ({"symptom_severity": 2.0, "physical_function": 2.5}, False),
        # 0.49 is not 0.5, and 2.51 is not satisfied: 1 of 3
        ({"symptom_severity": 2.51, "physical_function": 2.0, "satisfaction": 2.51}, False),
    ],
)
def test_it_counts_a_zcq_responder_at_2_of_3_criteria(after, responds):
    assert is_responder("zcq", BEFORE, after) is responds


def test_it_reads_zcq_scores_as_zcq_scores_returns_them():
    before = zcq_scores([4, 4, 4, 4, 4, 4, 3], [3, 3, 3, 3, 3])  # 3.86, 3.0
    after = zcq_scores([3, 3, 3, 3, 3, 3, 3], [3, 3, 3, 3, 2], [2, 2, 2, 2, 2, 2])  # 3.0, 2.8, 2
    assert is_responder("zcq", before, after)  # symptom and satisfaction
    assert not is_responder("zcq", before, after, zcq=ZcqThresholds(needed=3))


def test_it_takes_custom_zcq_thresholds():
    after = {"symptom_severity": 2.5, "physical_function": 2.0, "satisfaction": 3.0}
    assert is_responder("zcq", BEFORE, after)
    assert not is_responder("zcq", BEFORE, after, zcq=ZcqThresholds(symptom=0.6))
    assert not is_responder("zcq", BEFORE, after, zcq=ZcqThresholds(function=1.0))
    assert is_responder("zcq", BEFORE, after, zcq=ZcqThresholds(satisfaction=3.0, needed=3))
    assert is_responder("zcq", BEFORE, after, zcq=ZcqThresholds(symptom=0.8, needed=1))


@pytest.mark.parametrize("needed", [0, 4])
def test_it_refuses_a_zcq_rule_no_one_or_every_one_could_meet(needed):
    with pytest.raises(ValueError, match="1 to 3"):
        ZcqThresholds(needed=needed)


def test_it_refuses_zcq_scores_without_the_subscales():
    with pytest.raises(ValueError, match="physical_function"):
        is_responder("zcq", BEFORE, {"symptom_severity": 2.0, "satisfaction": 1.0})
    with pytest.raises(ValueError, match="mapping"):
        is_responder("zcq", 3.0, BEFORE)


# --- Properties --------------------------------------------------------------------------------

odi_answer = st.one_of(st.none(), st.integers(0, 5), st.integers(0, 5))  # answered 2 times in 3
odi_answers = st.lists(odi_answer, min_size=10, max_size=10)
full_odi = st.lists(st.integers(0, 5), min_size=10, max_size=10)
computable_odi = st.tuples(full_odi, st.sets(st.integers(0, 9), max_size=2)).map(
    lambda drawn: [None if i in drawn[1] else a for i, a in enumerate(drawn[0])]
)
tenths = st.integers(0, 1000).map(lambda k: k / 10)  # ODI scores as reported, one decimal


@given(computable_odi)
def test_every_odi_score_is_0_to_100_with_one_decimal(answers):
    score = odi_score(answers)
    assert score is not None
    assert 0 <= score <= 100
    assert Fraction(repr(score)) * 10 == round(score * 10)


@given(full_odi)
def test_a_fully_answered_odi_is_twice_its_total(answers):
    assert odi_score(answers) == 2 * sum(answers)


@given(odi_answers)
def test_the_odi_is_none_exactly_when_more_than_two_sections_are_blank(answers):
    assert (odi_score(answers) is None) is (answers.count(None) > 2)


@given(odi_answers, st.integers(0, 9))
def test_raising_one_answer_never_lowers_the_odi(answers, section):
    assume(answers[section] is not None and answers[section] < 5)
    worse = [*answers]
    worse[section] = answers[section] + 1
    before, after = odi_score(answers), odi_score(worse)
    assert (before is None) is (after is None)
    assert before is None or (after is not None and after >= before)


@given(st.data(), odi_answers)
def test_the_order_of_odi_answers_does_not_matter(data, answers):
    shuffled = data.draw(st.permutations(answers))
    assert odi_score(shuffled) == odi_score(answers)


symptom_items = st.tuples(*[st.integers(1, 5)] * 6, st.sampled_from([1, 3, 5])).map(list)
function_items = st.lists(st.integers(1, 4), min_size=5, max_size=5)
satisfaction_items = st.lists(st.integers(1, 4), min_size=6, max_size=6)


def _half_up_hundredths(exact: Fraction) -> Fraction:
    return Fraction(int(exact * 100 + Fraction(1, 2)), 100)


@given(symptom_items, function_items, satisfaction_items)
def test_zcq_means_are_the_item_means_and_stay_in_the_item_range(symptom, function, satisfaction):
    scores = zcq_scores(symptom, function, satisfaction)
    for key, items, top in [
        ("symptom_severity", symptom, 5),
        ("physical_function", function, 4),
        ("satisfaction", satisfaction, 4),
    ]:
        mean = scores[key]
        assert mean is not None
        assert 1 <= mean <= top
        assert Fraction(repr(mean)) == _half_up_hundredths(Fraction(sum(items), len(items)))


@given(tenths, tenths, tenths)
def test_a_better_odi_follow_up_never_loses_a_responder(baseline, follow_up, better):
    assume(better <= follow_up)
    if is_responder("odi", baseline, follow_up):
        assert is_responder("odi", baseline, better)


@given(st.integers(0, 10), st.integers(0, 10), st.integers(0, 10))
def test_a_better_nrs_follow_up_never_loses_a_responder(baseline, follow_up, better):
    assume(better <= follow_up)
    if is_responder("nrs", baseline, follow_up):
        assert is_responder("nrs", baseline, better)


@given(
    symptom_items,
    function_items,
    symptom_items,
    function_items,
    st.none() | satisfaction_items,
    symptom_items,
    function_items,
    satisfaction_items,
    st.integers(1, 3),
)
def test_a_better_zcq_follow_up_never_loses_a_responder(
    symptom, function, after_symptom, after_function, after_satisfaction, s2, f2, sat2, needed
):
    baseline = zcq_scores(symptom, function)
    follow_up = zcq_scores(after_symptom, after_function, after_satisfaction)

    def lower(items, other):  # item by item, never worse, always a valid answer
        return [min(a, b) for a, b in zip(items, other, strict=True)]

    better = zcq_scores(
        lower(after_symptom, s2),
        lower(after_function, f2),
        sat2 if after_satisfaction is None else lower(after_satisfaction, sat2),
    )
    thresholds = ZcqThresholds(needed=needed)
    if is_responder("zcq", baseline, follow_up, zcq=thresholds):
        assert is_responder("zcq", baseline, better, zcq=thresholds)


@given(st.integers(0, 1000), st.integers(0, 1000))
def test_odi_responders_match_an_exact_reference(baseline_tenths, follow_up_tenths):
    b, f = Fraction(baseline_tenths, 10), Fraction(follow_up_tenths, 10)
    expected = b - f >= 10 or (b > 0 and (b - f) / b >= Fraction(3, 10))
    assert is_responder("odi", baseline_tenths / 10, follow_up_tenths / 10) is expected


def test_the_module_imports_without_django_or_settings():
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    code = "import sys; import mildpath.questionnaires.scoring; assert 'django' not in sys.modules"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
