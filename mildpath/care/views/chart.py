"""The clinician's chart of an LSS patient: who they are and how to reach them, what
they consented to, their visits, questionnaire scores and follow-up, imaging by level,
candidacy evaluations, treatment plans, procedures with their versions and
complications, spine surgery after mild, and documents; and the consent form."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from mildpath.accounts.access import staff_required
from mildpath.accounts.roles import Capability
from mildpath.audit.actor import Actor
from mildpath.care import queries, services
from mildpath.care.forms.chart import ConsentForm, DocumentForm
from mildpath.care.models import Complication, ProcedureRecord, TreatmentPlan
from mildpath.core import clock
from mildpath.core.errors import AlreadySubmitted
from mildpath.patients.models import Patient
from mildpath.questionnaires import queries as questionnaire_queries
from mildpath.questionnaires.progress import latest_scores
from mildpath.scheduling import record_queries

# Visits still ahead of the patient (arrived: in the building now).


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


@dataclass
class ProcedureChain:
    """One procedure: its versions, newest first, and its complications."""

    versions: list[ProcedureRecord]
    complications: list[Complication] = field(default_factory=list)

    @property
    def current(self) -> ProcedureRecord:
        return self.versions[0]


def _procedure_chains(
    procedures: list[ProcedureRecord], complications: list[Complication]
) -> list[ProcedureChain]:
    chains: dict[int, ProcedureChain] = {}
    for procedure in procedures:
        key = procedure.chain or procedure.pk
        chains.setdefault(key, ProcedureChain(versions=[])).versions.append(procedure)
    for chain in chains.values():
        chain.versions.sort(key=lambda version: version.version, reverse=True)
    for complication in complications:
        if complication.chain in chains:
            chains[complication.chain].complications.append(complication)
    return sorted(
        chains.values(),
        key=lambda chain: (chain.current.performed_on, chain.current.pk),
        reverse=True,
    )


def _option_labels(plan: TreatmentPlan) -> list[str]:
    labels = dict(TreatmentPlan.Option.choices)
    return [str(labels.get(code, code)) for code in plan.options]


def made_or_chart(name: str, patient: Patient, sent: AlreadySubmitted) -> str:
    """Where a form sent twice goes: the page of what its first send made, if known,
    else the chart."""
    if sent.made_id is None:
        return reverse("care:chart", args=[patient.pk])
    return reverse(name, args=[patient.pk, sent.made_id])


def render_chart(
    request: HttpRequest,
    actor: Actor,
    patient: Patient,
    *,
    document_form: DocumentForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The chart of a patient read through ``queries.patient_for_chart`` (that read is
    the audited look), with the upload form as given (a refused upload shows its
    errors where it was filled in)."""
    now = clock.now()
    record = queries.chart_of(patient)
    upcoming, earlier = record_queries.patient_visits_split(actor, patient, now=now)
    return render(
        request,
        "care/chart.html",
        {
            "patient": patient,
            "age": _age(patient.date_of_birth, timezone.localdate(now)),
            "record": record,
            "upcoming": upcoming,
            "earlier": earlier,
            "scores": latest_scores(questionnaire_queries.progress_of(patient)),
            "follow_up": questionnaire_queries.plan_of(patient),
            "now": now,
            "plans": [(plan, _option_labels(plan)) for plan in record.plans],
            "chains": _procedure_chains(record.procedures, record.complications),
            "document_form": document_form or DocumentForm(),
        },
        status=status,
    )


@staff_required(Capability.PATIENT_CLINICAL)
@require_http_methods(["GET", "HEAD"])
def chart(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = Actor.of(request)
    patient = queries.patient_for_chart(actor, patient_id, section="chart")
    return render_chart(request, actor, patient)


@staff_required(Capability.PATIENT_CLINICAL)
@require_http_methods(["GET", "HEAD", "POST"])
def consent(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = Actor.of(request)
    patient = queries.patient_for_chart(actor, patient_id, section="consent")
    if request.method == "POST":
        form = ConsentForm(request.POST, born=patient.date_of_birth)
        if form.is_valid():
            services.consent_update(
                actor=actor, patient=patient, **form.cleaned_data, now=clock.now()
            )
            messages.success(request, _("Consent saved."))
            return redirect(reverse("care:chart", args=[patient.pk]) + "#consent")
    else:
        current = queries.consent_of(patient)
        form = ConsentForm(
            initial={
                "registry": current.registry,
                "medicare": current.medicare,
                "study_nct": current.study_nct,
                "study_enrolled_on": current.study_enrolled_on,
            }
            if current is not None
            else {},
            born=patient.date_of_birth,
        )
    return render(
        request,
        "care/consent.html",
        {"patient": patient, "form": form},
        status=400 if form.errors else 200,
    )
