"""A response keeps the instrument version it was answered in, with its scores as
computed then: a new version changes what new patients answer, never what is stored.
The practice's licensed wording changes what a patient reads, never the structure or
a score, and a wording file cannot add a question."""

from __future__ import annotations

import copy
import json
import re
from datetime import date, timedelta
from importlib.resources import files
from types import MappingProxyType
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from mildpath.core import clock
from mildpath.patients.models import Patient
from mildpath.patients.services import patient_link_issue
from mildpath.practice.models import Location
from mildpath.questionnaires import instruments, services
from mildpath.questionnaires.models import InstrumentText, Response, TimePoint
from tests.helpers import NOW, TEST_ACTOR

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "demo_practice")]

ALL_FIVES = {f"odi_{n}": 5 for n in range(1, 11)}  # 100.0 in version 2.1a
V3_QUESTION = "[Version 3] How strong is your pain today?"


def _patient(given: str, family: str) -> Patient:
    patient = Patient.objects.create(
        given_name=given,
        family_name=family,
        date_of_birth=date(1951, 4, 2),
        phone=f"+1310555{Patient.objects.count():04d}",
        created_at=NOW,
    )
    patient.locations.add(Location.objects.get(slug="santa-monica"))
    return patient


def _baseline(patient: Patient) -> TimePoint:
    return services.follow_up_plan_start(
        actor=TEST_ACTOR,
        patient=patient,
        location=Location.objects.get(slug="santa-monica"),
        anchor_date=NOW.date(),
        due_at=NOW + timedelta(hours=5),
        now=clock.now(),
    )


def _start(point: TimePoint) -> str:
    issued = patient_link_issue(
        actor=TEST_ACTOR,
        patient=point.patient,
        purpose="questionnaire",
        now=clock.now(),
        target_id=point.pk,
    )
    return reverse("questionnaires:start", args=[issued.token])


def _odi_on_paper(point: TimePoint, answers: dict[str, int]) -> Response:
    return services.paper_response_enter(
        actor=TEST_ACTOR, time_point=point, instrument="odi", answers=answers, now=clock.now()
    )


def _odi_version_3() -> instruments.Instrument:
    """ODI "3": the shipped 2.1a with five answers per section (0 to 4, the worst one
    gone) and a new first question."""
    raw = json.loads(
        files(instruments.__name__).joinpath("odi-2.1a.json").read_text(encoding="utf-8")
    )
    data = copy.deepcopy(raw)
    data["version"] = "3"
    for item in data["items"]:
        item["options"] = [option for option in item["options"] if option["value"] != 5]
    data["items"][0]["text"] = {"en": V3_QUESTION, "es": "[Versión 3] ¿Cuánto dolor tiene hoy?"}
    return instruments.from_dict(data)


@pytest.fixture
def new_version(monkeypatch):
    """Make ODI version 3 available, as a new release of mildpath would ship it."""
    shipped = dict(instruments.load_builtin())
    version_3 = _odi_version_3()
    monkeypatch.setattr(
        instruments,
        "_builtin",
        lambda: MappingProxyType({**shipped, ("odi", "3"): version_3}),
    )
    assert instruments.latest("odi").version == "3"
    return version_3


def _radio_values(page_text: str, code: str) -> list[str]:
    return re.findall(rf'name="{code}" value="(\d+)"', page_text)


def test_a_new_version_of_an_instrument_never_changes_stored_answers_or_scores(
    client, make_staff, sign_in, request
):
    rosa = _patient("Rosa", "Delgado")
    stored = _odi_on_paper(_baseline(rosa), ALL_FIVES)
    assert (stored.version, stored.scores) == ("2.1a", {"odi": 100.0})
    before = Response.objects.filter(pk=stored.pk).values().get()

    request.getfixturevalue("new_version")

    # What is stored is what was answered, in 2.1a: an answer of 5 that version 3 no
    # longer offers, and the score computed then.
    assert Response.objects.filter(pk=stored.pk).values().get() == before
    sign_in(make_staff("clinician", ("santa-monica",)))
    progress = client.get(reverse("questionnaires:progress", args=[rosa.pk])).text
    odi = progress.split('<h2 id="m-odi">')[1].split("</section>")[0]
    rows = re.findall(r'<tr><th scope="row">(.*?)</th>(.*?)</tr>', odi, re.S)
    assert len(rows) == 1
    assert rows[0][0].startswith("Before treatment") and "<td>100.0</td>" in rows[0][1]

    # A new response is answered, and stored, in version 3.
    harold = _patient("Harold", "Jenkins")
    newer = _odi_on_paper(_baseline(harold), {f"odi_{n}": 4 for n in range(1, 11)})
    assert newer.version == "3"
    assert newer.scores == {"odi": 80.0}
    assert Response.objects.filter(pk=stored.pk).values().get() == before


def test_a_patient_meets_the_new_version_on_their_screens(client, new_version):
    start = _start(_baseline(_patient("Mei", "Tanaka")))
    screen = client.get(start + "odi/1/")
    assert V3_QUESTION in screen.text
    assert _radio_values(screen.text, "odi_1") == ["0", "1", "2", "3", "4"]
    refused = client.post(start + "odi/1/", {"odi_1": "5"})
    assert refused.status_code == 400
    assert "Please choose one of the answers shown." in refused.text
    assert client.post(start + "odi/1/", {"odi_1": "4"}).status_code == 302
    saved = Response.objects.get(instrument="odi")
    assert (saved.version, saved.answers) == ("3", {"odi_1": 4})


