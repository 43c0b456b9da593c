from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
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


def creations_from_address(*, ip: str, object_type: str, since: datetime, limit: int) -> int:
    """How many ``object_type`` records this client address created since ``since``, up
    to ``limit``: the public forms' flood guard, read from the audit trail every creation
    writes anyway. Counting stops at the limit, so a flood costs no more to refuse than a
    patient costs to let through."""
    if not ip:
        return 0
    # Every public booking asks this first; written out, it costs a tenth of what the
    # ORM takes to build it (bench/booking.py).
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM (SELECT 1 FROM audit_auditevent WHERE client_ip = %s"
            " AND at >= %s AND action = 'create' AND object_type = %s LIMIT %s) AS recent",
            [ip, connection.ops.adapt_datetimefield_value(since), object_type, limit],
        )
        (count,) = cursor.fetchone()
    return int(count)
