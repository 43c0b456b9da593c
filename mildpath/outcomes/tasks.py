"""The registry's background work, run by ``manage.py worker`` after its other rounds
(settings.MILDPATH_WORKER_ROUNDS): build one report or export that staff asked for, and
keep the public summary fresh. Long work never runs on a request: the page that asked
shows the job's progress, read from its row.
"""

from __future__ import annotations

import csv
import logging
import secrets
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import translation

from mildpath.core import clock
from mildpath.outcomes import services
from mildpath.outcomes.export import csv_to_parquet, export_csv
from mildpath.outcomes.models import RegistryJob
from mildpath.outcomes.queries import pdf_key, public_summary
from mildpath.outcomes.registry import Filters, registry_read
from mildpath.outcomes.report import report_build

log = logging.getLogger(__name__)

# The public block's measures, and the time points it may report, longest first: it
# shows the longest one that enough patients have reached.
PUBLIC_MEASURES = ("walking_feet", "standing_minutes", "nrs_leg", "odi")
PUBLIC_TIME_POINTS = ("month_24", "month_12", "month_6")


def _stored_name(job: RegistryJob, extension: str) -> str:
    # Not guessable from the job's id: the directory is private, this is one more wall.
    return f"{job.kind}-{job.pk}-{secrets.token_hex(8)}.{extension}"


def report_csv(result: dict[str, Any], path: Path) -> None:
    """The report's numbers as one table: a row per measure and follow-up time point."""
    header = [
        "measure",
        "time_point",
        "n",
        "baseline_mean",
        "baseline_sd",
        "follow_up_mean",
        "follow_up_sd",
        "follow_up_median",
        "follow_up_q1",
        "follow_up_q3",
        "change_mean",
        "change_sd",
        "change_ci_low",
        "change_ci_high",
        "paired_t_p",
        "wilcoxon_p",
        "responders_k",
        "responders_n",
        "responders_ci_low",
        "responders_ci_high",
        "capped_baseline",
        "capped_follow_up",
        "synthetic",
    ]
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        for measure in result["measures"]:
            for row in measure["rows"]:
                responders = row["responders"] or {}
                ci = row["change_ci"] or [None, None]
                responders_ci = responders.get("ci") or [None, None]
                writer.writerow(
                    [
                        measure["measure"],
                        row["time_point"],
                        row["n"],
                        row["baseline"]["mean"],
                        row["baseline"]["sd"],
                        row["follow_up"]["mean"],
                        row["follow_up"]["sd"],
                        row["follow_up"]["median"],
                        row["follow_up"]["q1"],
                        row["follow_up"]["q3"],
                        row["change"]["mean"],
                        row["change"]["sd"],
                        ci[0],
                        ci[1],
                        row["t_p"],
                        row["wilcoxon_p"],
                        responders.get("k"),
                        responders.get("n"),
                        responders_ci[0],
                        responders_ci[1],
                        row["censored_baseline"],
                        row["censored_follow_up"],
                        result["synthetic"],
                    ]
                )


def _report(job: RegistryJob, folder: Path, now: datetime) -> tuple[dict[str, Any], dict[str, str]]:
    def tell(percent: int, stage: str) -> None:
        services.registry_job_progress(
            job=job, percent=percent * 8 // 10, stage=stage, now=clock.now()
        )

    result = report_build(now=now, filters=Filters.from_dict(job.filters), progress=tell)
    # WeasyPrint and matplotlib take two seconds to load: not in every worker's start.
    from mildpath.outcomes.pdf import report_pdf

    files = {"csv": _stored_name(job, "csv")}
    report_csv(result, folder / files["csv"])
    services.registry_job_progress(job=job, percent=85, stage="writing the PDF", now=clock.now())
    # Built outside any request: a PDF in each of the site's languages, so that whoever
    # downloads it reads it in the language their pages are in (``queries.stored_file``).
    for language, _name in settings.LANGUAGES:
        name = files[pdf_key(language)] = _stored_name(job, "pdf")
        with translation.override(language):
            (folder / name).write_bytes(report_pdf(result, language=language))
    return result, files


