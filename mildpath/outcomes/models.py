"""The registry's own rows: the reports and exports staff asked for (run by the worker,
with their progress and files), the public summary the site shows, and the marker of a
synthetic registry. The registry's data itself is the clinical record and the
questionnaire answers, read in bulk (``registry.py``); nothing is copied here."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RegistryJob(models.Model):
    """A report or a de-identified export over the registry, asked for on a page and
    built by the worker (``tasks.registry_jobs_run``): the page shows its progress and,
    when it is done, its result and downloads. The row is the queue, like the outbox."""

    class Kind(models.TextChoices):
        REPORT = "report", _("Outcomes report")
        EXPORT = "export", _("De-identified export")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Being built")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    filters = models.JSONField(_("filters"), default=dict)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    stage = models.CharField(_("stage"), max_length=80, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("asked for"))
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    # A running job whose worker stops beating is claimed again (a killed worker).
    beat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # The report's numbers, for the page to draw (reports only).
    result = models.JSONField(_("result"), default=dict)
    # What can be downloaded: {"csv": "<stored name>", "pdf-en": ..., "pdf-es": ..., "parquet": ...}
    # (a report has a PDF in each language of the site; one built before had "pdf").
    files = models.JSONField(_("files"), default=dict)
    error = models.CharField(_("error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("registry report or export")
        verbose_name_plural = _("registry reports and exports")
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["status", "requested_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="registry_job_progress_in_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.id} ({self.status})"


class PublicSummary(models.Model):
    """What the public site's "our patients' results" block shows, computed by the
    worker from the registry (``tasks.public_summary_refresh``) so that a public page
    never waits on the registry. The newest row is the one shown."""

    computed_at = models.DateTimeField(_("computed"))
    data = models.JSONField(_("numbers"))

    class Meta:
        verbose_name = _("public results summary")
        verbose_name_plural = _("public results summaries")
        ordering = ["-computed_at", "-id"]

    def __str__(self) -> str:
        return f"public summary {self.computed_at:%Y-%m-%d %H:%M}"


class SyntheticCohort(models.Model):
    """Patients made up by ``manage.py demo_registry``: while any exist, every page,
    report and export that shows registry numbers says they are synthetic."""

    seed = models.BigIntegerField(_("seed"))
    patients = models.PositiveIntegerField(_("patients"))
    first_patient_id = models.BigIntegerField()
    last_patient_id = models.BigIntegerField()
    loaded_at = models.DateTimeField(_("loaded"))

    class Meta:
        verbose_name = _("synthetic cohort")
        verbose_name_plural = _("synthetic cohorts")

    def __str__(self) -> str:
        return f"synthetic cohort of {self.patients} (seed {self.seed})"
