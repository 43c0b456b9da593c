"""Background work: the worker's rounds (``manage.py worker`` runs them).

Each round writes the questionnaire invitations and reminders that are due, sends the
outbox messages that are due and lapses the waiting-list offers past their time.
Everything a round needs is in the database, so a worker can die and its successor
picks up exactly where it left off.

A round that fails (the database locked or away) never stops the worker: it waits
longer after each failure in a row (``backoff_seconds``) and tries again. After every
round it writes its heartbeat (``WorkerHeartbeat``), which /healthz reads
(``worker_problems``): a worker that is gone, hung or failing shows up as unhealthy.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import close_old_connections
from django.db.models import F
from django.utils.module_loading import import_string

from mildpath.core import clock
from mildpath.scheduling.models import WorkerHeartbeat
from mildpath.scheduling.services.invitations import questionnaire_invitations_queue
from mildpath.scheduling.services.outbox import outbox_work
from mildpath.scheduling.services.waitlist import waitlist_offers_lapse_due

log = logging.getLogger(__name__)

# Heartbeats of workers that have not run a round for this long are removed.
HEARTBEAT_KEPT = timedelta(days=1)


def worker_round(*, now: datetime) -> dict[str, int]:
    """One round; how many messages went each way, and offers lapsed."""
    # Invitations first: the messages they write go out in the same round.
    outcomes = questionnaire_invitations_queue(now=now)
    outcomes.update(outbox_work(now=now))
    lapsed = waitlist_offers_lapse_due(now=now)
    if lapsed:
        outcomes["offers lapsed"] = lapsed
    # Other apps' background work (MILDPATH_WORKER_ROUNDS: the registry's reports),
    # named in settings because those apps sit above this one. Their failure is
    # logged and never holds up the messages above, nor the next round's.
    for path in settings.MILDPATH_WORKER_ROUNDS:
        try:
            outcomes.update(import_string(path)(now=now))
        except Exception:
            log.exception("worker: %s failed; the next round tries again", path)
            outcomes[f"{path.rsplit('.', 1)[-1]} failed"] = 1
    return outcomes


def backoff_seconds(*, interval: float, failures: int, cap: float) -> float:
    """How long to wait before the next round after ``failures`` failed rounds in a
    row: the interval, doubled for each failure, at most ``cap`` (but never less than
    the interval itself)."""
    if failures <= 0:
        return interval
    return min(interval * 2.0 ** min(failures, 32), max(cap, interval))


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


def worker_heartbeat_record(
    *, worker: str, started_at: datetime, now: datetime, error: str = "", failures: int = 0
) -> None:
    """This worker finished a round at ``now``: successfully if ``error`` is empty,
    otherwise the round failed with ``error``, the ``failures``-th in a row.

    Operational state, not patient data: no audit entry (one every few seconds would
    bury the trail). A worker's first heartbeat clears those of long-gone workers."""
    if error:
        fields: dict[str, object] = {
            "last_error": error[:300],
            "last_error_at": now,
            "failures_in_a_row": failures,
        }
    else:
        fields = {"last_success_at": now, "failures_in_a_row": 0}
    updated = WorkerHeartbeat.objects.filter(worker=worker).update(last_round_at=now, **fields)
    if not updated:
        WorkerHeartbeat.objects.filter(last_round_at__lt=now - HEARTBEAT_KEPT).delete()
        WorkerHeartbeat.objects.create(
            worker=worker, started_at=started_at, last_round_at=now, **fields
        )


def worker_problems(*, now: datetime, stale_after: timedelta) -> list[str]:
    """What is wrong with the workers, for /healthz: nothing when some worker finished
    a round successfully within ``stale_after``."""
    latest = WorkerHeartbeat.objects.order_by(F("last_success_at").desc(nulls_last=True)).first()
    if latest is None:
        return ["worker: no heartbeat (is manage.py worker running?)"]
    if latest.last_success_at is not None and now - latest.last_success_at <= stale_after:
        return []
    if latest.last_success_at is None:
        problem = "worker: no successful round yet"
    else:
        seconds = int((now - latest.last_success_at).total_seconds())
        problem = f"worker: no successful round for {seconds} s"
    if latest.last_error:
        # The exception's class only: this answer goes to whoever asks, over plain HTTP.
        problem += f" (last error: {latest.last_error.split(':', 1)[0]})"
    return [problem]


def run_worker(
    *,
    interval: float,
    stop: threading.Event,
    rounds: int | None = None,
    report: Callable[[dict[str, int]], None] = lambda outcomes: None,
    backoff_max: float | None = None,
) -> None:
    """Rounds every ``interval`` seconds until ``stop`` is set (or ``rounds`` are done).

    A round that fails is logged, and the worker keeps going: it waits longer after
    each failure in a row (doubling, up to ``backoff_max``, by default
    MILDPATH_WORKER_BACKOFF_MAX) so a database that is locked or restarting is not
    hammered, and returns to ``interval`` after the first round that works."""
    cap = settings.MILDPATH_WORKER_BACKOFF_MAX if backoff_max is None else backoff_max
    worker = worker_name()
    started_at = clock.now()
    failures = 0
    done = 0
    while not stop.is_set() and (rounds is None or done < rounds):
        try:
            close_old_connections()
            outcomes = worker_round(now=clock.now())
        except Exception as exc:
            failures += 1
            wait = backoff_seconds(interval=interval, failures=failures, cap=cap)
            log.exception(
                "worker round failed (%d in a row); trying again in %.1f s", failures, wait
            )
            error = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            _heartbeat(worker, started_at, error=error, failures=failures)
        else:
            failures = 0
            wait = interval
            _heartbeat(worker, started_at)
            if outcomes:
                report(outcomes)
        done += 1
        if rounds is None or done < rounds:
            stop.wait(wait)


def _heartbeat(worker: str, started_at: datetime, *, error: str = "", failures: int = 0) -> None:
    # When the database is what failed, the heartbeat cannot be written either; its
    # growing age is then what tells /healthz.
    try:
        worker_heartbeat_record(
            worker=worker, started_at=started_at, now=clock.now(), error=error, failures=failures
        )
    except Exception as exc:
        log.warning("worker heartbeat not recorded: %s", type(exc).__name__)
