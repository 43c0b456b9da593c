"""What each role's home page shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest

from mildpath.accounts.access import role_of
from mildpath.accounts.roles import Capability, can
from mildpath.scheduling.models import ConsultationRequest
from mildpath.scheduling.queries import consultation_requests


@dataclass
class Dashboard:
    role: str
    capabilities: set[str] = field(default_factory=set)
    open_requests: list[ConsultationRequest] | None = None
    panels: list[dict[str, Any]] = field(default_factory=list)


def dashboard_for(request: HttpRequest) -> Dashboard:
    role = role_of(request.user)
    if role is None:
        raise PermissionError("Only staff have a dashboard.")
    board = Dashboard(role=role.value, capabilities={c.value for c in Capability if can(role, c)})
    if can(role, Capability.CONSULTATION_REQUESTS):
        board.open_requests = consultation_requests(
            request, status=ConsultationRequest.Status.NEW, limit=10
        )
    return board
