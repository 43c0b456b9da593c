"""Sign-in lockout (django-axes), by three independent counts of recent failures:

* per user name, from any address: a password guessed from many addresses still stops
  after ``AXES_FAILURE_LIMIT`` tries, and the account's owner is emailed;
* per address, across user names (``MILDPATH_LOCKOUT_ADDRESS_FAILURES``, higher, so one
  person's typos never lock out everyone behind the practice's proxy): one address
  trying many user names stops too;
* per user name and address together (``AXES_FAILURE_LIMIT``), as before.

``AXES_LOCKOUT_PARAMETERS`` lists the three; django-axes compares all of them with one
limit, so ``LockoutHandler`` gives the per-address count its own.
"""

from __future__ import annotations

import logging
from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit, get_lockout_parameters
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Sum
from django.http import HttpRequest

from mildpath.accounts.notices import notify_owner
from mildpath.core import clock

log = logging.getLogger(__name__)


def _failures(attempts: Any) -> int:
    return int(attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0)


def _limit(parameter: str | list[str], limit: int) -> int:
    if parameter == "ip_address":
        return max(1, int(settings.MILDPATH_LOCKOUT_ADDRESS_FAILURES))
    return max(1, limit)


class LockoutHandler(AxesDatabaseHandler):
    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        """The failures as django-axes compares them with AXES_FAILURE_LIMIT: at least the
        limit when any count has reached its own limit, below it otherwise."""
        limit = get_failure_limit(request, credentials)
        parameters = get_lockout_parameters(request, credentials)
        below = 0
        for parameter, attempts in zip(
            parameters, self.get_user_attempts(request, credentials), strict=True
        ):
            failures, own_limit = _failures(attempts), _limit(parameter, limit)
            if failures >= own_limit:
                return max(limit, failures)
            below = max(below, failures * limit // own_limit)
        return min(below, limit - 1)

    def reset_user_attempts(
        self, request: HttpRequest, credentials: dict[str, Any] | None = None
    ) -> int:
        """After a good sign-in, forget that user's failures only: django-axes would also
        forget every failure from the address, letting anyone with an account of their own
        wipe the per-address count by signing in between guesses."""
        username = get_client_username(request, credentials)
        count, _kinds = AccessAttempt.objects.filter(username=username).delete()
        return int(count)


def user_locked_out(
    sender: object, request: HttpRequest, username: str | None, ip_address: str, **kwargs: Any
) -> None:
    """django-axes' ``user_locked_out`` signal: tell the owner when a failure has just
    locked their user name (not on each attempt refused while it stays locked, nor when
    only the address is locked)."""
    if not username or getattr(request, "axes_failures_since_start", None) is None:
        return  # refused while already locked: the failure that locked it was emailed
    credentials = {"username": username}
    recent = AccessAttempt.objects.filter(
        username=username, attempt_time__gte=get_cool_off_threshold(request)
    )
    limit = get_failure_limit(request, credentials)
    if _failures(recent) != limit:
        return
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        return
    try:
        notify_owner(
            user=user,
            kind="locked_out",
            now=clock.now(),
            failures=limit,
            address=ip_address,
            minutes=int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        )
    except OSError:
        # A mail server that is down must not turn a refused sign-in into an error page.
        log.exception("Could not email %s about their sign-in lockout", username)
