"""In a real browser: the confirmation page says where the confirmation went (checked
with axe at 320 and 1280 px, English and Spanish), and the link in a text-only
patient's text confirmation opens their appointment on a 390 px phone.

Runs against the live server on the real clock: the visit is the first free time
from today."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore

from mildpath.core import clock
from mildpath.patients.services import PatientDetails
from mildpath.scheduling.availability import available_slots
from mildpath.scheduling.models import Appointment, AppointmentType
from mildpath.scheduling.services.booking import appointment_book
from tests.browser import NARROW, WIDE, assert_accessible, assert_reflows
from tests.helpers import TEST_ACTOR

pytestmark = pytest.mark.browser
PHONE_390 = {"width": 390, "height": 844}


def _book_text_only(language: str) -> Appointment:
    kind = AppointmentType.objects.get(location__slug="pasadena", kind="consultation")
    now = clock.now()
    today = now.astimezone(kind.location.tz).date()
    first = available_slots(
        appointment_type=kind, first_day=today, last_day=today + timedelta(days=21), now=now
    )[0]
    return appointment_book(
        actor=TEST_ACTOR,
        appointment_type=kind,
        start=first.start,
        patient=PatientDetails("Ana", "Ruiz", date(1950, 4, 5), "+16265550101", "", language),
        now=now,
        public=True,
    )


def _as_the_browser_that_booked(page, live_server, appointment: Appointment) -> None:
    """The session the review step leaves behind: it alone shows the booking."""
    session = SessionStore()
    session["booking_done"] = appointment.pk
    session.create()
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session.session_key,
                "url": live_server.url,
            }
        ]
    )


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_text_only_patient_sees_where_the_text_went_and_its_link_works(
    page, live_server, language
):
    appointment = _book_text_only(language)
    _as_the_browser_that_booked(page, live_server, appointment)
    prefix = "" if language == "en" else "/es"
    for viewport in (NARROW, WIDE):
        page.set_viewport_size(viewport)
        page.goto(f"{prefix}/book/booked/")
        assert page.locator("html").get_attribute("lang") == language
        sent = page.locator("#sent").inner_text()
        assert "(626) 555-0101" in sent
        assert "(626) 555-0160" in sent  # whom to call if it does not arrive
        assert_accessible(page)
        assert_reflows(page)

    [text] = appointment.messages.filter(kind="confirmation")
    assert text.channel == "sms"
    link = next(word for word in text.body.split() if "/p/appointment/" in word)
    path = link.split(settings.MILDPATH_BASE_URL, 1)[1]
    assert path.startswith(f"{prefix}/p/appointment/")
    page.set_viewport_size(PHONE_390)
    answer = page.goto(path)
    assert answer is not None and answer.status == 200
    assert appointment.practitioner.display_name in page.locator("main").inner_text()
