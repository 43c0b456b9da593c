"""How many bookings and call-back requests one address may make an hour: a person makes
one or two, a script hundreds. Counted from the audit entries those creations write,
inside the creating transaction and under a lock on the address, so that thirty
requests at once from one address cannot all count the same nine and all pass."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings

from mildpath.audit.actor import Actor
from mildpath.audit.queries import actions_from_address
from mildpath.scheduling.errors import TooManyFromAddress
from mildpath.scheduling.services.locks import address_lock

WINDOW = timedelta(hours=1)
BOOKING = ("appointment.book",)
CALL_BACK = ("callback.create",)


def address_quota_take(*, actor: Actor, actions: tuple[str, ...], now: datetime) -> None:
    """Raise TooManyFromAddress if ``actor``'s address already took ``actions`` as often
    as an hour allows; otherwise hold the address until commit, so the creation about to
    be written counts for the next request. Call first in the creating transaction."""
    if actor.client_ip:
        address_lock(ip=actor.client_ip)
    if quota_spent(actor=actor, actions=actions, now=now):
        raise TooManyFromAddress


def quota_spent(*, actor: Actor, actions: tuple[str, ...], now: datetime) -> bool:
    """Whether the address has no creations left this hour. A page asks before showing
    a form's errors, so a person over the limit learns it at once; only the count taken
    under the lock (``address_quota_take``) is binding."""
    if not actor.client_ip:
        return False
    limit = settings.MILDPATH_PUBLIC_CREATIONS_PER_HOUR
    recent = actions_from_address(
        ip=actor.client_ip, actions=actions, since=now - WINDOW, limit=limit
    )
    return recent >= limit
