"""The audit trail's pages, for the roles that review it (the practice manager). They
live here, above ``audit``, because access to them is the accounts app's to decide."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_http_methods

from mildpath.accounts.access import staff_required
from mildpath.accounts.roles import Capability
from mildpath.audit.actor import Actor
from mildpath.audit.forms import AuditFilterForm
from mildpath.audit.queries import audit_events
from mildpath.audit.services import record
from mildpath.core import clock

COLUMNS = [
    "at",
    "actor_label",
    "role",
    "action",
    "object_type",
    "object_id",
    "patient_id",
    "client_ip",
    "user_agent",
    "purpose",
]


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    # A spreadsheet runs a cell that starts like a formula; the trail holds text typed by
    # strangers (user names at failed sign-ins, user agents), so defuse it.
    return "'" + text if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text


class _Echo:
    def write(self, value: str) -> str:
        return value


@staff_required(Capability.AUDIT_VIEW)
@require_http_methods(["GET", "HEAD"])
def audit_list(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = Paginator(audit_events(filters), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@staff_required(Capability.AUDIT_VIEW)
@require_http_methods(["GET", "HEAD"])
def audit_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    form = AuditFilterForm(request.GET or None)
    if request.GET and not form.is_valid():
        return render(
            request,
            "audit/list.html",
            {"form": form, "page": None, "query": ""},
            status=400,
        )
    filters = form.cleaned_data if request.GET else {}
    events = audit_events(filters)
    record(
        action="audit.export",
        actor=Actor.of(request),
        now=clock.now(),
        detail={"export": "audit_csv", "filters": {k: str(v) for k, v in filters.items() if v}},
    )
    writer = csv.writer(_Echo())

    def rows() -> Iterator[str]:
        yield writer.writerow(COLUMNS)
        for event in events.iterator(chunk_size=2000):
            yield writer.writerow(
                [event.at.isoformat() if c == "at" else _cell(getattr(event, c)) for c in COLUMNS]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="mildpath-audit.csv"'
    return response


audit_urls = (
    [
        path("", audit_list, name="list"),
        path("export.csv", audit_export, name="export"),
    ],
    "audit",
)
