"""Invitations go out exactly once per time point through the outbox, with the real
worker killed and started again mid-run.

Many patients' six-week questions are open today. The first worker invites the first
batch (each invitation written with its time point marked invited, in one transaction)
and starts sending; it is SIGKILLed while a text is in the provider's hands, before the
provider took it, with some time points invited and others not. A second worker picks
up: it invites the rest, claims the dead worker's message again once its claim lapses,
and sends everything. Every time point then has exactly one invitation per channel,
each sent exactly once, and one questionnaire link: none was invited twice.

Like tests/scheduling/test_outbox.py, this runs ``manage.py`` subprocesses on a
``Server``'s database, on the real clock (so the procedure date is counted back from
today), with the file email backend and the SMS backends below, which the workers
import from this module.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from email import message_from_string
from pathlib import Path
from typing import Any

import dj_database_url
import pytest
from django.conf import settings

from mildpath.scheduling.sms import FileSmsBackend, SmsFailed
from tests.helpers import ROOT, Server

WAIT_SECONDS = 60.0
PATIENTS = 80  # more than one round invites (50): the kill comes between rounds' work
TEXTS_BEFORE_HOLD = 3  # the first worker's provider takes three texts, then hangs
# The procedure was this many days ago (in Pasadena): the six-week window (days 28 to
# 56) opened two days ago, and its reminder (halfway, day 42) is twelve days off. The
# one-week window has closed and the three-month one has not opened.
PROCEDURE_DAYS_AGO = 30


# --- SMS backends for the workers under test (MILDPATH_SMS_BACKEND names them) ---------


def _sms_dir() -> Path:
    return Path(settings.MILDPATH_SMS_FILE_PATH)


class RecordingSms(FileSmsBackend):
    """The file backend, plus one line per send in ``sent.log``."""

    def send(self, *, to: str, body: str, key: str) -> None:
        super().send(to=to, body=body, key=key)
        with (_sms_dir() / "sent.log").open("a") as ledger:
            ledger.write(f"{key}\n")


class HoldingSms(RecordingSms):
    """Takes TEXTS_BEFORE_HOLD texts, then hangs on the next one before taking it: it
    says so (``held``) and holds the worker until the test kills it (at most
    WAIT_SECONDS, then it refuses)."""

    def send(self, *, to: str, body: str, key: str) -> None:
        ledger = _sms_dir() / "sent.log"
        taken = len(ledger.read_text().split()) if ledger.exists() else 0
        if taken < TEXTS_BEFORE_HOLD:
            super().send(to=to, body=body, key=key)
            return
        _sms_dir().mkdir(parents=True, exist_ok=True)
        (_sms_dir() / "held").write_text(key)
        time.sleep(WAIT_SECONDS)
        raise SmsFailed("the test never killed this worker")


# --- the patients, written inside a ``manage.py shell`` subprocess on the server's database


def seed(count: int) -> None:
    """``count`` Pasadena patients whose procedure was PROCEDURE_DAYS_AGO days ago
    (counted on the real clock): every other one gave an email address, the others a
    phone number only."""
    from mildpath.core import clock
    from mildpath.patients.services import patient_create
    from mildpath.practice.models import Location
    from mildpath.questionnaires.services import follow_up_plan_reanchor
    from tests.helpers import TEST_ACTOR

    location = Location.objects.get(slug="pasadena")
    now = clock.now()
    procedure = now.astimezone(location.tz).date() - timedelta(days=PROCEDURE_DAYS_AGO)
    for n in range(count):
        patient = patient_create(
            actor=TEST_ACTOR,
            given_name="Worker",
            family_name=f"Test{n}",
            date_of_birth=date(1950, 1, 1) + timedelta(days=n),
            phone=f"+1626555{3000 + n:04d}",
            email=f"worker{n}@example.com" if n % 2 == 0 else "",
            preferred_language="en",
            locations=[location],
            now=now,
        )
        follow_up_plan_reanchor(
            actor=TEST_ACTOR, patient=patient, location=location, procedure_date=procedure, now=now
        )


# --- the server's database, its files, and worker processes ------------------------------


def _rows(server: Server, sql: str) -> list[tuple[Any, ...]]:
    """Rows straight from the server's database (the suite's own is another one)."""
    if server.vendor == "postgresql":
        import psycopg

        with psycopg.connect(server.database_url) as pg:
            return list(pg.execute(sql).fetchall())
    path = dj_database_url.parse(server.database_url)["NAME"]
    with sqlite3.connect(str(path)) as lite:
        return list(lite.execute(sql).fetchall())


# The seeded patients' rows only (load_demo's own patients are none of this test's):
# every query below joins the patients and keeps those named "Worker".


def _plan(server: Server) -> dict[int, tuple[str, str, bool]]:
    """Every time point of the seeded patients: its code, its patient's email address
    ("" if none), and whether it was invited."""
    rows = _rows(
        server,
        "SELECT t.id, t.code, p.email, t.invited_at IS NOT NULL FROM questionnaires_timepoint t"
        " JOIN patients_patient p ON p.id = t.patient_id WHERE p.given_name = 'Worker'",
    )
    return {int(pk): (str(code), str(email), bool(invited)) for pk, code, email, invited in rows}


def _invited(server: Server) -> int:
    return sum(invited for _, _, invited in _plan(server).values())


def _invitations(server: Server) -> list[tuple[int, str, str, str, int]]:
    """(time point, channel, key, status, attempts) of every message to the seeded
    patients, oldest first: invitations only (no reminder is due)."""
    rows = _rows(
        server,
        "SELECT m.time_point_id, m.channel, m.key, m.status, m.attempts, m.kind"
        " FROM scheduling_outboundmessage m"
        " JOIN questionnaires_timepoint t ON t.id = m.time_point_id"
        " JOIN patients_patient p ON p.id = t.patient_id"
        " WHERE p.given_name = 'Worker' ORDER BY m.id",
    )
    assert {row[5] for row in rows} <= {"questionnaire_invite"}, rows
    return [(int(tp), str(ch), str(key), str(st), int(n)) for tp, ch, key, st, n, _ in rows]


def _links(server: Server) -> Counter[tuple[str, int]]:
    """How many links the seeded patients hold, by purpose and time point."""
    rows = _rows(
        server,
        "SELECT l.purpose, l.target_id FROM patients_patientlink l"
        " JOIN patients_patient p ON p.id = l.patient_id WHERE p.given_name = 'Worker'",
    )
    return Counter((str(purpose), int(target)) for purpose, target in rows)


def _emails_sent(mail_dir: Path) -> Counter[str]:
    """How many times each Message-ID was written by the file email backend."""
    ids: Counter[str] = Counter()
    for path in mail_dir.glob("*.log"):
        for chunk in path.read_text().split("-" * 79):
            if chunk.strip():
                ids[message_from_string(chunk.strip())["Message-ID"]] += 1
    return ids


def _texts_sent(sms_dir: Path) -> Counter[str]:
    """How many times each text's key reached the provider."""
    ledger = sms_dir / "sent.log"
    return Counter(ledger.read_text().split()) if ledger.exists() else Counter()


