"""A patient answering at home never leaves a question blank by accident, and is not
asked about a test they never took.

"Save and continue" with nothing chosen on a question that may be left blank (an
Oswestry section) stays on the question and says what to do; "Skip this question" is
the one way to leave it blank. The send page counts the questions skipped in each
questionnaire, with a way back to each. The standing and walking screens reached
through the link ask for the patient's own estimate, with the unit beside the box; the
clinic tablet and the staff's paper form still ask about the clinic's timed test."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from mildpath.questionnaires import queries
from mildpath.questionnaires.models import Response, TimePoint
from tests.helpers import baseline_open, patient_at, questionnaire_start

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "demo_practice")]
# NOW is Tuesday 24 November 2026, 9 a.m. in California.

ZCQ_CODES = [f"zcq_sym{n}" for n in range(1, 8)] + [f"zcq_fun{n}" for n in range(1, 6)]


@pytest.fixture
def point() -> TimePoint:
    """Rosa's baseline, open: her first consultation is this afternoon."""
    return baseline_open(patient_at("Rosa", "Delgado", "santa-monica"), "santa-monica")


@pytest.fixture
def start(point: TimePoint) -> str:
    return questionnaire_start(point)


def _answers(point: TimePoint, instrument: str) -> dict:
    return Response.objects.get(time_point=point, instrument=instrument).answers


def _answer_all(client, start: str, *, skip_odi: tuple[int, ...] = ()) -> None:
    """Every screen through the link; the Oswestry sections ``skip_odi`` skipped."""
    assert client.post(start + "nrs/1/", {"nrs_back": "6"}).status_code == 302
    assert client.post(start + "nrs/2/", {"nrs_leg": "7"}).status_code == 302
    for n in range(1, 11):
        body = {"skip": "1"} if n in skip_odi else {f"odi_{n}": "2"}
        assert client.post(f"{start}odi/{n}/", body).status_code == 302
    for n, code in enumerate(ZCQ_CODES, start=1):
        assert client.post(f"{start}zcq/{n}/", {code: "3"}).status_code == 302
    assert client.post(start + "standing/1/", {"standing_minutes": "8"}).status_code == 302
    assert client.post(start + "walking/1/", {"walking_feet": "250"}).status_code == 302


# --- An empty "Save and continue" -----------------------------------------------------------


def test_saving_an_oswestry_question_with_no_answer_stays_on_it_and_offers_to_skip(
    client, point, start
):
    page = client.post(start + "odi/4/", {})
    assert page.status_code == 400
    assert page.text.count("No answer is chosen yet.") == 2  # beside the question, in the summary
    assert "or press “Skip this question” if you would rather not answer it." in page.text
    summary = page.text.split('class="error-summary"')[1].split("</div>")[0]
    assert 'href="#id_odi_4_0"' in summary  # leads to the question's answers
    # The question is just below: the summary gives the message, not the question again.
    question = str(page.context["form"]["odi_4"].label)
    assert question not in summary and page.text.count(question) == 1
    assert '<button type="submit" name="skip" value="1"' in page.text
    assert not Response.objects.filter(time_point=point, instrument="odi").exists()


def test_skip_this_question_leaves_it_blank_on_purpose_and_moves_on(client, point, start):
    moved = client.post(start + "odi/4/", {"skip": "1"})
    assert moved.status_code == 302 and moved.headers["Location"] == start + "odi/5/"
    assert _answers(point, "odi") == {"odi_4": None}


def test_skip_wins_over_an_answer_picked_before_it_was_pressed(client, point, start):
    client.post(start + "odi/4/", {"odi_4": "3"})
    assert client.post(start + "odi/4/", {"odi_4": "3", "skip": "1"}).status_code == 302
    assert _answers(point, "odi") == {"odi_4": None}


def test_an_answer_saved_on_a_skippable_question_is_kept(client, point, start):
    assert client.post(start + "odi/4/", {"odi_4": "0"}).status_code == 302
    assert _answers(point, "odi") == {"odi_4": 0}  # 0 is an answer, not a blank


