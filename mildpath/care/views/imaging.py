"""Imaging findings typed in from a report: the study and its findings per level."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from mildpath.accounts.access import staff_required
from mildpath.accounts.roles import Capability
from mildpath.audit.actor import Actor
from mildpath.care import queries, services
from mildpath.care.forms.imaging import StudyForm, level_forms
from mildpath.core import clock
from mildpath.core.errors import AlreadySubmitted, already_saved


@staff_required(Capability.PATIENT_CLINICAL)
@require_http_methods(["GET", "HEAD", "POST"])
def imaging_new(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Record an imaging study: modality, date and notes, and the findings at each level
    measured. Levels left blank are not stored; nothing is stored unless all is valid."""
    actor = Actor.of(request)
    patient = queries.patient_for_chart(actor, patient_id, section="imaging")
    data = request.POST if request.method == "POST" else None
    study = StudyForm(data, born=patient.date_of_birth)
    levels = level_forms(data)
    if data is not None:
        valid = [form.is_valid() for form in (study, *levels)]  # every form, for every error
        if all(valid):
            findings = [finding for form in levels if (finding := form.finding()) is not None]
            try:
                recorded = services.imaging_record(
                    actor=actor,
                    patient=patient,
                    modality=study.cleaned_data["modality"],
                    performed_on=study.cleaned_data["performed_on"],
                    notes=study.cleaned_data["notes"],
                    levels=findings,
                    now=clock.now(),
                    submission=study.cleaned_data["submission"],
                )
            except AlreadySubmitted:
                return already_saved(request, reverse("care:chart", args=[patient.pk]))
            when = date_format(recorded.performed_on, "DATE_FORMAT")
            if findings:
                text = ngettext(
                    "%(modality)s of %(date)s recorded, with findings at %(count)d level.",
                    "%(modality)s of %(date)s recorded, with findings at %(count)d levels.",
                    len(findings),
                )
            else:
                text = _("%(modality)s of %(date)s recorded, with no findings by level.")
            messages.success(
                request,
                text
                % {
                    "modality": recorded.get_modality_display(),
                    "date": when,
                    "count": len(findings),
                },
            )
            return redirect(reverse("care:chart", args=[patient.pk]) + "#imaging")
    has_errors = bool(study.errors) or any(form.errors for form in levels)
    return render(
        request,
        "care/imaging_new.html",
        {"patient": patient, "form": study, "levels": levels, "has_errors": has_errors},
        status=400 if has_errors else 200,
    )
