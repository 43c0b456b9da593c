"""Reads of scheduling data that carries patient contact details: scoped and audited."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest

from mildpath.accounts.access import role_of, scoped_locations
from mildpath.accounts.roles import Capability, can
from mildpath.audit.services import record
from mildpath.practice.models import Location
from mildpath.scheduling.models import Appointment, ConsultationRequest, OutboundMessage


def _in_scope(request: HttpRequest) -> QuerySet[ConsultationRequest]:
    if not can(role_of(request.user), Capability.CONSULTATION_REQUESTS):
        return ConsultationRequest.objects.none()
    requests = ConsultationRequest.objects.select_related("preferred_location")
    locations = scoped_locations(request)
    if locations is None:
        return requests
    # A request for "any location" is everyone's to answer.
    return requests.filter(Q(preferred_location__in=locations) | Q(preferred_location__isnull=True))


def consultation_requests(
    request: HttpRequest, *, status: str = "", limit: int = 200
) -> list[ConsultationRequest]:
    found = _in_scope(request)
    if status:
        found = found.filter(status=status)
    rows = list(found[:limit])
    record(
        action="read",
        request=request,
        detail={"list": "consultation_requests", "status": status, "count": len(rows)},
    )
    return rows


def consultation_request_for_change(request: HttpRequest, request_id: int) -> ConsultationRequest:
    """A request in scope, for a service that audits its own change (one entry per action)."""
    found = _in_scope(request).filter(pk=request_id).first()
    if found is None:
        if ConsultationRequest.objects.filter(pk=request_id).exists():
            raise PermissionDenied
        raise Http404
    return found


def consultation_request_get(request: HttpRequest, request_id: int) -> ConsultationRequest:
    found = consultation_request_for_change(request, request_id)
    record(action="read", request=request, obj=found)
    return found


def _appointments_in_scope(request: HttpRequest) -> QuerySet[Appointment]:
    if not can(role_of(request.user), Capability.SCHEDULE_VIEW):
        return Appointment.objects.none()
    found = Appointment.objects.select_related(
        "patient", "practitioner", "location", "appointment_type"
    )
    locations = scoped_locations(request)
    return found if locations is None else found.filter(location__in=locations)


def locations_for_schedule(request: HttpRequest) -> QuerySet[Location]:
    locations = scoped_locations(request)
    return (Location.objects.all() if locations is None else locations).filter(is_active=True)


def appointments_between(
    request: HttpRequest,
    *,
    location: Location,
    start: datetime,
    end: datetime,
    practitioner_id: int | None = None,
) -> list[Appointment]:
    """One location's appointments in [start, end), cancelled ones included, for one
    practitioner or all, audited."""
    found = _appointments_in_scope(request).filter(
        location=location, start__gte=start, start__lt=end
    )
    if practitioner_id is not None:
        found = found.filter(practitioner_id=practitioner_id)
    rows = list(found.order_by("start", "practitioner__family_name"))
    detail: dict[str, object] = {"list": "calendar", "location": location.slug, "count": len(rows)}
    if practitioner_id is not None:
        detail["practitioner"] = practitioner_id
    record(action="read", request=request, detail=detail)
    return rows


def appointment_for_change(request: HttpRequest, appointment_id: int) -> Appointment:
    found = _appointments_in_scope(request).filter(pk=appointment_id).first()
    if found is None:
        if Appointment.objects.filter(pk=appointment_id).exists():
            raise PermissionDenied
        raise Http404
    return found


def appointment_get(request: HttpRequest, appointment_id: int) -> Appointment:
    found = appointment_for_change(request, appointment_id)
    record(action="read", request=request, obj=found, patient_id=found.patient_id)
    return found


def messages_for(appointment: Appointment) -> list[OutboundMessage]:
    """What went to the patient about an appointment already read through
    ``appointment_get`` (whose audit entry covers this), oldest first."""
    return list(appointment.messages.order_by("send_after", "id"))
