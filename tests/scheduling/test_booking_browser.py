"""Booking by keyboard alone, in English and Spanish, with axe-core on every step."""

from __future__ import annotations

import pytest

from mildpath.scheduling.models import Appointment, OutboundMessage
from tests.browser import assert_accessible, press_and_wait, tab_to
from tests.helpers import TEST_ACTOR

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("language", ["en", "es"])
def test_booking_a_consultation_by_keyboard(page, language):
    prefix = "" if language == "en" else "/es"
    page.goto(f"{prefix}/book/")
    assert_accessible(page)
    tab_to(page, "input[name=location]")  # lands on the chosen one: Santa Monica
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.id") == "location-pasadena"
    tab_to(page, "form button[type=submit]")
    press_and_wait(page)
    assert page.url.endswith(f"{prefix}/book/pasadena/")
    assert_accessible(page)

    tab_to(page, "button[name=slot]")  # each time is a button that continues
    page.keyboard.press("Tab")  # the second time of the first day
    assert page.evaluate("document.activeElement.name") == "slot"
    press_and_wait(page)
    assert page.url.endswith(f"{prefix}/book/pasadena/details/")
    assert_accessible(page)

    answers = [
        ("#id_given_name", "Rosa"),
        ("#id_family_name", "Delgado"),
        ("#id_date_of_birth", "04/02/1951"),
        ("#id_phone", "(310) 555-0111"),
        ("#id_email", "rosa@example.com"),
    ]
    for selector, text in answers:
        tab_to(page, selector)
        page.keyboard.type(text)
    tab_to(page, "#id_consent_email")
    page.keyboard.press("Space")
    tab_to(page, "form button[type=submit]")
    press_and_wait(page)
    assert page.url.endswith(f"{prefix}/book/pasadena/review/")
    assert "Rosa Delgado" in page.locator("main").inner_text()
    assert_accessible(page)

    tab_to(page, "form button[type=submit]")
    press_and_wait(page)
    assert page.url.endswith(f"{prefix}/book/booked/")
    assert_accessible(page)
    appointment = Appointment.objects.get()
    assert appointment.patient.given_name == "Rosa"
    assert appointment.patient.preferred_language == language

    # The link from the confirmation email cancels it, by keyboard too.
    confirmation = OutboundMessage.objects.get(kind="confirmation")
    assert confirmation.language == language
    link = next(word for word in confirmation.body.split() if "/p/appointment/" in word)
    page.goto(link.split("127.0.0.1:8000", 1)[1])
    assert_accessible(page)
    tab_to(page, "a[href$='/cancel/']")
    press_and_wait(page)
    assert_accessible(page)  # the question, before anything changes
    tab_to(page, "button[name=confirm]")
    press_and_wait(page)
    assert "cancelled=1" in page.url
    assert_accessible(page)
    appointment.refresh_from_db()
    assert appointment.status == "cancelled"
    assert not appointment.messages.filter(kind="reminder", status="pending").exists()


def test_taking_an_earlier_time_by_keyboard(page):
    from datetime import date, timedelta

    from mildpath.core import clock
    from mildpath.patients.services import PatientDetails
    from mildpath.scheduling.availability import available_slots
    from mildpath.scheduling.models import AppointmentType, WaitlistEntry
    from mildpath.scheduling.services.booking import appointment_book
    from mildpath.scheduling.services.changes import appointment_cancel

    kind = AppointmentType.objects.get(location__slug="pasadena", kind="consultation")
    now = clock.now()
    slots = available_slots(
        appointment_type=kind,
        first_day=now.date() + timedelta(days=3),
        last_day=now.date() + timedelta(days=20),
        now=now,
    )
    early_slot, late_slot = slots[0], slots[-1]

    def book(slot, n):
        return appointment_book(
            actor=TEST_ACTOR,
            appointment_type=kind,
            start=slot.start,
            practitioner_id=None,
            patient=PatientDetails(
                f"P{n}", "Test", date(1950, 1, n), f"+1626555{4000 + n}", "p@example.com", "en"
            ),
            now=now,
        )

    early, later = book(early_slot, 1), book(late_slot, 2)
    WaitlistEntry.objects.create(appointment=later, created_at=now)
    appointment_cancel(actor=TEST_ACTOR, appointment=early, now=now, by_patient=False)
    body = OutboundMessage.objects.get(kind="offer").body
    link = next(word for word in body.split() if "/p/offer/" in word).split("127.0.0.1:8000", 1)[1]

    page.goto(link)
    assert_accessible(page)
    tab_to(page, "form button[type=submit]")
    press_and_wait(page)
    assert "your appointment is now at the earlier time" in page.locator("main").inner_text()
    assert_accessible(page)
    later.refresh_from_db()
    assert later.start == early_slot.start


@pytest.mark.parametrize("language", ["en", "es"])
def test_moving_an_appointment_by_keyboard(page, language):
    from datetime import date, timedelta

    from mildpath.core import clock
    from mildpath.patients.services import PatientDetails
    from mildpath.scheduling.availability import available_slots
    from mildpath.scheduling.models import AppointmentType
    from mildpath.scheduling.services.booking import appointment_book

    kind = AppointmentType.objects.get(location__slug="pasadena", kind="consultation")
    now = clock.now()
    first_free = available_slots(
        appointment_type=kind,
        first_day=now.date() + timedelta(days=5),
        last_day=now.date() + timedelta(days=12),
        now=now,
    )[0]
    appointment = appointment_book(
        actor=TEST_ACTOR,
        appointment_type=kind,
        start=first_free.start,
        patient=PatientDetails(
            "Rosa", "Delgado", date(1951, 4, 2), "+13105550111", "r@x.org", language
        ),
        now=now,
    )
    body = OutboundMessage.objects.get(kind="confirmation").body
    link = next(word for word in body.split() if "/p/appointment/" in word)
    page.goto(link.split("127.0.0.1:8000", 1)[1])
    assert_accessible(page)

    tab_to(page, "a[href$='/move/']")
    press_and_wait(page)
    assert page.url.endswith("/move/")
    assert_accessible(page)
    tab_to(page, "button[name=slot]")
    tab_to(page, "button[name=slot]")  # the second time offered
    chosen = page.evaluate("document.activeElement.value")
    press_and_wait(page)
    assert_accessible(page)  # "Move from ... to ...?"
    tab_to(page, "button[name=confirm]")
    press_and_wait(page)
    assert "moved=1" in page.url
    assert_accessible(page)
    appointment.refresh_from_db()
    assert appointment.start.isoformat() == chosen.split("|", 1)[1]
    assert appointment.start != first_free.start
