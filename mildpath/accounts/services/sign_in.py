"""Writes of the accounts app: what signing in, enrolling and signing out leave behind.

The session itself (``login``, ``logout``, the verified second step) belongs to the
request and is the view's to change; these record what happened and change the
stored devices.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from mildpath.audit.actor import Actor
from mildpath.audit.services import record

RECOVERY_CODE_COUNT = 10


@transaction.atomic
def staff_sign_in(*, actor: Actor, second_step: str, now: datetime) -> None:
    """A staff member finished signing in (``second_step``: the device class, or "none")."""
    record(action="staff.sign_in", actor=actor, now=now, detail={"second_step": second_step})


@transaction.atomic
def staff_sign_in_failed(*, actor: Actor, username: str, step: str, now: datetime) -> None:
    """A wrong password or a wrong code (both count toward the lockout)."""
    record(
        action="staff.sign_in_failed",
        actor=Actor(label=username[:150], client_ip=actor.client_ip, user_agent=actor.user_agent),
        now=now,
        detail={"step": step},
    )


@transaction.atomic
def staff_locked_out(*, actor: Actor, username: str, now: datetime) -> None:
    record(
        action="staff.locked_out",
        actor=Actor(label=username[:150], client_ip=actor.client_ip, user_agent=actor.user_agent),
        now=now,
    )


def totp_device_pending(*, user: User) -> TOTPDevice:
    """The not-yet-confirmed authenticator a user is enrolling (made on first visit)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


@transaction.atomic
def mfa_enrol(*, actor: Actor, device: TOTPDevice, now: datetime) -> list[str]:
    """Confirm the authenticator and issue fresh recovery codes.

    Returns the recovery codes: they are shown once and never again.
    """
    user = device.user
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    codes = [secrets.token_hex(5) for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=static, token=code) for code in codes)
    record(action="staff.mfa_enrol", actor=actor, now=now)
    return codes


@transaction.atomic
def staff_sign_out(*, actor: Actor, reason: str, now: datetime) -> None:
    """Signed out by the user, or by the session policy (``reason``: idle, absolute)."""
    record(action="staff.sign_out", actor=actor, now=now, detail={"reason": reason})
