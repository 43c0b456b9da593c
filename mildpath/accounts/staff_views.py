"""The administrator's staff account pages (/staff/accounts/), and the page where an
account's owner chooses a password through the one-time link emailed to them.

Every change asks for a reason, and for a ticked box where it takes access away; the
services write the audit entry and the owner's email. No page an administrator can open
shows or takes a password.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.models import User
from django.contrib.auth.tokens import default_token_generator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.encoding import force_str
from django.utils.functional import Promise
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from mildpath.accounts import queries
from mildpath.accounts.access import staff_required
from mildpath.accounts.forms import (
    ConfirmForm,
    LocationsForm,
    OwnPasswordForm,
    ReasonForm,
    RoleForm,
    StaffCreateForm,
)
from mildpath.accounts.roles import Capability
from mildpath.accounts.services import staff as services
from mildpath.audit.actor import Actor
from mildpath.core import clock

GET_POST = ["GET", "HEAD", "POST"]


@dataclass(frozen=True)
class Change:
    """The words of one change's page."""

    title: Promise
    intro: Promise
    button: Promise
    done: Promise


CHANGES = {
    "role": Change(
        title=gettext_lazy("Change role"),
        intro=gettext_lazy(
            "The role decides which pages the person can open. It takes effect on their next page."
        ),
        button=gettext_lazy("Change role"),
        done=gettext_lazy("Role changed."),
    ),
    "locations": Change(
        title=gettext_lazy("Change locations"),
        intro=gettext_lazy(
            "The front desk and clinicians see the patients of their locations only. The "
            "change takes effect on their next page."
        ),
        button=gettext_lazy("Change locations"),
        done=gettext_lazy("Locations changed."),
    ),
    "deactivate": Change(
        title=gettext_lazy("Deactivate account"),
        intro=gettext_lazy(
            "The person can no longer sign in, and any session they have open ends at once. "
            "Their entries in the audit trail stay. You can reactivate the account later."
        ),
        button=gettext_lazy("Deactivate account"),
        done=gettext_lazy("Account deactivated. Its sessions have ended."),
    ),
    "reactivate": Change(
        title=gettext_lazy("Reactivate account"),
        intro=gettext_lazy(
            "The person can sign in again with their password and two-step sign-in."
        ),
        button=gettext_lazy("Reactivate account"),
        done=gettext_lazy("Account reactivated."),
    ),
    "reset_password": Change(
        title=gettext_lazy("Reset password"),
        intro=gettext_lazy(
            "Their password stops working at once and any session they have open ends. They "
            "get an email with a one-time link to choose a new password. Nobody else, you "
            "included, learns it."
        ),
        button=gettext_lazy("Reset password"),
        done=gettext_lazy("Password reset. The owner has been sent a link to choose a new one."),
    ),
    "reset_mfa": Change(
        title=gettext_lazy("Reset two-step sign-in"),
        intro=gettext_lazy(
            "Their authenticator app and recovery codes stop working at once and any "
            "session they have open ends. When they next sign in with their password, they "
            "set up two-step sign-in again. Use this when someone has lost their phone."
        ),
        button=gettext_lazy("Reset two-step sign-in"),
        done=gettext_lazy("Two-step sign-in reset. Its sessions have ended."),
    ),
}


@staff_required(Capability.STAFF_ACCOUNTS)
@require_http_methods(["GET", "HEAD"])
def staff_list(request: HttpRequest) -> HttpResponse:
    return render(request, "staff/accounts/list.html", {"accounts": queries.staff_accounts()})


