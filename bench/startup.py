"""Time from `make run` in a fresh clone to the first 200 from GET /, first and second start.

Targets (issue 2): first start, install included, within 5 minutes; second start
within 15 seconds. `make bench` prints both; tests/test_make_run.py checks that the
fresh clone comes up at all.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Start:
    seconds: float
    status: int
    output: str


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fresh_clone(destination: Path) -> Path:
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(destination)], check=True)
    return destination


def make_run(checkout: Path, limit_seconds: float = 300) -> Start:
    """Start `make run`, wait for GET / to answer, stop it again."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MILDPATH_", "DATABASE_URL"))}
    env.update(PORT=str(port), PYTHONUNBUFFERED="1")
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("VIRTUAL_ENV", None)
    log = tempfile.TemporaryFile(mode="w+")
    started = time.monotonic()
    process = subprocess.Popen(
        ["make", "run"],
        cwd=checkout,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    status = 0
    try:
        while time.monotonic() - started < limit_seconds and process.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:  # noqa: S310 - loopback
                    status = response.status
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.25)
        elapsed = time.monotonic() - started
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        log.seek(0)
        output = log.read()
        log.close()
    return Start(seconds=elapsed, status=status, output=output)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="mildpath-clone-") as tmp:
        checkout = fresh_clone(Path(tmp) / "mildpath")
        first = make_run(checkout)
        second = make_run(checkout)
    print(f"{'start':<8} {'seconds':>8} {'target':>8} {'status':>7}")
    print(f"{'first':<8} {first.seconds:>8.1f} {300:>8} {first.status:>7}")
    print(f"{'second':<8} {second.seconds:>8.1f} {15:>8} {second.status:>7}")


if __name__ == "__main__":
    main()
