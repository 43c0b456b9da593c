from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mildpath.accounts.roles import Role
from mildpath.practice.models import Location


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
        choices=[
            (Role.FRONT_DESK.value, _("Front desk")),
            (Role.CLINICIAN.value, _("Clinician")),
            (Role.MANAGER.value, _("Practice manager")),
            (Role.RESEARCHER.value, _("Researcher")),
            (Role.ADMINISTRATOR.value, _("Administrator")),
        ],
    )
    locations = models.ManyToManyField(
        Location, blank=True, related_name="staff", verbose_name=_("locations")
    )
    all_locations = models.BooleanField(
        _("all locations"),
        default=False,
        help_text=_("Sees patients of every location, like a practice manager."),
    )

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
