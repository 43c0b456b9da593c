"""Confirmations and reminders: in the patient's language and the clinic's local time,
delivered at most once, and never for a cancelled or moved appointment."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.core import mail
from icalendar import Calendar

from mildpath.core import clock
from mildpath.demo.loader import demo_schedule_load
from mildpath.patients.services import PatientDetails
from mildpath.scheduling.models import Appointment, AppointmentType, OutboundMessage
from mildpath.scheduling.services.booking import appointment_book
from mildpath.scheduling.services.changes import appointment_cancel
from tests.helpers import TEST_ACTOR, send_due

pytestmark = pytest.mark.django_db

REMINDER_SUBJECT = "Reminder: your appointment"


@pytest.fixture
def schedule(demo_practice):
    demo_schedule_load()


@pytest.fixture(autouse=True)
def sms_dir(settings, tmp_path) -> Path:
    """Texts sent in these tests land in the test's own folder, where they are counted."""
    settings.MILDPATH_SMS_FILE_PATH = tmp_path / "sms"
    return Path(settings.MILDPATH_SMS_FILE_PATH)


def _texts_sent(sms_dir: Path) -> list[str]:
    return sorted(path.name for path in sms_dir.glob("*.txt"))


def _book(start: datetime, *, language: str = "en", email_ok: bool = True, sms_ok: bool = True):
    kind = AppointmentType.objects.get(location__slug="pasadena", kind="consultation")
    return appointment_book(
        actor=TEST_ACTOR,
        appointment_type=kind,
        start=start,
        patient=PatientDetails(
            given_name="Rosa",
            family_name="Delgado",
            date_of_birth=date(1951, 4, 2),
            phone="+13105550111",
            email="rosa@example.com",
            preferred_language=language,
        ),
        now=clock.now(),
        email_ok=email_ok,
        sms_ok=sms_ok,
    )


@pytest.mark.usefixtures("frozen")
def test_booking_queues_a_confirmation_and_two_reminders_per_channel(schedule):
    appointment = _book(datetime(2026, 12, 2, 17, 0, tzinfo=UTC))  # Wednesday 9 a.m.
    kinds = sorted(
        (m.kind, m.channel, m.send_after.isoformat()) for m in OutboundMessage.objects.all()
    )
    assert kinds == [
        ("confirmation", "email", "2026-11-24T17:00:00+00:00"),
        ("confirmation", "sms", "2026-11-24T17:00:00+00:00"),
        ("reminder", "email", "2026-11-29T17:00:00+00:00"),
        ("reminder", "email", "2026-12-01T17:00:00+00:00"),
        ("reminder", "sms", "2026-11-29T17:00:00+00:00"),
        ("reminder", "sms", "2026-12-01T17:00:00+00:00"),
    ]
    assert appointment.messages.count() == 6


@pytest.mark.usefixtures("frozen")
def test_no_reminders_without_consent(schedule):
    _book(datetime(2026, 12, 2, 17, 0, tzinfo=UTC), email_ok=False, sms_ok=False)
    assert list(OutboundMessage.objects.values_list("kind", flat=True)) == ["confirmation"]


@pytest.mark.usefixtures("frozen")
def test_the_confirmation_is_sent_once_with_a_calendar_file(schedule):
    _book(datetime(2026, 12, 2, 17, 0, tzinfo=UTC))
    confirmation = OutboundMessage.objects.get(kind="confirmation", channel="email")
    text = OutboundMessage.objects.get(kind="confirmation", channel="sms")
    # Only the confirmations are due yet; the worker's round sends them.
    assert send_due(clock.now()) == {confirmation.pk: "sent", text.pk: "sent"}
    # A second round does not claim it again: nothing more goes out.
    assert send_due(clock.now()) == {}
    confirmation.refresh_from_db()
    assert (confirmation.status, confirmation.attempts) == ("sent", 1)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "Your appointment is booked"
    assert "Wednesday, December 2, 2026, 9 a.m." in message.body
    assert "/p/appointment/" in message.body
    name, content, mimetype = message.attachments[0]
    assert mimetype == "text/calendar; method=REQUEST"
    event = next(c for c in Calendar.from_ical(content).walk() if c.name == "VEVENT")
    assert event.decoded("dtstart").strftime("%H:%M %Z") == "09:00 PST"


