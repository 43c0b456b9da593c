"""The administrator's changes to staff accounts: create one, change its role or
locations, deactivate or reactivate it, reset its password or its two-step sign-in.

Each change carries the administrator's reason (``actor.reason``), writes one audit
entry and emails the account's owner (``notices``), all in one transaction. A change
that takes access away (deactivation, either reset) also ends the owner's sessions.

Nothing here lets an administrator set or learn a password: a new account and a reset
get an unusable password and a one-time link, sent to the owner, to choose their own
(``staff_password_set``, which only the link's holder reaches).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from mildpath.accounts.models import StaffProfile, role_label
from mildpath.accounts.notices import notify_owner, set_password_url
from mildpath.accounts.roles import Role
from mildpath.audit.actor import Actor
from mildpath.audit.services import record
from mildpath.practice.models import Location, Practitioner


class StaffChangeRefused(Exception):
    """A change the rules forbid; ``str(error)`` says why, for the person who asked."""


def _record_and_notify(
    *,
    action: str,
    kind: str,
    actor: Actor,
    user: User,
    now: datetime,
    detail: dict[str, Any] | None = None,
    notice: dict[str, Any] | None = None,
) -> bool:
    """The audit entry and the owner's email that every change ends with. The email goes
    last: if the mail server refuses it, the whole change rolls back. What only the owner
    may read (a set-password link) goes in ``notice``, never in the audit trail, whose
    readers must not hold it."""
    detail = detail or {}
    record(
        action=action,
        actor=actor,
        now=now,
        obj=user,
        detail={"username": user.get_username(), "email_sent": bool(user.email), **detail},
    )
    return notify_owner(user=user, kind=kind, actor=actor, now=now, **(notice or {}))


def _end_sessions(user: User) -> None:
    """Every session the user has open ends at its next request (SessionPolicyMiddleware)."""
    StaffProfile.objects.filter(user=user).update(session_generation=F("session_generation") + 1)


def _location_slugs(locations: Iterable[Location]) -> list[str]:
    return sorted(location.slug for location in locations)


def _sync_admin_flags(user: User, role: str) -> None:
    # Django's admin asks for is_staff and the model permissions; the administrator role
    # holds all of them, and no other role any. StaffAdminSite checks the role as well.
    user.is_staff = user.is_superuser = role == Role.ADMINISTRATOR


# What an administrator may not do to their own account, and why.
OWN_ACCOUNT_REFUSALS = {
    "role": _(
        "You cannot change your own role: ask another administrator, so that no one can "
        "give themselves access alone."
    ),
    "deactivate": _(
        "You cannot deactivate your own account: the practice would be left without an "
        "administrator you know of. Ask another administrator."
    ),
}


# Where a reset password's link would go: there is no other way to a new password.
NO_EMAIL_REFUSAL = _(
    "This account has no email address, so a link to choose a new password cannot reach "
    "its owner. Create a new account for them with their email address, and deactivate "
    "this one."
)


def _refuse_own_account(actor: Actor, user: User, kind: str) -> None:
    if actor.user is not None and actor.user.pk == user.pk:
        raise StaffChangeRefused(str(OWN_ACCOUNT_REFUSALS[kind]))


@transaction.atomic
def staff_create(
    *,
    actor: Actor,
    username: str,
    first_name: str,
    last_name: str,
    email: str,
    role: str,
    locations: Iterable[Location],
    all_locations: bool,
    now: datetime,
    practitioner: Practitioner | None = None,
) -> User:
    """A new staff account, with no password yet: its owner gets a link to choose one.
    ``practitioner``: the doctor a clinician's account is (their day on the home page)."""
    locations = list(locations)
    user = User(username=username, first_name=first_name, last_name=last_name, email=email)
    user.set_unusable_password()
    _sync_admin_flags(user, role)
    user.save()
    profile = StaffProfile.objects.create(
        user=user, role=role, all_locations=all_locations, practitioner=practitioner
    )
    profile.locations.set(locations)
    _record_and_notify(
        action="staff.create",
        kind="create",
        actor=actor,
        user=user,
        now=now,
        detail={
            "role": role,
            "locations": _location_slugs(locations),
            "all_locations": all_locations,
            "practitioner": practitioner.slug if practitioner else None,
        },
        notice={"link": set_password_url(user)},
    )
    return user


