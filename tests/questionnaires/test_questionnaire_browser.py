"""The questionnaires in Chromium, as the patient and the staff meet them.

A patient on a 390 px phone answers the intake set through their link with the keyboard
alone (Tab to an answer, the arrow keys or Space to pick it, Enter on the button): the
pain numbers, the Oswestry questionnaire with sections skipped on purpose (an empty
"Save and continue" is refused first), part of the Zurich questionnaire; closes the
page, opens the link again, is offered "Continue where you left off" and lands on the
first screen not answered; finishes (standing and walking as their own estimate, with
the unit beside the box); is told which questions were skipped and which still need an
answer; sends; and the link then shows only the thank-you page. axe-core checks every
kind of screen (the start, a choice, a skippable question and its error, a number, an
error, the send page with its skipped questions and its gaps, the thank-you page), at
390 and 320 px, in English and in Spanish (a shorter pass), and none scrolls sideways.

The staff's pages are checked at 320 and 1280 px in both languages: a clinician's
progress page with its charts, the paper form (and its errors), the clinic tablet, the
front desk's and the clinician's home with the overdue list; and the patient's own
progress page at 390, 320 and 1280 px.

The live server runs on the real clock: every date counts from today."""

from __future__ import annotations

import itertools
import os
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.db import transaction

from mildpath.core import clock
from mildpath.patients.models import Patient, PatientLink
from mildpath.patients.services import patient_create, patient_link_issue
from mildpath.practice.models import Location
from mildpath.questionnaires import instruments, services
from mildpath.questionnaires.answers import Answer
from mildpath.questionnaires.models import Response, TimePoint
from tests.browser import NARROW, WIDE, assert_accessible, assert_reflows, tab_to
from tests.helpers import TEST_ACTOR

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
# The intake set's screens before each questionnaire's first: 2 pain, 10 Oswestry, 12
# Zurich, 1 standing, 1 walking.
BASELINE_BEFORE = {"nrs": 0, "odi": 2, "zcq": 12, "standing": 24, "walking": 25}
# Set QUESTIONNAIRE_SHOTS=/tmp/q-shots to keep a picture of every page checked.
SHOTS = os.environ.get("QUESTIONNAIRE_SHOTS", "")


# --- set-up -------------------------------------------------------------------


def _patient(given: str, family: str, language: str, phone: str) -> Patient:
    return patient_create(
        actor=TEST_ACTOR,
        given_name=given,
        family_name=family,
        date_of_birth=date(1952, 3, 14),
        phone=phone,
        email="",
        preferred_language=language,
        locations=[Location.objects.get(slug="pasadena")],
        now=clock.now(),
    )


def _plan(patient: Patient, *, days_ago: int = 0, due_in: timedelta | None = None) -> TimePoint:
    """The patient's plan as if their first consultation was booked ``days_ago`` days ago
    for that same day (the services take the moment; nothing else travels)."""
    then = clock.now() - timedelta(days=days_ago)
    with transaction.atomic():
        return services.follow_up_plan_start(
            actor=TEST_ACTOR,
            patient=patient,
            location=Location.objects.get(slug="pasadena"),
            anchor_date=then.date(),
            due_at=then + due_in if due_in is not None else None,
            now=then,
        )


def _questionnaire_link(patient: Patient, point: TimePoint) -> str:
    issued = patient_link_issue(
        actor=TEST_ACTOR,
        patient=patient,
        purpose=PatientLink.Purpose.QUESTIONNAIRE,
        target_id=point.pk,
        now=clock.now(),
    )
    prefix = "" if patient.preferred_language == "en" else "/es"
    return f"{prefix}/p/questionnaire/{issued.token}/"


def _as(page, sign_in, user) -> None:
    from django.test import Client

    client = sign_in(user, Client())
    page.context.clear_cookies()
    page.context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "domain": "localhost",
                "path": "/",
            }
        ]
    )


# --- what the patient does --------------------------------------------------------


def _path(page) -> str:
    return urlsplit(page.url).path


