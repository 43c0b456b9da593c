"""Reads of the registry's own rows for the pages: a person's reports and exports (only
their own: an export is theirs to download), the newest report for a set of filters,
a finished file (its download audited), and the public summary."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import Http404

from mildpath.audit.actor import Actor
from mildpath.audit.services import record
from mildpath.outcomes.models import PublicSummary, RegistryJob
from mildpath.outcomes.registry import Filters

# What each file of a job is, for the download's name and type.
FILE_TYPES = {
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "parquet": "application/vnd.apache.parquet",
}


def _mine(actor: Actor) -> Any:
    if actor.user is None:
        raise Http404
    return RegistryJob.objects.filter(requested_by=actor.user)


def job_for(actor: Actor, job_id: int, *, kind: str) -> RegistryJob:
    """One of the actor's own jobs of ``kind`` (Http404 for anyone else's)."""
    job = _mine(actor).filter(pk=job_id, kind=kind).first()
    if job is None:
        raise Http404
    return job


def jobs_recent(actor: Actor, *, kind: str, limit: int = 10) -> list[RegistryJob]:
    return list(_mine(actor).filter(kind=kind)[:limit])


def report_latest(actor: Actor, filters: Filters) -> RegistryJob | None:
    """The actor's newest report for exactly these filters: finished, or on its way."""
    wanted = filters.as_dict()
    for job in (
        _mine(actor)
        .filter(kind=RegistryJob.Kind.REPORT)
        .exclude(status=RegistryJob.Status.FAILED)[:50]
    ):
        if job.filters == wanted:
            return job
    return None


@dataclass(frozen=True)
class Download:
    path: Path
    filename: str
    content_type: str


def pdf_key(language: str) -> str:
    """Where a report's files name its PDF in ``language``."""
    return f"pdf-{language}"


def stored_file(job: RegistryJob, what: str, *, language: str) -> str | None:
    """The stored name of a finished job's ``what`` (csv, pdf, parquet); a report's PDF
    in ``language`` when it has one, else in the language it was built in."""
    if job.status != RegistryJob.Status.DONE or what not in FILE_TYPES:
        return None
    stored = job.files.get(pdf_key(language)) if what == "pdf" else None
    stored = stored or job.files.get(what)
    if what == "pdf" and not stored:
        # Built in the practice's language only, or in every one but this.
        stored = job.files.get(pdf_key(settings.LANGUAGE_CODE))
    return stored if isinstance(stored, str) else None


def job_download(
    actor: Actor, job: RegistryJob, what: str, *, language: str, now: datetime
) -> Download:
    """A finished job's file (a report's PDF in ``language``), its download audited
    (Http404 when there is none)."""
    stored = stored_file(job, what, language=language)
    if stored is None:
        raise Http404
    path = Path(settings.MILDPATH_REGISTRY_DIR) / stored
    if not path.is_file():
        raise Http404
    record(
        action="registry.download",
        actor=actor,
        now=now,
        obj=job,
        detail={"file": what, "kind": job.kind, **_pdf_language(job, stored)},
    )
    stamp = (job.finished_at or now).strftime("%Y-%m-%d")
    name = "deidentified-export" if job.kind == RegistryJob.Kind.EXPORT else "outcomes-report"
    return Download(
        path=path,
        filename=f"mildpath-{name}-{stamp}-{job.pk}.{what}",
        content_type=FILE_TYPES[what],
    )


def _pdf_language(job: RegistryJob, stored: str) -> dict[str, str]:
    """The language of the PDF served, for its audit entry (none for a PDF built before
    reports had one per language, or for another file)."""
    for code, _name in settings.LANGUAGES:
        if job.files.get(pdf_key(code)) == stored:
            return {"language": code}
    return {}


def public_summary() -> PublicSummary | None:
    """What the public block shows (None until the worker has computed it)."""
    return PublicSummary.objects.order_by("-computed_at", "-id").first()