def test_a_question_that_needs_an_answer_has_no_skip_and_a_forged_one_changes_nothing(
    client, point, start
):
    assert 'name="skip"' not in client.get(start + "nrs/1/").text
    assert 'name="skip"' not in client.get(start + "zcq/1/").text
    page = client.post(start + "nrs/1/", {"skip": "1"})
    assert page.status_code == 400 and "Please choose one answer." in page.text
    assert not Response.objects.filter(time_point=point).exists()


def test_the_skip_button_comes_after_save_so_enter_never_skips(client, start):
    page = client.get(start + "odi/1/").text
    save = page.index('class="button q-next"')
    skip = page.index('class="button button--secondary q-skip"')
    assert save < skip
    assert "You can skip up to 2 of these 10 questions." in page


def test_coming_back_to_a_skipped_question_says_it_was_skipped(client, start):
    assert "You skipped this question earlier" not in client.get(start + "odi/4/").text
    client.post(start + "odi/4/", {"skip": "1"})
    again = client.get(start + "odi/4/").text
    assert "You skipped this question earlier. You can answer it now, or skip it again." in again
    assert "checked" not in again


# --- The send page ----------------------------------------------------------------------------


def test_the_send_page_counts_the_skipped_questions_and_links_back_to_each(client, point, start):
    _answer_all(client, start, skip_odi=(4, 7))
    page = client.get(start + "send/")
    assert page.status_code == 200
    text = page.text
    assert "Answered, 2 questions skipped" in text
    assert text.count(">Answered<") == 4  # the other four, nothing skipped
    links = re.findall(r'<a href="([^"]+)">question (\d+)</a>', text)
    assert links == [(start + "odi/4/", "4"), (start + "odi/7/", "7")]
    assert "You can go back to change any answer." in text

    sent = client.post(start + "send/")
    assert sent.status_code == 302
    odi = Response.objects.get(time_point=point, instrument="odi")
    assert odi.scores == {"odi": 40.0}  # 16 of 40: two sections not counted


def test_the_start_page_says_how_many_questions_were_skipped(client, start):
    client.post(start + "odi/1/", {"odi_1": "2"})
    for n in range(2, 11):
        client.post(f"{start}odi/{n}/", {"skip": "1"} if n == 9 else {f"odi_{n}": "1"})
    assert "Answered, 1 question skipped" in client.get(start).text


def test_three_skipped_oswestry_sections_ask_for_one_more_answer_before_sending(
    client, point, start
):
    _answer_all(client, start, skip_odi=(4, 5, 6))
    page = client.get(start + "send/").text
    assert "Answered, 3 questions skipped" in page
    assert (
        "Your doctor can use this questionnaire only if no more than 2 questions are "
        "skipped. Please answer at least 1 of the questions you skipped."
    ) in page
    assert "Please finish the questionnaires above first." in page
    assert "You can go back to change any answer." not in page

    refused = client.post(start + "send/")
    assert refused.status_code == 400
    assert TimePoint.objects.get(pk=point.pk).completed_at is None
    client.post(start + "odi/5/", {"odi_5": "1"})
    after = client.get(start + "send/").text
    assert "Answered, 2 questions skipped" in after and "Please answer at least" not in after
    assert client.post(start + "send/").status_code == 302


# --- Standing and walking at home -------------------------------------------------------------


def test_at_home_the_walking_screen_asks_only_for_the_distance_with_its_unit(client, point, start):
    page = client.get(start + "walking/1/").text
    assert "About how far can you walk on level ground" in page
    assert "How was this distance found?" not in page
    assert "Measured in the clinic" not in page
    assert "the test ends at 30 minutes" not in page
    box = re.search(r'<input type="number" name="walking_feet"[^>]*>', page)
    assert box is not None
    assert 'aria-describedby="id_walking_feet_unit' in box.group(0)
    assert '<span class="q-unit" id="id_walking_feet_unit">feet</span>' in page

    # A forged answer to the clinic's question counts for nothing: an estimate it is.
    saved = client.post(
        start + "walking/1/", {"walking_feet": "250", "walking_method": "2", "walking_capped": "on"}
    )
    assert saved.status_code == 302
    assert _answers(point, "walking") == {
        "walking_feet": 250,
        "walking_method": 1,  # "I am estimating it"
        "walking_capped": False,
    }


