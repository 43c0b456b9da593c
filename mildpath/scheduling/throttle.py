"""The page a person sees when their address has made too many bookings or call-back
requests this hour (``services.quota``)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def too_many_page(request: HttpRequest) -> HttpResponse:
    return render(request, "site/too_many.html", status=429)
