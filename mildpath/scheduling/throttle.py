"""A guard against one address flooding the public forms (call-back requests, online
booking): a person books once or twice, a script hundreds of times."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from mildpath.audit.actor import Actor
from mildpath.audit.queries import actions_from_address

WINDOW = timedelta(hours=1)
BOOKING = ("appointment.book",)
CALL_BACK = ("callback.create",)


def too_many(actor: Actor, actions: tuple[str, ...], now: datetime) -> bool:
    """Whether this address already took these actions as often as an hour allows."""
    limit = settings.MILDPATH_PUBLIC_CREATIONS_PER_HOUR
    recent = actions_from_address(
        ip=actor.client_ip, actions=actions, since=now - WINDOW, limit=limit
    )
    return recent >= limit


def too_many_page(request: HttpRequest) -> HttpResponse:
    return render(request, "site/too_many.html", status=429)
