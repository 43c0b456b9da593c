"""Treatment plans: writing one with the patient (the options, mild's levels and sides,
the shared decision, the summary in English and Spanish), reading it, and the patient's
summary as a printable page and as a PDF in the language asked for, whatever the
language of the interface."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from mildpath.accounts.access import staff_required
from mildpath.accounts.roles import Capability
from mildpath.audit.actor import Actor
from mildpath.care import queries, services
from mildpath.care.forms.plan import PlanForm, summary_draft, valid_options
from mildpath.care.models import ProcedureRecord, Side, TreatmentPlan
from mildpath.care.views.chart import made_or_chart
from mildpath.core import clock
from mildpath.core.errors import AlreadySubmitted, already_saved
from mildpath.patients.models import Patient

SUMMARY_LANGUAGES = ("en", "es")


@staff_required(Capability.PATIENT_CLINICAL)
@require_http_methods(["GET", "HEAD", "POST"])
def plan_new(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = Actor.of(request)
    patient = queries.patient_for_chart(actor, patient_id, section="plan")
    evaluations = queries.evaluations_of(patient)
    if request.method == "POST" and "draft" in request.POST:
        # "Draft the summaries": the form as posted, its summaries replaced by a draft
        # from the options ticked. Nothing is stored.
        data = request.POST.copy()
        options = valid_options(data.getlist("options"))
        for language in SUMMARY_LANGUAGES:
            data[f"summary_{language}"] = summary_draft(
                language,
                options,
                levels=data.getlist("mild_levels"),
                side=data.get("mild_side", ""),
            )
        form = PlanForm(initial=_initial_from(data), evaluations=evaluations)
    elif request.method == "POST":
        form = PlanForm(request.POST, evaluations=evaluations)
        if form.is_valid():
            try:
                plan = services.plan_record(
                    actor=actor,
                    patient=patient,
                    **form.plan_fields(),
                    now=clock.now(),
                    submission=form.cleaned_data["submission"],
                )
            except AlreadySubmitted as sent:
                return already_saved(request, made_or_chart("care:plan", patient, sent))
            messages.success(request, _("Treatment plan recorded."))
            return redirect("care:plan", patient_id=patient.pk, plan_id=plan.pk)
    else:
        options = valid_options(request.GET.getlist("options"))
        form = PlanForm(
            initial={
                "options": options,
                "evaluation": evaluations.first(),
                **{
                    f"summary_{language}": summary_draft(language, options)
                    for language in SUMMARY_LANGUAGES
                },
            },
            evaluations=evaluations,
        )
    return render(request, "care/plan_new.html", {"patient": patient, "form": form})


def _initial_from(data: Any) -> dict[str, Any]:
    """A posted form's values as initial ones, for the form shown again unbound."""
    initial: dict[str, Any] = {}
    for name in PlanForm.base_fields:
        if name in ("options", "mild_levels"):
            initial[name] = data.getlist(name)
        elif name in data:
            initial[name] = data.get(name)
    return initial


@staff_required(Capability.PATIENT_CLINICAL)
@require_http_methods(["GET", "HEAD"])
def plan(request: HttpRequest, patient_id: int, plan_id: int) -> HttpResponse:
    patient = queries.patient_for_chart(Actor.of(request), patient_id, section="plan")
    found = _plan_or_404(patient, plan_id)
    return render(
        request,
        "care/plan.html",
        {"patient": patient, "plan": found, "chosen": _chosen(found), "languages": _languages()},
    )


@staff_required(Capability.PATIENT_CLINICAL)
@require_http_methods(["GET", "HEAD"])
def summary(request: HttpRequest, patient_id: int, plan_id: int, language: str) -> HttpResponse:
    if language not in SUMMARY_LANGUAGES:
        raise Http404
    patient = queries.patient_for_chart(Actor.of(request), patient_id, section="summary")
    found = _plan_or_404(patient, plan_id)
    return HttpResponse(_summary_html(request, patient, found, language, for_pdf=False))


@staff_required(Capability.PATIENT_CLINICAL)
@require_http_methods(["GET", "HEAD"])
def summary_pdf(request: HttpRequest, patient_id: int, plan_id: int, language: str) -> HttpResponse:
    if language not in SUMMARY_LANGUAGES:
        raise Http404
    patient = queries.patient_for_chart(Actor.of(request), patient_id, section="summary")
    found = _plan_or_404(patient, plan_id)
    html = _summary_html(request, patient, found, language, for_pdf=True)
    base_url = request.build_absolute_uri("/")
    # WeasyPrint takes most of a second to load: loaded by the first PDF, not by every
    # process that reads the URLconf (the worker, each command, each server).
    from mildpath.core.pdf import html_to_pdf

    pdf = html_to_pdf(html, base_url=base_url)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="treatment-plan-{language}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


def _plan_or_404(patient: Patient, plan_id: int) -> TreatmentPlan:
    found = queries.plan_of(patient, plan_id)
    if found is None:
        raise Http404
    return found


def _chosen(plan: TreatmentPlan) -> list[Any]:
    """The options chosen, as labels (lazy: they read in the language they render in)."""
    return [TreatmentPlan.Option(option).label for option in plan.options]


def _languages() -> list[tuple[str, str]]:
    return [(code, str(name)) for code, name in settings.LANGUAGES if code in SUMMARY_LANGUAGES]


def _summary_html(
    request: HttpRequest,
    patient: Patient,
    plan: TreatmentPlan,
    language: str,
    *,
    for_pdf: bool,
) -> str:
    """The summary in ``language``; the staff's own links on the screen page stay in the
    interface's language."""
    interface_language = translation.get_language() or settings.LANGUAGE_CODE
    with translation.override(language):
        return render_to_string(
            "care/summary.html",
            {
                "patient": patient,
                "plan": plan,
                "language": language,
                "interface_language": interface_language,
                "for_pdf": for_pdf,
                "chosen": _chosen(plan),
                "mild": TreatmentPlan.Option.MILD in plan.options,
                "side": Side(plan.mild_side).label if plan.mild_side else "",
                "text": plan.summary_es if language == "es" else plan.summary_en,
                "cpt": ProcedureRecord.CPT,
            },
            request=request,
        )
