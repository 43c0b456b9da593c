"""Reads of staff accounts, for the administrator's pages. Staff accounts hold no patient
data, so reading them leaves no audit entry; every change does (services.staff)."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django_otp.plugins.otp_totp.models import TOTPDevice


def staff_accounts() -> QuerySet[User]:
    """Every account with a staff role, with its profile, its locations and whether its
    two-step sign-in is set up (``has_mfa``), in three queries."""
    return (
        User.objects.filter(staff_profile__isnull=False)
        .select_related("staff_profile")
        .prefetch_related("staff_profile__locations")
        .annotate(has_mfa=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)))
        .order_by("-is_active", "last_name", "first_name", "username")
    )


def staff_account_get(user_id: int) -> User:
    account = staff_accounts().filter(pk=user_id).first()
    if account is None:
        raise Http404
    return account
