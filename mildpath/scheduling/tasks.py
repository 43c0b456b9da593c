"""Background work: the worker's rounds (``manage.py worker`` runs them).

Each round sends the outbox messages that are due and lapses the waiting-list offers
past their time. Everything a round needs is in the database, so a worker can die and
its successor picks up exactly where it left off.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from django.db import close_old_connections

from mildpath.core import clock
from mildpath.scheduling.services.outbox import outbox_work
from mildpath.scheduling.services.waitlist import waitlist_offers_lapse_due

log = logging.getLogger(__name__)


def worker_round(*, now: datetime) -> dict[str, int]:
    """One round; how many messages went each way, and offers lapsed."""
    outcomes = outbox_work(now=now)
    lapsed = waitlist_offers_lapse_due(now=now)
    if lapsed:
        outcomes["offers lapsed"] = lapsed
    return outcomes


def run_worker(
    *,
    interval: float,
    stop: threading.Event,
    rounds: int | None = None,
    report: Callable[[dict[str, int]], None] = lambda outcomes: None,
) -> None:
    """Rounds every ``interval`` seconds until ``stop`` is set (or ``rounds`` are done).
    A round that fails (the database away for a moment) is logged and the next one
    tries again: the worker itself keeps going."""
    done = 0
    while not stop.is_set() and (rounds is None or done < rounds):
        close_old_connections()
        try:
            outcomes = worker_round(now=clock.now())
        except Exception:
            log.exception("worker round failed; trying again in %s s", interval)
        else:
            if outcomes:
                report(outcomes)
        done += 1
        if rounds is None or done < rounds:
            stop.wait(interval)
