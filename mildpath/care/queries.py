"""Reads of the clinical record. Each takes the actor: the patient comes through their
scope (``patients.queries``), and each look at the chart is audited."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db.models import Max, Min, Q, QuerySet
from django.http import Http404

from mildpath.audit.actor import Actor
from mildpath.audit.services import record
from mildpath.care.models import (
    CareConsent,
    Complication,
    Document,
    Evaluation,
    ImagingStudy,
    LaterSurgery,
    LevelFinding,
    ProcedureRecord,
    TreatmentPlan,
)
from mildpath.core import clock
from mildpath.patients.models import Patient
from mildpath.patients.queries import patient_for_change, refuse
from mildpath.questionnaires.models import Response
from mildpath.questionnaires.plan import BASELINE


def patient_for_chart(actor: Actor, patient_id: int, *, section: str) -> Patient:
    """A patient in the actor's scope, the look at ``section`` of their chart audited
    (Http404, audited as refused, outside it)."""
    patient = patient_for_change(actor, patient_id)
    record(
        action="chart.read",
        actor=actor,
        now=clock.now(),
        obj=patient,
        patient_id=patient.pk,
        detail={"section": section},
    )
    return patient


@dataclass(frozen=True)
class Chart:
    consent: CareConsent | None
    imaging: list[ImagingStudy]
    evaluations: list[Evaluation]
    plans: list[TreatmentPlan]
    procedures: list[ProcedureRecord]  # every version, newest first within a procedure
    complications: list[Complication]
    later_surgeries: list[LaterSurgery]  # the earliest first
    documents: list[Document]


def chart_of(patient: Patient) -> Chart:
    """Everything clinical about a patient already read through ``patient_for_chart``,
    in a fixed number of queries however long the record. Nothing is left out: a chart
    that showed only the latest entries would hide the older ones from the clinician
    without saying so."""
    return Chart(
        consent=CareConsent.objects.filter(patient=patient).first(),
        imaging=list(ImagingStudy.objects.filter(patient=patient).prefetch_related("levels")),
        evaluations=list(Evaluation.objects.filter(patient=patient).select_related("clinician")),
        plans=list(TreatmentPlan.objects.filter(patient=patient).select_related("created_by")),
        procedures=list(
            ProcedureRecord.objects.filter(patient=patient).select_related(
                "operator", "location", "signed_by", "appointment"
            )
        ),
        complications=list(Complication.objects.filter(patient=patient)),
        later_surgeries=list(LaterSurgery.objects.filter(patient=patient)),
        documents=list(Document.objects.filter(patient=patient).select_related("uploaded_by")),
    )


def criteria_facts(patient: Patient) -> dict[str, float | None]:
    """The recorded facts the candidacy criteria read: from the latest imaging study
    (the worst level: the thickest flavum, the narrowest canal, the largest slip) and
    the latest questionnaire answers before any procedure."""
    facts: dict[str, float | None] = {
        "flavum_max_mm": None,
        "canal_area_min_mm2": None,
        "listhesis_max_mm": None,
        "listhesis_grade_max": None,
        "odi": None,
        "walking_feet": None,
    }
    study = ImagingStudy.objects.filter(patient=patient).order_by("-performed_on", "-id").first()
    if study is not None:
        worst = LevelFinding.objects.filter(study=study).aggregate(
            left=Max("flavum_left_mm"),
            right=Max("flavum_right_mm"),
            canal=Min("canal_area_mm2"),
            slip=Max("listhesis_mm"),
            grade=Max("listhesis_grade"),
        )
        flavum = [value for value in (worst["left"], worst["right"]) if value is not None]
        facts["flavum_max_mm"] = float(max(flavum)) if flavum else None
        for fact, key in (
            ("canal_area_min_mm2", "canal"),
            ("listhesis_max_mm", "slip"),
            ("listhesis_grade_max", "grade"),
        ):
            facts[fact] = float(worst[key]) if worst[key] is not None else None
    # Answers at a baseline time point only: those after a procedure are outcomes.
    answered = Response.objects.filter(
        Q(instrument="odi") | Q(instrument="walking"),
        patient=patient,
        status="complete",
        time_point__code=BASELINE,
    ).order_by("-completed_at", "-id")
    for response in answered:
        if response.instrument == "odi" and facts["odi"] is None:
            facts["odi"] = response.scores.get("odi")
        if response.instrument == "walking" and facts["walking_feet"] is None:
            facts["walking_feet"] = response.scores.get("walking_feet")
    return facts


def plans_of(patient: Patient) -> list[TreatmentPlan]:
    """The patient's treatment plans, the earliest first."""
    return list(TreatmentPlan.objects.filter(patient=patient).order_by("created_at", "pk"))


