"""Every change to a visit tells the patient, by every channel they gave: booked, moved,
cancelled (by the desk or by the patient), booked again, and an earlier time taken
from the waiting list. Emails carry the calendar file that keeps the patient's
calendar in step: one event (one UID) whose SEQUENCE rises with each change, cancelled
by METHOD:CANCEL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from email.utils import parseaddr
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from icalendar import Calendar

from mildpath.core import clock
from mildpath.demo.loader import demo_schedule_load
from mildpath.patients.services import PatientDetails
from mildpath.scheduling.availability import available_slots
from mildpath.scheduling.errors import SlotTaken
from mildpath.scheduling.models import Appointment, AppointmentType, OutboundMessage
from mildpath.scheduling.services.booking import appointment_book
from mildpath.scheduling.services.changes import (
    appointment_cancel,
    appointment_move,
    appointment_restore,
    waitlist_offer_accept,
)
from mildpath.scheduling.services.waitlist import waitlist_join
from tests.helpers import TEST_ACTOR, send_due

# Time stands at tests.helpers.NOW, Tuesday 24 November 2026, 9 a.m. in Los Angeles.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]
WEDNESDAY_9 = datetime(2026, 12, 2, 17, 0, tzinfo=UTC)  # 9 a.m. in Pasadena
PRACTICE = "Sunset Ridge Spine & Pain (demo)"  # the demo practice's own name
STOP_LINE = "Reply STOP to stop texts."


@pytest.fixture
def kind(demo_practice):
    demo_schedule_load()
    return AppointmentType.objects.get(location__slug="pasadena", kind="consultation")


@pytest.fixture(autouse=True)
def sms_dir(settings, tmp_path) -> Path:
    settings.MILDPATH_SMS_FILE_PATH = tmp_path / "sms"
    return Path(settings.MILDPATH_SMS_FILE_PATH)


def _book(
    kind,
    start=WEDNESDAY_9,
    *,
    email="rosa@example.com",
    sms_ok=False,
    n=1,
    lang="en",
    practitioner_id=None,
):
    return appointment_book(
        actor=TEST_ACTOR,
        appointment_type=kind,
        start=start,
        practitioner_id=practitioner_id,
        patient=PatientDetails(
            f"Rosa{n}", "Delgado", date(1951, 4, n), f"+1626555{1000 + n}", email, lang
        ),
        now=clock.now(),
        email_ok=bool(email),
        sms_ok=sms_ok,
    )


def _texts(sms_dir: Path) -> list[str]:
    """The texts sent so far, oldest first: what the patient's phone shows."""
    return [path.read_text().split("\n\n", 1)[1].strip() for path in sorted(sms_dir.glob("*.txt"))]


def _event(message) -> tuple[str, Any]:
    """The calendar method and the one event of an email's calendar file."""
    [(name, content, mimetype)] = message.attachments
    assert name == "appointment.ics"
    calendar = Calendar.from_ical(content)
    assert mimetype == f"text/calendar; method={calendar['method']}"
    [event] = [c for c in calendar.walk() if c.name == "VEVENT"]
    return str(calendar["method"]), event


def _later_free_time(appointment: Appointment) -> datetime:
    """Another free time on the same day with the same doctor."""
    kind = appointment.appointment_type
    day = appointment.start.astimezone(kind.location.tz).date()
    return next(
        slot.start
        for slot in available_slots(
            appointment_type=kind,
            first_day=day,
            last_day=day,
            now=clock.now(),
            practitioner_id=appointment.practitioner_id,
        )
        if slot.start >= appointment.end + timedelta(hours=1)
    )


def test_a_patient_who_gave_only_a_phone_is_texted_a_confirmation_with_the_manage_link(
    kind, sms_dir, client
):
    # No email address and no box ticked: the number they gave is the only way to tell them.
    appointment = _book(kind, email="", sms_ok=False)
    [row] = appointment.messages.filter(kind="confirmation")
    assert (row.channel, row.to) == ("sms", "+16265551001")
    send_due(clock.now())
    [text] = _texts(sms_dir)
    assert text.startswith(f"{PRACTICE}: your appointment is booked: Wednesday, December 2, 9 a.m.")
    assert appointment.practitioner.display_name in text
    assert "Pasadena, 88 Orchard Grove Avenue" in text
    assert text.endswith(STOP_LINE)
    link = next(word for word in text.split() if "/p/appointment/" in word)
    page = client.get(link.split("127.0.0.1:8000", 1)[1])
    assert page.status_code == 200
    assert "Cancel" in page.text
    # No reminders: they did not ask for them.
    assert not appointment.messages.filter(kind="reminder").exists()


