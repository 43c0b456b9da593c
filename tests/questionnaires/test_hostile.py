"""Every new input under attack: a patient's questionnaire link pointed at someone
else's answers, guessed and forged tokens, hostile form bodies on a screen, made-up
URLs, a double tap of "Send" and paper entry for another patient's time point. The
answer is always a refusal the user can read (400, 404, 410 or 429), never a server
error, and nothing is stored."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import urllib.parse
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from http.client import HTTPConnection
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.urls import reverse

from mildpath.audit.models import AuditEvent
from mildpath.core import clock
from mildpath.patients.models import Patient, PatientLink
from mildpath.patients.services import LINK_FAILURES_ALLOWED, patient_link_issue
from mildpath.patients.tokens import make_token
from mildpath.practice.models import Location
from mildpath.questionnaires import services
from mildpath.questionnaires.models import Response, TimePoint
from tests.helpers import NOW, ROOT, TEST_ACTOR, Server

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "demo_practice")]
# NOW is Tuesday 24 November 2026, 9 a.m. in California.

ODI = {f"odi_{n}": 2 for n in range(1, 11)}
EVERY_ANSWER = {
    "nrs": {"nrs_back": 6, "nrs_leg": 7},
    "odi": ODI,
    "zcq": {
        **{f"zcq_sym{n}": 3 for n in range(1, 8)},
        **{f"zcq_fun{n}": 2 for n in range(1, 6)},
    },
    "standing": {"standing_minutes": 8, "standing_capped": False},
    "walking": {"walking_feet": 250, "walking_method": 1, "walking_capped": False},
}


def _patient(given: str, family: str, slug: str = "santa-monica") -> Patient:
    patient = Patient.objects.create(
        given_name=given,
        family_name=family,
        date_of_birth=date(1951, 4, 2),
        phone=f"+1310555{Patient.objects.count():04d}",
        created_at=NOW,
    )
    patient.locations.add(Location.objects.get(slug=slug))
    return patient


def _baseline(patient: Patient, slug: str = "santa-monica") -> TimePoint:
    """A plan from a first consultation this afternoon: the baseline is open."""
    location = Location.objects.get(slug=slug)
    with transaction.atomic():
        return services.follow_up_plan_start(
            actor=TEST_ACTOR,
            patient=patient,
            location=location,
            anchor_date=NOW.astimezone(location.tz).date(),
            due_at=NOW + timedelta(hours=5),
            now=clock.now(),
        )


def _week_1(patient: Patient) -> TimePoint:
    """The procedure a week ago: the 1-week time point (pain only) is open."""
    baseline = _baseline(patient)
    later = services.follow_up_plan_reanchor(
        actor=TEST_ACTOR,
        patient=patient,
        location=baseline.location,
        procedure_date=NOW.date() - timedelta(days=7),
        now=clock.now(),
    )
    return next(point for point in later if point.code == "week_1")


def _start(point: TimePoint) -> str:
    issued = patient_link_issue(
        actor=TEST_ACTOR,
        patient=point.patient,
        purpose="questionnaire",
        now=clock.now(),
        target_id=point.pk,
    )
    return reverse("questionnaires:start", args=[issued.token])


@pytest.fixture
def rosa() -> TimePoint:
    return _baseline(_patient("Rosa", "Delgado"))


# --- Links ---------------------------------------------------------------------------


def test_a_link_for_one_patient_cannot_reach_another_patients_time_point(client, rosa):
    harold = _patient("Harold", "Jenkins")
    harolds = _baseline(harold)
    # A link of Rosa's whose target is Harold's time point (a tampered row, a bug).
    crossed = PatientLink.objects.create(
        patient=rosa.patient,
        purpose="questionnaire",
        single_use=True,
        target_id=harolds.pk,
        created_at=NOW,
        expires_at=NOW + timedelta(days=14),
    )
    start = reverse("questionnaires:start", args=[make_token(crossed.pk, "questionnaire")])
    assert client.get(start).status_code == 410
    assert client.get(start + "nrs/1/").status_code == 410
    assert client.post(start + "nrs/1/", {"nrs_back": "3"}).status_code == 410
    assert client.post(start + "send/").status_code == 410
    for page in (client.get(start), client.get(start + "nrs/1/")):
        assert "Harold" not in page.text and "Rosa" not in page.text
    assert not Response.objects.exists()
    harolds.refresh_from_db()
    assert harolds.completed_at is None


def test_a_link_without_a_time_point_opens_nothing(client, rosa):
    issued = patient_link_issue(
        actor=TEST_ACTOR, patient=rosa.patient, purpose="questionnaire", now=clock.now()
    )
    start = reverse("questionnaires:start", args=[issued.token])
    assert client.get(start).status_code == 410
    assert client.post(start + "nrs/1/", {"nrs_back": "3"}).status_code == 410
    assert not Response.objects.exists()


def _forgeries(rosa: TimePoint) -> list[str]:
    genuine = _start(rosa).split("/")[-2]
    progress = patient_link_issue(
        actor=TEST_ACTOR, patient=rosa.patient, purpose="progress", now=clock.now()
    )
    return [
        "guess-0001",
        genuine[:-1] + ("A" if genuine[-1] != "A" else "B"),  # a signature tampered with
        make_token(999_999, "questionnaire"),  # well signed, no such link
        progress.token,  # a genuine link of another purpose
        make_token(progress.link.pk, "questionnaire"),  # the purpose forged in the token
        "a" * 2000,
        "%00",
        "..",
    ]


def test_forged_and_guessed_tokens_are_refused_then_throttled(client, rosa):
    forged = _forgeries(rosa)
    attempts: list[Callable[[str], Any]] = [
        lambda token: client.get(f"/p/questionnaire/{token}/"),
        lambda token: client.get(f"/p/questionnaire/{token}/nrs/1/"),
        lambda token: client.post(f"/p/questionnaire/{token}/nrs/1/", {"nrs_back": "3"}),
        lambda token: client.post(f"/p/questionnaire/{token}/send/"),
        lambda token: client.get(f"/p/progress/{token}/"),
    ]
    made = 0
    while made < LINK_FAILURES_ALLOWED:
        token = forged[made % len(forged)]
        answer = attempts[made % len(attempts)](token)
        assert answer.status_code in (404, 410), (token[:30], answer.status_code)
        if answer.status_code == 410:
            made += 1
        else:  # ".." and such never reach a link page: no guess counted
            forged.remove(token)
    assert AuditEvent.objects.filter(action="link.reject").count() == LINK_FAILURES_ALLOWED
    assert client.get("/p/questionnaire/guess-again/").status_code == 429
    assert client.post("/p/questionnaire/guess-again/send/").status_code == 429
    assert AuditEvent.objects.filter(action="link.reject").count() == LINK_FAILURES_ALLOWED
    assert not Response.objects.exists()
    rosa.refresh_from_db()
    assert rosa.completed_at is None
    # The patient holding a genuine link at the same address still gets in.
    assert client.get(_start(rosa)).status_code == 200


def test_a_refused_link_page_shows_no_patient_data(client, rosa):
    page = client.get(f"/p/questionnaire/{make_token(999_999, 'questionnaire')}/")
    assert page.status_code == 410
    assert "Rosa" not in page.text and page.headers["Cache-Control"] == "no-store"


# --- Hostile bodies on a screen ----------------------------------------------------------

HOSTILE_BODIES = {
    "huge choice": ("nrs/1/", {"nrs_back": "9" * 400}, "Please choose one of the answers shown."),
    "huge number": (
        "walking/1/",
        {"walking_feet": "9" * 400, "walking_method": "1"},
        "Please enter a number from 0 to 10000.",
    ),
    "number past int()'s digit limit": (
        "walking/1/",
        {"walking_feet": "9" * 5000, "walking_method": "1"},
        "Please enter a whole number, using digits only.",
    ),
    "negative number": (
        "walking/1/",
        {"walking_feet": "-5", "walking_method": "1"},
        "Please enter a number from 0 to 10000.",
    ),
    "negative choice": ("nrs/1/", {"nrs_back": "-1"}, "Please choose one of the answers shown."),
    "exponent": (
        "walking/1/",
        {"walking_feet": "1e3", "walking_method": "1"},
        "Please enter a whole number, using digits only.",
    ),
    "fraction": (
        "standing/1/",
        {"standing_minutes": "7.5"},
        "Please enter a whole number, using digits only.",
    ),
    "NUL in a number": (
        "walking/1/",
        {"walking_feet": "25\x000", "walking_method": "1"},
        "Please enter a whole number, using digits only.",
    ),
    "NUL as a choice": ("nrs/1/", {"nrs_back": "\x00"}, "Please choose one of the answers shown."),
    "two answers to one question": (
        "nrs/1/",
        {"nrs_back": ["3", "9"]},
        "Please choose one answer.",
    ),
    "two numbers for one question": (
        "walking/1/",
        {"walking_feet": ["100", "9000"], "walking_method": "1"},
        "Please enter a whole number, using digits only.",
    ),
    "another question's answer instead": ("nrs/1/", {"nrs_leg": "4"}, "Please choose one answer."),
    "a value outside the options": (
        "zcq/7/",
        {"zcq_sym7": "2"},  # balance is answered 1, 3 or 5
        "Please choose one of the answers shown.",
    ),
    "an option of another question": (
        "odi/1/",
        {"odi_1": "9"},  # a pain rating's 9: an Oswestry section goes up to 5
        "Please choose one of the answers shown.",
    ),
    "a word for a number": (
        "nrs/1/",
        {"nrs_back": "true"},
        "Please choose one of the answers shown.",
    ),
    "markup": ("nrs/1/", {"nrs_back": "<script>x</script>"}, "Please choose one of the answers"),
    "nothing at all": ("nrs/1/", {}, "Please choose one answer."),
}


@pytest.mark.parametrize("case", HOSTILE_BODIES)
def test_a_hostile_screen_body_is_refused_with_a_message_and_nothing_is_stored(client, rosa, case):
    screen, body, message = HOSTILE_BODIES[case]
    start = _start(rosa)
    page = client.post(start + screen, body)
    assert page.status_code == 400, case
    assert message in page.text, case
    assert "Please check your answers" in page.text
    assert "<script>x</script>" not in page.text
    assert not Response.objects.exists()
    assert not AuditEvent.objects.filter(action="response.save").exists()


def test_an_undecodable_or_oversized_body_is_a_calm_400(client, rosa):
    start = _start(rosa)
    raw = client.post(
        start + "nrs/1/", b"nrs_back=%FF%FE", content_type="application/x-www-form-urlencoded"
    )
    assert raw.status_code == 400
    as_json = client.post(start + "nrs/1/", {"nrs_back": 3}, content_type="application/json")
    assert as_json.status_code == 400 and "Please choose one answer." in as_json.text
    many = client.post(start + "nrs/1/", {f"field{n}": "1" for n in range(5000)})
    assert many.status_code == 400
    big = client.post(start + "nrs/1/", {"nrs_back": "3", "padding": "x" * 3_000_000})
    assert big.status_code == 400
    assert not Response.objects.exists()


def test_unknown_fields_are_never_stored(client, rosa):
    """Fields the screen does not ask are ignored, as any form ignores them: they cannot
    answer another question, or set what the service decides (status, scores, mode)."""
    start = _start(rosa)
    page = client.post(
        start + "nrs/1/",
        {
            "nrs_back": "3",
            "nrs_leg": "10",  # the next screen's question
            "odi_1": "5",  # another questionnaire's
            "status": "complete",
            "scores": '{"nrs_back": 0}',
            "mode": "paper",
            "entered_by": "1",
            "patient": str(rosa.patient_id + 1),
            "x\x00y": "\x00",
        },
    )
    assert page.status_code == 302
    saved = Response.objects.get()
    assert saved.answers == {"nrs_back": 3}
    assert saved.status == "in_progress" and saved.scores == {}
    assert saved.mode == "link" and saved.entered_by is None
    assert saved.patient_id == rosa.patient_id and saved.instrument == "nrs"
    assert not Response.objects.filter(instrument="odi").exists()


@pytest.mark.parametrize(
    "path",
    [
        "unknown/1/",
        "nrs/0/",
        "nrs/3/",
        "nrs/999/",
        "odi/11/",
        "nrs/" + "9" * 40 + "/",
        "nrs/-1/",
        "NRS/1/",
        "nrs/1.0/",
        "zcq/13/",  # the satisfaction items are not asked before treatment
    ],
)
def test_a_made_up_screen_is_not_found(client, rosa, path):
    start = _start(rosa)
    assert client.get(start + path).status_code == 404
    assert client.post(start + path, {"nrs_back": "3"}).status_code == 404
    assert not Response.objects.exists()


def test_a_questionnaire_not_asked_at_this_time_point_is_not_found(client):
    week_1 = _week_1(_patient("Rosa", "Delgado"))
    start = _start(week_1)
    assert client.get(start + "nrs/1/").status_code == 200
    for code in ("odi", "zcq", "standing", "walking"):
        assert client.get(f"{start}{code}/1/").status_code == 404, code
        assert client.post(f"{start}{code}/1/", {f"{code}_1": "2"}).status_code == 404, code
    assert not Response.objects.exists()
    with pytest.raises(ValueError, match="odi is not asked at week_1"):
        services.response_save(
            actor=TEST_ACTOR,
            time_point=week_1,
            instrument="odi",
            answers={"odi_1": 2},
            mode="link",
            language="en",
            now=clock.now(),
        )


# --- Twice ---------------------------------------------------------------------------------


def test_the_same_screen_posted_twice_keeps_one_response(client, rosa):
    start = _start(rosa)
    assert client.post(start + "nrs/1/", {"nrs_back": "3"}).status_code == 302
    assert client.post(start + "nrs/1/", {"nrs_back": "4"}).status_code == 302
    saved = Response.objects.get()
    assert saved.answers == {"nrs_back": 4}


def test_the_back_button_after_sending_always_shows_the_thank_you_page(client, rosa):
    """A used link is the patient's own, not a guess: going back to it again and again
    (or ten patients doing so on the clinic tablet) never ends in "too many tries"."""
    start = _start(rosa)
    for code, answers in EVERY_ANSWER.items():
        services.response_save(
            actor=TEST_ACTOR,
            time_point=rosa,
            instrument=code,
            answers=answers,
            mode="link",
            language="en",
            now=clock.now(),
        )
    assert client.post(start + "send/").status_code == 302
    for _ in range(LINK_FAILURES_ALLOWED + 5):
        back = client.get(start + "nrs/1/")
        assert back.status_code == 302
        assert back.headers["Location"] == reverse("questionnaires:done")
    assert not AuditEvent.objects.filter(action="link.reject").exists()
    # Guesses from the same address are still counted and throttled.
    for n in range(LINK_FAILURES_ALLOWED):
        assert client.get(f"/p/questionnaire/guess-{n}/").status_code == 410
    assert client.get("/p/questionnaire/guess-again/").status_code == 429
    assert client.get(start, follow=True).redirect_chain[-1][0] == reverse("questionnaires:done")


def test_send_tapped_twice_completes_the_set_once(client, rosa):
    start = _start(rosa)
    for code, answers in EVERY_ANSWER.items():
        services.response_save(
            actor=TEST_ACTOR,
            time_point=rosa,
            instrument=code,
            answers=answers,
            mode="link",
            language="en",
            now=clock.now(),
        )
    assert client.post(start + "send/").status_code == 302
    assert client.post(start + "send/").status_code == 302
    assert AuditEvent.objects.filter(action="response.complete").count() == 1
    assert Response.objects.filter(status="complete").count() == 5
    # A screen posted after sending changes nothing.
    late = client.post(start + "nrs/1/", {"nrs_back": "0"})
    assert late.headers["Location"] == reverse("questionnaires:done")
    assert Response.objects.get(instrument="nrs").answers["nrs_back"] == 6


# Seeds the race server's own database (it runs on the real clock): two patients at
# Santa Monica with a consultation later today, the first with every answer saved;
# writes their questionnaire tokens to the file named in argv.
SEED = """
import json
from datetime import UTC, date, datetime, timedelta
from django.db import transaction
from mildpath.audit.actor import Actor
from mildpath.patients.models import Patient
from mildpath.patients.services import patient_link_issue
from mildpath.practice.models import Location
from mildpath.questionnaires import services
actor, now = Actor.system("race"), datetime.now(UTC)
where = Location.objects.get(slug="santa-monica")
visit = now + timedelta(hours=5)
tokens = {}
for given in ("Sender", "Saver"):
    patient = Patient.objects.create(
        given_name=given, family_name="Racer", date_of_birth=date(1951, 4, 2),
        phone="+13105550199", created_at=now,
    )
    patient.locations.add(where)
    with transaction.atomic():
        point = services.follow_up_plan_start(
            actor=actor, patient=patient, location=where,
            anchor_date=visit.astimezone(where.tz).date(), due_at=visit, now=now,
        )
    if given == "Sender":
        for code, answers in ANSWERS.items():
            services.response_save(
                actor=actor, time_point=point, instrument=code, answers=answers,
                mode="link", language="en", now=now,
            )
    tokens[given] = patient_link_issue(
        actor=actor, patient=patient, purpose="questionnaire", now=now, target_id=point.pk
    ).token