def test_a_patient_half_way_through_keeps_the_version_they_began(client, request):
    point = _baseline(_patient("Rosa", "Delgado"))
    start = _start(point)
    assert client.post(start + "odi/1/", {"odi_1": "5"}).status_code == 302

    request.getfixturevalue("new_version")

    # Their screens, the send page and the score stay in 2.1a: answers of 5 still count.
    screen = client.get(start + "odi/2/")
    assert V3_QUESTION not in screen.text
    assert _radio_values(screen.text, "odi_2") == ["0", "1", "2", "3", "4", "5"]
    for number in range(2, 11):
        assert client.post(f"{start}odi/{number}/", {f"odi_{number}": "5"}).status_code == 302
    for code, answers in {
        "nrs": {"nrs_back": 6, "nrs_leg": 7},
        "zcq": {
            **{f"zcq_sym{n}": 3 for n in range(1, 8)},
            **{f"zcq_fun{n}": 2 for n in range(1, 6)},
        },
        "standing": {"standing_minutes": 8, "standing_capped": False},
        "walking": {"walking_feet": 250, "walking_method": 1, "walking_capped": False},
    }.items():
        services.response_save(
            actor=TEST_ACTOR,
            time_point=point,
            instrument=code,
            answers=answers,
            mode="link",
            language="en",
            now=clock.now(),
        )
    assert client.post(start + "send/").status_code == 302
    odi = Response.objects.get(instrument="odi")
    assert (odi.status, odi.version, odi.scores) == ("complete", "2.1a", {"odi": 100.0})


# --- Licensed wording ------------------------------------------------------------------

LICENSED: dict[str, Any] = {
    "instrument": "odi",
    "version": "2.1a",
    "language": "en",
    "title": "Oswestry Disability Index",
    "items": {
        "odi_1": {
            "text": "Licensed section 1 (test wording)",
            "options": {
                "0": "Licensed answer 0 (test wording)",
                "5": "Licensed answer 5 (test wording)",
            },
        }
    },
}


def test_licensed_wording_changes_what_the_patient_reads_not_the_structure_or_scores(client):
    before_load = _odi_on_paper(_baseline(_patient("Rosa", "Delgado")), ALL_FIVES)
    stored = Response.objects.filter(pk=before_load.pk).values().get()
    start = _start(_baseline(_patient("Mei", "Tanaka")))
    placeholder = client.get(start + "odi/1/").text
    assert "Licensed section 1 (test wording)" not in placeholder
    assert "your clinic has not yet loaded this questionnaire" in placeholder

    services.instrument_text_load(actor=TEST_ACTOR, text=LICENSED, now=clock.now())

    screen = client.get(start + "odi/1/")
    text = screen.text
    assert "Licensed section 1 (test wording)" in text
    assert "Licensed answer 0 (test wording)" in text and "Licensed answer 5 (test wording)" in text
    assert "Oswestry Disability Index" in text
    assert "your clinic has not yet loaded this questionnaire" not in text
    # The same questions, the same answers to choose from, on the same number of screens.
    assert "Question 1 of 10" in text
    assert _radio_values(text, "odi_1") == ["0", "1", "2", "3", "4", "5"]
    assert client.get(start + "odi/10/").status_code == 200
    assert client.get(start + "odi/11/").status_code == 404
    # Spanish readers keep their wording until a Spanish file is loaded.
    spanish = client.get("/es" + start + "odi/1/").text
    assert "Licensed section 1 (test wording)" not in spanish and "[Texto de ejemplo]" in spanish

    # Scores stored before are untouched; answers given after score the same way.
    assert Response.objects.filter(pk=before_load.pk).values().get() == stored
    for number in range(1, 11):
        assert client.post(f"{start}odi/{number}/", {f"odi_{number}": "5"}).status_code == 302
    after_load = Response.objects.get(time_point__patient__given_name="Mei", instrument="odi")
    assert after_load.version == "2.1a"
    assert after_load.answers == ALL_FIVES


def test_a_wording_file_that_adds_a_question_is_refused_naming_it(tmp_path, client):
    adding = copy.deepcopy(LICENSED)
    adding["items"]["odi_11"] = {"text": "Section 11: Driving"}
    with pytest.raises(ValueError, match="'odi_11'.*cannot add items"):
        services.instrument_text_load(actor=TEST_ACTOR, text=adding, now=clock.now())
    wording = tmp_path / "odi-en.json"
    wording.write_text(json.dumps(adding), encoding="utf-8")
    with pytest.raises(CommandError, match=r"odi-en\.json.*'odi_11'"):
        call_command("load_instrument_text", str(wording))

    an_option = copy.deepcopy(LICENSED)
    an_option["items"]["odi_1"]["options"]["6"] = "Worse than the worst"
    with pytest.raises(ValueError, match="'6'.*cannot add options"):
        services.instrument_text_load(actor=TEST_ACTOR, text=an_option, now=clock.now())

    assert not InstrumentText.objects.exists()
    start = _start(_baseline(_patient("Mei", "Tanaka")))
    page = client.get(start + "odi/1/")
    assert "Licensed section 1 (test wording)" not in page.text
    assert "Question 1 of 10" in page.text
    assert client.get(start + "odi/11/").status_code == 404
