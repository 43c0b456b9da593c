"""200 people try to book 10 slots at once, through gunicorn, on the suite's database.

With the booking lock: exactly 10 booked, 190 clean 409s, no 5xx, no overlap in SQL,
and the database backstop never needed. With the lock switched off (a test-only
setting, which also holds the gap between check and insert open for 50 ms so that
the race shows on every run, not only on an unlucky one), the race shows: the
backstop has to catch double bookings, or SQLite refuses concurrent writers. Either
way no overlap ever reaches the table.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import dj_database_url
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
ATTEMPTS = 200
SLOTS = 10

OVERLAPS_SQL = """
SELECT COUNT(*) FROM scheduling_appointment a JOIN scheduling_appointment b
  ON a.id < b.id AND a.practitioner_id = b.practitioner_id
 AND a.status IN ('booked', 'arrived', 'fulfilled', 'noshow')
 AND b.status IN ('booked', 'arrived', 'fulfilled', 'noshow')
 AND a.busy_start < b.busy_end AND b.busy_start < a.busy_end
"""


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    def __init__(self, tmp_path: Path, lock: bool) -> None:
        self.port = _free_port()
        self.vendor = connection.vendor
        if self.vendor == "postgresql":
            self.database_url = self._fresh_postgres_database()
        else:
            self.database_url = f"sqlite:///{tmp_path / 'race.sqlite3'}"
        self.env = {
            **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
            "MILDPATH_PROFILE": "test",
            "DATABASE_URL": self.database_url,
            "MILDPATH_TEST_BOOKING_LOCK": "on" if lock else "off",
            "MILDPATH_VAR_DIR": str(tmp_path),
            # Every attempt comes from 127.0.0.1: lift the public flood guard.
            "MILDPATH_PUBLIC_CREATIONS_PER_HOUR": "1000000",
        }
        self.process: subprocess.Popen[bytes] | None = None

    def _fresh_postgres_database(self) -> str:
        import psycopg

        base = os.environ["DATABASE_URL"]
        name = f"race_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(base, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        return base.rsplit("/", 1)[0] + f"/{name}"

    def manage(self, *args: str) -> None:
        subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, check=True,
            capture_output=True, timeout=180,
        )  # fmt: skip

    def start(self) -> None:
        self.manage("migrate", "--noinput")
        self.manage("load_demo")
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.process = subprocess.Popen(
            [str(gunicorn), "mildpath.wsgi", "--bind", f"127.0.0.1:{self.port}",
             "--workers", "2", "--threads", "16", "--log-level", "warning"],
            cwd=ROOT, env=self.env, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url("/healthz"), timeout=10).close()  # noqa: S310
                return
            except OSError:  # not listening yet, or a first answer slow on a busy machine
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def counts(self, *queries: str) -> list[int]:
        """Each query's single number, read straight from the server's database."""
        if self.vendor == "postgresql":
            import psycopg

            with psycopg.connect(self.database_url) as pg:
                return [int(pg.execute(q).fetchall()[0][0]) for q in queries]
        path = dj_database_url.parse(self.database_url)["NAME"]
        with sqlite3.connect(str(path)) as lite:
            return [int(lite.execute(q).fetchall()[0][0]) for q in queries]

    def slots(self, slug: str) -> list[dict[str, str]]:
        """December's free consultation slots at one location, from the API."""
        query = f"location={slug}&appointment_type=consultation"
        with urllib.request.urlopen(  # noqa: S310 - loopback
            self.url(f"/api/v1/slots?{query}&date_from=2026-12-01&date_to=2026-12-31")
        ) as response:
            return list(json.load(response)["slots"])

    def book(self, body: dict[str, object]) -> tuple[int, dict[str, str]]:
        """POST a booking; the status and the JSON answer (empty if it is not JSON)."""
        request = urllib.request.Request(  # noqa: S310 - loopback
            self.url("/api/v1/appointments"),
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                return response.status, json.load(response)
        except urllib.error.HTTPError as error:
            try:
                return error.code, json.loads(error.read())
            except ValueError:
                return error.code, {}


def _attempt(server: Server, slot: dict[str, str], n: int) -> tuple[int, str]:
    status, answer = server.book(
        {
            "location": "pasadena",
            "appointment_type": "consultation",
            "start": slot["start"],
            "practitioner": slot["practitioner"],
            "patient": {
                "given_name": "Racer",
                "family_name": f"Number{n}",
                "date_of_birth": "1950-01-01",
                "phone": f"(626) 555-{1000 + n:04d}",
            },
        }
    )
    return status, "" if status == 201 else answer.get("reason", "")


def _race(tmp_path: Path, lock: bool) -> tuple[Counter[tuple[int, str]], int, int]:
    server = Server(tmp_path, lock)
    try:
        server.start()
        offered = server.slots("pasadena")
        # Ten slots that do not overlap one another, so ten bookings can all succeed.
        slots: list[dict[str, str]] = []
        for slot in offered:
            if all(slot["start"] >= s["end"] or slot["end"] <= s["start"] for s in slots):
                slots.append(slot)
        slots = slots[:SLOTS]
        assert len(slots) == SLOTS
        with ThreadPoolExecutor(max_workers=ATTEMPTS) as pool:  # all 200 at once
            results = Counter(
                pool.map(lambda n: _attempt(server, slots[n % SLOTS], n), range(ATTEMPTS))
            )
        overlaps, booked = server.counts(
            OVERLAPS_SQL, "SELECT COUNT(*) FROM scheduling_appointment"
        )
        return results, overlaps, booked
    finally:
        server.stop()


@pytest.mark.django_db
def test_with_the_lock_exactly_ten_of_two_hundred_book_and_the_rest_get_clean_409s(tmp_path):
    results, overlaps, booked = _race(tmp_path, lock=True)
    assert results[(201, "")] == SLOTS, results
    assert results[(409, "taken")] == ATTEMPTS - SLOTS, results
    assert not any(status >= 500 for status, _ in results), results
    assert overlaps == 0
    assert booked == SLOTS


@pytest.mark.django_db
def test_without_the_lock_the_race_is_real(tmp_path):
    results, overlaps, booked = _race(tmp_path, lock=False)
    raced = results[(409, "constraint")] + sum(n for (s, _), n in results.items() if s >= 500)
    assert raced > 0, f"no race observed: {results}"
    assert overlaps == 0  # the database backstop held
    assert booked <= SLOTS


PATIENT_OVERLAPS_SQL = """
SELECT COUNT(*) FROM scheduling_appointment a JOIN scheduling_appointment b
  ON a.id < b.id AND a.patient_id = b.patient_id
 AND a.status = 'booked' AND b.status = 'booked'
 AND a.start < b."end" AND b.start < a."end"
"""
PEOPLE = 10


def _book_person(server: Server, slug: str, start: str, person: int) -> tuple[int, str]:
    status, answer = server.book(
        {
            "location": slug,
            "appointment_type": "consultation",
            "start": start,
            "patient": {
                "given_name": "Twice",
                "family_name": f"Person{person}",
                "date_of_birth": "1950-01-01",
                "phone": f"(626) 555-{7000 + person:04d}",
            },
        }
    )
    return status, "" if status == 201 else answer.get("error", "")


@pytest.mark.django_db
def test_one_person_booking_two_clinics_at_the_same_time_gets_one_visit(tmp_path):
    """Ten new patients each send two bookings at once, for the same hour at two
    clinics (two doctors, so the per-doctor lock does not meet): each gets one visit,
    one clean 409, and one patient record."""
    server = Server(tmp_path, lock=True)
    try:
        server.start()
        common = sorted(
            {slot["start"] for slot in server.slots("pasadena")}
            & {slot["start"] for slot in server.slots("santa-monica")}
        )
        # One start per person, an hour apart, so different people never meet.
        chosen: list[str] = []
        for start in common:
            if not chosen or start[:13] != chosen[-1][:13]:
                chosen.append(start)
        chosen = chosen[:PEOPLE]
        assert len(chosen) == PEOPLE
        attempts = [(slug, start, n) for n, start in enumerate(chosen) for slug in
                    ("pasadena", "santa-monica")]  # fmt: skip
        with ThreadPoolExecutor(max_workers=len(attempts)) as pool:
            results = list(pool.map(lambda a: _book_person(server, *a), attempts))
        for person in range(PEOPLE):
            pair = sorted(results[2 * person : 2 * person + 2])
            assert pair == [(201, ""), (409, "patient_already_booked")], (person, results)
        overlaps, people = server.counts(
            PATIENT_OVERLAPS_SQL, "SELECT COUNT(*) FROM patients_patient WHERE given_name = 'Twice'"
        )
        assert (overlaps, people) == (0, PEOPLE)
    finally:
        server.stop()