def _submit(page) -> None:
    """Tab to the primary button and press Enter, waiting for the next page."""
    tab_to(page, "main button.q-next, main a.q-next")
    with page.expect_navigation():
        page.keyboard.press("Enter")


def _choose(page, name: str, index: int) -> None:
    """Tab into the group of answers (the first one gets focus), then Space picks it or
    the down arrow moves to and picks the answer ``index`` places further."""
    tab_to(page, f"input[name={name}]")
    if index == 0:
        page.keyboard.press("Space")
    for _ in range(index):
        page.keyboard.press("ArrowDown")
    checked = page.locator(f"input[name={name}]:checked")
    assert checked.count() == 1, name
    assert page.evaluate("(n) => document.activeElement.name === n", name)
    # The picked answer's card is marked so it can be seen, not only its small circle.
    card = page.locator(f"label.choice:has(input[name={name}]:checked)")
    assert card.evaluate("e => getComputedStyle(e).borderColor") != page.locator(
        f"label.choice:has(input[name={name}]:not(:checked))"
    ).first.evaluate("e => getComputedStyle(e).borderColor")


def _answer(page, name: str, index: int, expected_next: str) -> None:
    _choose(page, name, index)
    _submit(page)
    assert _path(page).endswith(expected_next), (page.url, expected_next)


def _type(page, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type(text)


def _check(page, language: str, name: str, *, sizes=(PHONE, NARROW)) -> None:
    """axe-core and reflow at each width, then back to the phone."""
    assert page.locator("html").get_attribute("lang") == language
    for size in sizes:
        page.set_viewport_size(size)
        if SHOTS:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=f"{SHOTS}/{language}-{name}-{size['width']}.png", full_page=True)
        assert_accessible(page)
        assert_reflows(page)
    page.set_viewport_size(PHONE)


def _on_screen(page, instrument: str, number: int, total: int, language: str = "en") -> None:
    """On this screen, headed by the questionnaire's plain title, with this question's
    count; the line and the bar above the heading place it in the whole intake set (5
    questionnaires, 26 screens), so the bar never starts over."""
    assert _path(page).endswith(f"/{instrument}/{number}/"), page.url
    assert page.locator("h1").inner_text() == instruments.latest(instrument).plain_title[language]
    counted = page.locator(".q-count").inner_text()
    if language == "en":
        assert counted == f"Question {number} of {total}"
    else:  # the words are the translators'; the numbers are the page's
        assert [int(word) for word in counted.split() if word.isdigit()] == [number, total]
    overall = BASELINE_BEFORE[instrument] + number
    bar = page.locator("progress.q-bar")
    assert (bar.get_attribute("value"), bar.get_attribute("max")) == (str(overall), "26")
    where = page.locator(".q-where").inner_text()
    assert [int(word) for word in where.split() if word.isdigit()] == [
        list(BASELINE_BEFORE).index(instrument) + 1,
        len(BASELINE_BEFORE),
    ]


def _within_reach(page, selector: str, screens: float = 1.5) -> None:
    """On the phone, the element is no further down than ``screens`` screens."""
    box = page.locator(selector).first.bounding_box()
    assert box is not None and box["y"] + box["height"] <= PHONE["height"] * screens, selector


def _reads_top_to_bottom(page, name: str) -> None:
    """A 0 to 10 scale is one column, 0 at the top: no "No pain" beside a 6."""
    for size in (PHONE, WIDE):
        page.set_viewport_size(size)
        boxes = [box.bounding_box() for box in page.locator(f"input[name={name}]").all()]
        assert len(boxes) == 11
        assert all(a["y"] < b["y"] and a["x"] == b["x"] for a, b in itertools.pairwise(boxes))
    page.set_viewport_size(PHONE)


# --- the patient -------------------------------------------------------------------------


