"""Online bookings that match a known patient, for the front desk to check: the same
person (their visits join their record) or different people (both records stay)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from mildpath.accounts.access import staff_required
from mildpath.accounts.roles import Capability
from mildpath.audit.actor import Actor
from mildpath.core import clock
from mildpath.patients.queries import patient_match_for_decision, patient_matches
from mildpath.patients.services import MatchDecided
from mildpath.scheduling.queries import upcoming_visits_of
from mildpath.scheduling.services.matches import (
    VisitsClash,
    patient_match_confirm,
    patient_match_reject,
)


@staff_required(Capability.PATIENT_CREATE)
@require_http_methods(["GET", "HEAD"])
def match_list(request: HttpRequest) -> HttpResponse:
    actor = Actor.of(request)
    rows = patient_matches(actor)
    visits = upcoming_visits_of(
        actor,
        [row.new_patient_id for row in rows] + [row.existing_patient_id for row in rows],
        now=clock.now(),
    )
    return render(
        request,
        "scheduling/matches.html",
        {
            "rows": [
                (row, visits.get(row.new_patient_id, []), visits.get(row.existing_patient_id, []))
                for row in rows
            ]
        },
    )


@staff_required(Capability.PATIENT_CREATE)
@require_POST
def match_decide(request: HttpRequest, match_id: int) -> HttpResponse:
    actor = Actor.of(request)
    match = patient_match_for_decision(actor, match_id)
    decision = request.POST.get("decision", "")
    try:
        if decision == "same":
            patient_match_confirm(actor=actor, match=match, now=clock.now())
            messages.success(
                request, _("Joined: the new booking is now on the patient's own record.")
            )
        elif decision == "different":
            patient_match_reject(actor=actor, match=match, now=clock.now())
            messages.success(request, _("Kept apart: these are two different patients."))
        else:
            messages.error(request, _("Choose “Same person” or “Different people”."))
    except VisitsClash:
        messages.error(
            request,
            _(
                "Not joined: the patient would have two visits at the same time. "
                "Call them, cancel one visit, then join the records."
            ),
        )
    except MatchDecided:
        messages.info(request, _("Someone has already decided this one."))
    return redirect("scheduling_staff:matches")