def test_email_confirmations_come_from_the_practice_and_name_the_visit(kind, settings):
    settings.DEFAULT_FROM_EMAIL = "appointments@sunsetridge.example"
    _book(kind)
    send_due(clock.now())
    [message] = mail.outbox
    assert parseaddr(message.from_email) == (PRACTICE, "appointments@sunsetridge.example")
    assert f"Your appointment at {PRACTICE} is booked." in message.body
    assert "Pasadena, 88 Orchard Grove Avenue, Suite 110, Pasadena, CA 91101" in message.body
    assert "Wednesday, December 2, 2026, 9 a.m." in message.body
    method, event = _event(message)
    assert method == "REQUEST"
    assert str(event["organizer"]) == "mailto:appointments@sunsetridge.example"
    assert str(event["attendee"]) == "mailto:rosa@example.com"
    assert event["sequence"] == 0


def test_a_from_address_with_a_name_of_its_own_is_used_as_it_is(kind, settings):
    settings.DEFAULT_FROM_EMAIL = "Front Desk <desk@sunsetridge.example>"
    _book(kind)
    send_due(clock.now())
    assert parseaddr(mail.outbox[0].from_email) == ("Front Desk", "desk@sunsetridge.example")


def test_the_calendar_follows_a_move_and_a_cancellation(kind):
    appointment = _book(kind)
    send_due(clock.now())
    new_start = _later_free_time(appointment)
    appointment_move(actor=TEST_ACTOR, appointment=appointment, start=new_start, now=clock.now())
    send_due(clock.now())
    appointment_cancel(
        actor=TEST_ACTOR, appointment=appointment, now=clock.now(), by_patient=False, reason="ill"
    )
    send_due(clock.now())

    booked, moved, cancelled = mail.outbox
    assert [m.subject for m in mail.outbox] == [
        "Your appointment is booked",
        "Your appointment has a new time",
        "Your appointment is cancelled",
    ]
    events = [_event(message) for message in mail.outbox]
    assert [method for method, _ in events] == ["REQUEST", "REQUEST", "CANCEL"]
    uids = {str(event["uid"]) for _, event in events}
    assert len(uids) == 1  # one event, replaced each time
    assert [event["sequence"] for _, event in events] == [0, 1, 2]
    assert [str(event["status"]) for _, event in events] == ["CONFIRMED", "CONFIRMED", "CANCELLED"]
    assert events[1][1].decoded("dtstart") == new_start
    # The cancellation names the visit, has no link to it, and says how to book again.
    assert "/p/appointment/" not in cancelled.body
    assert "http://127.0.0.1:8000/book/" in cancelled.body
    assert "(626) 555-0160" in cancelled.body
    # The desk's reason is for the desk, not sent to the patient.
    assert "ill" not in cancelled.body.split()


def test_a_cancellation_sent_late_is_still_a_cancellation(kind):
    appointment = _book(kind)
    appointment_cancel(actor=TEST_ACTOR, appointment=appointment, now=clock.now(), by_patient=True)
    # The worker runs only now, after both changes: the confirmation of a visit since
    # cancelled is not sent at all (it would tell the patient something no longer
    # true); the cancellation goes, and its file cancels the event.
    send_due(clock.now() + timedelta(minutes=5))
    subjects = {m.subject: m for m in mail.outbox}
    assert set(subjects) == {"Your appointment is cancelled"}
    method, event = _event(subjects["Your appointment is cancelled"])
    assert (method, str(event["status"]), event["sequence"]) == ("CANCEL", "CANCELLED", 1)
    assert appointment.messages.get(kind="confirmation", channel="email").status == "cancelled"


def test_an_undone_cancellation_books_again_with_a_newer_event(kind, sms_dir):
    appointment = _book(kind, sms_ok=True)
    send_due(clock.now())  # the confirmation goes out
    appointment_cancel(actor=TEST_ACTOR, appointment=appointment, now=clock.now(), by_patient=False)
    appointment_restore(actor=TEST_ACTOR, appointment=appointment, now=clock.now())
    send_due(clock.now())
    by_subject = {m.subject: m for m in mail.outbox}
    # Undone before the worker sent it, the cancellation never reaches the patient: they
    # hear that the visit is booked again, with the newest event.
    assert set(by_subject) == {"Your appointment is booked", "Your appointment is booked again"}
    method, event = _event(by_subject["Your appointment is booked again"])
    assert (method, event["sequence"]) == ("REQUEST", 2)
    texts = _texts(sms_dir)
    assert not any("your appointment is cancelled" in text for text in texts)
    assert any("your appointment is booked again" in text for text in texts)
    assert all(text.startswith(f"{PRACTICE}: ") and text.endswith(STOP_LINE) for text in texts)


