"""Who is on the other end of a request.

The client IP comes from REMOTE_ADDR unless the deployment says how many proxies
it sits behind (MILDPATH_TRUSTED_PROXY_COUNT). Trusting X-Forwarded-For without
that would let anyone forge their address; ignoring it behind a proxy would make
every user share the proxy's address, so one person's failed sign-ins would lock
out the whole practice (django-axes #1099).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    remote = str(request.META.get("REMOTE_ADDR", ""))
    proxies = int(getattr(settings, "MILDPATH_TRUSTED_PROXY_COUNT", 0))
    if proxies <= 0:
        return remote
    forwarded = [
        hop.strip() for hop in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")
    ]
    forwarded = [hop for hop in forwarded if hop]
    # Each trusted proxy appends the address it saw; the client is the entry just
    # before the ones our own proxies added.
    if len(forwarded) >= proxies:
        return forwarded[-proxies]
    return remote


def user_agent(request: HttpRequest) -> str:
    return str(request.META.get("HTTP_USER_AGENT", ""))[:300]
