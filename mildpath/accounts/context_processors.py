from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from mildpath.accounts.access import role_of
from mildpath.accounts.roles import Capability, can


def staff(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    role = role_of(user) if user is not None else None
    if role is None:
        return {}
    return {
        "staff_role": role,
        "staff_can": {c.value: can(role, c) for c in Capability},
        "session_policy": {
            "idle": settings.MILDPATH_IDLE_TIMEOUT,
            "warning": settings.MILDPATH_IDLE_WARNING,
        },
    }