def test_a_patient_answers_by_keyboard_on_a_phone_resumes_and_sends(page):
    rosa = _patient("Rosa", "Delgado", "en", "+16265550123")
    point = _plan(rosa, due_in=timedelta(days=6))
    link = _questionnaire_link(rosa, point)
    page.set_viewport_size(PHONE)

    page.goto(link)
    assert page.locator("h1").inner_text() == "A few questions before your visit"
    assert "Hello Rosa." in page.locator("main").inner_text()
    assert page.locator("a.q-next").inner_text() == "Start"
    _check(page, "en", "start")
    _submit(page)

    # Nothing chosen on a question that needs an answer: the page says what to do.
    _on_screen(page, "nrs", 1, 2)
    _check(page, "en", "choice")
    _within_reach(page, "button.q-next")
    _reads_top_to_bottom(page, "nrs_back")
    _submit(page)
    assert _path(page).endswith("/nrs/1/")
    assert page.title().startswith("Error:")
    assert page.locator(".error-summary").is_visible()
    assert "Please choose one answer." in page.locator(".field--error").inner_text()
    _check(page, "en", "choice-error")
    _answer(page, "nrs_back", 6, "/nrs/2/")
    _on_screen(page, "nrs", 2, 2)
    _choose(page, "nrs_leg", 7)
    _check(page, "en", "choice-chosen")
    page.keyboard.press("ArrowUp")  # a change of mind: 6, not 7
    assert page.locator("input[name=nrs_leg]:checked").get_attribute("value") == "6"
    _submit(page)
    assert _path(page).endswith("/odi/1/")

    # The Oswestry questionnaire: sections 4, 5 and 6 skipped (one too many).
    _on_screen(page, "odi", 1, 10)
    _check(page, "en", "odi")
    for number in range(1, 11):
        _on_screen(page, "odi", number, 10)
        following = f"/odi/{number + 1}/" if number < 10 else "/zcq/1/"
        if number == 4:
            # Save and continue with nothing picked: the question stays, and says why.
            _submit(page)
            assert _path(page).endswith("/odi/4/")
            assert page.title().startswith("Error:")
            error = page.locator(".field--error .error-message").inner_text()
            assert "No answer is chosen yet." in error and "“Skip this question”" in error
            _check(page, "en", "odi-error")
        if number in (4, 5, 6):
            tab_to(page, "main button.q-skip")
            assert page.locator("main button.q-skip").inner_text() == "Skip this question"
            with page.expect_navigation():
                page.keyboard.press("Enter")
            assert _path(page).endswith(following)
        else:
            _answer(page, f"odi_{number}", 2, following)

    # Part of the Zurich questionnaire, then the page is closed.
    for number, code in enumerate(("zcq_sym1", "zcq_sym2", "zcq_sym3", "zcq_sym4"), start=1):
        _on_screen(page, "zcq", number, 12)
        _answer(page, code, 2, f"/zcq/{number + 1}/")
    context = page.context
    page.close()

    page = context.new_page()
    page.set_viewport_size(PHONE)
    page.goto(link)
    resume = page.locator("a.q-next")
    assert resume.inner_text() == "Continue where you left off"
    _within_reach(page, "a.q-next", screens=1)  # back again: the way on comes first
    states = page.locator(".q-part-state").all_inner_texts()
    assert states[:3] == ["Answered", "Answered, 3 questions skipped", "Started"], states
    _check(page, "en", "start-resume")
    _submit(page)
    _on_screen(page, "zcq", 5, 12)
    rest = ("zcq_sym5", "zcq_sym6", "zcq_sym7", "zcq_fun1", "zcq_fun2", "zcq_fun3", "zcq_fun4")
    for number, code in enumerate(rest, start=5):
        _answer(page, code, 1, f"/zcq/{number + 1}/")
    _answer(page, "zcq_fun5", 0, "/standing/1/")

    # A number, its unit beside the box, and no question about a clinic test: a number
    # out of range first.
    _on_screen(page, "standing", 1, 1)
    assert page.locator("input[name=standing_capped]").count() == 0
    box = page.locator("#id_standing_minutes").bounding_box()
    unit = page.locator("#id_standing_minutes_unit").bounding_box()
    assert box is not None and unit is not None
    assert unit["x"] >= box["x"] + box["width"] and unit["y"] < box["y"] + box["height"]
    assert page.locator("#id_standing_minutes_unit").inner_text() == "minutes"
    _check(page, "en", "number")
    _type(page, "#id_standing_minutes", "45")
    _submit(page)
    assert "Please enter a number from 0 to 30." in page.locator(".field--error").inner_text()
    _check(page, "en", "number-error")
    _type(page, "#id_standing_minutes", "8")
    _submit(page)

    _on_screen(page, "walking", 1, 1)
    assert page.locator("button.q-next").inner_text() == "Save and review"
    assert page.locator("input[name=walking_method], input[name=walking_capped]").count() == 0
    _type(page, "#id_walking_feet", "250")
    _submit(page)

    # Everything was seen, but three Oswestry sections are skipped, one too many: the
    # page says so, with a way back to each.
    assert _path(page).endswith("/send/")
    states = page.locator(".q-part-state").all_inner_texts()
    assert states == ["Answered", "Answered, 3 questions skipped"] + ["Answered"] * 3, states
    skipped = page.locator(".q-skipped")
    assert "Please answer at least 1 of the questions you skipped." in skipped.inner_text()
    assert skipped.locator("a").all_inner_texts() == ["question 4", "question 5", "question 6"]
    _check(page, "en", "send")
    _submit(page)
    assert _path(page).endswith("/send/")
    gaps = page.locator(".error-summary")
    assert "Some questions still need an answer" in gaps.inner_text()
    assert gaps.locator("a").all_inner_texts() == ["question 4", "question 5", "question 6"]
    assert page.locator(".q-parts").count() == 0  # one list of what to do, not two
    assert TimePoint.objects.get(pk=point.pk).completed_at is None
    _check(page, "en", "send-gaps")
    tab_to(page, ".error-summary a")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    _on_screen(page, "odi", 4, 10)
    _answer(page, "odi_4", 3, "/odi/5/")

    # Back through the link: all answered, so the way on is to check and send.
    page.goto(link)
    assert page.locator("a.q-next").inner_text() == "Check and send my answers"
    _submit(page)
    assert _path(page).endswith("/send/")
    _submit(page)
    assert _path(page) == "/p/questionnaire/done/"
    assert page.locator("h1").inner_text() == "Thank you: your answers are with your care team"
    _check(page, "en", "done")

    point.refresh_from_db()
    assert point.completed_at is not None
    answers = {r.instrument: r for r in Response.objects.filter(time_point=point)}
    assert answers["nrs"].scores == {"nrs_back": 6, "nrs_leg": 6}
    assert answers["odi"].answers["odi_4"] == 3 and answers["odi"].answers["odi_5"] is None
    assert answers["standing"].answers["standing_minutes"] == 8
    assert answers["walking"].answers == {
        "walking_feet": 250,
        "walking_method": 1,  # the patient's own estimate: no test at home
        "walking_capped": False,
    }
    assert {r.mode for r in answers.values()} == {"link"}

    # The link, opened again, shows the thank-you page and nothing else.
    page.goto(link)
    assert _path(page) == "/p/questionnaire/done/"
    assert "Rosa" not in page.content()
    page.goto(link + "odi/1/")
    assert _path(page) == "/p/questionnaire/done/"


