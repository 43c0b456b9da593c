"""The patient's own pages on a 390 px phone, in English and Spanish: the visit, the
cancel question and its answer, a move with the same doctor, and an earlier-time offer.
Each page is checked with axe at 320 and 1280 px too, and must not scroll sideways."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from mildpath.core import clock
from mildpath.patients.models import PatientLink
from mildpath.patients.services import PatientDetails, patient_link_issue
from mildpath.scheduling.availability import available_slots
from mildpath.scheduling.models import AppointmentType, OutboundMessage, WaitlistEntry
from mildpath.scheduling.services.booking import appointment_book
from mildpath.scheduling.services.changes import appointment_cancel
from tests.browser import NARROW, WIDE, assert_accessible, assert_reflows
from tests.helpers import TEST_ACTOR

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def _free_times():
    kind = AppointmentType.objects.get(location__slug="pasadena", kind="consultation")
    now = clock.now()  # a live server runs on the real clock: days count from today
    slots = available_slots(
        appointment_type=kind,
        first_day=now.date() + timedelta(days=4),
        last_day=now.date() + timedelta(days=25),
        now=now,
    )
    return kind, slots


def _book(kind, slot, n, language):
    return appointment_book(
        actor=TEST_ACTOR,
        appointment_type=kind,
        start=slot.start,
        patient=PatientDetails(
            f"Rosa{n}",
            "Delgado",
            date(1951, 4, n),
            f"+1626555{4100 + n}",
            "r@example.com",
            language,
        ),
        now=clock.now(),
        email_ok=True,
    )


def _link(appointment, purpose=PatientLink.Purpose.MANAGE_APPOINTMENT, target=None) -> str:
    issued = patient_link_issue(
        actor=TEST_ACTOR,
        patient=appointment.patient,
        purpose=purpose,
        now=clock.now(),
        target_id=target or appointment.pk,
        expires_at=appointment.end + timedelta(days=1),
    )
    prefix = "" if appointment.patient.preferred_language == "en" else "/es"
    kind = "appointment" if purpose == PatientLink.Purpose.MANAGE_APPOINTMENT else "offer"
    return f"{prefix}/p/{kind}/{issued.token}/"


def _check(page, language: str) -> None:
    """Axe and reflow at the phone's width, then at 320 and 1280 px, back to the phone."""
    assert page.locator("html").get_attribute("lang") == language
    for size in (PHONE, NARROW, WIDE):
        page.set_viewport_size(size)
        assert_accessible(page)
        assert_reflows(page)
    page.set_viewport_size(PHONE)


def _click(page, selector: str) -> None:
    with page.expect_navigation():
        page.locator(selector).first.click()


def _in_first_screen(page, selector: str) -> None:
    box = page.locator(selector).first.bounding_box()
    assert box is not None and box["y"] + box["height"] <= PHONE["height"] * 1.2, selector


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_patient_cancels_on_a_phone_after_saying_yes(page, language):
    kind, slots = _free_times()
    appointment = _book(kind, slots[0], 1, language)
    page.set_viewport_size(PHONE)
    page.goto(_link(appointment))
    _check(page, language)
    main = page.locator("main").inner_text()
    assert appointment.practitioner.display_name in main
    assert appointment.location.address_line1 in main

    _click(page, "a[href$='/cancel/']")
    _check(page, language)
    _in_first_screen(page, "input[name=reason]")
    page.locator("input[name=reason][value=travel]").check()
    page.locator("textarea[name=other]").fill("No ride that day")
    _click(page, "button[name=confirm]")
    assert "cancelled=1" in page.url
    _check(page, language)
    assert page.locator("a[href$='/book/']").count() >= 1
    appointment.refresh_from_db()
    assert appointment.status == "cancelled"
    assert appointment.cancel_reason == "I cannot get there: No ride that day"


@pytest.mark.parametrize("language", ["en", "es"])
def test_keep_my_appointment_changes_nothing(page, language):
    kind, slots = _free_times()
    appointment = _book(kind, slots[0], 1, language)
    page.set_viewport_size(PHONE)
    page.goto(_link(appointment) + "cancel/")
    _click(page, "main a.button--secondary")
    assert page.url.endswith("/") and "/cancel/" not in page.url
    appointment.refresh_from_db()
    assert appointment.status == "booked"


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_patient_moves_with_the_same_doctor_on_a_phone(page, language):
    kind, slots = _free_times()
    appointment = _book(kind, slots[0], 1, language)
    doctor = appointment.practitioner
    page.set_viewport_size(PHONE)
    page.goto(_link(appointment))
    _click(page, "a[href$='/move/']")
    _check(page, language)
    assert doctor.display_name in page.locator("main h2").all_inner_texts()[-1]
    times = page.locator("button[name=slot]")
    value = times.nth(1).get_attribute("value")
    assert value.startswith(f"{doctor.pk}|")
    with page.expect_navigation():
        times.nth(1).click()
    # The question names the doctor of both times before anything changes.
    _check(page, language)
    assert page.locator("main").inner_text().count(doctor.display_name) >= 2
    appointment.refresh_from_db()
    assert appointment.start == slots[0].start
    _click(page, "button[name=confirm]")
    assert "moved=1" in page.url
    _check(page, language)
    appointment.refresh_from_db()
    assert appointment.start.isoformat() == value.split("|", 1)[1]
    assert appointment.practitioner_id == doctor.pk


@pytest.mark.parametrize("language", ["en", "es"])
def test_an_earlier_time_is_shown_beside_the_current_one_before_it_is_taken(page, language):
    kind, slots = _free_times()
    early, later = _book(kind, slots[0], 1, "en"), _book(kind, slots[-1], 2, language)
    now = clock.now()
    WaitlistEntry.objects.create(appointment=later, created_at=now)
    appointment_cancel(actor=TEST_ACTOR, appointment=early, now=now, by_patient=False)
    entry = WaitlistEntry.objects.get(appointment=later)
    assert entry.status == "offered" and entry.offered_practitioner is not None
    page.set_viewport_size(PHONE)
    page.goto(_link(later, PatientLink.Purpose.EARLIER_TIME, target=entry.pk))
    _check(page, language)
    main = page.locator("main").inner_text()
    assert entry.offered_practitioner.display_name in main
    assert later.practitioner.display_name in main
    _in_first_screen(page, "button[name=confirm]")
    _click(page, "button[name=confirm]")
    _check(page, language)
    later.refresh_from_db()
    assert later.start == slots[0].start


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_patient_asks_for_the_questions_link_again_by_keyboard(page, language):
    kind, slots = _free_times()
    appointment = _book(kind, slots[0], 7, language)
    page.set_viewport_size(PHONE)
    page.goto(_link(appointment))
    _check(page, language)
    button = "Send me the link again" if language == "en" else "Envíenme el enlace otra vez"
    page.get_by_role("button", name=button).focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    said = page.locator(".messages").inner_text()
    assert ("sent the link again" if language == "en" else "enviado el enlace otra vez") in said
    _check(page, language)
    assert OutboundMessage.objects.filter(kind="questionnaire_remind", language=language).exists()
