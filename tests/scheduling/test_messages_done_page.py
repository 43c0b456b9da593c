"""The confirmation page says what was sent where, from the messages the booking
wrote, and to call when nothing could be sent."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from mildpath.core import clock
from mildpath.demo.loader import demo_schedule_load
from mildpath.patients.services import PatientDetails
from mildpath.scheduling.models import AppointmentType
from mildpath.scheduling.services.booking import appointment_book
from mildpath.scheduling.services.texts import text_opt_out_set
from tests.helpers import TEST_ACTOR

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]
WEDNESDAY_9 = datetime(2026, 12, 2, 17, 0, tzinfo=UTC)


@pytest.fixture
def kind(demo_practice):
    demo_schedule_load()
    return AppointmentType.objects.get(location__slug="pasadena", kind="consultation")


def _done_page(client, kind, *, email: str, sms_ok: bool, language: str = "en") -> str:
    appointment = appointment_book(
        actor=TEST_ACTOR,
        appointment_type=kind,
        start=WEDNESDAY_9,
        patient=PatientDetails("Ana", "Ruiz", date(1950, 4, 5), "+16265550101", email, language),
        now=clock.now(),
        email_ok=bool(email),
        sms_ok=sms_ok,
        public=True,
    )
    session = client.session
    session["booking_done"] = appointment.pk  # what the review step keeps
    session.save()
    page = client.get("/book/booked/" if language == "en" else "/es/book/booked/")
    assert page.status_code == 200
    return " ".join(page.text.split())


def test_it_names_the_number_and_the_address_the_confirmation_went_to(client, kind):
    text = _done_page(client, kind, email="ana@example.com", sms_ok=True)
    assert (
        "We sent a confirmation by text to <strong>(626) 555-0101</strong> "
        "and by email to <strong>ana@example.com</strong>." in text
    )
    assert 'call us at <a href="tel:+16265550160">(626) 555-0160</a>' in text


def test_a_patient_who_gave_only_a_phone_is_told_to_look_at_their_texts(client, kind):
    text = _done_page(client, kind, email="", sms_ok=False)
    assert "We sent a confirmation by text to <strong>(626) 555-0101</strong>." in text
    assert "by email" not in text


def test_email_only(client, kind):
    text = _done_page(client, kind, email="ana@example.com", sms_ok=False)
    assert "We sent a confirmation by email to <strong>ana@example.com</strong>." in text
    assert "by text" not in text


def test_a_stopped_number_with_no_email_is_told_to_call(client, kind):
    text_opt_out_set(actor=TEST_ACTOR, phone="+16265550101", stopped=True, now=clock.now())
    text = _done_page(client, kind, email="", sms_ok=True)
    assert "We sent a confirmation" not in text
    assert "this number replied STOP" in text and "reply START" in text
    assert "We could not send you a confirmation" in text
    assert 'call us at <a href="tel:+16265550160">(626) 555-0160</a>' in text


def test_what_the_patient_typed_is_shown_escaped(client, kind):
    text = _done_page(client, kind, email="o'neil+<b>@example.com", sms_ok=False)
    assert "<b>@" not in text


def test_the_spanish_page_is_in_spanish(client, kind):
    text = _done_page(client, kind, email="", sms_ok=False, language="es")
    assert '<html lang="es"' in text
    assert "(626) 555-0101" in text


def test_it_says_when_the_reminders_come_and_by_which_way(client, kind, settings):
    # 41 hours before Wednesday 9 a.m. in Pasadena: Monday 4 p.m. there, already
    # Tuesday in UTC. The page gives the clinic's day.
    settings.MILDPATH_REMINDER_HOURS = [41, 2]
    both = _done_page(client, kind, email="ana@example.com", sms_ok=True)
    assert "We will remind you by text and by email, starting Monday, November 30, 2026." in both


def test_a_patient_who_asked_for_no_reminders_is_told_to_note_the_time(client, kind):
    text = _done_page(client, kind, email="", sms_ok=False)
    assert "We will remind you" not in text
    assert "You did not ask for reminders" in text


def test_a_visit_too_soon_for_any_reminder_says_so_not_that_none_was_asked(client, kind, settings):
    settings.MILDPATH_REMINDER_HOURS = [24 * 30]  # a month before: already past
    text = _done_page(client, kind, email="ana@example.com", sms_ok=True)
    assert "We will remind you" not in text and "You did not ask" not in text
    assert "Your visit is too soon for a reminder" in text


def test_a_stopped_number_is_not_promised_text_reminders(client, kind):
    text_opt_out_set(actor=TEST_ACTOR, phone="+16265550101", stopped=True, now=clock.now())
    text = _done_page(client, kind, email="ana@example.com", sms_ok=True)
    assert "this number replied STOP" in text
    assert "We will remind you by email, starting" in text
    assert "by text and by email, starting" not in text
