"""Spine surgery after mild, recorded on the chart when the clinician learns of it: the
registry counts it, with a repeat mild procedure, as the end of "freedom from further
treatment"."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from mildpath.accounts.access import staff_required
from mildpath.accounts.roles import Capability
from mildpath.audit.actor import Actor
from mildpath.care import queries, services
from mildpath.care.forms.surgery import LaterSurgeryForm
from mildpath.core import clock
from mildpath.core.errors import AlreadySubmitted, already_saved

SECTION = "surgery"


@staff_required(Capability.PATIENT_CLINICAL)
@require_http_methods(["GET", "HEAD", "POST"])
def surgery_new(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = Actor.of(request)
    patient = queries.patient_for_chart(actor, patient_id, section=SECTION)
    form = LaterSurgeryForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            surgery = services.later_surgery_record(
                actor=actor,
                patient=patient,
                **form.values(),
                now=clock.now(),
                submission=form.cleaned_data["submission"],
            )
        except AlreadySubmitted:
            return already_saved(request, reverse("care:chart", args=[patient.pk]) + "#surgeries")
        messages.success(
            request,
            _("%(kind)s of %(date)s recorded.")
            % {
                "kind": surgery.get_kind_display(),
                "date": date_format(surgery.performed_on, "DATE_FORMAT"),
            },
        )
        return redirect(reverse("care:chart", args=[patient.pk]) + "#surgeries")
    return render(
        request,
        "care/surgery_new.html",
        {"patient": patient, "form": form},
        status=400 if form.errors else 200,
    )
