"""The system settings (Django's admin), for administrators who passed two-step sign-in.

It keeps only what has no page of its own. Staff accounts are managed on audited pages
(/staff/accounts/), and second-factor secrets are never shown to anyone after enrolment,
so users, groups, staff profiles and OTP devices are never registered here, whichever
app asks. Every change made here is written to the audit trail (Django's own
``django_admin_log`` is neither append-only nor in the audit pages).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.admin import AdminSite, ModelAdmin
from django.contrib.auth.views import redirect_to_login
from django.db import models, transaction
from django.db.models.base import ModelBase
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from mildpath.accounts.access import needs_second_step, role_of
from mildpath.accounts.roles import Capability, can
from mildpath.audit.actor import Actor
from mildpath.audit.services import record
from mildpath.core import clock

KEPT_OUT = frozenset(
    {
        "auth.User",  # passwords and permissions: /staff/accounts/ instead
        "auth.Group",  # access follows roles (accounts/roles.py), not Django's groups
        "accounts.StaffProfile",
        "otp_totp.TOTPDevice",  # the authenticator's secret key
        "otp_static.StaticDevice",  # recovery codes
        "otp_static.StaticToken",
    }
)


def _record(action: str, request: HttpRequest, obj: models.Model, change: object) -> None:
    record(
        action=action,
        actor=Actor.of(request),
        now=clock.now(),
        obj=obj,
        detail={"object": str(obj)[:200], "change": change},
    )


class AuditedModelAdmin(ModelAdmin[Any]):
    """Writes one audit entry for each object added, changed or deleted, in the same
    transaction as the change. StaffAdminSite puts it under every registered admin."""

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        _record("admin.add", request, obj, message)
        return super().log_addition(request, obj, message)

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        _record("admin.change", request, obj, message)
        return super().log_change(request, obj, message)

    def log_deletions(self, request: HttpRequest, queryset: Any) -> Any:
        for obj in queryset:
            _record("admin.delete", request, obj, [{"deleted": {}}])
        return super().log_deletions(request, queryset)

    def response_action(self, request: HttpRequest, queryset: Any) -> HttpResponse | None:
        # "Delete selected" logs, then deletes, outside a transaction of its own: make
        # the audit entries and the deletion one unit.
        with transaction.atomic():
            return super().response_action(request, queryset)


class StaffAdminSite(AdminSite):
    site_header = _("mildpath system settings")
    site_title = _("mildpath settings")

    def register(
        self,
        model_or_iterable: type[models.Model] | Iterable[type[models.Model]],
        admin_class: type[ModelAdmin[Any]] | None = None,
        **options: Any,
    ) -> None:
        chosen = (
            [model_or_iterable]
            if isinstance(model_or_iterable, ModelBase)
            else list(model_or_iterable)
        )
        kept = [model for model in chosen if model._meta.label not in KEPT_OUT]
        if not kept:
            return
        base = admin_class or ModelAdmin
        audited = (
            base
            if issubclass(base, AuditedModelAdmin)
            else type(base.__name__, (AuditedModelAdmin, base), {"__module__": base.__module__})
        )
        super().register(kept, audited, **options)

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(
            user.is_active
            and user.is_staff
            and can(role_of(user), Capability.SYSTEM_SETTINGS)
            and not needs_second_step(request)
        )

    def login(self, request: HttpRequest, extra_context: object = None) -> HttpResponse:
        # One sign-in for everyone, with two-step verification and lockout.
        next_url = request.GET.get("next", "")
        # Only a path on this site: a sign-in must never send anyone elsewhere.
        if not url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            next_url = reverse("admin:index", current_app=self.name)
        if self.has_permission(request):
            return redirect(next_url)
        return redirect_to_login(next_url, "accounts:sign_in")

    def password_change(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> TemplateResponse:
        """An administrator changing their own password (it asks for the current one)."""
        response = super().password_change(request, extra_context)
        if request.method == "POST" and response.status_code == 302:
            record(
                action="staff.password_set",
                actor=Actor.of(request),
                now=clock.now(),
                obj=request.user,  # type: ignore[arg-type]
                detail={"username": request.user.get_username(), "where": "admin"},
            )
        return response
