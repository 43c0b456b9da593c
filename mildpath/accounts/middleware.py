"""Session policy: an idle timeout and an absolute timeout for signed-in staff, and the
end of every session of an account an administrator deactivated or reset.

HIPAA lists automatic logoff as an addressable safeguard. The times come from
settings (MILDPATH_IDLE_TIMEOUT, MILDPATH_ABSOLUTE_TIMEOUT); the staff pages warn
before the idle timeout ends and offer to stay signed in (WCAG 2.2.1).

Django itself ends the sessions of a user whose password changed (the session keeps a
hash of it) or who was deactivated (the backend refuses inactive users); a reset of the
two-step sign-in changes neither, so each session also keeps the account's
``session_generation`` from when it started, and ends once the account's has moved on.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from mildpath.accounts.services import staff_sign_out
from mildpath.audit.actor import Actor
from mildpath.core import clock

LAST_ACTIVITY = "mildpath_last_activity"
SIGNED_IN_AT = "mildpath_signed_in_at"
SESSION_GENERATION = "mildpath_session_generation"


def _generation(user: object) -> int:
    profile = getattr(user, "staff_profile", None)
    return profile.session_generation if profile is not None else 0


class SessionPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = clock.now().timestamp()
            last = request.session.get(LAST_ACTIVITY, now)
            started = request.session.setdefault(SIGNED_IN_AT, now)
            reason = ""
            if request.session.get(SESSION_GENERATION, 0) != _generation(request.user):
                reason = "reset"
            elif now - last > settings.MILDPATH_IDLE_TIMEOUT:
                reason = "idle"
            elif now - started > settings.MILDPATH_ABSOLUTE_TIMEOUT:
                reason = "absolute"
            if reason:
                staff_sign_out(actor=Actor.of(request), reason=reason, now=clock.now())
                logout(request)
                return redirect(f"{reverse('accounts:sign_in')}?ended={reason}")
            request.session[LAST_ACTIVITY] = now
        return self.get_response(request)
