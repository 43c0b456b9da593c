"""Every write of the registry's own rows: a report or export asked for, claimed by a
worker, its progress, its end; the public summary. The registry's data (procedures,
answers) is only read here.

A job is built off the request (``tasks.outcomes_round``): the page that asked for it
shows its progress and never waits. Claiming works like the outbox's: the row is the
queue, one worker takes it (``select_for_update(skip_locked=True)`` on PostgreSQL,
SQLite's IMMEDIATE transaction), and a job whose worker stopped beating (killed) is
taken again, at most ``MAX_ATTEMPTS`` times in all.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import F, Q

from mildpath.audit.actor import Actor
from mildpath.audit.services import record
from mildpath.outcomes.models import PublicSummary, RegistryJob
from mildpath.outcomes.registry import Filters

MAX_ATTEMPTS = 3
EXPORT_FORMATS = ("csv", "parquet")


def beat_timeout() -> timedelta:
    """How long a running job may go without a sign of life before it is taken again."""
    return timedelta(seconds=settings.MILDPATH_REGISTRY_JOB_TIMEOUT)


def registry_job_request(
    *,
    actor: Actor,
    kind: str,
    filters: Filters,
    export_format: str = "",
    now: datetime,
) -> RegistryJob:
    """Queue a report (``kind="report"``) or a de-identified export (``"export"``, as
    ``export_format`` csv or parquet) for the worker. The same request by the same
    person while one is still waiting or running gives that one back: a double click
    builds one report."""
    if kind not in RegistryJob.Kind.values:
        raise ValueError(f"kind must be one of {RegistryJob.Kind.values}, not {kind!r}")
    if kind == RegistryJob.Kind.EXPORT and export_format not in EXPORT_FORMATS:
        raise ValueError(f"export format must be one of {EXPORT_FORMATS}")
    if actor.user is None:
        raise ValueError("a registry job is asked for by a signed-in staff member")
    stored = filters.as_dict()
    if kind == RegistryJob.Kind.EXPORT:
        stored["format"] = export_format
    with transaction.atomic():
        # One request at a time per person (their user row is the lock: it exists even
        # before their first job), so parallel clicks queue one job.
        get_user_model().objects.select_for_update().filter(pk=actor.user.pk).first()
        pending = RegistryJob.objects.filter(
            requested_by=actor.user,
            kind=kind,
            status__in=[RegistryJob.Status.QUEUED, RegistryJob.Status.RUNNING],
        ).order_by("id")
        for job in pending:
            if job.filters == stored:
                return job
        job = RegistryJob.objects.create(
            kind=kind, filters=stored, requested_by=actor.user, requested_at=now
        )
        record(
            action=f"registry.{kind}",
            actor=actor,
            now=now,
            obj=job,
            detail={"filters": stored},
        )
    return job


def registry_job_claim(*, now: datetime) -> RegistryJob | None:
    """The oldest job waiting (or whose worker stopped beating), now running here."""
    with transaction.atomic():
        stale = Q(status=RegistryJob.Status.RUNNING, beat_at__lt=now - beat_timeout())
        RegistryJob.objects.filter(stale, attempts__gte=MAX_ATTEMPTS).update(
            status=RegistryJob.Status.FAILED,
            finished_at=now,
            error="the worker stopped while building it, three times",
        )
        due = RegistryJob.objects.filter(
            Q(status=RegistryJob.Status.QUEUED) | (stale & Q(attempts__lt=MAX_ATTEMPTS))
        ).order_by("requested_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        job = due.first()
        if job is None:
            return None
        RegistryJob.objects.filter(pk=job.pk).update(
            status=RegistryJob.Status.RUNNING,
            started_at=now,
            beat_at=now,
            progress=0,
            stage="",
            attempts=F("attempts") + 1,
        )
    job.refresh_from_db()
    return job


def registry_job_progress(*, job: RegistryJob, percent: int, stage: str, now: datetime) -> None:
    """How far the job has got (the page polls it); also the worker's sign of life."""
    RegistryJob.objects.filter(pk=job.pk, status=RegistryJob.Status.RUNNING).update(
        progress=max(0, min(percent, 99)), stage=stage[:80], beat_at=now
    )


def registry_job_finish(
    *, job: RegistryJob, result: dict[str, Any], files: dict[str, str], now: datetime
) -> None:
    RegistryJob.objects.filter(pk=job.pk).update(
        status=RegistryJob.Status.DONE,
        progress=100,
        stage="",
        result=result,
        files=files,
        finished_at=now,
        beat_at=now,
    )


def registry_job_fail(*, job: RegistryJob, error: str, now: datetime) -> None:
    RegistryJob.objects.filter(pk=job.pk).update(
        status=RegistryJob.Status.FAILED, error=error[:300], finished_at=now, beat_at=now
    )


def public_summary_save(*, data: dict[str, Any], now: datetime) -> PublicSummary:
    """Store what the public block shows; older summaries go (only the newest is read)."""
    with transaction.atomic():
        summary = PublicSummary.objects.create(computed_at=now, data=data)
        PublicSummary.objects.exclude(pk=summary.pk).delete()
    return summary
