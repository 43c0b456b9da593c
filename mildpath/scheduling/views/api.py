"""JSON API v1: free slots and booking. Documented in openapi.yaml beside this file.

201 with the appointment, 409 when the time is taken, 422 with field errors.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from mildpath.audit.actor import Actor
from mildpath.core import clock
from mildpath.patients.services import PatientDetails
from mildpath.practice.models import Practitioner
from mildpath.scheduling.availability import available_slots_by_type
from mildpath.scheduling.errors import (
    SlotTaken,
    TimeNotOffered,
    TooManyFromAddress,
)
from mildpath.scheduling.forms.api import BookingForm, PatientForm, SlotQueryForm
from mildpath.scheduling.models import AppointmentType
from mildpath.scheduling.services.booking import appointment_book

OPENAPI = Path(__file__).resolve().parents[1] / "openapi.yaml"


def _errors(form_errors: dict[str, Any], prefix: str = "") -> dict[str, list[str]]:
    return {
        (f"{prefix}{field}" if field != "__all__" else prefix.rstrip(".") or "request"): [
            str(message) for message in messages
        ]
        for field, messages in form_errors.items()
    }


def _single_values(
    data: dict[str, Any], prefix: str = ""
) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Form data from a JSON object: text and numbers as text, null as absent; a list,
    an object or true/false where one value belongs is an error for that field."""
    values: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for name, value in data.items():
        if value is None:
            continue
        if isinstance(value, str) or (
            isinstance(value, int | float) and not isinstance(value, bool)
        ):
            values[name] = str(value)
        else:
            errors[f"{prefix}{name}"] = ["must be a single text or number value"]
    return values, errors


def _offers(kind: AppointmentType, practitioner_id: int) -> bool:
    return kind.practitioners.filter(pk=practitioner_id, is_active=True).exists()


def _unprocessable(errors: dict[str, list[str]]) -> JsonResponse:
    return JsonResponse({"errors": errors}, status=422)


@csrf_exempt  # reads only; exempt so that other methods get 405, not CSRF's 403
@require_GET
def slots(request: HttpRequest) -> JsonResponse:
    form = SlotQueryForm(request.GET)
    if not form.is_valid():
        return _unprocessable(_errors(form.errors))
    kinds: list[AppointmentType] = form.cleaned_data["types"]
    found = available_slots_by_type(
        appointment_types=kinds,
        first_day=form.cleaned_data["date_from"],
        last_day=form.cleaned_data["date_to"],
        now=clock.now(),
    )
    names = dict(
        Practitioner.objects.filter(
            pk__in={
                pk for times in found.values() for free in times for pk in free.practitioner_ids
            }
        ).values_list("pk", "family_name")
    )
    listed: list[tuple[datetime, str, dict[str, Any]]] = []
    for kind in kinds:
        tz, slug = kind.location.tz, kind.location.slug
        for free in found[kind.pk]:
            start, end = free.start.isoformat(), free.end.isoformat()
            local_start = free.start.astimezone(tz).isoformat()
            listed.extend(
                (
                    free.start,
                    slug,
                    {
                        "start": start,
                        "end": end,
                        "local_start": local_start,
                        "location": slug,
                        "practitioner": pk,
                        "practitioner_name": names.get(pk, ""),
                    },
                )
                for pk in free.practitioner_ids
            )
    listed.sort(key=lambda item: item[:2])
    one = kinds[0].location if len(kinds) == 1 and form.cleaned_data["location"] else None
    return JsonResponse(
        {
            "location": one.slug if one else None,
            "appointment_type": form.cleaned_data["appointment_type"],
            "time_zone": one.time_zone if one else None,
            "slots": [item for _, _, item in listed],
        }
    )


@csrf_exempt  # a public JSON endpoint: no cookies are read, nothing acts on a session
@require_POST
def appointments(request: HttpRequest) -> JsonResponse:
    actor, now = Actor.of(request, label="booking API"), clock.now()
    content_type = request.content_type or ""
    if content_type != "application/json":
        return JsonResponse(
            {
                "error": "unsupported_media_type",
                "message": "Send the booking as JSON, with Content-Type: application/json.",
            },
            status=415,
        )
    try:
        raw = request.body
    except RequestDataTooBig:
        return JsonResponse(
            {
                "error": "too_large",
                "message": "A booking is a few hundred bytes; this is far more.",
            },
            status=413,
        )
    try:
        body = json.loads(raw or b"{}")
    except (ValueError, RecursionError):
        # Not JSON, or JSON no booking looks like: nested thousands deep, numbers of
        # thousands of digits (Python refuses to read those as numbers).
        return _unprocessable({"request": ["the body must be JSON"]})
    if not isinstance(body, dict):
        return _unprocessable({"request": ["the body must be a JSON object"]})
    patient_data = body.get("patient")
    if not isinstance(patient_data, dict):
        return _unprocessable({"patient": ["must be an object with the patient's details"]})
    booking_data, shape_errors = _single_values({k: v for k, v in body.items() if k != "patient"})
    patient_values, patient_shape_errors = _single_values(patient_data, prefix="patient.")
    shape_errors.update(patient_shape_errors)
    booking, patient = BookingForm(booking_data), PatientForm(patient_values)
    booking_ok, patient_ok = booking.is_valid(), patient.is_valid()
    if shape_errors or not (booking_ok and patient_ok):
        errors = _errors(booking.errors)
        errors.update(_errors(patient.errors, prefix="patient."))
        errors.update(shape_errors)
        return _unprocessable(errors)
    data = booking.cleaned_data
    details = PatientDetails(
        **{
            **patient.cleaned_data,
            "preferred_language": patient.cleaned_data.get("preferred_language") or "en",
        }
    )
    try:
        appointment = appointment_book(
            actor=actor,
            appointment_type=data["type"],
            start=data["start"],
            patient=details,
            now=now,
            practitioner_id=data.get("practitioner"),
            reason=data.get("reason", ""),
            referring_physician=data.get("referring_physician", ""),
            source="api",
            public=True,
        )
    except TooManyFromAddress:
        return JsonResponse(
            {"error": "too_many_requests", "message": "Too many bookings from this address."},
            status=429,
        )
    except TimeNotOffered as refused:
        return _unprocessable({"start": [refused.message]})
    except SlotTaken as taken:
        # Checked only now, so that a good booking does not pay for the query.
        if data.get("practitioner") and not _offers(data["type"], data["practitioner"]):
            return _unprocessable({"practitioner": ["no such practitioner for this appointment"]})
        return JsonResponse(
            {"error": "slot_taken", "reason": taken.reason, "message": "That time was just taken."},
            status=409,
        )
    return JsonResponse(
        {
            "id": appointment.pk,
            "status": appointment.status,
            "location": appointment.location.slug,
            "practitioner": appointment.practitioner_id,
            "start": appointment.start.isoformat(),
            "end": appointment.end.isoformat(),
        },
        status=201,
    )


@require_GET
def openapi(request: HttpRequest) -> HttpResponse:
    return HttpResponse(OPENAPI.read_text(), content_type="application/yaml")
