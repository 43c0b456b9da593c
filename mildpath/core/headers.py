"""Response headers every page gets, whatever view rendered it."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

NO_STORE = "no-store"


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every page the app renders, so no browser, shared
    computer or proxy keeps a copy of a page that may show patient data: staff pages,
    patient links, a booking's review and confirmation, a self-check result.

    It fails closed: a view that wants its answer cached says so with its own
    Cache-Control (``django.views.decorators.cache``), and even then an answer to a
    signed-in staff member is never stored. Static files never reach this middleware:
    WhiteNoise, above it, answers them with their own long-lived caching.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        chosen = response.get("Cache-Control", "")
        if NO_STORE in chosen:
            return response
        if not chosen or _signed_in(request):
            response["Cache-Control"] = NO_STORE
        return response


def _signed_in(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)
