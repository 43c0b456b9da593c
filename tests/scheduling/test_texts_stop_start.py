"""A patient who replies STOP gets no more texts until they reply START. The replies
come through Twilio's webhook, which must prove it is Twilio (X-Twilio-Signature): a
forged or unsigned request changes nothing."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlencode

import pytest

from mildpath.audit.models import AuditEvent
from mildpath.core import clock
from mildpath.demo.loader import demo_schedule_load
from mildpath.patients.services import PatientDetails
from mildpath.scheduling.models import AppointmentType, OutboundMessage, TextOptOut
from mildpath.scheduling.queries import text_stopped_phones
from mildpath.scheduling.services.booking import appointment_book
from mildpath.scheduling.services.texts import reply_keyword
from tests.helpers import TEST_ACTOR, send_due

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]
TOKEN = "twilio-auth-token-for-tests"
URL = "http://testserver/hooks/twilio/sms"
PHONE = "+16265550101"
WEDNESDAY_9 = datetime(2026, 12, 2, 17, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def twilio(settings, tmp_path) -> Path:
    settings.MILDPATH_TWILIO_AUTH_TOKEN = TOKEN
    settings.MILDPATH_SMS_FILE_PATH = tmp_path / "sms"
    return Path(settings.MILDPATH_SMS_FILE_PATH)


def _sign(url: str, params: dict[str, str], token: str = TOKEN) -> str:
    """Twilio's documented scheme, written out independently of the app's own."""
    data = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def _reply(client, body: str, *, phone: str = PHONE, signature: str | None = None, **extra):
    params = {"From": phone, "Body": body, "To": "+13105550100", "MessageSid": "SM123", **extra}
    headers = {}
    if signature is None:
        signature = _sign(URL, params)
    if signature:
        headers["X-Twilio-Signature"] = signature
    return client.post(
        "/hooks/twilio/sms",
        urlencode(params),
        content_type="application/x-www-form-urlencoded",
        headers=headers,
    )


def _stopped() -> set[str]:
    return text_stopped_phones([PHONE, "+13105550111"])


@pytest.fixture
def kind(demo_practice):
    demo_schedule_load()
    return AppointmentType.objects.get(location__slug="pasadena", kind="consultation")


def _book(kind, start=WEDNESDAY_9, *, n: int = 1):
    return appointment_book(
        actor=TEST_ACTOR,
        appointment_type=kind,
        start=start,
        patient=PatientDetails("Ana", f"Ruiz{n}", date(1950, 4, n), PHONE, "", "en"),
        now=clock.now(),
        sms_ok=True,
    )


def test_stop_stops_and_start_starts_again(client):
    answer = _reply(client, "STOP")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/xml")
    assert answer.content.decode().endswith("<Response/>")
    assert _stopped() == {PHONE}
    [event] = AuditEvent.objects.filter(action="text.stop")
    assert event.detail["phone"] == PHONE
    assert event.actor_label == "text reply (Twilio)"

    assert _reply(client, "start").status_code == 200
    assert _stopped() == set()
    assert AuditEvent.objects.filter(action="text.start").count() == 1


@pytest.mark.parametrize(
    "body",
    [
        "STOP",
        "stop",
        " Stop\n",
        "STOP ALL",
        "stopall",
        "Unsubscribe",
        "CANCEL",
        "end",
        "Quit",
        "optout",
        "Revoke",
    ],
)
def test_every_stop_keyword_stops(client, body):
    assert _reply(client, body).status_code == 200
    assert _stopped() == {PHONE}


@pytest.mark.parametrize("body", ["START", "unstop", "Yes", " yes "])
def test_every_start_keyword_starts(client, body):
    _reply(client, "STOP")
    _reply(client, body)
    assert _stopped() == set()


@pytest.mark.parametrize(
    "body",
    [
        "",
        "please stop",
        "Stop it, I'll come on Tuesday",
        "Can I cancel my appointment?",
        "STOP" + "P" * 10_000,
        "<Response><Message>hi</Message></Response>",
        "'; DROP TABLE scheduling_textoptout; --",
        "\x00STOP",
        "ＳＴＯＰ",  # full-width letters: not the keyword
    ],
)
def test_anything_else_changes_nothing(client, body):
    answer = _reply(client, body)
    assert answer.status_code == 200
    assert answer.content.decode().endswith("<Response/>")
    assert not TextOptOut.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="text.").exists()


def test_a_repeated_stop_is_recorded_once(client):
    _reply(client, "STOP")
    _reply(client, "stop")
    assert AuditEvent.objects.filter(action="text.stop").count() == 1


def test_start_from_a_number_that_never_stopped_writes_nothing(client):
    _reply(client, "START")
    assert not TextOptOut.objects.exists()


def test_a_number_in_another_format_is_the_same_number(client):
    _reply(client, "STOP", phone="(626) 555-0101")
    assert _stopped() == {PHONE}
    _reply(client, "START", phone="16265550101")
    assert _stopped() == set()


@pytest.mark.parametrize("phone", ["", "not a number", "12", "+1" + "9" * 40, "<script>"])
def test_a_sender_that_is_no_phone_number_changes_nothing(client, phone):
    assert _reply(client, "STOP", phone=phone).status_code == 200
    assert not TextOptOut.objects.exists()


def test_an_unsigned_request_is_refused(client):
    assert _reply(client, "STOP", signature="").status_code == 403
    assert not TextOptOut.objects.exists()


def test_a_forged_signature_is_refused(client):
    params = {"From": PHONE, "Body": "STOP", "To": "+13105550100", "MessageSid": "SM123"}
    forged = [
        _sign(URL, params, token="guessed-token"),
        _sign(URL, params, token=""),
        _sign("http://testserver/somewhere-else", params),
        _sign(URL, {**params, "Body": "hello"}),  # signed for another body
        "not base64 at all",
    ]
    for signature in forged:
        assert _reply(client, "STOP", signature=signature).status_code == 403
    assert not TextOptOut.objects.exists()


def test_without_an_auth_token_nothing_is_accepted(client, settings):
    settings.MILDPATH_TWILIO_AUTH_TOKEN = ""
    params = {"From": PHONE, "Body": "STOP", "To": "+13105550100", "MessageSid": "SM123"}
    assert _reply(client, "STOP", signature=_sign(URL, params, token="")).status_code == 403
    assert not TextOptOut.objects.exists()


def test_a_request_signed_for_the_public_address_is_accepted_behind_a_proxy(client, settings):
    settings.MILDPATH_BASE_URL = "https://clinic.example.org"
    params = {"From": PHONE, "Body": "STOP", "To": "+13105550100", "MessageSid": "SM123"}
    signature = _sign("https://clinic.example.org/hooks/twilio/sms", params)
    assert _reply(client, "STOP", signature=signature).status_code == 200
    assert _stopped() == {PHONE}


def test_only_post_and_no_csrf_token_needed(client):
    assert client.get("/hooks/twilio/sms").status_code == 405
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert _reply(strict, "STOP").status_code == 200


def test_reply_keywords():
    assert reply_keyword(body=" s t o p ") is True  # spaces do not matter
    assert reply_keyword(body="yes") is False
    assert reply_keyword(body="yes please") is None


def test_a_stopped_number_gets_no_text_and_start_brings_them_back(client, kind, twilio):
    _reply(client, "STOP")
    appointment = _book(kind)
    [text] = appointment.messages.filter(kind="confirmation")
    assert (text.channel, text.status, text.error) == (
        "sms",
        "cancelled",
        "texts stopped by the patient (STOP)",
    )
    send_due(clock.now())
    assert not list(twilio.glob("*.txt"))

    _reply(client, "START")
    again = _book(kind, WEDNESDAY_9.replace(day=3), n=2)
    outcomes = send_due(clock.now())
    [confirmation] = again.messages.filter(kind="confirmation")
    assert outcomes == {confirmation.pk: "sent"}
    assert len(list(twilio.glob("*.txt"))) == 1


def test_reminders_written_while_stopped_go_once_the_patient_starts_again(client, kind, twilio):
    _reply(client, "STOP")
    appointment = _book(kind)
    reminders = appointment.messages.filter(kind="reminder", channel="sms")
    assert reminders.exists() and {r.status for r in reminders} == {"pending"}
    _reply(client, "START")
    first = reminders.order_by("send_after").first()
    assert send_due(first.send_after)[first.pk] == "sent"
    assert "To: " + PHONE in next(twilio.glob("*.txt")).read_text()


def test_a_stop_after_a_text_was_queued_cancels_it_without_calling_it_a_failure(client, kind):
    appointment = _book(kind)
    [text] = appointment.messages.filter(kind="confirmation")
    _reply(client, "STOP")
    assert send_due(clock.now()) == {text.pk: "texts stopped"}
    text.refresh_from_db()
    assert (text.status, text.error) == ("cancelled", "texts stopped by the patient (STOP)")
    assert not AuditEvent.objects.filter(action="message.fail").exists()
    # Not on the front desk's list of failed messages either.
    assert not OutboundMessage.objects.filter(status="failed").exists()


def test_text_stopped_phones_reads_many_numbers_at_once(django_assert_num_queries):
    from mildpath.scheduling.services.texts import text_opt_out_set

    for phone in ("+16265550101", "+16265550102"):
        text_opt_out_set(actor=TEST_ACTOR, phone=phone, stopped=True, now=clock.now())
    text_opt_out_set(actor=TEST_ACTOR, phone="+16265550102", stopped=False, now=clock.now())
    with django_assert_num_queries(1):
        found = text_stopped_phones(["+16265550101", "+16265550102", "+16265550103", ""])
    assert found == {"+16265550101"}
    with django_assert_num_queries(0):
        assert text_stopped_phones([]) == set()
