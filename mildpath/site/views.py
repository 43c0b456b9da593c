"""Public pages. Each view parses input, calls one query or service, and renders."""

from __future__ import annotations

from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.views.decorators.http import require_http_methods

from mildpath.audit.actor import Actor
from mildpath.core import clock
from mildpath.core.typed import switching_language, typed_initial, typed_keep
from mildpath.practice.forms import ZipSearchForm
from mildpath.practice.queries import (
    location_public,
    locations_nearest,
    locations_public,
    outside_service_area,
    practitioners_public,
    service_radius_miles,
)
from mildpath.scheduling.errors import TooManyFromAddress
from mildpath.scheduling.queries import consultation_request_just_sent
from mildpath.scheduling.services.quota import CALL_BACK, quota_spent
from mildpath.scheduling.services.requests import consultation_request_create
from mildpath.scheduling.throttle import too_many_page
from mildpath.site import selfcheck
from mildpath.site.forms import ConsultationRequestForm, SelfCheckForm

CONSULTATION_SESSION_KEY = "consultation_request_id"
CALL_BACK_TYPED = "call_back"  # what was typed on the call-back form (core.typed)


def _home_context() -> dict[str, object]:
    return {"doctors": list(practitioners_public())}


# Pages of education content that show practice data beside the text.
PAGE_CONTEXT: dict[str, Callable[[], dict[str, object]]] = {
    "site/home.html": _home_context,
}


def page(template: str):
    """A view for a page of education content with no input."""

    @require_http_methods(["GET", "HEAD"])
    def view(request: HttpRequest) -> HttpResponse:
        context = PAGE_CONTEXT[template]() if template in PAGE_CONTEXT else {}
        return render(request, template, context)

    view.__name__ = template.rsplit("/", 1)[-1].removesuffix(".html")
    return view


@require_http_methods(["GET", "HEAD", "POST"])
def self_check(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = SelfCheckForm(request.POST)
        if form.is_valid():
            # The answers are health information about an anonymous visitor: they are
            # evaluated and shown, never stored.
            result = selfcheck.evaluate(form.answers())
            return render(request, "site/self_check_result.html", {"result": result})
    else:
        form = SelfCheckForm()
    return render(request, "site/self_check.html", {"form": form})


@require_http_methods(["GET", "HEAD"])
def location_list(request: HttpRequest) -> HttpResponse:
    context: dict[str, object] = {}
    if "zip" in request.GET:
        form = ZipSearchForm(request.GET)
        if form.is_valid():
            origin, nearby = locations_nearest(form.cleaned_data["zip"])
            context.update(
                origin=origin,
                nearby=nearby,
                outside_area=outside_service_area(nearby),
                radius_miles=round(service_radius_miles()),
            )
    else:
        form = ZipSearchForm()
    context["form"] = form
    if "nearby" not in context:
        context["locations"] = list(locations_public())
    return render(request, "site/location_list.html", context)


@require_http_methods(["GET", "HEAD"])
def location_detail(request: HttpRequest, slug: str) -> HttpResponse:
    location = location_public(slug)
    if location is None:
        raise Http404
    return render(request, "site/location_detail.html", {"location": location})


@require_http_methods(["GET", "HEAD", "POST"])
def consultation_request(request: HttpRequest) -> HttpResponse:
    if switching_language(request):
        return typed_keep(request, key=CALL_BACK_TYPED, form_class=ConsultationRequestForm)
    if request.method == "POST":
        actor, now = Actor.of(request, label="public site"), clock.now()
        if quota_spent(actor=actor, actions=CALL_BACK, now=now):
            return too_many_page(request)
        form = ConsultationRequestForm(request.POST)
        if form.is_valid():
            try:
                created = consultation_request_create(
                    actor=actor,
                    **form.cleaned_data,
                    language=get_language() or "en",
                    now=now,
                )
            except TooManyFromAddress:
                return too_many_page(request)
            request.session[CONSULTATION_SESSION_KEY] = created.pk
            return redirect("site:consultation_received")
    else:
        initial = {}
        location = location_public(request.GET.get("location", ""))
        if location is not None:
            initial["preferred_location"] = location
        initial.update(
            typed_initial(request, key=CALL_BACK_TYPED, form_class=ConsultationRequestForm)
        )
        form = ConsultationRequestForm(initial=initial)
    return render(
        request,
        "site/consultation_request.html",
        {"form": form, "keep_typed_form": "call-back-form"},
    )


@require_http_methods(["GET", "HEAD"])
def consultation_received(request: HttpRequest) -> HttpResponse:
    # The confirmation is tied to the browser that sent the request, so a shared or
    # guessed URL shows nobody's name or phone number.
    request_id = request.session.get(CONSULTATION_SESSION_KEY)
    received = consultation_request_just_sent(int(request_id)) if request_id else None
    if received is None:
        return redirect("site:consultation_request")
    return render(request, "site/consultation_received.html", {"received": received})