open(OUT, "w").write(json.dumps(tokens))
"""
TAPS = 8


def _seed(server: Server, out: Path) -> dict[str, str]:
    code = f"ANSWERS = {EVERY_ANSWER!r}\nOUT = {str(out)!r}\n{SEED}"
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT, env=server.env, check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    return json.loads(out.read_text())


def _form(server: Server, path: str) -> tuple[str, str]:
    """The CSRF cookie and form token a patient's browser holds on this page."""
    with urllib.request.urlopen(server.url(path), timeout=30) as page:  # noqa: S310
        cookie = next(
            value.split(";")[0]
            for name, value in page.headers.items()
            if name.lower() == "set-cookie" and value.startswith("csrftoken=")
        )
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.read().decode())
    assert found, path
    return cookie, found.group(1)


def _taps(server: Server, path: str, body: dict[str, str]) -> list[tuple[int, str]]:
    """The same form posted from ``TAPS`` threads released at once: each answer's status
    and where it redirects."""
    cookie, token = _form(server, path)
    data = urllib.parse.urlencode({**body, "csrfmiddlewaretoken": token})
    barrier = threading.Barrier(TAPS)

    def tap(_: int) -> tuple[int, str]:
        barrier.wait(30)
        http = HTTPConnection("127.0.0.1", server.port, timeout=60)
        try:
            http.request(
                "POST", path, data,
                {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
            )  # fmt: skip
            answer = http.getresponse()
            return answer.status, answer.getheader("Location") or ""
        finally:
            http.close()

    with ThreadPoolExecutor(max_workers=TAPS) as pool:
        return list(pool.map(tap, range(TAPS)))


def test_many_taps_of_send_at_once_store_one_set_and_one_completion(tmp_path):
    """Through gunicorn (2 processes, 16 threads each) on a database of its own, SQLite
    or PostgreSQL: the same answers sent eight times at once, and one screen saved eight
    times at once."""
    server = Server(tmp_path, lock=True)
    try:
        server.start()
        tokens = _seed(server, tmp_path / "tokens.json")
        sent = _taps(server, f"/p/questionnaire/{tokens['Sender']}/send/", {})
        saved = _taps(server, f"/p/questionnaire/{tokens['Saver']}/nrs/1/", {"nrs_back": "4"})
        completions, complete, used, responses, saves = server.counts(
            "SELECT COUNT(*) FROM audit_auditevent WHERE action = 'response.complete'",
            "SELECT COUNT(*) FROM questionnaires_response WHERE status = 'complete'",
            "SELECT COUNT(*) FROM patients_patientlink WHERE used_at IS NOT NULL",
            "SELECT COUNT(*) FROM questionnaires_response WHERE instrument = 'nrs' "
            "AND status = 'in_progress'",
            "SELECT COUNT(*) FROM audit_auditevent WHERE action = 'response.save' "
            "AND actor_label = 'patient link'",
        )
    finally:
        server.stop()
    assert sent == [(302, "/p/questionnaire/done/")] * TAPS, sent
    assert completions == 1 and complete == 5 and used == 1
    next_screen = f"/p/questionnaire/{tokens['Saver']}/nrs/2/"
    assert saved == [(302, next_screen)] * TAPS, saved
    assert responses == 1 and saves == TAPS


# --- Paper entry -------------------------------------------------------------------------


def _paper(patient_id: int, point_id: int, instrument: str = "odi") -> str:
    return reverse("questionnaires:paper", args=[patient_id, point_id, instrument])


@pytest.fixture
def front_desk(client, make_staff, sign_in):
    user = make_staff("front_desk", ("santa-monica",))
    sign_in(user)
    return user


def test_paper_entry_with_another_patients_time_point_is_not_found(client, rosa, front_desk):
    harold = _patient("Harold", "Jenkins")  # also at Santa Monica, in scope
    harolds = _baseline(harold)
    body = {code: str(value) for code, value in ODI.items()}
    assert client.get(_paper(rosa.patient_id, harolds.pk)).status_code == 404
    assert client.post(_paper(rosa.patient_id, harolds.pk), body).status_code == 404
    assert client.post(_paper(harold.pk, rosa.pk), body).status_code == 404
    assert not Response.objects.exists()


def test_paper_entry_of_a_made_up_time_point_or_questionnaire_is_not_found(
    client, rosa, front_desk
):
    week_1 = _week_1(rosa.patient)
    replaced = TimePoint.objects.get(
        patient=rosa.patient, code="week_6", superseded_at__isnull=False
    )
    for url in (
        _paper(rosa.patient_id, 9_999_999),
        _paper(rosa.patient_id, rosa.pk, "unknown"),
        _paper(rosa.patient_id, week_1.pk, "odi"),  # 1 week asks pain only
        _paper(rosa.patient_id, replaced.pk, "nrs"),  # counted again from the procedure
        _paper(9_999_999, rosa.pk),
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"odi_1": "2", "nrs_back": "2"}).status_code == 404, url
    assert not Response.objects.exists()


def test_hostile_paper_bodies_are_refused_with_a_message(client, rosa, front_desk):
    url = _paper(rosa.patient_id, rosa.pk, "walking")
    for body, message in (
        ({"walking_feet": "9" * 400, "walking_method": "1"}, "from 0 to 10000"),
        ({"walking_feet": "1e3", "walking_method": "1"}, "using digits only"),
        ({"walking_feet": "\x00", "walking_method": "1"}, "using digits only"),
        ({"walking_feet": "250", "walking_method": "7"}, "one of the answers shown"),
        ({"walking_feet": ["250", "9999"], "walking_method": "1"}, "using digits only"),
    ):
        page = client.post(url, body)
        assert page.status_code == 400, body
        assert message in page.text, body
    assert not Response.objects.exists()
