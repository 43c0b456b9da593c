"""A patient's record downloaded as a FHIR R4 bundle from the chart: what another system
reads in it (the patient, visits, questionnaires and their scores, diagnoses, signed
procedures), that it is valid R4 and its references resolve, who may download it (a
clinician at the patient's locations; each download audited) and what hostile input
cannot do to it."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from fhir.resources.R4B.bundle import Bundle

from mildpath.audit.actor import Actor
from mildpath.audit.models import AuditEvent
from mildpath.care import services as care
from mildpath.care.models import ProcedureRecord
from mildpath.core import clock
from mildpath.patients.models import Patient
from mildpath.practice.models import Location
from mildpath.questionnaires import services as questionnaires
from mildpath.questionnaires.models import TimePoint
from mildpath.scheduling.models import Appointment
from tests.helpers import NOW, TEST_ACTOR, baseline_open, procedure_for, visit_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]
# NOW is Tuesday 24 November 2026, 9 a.m. in California.

ODI_ANSWERS = {f"odi_{n}": 2 for n in range(1, 11)}  # 20 of 50: 40


@pytest.fixture
def ana(demo_practice) -> Patient:
    from mildpath.demo.loader import demo_schedule_load, demo_staff_ensure

    demo_staff_ensure()
    demo_schedule_load()  # the clinics' kinds of visit
    patient = Patient.objects.create(
        given_name="Ana",
        family_name="Ruiz",
        date_of_birth=date(1949, 3, 7),
        phone="+13105550177",
        email="ana@example.org",
        postal_code="90401",
        preferred_language="es",
        created_at=NOW,
    )
    patient.locations.add(Location.objects.get(slug="santa-monica"))
    return patient


def _url(patient: Patient) -> str:
    return reverse("fhir:patient_bundle", args=[patient.pk])


def _visit(patient: Patient, slug: str, *, days: int, status: str = "fulfilled") -> Appointment:
    # Dr. Marquez works at both clinics.
    return visit_for(
        patient, start=NOW + timedelta(days=days), slug=slug, minutes=45, status=status
    )


def _baseline(patient: Patient) -> TimePoint:
    return baseline_open(patient, "santa-monica")


def _paper(
    point: TimePoint,
    instrument: str,
    answers: Mapping[str, int | bool | None],
    actor: Actor = TEST_ACTOR,
) -> None:
    questionnaires.paper_response_enter(
        actor=actor, time_point=point, instrument=instrument, answers=answers, now=clock.now()
    )


def _signed_procedure(patient: Patient, *, days: int = -3) -> ProcedureRecord:
    return procedure_for(patient, performed_on=(NOW + timedelta(days=days)).date(), signed=True)


def _download(client, patient: Patient) -> dict:
    answer = client.get(_url(patient))
    assert answer.status_code == 200, answer.content[:300]
    return json.loads(answer.content)


def _full_url(document: dict, kind: str) -> str:
    (found,) = (e["fullUrl"] for e in document["entry"] if e["resource"]["resourceType"] == kind)
    return found


def _resources(document: dict, kind: str) -> list[dict]:
    return [
        entry["resource"]
        for entry in document["entry"]
        if entry["resource"]["resourceType"] == kind
    ]


# --- what another system reads --------------------------------------------------------


def test_the_download_is_a_valid_fhir_r4_bundle_file_not_kept_by_the_browser(
    client, ana, clinician
):
    answer = client.get(_url(ana))
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/fhir+json")
    assert answer["Content-Disposition"] == (
        f'attachment; filename="patient-{ana.pk}-fhir-r4-2026-11-24.json"'
    )
    assert answer["Cache-Control"] == "no-store"
    document = json.loads(answer.content)
    Bundle.model_validate(document)  # raises on anything R4 does not allow
    assert document["type"] == "collection"
    assert document["timestamp"] == "2026-11-24T17:00:00+00:00"


def test_the_patient_is_named_dated_reachable_and_speaks_their_language(
    client, ana, clinician, settings
):
    settings.MILDPATH_BASE_URL = "https://care.example.org/"
    (patient,) = _resources(_download(client, ana), "Patient")
    assert patient["name"] == [{"use": "official", "family": "Ruiz", "given": ["Ana"]}]
    assert patient["birthDate"] == "1949-03-07"
    assert {"system": "phone", "value": "+13105550177"} in patient["telecom"]
    assert {"system": "email", "value": "ana@example.org"} in patient["telecom"]
    assert patient["address"] == [{"postalCode": "90401", "country": "US"}]
    (language,) = patient["communication"]
    assert language["language"]["coding"] == [{"system": "urn:ietf:bcp:47", "code": "es"}]
    assert language["preferred"] is True
    assert patient["identifier"] == [
        {"system": "https://care.example.org/fhir/sid/patient-number", "value": str(ana.pk)}
    ]


def test_every_reference_resolves_inside_the_bundle(client, ana, clinician):
    _visit(ana, "santa-monica", days=-40)
    _paper(_baseline(ana), "odi", ODI_ANSWERS)
    _signed_procedure(ana)
    document = _download(client, ana)
    full_urls = {entry["fullUrl"] for entry in document["entry"]}
    assert len(full_urls) == len(document["entry"])  # no two resources share an id

    def references(value):
        if isinstance(value, dict):
            for key, inner in value.items():
                if key == "reference":
                    yield inner
                else:
                    yield from references(inner)
        elif isinstance(value, list):
            for inner in value:
                yield from references(inner)

    found = list(references(document))
    assert len(found) >= 8
    assert set(found) <= full_urls


def test_visits_carry_their_fhir_status_doctor_clinic_and_cancellation(client, ana, clinician):
    done = _visit(ana, "santa-monica", days=-40)
    cancelled = _visit(ana, "santa-monica", days=7, status="cancelled")
    cancelled.cancel_reason = "Feeling better"
    cancelled.save()
    document = _download(client, ana)
    visits = _resources(document, "Appointment")
    assert [visit["status"] for visit in visits] == ["fulfilled", "cancelled"]
    assert visits[0]["start"] == (done.start).isoformat(timespec="seconds")
    assert visits[0]["minutesDuration"] == 45
    assert visits[0]["appointmentType"] == {"text": "New-patient consultation"}
    assert visits[1]["cancelationReason"] == {"text": "Feeling better"}
    (doctor,) = _resources(document, "Practitioner")
    (clinic,) = _resources(document, "Location")
    assert clinic["name"] == done.location.name
    assert clinic["address"]["postalCode"] == done.location.zip_code
    assert doctor["name"][0]["family"] == done.practitioner.family_name


def test_a_visit_at_a_clinic_outside_the_clinicians_locations_stays_out(client, ana, clinician):
    _visit(ana, "santa-monica", days=-40)
    elsewhere = _visit(ana, "pasadena", days=-20)
    visits = _resources(_download(client, ana), "Appointment")
    assert len(visits) == 1
    assert all(elsewhere.location.name not in json.dumps(visit) for visit in visits)


def test_each_score_is_an_observation_derived_from_its_questionnaire_response(
    client, ana, clinician, settings
):
    point = _baseline(ana)
    clinician.first_name, clinician.last_name = "Lena", "Ortiz"
    clinician.save()
    _paper(point, "odi", {**ODI_ANSWERS, "odi_8": None}, actor=Actor(user=clinician))
    _paper(point, "nrs", {"nrs_back": 7, "nrs_leg": 4})
    document = _download(client, ana)
    responses = {r["questionnaire"]: r for r in _resources(document, "QuestionnaireResponse")}
    odi = responses[f"{settings.MILDPATH_BASE_URL}/fhir/sid/questionnaire/odi|2.1a"]
    assert odi["status"] == "completed"
    assert {"linkId": "odi_3", "answer": [{"valueInteger": 2}]} in odi["item"]
    # The patient answered on paper; a member of staff typed it in.
    assert odi["source"] == {"reference": _full_url(document, "Patient")}
    assert odi["author"] == {"display": "Lena Ortiz (from the patient's paper form)"}
    # Section 8 left blank is left out, not sent as a question without an answer.
    assert [item["linkId"] for item in odi["item"]] == [f"odi_{n}" for n in range(1, 11) if n != 8]
    observations = {o["code"]["coding"][-1]["code"]: o for o in _resources(document, "Observation")}
    assert set(observations) == {"odi", "nrs_back", "nrs_leg"}
    score = observations["odi"]
    assert score["code"]["coding"][0] == {"system": "http://loinc.org", "code": "97909-6"}
    assert score["valueQuantity"]["value"] == 40.0  # 18 of 45
    assert score["derivedFrom"] == [{"reference": f"urn:uuid:{odi['id']}"}]
    assert score["category"][0]["coding"][0]["code"] == "survey"
    assert score["note"] == [{"text": "Time point: Before treatment"}]
    # The one pain code serves both: the body site tells them apart.
    assert observations["nrs_back"]["code"]["coding"][0]["code"] == "72514-3"
    assert observations["nrs_back"]["bodySite"] == {"text": "Back"}
    assert observations["nrs_leg"]["bodySite"] == {"text": "Leg"}
    assert observations["nrs_leg"]["valueQuantity"]["value"] == 4


def test_a_walk_stopped_at_the_tests_limit_reads_at_least_that_far(client, ana, clinician):
    point = _baseline(ana)
    _paper(point, "walking", {"walking_feet": 2400, "walking_method": 2, "walking_capped": True})
    _paper(point, "standing", {"standing_minutes": 12, "standing_capped": False})
    observations = {
        o["code"]["coding"][-1]["code"]: o
        for o in _resources(_download(client, ana), "Observation")
    }
    assert observations["walking_feet"]["valueQuantity"] == {
        "value": 2400,
        "unit": "feet",
        "system": "http://unitsofmeasure.org",
        "code": "[ft_i]",
        "comparator": ">=",
    }
    assert observations["standing_minutes"]["valueQuantity"] == {
        "value": 12,
        "unit": "minutes",
        "system": "http://unitsofmeasure.org",
        "code": "min",
    }


def test_an_unfinished_questionnaire_is_not_exported(client, ana, clinician):
    point = _baseline(ana)
    questionnaires.response_save(
        actor=TEST_ACTOR,
        time_point=point,
        instrument="nrs",
        answers={"nrs_back": 5},
        mode="paper",
        language="es",
        now=clock.now(),
    )
    document = _download(client, ana)
    assert _resources(document, "QuestionnaireResponse") == []
    assert _resources(document, "Observation") == []


def test_only_signed_procedures_in_their_latest_signed_version_with_complications(
    client, ana, clinician
):
    first = _signed_procedure(ana)
    amended = care.procedure_amend(
        actor=TEST_ACTOR,
        procedure=first,
        reason="Discharge note added",
        fields={"notes": "Uneventful; patient walked out."},
        now=clock.now(),
    )
    care.complication_record(
        actor=TEST_ACTOR,
        procedure=first,
        phase="intra",
        grade="I",
        description="Oozing at the portal, stopped with pressure.",
        occurred_on=first.performed_on,
        now=clock.now(),
    )
    procedure_for(ana, performed_on=NOW.date(), levels=("L3-L4",), side="left")  # not signed
    document = _download(client, ana)
    (procedure,) = _resources(document, "Procedure")
    assert procedure["code"]["coding"] == [
        {"system": "http://www.ama-assn.org/go/cpt", "code": "0275T"}
    ]
    assert procedure["status"] == "completed"
    assert procedure["bodySite"] == [{"text": "L4-L5 (Both sides)"}]
    assert procedure["complication"] == [{"text": "Oozing at the portal, stopped with pressure."}]
    assert "note" not in procedure  # the amendment's notes are a draft, not yet signed
    care.procedure_sign(actor=TEST_ACTOR, procedure=amended, now=clock.now())
    (signed_again,) = _resources(_download(client, ana), "Procedure")
    assert signed_again["id"] == procedure["id"]  # one procedure, whatever its versions
    assert signed_again["note"] == [{"text": "Uneventful; patient walked out."}]
    (condition,) = _resources(document, "Condition")
    assert condition["code"]["coding"] == [
        {
            "system": "http://hl7.org/fhir/sid/icd-10-cm",
            "code": "M48.062",
            "display": "Spinal stenosis, lumbar region with neurogenic claudication",
        }
    ]
    assert procedure["reasonReference"] == [{"reference": f"urn:uuid:{condition['id']}"}]


def test_a_second_download_gives_every_resource_the_same_id(client, ana, clinician):
    _visit(ana, "santa-monica", days=-40)
    _paper(_baseline(ana), "odi", ODI_ANSWERS)
    first = [entry["fullUrl"] for entry in _download(client, ana)["entry"]]
    again = [entry["fullUrl"] for entry in _download(client, ana)["entry"]]
    assert first == again


def test_the_words_are_english_whatever_the_page_language(client, ana, clinician):
    _visit(ana, "santa-monica", days=-40)
    client.cookies["django_language"] = "es"
    answer = client.get("/es" + _url(ana))
    assert answer.status_code == 200
    (visit,) = _resources(json.loads(answer.content), "Appointment")
    assert visit["appointmentType"] == {"text": "New-patient consultation"}


def test_the_chart_offers_the_download_and_says_what_it_holds(client, ana, clinician):
    page = client.get(reverse("care:chart", args=[ana.pk])).text
    assert f'href="{_url(ana)}"' in page
    assert "Download the record (FHIR R4)" in page
    assert "Each download is recorded in the audit trail." in page


def test_the_export_reads_in_the_same_number_of_queries_however_long_the_record(
    client, ana, clinician
):
    def queries() -> int:
        with CaptureQueriesContext(connection) as run:
            _download(client, ana)
        return len(run)

    typist = Actor(user=clinician)  # paper forms name who typed them in
    _visit(ana, "santa-monica", days=-40)
    point = _baseline(ana)
    _paper(point, "odi", ODI_ANSWERS, actor=typist)
    _signed_procedure(ana)
    short = queries()
    for days in range(1, 6):
        _visit(ana, "santa-monica", days=-40 - days)
    _paper(point, "nrs", {"nrs_back": 3, "nrs_leg": 2}, actor=typist)
    _paper(point, "standing", {"standing_minutes": 12, "standing_capped": False}, actor=typist)
    _signed_procedure(ana, days=-2)
    assert queries() == short


def test_a_diagnosis_refined_later_leaves_the_first_one_inactive(client, ana, clinician):
    care.plan_record(
        actor=TEST_ACTOR,
        patient=ana,
        evaluation=None,
        options=["mild"],
        mild_levels=["L4-L5"],
        mild_side="both",
        other="",
        discussion="Options discussed.",
        summary_en="You chose mild.",
        summary_es="Usted eligió mild.",
        diagnosis="M48.061",
        now=clock.now() - timedelta(days=20),
    )
    _signed_procedure(ana)  # M48.062
    found = {
        c["code"]["coding"][0]["code"]: c["clinicalStatus"]["coding"][0]["code"]
        for c in _resources(_download(client, ana), "Condition")
    }
    assert found == {"M48.061": "inactive", "M48.062": "active"}


def test_two_practices_never_give_one_patient_number_the_same_id(client, ana, clinician, settings):
    settings.MILDPATH_BASE_URL = "https://one.example.org"
    (first,) = _resources(_download(client, ana), "Patient")
    settings.MILDPATH_BASE_URL = "https://two.example.org"
    (second,) = _resources(_download(client, ana), "Patient")
    assert first["id"] != second["id"]
    assert first["identifier"][0]["system"] != second["identifier"][0]["system"]


# --- who may download it ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "locations"),
    [("front_desk", ("santa-monica",)), ("manager", ()), ("researcher", ())],
)
def test_staff_who_are_not_clinicians_are_refused_and_nothing_is_recorded_as_exported(
    client, ana, make_staff, sign_in, role, locations
):
    sign_in(make_staff(role, locations))
    answer = client.get(_url(ana))
    assert answer.status_code == 403
    assert b"Ruiz" not in answer.content
    assert not AuditEvent.objects.filter(action="chart.export").exists()


def test_nobody_signed_out_gets_the_record(client, ana):
    answer = client.get(_url(ana))
    assert answer.status_code == 302
    assert "/staff/" in answer["Location"]
    assert b"Ruiz" not in answer.content


def test_each_download_writes_exactly_one_export_entry(client, ana, clinician, audit_log):
    _paper(_baseline(ana), "odi", ODI_ANSWERS)
    with audit_log.exactly_one(action="chart.export", patient_id=ana.pk, actor=clinician) as found:
        _download(client, ana)
    assert found["event"].detail == {
        "format": "FHIR R4",
        "visits": 0,
        "questionnaires": 1,
        "procedures": 0,
    }


def test_a_clinician_elsewhere_and_a_made_up_number_get_the_same_not_found(
    client, ana, make_staff, sign_in, audit_log
):
    sign_in(make_staff("clinician", ("pasadena",)))
    with audit_log.exactly_one(action="access.refused", patient_id=ana.pk):
        elsewhere = client.get(_url(ana))
    unknown = client.get(reverse("fhir:patient_bundle", args=[ana.pk + 1000]))
    assert elsewhere.status_code == unknown.status_code == 404
    assert b"Ruiz" not in elsewhere.content

    def page(answer, number: int) -> bytes:  # less what differs on every page anyway
        content = re.sub(rb'(nonce|value)="[^"]*"', b"", answer.content)
        return content.replace(str(number).encode(), b"")

    assert page(elsewhere, ana.pk) == page(unknown, ana.pk + 1000)
    assert not AuditEvent.objects.filter(action="chart.export").exists()


def test_only_reading_is_allowed(client, ana, clinician):
    assert client.post(_url(ana)).status_code == 405
    assert client.head(_url(ana)).status_code == 200


# --- hostile input -------------------------------------------------------------------


def test_names_and_notes_that_look_like_json_or_markup_come_back_as_written(client, ana, clinician):
    hostile = 'Ruiz", "resourceType": "Bundle <script>alert(1)</script> \u202e\U0001f600'
    ana.family_name = hostile[:80]
    ana.save()
    visit = _visit(ana, "santa-monica", days=7, status="cancelled")
    visit.cancel_reason = '"}]} \\ \x7f end'
    visit.save()
    answer = client.get(_url(ana))
    document = json.loads(answer.content)
    Bundle.model_validate(document)
    (patient,) = _resources(document, "Patient")
    assert patient["name"][0]["family"] == hostile[:80]
    (appointment,) = _resources(document, "Appointment")
    assert appointment["cancelationReason"] == {"text": '"}]} \\ \x7f end'}
    # The file's name is made of the patient's number, never of anything typed.
    assert answer["Content-Disposition"] == (
        f'attachment; filename="patient-{ana.pk}-fhir-r4-2026-11-24.json"'
    )