@staff_required(Capability.STAFF_ACCOUNTS)
@require_http_methods(GET_POST)
def staff_create(request: HttpRequest) -> HttpResponse:
    form = StaffCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            account = services.staff_create(
                actor=Actor.of(request, reason=data["reason"]),
                username=data["username"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                role=data["role"],
                locations=data["locations"],
                all_locations=data["all_locations"],
                practitioner=data["practitioner"],
                now=clock.now(),
            )
        except OSError:
            form.add_error(None, _mail_failed())
        else:
            messages.success(
                request,
                _("Account created. %(email)s has been sent a link to choose a password.")
                % {"email": account.email},
            )
            return redirect("accounts:staff_detail", user_id=account.pk)
    return render(request, "staff/accounts/create.html", {"form": form})


@staff_required(Capability.STAFF_ACCOUNTS)
@require_http_methods(["GET", "HEAD"])
def staff_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    account = queries.staff_account_get(user_id)
    return render(
        request,
        "staff/accounts/detail.html",
        {"account": account, "own_account": account.pk == request.user.pk},
    )


def _mail_failed() -> str:
    return _(
        "The email to the account's owner could not be sent, so nothing was changed. "
        "Try again in a few minutes."
    )


def _change(
    request: HttpRequest,
    account: User,
    kind: str,
    form: forms.Form,
    apply: Callable[[Actor], None],
) -> HttpResponse:
    """One change's page: the form on GET; on a valid POST, the change, then the account."""
    change = CHANGES[kind]
    own = account.pk == request.user.pk
    refused = services.OWN_ACCOUNT_REFUSALS.get(kind) if own else None
    status = 403 if refused is not None and request.method == "POST" else 200
    if refused is None and kind == "reset_password" and not account.email:
        refused = services.NO_EMAIL_REFUSAL  # say so before the reason is typed
    if refused is None and request.method == "POST" and form.is_valid():
        try:
            apply(Actor.of(request, reason=form.cleaned_data["reason"]))
        except services.StaffChangeRefused as refusal:
            form.add_error(None, str(refusal))
        except OSError:
            form.add_error(None, _mail_failed())
        else:
            message = str(change.done)
            if not account.email:
                message += " " + _(
                    "This account has no email address, so its owner was not told: tell "
                    "them yourself."
                )
            messages.success(request, message)
            return redirect("accounts:staff_detail", user_id=account.pk)
    return render(
        request,
        "staff/accounts/change.html",
        {"account": account, "change": change, "kind": kind, "form": form, "refused": refused},
        status=status,
    )


@staff_required(Capability.STAFF_ACCOUNTS)
@require_http_methods(GET_POST)
def staff_role(request: HttpRequest, user_id: int) -> HttpResponse:
    account = queries.staff_account_get(user_id)
    form = RoleForm(request.POST or None, initial={"role": account.staff_profile.role})

    def apply(actor: Actor) -> None:
        services.staff_role_change(
            actor=actor, user=account, role=form.cleaned_data["role"], now=clock.now()
        )

    return _change(request, account, "role", form, apply)


@staff_required(Capability.STAFF_ACCOUNTS)
@require_http_methods(GET_POST)
def staff_locations(request: HttpRequest, user_id: int) -> HttpResponse:
    account = queries.staff_account_get(user_id)
    profile = account.staff_profile
    form = LocationsForm(
        request.POST or None,
        role=profile.role,
        initial={
            "locations": list(profile.locations.all()),
            "all_locations": profile.all_locations,
        },
    )

    def apply(actor: Actor) -> None:
        services.staff_locations_change(
            actor=actor,
            user=account,
            locations=form.cleaned_data["locations"],
            all_locations=form.cleaned_data["all_locations"],
            now=clock.now(),
        )

    return _change(request, account, "locations", form, apply)


@staff_required(Capability.STAFF_ACCOUNTS)
@require_http_methods(GET_POST)
def staff_deactivate(request: HttpRequest, user_id: int) -> HttpResponse:
    account = queries.staff_account_get(user_id)
    return _change(
        request,
        account,
        "deactivate",
        ConfirmForm(request.POST or None),
        lambda actor: services.staff_deactivate(actor=actor, user=account, now=clock.now()),
    )


@staff_required(Capability.STAFF_ACCOUNTS)
@require_http_methods(GET_POST)
def staff_reactivate(request: HttpRequest, user_id: int) -> HttpResponse:
    account = queries.staff_account_get(user_id)
    return _change(
        request,
        account,
        "reactivate",
        ReasonForm(request.POST or None),
        lambda actor: services.staff_reactivate(actor=actor, user=account, now=clock.now()),
    )


@staff_required(Capability.STAFF_ACCOUNTS)
@require_http_methods(GET_POST)
def staff_reset_password(request: HttpRequest, user_id: int) -> HttpResponse:
    account = queries.staff_account_get(user_id)
    return _change(
        request,
        account,
        "reset_password",
        ConfirmForm(request.POST or None),
        lambda actor: services.staff_password_reset(actor=actor, user=account, now=clock.now()),
    )


@staff_required(Capability.STAFF_ACCOUNTS)
@require_http_methods(GET_POST)
def staff_reset_mfa(request: HttpRequest, user_id: int) -> HttpResponse:
    account = queries.staff_account_get(user_id)
    return _change(
        request,
        account,
        "reset_mfa",
        ConfirmForm(request.POST or None),
        lambda actor: services.staff_mfa_reset(actor=actor, user=account, now=clock.now()),
    )


def _link_owner(uidb64: str, token: str) -> User | None:
    """The active staff account a set-password link was made for, if it still works."""
    try:
        user_id = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        return None
    user = User.objects.filter(pk=user_id, is_active=True, staff_profile__isnull=False).first()
    if user is None or not default_token_generator.check_token(user, token):
        return None
    return user


@require_http_methods(GET_POST)
def set_password(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """Where the owner of a new or reset account chooses their password. The link is the
    only key: it works until a password is set or reset again, or it expires."""
    user = _link_owner(uidb64, token)
    if user is None:
        response = render(request, "accounts/set_password_invalid.html", status=410)
    else:
        form = OwnPasswordForm(user, request.POST or None)
        if request.method == "POST" and form.is_valid():
            services.staff_password_set(
                actor=Actor.of(request),
                user=user,
                password=form.cleaned_data["new_password1"],
                now=clock.now(),
            )
            return redirect(f"{reverse('accounts:sign_in')}?ended=password_set")
        response = render(request, "accounts/set_password.html", {"form": form, "owner": user})
    # The link is a key: keep it out of caches and out of other sites' logs.
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"
    return response