def test_a_patient_who_cancels_gets_a_cancellation_text_without_a_dead_link(kind, sms_dir):
    appointment = _book(kind, email="", sms_ok=True)
    send_due(clock.now())
    appointment_cancel(actor=TEST_ACTOR, appointment=appointment, now=clock.now(), by_patient=True)
    send_due(clock.now())
    confirmation, cancellation = _sent_texts(appointment)
    assert len(_texts(sms_dir)) == 2
    assert "/p/appointment/" in confirmation
    assert cancellation.startswith(f"{PRACTICE}: your appointment is cancelled: Wednesday")
    assert "/p/appointment/" not in cancellation
    assert "(626) 555-0160" in cancellation and "http://127.0.0.1:8000/book/" in cancellation
    assert cancellation.endswith(STOP_LINE)


def _sent_texts(appointment: Appointment) -> list[str]:
    return list(
        appointment.messages.filter(channel="sms", status="sent")
        .order_by("id")
        .values_list("body", flat=True)
    )


def test_a_visit_already_past_is_cancelled_without_a_message(kind, frozen):
    appointment = _book(kind)
    frozen.move_to(appointment.end + timedelta(hours=1))
    appointment_cancel(actor=TEST_ACTOR, appointment=appointment, now=clock.now(), by_patient=False)
    assert not appointment.messages.filter(kind="cancellation").exists()


def test_taking_an_earlier_time_from_the_waiting_list_is_confirmed(kind, sms_dir):
    early = _book(kind, n=1)
    later = _book(kind, WEDNESDAY_9 + timedelta(days=7), email="", sms_ok=True, n=2)
    entry = waitlist_join(actor=TEST_ACTOR, appointment=later, now=clock.now())
    appointment_cancel(actor=TEST_ACTOR, appointment=early, now=clock.now(), by_patient=True)
    entry.refresh_from_db()
    assert entry.status == "offered"
    # The offer itself reaches a text-only patient, in the same shape as every text.
    offer = later.messages.get(kind="offer")
    assert (offer.channel, offer.body.startswith(f"{PRACTICE}: ")) == ("sms", True)
    assert offer.body.endswith(STOP_LINE)
    waitlist_offer_accept(actor=TEST_ACTOR, entry=entry, now=clock.now())
    later.refresh_from_db()
    assert later.start == WEDNESDAY_9
    moved = later.messages.filter(kind="confirmation", channel="sms").latest("id")
    assert moved.body.startswith(f"{PRACTICE}: your appointment has a new time: Wednesday, Dec")
    assert "/p/appointment/" in moved.body
    assert later.calendar_sequence == 1


def test_a_spanish_speaker_is_told_in_spanish_with_spanish_links(kind):
    appointment = _book(kind, email="", sms_ok=True, lang="es")
    appointment_cancel(actor=TEST_ACTOR, appointment=appointment, now=clock.now(), by_patient=True)
    confirmation, cancellation = appointment.messages.order_by("id").filter(
        kind__in=["confirmation", "cancellation"]
    )
    assert confirmation.language == cancellation.language == "es"
    assert "http://127.0.0.1:8000/es/p/appointment/" in confirmation.body
    assert "http://127.0.0.1:8000/es/book/" in cancellation.body
    # Dates in Spanish's own order ("miércoles, 2 de diciembre"), not English's.
    assert "2 de diciembre" in confirmation.body
    assert "December" not in confirmation.body


def test_links_point_at_the_configured_address(kind, settings):
    settings.MILDPATH_BASE_URL = "https://clinic.example.org/"
    appointment = _book(kind)
    body = appointment.messages.get(kind="confirmation").body
    assert "https://clinic.example.org/p/appointment/" in body
    assert "127.0.0.1" not in body


def test_messages_are_written_with_the_change_or_not_at_all(kind):
    appointment = _book(kind)
    taken = _book(
        kind, _later_free_time(appointment), n=2, practitioner_id=appointment.practitioner_id
    )
    before = OutboundMessage.objects.count()
    with pytest.raises(SlotTaken):
        appointment_move(
            actor=TEST_ACTOR, appointment=appointment, start=taken.start, now=clock.now()
        )
    appointment.refresh_from_db()
    assert appointment.calendar_sequence == 0
    assert OutboundMessage.objects.count() == before
