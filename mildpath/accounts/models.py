from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from mildpath.accounts.roles import Role
from mildpath.practice.models import Location, Practitioner

ROLE_CHOICES: list[tuple[str, str | Promise]] = [
    (Role.FRONT_DESK.value, _("Front desk")),
    (Role.CLINICIAN.value, _("Clinician")),
    (Role.MANAGER.value, _("Practice manager")),
    (Role.RESEARCHER.value, _("Researcher")),
    (Role.ADMINISTRATOR.value, _("Administrator")),
]


class StaffProfile(models.Model):
    """A staff member's role and the locations whose patients they see."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff_profile",
        verbose_name=_("user"),
    )
    role = models.CharField(
        _("role"),
        max_length=20,
        choices=ROLE_CHOICES,
    )
    locations = models.ManyToManyField(
        Location, blank=True, related_name="staff", verbose_name=_("locations")
    )
    all_locations = models.BooleanField(
        _("all locations"),
        default=False,
        help_text=_("Sees patients of every location, like a practice manager."),
    )
    # The practitioner this account is (a clinician's): their own visits are "my day".
    practitioner = models.OneToOneField(
        Practitioner,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="staff_profile",
        verbose_name=_("practitioner"),
        help_text=_("For a clinician: the doctor this account is, whose visits are their day."),
    )
    # Raised when an administrator deactivates the account or resets its sign-in: a
    # session remembers the value it started with and ends once they differ.
    session_generation = models.PositiveIntegerField(_("session generation"), default=0)

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=[role.value for role in Role]),
                name="staff_profile_role_is_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


def role_label(role: str) -> str | Promise:
    """A role's name as staff read it, translated when it is shown (lazily)."""
    return dict(ROLE_CHOICES).get(role, role)
