"""The real worker process survives its database being unavailable for longer than any
wait it is willing to make, backs off meanwhile, /healthz says it is unhealthy, and the
message queued before the fault is sent once the database is back.

On SQLite the fault is the issue's: another process holds the database locked
(``BEGIN EXCLUSIVE``) for several times the worker's lock timeout. On PostgreSQL the
database refuses connections (``ALLOW_CONNECTIONS false``, its sessions ended) for as
long. The server (gunicorn) and the worker run on the real clock with short settings:
a 1 s SQLite timeout, heartbeats stale after 2 s, back-off capped at 4 s."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import dj_database_url
import pytest

from tests.helpers import ROOT, Server

STALE_SECONDS = 2
FAULT_SECONDS = 8.0
WAIT_SECONDS = 60.0


def _get(server: Server, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(server.url(path), timeout=10) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _wait_for(what: str, condition: Callable[[], object], seconds: float = WAIT_SECONDS) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {seconds:.0f} s for {what}")
        time.sleep(0.1)


@contextmanager
def _unavailable(server: Server) -> Iterator[Any]:
    """The database unavailable to everyone else while the block runs; yields a
    function that counts pending confirmations, read through the test's own session."""
    if server.vendor == "postgresql":
        import psycopg

        name = server.database_url.rsplit("/", 1)[1]
        with (
            psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as admin,
            psycopg.connect(server.database_url, autocommit=True) as own,
        ):
            admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> %s",
                (name, own.info.backend_pid),
            )
            try:
                yield lambda sql: own.execute(sql).fetchall()[0][0]
            finally:
                admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
        return
    path = dj_database_url.parse(server.database_url)["NAME"]
    lock = sqlite3.connect(str(path), isolation_level=None, timeout=10)
    try:
        lock.execute("BEGIN EXCLUSIVE")
        yield lambda sql: lock.execute(sql).fetchall()[0][0]
        lock.execute("COMMIT")
    finally:
        lock.close()


PENDING = (
    "SELECT count(*) FROM scheduling_outboundmessage "
    "WHERE kind = 'confirmation' AND status = 'pending'"
)
SENT = (
    "SELECT count(*) FROM scheduling_outboundmessage "
    "WHERE kind = 'confirmation' AND status = 'sent'"
)


def _book(server: Server, slot: dict[str, str], n: int) -> None:
    status, answer = server.book(
        {
            "location": "pasadena",
            "appointment_type": "consultation",
            "start": slot["start"],
            "practitioner": slot["practitioner"],
            "patient": {
                "given_name": "Patient",
                "family_name": f"Waiting-{'abcdefgh'[n]}",
                "date_of_birth": "1950-01-01",
                "phone": "(626) 555-0199",
                "email": f"waiting{n}@example.com",
            },
        }
    )
    assert status == 201, answer


@pytest.mark.django_db
def test_the_worker_outlives_an_unavailable_database_and_healthz_says_so(tmp_path):
    server = Server(tmp_path, lock=True)
    server.env.update(
        MILDPATH_WORKER_STALE_SECONDS=str(STALE_SECONDS),
        MILDPATH_SQLITE_TIMEOUT="1",
        MILDPATH_WORKER_BACKOFF_MAX="4",
        MILDPATH_EMAIL_FILE_PATH=str(tmp_path / "mail"),
    )
    log = tmp_path / "worker.log"
    worker: subprocess.Popen[bytes] | None = None
    try:
        server.start()
        status, text = _get(server, "/healthz")
        assert (status, text) == (503, "worker: no heartbeat (is manage.py worker running?)\n")

        with log.open("ab") as out:
            worker = subprocess.Popen(
                [sys.executable, "manage.py", "worker", "--interval", "1"],
                cwd=ROOT, env=server.env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        _wait_for("a healthy worker", lambda: _get(server, "/healthz") == (200, "ok"))

        # A booking whose confirmation is still waiting when the fault begins (the
        # worker runs a round a second: a booking it already sent is followed by another).
        slots = server.slots("pasadena")
        answers: list[tuple[float, int, str]] = []
        for n in range(5):
            _book(server, slots[n * 4], n)
            with _unavailable(server) as count:
                if not count(PENDING):
                    continue
                began = time.monotonic()
                while time.monotonic() - began < FAULT_SECONDS:
                    assert worker.poll() is None, log.read_text()[-3000:]
                    answers.append((time.monotonic() - began, *_get(server, "/healthz")))
                    time.sleep(0.25)
                assert count(PENDING) == 1  # nothing went out meanwhile
                sent_before = count(SENT)
                break
        else:
            pytest.fail("the worker sent every booking's confirmation before the fault")

        assert worker.poll() is None, "the worker died: " + log.read_text()[-3000:]
        # Unhealthy once the last heartbeat went stale, and for the rest of the fault.
        late = [(status, text) for at, status, text in answers if at > STALE_SECONDS + 1.5]
        assert late and all(status == 503 for status, _ in late), answers
        expected = "database: unreachable" if server.vendor == "postgresql" else "worker: no"
        assert all(text.startswith(expected) for _, text in late), late

        # The database back: the queued confirmation goes out and /healthz recovers.
        _wait_for("the confirmation", lambda: server.counts(SENT)[0] == sent_before + 1)
        _wait_for("a healthy worker again", lambda: _get(server, "/healthz") == (200, "ok"))
        assert worker.poll() is None
        assert any((tmp_path / "mail").glob("*.log"))

        # It backed off: waits doubled after each failure in a row, up to the cap.
        output = log.read_text()
        assert "worker round failed (1 in a row); trying again in 2.0 s" in output
        assert "worker round failed (2 in a row); trying again in 4.0 s" in output
    finally:
        if worker is not None and worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=30)
        server.stop()


@pytest.mark.django_db
def test_a_worker_started_with_exit_with_parent_stops_when_its_parent_is_killed(tmp_path):
    server = Server(tmp_path, lock=True)
    server.prepare(demo=False)
    worker_pid = tmp_path / "worker.pid"
    parent = subprocess.Popen(
        ["/bin/sh", "-c",
         f"{sys.executable} manage.py worker --interval 0.2 --exit-with-parent $$ & "
         f"echo $! > {worker_pid}; wait"],
        cwd=ROOT, env=server.env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_for("the worker to start", lambda: worker_pid.exists() and worker_pid.read_text())
        pid = int(worker_pid.read_text())
        assert _running(pid)
        parent.kill()  # SIGKILL: the parent can do nothing about its children
        parent.wait(timeout=10)
        _wait_for("the orphaned worker to stop", lambda: not _running(pid), seconds=10)
    finally:
        os.killpg(parent.pid, signal.SIGKILL)


def _running(pid: int) -> bool:
    """Alive and not a zombie waiting for a parent that will never reap it."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
