"""The rows a patient's FHIR export is made of, each read by the app that owns it,
through the actor's scope; the export itself is audited here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mildpath.audit.actor import Actor
from mildpath.audit.services import record
from mildpath.care import queries as care
from mildpath.care.models import Complication, ProcedureRecord, TreatmentPlan
from mildpath.patients.models import Patient
from mildpath.patients.queries import patient_for_change
from mildpath.questionnaires import queries as questionnaires
from mildpath.questionnaires.models import Response
from mildpath.scheduling import record_queries as scheduling
from mildpath.scheduling.models import Appointment


@dataclass(frozen=True)
class PatientRecord:
    patient: Patient
    visits: list[Appointment]  # cancelled ones too, the earliest first
    responses: list[Response]  # completed questionnaires, in the order they were sent
    plans: list[TreatmentPlan]
    # Each procedure's latest signed version, with the complications recorded against it.
    procedures: dict[ProcedureRecord, list[Complication]]


def patient_record(actor: Actor, patient_id: int, *, now: datetime) -> PatientRecord:
    """Everything the export holds about one patient in the actor's scope (Http404, the
    refusal audited, outside it), in a fixed number of queries; the export is audited.
    Visits at clinics outside the actor's locations stay out, as on the chart."""
    patient = patient_for_change(actor, patient_id)
    found = PatientRecord(
        patient=patient,
        visits=scheduling.patient_visits_all(actor, patient),
        responses=questionnaires.completed_responses(patient),
        plans=care.plans_of(patient),
        procedures=care.signed_procedures(patient),
    )
    record(
        action="chart.export",
        actor=actor,
        now=now,
        obj=patient,
        patient_id=patient.pk,
        detail={
            "format": "FHIR R4",
            "visits": len(found.visits),
            "questionnaires": len(found.responses),
            "procedures": len(found.procedures),
        },
    )
    return found