def _answered_until_zcq_12(point: TimePoint) -> None:
    """NRS and ODI seen (ODI with three sections blank) and ZCQ up to its 11th screen,
    as the patient would have left them."""
    now = clock.now()

    def save(instrument: str, answers: dict) -> None:
        services.response_save(
            actor=TEST_ACTOR,
            time_point=point,
            instrument=instrument,
            answers=answers,
            mode=Response.Mode.LINK,
            language="es",
            now=now,
        )

    save("nrs", {"nrs_back": 5, "nrs_leg": 8})
    save("odi", {f"odi_{n}": None if n in (4, 5, 6) else 2 for n in range(1, 11)})
    codes = [f"zcq_sym{n}" for n in range(1, 8)] + [f"zcq_fun{n}" for n in range(1, 5)]
    save("zcq", {code: 3 if code.startswith("zcq_sym") else 2 for code in codes})


def test_the_spanish_screens_pass_axe_and_the_set_is_sent(page):
    ana = _patient("Ana", "Ruiz", "es", "+16265550124")
    point = _plan(ana, due_in=timedelta(days=6))
    link = _questionnaire_link(ana, point)
    assert link.startswith("/es/")
    page.set_viewport_size(PHONE)

    page.goto(link)
    assert "Ana" in page.locator("main").inner_text()
    _check(page, "es", "start")
    _submit(page)
    _on_screen(page, "nrs", 1, 2, "es")
    _check(page, "es", "choice")

    # Later: most answers are in, and the link picks up at the Zurich's last screen.
    _answered_until_zcq_12(point)
    page.goto(link)
    assert page.locator("a.q-next").get_attribute("href").endswith("/zcq/12/")
    _submit(page)
    _on_screen(page, "zcq", 12, 12, "es")
    _submit(page)
    assert page.locator(".error-summary").is_visible()
    _check(page, "es", "choice-error")
    _answer(page, "zcq_fun5", 0, link + "standing/1/")
    _check(page, "es", "number")
    _type(page, "#id_standing_minutes", "31")
    _submit(page)
    assert page.locator(".field--error").is_visible()
    _check(page, "es", "number-error")
    _type(page, "#id_standing_minutes", "12")
    _submit(page)
    _on_screen(page, "walking", 1, 1, "es")
    assert page.locator("#id_walking_feet_unit").inner_text() == "pies"
    _type(page, "#id_walking_feet", "400")
    _submit(page)
    assert _path(page).endswith("/send/")
    assert page.locator(".q-skipped a").count() == 3
    _check(page, "es", "send-skipped")
    _submit(page)
    assert page.locator(".error-summary a").count() == 3
    _check(page, "es", "send-gaps")
    tab_to(page, ".error-summary a")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    _on_screen(page, "odi", 4, 10, "es")
    assert page.locator(".q-note").is_visible()  # skipped earlier, and said so
    assert page.locator("main button.q-skip").is_visible()
    _check(page, "es", "odi-skipped")
    _answer(page, "odi_4", 1, "/odi/5/")
    page.goto(link)
    _submit(page)  # check and send
    assert _path(page) == link + "send/"
    _check(page, "es", "send")
    _submit(page)
    assert _path(page) == "/es/p/questionnaire/done/"
    _check(page, "es", "done")
    point.refresh_from_db()
    assert point.completed_at is not None
    page.goto(link)
    assert _path(page) == "/es/p/questionnaire/done/"