def _export(job: RegistryJob, folder: Path, now: datetime) -> tuple[dict[str, Any], dict[str, str]]:
    def tell(percent: int, stage: str) -> None:
        services.registry_job_progress(job=job, percent=percent, stage=stage, now=clock.now())

    tell(5, "reading the registry")
    registry = registry_read(now=now, filters=Filters.from_dict(job.filters))
    files = {"csv": _stored_name(job, "csv")}
    rows = export_csv(registry, folder / files["csv"], progress=tell)
    if job.filters.get("format") == "parquet":
        tell(85, "writing the Parquet file")
        files["parquet"] = _stored_name(job, "parquet")
        csv_to_parquet(folder / files["csv"], folder / files["parquet"])
    return {"patients": len(registry.cohort), "rows": rows, "synthetic": registry.synthetic}, files


def registry_job_run(job: RegistryJob, *, now: datetime) -> None:
    """Build a claimed job; it ends done (with its files) or failed (with the reason)."""
    folder = Path(settings.MILDPATH_REGISTRY_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    build = _report if job.kind == RegistryJob.Kind.REPORT else _export
    try:
        result, files = build(job, folder, now)
    except Exception as exc:
        log.exception("registry job %s failed", job.pk)
        services.registry_job_fail(job=job, error=f"{type(exc).__name__}: {exc}", now=clock.now())
        return
    services.registry_job_finish(job=job, result=result, files=files, now=clock.now())


def public_numbers(result: dict[str, Any], *, minimum: int) -> dict[str, Any]:
    """What the public block may show: per measure, the longest time point that at
    least ``minimum`` patients have reached, with n and the 95% CI of the change."""
    shown = []
    for measure in result["measures"]:
        if measure["measure"] not in PUBLIC_MEASURES:
            continue
        rows = {row["time_point"]: row for row in measure["rows"]}
        for code in PUBLIC_TIME_POINTS:
            row = rows.get(code)
            if row is None or row["n"] < minimum or row["change_ci"] is None:
                continue
            shown.append(
                {
                    "measure": measure["measure"],
                    "time_point": code,
                    "n": row["n"],
                    "before": row["baseline"]["mean"],
                    "after": row["follow_up"]["mean"],
                    "change": row["change"]["mean"],
                    "ci": row["change_ci"],
                    "capped": row["censored_follow_up"],
                }
            )
            break
    order = {code: i for i, code in enumerate(PUBLIC_MEASURES)}
    shown.sort(key=lambda item: order[item["measure"]])
    return {
        "minimum": minimum,
        "patients": result["patients"],
        "synthetic": result["synthetic"],
        "measures": shown,
    }


def public_summary_refresh(*, now: datetime, force: bool = False) -> bool:
    """Compute the public block's numbers again when they are older than the refresh
    interval; True when they were."""
    latest = public_summary()
    fresh = timedelta(seconds=settings.MILDPATH_PUBLIC_RESULTS_REFRESH)
    if not force and latest is not None and now - latest.computed_at < fresh:
        return False
    result = report_build(now=now)
    data = public_numbers(result, minimum=settings.MILDPATH_PUBLIC_RESULTS_MIN_N)
    services.public_summary_save(data=data, now=now)
    return True


def outcomes_round(*, now: datetime) -> dict[str, int]:
    """One round: at most one job (a round stays short for the outbox's sake), then
    the public summary when it is due."""
    outcomes: dict[str, int] = {}
    job = services.registry_job_claim(now=now)
    if job is not None:
        registry_job_run(job, now=now)
        outcomes["registry jobs"] = 1
    # Housekeeping, like the heartbeat: not counted among the round's outcomes.
    public_summary_refresh(now=now)
    return outcomes
