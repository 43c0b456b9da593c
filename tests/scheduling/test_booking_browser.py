"""Booking by keyboard alone, in English and Spanish, with axe-core on every step."""

from __future__ import annotations

import pytest

from mildpath.scheduling.models import Appointment, OutboundMessage
from tests.browser import assert_accessible, press_and_wait, tab_to

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

    tab_to(page, "input[name=slot]")
    page.keyboard.press("ArrowRight")  # the second time of the first day
    tab_to(page, "form button[type=submit]")
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
    tab_to(page, "form button[type=submit]")
    press_and_wait(page)
    assert "cancelled=1" in page.url
    assert_accessible(page)
    appointment.refresh_from_db()
    assert appointment.status == "cancelled"
    assert not appointment.messages.filter(kind="reminder", status="pending").exists()
