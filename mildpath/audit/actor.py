"""Who is acting, from where, and why: the small value every service and every audited
read is given in place of the HTTP request (ARCHITECTURE.md, "Inside an app")."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.http import HttpRequest

from mildpath.core.net import client_ip, user_agent


@dataclass(frozen=True)
class Actor:
    """``user`` is the signed-in staff member, or None for a patient, the public site or
    the system; ``label`` names a non-user actor ("public site", "waiting list");
    ``reason`` is why, when the action needs one (emergency access)."""

    user: User | None = None
    label: str = ""
    client_ip: str = ""
    user_agent: str = ""
    reason: str = ""

    @classmethod
    def of(cls, request: HttpRequest, *, label: str = "", reason: str = "") -> Actor:
        """The actor behind a request: its signed-in user (if any) and its address."""
        user = getattr(request, "user", None)
        return cls(
            user=user if isinstance(user, User) and user.is_authenticated else None,
            label=label,
            client_ip=client_ip(request),
            user_agent=user_agent(request),
            reason=reason,
        )

    @classmethod
    def system(cls, label: str) -> Actor:
        """Work the practice's own software does on nobody's request (the worker)."""
        return cls(label=label)

    @property
    def name(self) -> str:
        return self.label or (self.user.get_username() if self.user is not None else "")

    def with_user(self, user: User) -> Actor:
        """The same request, on behalf of a user just identified (signing in)."""
        return Actor(
            user=user,
            label=self.label,
            client_ip=self.client_ip,
            user_agent=self.user_agent,
            reason=self.reason,
        )
