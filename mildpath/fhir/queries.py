"""The rows a patient's FHIR export is made of, read through the actor's scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mildpath.accounts.access import scoped_locations
from mildpath.audit.actor import Actor
from mildpath.audit.services import record
from mildpath.care.models import Complication, ProcedureRecord, TreatmentPlan
from mildpath.patients.models import Patient
from mildpath.patients.queries import patient_for_change
from mildpath.questionnaires.models import Response
from mildpath.scheduling.models import Appointment


@dataclass(frozen=True)
class PatientRecord:
    patient: Patient
    visits: list[Appointment]  # cancelled ones too, the earliest first
    responses: list[Response]  # completed questionnaires, in the order they were sent
    plans: list[TreatmentPlan]
    # Each procedure's latest signed version, with the complications recorded against it.
    procedures: dict[ProcedureRecord, list[Complication]]


def _signed_procedures(patient: Patient) -> dict[ProcedureRecord, list[Complication]]:
    """A draft is not part of the record until signed; of an amended procedure, only its
    latest signed version is."""
    latest: dict[int, ProcedureRecord] = {}
    signed = (
        ProcedureRecord.objects.filter(patient=patient, signed_at__isnull=False)
        .select_related("operator", "location")
        .order_by("performed_on", "pk")
    )
    for version in signed:
        chain = version.chain or version.pk
        if chain not in latest or version.version > latest[chain].version:
            latest[chain] = version
    by_chain: dict[int, list[Complication]] = {}
    for complication in Complication.objects.filter(patient=patient).order_by("occurred_on", "pk"):
        by_chain.setdefault(complication.chain, []).append(complication)
    return {version: by_chain.get(chain, []) for chain, version in latest.items()}


def patient_record(actor: Actor, patient_id: int, *, now: datetime) -> PatientRecord:
    """Everything the export holds about one patient in the actor's scope (Http404, the
    refusal audited, outside it), in a fixed number of queries; the export is audited.
    Visits at clinics outside the actor's locations stay out, as on the chart."""
    patient = patient_for_change(actor, patient_id)
    visits = Appointment.objects.filter(patient=patient)
    locations = scoped_locations(actor.user)
    if locations is not None:
        visits = visits.filter(location__in=locations)
    found = PatientRecord(
        patient=patient,
        visits=list(
            visits.select_related("location", "practitioner", "appointment_type").order_by(
                "start", "pk"
            )
        ),
        responses=list(
            Response.objects.filter(patient=patient, status=Response.Status.COMPLETE)
            .select_related("time_point", "entered_by")
            .order_by("completed_at", "pk")
        ),
        plans=list(TreatmentPlan.objects.filter(patient=patient).order_by("created_at", "pk")),
        procedures=_signed_procedures(patient),
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
