"""A patient's record as HL7 FHIR R4 resources (DOMAIN.md, "Standards for data exchange").

Each function turns rows already read (``fhir.queries``) into one resource, a plain
mapping that ``bundle`` gathers and checks with ``fhir.resources``' R4B models before it
leaves. Nothing here reads the database.

References resolve inside the bundle: every resource's id is a UUID named from the
practice's address and the row (``Patient/12``), and its ``fullUrl`` is that UUID as a
URN, so the same row exports under the same id every time and a receiving system can
update rather than duplicate. Words are in English, the exchange's language, whatever the page's.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.utils import translation

from mildpath.care.models import Complication, Diagnosis, ProcedureRecord, TreatmentPlan
from mildpath.fhir.codes import (
    BCP_47,
    CAPPED_BY,
    CONDITION_CATEGORY,
    CONDITION_CLINICAL,
    CONDITION_VERIFICATION,
    CPT,
    ICD_10_CM,
    ICD_10_CM_DISPLAY,
    LOINC,
    OBSERVATION_CATEGORY,
    SCORES,
    UCUM,
    system,
)
from mildpath.patients.models import Patient
from mildpath.practice.models import Location, Practitioner
from mildpath.questionnaires import instruments
from mildpath.questionnaires.models import Response
from mildpath.questionnaires.progress import time_point_name
from mildpath.scheduling.models import Appointment

Resource = dict[str, Any]


def resource_id(kind: str, pk: object) -> str:
    """A name-based UUID of the row, in this practice's namespace (its address)."""
    namespace = uuid.uuid5(uuid.NAMESPACE_URL, system("ids"))
    return str(uuid.uuid5(namespace, f"{kind}/{pk}"))


def reference(kind: str, pk: object, display: str = "") -> dict[str, str]:
    found = {"reference": f"urn:uuid:{resource_id(kind, pk)}"}
    if display:
        found["display"] = display
    return found


def _moment(value: datetime) -> str:
    return value.isoformat(timespec="seconds")


def _coding(of: str, code: str, display: str = "") -> dict[str, str]:
    coding = {"system": of, "code": code}
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
        "identifier": [{"system": system("patient-number"), "value": str(person.pk)}],
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
        "identifier": [{"system": system("practitioner-number"), "value": str(doctor.pk)}],
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
        "identifier": [{"system": system("location-number"), "value": str(place.pk)}],
        # "Shown to patients" is not "in use": a clinic hidden from the public site
        # still sees its patients. (Its coordinates, a ZIP code's centre, stay out.)
        "status": "active",
        "name": place.name,
        "telecom": [{"system": "phone", "value": place.phone}],
        "address": {
            "line": lines,
            "city": place.city,
            "state": place.state,
            "postalCode": place.zip_code,
            "country": "US",
        },
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
        if given:  # a question left blank is left out
            entry["answer"] = given
            items.append(entry)
    found: Resource = {
        "resourceType": "QuestionnaireResponse",
        "id": resource_id("QuestionnaireResponse", answered.pk),
        "questionnaire": f"{system('questionnaire')}/{answered.instrument}|{answered.version}",
        "status": "completed",
        "subject": reference("Patient", answered.patient_id),
        "authored": _moment(answered.completed_at or answered.updated_at),
        "item": items,
    }
    # The patient answered, on paper too; staff who typed a paper form in recorded it.
    found["source"] = reference("Patient", answered.patient_id)
    if answered.mode == Response.Mode.PAPER and answered.entered_by is not None:
        entered = answered.entered_by.get_full_name() or answered.entered_by.get_username()
        found["author"] = {"display": f"{entered} (from the patient's paper form)"}
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
        codings = [_coding(system("measure"), key, score.display)]
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


def conditions(
    person: Patient, plans: Iterable[TreatmentPlan], procedures: Iterable[ProcedureRecord]
) -> list[Resource]:
    """One Condition per diagnosis recorded in a plan or a signed procedure, dated by the
    first record that gave it. Only the diagnosis recorded last is active: one given
    before it (without claudication, then with) was superseded, not a second illness."""
    first: dict[str, datetime] = {}
    last: tuple[datetime, str] | None = None
    for when, code in [(plan.created_at, plan.diagnosis) for plan in plans] + [
        (record.created_at, record.diagnosis) for record in procedures
    ]:
        if not code:
            continue
        if code not in first or when < first[code]:
            first[code] = when
        if last is None or when >= last[0]:
            last = (when, code)
    found = []
    for code, when in sorted(first.items()):
        status = "active" if last is not None and code == last[1] else "inactive"
        words = str(Diagnosis(code).label).split(": ", 1)[-1]
        found.append(
            {
                "resourceType": "Condition",
                "id": resource_id("Condition", f"{person.pk}/{code}"),
                "clinicalStatus": {
                    "coding": [_coding(CONDITION_CLINICAL, status, status.capitalize())]
                },
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
                    "coding": [_coding(ICD_10_CM, code, ICD_10_CM_DISPLAY[code])],
                    "text": words,
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
    # Imported here, not at the top: its models take about 0.2 s to load, which every
    # server process would otherwise pay at start-up for a page few people open.
    from fhir.resources.R4B.bundle import Bundle

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
