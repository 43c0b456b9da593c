"""A clinician reads what a patient answered at one time point, question by question:
the wording they were asked, the answer they gave (blank ones said so), the scores it
adds up to, and how it came in. Clinicians only; a look is audited."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import translation

from mildpath.core import clock
from mildpath.patients.models import Patient, PatientLink
from mildpath.patients.tokens import make_token
from mildpath.practice.models import Location
from mildpath.questionnaires import instruments, services
from mildpath.questionnaires.models import TimePoint
from tests.helpers import NOW, TEST_ACTOR, patient_at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "demo_practice")]

ODI = {f"odi_{n}": 2 for n in range(1, 11)} | {"odi_4": None}
WALKING = {"walking_feet": 250, "walking_method": 1, "walking_capped": False}
STANDING = {"standing_minutes": 30, "standing_capped": True}


def _baseline(patient: Patient, slug: str = "santa-monica") -> TimePoint:
    location = Location.objects.get(slug=slug)
    return services.follow_up_plan_start(
        actor=TEST_ACTOR,
        patient=patient,
        location=location,
        anchor_date=NOW.date() + timedelta(days=1),
        due_at=NOW + timedelta(days=1),
        now=clock.now(),
    )


def _enter(point: TimePoint, instrument: str, answers: dict, actor=TEST_ACTOR) -> None:
    services.paper_response_enter(
        actor=actor, time_point=point, instrument=instrument, answers=answers, now=clock.now()
    )


def _url(point: TimePoint, language: str = "en") -> str:
    with translation.override(language):
        return reverse("questionnaires:answers", args=[point.patient_id, point.pk])


def _option(instrument: str, item: str, value: int, language: str = "en") -> str:
    chosen = instruments.latest(instrument).item(item)
    return next(o.text[language] for o in chosen.options if o.value == value)


def _question(instrument: str, item: str, language: str = "en") -> str:
    return instruments.latest(instrument).item(item).text[language]


def _row(page: str, question: str) -> str:
    """The answer cell of the row asking ``question`` (as the page escapes it)."""
    from django.utils.html import escape

    found = re.search(
        rf'<span class="q-answer-q">{re.escape(escape(question))}</span>'
        r'<span class="q-answer-a">(.*?)</span></li>',
        page,
        re.S,
    )
    assert found, question
    # Without the "Answer:" a screen reader hears between the question and the answer.
    return re.sub(r'<span class="visually-hidden">[^<]*</span>', "", found.group(1))


@pytest.fixture
def answered(make_staff):
    """Rosa's baseline: ODI from paper with section 4 blank, walking and standing."""
    patient = patient_at("Rosa", "Delgado", "santa-monica", language="es")
    point = _baseline(patient)
    entered_by = make_staff("front_desk", ("santa-monica",), username="desk.maria")
    from mildpath.audit.actor import Actor

    _enter(point, "odi", ODI, actor=Actor(user=entered_by))
    _enter(point, "walking", WALKING)
    _enter(point, "standing", STANDING)
    return point


def test_a_clinician_reads_each_question_with_the_answer_given(client, answered, clinician):
    page = client.get(_url(answered))
    assert page.status_code == 200
    text = page.text
    for n in (1, 2, 3, 5, 10):
        assert _row(text, _question("odi", f"odi_{n}")) == _option("odi", f"odi_{n}", 2)
    assert "Not answered" in _row(text, _question("odi", "odi_4"))
    assert _row(text, _question("walking", "walking_feet")) == "250 ft"
    assert _row(text, _question("walking", "walking_method")) == _option(
        "walking", "walking_method", 1
    )
    assert _row(text, _question("standing", "standing_minutes")) == "30 min"
    assert _row(text, _question("standing", "standing_capped")) == "Yes"
    # The scores the answers add up to: nine sections of 2 out of 45 is 40.0%.
    assert re.search(r"<dt>Oswestry Disability Index \(ODI\)</dt><dd>40\.0</dd>", text)
    assert "From a paper form, entered by staff" in text
    assert "Entered by desk.maria." in text
    assert "Sent November 24, 2026, 9 a.m." in text