# --- the staff ---------------------------------------------------------------------------


def _paper_set(
    point: TimePoint,
    *,
    pain: tuple[int, int],
    odi: int,
    zcq: tuple[int, int],
    standing: int,
    walking: int,
    now: datetime,
) -> None:
    """The whole set of a time point entered from paper, every item of a questionnaire
    given the same answer."""
    zurich: dict[str, Answer] = {f"zcq_sym{n}": zcq[0] for n in range(1, 7)}
    zurich |= {"zcq_sym7": 3} | {f"zcq_fun{n}": zcq[1] for n in range(1, 6)}
    if point.code != "baseline":
        zurich |= {f"zcq_sat{n}": 1 for n in range(1, 7)}
    answers: dict[str, dict[str, Answer]] = {
        "nrs": {"nrs_back": pain[0], "nrs_leg": pain[1]},
        "odi": {f"odi_{n}": odi for n in range(1, 11)},
        "zcq": zurich,
        "standing": {"standing_minutes": standing, "standing_capped": False},
        "walking": {"walking_feet": walking, "walking_method": 1, "walking_capped": False},
    }
    for instrument, given in answers.items():
        services.paper_response_enter(
            actor=TEST_ACTOR, time_point=point, instrument=instrument, answers=given, now=now
        )


def _followed_up() -> Patient:
    """A patient whose plan began 50 days ago: the baseline answers entered from paper
    then, the 6-week ones today (its window is open), for the charts."""
    harold = _patient("Harold", "Okafor", "en", "+16265550125")
    baseline = _plan(harold, days_ago=50)
    week_6 = TimePoint.objects.get(patient=harold, code="week_6", superseded_at__isnull=True)
    then = clock.now() - timedelta(days=50)
    _paper_set(baseline, pain=(7, 8), odi=3, zcq=(4, 3), standing=4, walking=150, now=then)
    _paper_set(week_6, pain=(3, 2), odi=1, zcq=(2, 1), standing=20, walking=1500, now=clock.now())
    return harold


