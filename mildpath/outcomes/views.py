"""The outcomes registry's staff pages, under /staff/registry/ (``outcomes`` namespace).

Clinicians and the practice manager ask for reports; the researcher and the manager for
the de-identified export. Either is built by the worker: asking queues a job and opens
its page, which shows the progress (refreshed by a small script, or by a plain link)
and then the report or the files. Each person sees and downloads only their own."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from mildpath.accounts.access import staff_required
from mildpath.accounts.roles import Capability
from mildpath.audit.actor import Actor
from mildpath.core import clock
from mildpath.outcomes import queries, services
from mildpath.outcomes.forms import ExportForm, FiltersForm
from mildpath.outcomes.models import RegistryJob
from mildpath.outcomes.presentation import filters_in_words, report_display
from mildpath.outcomes.registry import Filters

REPORT, EXPORT = RegistryJob.Kind.REPORT.value, RegistryJob.Kind.EXPORT.value
FILES: dict[str, tuple[str, ...]] = {REPORT: ("pdf", "csv"), EXPORT: ("csv", "parquet")}
FILE_NAMES: dict[str, Promise] = {
    "pdf": gettext_lazy("The report as a PDF"),
    "csv": gettext_lazy("The numbers as CSV"),
    "parquet": gettext_lazy("Parquet file"),
}
EXPORT_FILE_NAMES: dict[str, Promise] = {
    "csv": gettext_lazy("CSV file"),
    "parquet": gettext_lazy("Parquet file"),
}
# What the worker says it is doing (``report.report_build``, ``tasks``), in the reader's
# language; a stage not listed here shows as the worker wrote it.
STAGES: dict[str, Promise] = {
    "reading the registry": gettext_lazy("reading the registry"),
    "computing the statistics": gettext_lazy("computing the statistics"),
    "writing the PDF": gettext_lazy("writing the PDF"),
    "writing the rows": gettext_lazy("writing the rows"),
    "writing the Parquet file": gettext_lazy("writing the Parquet file"),
}
PENDING = (RegistryJob.Status.QUEUED, RegistryJob.Status.RUNNING)


def _see_other(url: str) -> HttpResponse:
    """After a POST, the job's page by GET (303: a reload never asks again)."""
    response = redirect(url)
    response.status_code = 303
    return response


# Each kind's pages, by role: the job's page, its status (JSON) and its files.
URL_NAMES: dict[str, dict[str, str]] = {
    REPORT: {
        "page": "outcomes:report",
        "status": "outcomes:report_status",
        "download": "outcomes:report_download",
    },
    EXPORT: {
        "page": "outcomes:export_job",
        "status": "outcomes:export_status",
        "download": "outcomes:export_download",
    },
}


def _job_url(job: RegistryJob, page: str = "page") -> str:
    return reverse(URL_NAMES[job.kind][page], args=[job.pk])


def progress_text(job: RegistryJob) -> str:
    if job.status == RegistryJob.Status.QUEUED:
        if job.kind == REPORT:
            return _("Waiting to start: the report is next in the queue.")
        return _("Waiting to start: the export is next in the queue.")
    stage = str(STAGES.get(job.stage, job.stage))
    values = {"percent": job.progress, "stage": stage}
    if job.kind == REPORT:
        text = _("Building the report: %(percent)d%%") % values
    else:
        text = _("Building the export: %(percent)d%%") % values
    return f"{text} — {stage}" if stage else text


def _filters_query(filters: Filters) -> str:
    data = FiltersForm.initial_from(filters)
    return urlencode({name: value for name, value in data.items() if value})


def _downloads(job: RegistryJob) -> list[tuple[str, str]]:
    """(label, URL) of each file the finished job has."""
    if job.status != RegistryJob.Status.DONE:
        return []
    names = FILE_NAMES if job.kind == REPORT else EXPORT_FILE_NAMES
    return [
        (str(names[what]), reverse(URL_NAMES[job.kind]["download"], args=[job.pk, what]))
        for what in FILES[job.kind]
        if queries.stored_file(job, what, language=_language())
    ]


def _language() -> str:
    """The language of the page, and so of the PDF its link downloads."""
    return translation.get_language() or settings.LANGUAGE_CODE


def _job_context(job: RegistryJob) -> dict[str, Any]:
    filters = Filters.from_dict(job.filters)
    context: dict[str, Any] = {
        "job": job,
        "pending": job.status in PENDING,
        "progress_text": progress_text(job) if job.status in PENDING else "",
        "status_url": _job_url(job, "status"),
        "check_url": _job_url(job),
        "downloads": _downloads(job),
        "filters_query": _filters_query(filters),
        "filters_words": filters_in_words(filters),
        "retry_fields": FiltersForm.initial_from(filters),
        "export_format": job.filters.get("format", ""),
    }
    if job.kind == REPORT and job.status == RegistryJob.Status.DONE and job.result:
        context["report"] = report_display(job.result)
    return context


