"""The README's first command works on a fresh clone: install, migrate, demo data, serve
through gunicorn with the worker beside it; it answers a burst of bookings, brings a
dead worker back, and leaves no process behind when make dies, even by SIGKILL.

The clone is of the work tree as it is (uncommitted changes and new files included,
ignored files such as .venv and var/ left out), so the test checks the code on disk."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from bench.startup import fresh_clone, make_run
from tests.helpers import ROOT, free_port

pytestmark = pytest.mark.slow

ATTEMPTS = 200


def clone_of_the_work_tree(destination: Path) -> Path:
    fresh_clone(destination)
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--modified", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True, text=True,
    ).stdout  # fmt: skip
    for name in filter(None, listed.split("\0")):
        source, target = ROOT / name, destination / name
        if source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
        elif not source.exists():
            target.unlink(missing_ok=True)  # deleted in the work tree
    return destination


@pytest.fixture(scope="module")
def checkout(tmp_path_factory) -> Path:
    return clone_of_the_work_tree(tmp_path_factory.mktemp("clone") / "mildpath")


def processes_of(checkout: Path) -> dict[int, str]:
    """Every process running in the checkout (by working directory): pid -> command."""
    found: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if Path(os.readlink(entry / "cwd")) != checkout.resolve():
                continue
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        except OSError:  # gone meanwhile, or not ours to read
            continue
        if command:
            found[int(entry.name)] = command
    return found


def workers_of(checkout: Path) -> list[int]:
    return [pid for pid, command in processes_of(checkout).items() if "manage.py worker" in command]


def wait_until(what: str, condition: Callable[[], object], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {seconds:.0f} s for {what}")
        time.sleep(0.2)


def test_make_run_serves_the_home_page_from_a_fresh_clone(checkout):
    first = make_run(checkout)
    assert first.status == 200, first.output[-3000:]
    assert "user demo.manager" in first.output
    assert "demo-only-mildpath-2026" in first.output
    assert "Listening at: http://127.0.0.1:" in first.output  # gunicorn, not runserver
    assert (checkout / ".venv" / "bin" / "python").exists()
    assert (checkout / "var" / "mildpath.sqlite3").exists()

    # A second start reuses the install and the database, and the demo load stays idempotent.
    second = make_run(checkout)
    assert second.status == 200, second.output[-3000:]
    assert "pip install" not in second.output
    # Stopped (SIGTERM to its process group, as Ctrl+C would), nothing is left running.
    wait_until("every process to stop", lambda: not processes_of(checkout), 20)


@pytest.fixture
def running(checkout) -> Iterator[tuple[subprocess.Popen[bytes], int, Path]]:
    """`make run` on a free port, answering; SIGKILLed with all it started afterwards."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MILDPATH_", "DATABASE_URL"))}
    env.update(PORT=str(port), PYTHONUNBUFFERED="1")
    for name in ("DJANGO_SETTINGS_MODULE", "VIRTUAL_ENV", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(name, None)
    log = Path(tempfile.mkdtemp()) / "make-run.log"
    with log.open("wb") as out:
        make = subprocess.Popen(
            ["make", "run"], cwd=checkout, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def answers() -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:  # noqa: S310
                return bool(response.status == 200)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            assert make.poll() is None, log.read_text()[-3000:]
            return False

    try:
        wait_until("make run to answer", answers, 300)
        wait_until("the worker to start", lambda: workers_of(checkout), 30)
        yield make, port, log
    finally:
        for pid in processes_of(checkout):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGKILL)
        make.wait(timeout=30)


def _simultaneous_bookings(port: int) -> list[int | str]:
    """ATTEMPTS bookings of one time, released at once: each one's status, or the
    error its connection ended with."""
    first = date.today() + timedelta(days=2)  # noqa: DTZ011 - the server's real clock
    query = (
        f"location=pasadena&appointment_type=consultation&date_from={first.isoformat()}"
        f"&date_to={(first + timedelta(days=27)).isoformat()}"
    )
    url = f"http://127.0.0.1:{port}/api/v1/slots?{query}"
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - loopback
        slot = json.load(response)["slots"][0]
    body = json.dumps(
        {
            "location": "pasadena",
            "appointment_type": "consultation",
            "start": slot["start"],
            "patient": {
                "given_name": "Burst",
                "family_name": "Tester",
                "date_of_birth": "1950-01-01",
                "phone": "(626) 555-0142",
            },
        }
    )
    start = threading.Barrier(ATTEMPTS)
    answers: list[int | str] = []

    def attempt() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        start.wait()
        try:
            connection.request(
                "POST", "/api/v1/appointments", body, {"Content-Type": "application/json"}
            )
            answers.append(connection.getresponse().status)
        except OSError as error:  # reset, refused, timed out: no answer
            answers.append(type(error).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_make_run_answers_every_one_of_200_simultaneous_bookings(running):
    make, port, log = running
    answers = _simultaneous_bookings(port)
    unanswered = [answer for answer in answers if not isinstance(answer, int)]
    assert unanswered == [], f"{len(unanswered)} of {ATTEMPTS} got no answer: {set(unanswered)}"
    assert len(answers) == ATTEMPTS
    assert answers.count(201) <= 1  # one time, booked once at most
    assert 500 not in answers


def test_a_worker_that_dies_is_started_again_and_none_outlives_a_killed_make(running, checkout):
    make, port, log = running
    (first,) = workers_of(checkout)
    os.kill(first, signal.SIGKILL)
    wait_until("a new worker", lambda: workers_of(checkout) not in ([], [first]), 20)
    assert "the worker exited (-9); starting it again" in log.read_text()

    assert any("gunicorn" in command for command in processes_of(checkout).values())
    os.kill(make.pid, signal.SIGKILL)  # make alone, not its process group
    make.wait(timeout=10)
    wait_until(
        "the worker and gunicorn to stop with make",
        lambda: not processes_of(checkout),
        15,
    )
