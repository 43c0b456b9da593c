"""/healthz for a load balancer or monitor: the database answers and a worker is sending
the outbox's messages. Plain HTTP is fine (SECURE_REDIRECT_EXEMPT): the answer names
what is down and nothing else."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from mildpath.core import clock
from mildpath.scheduling.tasks import worker_problems


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """200 "ok", or 503 with one line per problem: the database unreachable, or no
    worker round succeeded within MILDPATH_WORKER_STALE_SECONDS."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        problems = worker_problems(
            now=clock.now(), stale_after=timedelta(seconds=settings.MILDPATH_WORKER_STALE_SECONDS)
        )
    except DatabaseError as exc:
        problems = [f"database: unreachable ({type(exc).__name__})"]
    if problems:
        return HttpResponse("\n".join(problems) + "\n", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")
