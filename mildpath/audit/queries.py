from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from mildpath.audit.models import AuditEvent


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_default_timezone())


def audit_events(filters: dict[str, Any]) -> QuerySet[AuditEvent]:
    """Audit events matching a cleaned AuditFilterForm, newest first."""
    events = AuditEvent.objects.all()
    if filters.get("actor"):
        events = events.filter(actor_label__iexact=filters["actor"])
    if filters.get("action"):
        events = events.filter(action=filters["action"])
    if filters.get("patient_id"):
        events = events.filter(patient_id=filters["patient_id"])
    if filters.get("date_from"):
        events = events.filter(at__gte=_day_start(filters["date_from"]))
    if filters.get("date_to"):
        events = events.filter(at__lt=_day_start(filters["date_to"] + timedelta(days=1)))
    return events.order_by("-at", "-id")


def actions_from_address(*, ip: str, actions: Iterable[str], since: datetime, limit: int) -> int:
    """How many of these actions this client address took since ``since``, up to
    ``limit``: the public forms' flood guard and the link throttle, read from the audit
    trail those actions write anyway. Counting stops at the limit, so a flood costs no
    more to refuse than a patient costs to let through."""
    if not ip:
        return 0
    # Only what nobody signed in did: a front desk sharing the address with the waiting
    # room's Wi-Fi must not use up the patients' online bookings.
    recent = AuditEvent.objects.filter(
        client_ip=ip, at__gte=since, action__in=list(actions), actor__isnull=True
    )
    return len(recent.values_list("id", flat=True)[:limit])