def test_at_home_the_standing_screen_shows_minutes_and_asks_about_no_test(client, start):
    page = client.get(start + "standing/1/").text
    assert '<span class="q-unit" id="id_standing_minutes_unit">minutes</span>' in page
    assert "the test ends at 30 minutes" not in page
    assert 'name="standing_capped"' not in page


@pytest.mark.parametrize(("minutes", "at_limit"), [("12", False), ("29", False), ("30", True)])
def test_at_home_thirty_minutes_of_standing_is_kept_as_thirty_or_more(
    client, point, start, minutes, at_limit
):
    """The question says "if you can stand for 30 minutes or more, enter 30": 30 is a
    value at the limit, as the clinic's test records one."""
    client.post(start + "standing/1/", {"standing_minutes": minutes})
    assert _answers(point, "standing") == {
        "standing_minutes": int(minutes),
        "standing_capped": at_limit,
    }


def test_answers_sent_from_home_reach_the_progress_chart_as_before(client, point, start):
    _answer_all(client, start)
    client.post(start + "standing/1/", {"standing_minutes": "30"})
    assert client.post(start + "send/").status_code == 302
    readings = queries.progress_of(point.patient)
    assert [(r.value, r.capped) for r in readings["standing_minutes"]] == [(30, True)]
    assert [(r.value, r.capped) for r in readings["walking_feet"]] == [(250, False)]
    walking = Response.objects.get(time_point=point, instrument="walking")
    assert walking.scores == {"walking_feet": 250, "walking_method": 1, "walking_capped": False}


def test_a_number_out_of_range_at_home_still_names_the_rule(client, point, start):
    page = client.post(start + "standing/1/", {"standing_minutes": "45"})
    assert page.status_code == 400
    assert "Please enter a number from 0 to 30." in page.text
    assert 'name="skip"' not in page.text  # a number that is needed cannot be skipped
    assert not Response.objects.filter(time_point=point).exists()


# --- Where a clinic test can have happened ----------------------------------------------------


@pytest.fixture
def tablet(client, point, make_staff, sign_in) -> str:
    """The clinic tablet, handed to Rosa by the front desk: her start page."""
    sign_in(make_staff("front_desk", ("santa-monica",)))
    handed = client.post(reverse("questionnaires:tablet_start", args=[point.pk]))
    return handed.headers["Location"]


def test_on_the_clinic_tablet_the_timed_test_questions_are_still_asked(client, point, tablet):
    page = client.get(tablet + "walking/1/").text
    assert "How was this distance found?" in page
    assert "Measured in the clinic with a timed walk" in page
    assert 'name="walking_capped"' in page
    assert '<span class="q-unit" id="id_walking_feet_unit">feet</span>' in page
    body = {"walking_feet": "900", "walking_method": "2", "walking_capped": "on"}
    assert client.post(tablet + "walking/1/", body).status_code == 302
    assert _answers(point, "walking") == {
        "walking_feet": 900,
        "walking_method": 2,
        "walking_capped": True,
    }
    assert 'name="standing_capped"' in client.get(tablet + "standing/1/").text


def test_on_the_clinic_tablet_an_empty_oswestry_answer_is_refused_too(client, point, tablet):
    assert client.post(tablet + "odi/2/", {}).status_code == 400
    assert client.post(tablet + "odi/2/", {"skip": "1"}).status_code == 302
    assert _answers(point, "odi") == {"odi_2": None}


def test_the_paper_form_still_takes_blank_sections_and_asks_about_the_test(
    client, point, make_staff, sign_in
):
    sign_in(make_staff("front_desk", ("santa-monica",)))
    paper = reverse("questionnaires:paper", args=[point.patient_id, point.pk, "walking"])
    page = client.get(paper).text
    assert "How was this distance found?" in page and 'name="walking_capped"' in page
    odi = reverse("questionnaires:paper", args=[point.patient_id, point.pk, "odi"])
    assert 'name="skip"' not in client.get(odi).text
    answers = {f"odi_{n}": "2" for n in range(1, 11) if n not in (3, 8)}
    assert client.post(odi, answers).status_code == 302
    assert _answers(point, "odi")["odi_3"] is None