def _profile_for_update(user: User) -> StaffProfile:
    return StaffProfile.objects.select_for_update().get(user=user)


@transaction.atomic
def staff_role_change(*, actor: Actor, user: User, role: str, now: datetime) -> None:
    _refuse_own_account(actor, user, "role")
    profile = _profile_for_update(user)
    previous = profile.role
    if previous == role:
        raise StaffChangeRefused(str(_("That is already their role.")))
    profile.role = role
    profile.save(update_fields=["role"])
    _sync_admin_flags(user, role)
    user.save(update_fields=["is_staff", "is_superuser"])
    _record_and_notify(
        action="staff.role",
        kind="role",
        actor=actor,
        user=user,
        now=now,
        detail={"previous": previous, "role": role},
        notice={"previous_role": role_label(previous), "role": role_label(role)},
    )


@transaction.atomic
def staff_locations_change(
    *,
    actor: Actor,
    user: User,
    locations: Iterable[Location],
    all_locations: bool,
    now: datetime,
) -> None:
    profile = _profile_for_update(user)
    locations = list(locations)
    before = (_location_slugs(profile.locations.all()), profile.all_locations)
    after = (_location_slugs(locations), all_locations)
    if before == after:
        raise StaffChangeRefused(str(_("Those are already their locations.")))
    profile.all_locations = all_locations
    profile.save(update_fields=["all_locations"])
    profile.locations.set(locations)
    _record_and_notify(
        action="staff.locations",
        kind="locations",
        actor=actor,
        user=user,
        now=now,
        detail={
            "previous": {"locations": before[0], "all_locations": before[1]},
            "locations": after[0],
            "all_locations": all_locations,
        },
        notice={
            "all_locations": all_locations,
            "location_names": ", ".join(sorted(location.name for location in locations)),
        },
    )


@transaction.atomic
def staff_deactivate(*, actor: Actor, user: User, now: datetime) -> None:
    """The account can no longer sign in, and its open sessions end."""
    _refuse_own_account(actor, user, "deactivate")
    user = User.objects.select_for_update().get(pk=user.pk)  # two administrators at once
    if not user.is_active:
        raise StaffChangeRefused(str(_("This account is already deactivated.")))
    user.is_active = False
    user.save(update_fields=["is_active"])
    _end_sessions(user)
    _record_and_notify(
        action="staff.deactivate", kind="deactivate", actor=actor, user=user, now=now
    )


@transaction.atomic
def staff_reactivate(*, actor: Actor, user: User, now: datetime) -> None:
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active:
        raise StaffChangeRefused(str(_("This account is already active.")))
    user.is_active = True
    user.save(update_fields=["is_active"])
    _record_and_notify(
        action="staff.reactivate", kind="reactivate", actor=actor, user=user, now=now
    )


@transaction.atomic
def staff_password_reset(*, actor: Actor, user: User, now: datetime) -> None:
    """The password stops working at once and every session ends; the owner gets a link
    to choose a new one. The administrator never sees a password."""
    if not user.email:
        raise StaffChangeRefused(str(NO_EMAIL_REFUSAL))
    user.set_unusable_password()
    user.save(update_fields=["password"])
    _end_sessions(user)
    _record_and_notify(
        action="staff.reset_password",
        kind="reset_password",
        actor=actor,
        user=user,
        now=now,
        notice={"link": set_password_url(user)},
    )


@transaction.atomic
def staff_mfa_reset(*, actor: Actor, user: User, now: datetime) -> None:
    """The authenticator app and the recovery codes stop working and every session ends;
    the owner sets up two-step sign-in again when they next sign in."""
    removed = TOTPDevice.objects.filter(user=user).count()
    removed += StaticDevice.objects.filter(user=user).count()
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()  # and its codes, with it
    _end_sessions(user)
    _record_and_notify(
        action="staff.reset_mfa",
        kind="reset_mfa",
        actor=actor,
        user=user,
        now=now,
        detail={"devices_removed": removed},
    )


@transaction.atomic
def staff_password_set(*, actor: Actor, user: User, password: str, now: datetime) -> None:
    """The owner chose a password through their one-time link (``actor`` is theirs)."""
    user.set_password(password)
    user.save(update_fields=["password"])
    _record_and_notify(
        action="staff.password_set",
        kind="password_set",
        actor=actor.with_user(user),
        user=user,
        now=now,
    )
