from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
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


def retention_cutoff(now: datetime) -> datetime:
    """Events older than this may leave the trail (by a database administrator)."""
    return now - timedelta(days=365 * settings.MILDPATH_AUDIT_RETENTION_YEARS + 2)


def creations_from_address(*, ip: str, object_type: str, since: datetime) -> int:
    """How many ``object_type`` records this client address created since ``since``: the
    public forms' flood guard, read from the audit trail every creation writes anyway."""
    if not ip:
        return 0
    return AuditEvent.objects.filter(
        action="create", object_type=object_type, client_ip=ip, at__gte=since
    ).count()
