"""The candidacy criteria as shipped (criteria-1.json) and their judgement: pure, no
database. Each criterion with a rule is tried at its threshold and just past it; each
without one is left to the clinician."""

from __future__ import annotations

import copy
from collections.abc import Mapping

import pytest

from mildpath.care import criteria
from tests.helpers import shipped_criteria

# A pure module's tests: the SQLite pass runs them; with no database, the PostgreSQL
# pass would only repeat them.
pytestmark = pytest.mark.pure

SHIPPED = shipped_criteria()
V1 = criteria.from_dict(SHIPPED)
NO_FACTS: dict[str, float | None] = {}


def judge(facts: Mapping[str, float | None], answers: dict[str, bool | None] | None = None):
    return {j.code: j for j in criteria.evaluate(V1, facts=facts, answers=answers or {})}


def test_it_ships_version_1_as_the_current_version_with_twenty_criteria():
    assert criteria.get("1") == V1
    assert criteria.current().version == "1"
    assert len(V1.items) == 20
    assert {c.kind for c in V1.items} == {"indication", "exclusion"}
    assert all(c.text["en"] and c.text["es"] and c.source for c in V1.items)


# (criterion, fact, value at which the criterion is met, value at which it is not)
BOUNDARIES = [
    ("flavum_over_2_5", "flavum_max_mm", 2.6, 2.5),
    ("canal_area_100", "canal_area_min_mm2", 100.0, 100.1),
    ("listhesis_5_mm", "listhesis_max_mm", 5.0, 5.1),
    ("odi_over_20", "odi", 20.1, 20.0),
    ("walks_10_feet", "walking_feet", 10, 9),
    ("listhesis_grade_2", "listhesis_grade_max", 2, 1),
]


def test_every_rule_of_the_shipped_criteria_is_tried_here():
    assert {c.code for c in V1.items if c.rule} == {code for code, *_ in BOUNDARIES}


@pytest.mark.parametrize(("code", "fact", "met_at", "not_met_at"), BOUNDARIES)
def test_it_judges_each_rule_from_the_record_at_its_threshold(code, fact, met_at, not_met_at):
    met = judge({fact: met_at})[code]
    assert (met.met, met.by, met.value) == (True, "data", met_at)
    missed = judge({fact: not_met_at})[code]
    assert (missed.met, missed.by, missed.value) == (False, "data", not_met_at)


@pytest.mark.parametrize(
    ("code", "fact", "value", "met"),
    [
        ("flavum_over_2_5", "flavum_max_mm", 2.5, False),
        ("flavum_over_2_5", "flavum_max_mm", 2.6, True),
        ("canal_area_100", "canal_area_min_mm2", 100, True),
        ("canal_area_100", "canal_area_min_mm2", 100.1, False),
        ("listhesis_5_mm", "listhesis_max_mm", 5.0, True),
        ("listhesis_5_mm", "listhesis_max_mm", 5.1, False),
        ("odi_over_20", "odi", 20, False),
        ("odi_over_20", "odi", 20.1, True),
        ("walks_10_feet", "walking_feet", 10, True),
        ("walks_10_feet", "walking_feet", 9, False),
        ("listhesis_grade_2", "listhesis_grade_max", 2, True),
        ("listhesis_grade_2", "listhesis_grade_max", 1, False),
        ("listhesis_grade_2", "listhesis_grade_max", 0, False),
    ],
)
def test_the_recorded_value_wins_over_the_clinicians_answer(code, fact, value, met):
    judged = judge({fact: value}, {code: not met})[code]
    assert (judged.met, judged.by) == (met, "data")


@pytest.mark.parametrize("code", [c.code for c in V1.items if c.rule])
@pytest.mark.parametrize("answer", [True, False])
def test_an_unrecorded_fact_falls_back_to_the_clinicians_answer(code, answer):
    judged = judge({"flavum_max_mm": None}, {code: answer})[code]
    assert (judged.met, judged.by, judged.value) == (answer, "clinician", None)


@pytest.mark.parametrize("code", [c.code for c in V1.items if not c.rule])
def test_a_criterion_without_a_rule_is_the_clinicians_answer_or_unknown(code):
    everything = {
        "flavum_max_mm": 4.0,
        "canal_area_min_mm2": 60.0,
        "listhesis_max_mm": 1.0,
        "listhesis_grade_max": 0.0,
        "odi": 40.0,
        "walking_feet": 250.0,
    }
    assert (judge(everything)[code].met, judge(everything)[code].by) == (None, "")
    assert (
        judge(everything, {code: True})[code].met,
        judge(everything, {code: True})[code].by,
    ) == (
        True,
        "clinician",
    )
    assert judge(everything, {code: False})[code].met is False