def signed_procedures(patient: Patient) -> dict[ProcedureRecord, list[Complication]]:
    """Each procedure's latest signed version, with the complications recorded against
    it, in two queries. A draft is not part of the record until signed; of an amended
    procedure, only its latest signed version is."""
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


def consent_of(patient: Patient) -> CareConsent | None:
    return CareConsent.objects.filter(patient=patient).first()


def procedure_of(patient: Patient, procedure_id: int) -> ProcedureRecord | None:
    return ProcedureRecord.objects.filter(pk=procedure_id, patient=patient).first()


def plan_of(patient: Patient, plan_id: int) -> TreatmentPlan | None:
    return TreatmentPlan.objects.filter(pk=plan_id, patient=patient).first()


def document_of(patient: Patient, document_id: int) -> Document | None:
    return Document.objects.filter(pk=document_id, patient=patient).first()


@dataclass(frozen=True)
class Download:
    document: Document
    path: Path


def document_for_download(actor: Actor, patient: Patient, document_id: int) -> Download:
    """A document of a patient already read through their scope, with where its file
    is, the opening audited as "document.read". Http404 for a document of another
    patient (the attempt recorded as refused) or one whose file is gone."""
    document = Document.objects.filter(pk=document_id, patient=patient).first()
    if document is None:
        refuse(actor, Document.objects.filter(pk=document_id).first())
    folder = Path(settings.MILDPATH_DOCUMENTS_DIR).resolve()
    path = (folder / document.stored_as).resolve()
    if path.parent != folder or not path.is_file():
        raise Http404
    record(
        action="document.read",
        actor=actor,
        now=clock.now(),
        obj=document,
        patient_id=patient.pk,
        detail={"kind": document.kind, "type": document.content_type},
    )
    return Download(document=document, path=path)


def evaluation_of(patient: Patient, evaluation_id: int) -> Evaluation | None:
    return (
        Evaluation.objects.filter(pk=evaluation_id, patient=patient)
        .select_related("clinician")
        .first()
    )


def evaluations_of(patient: Patient) -> QuerySet[Evaluation]:
    """A patient's evaluations, newest first, for a plan to refer to (the plan form's
    choices)."""
    return Evaluation.objects.filter(patient=patient)


def latest_plan(patient: Patient) -> TreatmentPlan | None:
    return TreatmentPlan.objects.filter(patient=patient).first()


def procedure_versions(procedure: ProcedureRecord) -> list[ProcedureRecord]:
    """Every version of the procedure, the first first."""
    return list(
        ProcedureRecord.objects.filter(
            patient_id=procedure.patient_id, chain=procedure.chain or procedure.pk
        )
        .select_related("created_by", "signed_by")
        .order_by("version")
    )


def procedure_complications(procedure: ProcedureRecord) -> list[Complication]:
    """The complications of the procedure (of every version of it)."""
    return list(
        Complication.objects.filter(
            patient_id=procedure.patient_id, chain=procedure.chain or procedure.pk
        ).select_related("recorded_by")
    )


def procedure_amendment(procedure: ProcedureRecord) -> ProcedureRecord | None:
    """The version that amends this one, if any."""
    return ProcedureRecord.objects.filter(amends=procedure).first()


def appointments_recorded(patient: Patient, *, besides: ProcedureRecord | None) -> frozenset[int]:
    """The patient's appointments another procedure record already belongs to."""
    others = ProcedureRecord.objects.filter(patient=patient, appointment__isnull=False)
    if besides is not None:
        others = others.exclude(chain=besides.chain)
    return frozenset(pk for pk in others.values_list("appointment_id", flat=True) if pk is not None)
