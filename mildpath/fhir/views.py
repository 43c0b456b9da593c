"""The FHIR export's one page: a patient's record as a FHIR R4 bundle, downloaded."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from mildpath.accounts.access import staff_required
from mildpath.accounts.roles import Capability
from mildpath.audit.actor import Actor
from mildpath.core import clock
from mildpath.fhir import queries, resources

CONTENT_TYPE = "application/fhir+json; fhirVersion=4.0"


@staff_required(Capability.PATIENT_CLINICAL)
@require_http_methods(["GET", "HEAD"])
def patient_bundle(request: HttpRequest, patient_id: int) -> HttpResponse:
    now = clock.now()
    found = queries.patient_record(Actor.of(request), patient_id, now=now)
    document = resources.patient_bundle(
        person=found.patient,
        visits=found.visits,
        responses=found.responses,
        plans=found.plans,
        procedures=found.procedures,
        now=now,
    )
    response = HttpResponse(json.dumps(document, indent=2), content_type=CONTENT_TYPE)
    name = f"patient-{found.patient.pk}-fhir-r4-{timezone.localdate(now).isoformat()}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response
