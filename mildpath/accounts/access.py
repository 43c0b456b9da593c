"""Who may open a staff page: signed in, two-step verified where the role needs it,
and holding the page's capability. Every staff view is wrapped in ``staff_required``."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.models import User
from django.contrib.auth.views import redirect_to_login
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.defaults import page_not_found
from django_otp import user_has_device

from mildpath.accounts.roles import ALL_LOCATIONS, MFA_REQUIRED, Capability, Role, can
from mildpath.practice.models import Location

View = Callable[..., HttpResponseBase]


def role_of(user: Any) -> Role | None:
    profile = getattr(user, "staff_profile", None) if user.is_authenticated else None
    return Role(profile.role) if profile is not None else None


def needs_second_step(request: HttpRequest) -> bool:
    """True while a role that requires two-step sign-in has not completed it."""
    user = request.user
    role = role_of(user)
    verified = getattr(user, "is_verified", lambda: False)()
    return role in MFA_REQUIRED and not verified


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The 403 page, for a missing capability and for a patient outside one's locations."""
    return render(request, "staff/forbidden.html", status=403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The 404 page. On staff pages it is the same for a record that does not exist and
    one outside the user's locations, so nobody learns which records exist elsewhere."""
    if request.path.startswith(("/staff/", "/es/staff/")) and request.user.is_authenticated:
        return render(request, "staff/not_found.html", status=404)
    return page_not_found(request, exception or Http404())


def staff_required(capability: Capability) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path(), "accounts:sign_in")
            role = role_of(user)
            if role is None or not user.is_active:
                return forbidden(request)
            if needs_second_step(request):
                # Signed in by password alone: enrol first, there is no device to verify.
                if not user_has_device(user):
                    return redirect("accounts:mfa_setup")
                return redirect_to_login(request.get_full_path(), "accounts:sign_in")
            if not can(role, capability):
                return forbidden(request)
            return view(request, *args, **kwargs)

        wrapper.required_capability = capability  # type: ignore[attr-defined]
        return wrapper

    return decorator


def scoped_locations(user: User | None) -> QuerySet[Location] | None:
    """The locations whose patients this staff member sees; None means every location
    (a practice manager, or anyone granted all locations)."""
    profile = getattr(user, "staff_profile", None) if user is not None else None
    if profile is None:
        return Location.objects.none()
    if role_of(user) in ALL_LOCATIONS or profile.all_locations:
        return None
    return profile.locations.all()


def may(user: User | None, capability: Capability) -> bool:
    """Whether this user's role holds the capability (None: nobody's)."""
    return user is not None and can(role_of(user), capability)


def active_locations_for(user: User | None) -> QuerySet[Location]:
    """The active locations this staff member works at (all, for practice-wide roles)."""
    locations = scoped_locations(user)
    return (Location.objects.all() if locations is None else locations).filter(is_active=True)
