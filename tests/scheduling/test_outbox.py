"""The durable outbox: a message written with its change is sent exactly once, by a real
worker process, whatever dies when.

- a booking's messages are sent even if the booking process dies right after commit;
- a worker killed between claiming and sending leaves its messages to the next worker,
  which sends each of them once;
- a provider that fails is tried again after a back-off, and after the last attempt the
  message is failed, audited and listed for the front desk at its location;
- two workers on one queue never send the same message;
- a worker whose claim lapsed while it stalled leaves the message to the worker that
  claimed it since;
- a message whose every attempt ended with its worker dead is failed, not retried for
  ever;
- the real worker killed at a random moment loses nothing and repeats at most the one
  message it was handing over.

The tests that run workers use ``Server``'s database (a copy of one migrated and loaded
by ``manage`` subprocesses), the real clock, and the file email backend
(``MILDPATH_EMAIL_FILE_PATH``): every email in a file carries the message's key as its
Message-ID. Texts go through the SMS backends below, which the worker subprocesses
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
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from email import message_from_string
from pathlib import Path
from typing import Any, ClassVar

import dj_database_url
import pytest
import time_machine
from django.conf import settings

from mildpath.audit.models import AuditEvent
from mildpath.core import clock
from mildpath.demo.loader import demo_schedule_load
from mildpath.patients.services import PatientDetails
from mildpath.scheduling.availability import available_slots
from mildpath.scheduling.models import AppointmentType, OutboundMessage
from mildpath.scheduling.services.booking import appointment_book
from mildpath.scheduling.services.outbox import (
    BACKOFF,
    MAX_ATTEMPTS,
    claim_timeout,
    outbox_claim,
    outbox_send,
)
from mildpath.scheduling.slots import FreeTime
from mildpath.scheduling.sms import FileSmsBackend, SmsFailed
from tests.helpers import NOW, ROOT, TEST_ACTOR, Server, send_due

WAIT_SECONDS = 60.0

# --- SMS backends for the workers under test (MILDPATH_SMS_BACKEND names them) ---------


def _sms_dir() -> Path:
    return Path(settings.MILDPATH_SMS_FILE_PATH)


class RecordingSms(FileSmsBackend):
    """The file backend, plus one line per send in ``sent.log``: a second send of the
    same key in the same second would overwrite its file, never its line."""

    def send(self, *, to: str, body: str, key: str) -> None:
        super().send(to=to, body=body, key=key)
        with (_sms_dir() / "sent.log").open("a") as ledger:
            ledger.write(f"{key}\n")


class BlockingSms:
    """A provider that never answers: it says it was reached (``blocked``), then holds
    the worker until the test kills it (at most WAIT_SECONDS, then it refuses)."""

    def send(self, *, to: str, body: str, key: str) -> None:
        _sms_dir().mkdir(parents=True, exist_ok=True)
        (_sms_dir() / "blocked").write_text(key)
        time.sleep(WAIT_SECONDS)
        raise SmsFailed("the test never killed this worker")


class FlakySms:
    """In-process: fails ``failures_left`` times, then takes every message."""

    failures_left: ClassVar[int] = 0
    sent: ClassVar[list[str]] = []

    def send(self, *, to: str, body: str, key: str) -> None:
        if FlakySms.failures_left > 0:
            FlakySms.failures_left -= 1
            raise SmsFailed("Twilio could not be reached: timed out")
        FlakySms.sent.append(key)


class DeadSms:
    """In-process: a number no provider can reach."""

    def send(self, *, to: str, body: str, key: str) -> None:
        raise SmsFailed("Twilio error 30006: Landline or unreachable carrier")


class InterleavedSms:
    """In-process: records each send; while the first is in the provider's hands, runs
    ``meanwhile`` (another worker's step), as a second worker process would."""

    sent: ClassVar[list[str]] = []
    meanwhile: ClassVar[Callable[[], object] | None] = None

    def send(self, *, to: str, body: str, key: str) -> None:
        step, InterleavedSms.meanwhile = InterleavedSms.meanwhile, None
        if step is not None:
            step()
        InterleavedSms.sent.append(key)


# --- booking, run inside a ``manage.py shell`` subprocess on the server's database ------


def book(
    count: int,
    *,
    email: bool,
    sms: bool = False,
    booked_days_ago: int = 0,
    within_hours: int = 24 * 30,
    die: bool = False,
    kind: str = "consultation",
) -> None:
    """Book ``count`` consultations at Pasadena for new patients, on the real clock (or
    as if ``booked_days_ago``), at times starting more than an hour and at most
    ``within_hours`` from now: a confirmation by email if ``email``, by text (and
    reminders by text) if ``sms``. With ``die`` the process is SIGKILLed as soon as the
    last booking has committed: nothing after the commit ever runs. ``kind``: a
    follow-up visit writes no intake questionnaire (and so no reminder for it)."""
    visit = AppointmentType.objects.get(location__slug="pasadena", kind=kind)
    real_now = clock.now()
    booked_at = real_now - timedelta(days=booked_days_ago)
    today = real_now.astimezone(visit.location.tz).date()
    taken: list[FreeTime] = []
    for slot in available_slots(
        appointment_type=visit,
        first_day=today,
        last_day=today + timedelta(days=31),
        now=booked_at,
    ):
        if (
            not real_now + timedelta(hours=1)
            < slot.start
            <= real_now + timedelta(hours=within_hours)
        ):
            continue
        if any(slot.start < t.end and t.start < slot.end for t in taken):
            continue
        taken.append(slot)
        n = len(taken)
        appointment_book(
            actor=TEST_ACTOR,
            appointment_type=visit,
            start=slot.start,
            now=booked_at,
            patient=PatientDetails(
                given_name="Outbox",
                family_name=f"Test{n}",
                date_of_birth=date(1950, 1, 1),
                phone=f"+1626555{2000 + n:04d}",
                email=f"patient{n}@example.com" if email else "",
                preferred_language="en",
            ),
            # Email confirms, text reminds: no email reminder can fall due mid-test.
            email_ok=False,
            sms_ok=sms,
        )
        if n == count:
            break
    if len(taken) < count:
        raise RuntimeError(f"only {len(taken)} free times for {count} bookings")
    if die:
        os.kill(os.getpid(), signal.SIGKILL)


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


def _messages(server: Server, *, kind: str = "") -> list[tuple[str, str, int, str]]:
    """(key, status, attempts, error) of the messages (of one kind), by id."""
    rows = _rows(
        server,
        "SELECT key, status, attempts, error, kind FROM scheduling_outboundmessage ORDER BY id",
    )
    return [
        (str(key), str(status), int(attempts), str(error))
        for key, status, attempts, error, of_kind in rows
        if not kind or of_kind == kind
    ]


def _statuses(server: Server, *, kind: str = "") -> list[str]:
    return [status for _, status, _, _ in _messages(server, kind=kind)]


def _message_id(key: str) -> str:
    return f"<{key.replace(':', '.')}@mildpath>"


def _emails_sent(mail_dir: Path) -> Counter[str]:
    """How many times each Message-ID was written by the file email backend."""
    ids: Counter[str] = Counter()
    for path in mail_dir.glob("*.log"):
        for chunk in path.read_text().split("-" * 79):
            if chunk.strip():
                ids[message_from_string(chunk.strip())["Message-ID"]] += 1
    return ids


def _texts_sent(sms_dir: Path) -> Counter[str]:
    """How many times each SMS key reached ``RecordingSms``."""
    ledger = sms_dir / "sent.log"
    return Counter(ledger.read_text().split()) if ledger.exists() else Counter()


def _server(tmp_path: Path) -> Server:
    """A migrated, loaded database of the app; emails as files under tmp_path/mail."""
    server = Server(tmp_path, lock=True)
    server.env["MILDPATH_EMAIL_FILE_PATH"] = str(tmp_path / "mail")
    server.prepare()
    return server


def _manage(server: Server, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**server.env, **env},
        capture_output=True, text=True, timeout=WAIT_SECONDS, check=False,
    )  # fmt: skip


