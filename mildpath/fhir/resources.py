"""A patient's record as HL7 FHIR R4 resources (DOMAIN.md, "Standards for data exchange").

Each function turns rows already read (``fhir.queries``) into one resource, a plain
mapping that ``bundle`` gathers and checks with ``fhir.resources``' R4B models before it
leaves. Nothing here reads the database.

References resolve inside the bundle: every resource's id is a UUID derived from what it
is and its row (``Patient/12``), and its ``fullUrl`` is that UUID as a URN, so the same
row exports under the same id every time and a receiving system can update rather than
duplicate. Words are in English, the exchange's language, whatever the page's.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import translation
from fhir.resources.R4B.bundle import Bundle

from mildpath.care.models import Complication, Diagnosis, ProcedureRecord, TreatmentPlan
from mildpath.patients.models import Patient
from mildpath.practice.models import Location, Practitioner
from mildpath.questionnaires import instruments
from mildpath.questionnaires.models import Response
from mildpath.questionnaires.progress import time_point_name
from mildpath.scheduling.models import Appointment

Resource = dict[str, Any]

# Every id is a name-based UUID in this namespace (uuid5 of the project's URL name).
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:mildpath:fhir")

# Systems of the practice's own identifiers and codes.
PATIENT_NUMBER = "urn:mildpath:patient-number"
PRACTITIONER_NUMBER = "urn:mildpath:practitioner-number"
LOCATION_NUMBER = "urn:mildpath:location-number"
MEASURE = "urn:mildpath:measure"
QUESTIONNAIRE = "urn:mildpath:questionnaire"

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ICD_10_CM = "http://hl7.org/fhir/sid/icd-10-cm"
CPT = "http://www.ama-assn.org/go/cpt"
BCP_47 = "urn:ietf:bcp:47"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"

# Each score a questionnaire yields: its name, its LOINC code where one exists
# (DOMAIN.md: ODI score 97909-6; the 0 to 10 pain rating 72514-3, asked for the back
# and the legs separately, told apart by body site), and its UCUM unit.
SCORE_UNIT = ("{score}", "score")


@dataclass(frozen=True)
class Score:
    display: str
    loinc: str = ""
    unit: tuple[str, str] = SCORE_UNIT  # UCUM code, and the word for it
    site: str = ""  # the body site, where one code serves two


SCORES: dict[str, Score] = {
    "odi": Score("Oswestry Disability Index score (0 to 100)", loinc="97909-6"),
    "nrs_back": Score("Back pain, numeric rating (0 to 10)", loinc="72514-3", site="Back"),
    "nrs_leg": Score("Leg pain, numeric rating (0 to 10)", loinc="72514-3", site="Leg"),
    "zcq_symptom": Score("Zurich Claudication Questionnaire, symptom severity (1 to 5)"),
    "zcq_function": Score("Zurich Claudication Questionnaire, physical function (1 to 4)"),
    "zcq_satisfaction": Score("Zurich Claudication Questionnaire, satisfaction (1 to 4)"),
    "standing_minutes": Score(
        "Standing time until symptoms force sitting", unit=("min", "minutes")
    ),
    "walking_feet": Score(
        "Walking distance until symptoms force stopping", unit=("[ft_i]", "feet")
    ),
}
# A timed value stopped at the test's limit: the true value is at least the one recorded.
CAPPED_BY = {"standing_minutes": "standing_capped", "walking_feet": "walking_capped"}


def resource_id(kind: str, pk: object) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}/{pk}"))


def reference(kind: str, pk: object, display: str = "") -> dict[str, str]:
    found = {"reference": f"urn:uuid:{resource_id(kind, pk)}"}
    if display:
        found["display"] = display
    return found


def _moment(value: datetime) -> str:
    return value.isoformat(timespec="seconds")


def _coding(system: str, code: str, display: str = "") -> dict[str, str]:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return coding


def patient(person: Patient) -> Resource:
    telecom = [{"system": "phone", "value": person.phone}]
    if person.email:
        telecom.append({"system": "email", "value": person.email})
    language = str(Patient.Language(person.preferred_language).label)
    found: Resource = {
        "resourceType": "Patient",
        "id": resource_id("Patient", person.pk),
        "identifier": [{"system": PATIENT_NUMBER, "value": str(person.pk)}],
        "name": [{"use": "official", "family": person.family_name, "given": [person.given_name]}],
        "telecom": telecom,
        "birthDate": person.date_of_birth.isoformat(),
        "communication": [
            {
                "language": {
                    "coding": [_coding(BCP_47, person.preferred_language)],
                    "text": language,
                },
                "preferred": True,
            }
        ],
    }
    if person.postal_code:
        found["address"] = [{"postalCode": person.postal_code, "country": "US"}]
    return found


def practitioner(doctor: Practitioner) -> Resource:
    found: Resource = {
        "resourceType": "Practitioner",
        "id": resource_id("Practitioner", doctor.pk),
        "identifier": [{"system": PRACTITIONER_NUMBER, "value": str(doctor.pk)}],
        "name": [{"family": doctor.family_name, "given": [doctor.given_name]}],
    }
    if doctor.credentials:
        found["name"][0]["suffix"] = [doctor.credentials]
    return found


def location(place: Location) -> Resource:
    lines = [line for line in (place.address_line1, place.address_line2) if line]
    return {
        "resourceType": "Location",
        "id": resource_id("Location", place.pk),
        "identifier": [{"system": LOCATION_NUMBER, "value": str(place.pk)}],
        "status": "active" if place.is_active else "inactive",
        "name": place.name,
        "telecom": [{"system": "phone", "value": place.phone}],
        "address": {
            "line": lines,
            "city": place.city,
            "state": place.state,
            "postalCode": place.zip_code,
            "country": "US",
        },
        "position": {"latitude": place.latitude, "longitude": place.longitude},
    }


def appointment(visit: Appointment) -> Resource:
    # The statuses are FHIR's own codes (scheduling.models.Appointment.Status).
    found: Resource = {
        "resourceType": "Appointment",
        "id": resource_id("Appointment", visit.pk),
        "status": visit.status,
        "appointmentType": {"text": str(visit.appointment_type.get_kind_display())},
        "start": _moment(visit.start),
        "end": _moment(visit.end),
        "minutesDuration": int((visit.end - visit.start).total_seconds() // 60),
        "created": _moment(visit.created_at),
        "participant": [
            {"actor": reference("Patient", visit.patient_id), "status": "accepted"},
            {
                "actor": reference("Practitioner", visit.practitioner_id, str(visit.practitioner)),
                "status": "accepted",
            },
            {
                "actor": reference("Location", visit.location_id, visit.location.name),
                "status": "accepted",
            },
        ],
    }
    if visit.reason:
        found["description"] = visit.reason
    if visit.status == Appointment.Status.CANCELLED and visit.cancel_reason:
        found["cancelationReason"] = {"text": visit.cancel_reason}
    return found


def _answer(value: object) -> list[dict[str, object]]:
    if isinstance(value, bool):
        return [{"valueBoolean": value}]
    if isinstance(value, int):
        return [{"valueInteger": value}]
    if isinstance(value, float):
        return [{"valueDecimal": value}]
    if isinstance(value, str) and value:
        return [{"valueString": value}]
    return []  # left blank


def questionnaire_response(answered: Response) -> Resource:
    """The answers as given, item by item, under the instrument's item codes. The
    questions' wording is not repeated: licensed instruments' text is the practice's
    to share, and the canonical names the version it was asked in."""
    instrument = instruments.get(answered.instrument, answered.version)
    items = []
    for item in instrument.items:
        if item.code not in answered.answers:
            continue  # not asked (an after-treatment question before treatment)
        entry: dict[str, object] = {"linkId": item.code}
        given = _answer(answered.answers[item.code])
        if given:
            entry["answer"] = given
        items.append(entry)
    source = "Patient" if answered.mode != Response.Mode.PAPER else ""
    found: Resource = {
        "resourceType": "QuestionnaireResponse",
        "id": resource_id("QuestionnaireResponse", answered.pk),
        "questionnaire": f"{QUESTIONNAIRE}:{answered.instrument}|{answered.version}",
        "status": "completed",
        "subject": reference("Patient", answered.patient_id),
        "authored": _moment(answered.completed_at or answered.updated_at),
        "item": items,
    }
    if source:
        found["source"] = reference("Patient", answered.patient_id)
    return found


def observations(answered: Response) -> list[Resource]:
    """One Observation per score of a completed questionnaire, derived from its
    response, at the time point it answered."""
    found = []
    point = time_point_name(answered.time_point.code)
    for key, score in SCORES.items():
        value = answered.scores.get(key)
        if not isinstance(value, int | float) or isinstance(value, bool):
            continue
        codings = [_coding(MEASURE, key, score.display)]
        if score.loinc:
            codings.insert(0, _coding(LOINC, score.loinc))
        quantity: dict[str, object] = {
            "value": value,
            "unit": score.unit[1],
            "system": UCUM,
            "code": score.unit[0],
        }
        if key in CAPPED_BY and answered.scores.get(CAPPED_BY[key]):
            quantity["comparator"] = ">="
        observation: Resource = {
            "resourceType": "Observation",
            "id": resource_id("Observation", f"{answered.pk}/{key}"),
            "status": "final",
            "category": [
                {"coding": [_coding(OBSERVATION_CATEGORY, "survey", "Survey")], "text": "Survey"}
            ],
            "code": {"coding": codings, "text": score.display},
            "subject": reference("Patient", answered.patient_id),
            "effectiveDateTime": _moment(answered.completed_at or answered.updated_at),
            "valueQuantity": quantity,
            "derivedFrom": [reference("QuestionnaireResponse", answered.pk)],
            "note": [{"text": f"Time point: {point}"}],
        }
        if score.site:
            observation["bodySite"] = {"text": score.site}
        found.append(observation)
    return found


def _diagnosis_label(code: str) -> str:
    label = str(Diagnosis(code).label)
    return label.split(": ", 1)[-1]


def conditions(
    person: Patient, plans: Iterable[TreatmentPlan], procedures: Iterable[ProcedureRecord]
) -> list[Resource]:
    """One Condition per diagnosis recorded in a plan or a signed procedure, dated by the
    first record that gave it."""
    first: dict[str, datetime] = {}
    for when, code in [(plan.created_at, plan.diagnosis) for plan in plans] + [
        (record.created_at, record.diagnosis) for record in procedures
    ]:
        if code and (code not in first or when < first[code]):
            first[code] = when
    found = []
    for code, when in sorted(first.items()):
        found.append(
            {
                "resourceType": "Condition",
                "id": resource_id("Condition", f"{person.pk}/{code}"),
                "clinicalStatus": {"coding": [_coding(CONDITION_CLINICAL, "active", "Active")]},
                "verificationStatus": {
                    "coding": [_coding(CONDITION_VERIFICATION, "confirmed", "Confirmed")]
                },
                "category": [
                    {
                        "coding": [
                            _coding(
                                CONDITION_CATEGORY, "encounter-diagnosis", "Encounter Diagnosis"
                            )
                        ]
                    }
                ],
                "code": {
                    "coding": [_coding(ICD_10_CM, code, _diagnosis_label(code))],
                    "text": _diagnosis_label(code),
                },
                "subject": reference("Patient", person.pk),
                "recordedDate": _moment(when),
            }
        )
    return found


def procedure(record: ProcedureRecord, complications: Iterable[Complication]) -> Resource:
    """A signed mild procedure (its latest signed version), with the complications
    recorded against it."""
    found: Resource = {
        "resourceType": "Procedure",
        "id": resource_id("Procedure", record.chain or record.pk),
        "status": "completed",
        "code": {
            "coding": [_coding(CPT, ProcedureRecord.CPT)],
            "text": "mild (minimally invasive lumbar decompression)",
        },
        "subject": reference("Patient", record.patient_id),
        "performer": [
            {"actor": reference("Practitioner", record.operator_id, str(record.operator))}
        ],
        "location": reference("Location", record.location_id, record.location.name),
        "bodySite": [{"text": f"{', '.join(record.levels)} ({record.get_side_display()})"}],
        "reasonReference": [reference("Condition", f"{record.patient_id}/{record.diagnosis}")],
    }
    if record.started_at and record.closed_at:
        found["performedPeriod"] = {
            "start": _moment(record.started_at),
            "end": _moment(record.closed_at),
        }
    else:
        found["performedDateTime"] = record.performed_on.isoformat()
    recorded = [{"text": item.description} for item in complications]
    if recorded:
        found["complication"] = recorded
    notes = []
    if record.medicare_ced:
        notes.append(f"Medicare coverage with evidence development: study {record.study_nct}.")
    if record.notes:
        notes.append(record.notes)
    if notes:
        found["note"] = [{"text": note} for note in notes]
    return found


def bundle(resources: Iterable[Resource], *, now: datetime) -> Resource:
    """A collection bundle of the resources, checked against FHIR R4's structure (the
    ``fhir.resources`` R4B models); ValueError if a resource breaks it."""
    document: Resource = {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": _moment(now),
        "entry": [
            {"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource}
            for resource in resources
        ],
    }
    Bundle.model_validate(document)
    return document


def patient_bundle(
    *,
    person: Patient,
    visits: Iterable[Appointment],
    responses: Iterable[Response],
    plans: Iterable[TreatmentPlan],
    procedures: Mapping[ProcedureRecord, list[Complication]],
    now: datetime,
) -> Resource:
    """The whole record as one bundle: the patient, the visits with their doctors and
    clinics, every completed questionnaire with its scores, the diagnoses, and the
    signed procedures."""
    visits, responses, plans = list(visits), list(responses), list(plans)
    doctors = {visit.practitioner.pk: visit.practitioner for visit in visits}
    places = {visit.location.pk: visit.location for visit in visits}
    for record in procedures:
        doctors.setdefault(record.operator.pk, record.operator)
        places.setdefault(record.location.pk, record.location)
    with translation.override("en"):
        resources = [patient(person)]
        resources += [practitioner(doctor) for _, doctor in sorted(doctors.items())]
        resources += [location(place) for _, place in sorted(places.items())]
        resources += [appointment(visit) for visit in visits]
        for answered in responses:
            resources.append(questionnaire_response(answered))
            resources += observations(answered)
        resources += conditions(person, plans, procedures)
        resources += [procedure(record, done) for record, done in procedures.items()]
        return bundle(resources, now=now)
