"""Treatment plans: writing one with the patient (the options, mild's levels and sides,
the shared decision, the summary in English and Spanish), reading it, and the patient's
summary as a printable page and as a PDF in the language asked for, whatever the
language of the interface."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

import weasyprint
from django.conf import settings
from django.contrib import messages
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import SuspiciousFileOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from weasyprint.urls import URLFetcher, URLFetcherResponse

from mildpath.accounts.access import staff_required
from mildpath.accounts.roles import Capability
from mildpath.audit.actor import Actor
from mildpath.care import queries, services
from mildpath.care.forms.plan import PlanForm, summary_draft, valid_options
from mildpath.care.models import ProcedureRecord, Side, TreatmentPlan
from mildpath.core import clock
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
            plan = services.plan_record(
                actor=actor, patient=patient, **form.plan_fields(), now=clock.now()
            )
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
    pdf = weasyprint.HTML(
        string=html, base_url=base_url, url_fetcher=StaticOnlyFetcher(base_url)
    ).write_pdf()
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


class StaticOnlyFetcher(URLFetcher):
    """What WeasyPrint may load while drawing a summary: our own static files (the
    stylesheet, the logo), read from disk, never over the network. Every other URL (another
    host, another path of ours, ``file:``, ``data:``) is refused, so text a clinician
    typed can never make the server fetch anything."""

    def __init__(self, base_url: str) -> None:
        super().__init__(allowed_protocols=("http", "https"), allow_redirects=False)
        self.static_prefix = urljoin(base_url, settings.STATIC_URL)

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        path = self.static_file(url)
        if path is None:
            raise ValueError(f"refused to fetch {url[:200]!r}: not one of our static files")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(
            url, body=path.read_bytes(), headers={"Content-Type": content_type}
        )

    def static_file(self, url: str) -> Path | None:
        """The file on disk that ``url`` names under our static URL, or None."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return None
        bare = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
        if not bare.startswith(self.static_prefix):
            return None
        name = unquote(bare[len(self.static_prefix) :])
        segments = name.split("/")
        if not name or "\\" in name or "\x00" in name or ".." in segments or "" in segments:
            return None
        found = finders.find(name)
        if not found:
            found = _collected(name)
        if not found or isinstance(found, list):
            return None
        path = Path(found)
        return path if path.is_file() else None


def _collected(name: str) -> str | None:
    """A file collected into STATIC_ROOT (with its hashed name, in production)."""
    try:
        return str(staticfiles_storage.path(name))
    except (NotImplementedError, SuspiciousFileOperation):
        return None
