from __future__ import annotations

from django.contrib.admin import AdminSite
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from mildpath.accounts.access import needs_second_step, role_of
from mildpath.accounts.roles import Capability, can


class StaffAdminSite(AdminSite):
    site_header = _("mildpath system settings")
    site_title = _("mildpath settings")

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
        next_url = request.GET.get("next") or reverse("admin:index", current_app=self.name)
        if self.has_permission(request):
            return redirect(next_url)
        return redirect_to_login(next_url, "accounts:sign_in")
