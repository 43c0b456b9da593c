"""The real task worker delivers each message once, even when it is killed midway."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from email import message_from_string
from pathlib import Path

import pytest

from tests.scheduling.test_booking_race import ROOT, Server

BOOKINGS = 30

BOOK_SCRIPT = (
    f"BOOKINGS = {BOOKINGS}\n"
    """
from datetime import date, timedelta
from mildpath.core import clock
from mildpath.scheduling.availability import available_slots
from mildpath.scheduling.booking import PatientDetails, appointment_book
from mildpath.scheduling.models import AppointmentType

kind = AppointmentType.objects.get(location__slug="pasadena", kind="consultation")
now = clock.now()
today = now.astimezone(kind.location.tz).date()
taken = []
for slot in available_slots(appointment_type=kind, first_day=today + timedelta(days=2),
                            last_day=today + timedelta(days=30), now=now):
    if any(slot.start < t.end and t.start < slot.end for t in taken):
        continue
    taken.append(slot)
    n = len(taken)
    appointment_book(
        request=None, appointment_type=kind, start=slot.start, now=now,
        patient=PatientDetails(given_name="Worker", family_name=f"Test{n}",
            date_of_birth=date(1950, 1, 1), phone=f"+1626555{2000 + n:04d}",
            email=f"patient{n}@example.com", preferred_language="en"),
    )
    if n == BOOKINGS:
        break
"""
)


def _message_ids(mail_dir: Path) -> list[str]:
    ids = []
    for path in mail_dir.glob("*.log"):
        for chunk in path.read_text().split("-" * 79):
            if chunk.strip():
                ids.append(message_from_string(chunk.strip())["Message-ID"])
    return ids


@pytest.mark.django_db
def test_a_killed_and_restarted_worker_sends_no_message_twice(tmp_path):
    server = Server(tmp_path, lock=True)
    mail_dir = tmp_path / "mail"
    server.env["MILDPATH_EMAIL_FILE_PATH"] = str(mail_dir)
    server.manage("migrate", "--noinput")
    server.manage("load_demo")
    server.manage("shell", "-c", BOOK_SCRIPT)

    worker = [sys.executable, "manage.py", "db_worker", "--interval", "0.05", "--no-startup-delay"]
    first = subprocess.Popen(worker, cwd=ROOT, env=server.env, start_new_session=True)
    deadline = time.monotonic() + 60
    while len(_message_ids(mail_dir)) < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(first.pid, signal.SIGKILL)  # no goodbye: mid-task if it was in one
    first.wait(timeout=10)
    sent_before_restart = len(_message_ids(mail_dir))
    assert 5 <= sent_before_restart < BOOKINGS, "the worker must be stopped midway"

    second = subprocess.run(
        [*worker, "--batch"], cwd=ROOT, env=server.env, timeout=180, capture_output=True
    )
    assert second.returncode == 0, second.stderr[-2000:]

    ids = _message_ids(mail_dir)
    assert len(ids) == len(set(ids)), "a message was sent twice"
    # Everything not caught mid-send by the kill went out; at most one was.
    assert BOOKINGS - 1 <= len(ids) <= BOOKINGS