def test_the_staff_questionnaire_pages_and_the_patients_progress_pass_axe(
    page, make_staff, sign_in
):
    harold = _followed_up()
    # Someone who has not answered the 6-week questions due a week ago: overdue.
    late = _patient("Maria", "Lopez", "es", "+16265550126")
    _plan(late, days_ago=50)
    late_point = TimePoint.objects.get(patient=late, code="week_6", superseded_at__isnull=True)
    # Someone whose visit is this afternoon: on the tablet's list for today.
    today = _patient("Walter", "Nguyen", "en", "+16265550127")
    _plan(today, due_in=timedelta(hours=3))

    answered = TimePoint.objects.get(patient=harold, code="baseline", superseded_at__isnull=True)
    pages = {
        "clinician": [
            ("staff-progress", f"/staff/patients/{harold.pk}/progress/"),
            (
                "staff-answers",
                f"/staff/patients/{harold.pk}/questionnaires/{answered.pk}/answers/",
            ),
            ("staff-home-clinician", "/staff/"),
        ],
        "front_desk": [
            ("staff-home", "/staff/"),
            ("tablet", "/staff/tablet/"),
            ("paper", f"/staff/patients/{late.pk}/questionnaires/{late_point.pk}/paper/zcq/"),
        ],
    }
    for role, paths in pages.items():
        _as(page, sign_in, make_staff(role, ("pasadena",)))
        for language, prefix in (("en", ""), ("es", "/es")):
            for name, path in paths:
                response = page.goto(prefix + path)
                assert response.status == 200, page.url
                assert _path(page) == prefix + path
                _check(page, language, name, sizes=(NARROW, WIDE))
                if name == "staff-progress":
                    assert page.locator(".q-chart svg[role=img]").count() == 7
                    assert page.locator(".q-measure table").count() == 7
                if name == "staff-answers":
                    # Every questionnaire of the set, each a list of its questions and answers.
                    assert page.locator("section.q-answers ol.q-answer-list").count() == 5
                if name == "staff-home":
                    overdue = page.locator("#overdue-title + p + ul").inner_text()
                    assert "Maria Lopez" in overdue
                if name == "tablet":
                    assert "Walter Nguyen" in page.locator(".q-tablet-list").inner_text()
            if role == "front_desk":
                # The paper form sent with nothing filled in: every question says so.
                with page.expect_navigation():
                    page.locator("main form.q-paper button[type=submit]").click()
                assert page.locator(".error-summary").is_visible()
                _check(page, language, "paper-error", sizes=(NARROW, WIDE))

    # The patient's own progress, through the link in their messages.
    page.context.clear_cookies()
    issued = patient_link_issue(
        actor=TEST_ACTOR, patient=harold, purpose=PatientLink.Purpose.PROGRESS, now=clock.now()
    )
    for language, prefix in (("en", ""), ("es", "/es")):
        page.goto(f"{prefix}/p/progress/{issued.token}/")
        assert page.locator(".q-chart svg[role=img]").count() == 7
        _check(page, language, "patient-progress", sizes=(PHONE, NARROW, WIDE))
    # On the phone the whole chart fits the screen with its words still readable, and
    # its table follows it with nothing cut off.
    page.set_viewport_size(PHONE)
    frame = page.locator(".q-chart-scroll").first
    chart = page.locator(".q-chart").first.bounding_box()
    table = page.locator(".q-measure table").first.bounding_box()
    assert chart is not None and table is not None
    assert chart["x"] >= 0 and chart["x"] + chart["width"] <= PHONE["width"]
    tick = frame.locator("svg text").nth(1).bounding_box()
    assert tick is not None and tick["height"] >= 11  # about 12 px type
    assert table["y"] > chart["y"] + chart["height"]
    assert table["x"] + table["width"] <= PHONE["width"]
