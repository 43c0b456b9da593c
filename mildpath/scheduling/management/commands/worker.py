"""``manage.py worker``: sends the outbox's messages and lapses waiting-list offers,
every few seconds, until stopped (SIGTERM or SIGINT finish the round under way)."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from mildpath.scheduling.tasks import run_worker


class Command(BaseCommand):
    help = "Send due outbox messages and lapse expired waiting-list offers, until stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=5.0, help="seconds between rounds")
        parser.add_argument("--once", action="store_true", help="run one round and stop")

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
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