def test_judgements_follow_the_order_of_the_criteria():
    assert [j.code for j in criteria.evaluate(V1, facts={}, answers={})] == [
        c.code for c in V1.items
    ]


# --- The suggested decision ----------------------------------------------------------

INDICATIONS = [c.code for c in V1.items if c.kind == "indication"]
EXCLUSIONS = [c.code for c in V1.items if c.kind == "exclusion"]
GOOD_RECORD = {
    "flavum_max_mm": 4.2,
    "canal_area_min_mm2": 70.0,
    "listhesis_max_mm": 2.0,
    "listhesis_grade_max": 1.0,
    "odi": 44.0,
    "walking_feet": 250.0,
}
ALL_CLEAR = {**{code: True for code in INDICATIONS}, **{code: False for code in EXCLUSIONS}}


def suggest(facts, answers) -> str:
    return criteria.suggested(V1, criteria.evaluate(V1, facts=facts, answers=answers))


def test_it_suggests_a_candidate_when_every_indication_is_met_and_no_exclusion():
    assert suggest(GOOD_RECORD, ALL_CLEAR) == "candidate"
    assert suggest({}, ALL_CLEAR) == "candidate"  # all from the clinician's answers


@pytest.mark.parametrize("code", INDICATIONS)
def test_it_suggests_not_a_candidate_when_any_indication_is_not_met(code):
    assert suggest({}, {**ALL_CLEAR, code: False}) == "not_candidate"


@pytest.mark.parametrize("code", EXCLUSIONS)
def test_it_suggests_not_a_candidate_when_any_exclusion_applies(code):
    assert suggest({}, {**ALL_CLEAR, code: True}) == "not_candidate"


def test_a_failing_recorded_fact_rules_out_even_when_other_criteria_are_unknown():
    assert suggest({"listhesis_grade_max": 2.0}, {}) == "not_candidate"
    assert suggest({"canal_area_min_mm2": 140.0}, {}) == "not_candidate"


@pytest.mark.parametrize("code", INDICATIONS + EXCLUSIONS)
def test_it_asks_for_more_information_while_any_criterion_is_unknown(code):
    answers = {**ALL_CLEAR, code: None}
    assert suggest({}, answers) == "more_info"


def test_with_nothing_recorded_or_answered_it_asks_for_more_information():
    assert suggest({}, {}) == "more_info"


# --- Reading a criteria file ---------------------------------------------------------


def broken(change) -> dict:
    data = copy.deepcopy(SHIPPED)
    change(data)
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("version"), "a version and a source are needed"),
        (lambda d: d.update(version=""), "a version and a source are needed"),
        (lambda d: d.update(source=None), "a version and a source are needed"),
        (lambda d: d.update(criteria=[]), "criteria 1: no criteria"),
        (lambda d: d.update(criteria="all of them"), "criteria 1: no criteria"),
        (lambda d: d["criteria"].append("instability"), "each criterion is an object"),
        (lambda d: d["criteria"][1].update(code=""), "codes are unique"),
        (
            lambda d: d["criteria"][1].update(code="claudication_3_months"),
            "'claudication_3_months': codes are unique",
        ),
        (lambda d: d["criteria"][0].update(kind="caution"), "kind is indication or exclusion"),
        (lambda d: d["criteria"][0]["text"].pop("es"), "text in English and Spanish"),
        (lambda d: d["criteria"][0].update(text="Claudication"), "text in English and Spanish"),
        (lambda d: d["criteria"][0].update(source=""), "each criterion names its source"),
        (
            lambda d: d["criteria"][2]["rule"].update(op="=="),
            "'flavum_over_2_5': a rule has a fact, an operator and a number",
        ),
        (lambda d: d["criteria"][2]["rule"].update(value="2.5"), "a rule has a fact"),
        (lambda d: d["criteria"][2]["rule"].update(value=True), "a rule has a fact"),
        (lambda d: d["criteria"][2]["rule"].pop("fact"), "a rule has a fact"),
        (lambda d: d["criteria"][2].update(rule=[">", 2.5]), "a rule has a fact"),
    ],
)
def test_a_broken_criteria_file_is_refused_naming_what_is_wrong(change, message):
    with pytest.raises(ValueError, match=message):
        criteria.from_dict(broken(change))


def test_a_whole_number_threshold_is_read_as_a_number():
    data = broken(lambda d: d["criteria"][3]["rule"].update(value=100))
    assert criteria.from_dict(data).get("canal_area_100").rule == criteria.Rule(
        "canal_area_min_mm2", "<=", 100.0
    )


def test_asking_for_a_code_the_version_does_not_have_is_a_key_error():
    with pytest.raises(KeyError):
        V1.get("smoker")
