from __future__ import annotations

import itertools
import re
from typing import Any

import pytest
from django.urls import reverse

from mildpath.site.selfcheck import (
    Answer,
    Duration,
    Outcome,
    SelfCheckAnswers,
    Tried,
    evaluate,
)


def answers(**overrides: Any) -> SelfCheckAnswers:
    base: dict[str, Any] = {
        "leg_symptoms": Answer.YES,
        "worse_standing_walking": Answer.YES,
        "relief_sitting_bending": Answer.YES,
        "duration": Duration.OVER_A_YEAR,
        "tried": frozenset({Tried.PHYSICAL_THERAPY}),
        "warning_signs": Answer.NO,
    }
    base.update(overrides)
    return SelfCheckAnswers(**base)


def test_the_full_claudication_pattern_is_a_strong_match():
    result = evaluate(answers())
    assert result.outcome is Outcome.STRONG_MATCH
    assert result.long_enough and result.tried_conservative_care


def test_warning_signs_override_everything():
    assert evaluate(answers(warning_signs=Answer.YES)).outcome is Outcome.URGENT
    assert (
        evaluate(answers(leg_symptoms=Answer.NO, warning_signs=Answer.YES)).outcome
        is Outcome.URGENT
    )


def test_no_leg_symptoms_is_a_weak_match():
    assert evaluate(answers(leg_symptoms=Answer.NO)).outcome is Outcome.WEAK_MATCH


def test_part_of_the_pattern_is_a_partial_match():
    result = evaluate(answers(relief_sitting_bending=Answer.NOT_SURE))
    assert result.outcome is Outcome.PARTIAL_MATCH


def test_short_symptoms_and_no_conservative_care_are_noted():
    result = evaluate(answers(duration=Duration.UNDER_3_MONTHS, tried=frozenset({Tried.NOTHING})))
    assert not result.long_enough
    assert not result.tried_conservative_care


def _post(client, prefix="", **overrides):
    data = {
        "leg_symptoms": "yes",
        "worse_standing_walking": "yes",
        "relief_sitting_bending": "yes",
        "duration": "over_a_year",
        "tried": ["physical_therapy", "pain_medicine"],
        "warning_signs": "no",
    }
    data.update(overrides)
    return client.post(f"{prefix}/self-check/", data)


# Wording that would tell a visitor what they have. The self-check only matches a pattern.
DIAGNOSTIC_CLAIMS = re.compile(
    r"you have (lumbar )?spinal stenosis|you have LSS|you are a (good )?candidate|"
    r"usted tiene (estenosis|LSS)|you do not have|you don't have",
    re.IGNORECASE,
)

EVERY_ANSWER_SET = list(
    itertools.product(
        ["yes", "no", "not_sure"],
        ["yes", "no", "not_sure"],
        ["yes", "no", "not_sure"],
        ["under_3_months", "over_a_year"],
        [["nothing"], ["physical_therapy"]],
        ["yes", "no"],
    )
)


@pytest.mark.django_db
@pytest.mark.parametrize("prefix", ["", "/es"])
def test_no_answer_set_ever_claims_a_diagnosis(client, prefix):
    seen = set()
    for leg, worse, relief, duration, tried, warning in EVERY_ANSWER_SET:
        response = _post(
            client,
            prefix,
            leg_symptoms=leg,
            worse_standing_walking=worse,
            relief_sitting_bending=relief,
            duration=duration,
            tried=tried,
            warning_signs=warning,
        )
        assert response.status_code == 200
        main = response.text.split('<main id="main"', 1)[1]
        assert not DIAGNOSTIC_CLAIMS.search(main)
        seen.add(response.context["result"].outcome)
    assert seen == set(Outcome)


@pytest.mark.django_db
def test_a_strong_match_recommends_a_consultation_and_says_it_is_not_a_diagnosis(client):
    response = _post(client)
    assert "A consultation is worth it" in response.text
    assert "this is not a diagnosis" in response.text
    assert reverse("site:consultation_request") in response.text


@pytest.mark.django_db
def test_warning_signs_send_the_visitor_to_emergency_care_not_to_booking(client):
    response = _post(client, warning_signs="yes")
    assert "Call 911" in response.text
    assert 'class="button" href="/consultation/"' not in response.text


@pytest.mark.django_db
def test_the_emergency_result_offers_a_tap_to_call_911(client):
    response = _post(client, warning_signs="yes")
    assert "Please get medical help now" in response.text
    assert 'href="tel:911"' in response.text


def test_not_sure_about_warning_signs_is_neither_an_emergency_nor_a_no():
    unsure = evaluate(answers(warning_signs=Answer.NOT_SURE))
    assert unsure.outcome is Outcome.STRONG_MATCH and unsure.unsure_of_warning_signs
    assert not evaluate(answers()).unsure_of_warning_signs


@pytest.mark.django_db
@pytest.mark.parametrize("prefix", ["", "/es"])
def test_not_sure_about_warning_signs_says_what_to_watch_for_and_whom_to_call(client, prefix):
    main = '<main id="main"'
    unsure = _post(client, prefix, warning_signs="not_sure").text.split(main)[1].split("</main>")[0]
    sure = _post(client, prefix, warning_signs="no").text.split(main)[1].split("</main>")[0]
    heading = (
        "You were not sure about the warning signs"
        if not prefix
        else "Dudas sobre las señales de alarma"
    )
    assert heading in unsure and heading not in sure
    assert "911" in unsure and "911" not in sure
    # Still a result with its next step: a consultation is worth it.
    assert reverse("site:consultation_request") in unsure


@pytest.mark.django_db
def test_an_empty_self_check_names_every_missing_answer(client):
    response = client.post(reverse("site:self_check"), {})
    assert response.status_code == 200
    assert "result" not in response.context
    summary = response.text.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    for line in [
        "How long have you had these symptoms? Tell us how long you have had the symptoms.",
        "What have you already tried? Choose all that apply: Choose at least one answer",
    ]:
        assert line in summary
    assert response.text.count('class="error-message"') == 6
    assert "<title>Error:" in response.text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("duration", "forever", "Choose one of the answers listed."),
        ("tried", ["nothing", "surgery"], "cannot be chosen together"),
        ("tried", ["acupuncture"], "Choose from the answers listed."),
    ],
)
def test_absurd_self_check_answers_are_refused(client, field, value, message):
    response = _post(client, **{field: value})
    assert "result" not in response.context
    assert message in response.text.replace("&#x27;", "'").replace("&ldquo;", "“")
