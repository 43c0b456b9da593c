from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mildpath.core.phone import format_phone
from mildpath.practice.models import Location


class Patient(models.Model):
    class Language(models.TextChoices):
        ENGLISH = "en", _("English")
        SPANISH = "es", _("Spanish")

    given_name = models.CharField(_("given name"), max_length=80)
    family_name = models.CharField(_("family name"), max_length=80)
    date_of_birth = models.DateField(_("date of birth"))
    phone = models.CharField(_("phone"), max_length=20)
    email = models.EmailField(_("email"), blank=True)
    # Where the patient lives, as far as the registry needs it: the de-identified export
    # keeps only its first three digits (HIPAA Safe Harbor).
    postal_code = models.CharField(_("ZIP code"), max_length=10, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=2, choices=Language.choices, default=Language.ENGLISH
    )
    locations = models.ManyToManyField(Location, related_name="patients", verbose_name=_("seen at"))
    created_at = models.DateTimeField(_("added"))
    # Set when the front desk confirmed this record (made by an online booking) is a
    # person the practice already knew: their visits and links moved to that record.
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("merged into"),
    )

    class Meta:
        verbose_name = _("patient")
        verbose_name_plural = _("patients")
        ordering = ["family_name", "given_name", "id"]
        # Booking finds a returning patient by phone and date of birth.
        indexes = [models.Index(fields=["phone", "date_of_birth"])]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def phone_display(self) -> str:
        return format_phone(self.phone)


class PatientLink(models.Model):
    """A signed, expiring, single-purpose link that lets a patient act without a password.

    The URL carries a signed reference to this row; the row is what makes the link
    revocable and single-use, and what staff see.
    """

    class Purpose(models.TextChoices):
        MANAGE_APPOINTMENT = "appointment", _("Manage an appointment")
        QUESTIONNAIRE = "questionnaire", _("Fill in a questionnaire")
        PROGRESS = "progress", _("See my progress")
        EARLIER_TIME = "offer", _("Take an earlier time")

    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="links", verbose_name=_("patient")
    )
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    single_use = models.BooleanField(_("single use"), default=False)
    # What the link is about, by purpose: the appointment to manage, for instance.
    target_id = models.BigIntegerField(_("about"), null=True, blank=True)
    created_at = models.DateTimeField(_("issued"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
    )
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )

    class Meta:
        verbose_name = _("patient link")
        verbose_name_plural = _("patient links")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="patient_link_expires_after_issue",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} ({self.patient_id})"

    def state(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.single_use and self.used_at is not None:
            return "used"
        if now >= self.expires_at:
            return "expired"
        return "active"


class BreakGlassGrant(models.Model):
    """Emergency access to one patient outside the staff member's locations."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("user")
    )
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="+", verbose_name=_("patient")
    )
    reason = models.CharField(_("reason"), max_length=300)
    granted_at = models.DateTimeField(_("granted"))
    expires_at = models.DateTimeField(_("expires"))

    class Meta:
        verbose_name = _("emergency access grant")
        verbose_name_plural = _("emergency access grants")
        indexes = [models.Index(fields=["user", "patient", "expires_at"])]

    def __str__(self) -> str:
        return f"{self.user} -> {self.patient_id} until {self.expires_at:%Y-%m-%d %H:%M}"


class PatientMatch(models.Model):
    """An online booking whose details match a patient the practice already knows.

    Online bookings never attach to an existing record by themselves: whoever books
    could be anyone who knows a name, a birth date and a phone number, and attaching
    would both confirm that the person is a patient and show their record to another
    location's front desk. The booking gets a record of its own, and the front desk of
    its location decides whether it is the same person.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("To check")
        SAME_PERSON = "same", _("Same person: records joined")
        DIFFERENT = "different", _("Different people")

    new_patient = models.OneToOneField(
        Patient, on_delete=models.PROTECT, related_name="match", verbose_name=_("new record")
    )
    existing_patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="+", verbose_name=_("existing record")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("found"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )

    class Meta:
        verbose_name = _("possible same patient")
        verbose_name_plural = _("possible same patients")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.new_patient_id} ~ {self.existing_patient_id} ({self.status})"
