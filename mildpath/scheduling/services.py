"""Every write of the scheduling app."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from mildpath.practice.models import Location
from mildpath.scheduling.models import ConsultationRequest


@transaction.atomic
def consultation_request_create(
    *,
    name: str,
    phone: str,
    preferred_location: Location | None,
    best_time: str,
    consent_to_contact: bool,
    language: str,
    now: datetime,
) -> ConsultationRequest:
    """Store a call-me-back request. ``phone`` is already E.164 (the form normalises it)."""
    return ConsultationRequest.objects.create(
        name=name,
        phone=phone,
        preferred_location=preferred_location,
        best_time=best_time,
        consent_to_contact=consent_to_contact,
        language=language,
        created_at=now,
    )
