"""Scheduling. For now: consultation requests, the call-me-back path.

A request stays useful once online booking exists: some patients would rather be
called, and the front desk works the list of open requests.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from mildpath.core.phone import format_phone
from mildpath.practice.models import Location


class ConsultationRequest(models.Model):
    class BestTime(models.TextChoices):
        MORNING = "morning", _("Morning (8 am to noon)")
        AFTERNOON = "afternoon", _("Afternoon (noon to 5 pm)")
        ANY = "any", _("Any time")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        CONTACTED = "contacted", _("Contacted")
        BOOKED = "booked", _("Booked")
        CLOSED = "closed", _("Closed")

    name = models.CharField(_("name"), max_length=120)
    phone = models.CharField(_("phone"), max_length=20)
    preferred_location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consultation_requests",
        verbose_name=_("preferred location"),
        help_text=_("Empty: any location."),
    )
    best_time = models.CharField(_("best time to call"), max_length=10, choices=BestTime.choices)
    consent_to_contact = models.BooleanField(_("agreed to be contacted"))
    language = models.CharField(_("language"), max_length=5, default="en")
    created_at = models.DateTimeField(_("received"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.NEW
    )
    staff_notes = models.TextField(_("staff notes"), blank=True)

    class Meta:
        verbose_name = _("consultation request")
        verbose_name_plural = _("consultation requests")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(consent_to_contact=True),
                name="consultation_request_requires_consent",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.created_at:%Y-%m-%d})"

    @property
    def phone_display(self) -> str:
        return format_phone(self.phone)
