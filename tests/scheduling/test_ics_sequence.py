"""The calendar file: one event per appointment whose SEQUENCE is the appointment's
``calendar_sequence``, raised with each move, cancellation and restore in the same
transaction, so a calendar always keeps the newest file."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from icalendar import Calendar

from mildpath.core import clock
from mildpath.demo.loader import demo_schedule_load
from mildpath.patients.services import PatientDetails
from mildpath.scheduling.ics import appointment_ics
from mildpath.scheduling.models import AppointmentType
from mildpath.scheduling.services.booking import appointment_book
from mildpath.scheduling.services.changes import appointment_cancel, appointment_restore
from tests.helpers import TEST_ACTOR

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.fixture
def appointment(demo_practice):
    demo_schedule_load()
    return appointment_book(
        actor=TEST_ACTOR,
        appointment_type=AppointmentType.objects.get(
            location__slug="pasadena", kind="consultation"
        ),
        start=datetime(2026, 12, 2, 17, 0, tzinfo=UTC),
        patient=PatientDetails("Ana", "Ruiz", date(1950, 4, 5), "+16265550101", "", "en"),
        now=clock.now(),
    )


def _read(content: bytes):
    calendar = Calendar.from_ical(content)
    [event] = [c for c in calendar.walk() if c.name == "VEVENT"]
    return str(calendar["method"]), event


def test_the_downloaded_file_is_published_without_an_organizer(appointment):
    method, event = _read(appointment_ics(appointment, now=clock.now()))
    assert method == "PUBLISH"
    assert "organizer" not in event and "attendee" not in event
    assert event["sequence"] == 0
    assert str(event["location"]).startswith("Pasadena, 88 Orchard Grove Avenue")


def test_each_change_raises_the_sequence_of_the_same_event(appointment):
    uid = str(_read(appointment_ics(appointment, now=clock.now()))[1]["uid"])
    appointment_cancel(actor=TEST_ACTOR, appointment=appointment, now=clock.now(), by_patient=True)
    appointment.refresh_from_db()
    _, cancelled = _read(appointment_ics(appointment, now=clock.now()))
    assert (str(cancelled["uid"]), cancelled["sequence"]) == (uid, 1)
    assert str(cancelled["status"]) == "CANCELLED"
    appointment_restore(actor=TEST_ACTOR, appointment=appointment, now=clock.now())
    appointment.refresh_from_db()
    _, restored = _read(appointment_ics(appointment, now=clock.now()))
    assert (str(restored["uid"]), restored["sequence"], str(restored["status"])) == (
        uid,
        2,
        "CONFIRMED",
    )


def test_a_cancel_file_is_a_cancellation_whatever_the_state(appointment):
    method, event = _read(
        appointment_ics(
            appointment,
            now=clock.now(),
            method="CANCEL",
            organizer="Sunset Ridge <desk@example.org>",
            attendee="ana@example.com",
        )
    )
    assert (method, str(event["status"])) == ("CANCEL", "CANCELLED")
    assert str(event["organizer"]) == "mailto:desk@example.org"
    assert event["organizer"].params["CN"] == "Sunset Ridge"
