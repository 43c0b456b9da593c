"""``manage.py run``: what ``make run`` serves with. gunicorn (threads; reloading when
code, templates or translations change) and the worker (``manage.py worker``) run as
this process's children, and live and die together:

- Ctrl+C, SIGTERM or SIGHUP stop both; gunicorn finishes the requests under way;
- a worker that exits is started again a few seconds later, as ``Restart=always``
  does in production (docs/deploy.md);
- if gunicorn exits (its port taken, say), the worker is stopped and this command
  exits with gunicorn's status;
- if the process that started this one (``make``) dies, even by SIGKILL, this one
  notices and stops both; if this one is killed outright, Linux sends each child
  SIGTERM (``PR_SET_PDEATHSIG``), and the worker also stops by itself when its parent
  is gone (``--exit-with-parent``, which works on every system).

Links in the messages the worker sends point where this serves
(``MILDPATH_BASE_URL``, set for both children from ``--bind`` unless already set):
``PORT=8102 make run`` sends links to http://127.0.0.1:8102.

Production does not use this: systemd runs gunicorn and the worker as two services.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
WORKER_RESTART_SECONDS = 5.0
STOP_SECONDS = 15.0


def die_with_parent() -> None:
    """Ask Linux to send this process SIGTERM when its parent dies (no-op elsewhere)."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


class Command(BaseCommand):
    help = "Serve through gunicorn with the worker beside it, both stopping with this command."
    requires_system_checks: list[str] = []  # the children run them

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000", help="HOST:PORT to serve on")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn processes")
        parser.add_argument("--threads", type=int, default=8, help="threads per process")
        parser.add_argument("--no-reload", action="store_true", help="do not reload on changes")
        parser.add_argument("--interval", type=float, default=5.0, help="worker: s between rounds")

    def handle(self, *args: Any, **options: Any) -> None:
        parent = os.getppid()
        die_with_parent()
        stopping: list[int] = []
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, lambda signum, frame: stopping.append(signum))

        env = served_env(options["bind"], os.environ)
        server = _spawn(_gunicorn_command(options), env)
        worker = _spawn(_worker_command(options), env)
        worker_gone_at: float | None = None
        try:
            while not stopping and server.poll() is None and os.getppid() == parent:
                if worker.poll() is not None:
                    now = time.monotonic()
                    if worker_gone_at is None:
                        worker_gone_at = now
                        self.stderr.write(
                            f"run: the worker exited ({worker.returncode}); "
                            f"starting it again in {WORKER_RESTART_SECONDS:.0f} s"
                        )
                    elif now - worker_gone_at >= WORKER_RESTART_SECONDS:
                        worker, worker_gone_at = _spawn(_worker_command(options), env), None
                time.sleep(0.2)
        finally:
            _stop(worker, server)
        if not stopping and server.returncode not in (None, 0):
            raise SystemExit(server.returncode)


def _gunicorn_command(options: dict[str, Any]) -> list[str]:
    command = [
        sys.executable, "-m", "gunicorn", "mildpath.wsgi",
        "--bind", options["bind"],
        "--workers", str(options["workers"]),
        "--threads", str(options["threads"]),
        "--graceful-timeout", "10",
        "--access-logfile", "-",
        "--no-control-socket",  # one per user otherwise: two servers would share it
    ]  # fmt: skip
    if not options["no_reload"]:
        source = settings.BASE_DIR / "mildpath"
        command += [
            "--reload",
            # Templates are cached once read, and translations once loaded: a change
            # to either restarts the process as a change to the code does.
            "--reload-extra-file", f"{source}/templates/**/*.html",
            "--reload-extra-file", f"{source}/templates/**/*.txt",
            "--reload-extra-file", f"{source}/locale/**/*.mo",
        ]  # fmt: skip
    return command


def _worker_command(options: dict[str, Any]) -> list[str]:
    return [
        sys.executable, "manage.py", "worker",
        "--interval", str(options["interval"]),
        "--exit-with-parent", str(os.getpid()),
    ]  # fmt: skip


def base_url_for(bind: str) -> str | None:
    """The address a browser on this machine reaches ``--bind`` at: 0.0.0.0:8102 and
    127.0.0.1:8102 are both http://127.0.0.1:8102. None for a Unix socket."""
    if bind.startswith("unix:") or ":" not in bind:
        return None
    host, _, port = bind.rpartition(":")
    if not port.isdigit():
        return None
    if host in ("", "0.0.0.0", "*"):  # noqa: S104 # nosec B104 - names a bind-all address, binds nothing
        host = "127.0.0.1"
    elif host in ("[::]", "::"):
        host = "[::1]"
    return f"http://{host}:{port}"


def served_env(bind: str, environ: Mapping[str, str]) -> dict[str, str]:
    """The children's environment: this one's, with links in messages pointing where
    this serves, unless the user chose MILDPATH_BASE_URL themselves."""
    env = dict(environ)
    url = base_url_for(bind)
    if url is not None and not env.get("MILDPATH_BASE_URL"):
        env["MILDPATH_BASE_URL"] = url
    return env


def _spawn(command: list[str], env: Mapping[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603
        command, cwd=settings.BASE_DIR, env=env, preexec_fn=die_with_parent
    )


def _stop(*processes: subprocess.Popen[bytes]) -> None:
    """SIGTERM each (a clean stop), then SIGKILL whatever is still running."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_SECONDS
    for process in processes:
        try:
            process.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
