"""Text reminders through Twilio's Messages API.

Twilio cannot run here, so a local HTTP server stands in for api.twilio.com: it
checks what a real account would check (the path, basic auth, the form fields) and
answers as Twilio documents, with a message resource or an error body.
"""

from __future__ import annotations

import base64
import json
import threading
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
import time_machine

from mildpath.core import clock
from mildpath.demo.loader import demo_schedule_load
from mildpath.patients.services import PatientDetails
from mildpath.scheduling.models import AppointmentType, OutboundMessage
from mildpath.scheduling.services.booking import appointment_book
from mildpath.scheduling.services.outbox import MAX_ATTEMPTS
from tests.helpers import NOW, TEST_ACTOR, send_due

pytestmark = pytest.mark.django_db
ACCOUNT, TOKEN = "AC" + "0" * 32, "secret-token"


class FakeTwilio(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.received: list[dict[str, list[str]]] = []
        self.refuse_with: dict[str, object] | None = None


class _Handler(BaseHTTPRequestHandler):
    server: FakeTwilio

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        expected_auth = "Basic " + base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode()
        if self.path != f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json":
            return self._answer(404, {"code": 20404, "message": "Not found"})
        if self.headers.get("Authorization") != expected_auth:
            return self._answer(401, {"code": 20003, "message": "Authenticate"})
        length = int(self.headers["Content-Length"])
        fields = parse_qs(self.rfile.read(length).decode())
        self.server.received.append(fields)
        if self.server.refuse_with is not None:
            return self._answer(400, self.server.refuse_with)
        return self._answer(201, {"sid": "SM" + "1" * 32, "status": "queued", "error_code": None})

    def _answer(self, status: int, body: dict[str, object]) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def twilio(settings):
    server = FakeTwilio()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.MILDPATH_SMS_BACKEND = "mildpath.scheduling.sms.TwilioSmsBackend"
    settings.MILDPATH_TWILIO_ACCOUNT_SID = ACCOUNT
    settings.MILDPATH_TWILIO_AUTH_TOKEN = TOKEN
    settings.MILDPATH_TWILIO_FROM = "+16265550199"
    settings.MILDPATH_TWILIO_API_URL = f"http://127.0.0.1:{server.server_address[1]}"
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def text_reminder(demo_practice):
    demo_schedule_load()
    with time_machine.travel(NOW, tick=False):
        appointment_book(
            actor=TEST_ACTOR,
            appointment_type=AppointmentType.objects.get(
                location__slug="pasadena", kind="consultation"
            ),
            start=datetime(2026, 12, 2, 17, 0, tzinfo=UTC),
            patient=PatientDetails("Rosa", "Delgado", date(1951, 4, 2), "+13105550111", "", "es"),
            now=clock.now(),
            sms_ok=True,
        )
    # No email address: the texts are the only messages, the earliest due first.
    return OutboundMessage.objects.filter(channel="sms").order_by("send_after").first()


def _round_when_due(message: OutboundMessage) -> dict[int, str]:
    """One worker round at the moment the message is (next) due."""
    message.refresh_from_db()
    with time_machine.travel(message.send_after, tick=False):
        return send_due(clock.now())


def _rounds_until_settled(message: OutboundMessage) -> list[str]:
    """Worker rounds, each when the message is next due (past its back-off), until it
    is sent or given up; how each round went for it."""
    outcomes = []
    for _ in range(MAX_ATTEMPTS):
        outcomes.append(_round_when_due(message)[message.pk])
        message.refresh_from_db()
        if message.status != "pending":
            break
    return outcomes


def test_a_text_reminder_goes_to_twilio_from_the_practice_number(twilio, text_reminder):
    assert _round_when_due(text_reminder) == {text_reminder.pk: "sent"}
    [fields] = twilio.received
    assert fields["To"] == ["+13105550111"]
    assert fields["From"] == ["+16265550199"]
    assert "9 a.m." in fields["Body"][0]  # the clinic's wall clock, in Spanish
    text_reminder.refresh_from_db()
    assert (text_reminder.status, text_reminder.attempts) == ("sent", 1)
    # Sent once: a second round does not claim the same message again.
    assert text_reminder.pk not in _round_when_due(text_reminder)
    text_reminder.refresh_from_db()
    assert (text_reminder.status, text_reminder.attempts) == ("sent", 1)
    assert len(twilio.received) == 1


def test_a_messaging_service_sends_in_place_of_a_number(twilio, text_reminder, settings):
    settings.MILDPATH_TWILIO_FROM = "MG" + "2" * 32
    assert _round_when_due(text_reminder) == {text_reminder.pk: "sent"}
    [fields] = twilio.received
    assert fields["MessagingServiceSid"] == ["MG" + "2" * 32]
    assert "From" not in fields


def test_a_refused_text_is_marked_failed_with_twilios_reason(twilio, text_reminder):
    twilio.refuse_with = {"code": 21211, "message": "The 'To' number is not valid.", "status": 400}
    reason = "Twilio error 21211: The 'To' number is not valid."
    # Refused: kept with Twilio's reason and tried again later...
    assert _round_when_due(text_reminder) == {text_reminder.pk: "retrying"}
    text_reminder.refresh_from_db()
    assert (text_reminder.status, text_reminder.error) == ("pending", reason)
    # ...until the attempts run out: then failed, with Twilio's reason, for staff to see.
    assert _rounds_until_settled(text_reminder)[-1] == "failed"
    text_reminder.refresh_from_db()
    assert (text_reminder.status, text_reminder.error) == ("failed", reason)
    assert text_reminder.attempts == MAX_ATTEMPTS
    assert len(twilio.received) == MAX_ATTEMPTS


def test_wrong_credentials_are_a_failure_not_a_silent_loss(twilio, text_reminder, settings):
    settings.MILDPATH_TWILIO_AUTH_TOKEN = "wrong"
    outcomes = _rounds_until_settled(text_reminder)
    assert outcomes == ["retrying"] * (MAX_ATTEMPTS - 1) + ["failed"]
    text_reminder.refresh_from_db()
    assert (text_reminder.status, text_reminder.error) == (
        "failed",
        "Twilio error 20003: Authenticate",
    )
    assert twilio.received == []  # refused at the door each time, never taken
