"""The candidacy evaluation: criteria judged from recorded imaging and questionnaire
scores where the record holds them, by the clinician otherwise; the decision stored with
the criteria version that judged it, and never rewritten by a later version."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from mildpath.audit.models import AuditEvent
from mildpath.care import criteria, services
from mildpath.care.models import Evaluation
from mildpath.core import clock
from mildpath.patients.models import Patient
from mildpath.practice.models import Location
from mildpath.questionnaires import services as questionnaires
from mildpath.questionnaires.models import TimePoint
from tests.helpers import NOW, TEST_ACTOR, shipped_criteria

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

V1 = criteria.get("1")
ASKED_INDICATIONS = [c.code for c in V1.items if c.kind == "indication" and not c.rule]
ASKED_EXCLUSIONS = [c.code for c in V1.items if c.kind == "exclusion" and not c.rule]
ALL_CLEAR = {**dict.fromkeys(ASKED_INDICATIONS, "yes"), **dict.fromkeys(ASKED_EXCLUSIONS, "no")}


@pytest.fixture
def rosa(demo_practice) -> Patient:
    from mildpath.demo.loader import demo_staff_ensure

    demo_staff_ensure()
    return Patient.objects.get(family_name="Delgado")


def new_url(patient: Patient) -> str:
    return reverse("care:evaluation_new", args=[patient.pk])


def shown_url(evaluation: Evaluation) -> str:
    return reverse("care:evaluation", args=[evaluation.patient_id, evaluation.pk])


def record_imaging(patient: Patient, **l4_l5: Decimal | int) -> None:
    services.imaging_record(
        actor=TEST_ACTOR,
        patient=patient,
        modality="mri",
        performed_on=NOW.date() - timedelta(days=20),
        notes="",
        levels=[
            {"level": "L3-L4", "flavum_left_mm": Decimal("2.2"), "canal_area_mm2": Decimal("120")},
            {"level": "L4-L5", **l4_l5},
        ],
        now=clock.now(),
    )


def baseline(patient: Patient) -> TimePoint:
    santa_monica = Location.objects.get(slug="santa-monica")
    return questionnaires.follow_up_plan_start(
        actor=TEST_ACTOR,
        patient=patient,
        location=santa_monica,
        anchor_date=NOW.date(),
        due_at=NOW + timedelta(hours=5),
        now=clock.now(),
    )


def enter(point: TimePoint, instrument: str, answers: dict) -> None:
    questionnaires.paper_response_enter(
        actor=TEST_ACTOR, time_point=point, instrument=instrument, answers=answers, now=clock.now()
    )


ODI_40 = {f"odi_{n}": 2 for n in range(1, 11)}
WALKING_250 = {"walking_feet": 250, "walking_method": 1, "walking_capped": False}


@pytest.fixture
def recorded(rosa) -> Patient:
    """Rosa's MRI (L4-L5 the worst level: flavum 3.4 mm, canal 85 mm², a 2 mm grade 1
    slip) and her baseline ODI (40) and walking distance (250 feet)."""
    record_imaging(
        rosa,
        flavum_left_mm=Decimal("3.4"),
        flavum_right_mm=Decimal("2.9"),
        canal_area_mm2=Decimal("85.0"),
        listhesis_mm=Decimal("2.0"),
        listhesis_grade=1,
    )
    point = baseline(rosa)
    enter(point, "odi", ODI_40)
    enter(point, "walking", WALKING_250)
    return rosa


def evaluate(client, patient: Patient, answers: dict[str, str], decision: str, reasons: str):
    """Open the page, answer as the clinician would, and save."""
    page = client.get(new_url(patient))
    hidden = dict(
        re.findall(
            r'<input type="hidden" name="(criteria_version|facts_digest)" value="([^"]*)"',
            page.text,
        )
    )
    assert set(hidden) == {"criteria_version", "facts_digest"}
    posted = {
        **hidden,
        **{f"criterion_{code}": value for code, value in answers.items()},
        "decision": decision,
        "reasons": reasons,
    }
    return client.post(new_url(patient), posted)


# --- The screen ------------------------------------------------------------------------


def test_the_screen_judges_from_recorded_imaging_and_scores_and_asks_the_rest(
    client, recorded, clinician
):
    page = client.get(new_url(recorded))
    assert page.status_code == 200
    text = page.text
    assert "Criteria version 1." in text
    for shown in (
        "From the record: 3.4 mm — met",  # the thickest flavum of the latest study
        "From the record: 85 mm² — met",  # the narrowest canal
        "From the record: 2 mm — met",
        "From the record: grade 1 — not met",  # the exclusion for grade II or more
        "From the record: ODI 40 — met",
        "From the record: 250 feet — met",
    ):
        assert shown in text
    for code in ("flavum_over_2_5", "canal_area_100", "odi_over_20", "listhesis_grade_2"):
        assert f'name="criterion_{code}"' not in text  # judged, not editable
    for code in ASKED_INDICATIONS + ASKED_EXCLUSIONS:
        assert f'name="criterion_{code}" value="unknown"' in text
        assert f'id="id_criterion_{code}_0"' in text
    assert text.index('<h2 id="criteria-indication">Indications</h2>') < text.index(
        "Neurogenic claudication"
    )
    assert text.index("Neurogenic claudication") < text.index(
        '<h2 id="criteria-exclusion">Exclusions</h2>'
    )
    assert text.index('<h2 id="criteria-exclusion">Exclusions</h2>') < text.index("Infection")
    assert "Source: NCT00995371 inclusion criteria" in text
    assert "Source: Brown, textbook chapter" in text
    assert "The criteria suggest: <strong>Needs more information</strong>" in text


def test_with_nothing_recorded_every_criterion_is_asked(client, rosa, clinician):
    text = client.get(new_url(rosa)).text
    assert "From the record" not in text
    for criterion in V1.items:
        assert f'name="criterion_{criterion.code}"' in text


def test_a_failing_fact_in_the_record_already_suggests_not_a_candidate(client, rosa, clinician):
    record_imaging(rosa, canal_area_mm2=Decimal("140.0"), listhesis_grade=2)
    text = client.get(new_url(rosa)).text
    assert "From the record: 120 mm² — not met" in text  # the narrowest canal of the study
    assert "From the record: grade 2 — met" in text
    assert "The criteria suggest: <strong>Not a candidate</strong>" in text


def test_answers_after_a_procedure_are_not_used_for_candidacy(client, rosa, clinician):
    point = baseline(rosa)
    enter(point, "odi", ODI_40)
    later = questionnaires.follow_up_plan_reanchor(
        actor=TEST_ACTOR,
        patient=rosa,
        location=point.location,
        procedure_date=NOW.date() - timedelta(days=90),
        now=clock.now(),
    )
    month_3 = next(p for p in later if p.code == "month_3")
    enter(month_3, "odi", {f"odi_{n}": 0 for n in range(1, 11)})  # 0 after the procedure
    assert "From the record: ODI 40 — met" in client.get(new_url(rosa)).text


# --- Deciding ---------------------------------------------------------------------------


def test_a_clinician_decides_candidate_and_it_is_stored_with_version_1_and_audited(
    client, recorded, clinician, audit_log
):
    with audit_log.exactly_one(action="care.evaluate", patient_id=recorded.pk) as found:
        saved = evaluate(
            client, recorded, ALL_CLEAR, "candidate", "Classic claudication; MRI fits."
        )
    assert saved.status_code == 302
    evaluation = Evaluation.objects.get(patient=recorded)
    assert saved.headers["Location"] == shown_url(evaluation)
    assert found["event"].detail == {"decision": "candidate", "criteria": "1"}
    assert found["event"].actor == clinician
    assert evaluation.criteria_version == "1"
    assert (evaluation.decision, evaluation.reasons) == (
        "candidate",
        "Classic claudication; MRI fits.",
    )
    assert (evaluation.clinician, evaluation.created_at) == (clinician, NOW)
    findings = evaluation.findings
    assert set(findings) == {c.code for c in V1.items}
    assert findings["flavum_over_2_5"] == {"met": True, "by": "data", "value": 3.4}
    assert findings["canal_area_100"] == {"met": True, "by": "data", "value": 85.0}
    assert findings["listhesis_grade_2"] == {"met": False, "by": "data", "value": 1.0}
    assert findings["odi_over_20"] == {"met": True, "by": "data", "value": 40.0}
    assert findings["walks_10_feet"] == {"met": True, "by": "data", "value": 250}
    assert findings["claudication_3_months"] == {"met": True, "by": "clinician", "value": None}
    assert findings["infection"] == {"met": False, "by": "clinician", "value": None}
    shown = client.get(saved.headers["Location"])
    assert "Evaluation saved: Candidate for mild." in shown.text


def test_unanswered_criteria_are_stored_as_not_known(client, recorded, clinician):
    answers = {**ALL_CLEAR, "recent_fracture": "unknown"}
    del answers["wound_healing"]  # not posted at all
    saved = evaluate(client, recorded, answers, "more_info", "Waiting for the X-ray report.")
    assert saved.status_code == 302
    findings = Evaluation.objects.get().findings
    assert findings["recent_fracture"] == {"met": None, "by": "", "value": None}
    assert findings["wound_healing"] == {"met": None, "by": "", "value": None}


def test_candidate_is_refused_while_an_exclusion_applies_naming_it(client, recorded, clinician):
    answers = {**ALL_CLEAR, "infection": "yes", "nsaid_5_days": "yes"}
    refused = evaluate(client, recorded, answers, "candidate", "Looks good otherwise.")
    assert refused.status_code == 400
    assert (
        "“Candidate” is not possible while the criteria rule it out: Infection; Aspirin or "
        "NSAID within the last 5 days." in refused.text
    )
    assert "The criteria suggest: <strong>Not a candidate</strong>" in refused.text
    assert not Evaluation.objects.exists()
    assert not AuditEvent.objects.filter(action="care.evaluate").exists()
    # The answers given are kept on the page.
    assert 'name="criterion_infection" value="yes" id="id_criterion_infection_0" checked' in (
        refused.text
    )


def test_candidate_is_refused_while_a_recorded_indication_is_not_met(client, rosa, clinician):
    record_imaging(rosa, flavum_left_mm=Decimal("2.5"))  # not thicker than 2.5 mm
    refused = evaluate(client, rosa, ALL_CLEAR, "candidate", "Borderline.")
    assert refused.status_code == 400
    assert "Central stenosis with ligamentum flavum thicker than 2.5 mm" in refused.text
    assert "rule it out" in refused.text
    assert not Evaluation.objects.exists()


@pytest.mark.parametrize("decision", ["not_candidate", "more_info"])
def test_not_a_candidate_or_more_information_are_always_accepted(
    client, recorded, clinician, decision
):
    answers = {**ALL_CLEAR, "infection": "yes"}
    saved = evaluate(client, recorded, answers, decision, "Active infection: treat first.")
    assert saved.status_code == 302
    evaluation = Evaluation.objects.get()
    assert evaluation.decision == decision
    assert evaluation.findings["infection"] == {"met": True, "by": "clinician", "value": None}


def test_reasons_are_required(client, recorded, clinician):
    refused = evaluate(client, recorded, ALL_CLEAR, "candidate", "   ")
    assert refused.status_code == 400
    assert "Give the reasons for the decision." in refused.text
    assert not Evaluation.objects.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"decision": "approved"}, "Choose one of the three decisions."),
        ({"decision": ""}, "Choose a decision."),
        ({"criterion_infection": "maybe"}, "Choose yes, no or not known."),
        ({"reasons": "r" * 4001}, "Keep the reasons to 4000 characters."),
    ],
)
def test_bad_input_is_refused_with_a_message(client, recorded, clinician, change, message):
    page = client.get(new_url(recorded))
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page.text))
    posted = {
        "criteria_version": hidden["criteria_version"],
        "facts_digest": hidden["facts_digest"],
        **{f"criterion_{code}": value for code, value in ALL_CLEAR.items()},
        "decision": "more_info",
        "reasons": "Reasons.",
        **change,
    }
    refused = client.post(new_url(recorded), posted)
    assert refused.status_code == 400
    assert message in refused.text
    assert not Evaluation.objects.exists()


def test_answers_given_while_the_record_changed_are_not_stored(client, recorded, clinician):
    page = client.get(new_url(recorded))
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page.text))
    # Someone records a newer study while the clinician is answering.
    record_imaging(recorded, flavum_left_mm=Decimal("2.0"))
    refused = client.post(
        new_url(recorded),
        {
            "criteria_version": hidden["criteria_version"],
            "facts_digest": hidden["facts_digest"],
            **{f"criterion_{code}": value for code, value in ALL_CLEAR.items()},
            "decision": "candidate",
            "reasons": "MRI fits.",
        },
    )
    assert refused.status_code == 400
    assert "The record or the criteria changed while you were answering" in refused.text
    assert "From the record: 2.2 mm — not met" in refused.text  # the page shows the new study
    assert not Evaluation.objects.exists()


def test_a_post_without_the_pages_version_is_not_stored(client, recorded, clinician):
    refused = client.post(
        new_url(recorded),
        {
            **{f"criterion_{c}": v for c, v in ALL_CLEAR.items()},
            "decision": "more_info",
            "reasons": "Scripted.",
        },
    )
    assert refused.status_code == 400
    assert not Evaluation.objects.exists()


# --- A stored evaluation -----------------------------------------------------------------


def row_of(page: str, code: str) -> str:
    found = re.search(rf'<tr id="criterion-{code}"[^>]*>(.*?)</tr>', page)
    assert found is not None, code
    return found.group(1)


def test_a_stored_evaluation_is_shown_as_judged(client, recorded, clinician, audit_log):
    evaluate(
        client,
        recorded,
        {**ALL_CLEAR, "recent_fracture": "unknown"},
        "more_info",
        "Fracture to rule out.",
    )
    evaluation = Evaluation.objects.get()
    with audit_log.exactly_one(action="chart.read", patient_id=recorded.pk) as found:
        page = client.get(shown_url(evaluation))
    assert found["event"].detail == {"section": "evaluation"}
    assert page.status_code == 200
    text = page.text
    assert "Needs more information" in text and "Fracture to rule out." in text
    assert "<dt>Criteria version</dt>\n  <dd>1</dd>" in text
    assert re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row_of(text, "flavum_over_2_5")) == [
        "Central stenosis with ligamentum flavum thicker than 2.5 mm on MRI or CT",
        "met",
        "the record",
        "3.4 mm",
        "Brown, textbook chapter; NCT00995371",
    ]
    assert re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row_of(text, "recent_fracture"))[1:4] == [
        "not known",
        "—",
        "—",
    ]
    assert re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row_of(text, "infection"))[1:4] == [
        "not met",
        "the clinician",
        "—",
    ]


def test_another_patients_evaluation_is_not_found(client, recorded, clinician, make_staff):
    evaluate(client, recorded, ALL_CLEAR, "candidate", "Fits.")
    evaluation = Evaluation.objects.get()
    other = Patient.objects.create(
        given_name="Ana",
        family_name="Ruiz",
        date_of_birth=NOW.date().replace(year=1950),
        phone="+13105550199",
        preferred_language="en",
        created_at=NOW,
    )
    other.locations.add(Location.objects.get(slug="santa-monica"))
    assert client.get(reverse("care:evaluation", args=[other.pk, evaluation.pk])).status_code == 404
    assert client.get(reverse("care:evaluation", args=[recorded.pk, 99999])).status_code == 404


def test_front_desk_sees_no_evaluation(client, recorded, clinician, make_staff, sign_in):
    evaluate(client, recorded, ALL_CLEAR, "candidate", "Fits.")
    evaluation = Evaluation.objects.get()
    sign_in(make_staff("front_desk", ("santa-monica",)))
    assert client.get(shown_url(evaluation)).status_code == 403
    assert client.get(new_url(recorded)).status_code == 403
    assert client.post(new_url(recorded), {"decision": "candidate"}).status_code == 403
    assert Evaluation.objects.count() == 1


def test_a_clinician_at_another_location_finds_nothing(client, recorded, make_staff, sign_in):
    services.evaluation_record(
        actor=TEST_ACTOR,
        patient=recorded,
        criteria=V1,
        judged=criteria.evaluate(V1, facts={}, answers={}),
        decision="more_info",
        reasons="Seen elsewhere.",
        now=clock.now(),
    )
    sign_in(make_staff("clinician", ("pasadena",)))
    assert client.get(shown_url(Evaluation.objects.get())).status_code == 404
    assert client.get(new_url(recorded)).status_code == 404
    assert not AuditEvent.objects.filter(action="chart.read").exists()


def test_the_screen_shows_the_criteria_in_spanish_on_the_spanish_pages(client, recorded, clinician):
    with translation.override("es"):
        url = new_url(recorded)
    assert url.startswith("/es/")
    text = client.get(url).text
    assert "Inestabilidad vertebral" in text and "Spinal instability" not in text


# --- A new criteria version ---------------------------------------------------------------


def version_2() -> criteria.Criteria:
    """Version 1 with a higher flavum threshold (more than 3.0 mm) and a new criterion."""
    data = shipped_criteria()
    data["version"] = "2"
    flavum = next(c for c in data["criteria"] if c["code"] == "flavum_over_2_5")
    flavum["rule"]["value"] = 3.0
    flavum["text"] = {
        "en": "Central stenosis with ligamentum flavum thicker than 3.0 mm",
        "es": "Estenosis central con ligamento amarillo de más de 3,0 mm",
    }
    data["criteria"].append(
        {
            "code": "bmi_under_40",
            "kind": "indication",
            "text": {"en": "Body mass index under 40", "es": "Índice de masa corporal menor de 40"},
            "source": "Practice protocol 2027",
        }
    )
    return criteria.from_dict(data)


def test_a_new_criteria_version_leaves_old_decisions_intact(client, rosa, clinician, monkeypatch):
    record_imaging(
        rosa, flavum_left_mm=Decimal("2.8"), canal_area_mm2=Decimal("80"), listhesis_mm=0
    )
    point = baseline(rosa)
    enter(point, "odi", ODI_40)
    enter(point, "walking", WALKING_250)
    saved = evaluate(client, rosa, ALL_CLEAR, "candidate", "Meets version 1.")
    assert saved.status_code == 302
    old = Evaluation.objects.get()
    assert "Evaluation saved" in client.get(shown_url(old)).text  # the message, shown once
    old_page = client.get(shown_url(old)).text

    monkeypatch.setattr(criteria, "_shipped", lambda: {"1": V1, "2": version_2()})
    assert criteria.current().version == "2"

    # The old evaluation: as it was, version 1's texts and judgement.
    old.refresh_from_db()
    assert old.criteria_version == "1" and old.decision == "candidate"
    assert old.findings["flavum_over_2_5"] == {"met": True, "by": "data", "value": 2.8}
    assert "bmi_under_40" not in old.findings
    shown = client.get(shown_url(old)).text
    assert "<dt>Criteria version</dt>\n  <dd>1</dd>" in shown
    assert "thicker than 2.5 mm on MRI or CT" in shown
    assert "thicker than 3.0 mm" not in shown and "Body mass index" not in shown
    strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')
    assert strip.sub("", shown) == strip.sub("", old_page)

    # A new evaluation: version 2, which judges the same flavum differently.
    page = client.get(new_url(rosa)).text
    assert "Criteria version 2." in page
    assert "Central stenosis with ligamentum flavum thicker than 3.0 mm" in page
    assert "From the record: 2.8 mm — not met" in page
    assert 'name="criterion_bmi_under_40"' in page
    assert "The criteria suggest: <strong>Not a candidate</strong>" in page
    refused = evaluate(
        client, rosa, {**ALL_CLEAR, "bmi_under_40": "yes"}, "candidate", "As before."
    )
    assert refused.status_code == 400
    assert "thicker than 3.0 mm" in refused.text
    saved = evaluate(
        client, rosa, {**ALL_CLEAR, "bmi_under_40": "yes"}, "not_candidate", "Flavum 2.8 mm."
    )
    assert saved.status_code == 302
    new = Evaluation.objects.exclude(pk=old.pk).get()
    assert new.criteria_version == "2"
    assert new.findings["flavum_over_2_5"] == {"met": False, "by": "data", "value": 2.8}
    assert new.findings["bmi_under_40"] == {"met": True, "by": "clinician", "value": None}
    last = AuditEvent.objects.filter(action="care.evaluate").order_by("id").last()
    assert last is not None and last.detail == {
        "decision": "not_candidate",
        "criteria": "2",
    }


def test_a_page_opened_before_a_new_version_is_not_stored_against_it(
    client, recorded, clinician, monkeypatch
):
    page = client.get(new_url(recorded))
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page.text))
    assert hidden["criteria_version"] == "1"
    monkeypatch.setattr(criteria, "_shipped", lambda: {"1": V1, "2": version_2()})
    refused = client.post(
        new_url(recorded),
        {
            **hidden,
            **{f"criterion_{c}": v for c, v in ALL_CLEAR.items()},
            "decision": "more_info",
            "reasons": "Answered on version 1.",
        },
    )
    assert refused.status_code == 400
    assert "The record or the criteria changed while you were answering" in refused.text
    assert "Criteria version 2." in refused.text
    assert not Evaluation.objects.exists()


def test_an_evaluation_of_a_version_no_longer_shipped_still_shows_as_stored(
    client, rosa, clinician
):
    stored = Evaluation.objects.create(
        patient=rosa,
        criteria_version="0",
        findings={"old_rule": {"met": True, "by": "clinician", "value": None}},
        decision="more_info",
        reasons="Imported.",
        created_at=NOW,
    )
    page = client.get(shown_url(stored))
    assert page.status_code == 200
    assert "The texts of criteria version 0 are not available" in page.text
    assert "old_rule" in page.text