def _book(server: Server, call: str, **env: str) -> subprocess.CompletedProcess[str]:
    return _manage(
        server, "shell", "-c", f"from tests.scheduling.test_outbox import book; {call}", **env
    )


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


def _wait_for(what: str, condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {WAIT_SECONDS:.0f} s for {what}")
        time.sleep(0.05)


def _sent_reported(log: Path) -> int:
    """Messages a worker said it sent, over all its rounds ("worker: 20 sent")."""
    total = 0
    for line in log.read_text().splitlines():
        for part in line.removeprefix("worker: ").split(", "):
            if part.endswith(" sent") and part.split()[0].isdigit():
                total += int(part.split()[0])
    return total


# --- a. committed, then the process dies: the worker still sends ------------------------


@pytest.mark.django_db
def test_messages_committed_with_a_booking_are_sent_though_its_process_dies(tmp_path):
    server = _server(tmp_path)
    booking = _book(server, "book(3, email=True, die=True)")
    assert booking.returncode == -signal.SIGKILL, booking.stderr[-2000:]
    confirmations = _messages(server, kind="confirmation")
    assert _statuses(server, kind="confirmation") == ["pending"] * 3
    assert not (tmp_path / "mail").exists()  # nothing was sent by the booking process

    worker = _manage(server, "worker", "--once")
    assert worker.returncode == 0, worker.stderr[-2000:]
    assert "worker: 3 sent" in worker.stdout
    expected = Counter(_message_id(key) for key, _, _, _ in confirmations)
    assert _emails_sent(tmp_path / "mail") == expected
    assert [row[1:] for row in _messages(server, kind="confirmation")] == [("sent", 1, "")] * 3

    # Another worker later finds nothing more to send.
    again = _manage(server, "worker", "--once")
    assert again.returncode == 0, again.stderr[-2000:]
    assert again.stdout.splitlines() == ["worker: started", "worker: stopped"]
    assert _emails_sent(tmp_path / "mail") == expected


# --- b. killed after claiming, before sending: the next worker sends each once -----------


@pytest.mark.django_db
def test_a_worker_killed_between_claim_and_send_leaves_each_message_to_be_sent_once(
    tmp_path,
):
    server = _server(tmp_path)
    sms_dir = tmp_path / "sms"
    # Texts only (no email address), booked a week ago for follow-up visits in the next
    # three days: each one's text confirmation and 72-hour reminder are due now.
    booking = _book(
        server,
        "book(4, email=False, sms=True, booked_days_ago=7, within_hours=71, kind='follow_up')",
        MILDPATH_REMINDER_HOURS="72",
    )
    assert booking.returncode == 0, booking.stderr[-2000:]
    texts = _messages(server)
    assert len(texts) == 8
    assert _statuses(server) == ["pending"] * 8

    log = tmp_path / "first-worker.log"
    first = _worker(
        server,
        log,
        "--interval",
        "0.1",
        MILDPATH_SMS_BACKEND="tests.scheduling.test_outbox.BlockingSms",
    )
    try:
        # It claims one message at a time, and is inside the provider call for it.
        _wait_for("the worker to reach the provider", (sms_dir / "blocked").exists)
        _wait_for(
            "the first claimed",
            lambda: sorted(_statuses(server)) == ["pending"] * 7 + ["sending"],
        )
    finally:
        killed = _kill(first)
    assert killed == -signal.SIGKILL, log.read_text()[-2000:]
    assert sorted(row[1:3] for row in _messages(server)) == [("pending", 0)] * 7 + [("sending", 1)]
    assert _texts_sent(sms_dir) == Counter()
    assert list(sms_dir.glob("*.txt")) == []

    # The claims lapse after a second; the next worker, with a provider that answers,
    # claims them again and sends each message once.
    time.sleep(1.2)
    second = _manage(
        server,
        "worker",
        "--once",
        MILDPATH_OUTBOX_CLAIM_TIMEOUT="1",
        MILDPATH_SMS_BACKEND="tests.scheduling.test_outbox.RecordingSms",
    )
    assert second.returncode == 0, second.stderr[-2000:]
    assert "worker: 8 sent" in second.stdout
    assert _texts_sent(sms_dir) == Counter(key for key, _, _, _ in texts)
    assert len(list(sms_dir.glob("*.txt"))) == 8
    # The one the dead worker held took a second claim; the rest, their first.
    assert sorted(row[1:] for row in _messages(server)) == [("sent", 1, "")] * 7 + [("sent", 2, "")]


# --- c. a provider that fails: back-off and retries, then failed for the front desk -----


@pytest.fixture
def flaky_sms(settings) -> Iterator[type[FlakySms]]:
    settings.MILDPATH_SMS_BACKEND = "tests.scheduling.test_outbox.FlakySms"
    FlakySms.failures_left, FlakySms.sent = 2, []
    yield FlakySms
    FlakySms.failures_left, FlakySms.sent = 0, []


def _text_reminder(slug: str, family_name: str, phone: str) -> OutboundMessage:
    """A consultation on Wednesday 2 December 2026, 9 a.m., with texts only; its
    earliest reminder (72 hours before). Its text confirmation has gone already."""
    appointment = appointment_book(
        actor=TEST_ACTOR,
        appointment_type=AppointmentType.objects.get(location__slug=slug, kind="consultation"),
        start=datetime(2026, 12, 2, 17, 0, tzinfo=UTC),
        patient=PatientDetails("Rosa", family_name, date(1951, 4, 2), phone, "", "en"),
        now=clock.now(),
        sms_ok=True,
    )
    appointment.messages.filter(kind="confirmation").update(status="sent", sent_at=clock.now())
    return appointment.messages.filter(kind="reminder").order_by("send_after", "id")[0]


BOOKED_AT = NOW  # the suite's reference moment


@pytest.mark.django_db
def test_a_provider_failing_twice_then_answering_sends_once_on_the_third_attempt(
    demo_practice, flaky_sms
):
    demo_schedule_load()
    with time_machine.travel(BOOKED_AT, tick=False) as traveller:
        reminder = _text_reminder("pasadena", "Flaky", "+13105550111")
        traveller.move_to(reminder.send_after)
        assert send_due(clock.now()) == {reminder.pk: "retrying"}
        reminder.refresh_from_db()
        assert (reminder.status, reminder.attempts) == ("pending", 1)
        assert reminder.error == "Twilio could not be reached: timed out"
        assert reminder.send_after == clock.now() + BACKOFF[0]
        # Not before its back-off has passed...
        traveller.shift(BACKOFF[0] - timedelta(seconds=1))
        assert send_due(clock.now()) == {}
        traveller.shift(timedelta(seconds=1))
        assert send_due(clock.now()) == {reminder.pk: "retrying"}
        reminder.refresh_from_db()
        assert (reminder.status, reminder.attempts) == ("pending", 2)
        assert reminder.send_after == clock.now() + BACKOFF[1]
        traveller.shift(BACKOFF[1])
        assert send_due(clock.now()) == {reminder.pk: "sent"}
        reminder.refresh_from_db()
        assert (reminder.status, reminder.attempts, reminder.error) == ("sent", 3, "")
        assert reminder.sent_at == clock.now()
        # ...and sent once: later rounds leave it alone.
        traveller.shift(timedelta(hours=1))
        assert reminder.pk not in send_due(clock.now())
    assert flaky_sms.sent == [reminder.key]


@pytest.mark.django_db
def test_a_message_no_provider_takes_is_failed_audited_and_listed_for_its_location(
    demo_practice, settings, make_staff, sign_in
):
    settings.MILDPATH_SMS_BACKEND = "tests.scheduling.test_outbox.DeadSms"
    demo_schedule_load()
    with time_machine.travel(BOOKED_AT, tick=False) as traveller:
        here = _text_reminder("pasadena", "Pasadenan", "+16265550144")
        elsewhere = _text_reminder("santa-monica", "Montanez", "+13105550155")
        outcomes = []
        for _ in range(MAX_ATTEMPTS):
            here.refresh_from_db()
            traveller.move_to(here.send_after)  # each round once the back-off has passed
            outcomes.append(send_due(clock.now()))
        assert outcomes == [{here.pk: "retrying", elsewhere.pk: "retrying"}] * (
            MAX_ATTEMPTS - 1
        ) + [{here.pk: "failed", elsewhere.pk: "failed"}]
        for message in (here, elsewhere):
            message.refresh_from_db()
            assert (message.status, message.attempts) == ("failed", MAX_ATTEMPTS)
            assert message.error == "Twilio error 30006: Landline or unreachable carrier"
            [event] = AuditEvent.objects.filter(action="message.fail", object_id=str(message.pk))
            assert event.object_type == "scheduling.OutboundMessage"
            assert message.appointment is not None
            assert event.patient_id == message.appointment.patient_id
            assert event.detail == {"kind": "reminder", "channel": "sms", "attempts": 5}
        # Failed is final: no later round tries again.
        traveller.shift(timedelta(days=1))
        assert send_due(clock.now()) == {}

        client = sign_in(make_staff("front_desk", locations=("pasadena",)))
        page = client.get("/staff/calendar/messages/failed/")
    assert page.status_code == 200
    assert "Rosa Pasadenan" in page.text
    assert "(626) 555-0144" in page.text  # to call them on
    assert "Landline or unreachable carrier" in page.text
    assert "Montanez" not in page.text


# --- d. two workers on one queue ---------------------------------------------------------

QUEUED = 30


@pytest.mark.django_db
def test_two_workers_on_one_queue_never_send_the_same_message(tmp_path):
    server = _server(tmp_path)
    booking = _book(server, f"book({QUEUED}, email=True)")
    assert booking.returncode == 0, booking.stderr[-2000:]
    confirmations = [key for key, _, _, _ in _messages(server, kind="confirmation")]
    assert len(confirmations) == QUEUED

    logs = [tmp_path / "worker-1.log", tmp_path / "worker-2.log"]
    workers = [_worker(server, log, "--interval", "0.05") for log in logs]
    try:
        _wait_for(
            "every confirmation sent",
            lambda: _statuses(server, kind="confirmation") == ["sent"] * QUEUED,
        )
        # On a busy machine one worker may send the whole queue while the other is still
        # starting: stopped before it has set up its handler, it would die of SIGTERM
        # rather than finish its round. Both are asked to stop once both are running.
        _wait_for(
            "both workers started",
            lambda: all("worker: started" in log.read_text() for log in logs),
        )
    finally:
        codes = [_kill(worker, signal.SIGTERM) for worker in workers]
    assert codes == [0, 0], [log.read_text()[-2000:] for log in logs]

    assert _emails_sent(tmp_path / "mail") == Counter(_message_id(key) for key in confirmations)
    # Each claimed once, by one worker; the workers' own tallies add up to the queue.
    assert {row[1:] for row in _messages(server, kind="confirmation")} == {("sent", 1, "")}
    assert sum(_sent_reported(log) for log in logs) == QUEUED


# --- e. a worker whose claim lapsed -----------------------------------------------------


@pytest.mark.django_db
def test_a_worker_whose_claim_lapsed_does_not_send_what_another_worker_now_holds(
    demo_practice, settings
):
    """Worker A claims a batch, then stalls (say a provider hanging on an earlier
    message) past the claim timeout; worker B claims the message again and starts
    sending it. A, coming back to its batch, must leave the message to B: one text."""
    settings.MILDPATH_SMS_BACKEND = "tests.scheduling.test_outbox.InterleavedSms"
    InterleavedSms.sent, InterleavedSms.meanwhile = [], None
    demo_schedule_load()
    with time_machine.travel(BOOKED_AT, tick=False):
        reminder = _text_reminder("pasadena", "Stalled", "+13105550111")
    a_claimed_at = reminder.send_after
    b_claimed_at = a_claimed_at + claim_timeout() + timedelta(seconds=1)
    assert outbox_claim(now=a_claimed_at) == [reminder.pk]
    assert outbox_claim(now=b_claimed_at) == [reminder.pk]  # A's claim lapsed
    outcomes: dict[str, str] = {}
    InterleavedSms.meanwhile = lambda: outcomes.setdefault(
        "A", outbox_send(message_id=reminder.pk, now=a_claimed_at)
    )
    outcomes["B"] = outbox_send(message_id=reminder.pk, now=b_claimed_at)
    assert InterleavedSms.sent == [reminder.key], outcomes
    assert outcomes == {"A": "not claimed", "B": "sent"}


# --- f. the worker killed at a random moment mid-run ----------------------------------
# Killed mid-run and started again, the real worker loses no message and repeats none,
# save at most the one it was handing to the provider when it died (which goes out again
# under the same Message-ID).

BOOKINGS = 30


@pytest.mark.django_db
def test_a_killed_and_restarted_worker_loses_no_message_and_repeats_at_most_one(tmp_path):
    server = _server(tmp_path)
    mail_dir = tmp_path / "mail"
    booking = _book(server, f"book({BOOKINGS}, email=True)")
    assert booking.returncode == 0, booking.stderr[-2000:]
    keys = [key for key, _, _, _ in _messages(server, kind="confirmation")]
    assert len(keys) == BOOKINGS

    first = _worker(server, tmp_path / "first.log", "--interval", "0.05")
    try:
        _wait_for("five messages sent", lambda: sum(_emails_sent(mail_dir).values()) >= 5)
    finally:
        _kill(first)  # SIGKILL, no goodbye: mid-send if it was in one
    sent_before_restart = _emails_sent(mail_dir)
    assert 5 <= sum(sent_before_restart.values()) < BOOKINGS, "the worker must be stopped midway"
    status_at_kill = {key: status for key, status, _, _ in _messages(server)}

    # The dead worker's claims lapse after a second; the next worker takes them over.
    time.sleep(1.2)
    second = _worker(
        server, tmp_path / "second.log", "--interval", "0.1", MILDPATH_OUTBOX_CLAIM_TIMEOUT="1"
    )
    try:
        _wait_for(
            "every confirmation sent",
            lambda: _statuses(server, kind="confirmation") == ["sent"] * BOOKINGS,
        )
    finally:
        assert _kill(second, signal.SIGTERM) == 0, (tmp_path / "second.log").read_text()

    sent = _emails_sent(mail_dir)
    # None lost: every confirmation went out.
    assert set(sent) == {_message_id(key) for key in keys}
    # Marked sent, or still waiting, when the worker died: sent exactly once.
    for key in keys:
        if status_at_kill[key] != "sending":
            assert sent[_message_id(key)] == 1, (key, status_at_kill[key])
    # Claimed by the dead worker: only the one in the provider's hands at the kill can
    # have gone out twice.
    repeated = [message_id for message_id, times in sent.items() if times > 1]
    assert len(repeated) <= 1, repeated
    assert sent - Counter(repeated) == Counter(_message_id(key) for key in keys)


@pytest.mark.django_db
def test_a_message_whose_every_attempt_killed_its_worker_is_failed_not_retried_for_ever(
    demo_practice,
):
    demo_schedule_load()
    with time_machine.travel(BOOKED_AT, tick=False):
        reminder = _text_reminder("pasadena", "Doomed", "+13105550111")
    lapsed_at = reminder.send_after
    OutboundMessage.objects.filter(pk=reminder.pk).update(
        status="sending", claimed_at=lapsed_at, attempts=MAX_ATTEMPTS
    )
    later = lapsed_at + claim_timeout() + timedelta(seconds=1)
    assert outbox_claim(now=later) == []
    reminder.refresh_from_db()
    assert (reminder.status, reminder.error) == ("failed", "the worker stopped while sending")
    assert AuditEvent.objects.filter(action="message.fail", object_id=str(reminder.pk)).count() == 1
    assert outbox_claim(now=later + timedelta(hours=1)) == []