@pytest.mark.usefixtures("frozen")
def test_a_spanish_speaker_gets_spanish_messages_and_links(schedule, client):
    _book(datetime(2026, 12, 2, 17, 0, tzinfo=UTC), language="es")
    confirmation = OutboundMessage.objects.get(kind="confirmation", channel="email")
    assert confirmation.language == "es"
    assert "/es/p/appointment/" in confirmation.body
    assert "/es/es/" not in confirmation.body
    # Dates as Spanish writes them, not the English order with Spanish words: the weekday
    # in lower case after "Cuándo:", the time on the 12-hour clock of the Spanish pages.
    assert "miércoles, 2 de diciembre de 2026, 9 a.m." in confirmation.body
    # Even when booked from a Spanish page (Spanish active in the thread).
    from django.utils import translation

    with translation.override("es"):
        second = _book(datetime(2026, 12, 3, 17, 0, tzinfo=UTC), language="es")
    body = second.messages.get(kind="confirmation", channel="email").body
    link = next(word for word in body.split() if "/p/appointment/" in word)
    assert client.get(link.split("127.0.0.1:8000", 1)[1]).status_code == 200


def test_reminders_across_the_spring_change_give_the_local_time(schedule):
    # Booked while clocks say PST (a deliberate date: the spring change of 2026); the
    # visit is after the change to PDT.
    with time_machine.travel(datetime(2026, 3, 2, 17, 0, tzinfo=UTC), tick=False):
        appointment = _book(datetime(2026, 3, 11, 15, 0, tzinfo=UTC))  # 8 a.m. PDT
    reminder = appointment.messages.filter(kind="reminder", channel="email").earliest("send_after")
    assert reminder.send_after == datetime(2026, 3, 8, 15, 0, tzinfo=UTC)  # 72 hours before
    with time_machine.travel(reminder.send_after, tick=False):
        outcomes = send_due(clock.now())
    assert outcomes[reminder.pk] == "sent"
    [sent] = [m for m in mail.outbox if m.subject == REMINDER_SUBJECT]
    assert "Wednesday, March 11, 2026, 8 a.m." in sent.body


@pytest.mark.usefixtures("frozen")
def test_a_cancelled_appointment_gets_no_reminder(schedule, client, sms_dir):
    appointment = _book(datetime(2026, 12, 2, 17, 0, tzinfo=UTC))
    send_due(clock.now())  # the confirmations go out
    manage_url = (
        OutboundMessage.objects.get(kind="confirmation", channel="email")
        .body.split("http://127.0.0.1:8000")[1]
        .split()[0]
    )
    page = client.get(manage_url)
    assert "Cancel this appointment" in page.text
    cancelled = client.post(manage_url + "cancel/", {"confirm": "yes"}, follow=True)
    assert "Your appointment is cancelled" in cancelled.text
    appointment.refresh_from_db()
    assert appointment.status == "cancelled"
    reminders = list(appointment.messages.filter(kind="reminder"))
    assert len(reminders) == 4
    assert {reminder.status for reminder in reminders} == {"cancelled"}
    # At the visit's time every reminder is long due, yet the worker claims none.
    outcomes = send_due(appointment.start)
    assert not {reminder.pk for reminder in reminders} & outcomes.keys()
    for reminder in reminders:
        reminder.refresh_from_db()
        assert (reminder.status, reminder.attempts) == ("cancelled", 0)
    assert [m.subject for m in mail.outbox if m.subject == REMINDER_SUBJECT] == []
    # The texts that went were the confirmation and the cancellation, no reminder.
    assert [name.split("-", 1)[1].split("_")[0] for name in _texts_sent(sms_dir)] == [
        "cancel",
        "confirm",
    ]
    # The freed time is offered again.
    kind = AppointmentType.objects.get(location__slug="pasadena", kind="consultation")
    assert _book(appointment.start).status == "booked"
    assert kind.appointments.count() == 2


