"""Writes of the accounts app: sign-in steps, two-step enrolment, sign-out."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth import login, logout
from django.contrib.auth.models import User
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.http import HttpRequest
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from mildpath.accounts.middleware import LAST_ACTIVITY, SIGNED_IN_AT
from mildpath.audit.services import record
from mildpath.core import clock

RECOVERY_CODE_COUNT = 10
BACKEND = "django.contrib.auth.backends.ModelBackend"


def _start_session(request: HttpRequest, user: User) -> None:
    login(request, user, backend=BACKEND)
    now = clock.now().timestamp()
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_ACTIVITY] = now


@transaction.atomic
def staff_sign_in(*, request: HttpRequest, user: User, device: Any | None) -> None:
    """Finish signing in (password checked; ``device`` is the verified second step, if any)."""
    _start_session(request, user)
    if device is not None:
        otp_login(request, device)
    record(
        action="sign_in",
        request=request,
        actor=user,
        detail={"second_step": device.__class__.__name__ if device is not None else "none"},
    )


@transaction.atomic
def staff_sign_in_failed(*, request: HttpRequest, username: str, step: str) -> None:
    """A wrong password or a wrong code. Both count toward the lockout."""
    if step == "code":
        # django-axes counts failures from this signal; a wrong password sends it
        # from authenticate() already.
        user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)
    record(
        action="sign_in_failed",
        request=request,
        actor_label=username[:150],
        detail={"step": step},
    )


@transaction.atomic
def staff_locked_out(*, request: HttpRequest, username: str) -> None:
    record(action="locked_out", request=request, actor_label=username[:150])


def totp_device_pending(*, user: User) -> TOTPDevice:
    """The not-yet-confirmed authenticator a user is enrolling (made on first visit)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


@transaction.atomic
def mfa_enrol(*, request: HttpRequest, user: User, device: TOTPDevice) -> list[str]:
    """Confirm the authenticator, issue fresh recovery codes, and mark the session verified.

    Returns the recovery codes: they are shown once and never again.
    """
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    codes = [secrets.token_hex(5) for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=static, token=code) for code in codes)
    otp_login(request, device)
    record(action="mfa_enrolled", request=request, actor=user)
    return codes


@transaction.atomic
def staff_sign_out(*, request: HttpRequest) -> None:
    record(action="sign_out", request=request, detail={"reason": "user"})
    logout(request)
