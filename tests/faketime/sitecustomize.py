"""Loaded at start-up by every Python process of ``make test-future`` (its PYTHONPATH),
which runs the suite under libfaketime with the wall clock a year ahead.

Monotonic time must stay real there (FAKETIME_DONT_FAKE_MONOTONIC=1): libfaketime 0.9.10
does not intercept sem_clockwait, through which Python 3.11 times every wait on a lock,
event or queue, so with a faked monotonic clock ``event.wait(0.1)`` waits for a
deadline decades away (libfaketime issue 390; the outbox worker waits so between
rounds). But with monotonic time real, libfaketime 0.9.10 still shifts the absolute
monotonic deadline Python 3.11's ``time.sleep`` gives clock_nanosleep, which then fails
with EINVAL (libfaketime issue 426). So, under libfaketime only, ``time.sleep`` waits in
select() instead, which libfaketime passes through untouched. (Chromium, which
hangs with a real monotonic clock under libfaketime, is started without that setting:
tests/faketime/chromium.)
"""

from __future__ import annotations

import os
import select
import time


def _sleep(seconds: float) -> None:
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    select.select([], [], [], seconds)


if "libfaketime" in os.environ.get("LD_PRELOAD", "") and os.environ.get(
    "FAKETIME_DONT_FAKE_MONOTONIC"
):
    time.sleep = _sleep
