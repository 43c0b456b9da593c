"""The follow-up plan and the answers: what each patient is asked, when, and what they
said. The instruments themselves are versioned data (``instruments/``); a response
keeps the version it was answered in, with its scores as computed then, so a new
version of an instrument never changes what is stored."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mildpath.patients.models import Patient
from mildpath.practice.models import Location


class TimePoint(models.Model):
    """One time point of a patient's follow-up plan (baseline, 1 week, ... 24 months):
    its target day and the window in which answers count for it, in the location's
    time zone (``plan.plan_time_points``)."""

    class Anchor(models.TextChoices):
        BASELINE = "baseline", _("the first consultation")
        PROCEDURE = "procedure", _("the procedure")

    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="time_points", verbose_name=_("patient")
    )
    # Whose time zone the window is in, and whose front desk chases it.
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="+", verbose_name=_("location")
    )
    code = models.CharField(_("time point"), max_length=20)
    anchor = models.CharField(_("counted from"), max_length=10, choices=Anchor.choices)
    anchor_date = models.DateField(_("counted from the day"))
    target = models.DateField(_("due"))
    opens_at = models.DateTimeField(_("window opens"))
    closes_at = models.DateTimeField(_("window closes"))
    # The intake set is due before the consultation: its start, when there is one.
    due_at = models.DateTimeField(_("due by"), null=True, blank=True)
    created_at = models.DateTimeField(_("planned"))
    invited_at = models.DateTimeField(_("invited"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    # Set when the plan was counted again from a procedure: the time point no longer
    # applies (answers already given stay, and still belong to it).
    superseded_at = models.DateTimeField(_("replaced"), null=True, blank=True)

    class Meta:
        verbose_name = _("time point")
        verbose_name_plural = _("time points")
        ordering = ["patient", "target", "id"]
        indexes = [
            models.Index(fields=["opens_at", "closes_at"]),
            models.Index(fields=["location", "target"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "code"],
                condition=models.Q(superseded_at__isnull=True),
                name="time_point_once_per_plan",
            ),
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")),
                name="time_point_window_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.target:%Y-%m-%d} ({self.patient_id})"

    def state(self, now: datetime) -> str:
        """complete, upcoming, open, overdue (open and past due), missed or replaced."""
        if self.completed_at is not None:
            return "complete"
        if self.superseded_at is not None:
            return "replaced"
        if now < self.opens_at:
            return "upcoming"
        if now >= self.closes_at:
            return "missed"
        return "overdue" if self.due_at is not None and now >= self.due_at else "open"


class Response(models.Model):
    """A patient's answers to one instrument at one time point: stored as they go (in
    progress), scored once, when complete. One per instrument and time point, so a
    second submission of the same form (a double tap, the back button) cannot store
    a second response."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("Started")
        COMPLETE = "complete", _("Complete")

    class Mode(models.TextChoices):
        LINK = "link", _("By the patient, through a link")
        TABLET = "tablet", _("By the patient, on the clinic tablet")
        PAPER = "paper", _("From a paper form, entered by staff")

    time_point = models.ForeignKey(
        TimePoint, on_delete=models.PROTECT, related_name="responses", verbose_name=_("time point")
    )
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="+", verbose_name=_("patient")
    )
    instrument = models.CharField(_("questionnaire"), max_length=20)
    version = models.CharField(_("version"), max_length=20)
    answers = models.JSONField(_("answers"), default=dict)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.IN_PROGRESS
    )
    scores = models.JSONField(_("scores"), default=dict)
    mode = models.CharField(_("answered"), max_length=10, choices=Mode.choices)
    language = models.CharField(_("language"), max_length=2)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
    )
    started_at = models.DateTimeField(_("started"))
    updated_at = models.DateTimeField(_("last saved"))
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    class Meta:
        verbose_name = _("questionnaire response")
        verbose_name_plural = _("questionnaire responses")
        ordering = ["time_point", "instrument"]
        indexes = [
            models.Index(fields=["patient", "instrument", "status"]),
            # The outcomes registry reads one questionnaire's complete answers at a time.
            models.Index(fields=["instrument", "status"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["time_point", "instrument"], name="response_once_per_time_point"
            ),
            models.CheckConstraint(
                condition=models.Q(status="in_progress", completed_at__isnull=True)
                | models.Q(status="complete", completed_at__isnull=False),
                name="response_completed_when_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} {self.version} ({self.status})"


class InstrumentText(models.Model):
    """The practice's licensed wording of an instrument in one language, loaded by
    ``manage.py load_instrument_text``; without it patients see the placeholder that
    ships with mildpath. Wording only: items, options and scoring never change."""

    instrument = models.CharField(_("questionnaire"), max_length=20)
    version = models.CharField(_("version"), max_length=20)
    language = models.CharField(_("language"), max_length=2)
    text = models.JSONField(_("wording"))
    loaded_at = models.DateTimeField(_("loaded"))

    class Meta:
        verbose_name = _("licensed wording")
        verbose_name_plural = _("licensed wordings")
        constraints = [
            models.UniqueConstraint(
                fields=["instrument", "version", "language"], name="instrument_text_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} {self.version} {self.language}"
