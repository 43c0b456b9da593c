"""Errors any app may raise that the web layer answers the same way everywhere."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _


class Busy(Exception):
    """A lock was not granted in time (MILDPATH_LOCK_TIMEOUT_MS): somebody else is
    changing the same records right now. Nothing was written; trying again is safe."""


class AlreadySubmitted(Exception):
    """This form page was sent before and saved then (``core.services.submission_claim``):
    nothing was written now. ``made_id`` is what the first send made, if known."""

    def __init__(self, made_id: int | None) -> None:
        super().__init__(made_id)
        self.made_id = made_id


def already_saved(request: HttpRequest, to: str) -> HttpResponse:
    """The answer to a form sent a second time: what the first send saved, and why
    nothing more was."""
    messages.info(request, _("That form was sent twice; it was saved once."))
    return redirect(to)


RETRY_AFTER_SECONDS = 5
# PostgreSQL's answers when a transaction gave way to another: a lock not granted in
# time (lock_not_available), or chosen to end a deadlock (deadlock_detected). Nothing
# of it was written, so the same answer as Busy is the honest one.
GAVE_WAY = {"55P03", "40P01"}
# SQLite's: its one write lock not granted within the connection's timeout.
SQLITE_GAVE_WAY = {"SQLITE_BUSY"}


def _gave_way(exception: Exception) -> bool:
    if not isinstance(exception, OperationalError):
        return False
    cause = exception.__cause__
    return (
        getattr(cause, "sqlstate", None) in GAVE_WAY
        or getattr(cause, "sqlite_errorname", None) in SQLITE_GAVE_WAY
    )


class BusyMiddleware:
    """Answers ``Busy`` with 503 "busy, try again": JSON under /api/, a page elsewhere."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not (isinstance(exception, Busy) or _gave_way(exception)):
            return None
        if request.path.startswith("/api/"):
            response: HttpResponse = JsonResponse(
                {"error": "busy", "message": "Busy right now: try again in a few seconds."},
                status=503,
            )
        else:
            response = render(request, "site/busy.html", status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
