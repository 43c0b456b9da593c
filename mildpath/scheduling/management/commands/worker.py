"""``manage.py worker``: sends the outbox's messages and lapses waiting-list offers,
every few seconds, until stopped (SIGTERM or SIGINT finish the round under way).

Production runs it under a supervisor that restarts it (docs/deploy.md gives the
systemd unit); ``make run`` starts it with ``--exit-with-parent``, so it never
outlives the process that started it."""

from __future__ import annotations

import logging
import os
import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from mildpath.scheduling.tasks import run_worker

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Send due outbox messages and lapse expired waiting-list offers, until stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=5.0, help="seconds between rounds")
        parser.add_argument("--once", action="store_true", help="run one round and stop")
        parser.add_argument(
            "--exit-with-parent",
            nargs="?",
            const=0,
            type=int,
            metavar="PID",
            help="stop when the process that started this one is gone (give its PID, "
            "known before this one starts, so that a parent dying meanwhile counts too)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        if options["exit_with_parent"] is not None:
            parent = options["exit_with_parent"] or os.getppid()
            threading.Thread(target=_stop_when_orphaned, args=(parent, stop), daemon=True).start()
        self.stdout.write("worker: started")
        self.stdout.flush()
        run_worker(
            interval=options["interval"],
            stop=stop,
            rounds=1 if options["once"] else None,
            report=lambda outcomes: self.stdout.write(
                "worker: " + ", ".join(f"{n} {what}" for what, n in sorted(outcomes.items()))
            ),
        )
        self.stdout.write("worker: stopped")


def _stop_when_orphaned(parent: int, stop: threading.Event) -> None:
    """A process whose parent dies is handed to another (init, or a subreaper): the
    parent id changes. Checked every half second, on every system."""
    while os.getppid() == parent:
        if stop.wait(0.5):
            return
    log.warning("worker: the process that started it is gone; stopping")
    stop.set()
