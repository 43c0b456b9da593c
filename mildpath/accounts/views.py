"""Staff sign-in (password, then a one-time code), two-step enrolment, sign-out, the
session keep-alive, and the staff home page."""

from __future__ import annotations

from base64 import b32encode

import segno
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.models import User
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import match_token, user_has_device

from mildpath.accounts import services
from mildpath.accounts.forms import CodeForm, EnrolForm, SignInForm
from mildpath.accounts.middleware import LAST_ACTIVITY, SESSION_GENERATION, SIGNED_IN_AT
from mildpath.audit.actor import Actor
from mildpath.core import clock

PENDING_USER = "mildpath_pending_user"
PENDING_AT = "mildpath_pending_at"
PENDING_NEXT = "mildpath_pending_next"
PENDING_SECONDS = 300
BACKEND = "django.contrib.auth.backends.ModelBackend"


def _start_session(request: HttpRequest, user: User, device: object | None) -> None:
    """Sign the user in on this request, verified by ``device`` if they used one, and
    record it."""
    login(request, user, backend=BACKEND)
    if device is not None:
        otp_login(request, device)
    now = clock.now()
    request.session[SIGNED_IN_AT] = now.timestamp()
    request.session[LAST_ACTIVITY] = now.timestamp()
    profile = getattr(user, "staff_profile", None)
    request.session[SESSION_GENERATION] = profile.session_generation if profile else 0
    services.staff_sign_in(
        actor=Actor.of(request),
        second_step=device.__class__.__name__ if device is not None else "none",
        now=now,
    )


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("staff_home")


@require_http_methods(["GET", "HEAD", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        user = authenticate(request, username=username, password=form.cleaned_data["password"])
        if getattr(request, "axes_locked_out", False):
            services.staff_locked_out(actor=Actor.of(request), username=username, now=clock.now())
            return locked_out_page(request)
        if user is None:
            services.staff_sign_in_failed(
                actor=Actor.of(request), username=username, step="password", now=clock.now()
            )
            form.add_error(None, _("That user name and password do not match. Please try again."))
        elif user_has_device(user):
            request.session[PENDING_USER] = user.pk
            request.session[PENDING_AT] = clock.now().timestamp()
            request.session[PENDING_NEXT] = next_url
            return redirect("accounts:verify")
        else:
            _start_session(request, user, None)
            return redirect(next_url)
    ended = request.GET.get("ended")
    return render(
        request, "accounts/sign_in.html", {"form": form, "next": next_url, "ended": ended}
    )


def _pending_user(request: HttpRequest) -> User | None:
    user_id = request.session.get(PENDING_USER)
    started = request.session.get(PENDING_AT, 0)
    if not user_id or clock.now().timestamp() - started > PENDING_SECONDS:
        return None
    return User.objects.filter(pk=user_id, is_active=True).first()


@require_http_methods(["GET", "HEAD", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request)
    if user is None:
        return redirect("accounts:sign_in")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        credentials = {"username": user.get_username()}
        if AxesProxyHandler.is_locked(request, credentials):
            services.staff_locked_out(
                actor=Actor.of(request), username=user.get_username(), now=clock.now()
            )
            return locked_out_page(request)
        device = match_token(user, form.cleaned_data["code"])
        if device is None:
            # django-axes counts failures from this signal; a wrong password sends it
            # from authenticate() already.
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            services.staff_sign_in_failed(
                actor=Actor.of(request), username=user.get_username(), step="code", now=clock.now()
            )
            if AxesProxyHandler.is_locked(request, credentials):
                services.staff_locked_out(
                    actor=Actor.of(request), username=user.get_username(), now=clock.now()
                )
                return locked_out_page(request)
            form.add_error("code", _("That code did not work. Check the app and try again."))
        else:
            next_url = request.session.get(PENDING_NEXT) or reverse("staff_home")
            for key in (PENDING_USER, PENDING_AT, PENDING_NEXT):
                request.session.pop(key, None)
            _start_session(request, user, device)
            return redirect(next_url)
    return render(request, "accounts/verify.html", {"form": form})


def locked_out_page(request: HttpRequest, *args: object) -> HttpResponse:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "accounts/locked_out.html", {"minutes": minutes}, status=429)


@require_http_methods(["GET", "HEAD", "POST"])
def mfa_setup(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_authenticated:
        return redirect("accounts:sign_in")
    if user_has_device(user) and not request.user.is_verified():  # type: ignore[union-attr]
        # Replacing an app needs the current one first; a password alone is not enough.
        return redirect(f"{reverse('accounts:sign_in')}?next={reverse('accounts:mfa_setup')}")
    device = services.totp_device_pending(user=user)
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            codes = services.mfa_enrol(actor=Actor.of(request), device=device, now=clock.now())
            otp_login(request, device)
            return render(request, "accounts/recovery_codes.html", {"codes": codes})
        form.add_error("code", _("That code did not match. Wait for a new code and try again."))
    qr = segno.make(device.config_url, error="m")
    return render(
        request,
        "accounts/mfa_setup.html",
        {
            "form": form,
            "secret": _grouped(b32encode(device.bin_key).decode()),
            "qr_svg": qr.svg_inline(scale=5, title=_("QR code for your authenticator app")),
        },
    )


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        services.staff_sign_out(actor=Actor.of(request), reason="user", now=clock.now())
        logout(request)
    return redirect(f"{reverse('accounts:sign_in')}?ended=signed_out")


@require_POST
def session_extend(request: HttpRequest) -> HttpResponse:
    # The session policy middleware has already recorded this request as activity.
    if not request.user.is_authenticated:
        return JsonResponse({"signed_in": False}, status=401)
    return JsonResponse({"signed_in": True})
