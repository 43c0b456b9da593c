"""The staff home: what each role's day starts with, gathered from the apps below."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from mildpath.accounts.access import role_of, staff_required
from mildpath.accounts.roles import Capability, can
from mildpath.audit.actor import Actor
from mildpath.patients.queries import patient_match_count
from mildpath.scheduling import queries as scheduling
from mildpath.scheduling.models import ConsultationRequest


@dataclass
class Dashboard:
    role: str
    capabilities: set[str] = field(default_factory=set)
    open_requests: list[ConsultationRequest] | None = None
    failed_messages: int | None = None
    matches_to_check: int | None = None


@staff_required(Capability.STAFF_HOME)
@require_http_methods(["GET", "HEAD"])
def staff_home(request: HttpRequest) -> HttpResponse:
    actor = Actor.of(request)
    role = role_of(request.user)
    assert role is not None  # noqa: S101 - staff_required let only staff through
    board = Dashboard(role=role.value, capabilities={c.value for c in Capability if can(role, c)})
    if can(role, Capability.CONSULTATION_REQUESTS):
        board.open_requests = scheduling.consultation_requests(
            actor, status=ConsultationRequest.Status.NEW, limit=10
        )
    if can(role, Capability.SCHEDULE_MANAGE):
        board.failed_messages = scheduling.failed_message_count(actor)
    if can(role, Capability.PATIENT_CREATE):
        board.matches_to_check = patient_match_count(actor)
    return render(request, "staff/home.html", {"dashboard": board})
