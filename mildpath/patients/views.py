"""The patients app's own staff pages (the list, adding a patient, emergency access,
stopping a link) and the page a patient's link opens. The record itself, its contact
changes and sending links show or write scheduling data, so they live a layer up
(``scheduling.views.patient_record``), in this app's URL namespace."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from mildpath.accounts.access import active_locations_for, staff_required
from mildpath.accounts.roles import Capability
from mildpath.audit.actor import Actor
from mildpath.core import clock
from mildpath.patients import queries, services
from mildpath.patients.forms import BreakGlassForm, PatientForm
from mildpath.patients.models import PatientLink
from mildpath.patients.search import search_text


@staff_required(Capability.PATIENT_CONTACT)
@require_http_methods(["GET", "HEAD"])
def patient_list(request: HttpRequest) -> HttpResponse:
    search = search_text(request.GET.get("q", ""))
    page = queries.patient_page(Actor.of(request), search=search)
    return render(
        request,
        "patients/list.html",
        {"patients": page.patients, "search": search, "more_not_shown": page.more},
    )


@staff_required(Capability.PATIENT_CREATE)
@require_http_methods(["GET", "HEAD", "POST"])
def patient_create(request: HttpRequest) -> HttpResponse:
    form = PatientForm(
        request.POST or None, allowed_locations=active_locations_for(Actor.of(request).user)
    )
    if request.method == "POST" and form.is_valid():
        patient = services.patient_create(
            actor=Actor.of(request), **form.cleaned_data, now=clock.now()
        )
        messages.success(request, _("Patient added."))
        return redirect("patients:detail", patient_id=patient.pk)
    return render(request, "patients/create.html", {"form": form})


@staff_required(Capability.BREAK_GLASS)
@require_http_methods(["GET", "HEAD", "POST"])
def break_glass(request: HttpRequest) -> HttpResponse:
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        grant = services.break_glass_grant(
            actor=Actor.of(request, reason=form.cleaned_data["reason"]),
            patient_id=form.cleaned_data["patient_id"],
            now=clock.now(),
        )
        if grant is None:
            form.add_error("patient_id", _("There is no patient with that number."))
        else:
            messages.warning(
                request,
                _("Emergency access granted for %(minutes)d minutes. It has been recorded.")
                % {"minutes": services.BREAK_GLASS_MINUTES},
            )
            return redirect("patients:detail", patient_id=grant.patient_id)
    return render(request, "patients/break_glass.html", {"form": form})


@staff_required(Capability.PATIENT_LINKS)
@require_POST
def link_revoke(request: HttpRequest, patient_id: int, link_id: int) -> HttpResponse:
    patient = queries.patient_for_change(Actor.of(request), patient_id)
    link = patient.links.filter(pk=link_id).first()
    if link is None:
        raise Http404
    services.patient_link_revoke(actor=Actor.of(request), link=link, now=clock.now())
    messages.success(request, _("The link no longer works."))
    return redirect("patients:detail", patient_id=patient.pk)


def private(response: HttpResponse) -> HttpResponse:
    """A page opened through a patient's link: never cached, and its token never sent
    to other sites. Our own forms still need the Origin header (with no-referrer the
    browser sends "Origin: null" and CSRF refuses the form)."""
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "no-store"
    return response


def link_opened(request: HttpRequest, token: str, purpose: str) -> PatientLink | HttpResponse:
    """Open a link the patient followed (throttled and audited), or the page saying why
    it does not work."""
    check = services.patient_link_open(
        actor=Actor.of(request, label="patient link"), token=token, purpose=purpose, now=clock.now()
    )
    if check.state == "throttled":
        return private(
            render(request, "patients/link_problem.html", {"state": check.state}, status=429)
        )
    if check.link is None or check.state != "active":
        return private(
            render(request, "patients/link_problem.html", {"state": check.state}, status=410)
        )
    return check.link


@require_http_methods(["GET", "HEAD"])
def patient_link(request: HttpRequest, purpose: str, token: str) -> HttpResponse:
    """Links of a purpose no page handles (each purpose has its own route, listed
    before this one): not found. Kept so messages build every link one way."""
    raise Http404