def _message_id(key: str) -> str:
    return f"<{key.replace(':', '.')}@mildpath>"


def _manage(server: Server, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**server.env, **env},
        capture_output=True, text=True, timeout=WAIT_SECONDS, check=False,
    )  # fmt: skip


def _worker(server: Server, log: Path, *args: str, **env: str) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "manage.py", "worker", *args], cwd=ROOT, env={**server.env, **env},
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip


def _kill(process: subprocess.Popen[bytes], signum: int = signal.SIGKILL) -> int:
    if process.poll() is None:
        os.killpg(process.pid, signum)
    return process.wait(timeout=WAIT_SECONDS)


def _wait_for(what: str, condition: Callable[[], bool], log: Path) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(
                f"waited {WAIT_SECONDS:.0f} s for {what}: {log.read_text()[-2000:]}"
            )
        time.sleep(0.05)


# --- the test ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_invites_each_time_point_exactly_once_though_the_worker_is_killed_mid_run(tmp_path):
    server = Server(tmp_path, lock=True)
    server.env["MILDPATH_EMAIL_FILE_PATH"] = str(tmp_path / "mail")
    server.prepare()
    seeded = _manage(server, "shell", "-c", f"from {__name__} import seed; seed({PATIENTS})")
    assert seeded.returncode == 0, seeded.stderr[-2000:]
    plan = _plan(server)
    # Each patient's follow-ups, counted from the procedure; only the six-week one open.
    assert Counter(code for code, _, _ in plan.values()) == {
        code: PATIENTS
        for code in ("week_1", "week_6", "month_3", "month_6", "month_12", "month_24")
    }
    points = {pk: email for pk, (code, email, _) in plan.items() if code == "week_6"}
    assert _invited(server) == 0
    mail_dir, sms_dir = tmp_path / "mail", tmp_path / "sms"

    first_log = tmp_path / "first.log"
    first = _worker(
        server, first_log, "--interval", "0.05", MILDPATH_SMS_BACKEND=f"{__name__}.HoldingSms"
    )
    try:
        _wait_for("the worker to hang in the provider", (sms_dir / "held").exists, first_log)
    finally:
        killed = _kill(first)  # SIGKILL: no goodbye, the held text never handed over
    assert killed == -signal.SIGKILL, first_log.read_text()[-2000:]
    held = (sms_dir / "held").read_text()
    # Killed mid-run: some time points invited, not all; some invitations sent, not all.
    invited_at_kill = _invited(server)
    assert 0 < invited_at_kill < PATIENTS
    statuses = Counter(status for _, _, key, status, _ in _invitations(server))
    assert statuses["sending"] == 1 and 0 < statuses["sent"] < invited_at_kill, statuses
    assert [key for _, _, key, status, _ in _invitations(server) if status == "sending"] == [held]
    assert _texts_sent(sms_dir)[held] == 0

    # The next worker takes over: the dead one's claim lapses after a second.
    second_log = tmp_path / "second.log"
    second = _worker(
        server,
        second_log,
        "--interval",
        "0.1",
        MILDPATH_OUTBOX_CLAIM_TIMEOUT="1",
        MILDPATH_SMS_BACKEND=f"{__name__}.RecordingSms",
    )
    try:
        _wait_for(
            "every time point invited and every invitation sent",
            lambda: (
                _invited(server) == PATIENTS
                and [status for _, _, _, status, _ in _invitations(server)] == ["sent"] * PATIENTS
            ),
            second_log,
        )
    finally:
        stopped = _kill(second, signal.SIGTERM)
    assert stopped == 0, second_log.read_text()[-2000:]

    invitations = _invitations(server)
    # The six-week time points invited, and nothing else.
    assert {pk for pk, (_, _, invited) in _plan(server).items() if invited} == set(points)
    # Exactly one invitation per time point, by the channel its patient gave.
    assert Counter((tp, channel) for tp, channel, _, _, _ in invitations) == Counter(
        (tp, "email" if email else "sms") for tp, email in points.items()
    )
    assert {key for _, _, key, _, _ in invitations} == {
        f"questionnaire:invite:{tp}:{channel}" for tp, channel, _, _, _ in invitations
    }
    # Each sent once: the held text on the next worker's claim, the rest on their first.
    assert sorted((key == held, attempts) for _, _, key, _, attempts in invitations) == [
        (False, 1)
    ] * (PATIENTS - 1) + [(True, 2)]
    emails = [key for _, channel, key, _, _ in invitations if channel == "email"]
    texts = [key for _, channel, key, _, _ in invitations if channel == "sms"]
    assert _emails_sent(mail_dir) == Counter(_message_id(key) for key in emails)
    assert _texts_sent(sms_dir) == Counter(texts)
    assert len(list(sms_dir.glob("*.txt"))) == len(texts)
    # None invited twice, not even in part: one questionnaire link and one progress link
    # per time point.
    assert _links(server) == Counter(
        (purpose, tp) for tp in points for purpose in ("questionnaire", "progress")
    )

    # A later worker finds nothing left to do.
    again = _manage(server, "worker", "--once", MILDPATH_SMS_BACKEND=f"{__name__}.RecordingSms")
    assert again.returncode == 0, again.stderr[-2000:]
    assert again.stdout.splitlines() == ["worker: started", "worker: stopped"]
    assert _texts_sent(sms_dir) == Counter(texts)
