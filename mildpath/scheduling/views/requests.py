from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from mildpath.accounts.access import staff_required
from mildpath.accounts.roles import Capability
from mildpath.audit.actor import Actor
from mildpath.core import clock
from mildpath.scheduling import queries
from mildpath.scheduling.forms.staff import ConsultationRequestUpdateForm
from mildpath.scheduling.models import ConsultationRequest
from mildpath.scheduling.services.requests import consultation_request_update


@staff_required(Capability.CONSULTATION_REQUESTS)
@require_http_methods(["GET", "HEAD"])
def request_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", ConsultationRequest.Status.NEW)
    if status not in {*ConsultationRequest.Status.values, "all"}:
        status = ConsultationRequest.Status.NEW
    rows = queries.consultation_requests(
        Actor.of(request), status="" if status == "all" else status
    )
    return render(
        request,
        "scheduling/request_list.html",
        {"rows": rows, "status": status, "statuses": ConsultationRequest.Status.choices},
    )


@staff_required(Capability.CONSULTATION_REQUESTS)
@require_http_methods(["GET", "HEAD", "POST"])
def request_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    if request.method == "POST":
        form = ConsultationRequestUpdateForm(request.POST)
        if form.is_valid():
            actor = Actor.of(request)
            consultation = queries.consultation_request_for_change(actor, request_id)
            consultation_request_update(
                actor=actor, consultation=consultation, **form.cleaned_data, now=clock.now()
            )
            messages.success(request, _("Saved."))
            return redirect("scheduling:request_detail", request_id=consultation.pk)
        # Shown again with the errors: that showing is a read like any other.
        consultation = queries.consultation_request_get(Actor.of(request), request_id)
    else:
        consultation = queries.consultation_request_get(Actor.of(request), request_id)
        form = ConsultationRequestUpdateForm(
            initial={"status": consultation.status, "staff_notes": consultation.staff_notes}
        )
    return render(
        request, "scheduling/request_detail.html", {"consultation": consultation, "form": form}
    )
