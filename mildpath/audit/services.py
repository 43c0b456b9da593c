"""``record``: the one way anything writes to the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import models

from mildpath.audit.actor import Actor
from mildpath.audit.models import AuditEvent


def record(
    *,
    action: str,
    actor: Actor,
    now: datetime,
    obj: models.Model | None = None,
    patient_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event, stamped with the caller's ``now``. Call it inside the
    transaction of the change it records, so the change and its record commit or roll
    back together. ``action`` is namespaced: ``appointment.cancel``, ``link.issue``."""
    user = actor.user
    profile = getattr(user, "staff_profile", None) if user is not None else None
    return AuditEvent.objects.create(
        at=now,
        actor=user,
        actor_label=actor.name[:150],
        role=str(profile.role) if profile is not None else "",
        action=action,
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        patient_id=patient_id,
        client_ip=actor.client_ip or None,
        user_agent=actor.user_agent,
        purpose=actor.reason[:300],
        detail=detail or {},
    )
