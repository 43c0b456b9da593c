"""``record``: the one way anything writes to the audit trail."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db import models
from django.http import HttpRequest

from mildpath.audit.models import AuditEvent
from mildpath.core import clock
from mildpath.core.db import insert
from mildpath.core.net import client_ip, user_agent


def _role_of(user: Any) -> str:
    profile = getattr(user, "staff_profile", None)
    return str(profile.role) if profile is not None else ""


def record(
    *,
    action: str,
    request: HttpRequest | None = None,
    actor: AbstractBaseUser | AnonymousUser | None = None,
    obj: models.Model | None = None,
    patient_id: int | None = None,
    purpose: str = "",
    detail: dict[str, Any] | None = None,
    actor_label: str = "",
) -> AuditEvent:
    """Append one audit event. Call it inside the transaction of the change it records,
    so the change and its record commit or roll back together."""
    if actor is None and request is not None:
        actor = getattr(request, "user", None)
    user = actor if isinstance(actor, User) else None
    return insert(
        AuditEvent(
            at=clock.now(),
            actor=user,
            actor_label=actor_label or (user.get_username() if user is not None else ""),
            role=_role_of(user),
            action=action,
            object_type=obj._meta.label if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            patient_id=patient_id,
            client_ip=client_ip(request) or None if request is not None else None,
            user_agent=user_agent(request) if request is not None else "",
            purpose=purpose[:300],
            detail=detail or {},
        )
    )