# --- reports -------------------------------------------------------------------------------


@staff_required(Capability.REGISTRY_REPORTS)
@require_http_methods(["GET", "HEAD", "POST"])
def dashboard(request: HttpRequest) -> HttpResponse:
    """The filters (GET), the newest report for them, and "Build the report" (POST to the
    same address, the filters in its query string)."""
    actor = Actor.of(request)
    form = FiltersForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(request, "outcomes/dashboard.html", {"form": form}, status=400)
    filters = form.filters() if form.is_bound else Filters()
    if request.method == "POST":
        asked = services.registry_job_request(
            actor=actor, kind=REPORT, filters=filters, now=clock.now()
        )
        return _see_other(_job_url(asked))
    job = queries.report_latest(actor, filters)
    context: dict[str, Any] = {
        "form": form,
        "filters_query": _filters_query(filters),
        "filters_words": filters_in_words(filters),
    }
    if job is not None:
        context.update(_job_context(job))
        # Without the script, "Check again" reloads this page: the report shows here.
        context["check_url"] = request.get_full_path()
    return render(request, "outcomes/dashboard.html", context)


@staff_required(Capability.REGISTRY_REPORTS)
@require_http_methods(["GET", "HEAD"])
def report(request: HttpRequest, job_id: int) -> HttpResponse:
    job = queries.job_for(Actor.of(request), job_id, kind=REPORT)
    return render(request, "outcomes/job.html", _job_context(job))


@staff_required(Capability.REGISTRY_REPORTS)
@require_http_methods(["GET", "HEAD"])
def report_status(request: HttpRequest, job_id: int) -> JsonResponse:
    return _status(queries.job_for(Actor.of(request), job_id, kind=REPORT))


@staff_required(Capability.REGISTRY_REPORTS)
@require_http_methods(["GET", "HEAD"])
def report_download(request: HttpRequest, job_id: int, what: str) -> FileResponse:
    return _download(request, job_id, what, kind=REPORT)


# --- the de-identified export --------------------------------------------------------------


@staff_required(Capability.DEIDENTIFIED_DATA)
@require_http_methods(["GET", "HEAD", "POST"])
def export(request: HttpRequest) -> HttpResponse:
    """What the export holds and leaves out, its form, and the person's recent exports."""
    actor = Actor.of(request)
    form = ExportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            job = services.registry_job_request(
                actor=actor,
                kind=EXPORT,
                filters=form.filters(),
                export_format=form.cleaned_data["format"],
                now=clock.now(),
            )
            return _see_other(_job_url(job))
    recent = [
        {
            "job": job,
            "downloads": _downloads(job),
            "filters": filters_in_words(Filters.from_dict(job.filters)),
            "format": job.filters.get("format", ""),
        }
        for job in queries.jobs_recent(actor, kind=EXPORT)
    ]
    return render(
        request,
        "outcomes/export.html",
        {"form": form, "recent": recent},
        status=400 if form.is_bound else 200,
    )


@staff_required(Capability.DEIDENTIFIED_DATA)
@require_http_methods(["GET", "HEAD"])
def export_job(request: HttpRequest, job_id: int) -> HttpResponse:
    job = queries.job_for(Actor.of(request), job_id, kind=EXPORT)
    return render(request, "outcomes/job.html", _job_context(job))


@staff_required(Capability.DEIDENTIFIED_DATA)
@require_http_methods(["GET", "HEAD"])
def export_status(request: HttpRequest, job_id: int) -> JsonResponse:
    return _status(queries.job_for(Actor.of(request), job_id, kind=EXPORT))


@staff_required(Capability.DEIDENTIFIED_DATA)
@require_http_methods(["GET", "HEAD"])
def export_download(request: HttpRequest, job_id: int, what: str) -> FileResponse:
    return _download(request, job_id, what, kind=EXPORT)


# --- shared --------------------------------------------------------------------------------


def _status(job: RegistryJob) -> JsonResponse:
    """How far the job has got, for the page's script (it reloads the page once done)."""
    pending = job.status in PENDING
    return JsonResponse(
        {
            "status": job.status,
            "progress": job.progress if job.status == RegistryJob.Status.RUNNING else None,
            "text": progress_text(job) if pending else str(job.get_status_display()),
            "finished": not pending,
        }
    )


def _download(request: HttpRequest, job_id: int, what: str, *, kind: str) -> FileResponse:
    actor = Actor.of(request)
    job = queries.job_for(actor, job_id, kind=kind)
    if what not in FILES[kind]:
        raise Http404
    found = queries.job_download(actor, job, what, language=_language(), now=clock.now())
    try:
        handle = found.path.open("rb")
    except OSError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle, content_type=found.content_type, as_attachment=True, filename=found.filename
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response