def test_it_lists_what_the_time_point_still_waits_for(client, answered, clinician):
    text = client.get(_url(answered)).text
    waiting = text.split("Not sent yet:")[1].split("</p>")[0]
    titles = {code: instruments.latest(code).title["en"] for code in ("nrs", "zcq", "odi")}
    assert titles["nrs"] in waiting and titles["zcq"] in waiting
    assert titles["odi"] not in waiting


def test_in_spanish_the_questions_and_answers_are_the_spanish_wording(client, answered, clinician):
    text = client.get(_url(answered, "es")).text
    assert _row(text, _question("odi", "odi_1", "es")) == _option("odi", "odi_1", 2, "es")
    assert "Sin respuesta" in _row(text, _question("odi", "odi_4", "es"))
    assert _row(text, _question("walking", "walking_feet", "es")) == "250 pies"


def test_a_time_point_with_nothing_sent_says_so(client, clinician):
    point = _baseline(patient_at("Rosa", "Vacía", "santa-monica", language="es"))
    text = client.get(_url(point)).text
    assert "No questionnaire has been sent for this time point yet." in text


def test_the_progress_page_links_to_the_answers_of_an_answered_time_point_only(
    client, answered, clinician
):
    page = client.get(reverse("questionnaires:progress", args=[answered.patient_id]))
    links = re.findall(r'href="(/staff/patients/\d+/questionnaires/\d+/answers/)"', page.text)
    assert links == [_url(answered)]


def test_the_progress_page_speaks_of_the_patient_and_the_patients_own_of_you(
    client, answered, clinician
):
    """The care team reads "this patient", the patient reads "your answers": the same
    charts, each worded for the person reading them."""
    staff_page = client.get(reverse("questionnaires:progress", args=[answered.patient_id])).text
    assert "This patient" in staff_page
    assert "Minutes the patient can stand before needing to sit." in staff_page
    assert "Your answers" not in staff_page and "you can stand" not in staff_page

    link = PatientLink.objects.create(
        patient=answered.patient,
        purpose="progress",
        created_at=NOW,
        expires_at=NOW + timedelta(days=14),
    )
    own_page = client.get(f"/p/progress/{make_token(link.pk, 'progress')}/").text
    assert "Your answers" in own_page
    assert "How many minutes you can stand before you need to sit." in own_page
    assert "This patient" not in own_page


def test_reading_the_answers_is_audited_naming_the_time_point(
    client, answered, clinician, audit_log
):
    with audit_log.exactly_one(
        action="answers.read", actor=clinician, patient_id=answered.patient_id
    ) as found:
        assert client.get(_url(answered)).status_code == 200
    assert found["event"].detail == {"time_point": "baseline"}
    assert found["event"].object_id == str(answered.pk)


def test_the_practices_licensed_wording_shows_escaped_and_without_the_sample_note(
    client, answered, clinician
):
    shipped = instruments.latest("odi")
    services.instrument_text_load(
        actor=TEST_ACTOR,
        text={
            "instrument": "odi",
            "version": shipped.version,
            "language": "en",
            "title": "Oswestry (licensed)",
            "intro": "The licensed introduction.",
            "items": {
                item.code: {
                    "text": f"<b>Licensed</b> section {n}",
                    "help": "",
                    "options": {str(o.value): f"Licensed answer {o.value}" for o in item.options},
                }
                for n, item in enumerate(shipped.items, start=1)
            },
        },
        now=clock.now(),
    )
    text = client.get(_url(answered)).text
    odi = text.split('id="sheet-odi"')[1].split("</section>")[0]
    assert _row(odi, "<b>Licensed</b> section 1") == "Licensed answer 2"
    assert "&lt;b&gt;Licensed&lt;/b&gt; section 1" in odi and "<b>Licensed" not in odi
    assert "sample wording" not in odi


def test_the_front_desk_is_refused_the_answers(client, answered, make_staff, sign_in):
    sign_in(make_staff("front_desk", ("santa-monica",)))
    page = client.get(_url(answered))
    assert page.status_code == 403
    assert _option("odi", "odi_1", 2) not in page.text


