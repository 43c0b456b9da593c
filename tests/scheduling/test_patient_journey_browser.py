"""The whole journey on a 390 px phone, in English and Spanish, as the patient lives it:
book online, get the confirmation on the channel given, open the link in it, cancel
after being asked, and get word of the cancellation (a text; for an email patient, an
email whose calendar file cancels the event saved at booking).

The outbox is sent by one worker round (``send_due``) after each step, at the live
server's own time (the real clock: the visit is the first free time from today)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from icalendar import Calendar

from mildpath.core import clock
from mildpath.scheduling.models import Appointment
from tests.helpers import send_due

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def texts(settings, tmp_path) -> Path:
    """Where the text-message backend writes each text it sends (one file a text)."""
    settings.MILDPATH_SMS_FILE_PATH = tmp_path / "sms"
    return Path(settings.MILDPATH_SMS_FILE_PATH)


def _received(folder: Path) -> list[str]:
    return [path.read_text() for path in sorted(folder.glob("*.txt"))] if folder.exists() else []


def _go(page, action) -> None:
    with page.expect_navigation():
        action()


def _book_online(page, prefix: str, *, email: str = "") -> None:
    page.set_viewport_size(PHONE)
    page.goto(f"{prefix}/book/pasadena/")
    first_time = page.locator("button[name=slot]").first
    box = first_time.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 1.2 * PHONE["height"]
    _go(page, first_time.click)
    page.fill("#id_given_name", "Rosa")
    page.fill("#id_family_name", "Delgado")
    page.fill("#id_date_of_birth", "04/05/1950")  # month/day/year, as the form asks
    page.fill("#id_phone", "626-555-0101")
    if email:
        page.fill("#id_email", email)
    _go(page, page.locator("form[method=post] button[type=submit]").click)
    assert page.url.endswith(f"{prefix}/book/pasadena/review/")
    _go(page, page.locator("main form[method=post] button[type=submit]").last.click)
    assert page.url.endswith(f"{prefix}/book/booked/")


def _link_in(body: str) -> str:
    url = next(word for word in body.split() if "/p/appointment/" in word)
    return url.removeprefix(settings.MILDPATH_BASE_URL).rstrip(".,")


def _cancel_after_the_question(page, prefix: str, manage: str) -> None:
    page.goto(manage)
    assert page.locator("html").get_attribute("lang") == ("es" if prefix else "en")
    _go(page, page.locator("main a[href$='/cancel/']").first.click)
    # Asked first: nothing is cancelled by reaching the question.
    assert Appointment.objects.get().status == "booked"
    page.locator("input[name=reason]").first.check()
    _go(page, page.locator("main form button[name=confirm][value=yes]").click)
    assert Appointment.objects.get().status == "cancelled"


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_text_only_patient_books_gets_the_text_and_cancels_by_its_link(page, language, texts):
    prefix = "" if language == "en" else "/es"
    _book_online(page, prefix)
    assert "(626) 555-0101" in page.locator("#sent").inner_text()

    send_due(clock.now())
    [confirmation] = _received(texts)
    assert "To: +16265550101" in confirmation
    appointment = Appointment.objects.get()
    assert appointment.location.name in confirmation
    assert appointment.practitioner.family_name in confirmation
    manage = _link_in(confirmation)
    assert manage.startswith(f"{prefix}/p/appointment/")

    _cancel_after_the_question(page, prefix, manage)
    send_due(clock.now())
    [cancellation] = [text for text in _received(texts) if text != confirmation]
    assert "To: +16265550101" in cancellation
    assert "/p/appointment/" not in cancellation  # nothing left to manage
    assert appointment.location.phone_display in cancellation
    # The link now tells the patient the visit is cancelled.
    page.goto(manage)
    assert page.locator("main a[href$='/cancel/']").count() == 0


@pytest.mark.parametrize("language", ["en", "es"])
def test_an_email_patients_calendar_follows_the_cancellation(page, language, texts):
    prefix = "" if language == "en" else "/es"
    _book_online(page, prefix, email="rosa@example.com")
    send_due(clock.now())
    [booked_mail] = [m for m in mail.outbox if m.to == ["rosa@example.com"]]
    saved = _event(booked_mail)
    assert saved["STATUS"] == "CONFIRMED"

    _cancel_after_the_question(page, prefix, _link_in(str(booked_mail.body)))
    send_due(clock.now())
    cancelled_mail = [m for m in mail.outbox if m.to == ["rosa@example.com"]][-1]
    assert cancelled_mail is not booked_mail
    calendar = Calendar.from_ical(_ics(cancelled_mail))
    assert calendar["METHOD"] == "CANCEL"
    cancelled = _event(cancelled_mail)
    assert cancelled["UID"] == saved["UID"]
    assert cancelled["SEQUENCE"] > saved["SEQUENCE"]
    assert cancelled["STATUS"] == "CANCELLED"
    assert cancelled.decoded("DTSTART") == saved.decoded("DTSTART")


def _ics(message) -> bytes:
    [(_, content, mimetype)] = [a for a in message.attachments if a[0].endswith(".ics")]
    assert mimetype.startswith("text/calendar")
    return content if isinstance(content, bytes) else content.encode()


def _event(message):
    [event] = Calendar.from_ical(_ics(message)).walk("VEVENT")
    return event