@pytest.mark.usefixtures("frozen")
def test_a_reminder_already_queued_is_not_sent_if_the_visit_moved_or_was_cancelled(
    schedule, sms_dir
):
    appointment = _book(datetime(2026, 12, 2, 17, 0, tzinfo=UTC))
    send_due(clock.now())  # the confirmations go out
    reminder = appointment.messages.filter(kind="reminder").first()
    assert reminder is not None
    # Moved behind the outbox's back: the reminder's time no longer matches the visit.
    Appointment.objects.filter(pk=appointment.pk).update(
        start=appointment.start + timedelta(days=1),
        end=appointment.end + timedelta(days=1),
        busy_start=appointment.busy_start + timedelta(days=1),
        busy_end=appointment.busy_end + timedelta(days=1),
    )
    outcomes = send_due(reminder.send_after)
    assert outcomes[reminder.pk] == "no longer wanted"
    reminder.refresh_from_db()
    assert reminder.status == "cancelled"
    other = appointment.messages.filter(kind="reminder", status="pending").first()
    assert other is not None
    appointment_cancel(actor=TEST_ACTOR, appointment=appointment, now=clock.now(), by_patient=False)
    assert other.pk not in send_due(other.send_after)
    other.refresh_from_db()
    assert (other.status, other.attempts) == ("cancelled", 0)
    # Only the confirmation and the cancellation ever went out; no reminder by email or
    # text.
    assert sorted(m.subject for m in mail.outbox) == [
        "Your appointment is booked",
        "Your appointment is cancelled",
    ]
    assert not [name for name in _texts_sent(sms_dir) if "remind" in name]


def test_patients_cannot_cancel_online_inside_the_cut_off(schedule, client, frozen):
    visit = datetime(2026, 12, 2, 17, 0, tzinfo=UTC)
    _book(visit)
    frozen.move_to(visit - timedelta(hours=23))  # inside the 24-hour cut-off
    manage_url = (
        OutboundMessage.objects.get(kind="confirmation", channel="email")
        .body.split("http://127.0.0.1:8000")[1]
        .split()[0]
    )
    assert "Cancel this appointment" not in client.get(manage_url).text
    late = client.post(manage_url + "cancel/", {"confirm": "yes"}, follow=True)
    assert "can no longer be changed or cancelled online" in late.text
    assert Appointment.objects.get().status == "booked"


@pytest.mark.usefixtures("frozen")
def test_the_calendar_file_for_a_spanish_speaker_is_in_spanish(schedule):
    _book(datetime(2026, 12, 2, 17, 0, tzinfo=UTC), language="es", sms_ok=False)
    confirmation = OutboundMessage.objects.get(kind="confirmation")
    assert send_due(clock.now()) == {confirmation.pk: "sent"}
    _, content, _ = mail.outbox[0].attachments[0]
    event = next(c for c in Calendar.from_ical(content).walk() if c.name == "VEVENT")
    assert str(event.get("summary")) == "Consulta de paciente nuevo en Pasadena"


@pytest.mark.usefixtures("frozen")
def test_plain_text_messages_show_names_as_typed_not_html_escaped(schedule):
    kind = AppointmentType.objects.get(location__slug="pasadena", kind="consultation")
    appointment_book(
        actor=TEST_ACTOR,
        appointment_type=kind,
        start=datetime(2026, 12, 2, 17, 0, tzinfo=UTC),
        patient=PatientDetails(
            given_name="D'Andre",
            family_name="O'Neil",
            date_of_birth=date(1951, 4, 2),
            phone="+13105550111",
            email="dandre@example.com",
            preferred_language="en",
        ),
        now=clock.now(),
        email_ok=True,
    )
    body = OutboundMessage.objects.get(kind="confirmation").body
    assert "Hello D'Andre," in body
    assert "&#x27;" not in body
