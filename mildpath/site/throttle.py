"""A guard against one address flooding the public forms (call-back requests, online
booking): a person books once or twice, a script hundreds of times."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from mildpath.audit.queries import creations_from_address
from mildpath.core import clock
from mildpath.core.net import client_ip

WINDOW = timedelta(hours=1)


def too_many(request: HttpRequest, object_type: str) -> bool:
    limit = settings.MILDPATH_PUBLIC_CREATIONS_PER_HOUR
    since = clock.now() - WINDOW
    recent = creations_from_address(
        ip=client_ip(request), object_type=object_type, since=since, limit=limit
    )
    return recent >= limit


def too_many_page(request: HttpRequest) -> HttpResponse:
    return render(request, "site/too_many.html", status=429)