def test_a_time_point_is_found_only_through_its_own_patient(client, answered, clinician):
    """Enumeration: another patient's id in the address, with this time point's id, or a
    patient at another clinic, answer not found, never the answers."""
    other = patient_at("Rosa", "Otra", "santa-monica", language="es")
    wrong_patient = reverse("questionnaires:answers", args=[other.pk, answered.pk])
    assert client.get(wrong_patient).status_code == 404
    elsewhere = patient_at("Rosa", "Lejos", "pasadena", language="es")
    point = _baseline(elsewhere, slug="pasadena")
    _enter(point, "walking", WALKING)
    assert client.get(_url(point)).status_code == 404
    missing = reverse("questionnaires:answers", args=[answered.patient_id, 999_999])
    assert client.get(missing).status_code == 404


def test_a_replaced_time_point_is_not_found(client, answered, clinician):
    TimePoint.objects.filter(pk=answered.pk).update(superseded_at=NOW)
    assert client.get(_url(answered)).status_code == 404


def _summary(page: str) -> list[str]:
    summary = page.split('id="summary-title"')[1].split("</ul>")[0]
    items = [" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in summary.split("<li>")[1:]]
    return [item.replace(" :", ":").replace(" .", ".") for item in items]


def test_the_patients_progress_opens_with_where_each_measure_started_and_is_now(
    client, answered, frozen
):
    """In words before the charts: "Your first answers (date): 250 feet. 6 weeks (date):
    1,200 feet. Better."; a small change reads "About the same", a worse one "Worse", and
    a score at a test's limit gets no verdict it cannot bear."""
    _enter(answered, "nrs", {"nrs_back": 3, "nrs_leg": 3})
    week_6 = TimePoint.objects.get(patient=answered.patient, code="week_6", superseded_at=None)
    frozen.move_to(week_6.opens_at + timedelta(hours=1))
    _enter(week_6, "walking", {"walking_feet": 1200, "walking_method": 1, "walking_capped": False})
    _enter(week_6, "odi", {f"odi_{n}": 2 for n in range(1, 11)})
    _enter(week_6, "standing", {"standing_minutes": 1, "standing_capped": False})
    _enter(week_6, "nrs", {"nrs_back": 7, "nrs_leg": 3})
    link = PatientLink.objects.create(
        patient=answered.patient,
        purpose="progress",
        created_at=clock.now(),
        expires_at=clock.now() + timedelta(days=14),
    )
    token = make_token(link.pk, "progress")
    page = client.get(f"/p/progress/{token}/").text
    items = {item.split(". ")[0]: item for item in _summary(page)}
    first = f"({answered.target:%B} {answered.target.day}, {answered.target.year})"
    then = f"({week_6.target:%B} {week_6.target.day}, {week_6.target.year})"
    assert items["Walking distance"] == (
        f"Walking distance. Your first answers {first}: 250 feet. "
        f"6 weeks {then}: 1,200 feet. Better"
    )
    assert items["Back pain (0 to 10)"].endswith("3 / 10. 6 weeks " + then + ": 7 / 10. Worse")
    assert items["Leg pain (0 to 10)"].endswith("About the same")  # no change
    odi = items["Oswestry Disability Index (ODI)"]
    assert "/ 100" in odi and odi.endswith("About the same")  # 44.4 to 40: within the MIC
    # Standing began at the test's 30-minute limit: a fall to 1 minute cannot be weighed.
    standing = items["Standing time"]
    assert "at least 30 minutes" in standing and ": 1 minute." in standing
    assert standing.endswith("At the test's limit: the chart below shows it")
    assert "“About the same” includes changes small enough" in page

    spanish = _summary(client.get(f"/es/p/progress/{token}/").text)
    walking = next(item for item in spanish if item.startswith("Distancia"))
    assert "Sus primeras respuestas" in walking
    assert "1 200 pies" in walking  # grouped as Spanish groups (a no-break space)
    assert walking.endswith("Mejor")
