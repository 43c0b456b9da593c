"""The front desk's day in Chromium: axe-core on every new or changed staff page, at
320 and 1280 px, in English and Spanish; a one-tap mark from the home page."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest

from mildpath.core import clock
from mildpath.patients.models import Patient
from mildpath.patients.services import PatientDetails
from mildpath.practice.models import Location, Practitioner
from mildpath.scheduling.availability import available_slots
from mildpath.scheduling.models import (
    Appointment,
    AppointmentType,
    OutboundMessage,
    ScheduleOverride,
)
from mildpath.scheduling.services.booking import appointment_book
from tests.browser import NARROW, WIDE, assert_accessible, assert_reflows
from tests.helpers import TEST_ACTOR

pytestmark = pytest.mark.browser


def _booked() -> Appointment:
    kind = AppointmentType.objects.get(location__slug="pasadena", kind="consultation")
    today = clock.now().date()
    slot = available_slots(
        appointment_type=kind,
        first_day=today + timedelta(days=2),
        last_day=today + timedelta(days=9),
        now=clock.now(),
    )[0]
    return appointment_book(
        actor=TEST_ACTOR,
        appointment_type=kind,
        start=slot.start,
        patient=PatientDetails(
            "Ana", "Ruiz", date(1955, 6, 1), "+16265550177", "ana@example.com", "es"
        ),
        now=clock.now(),
        email_ok=True,
    )


def _today(patient: Patient) -> Appointment:
    """A visit today at the clinic, an hour from now, or an hour ago when an hour from
    now is tomorrow there (the live server runs on the real clock, at any hour)."""
    location = Location.objects.get(slug="pasadena")
    now = clock.now()
    start = now + timedelta(hours=1)
    if start.astimezone(location.tz).date() != now.astimezone(location.tz).date():
        start = now - timedelta(hours=1)
    return Appointment.objects.create(
        location=location,
        practitioner=Practitioner.objects.get(slug="elena-marquez"),
        patient=patient,
        appointment_type=AppointmentType.objects.get(location=location, kind="follow_up"),
        start=start,
        end=start + timedelta(minutes=20),
        busy_start=start,
        busy_end=start + timedelta(minutes=20),
        created_at=clock.now(),
    )


def _as(page, sign_in, user) -> None:
    from django.test import Client

    client = sign_in(user, Client())
    page.context.clear_cookies()
    page.context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "domain": "localhost",
                "path": "/",
            }
        ]
    )


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_page_of_the_front_desks_day_passes_axe(page, make_staff, sign_in, language):
    from mildpath.demo.loader import demo_schedule_load, demo_staff_ensure

    demo_schedule_load()
    demo_staff_ensure()
    booked = _booked()
    harold = Patient.objects.get(family_name="Jenkins")
    _today(harold)
    leave = ScheduleOverride.objects.create(
        practitioner=booked.practitioner,
        location=booked.location,
        date=booked.start.date() + timedelta(days=1),
        note="Leave",
    )
    day = booked.start.date().isoformat()
    prefix = "" if language == "en" else "/es"
    pages_by_role = {
        "front_desk": [
            "/staff/",
            f"/staff/calendar/?location=pasadena&date={day}",
            f"/staff/calendar/?location=pasadena&date={day}&view=week",
            f"/staff/calendar/appointments/{booked.pk}/",
            f"/staff/calendar/appointments/{booked.pk}/cancel/",
            f"/staff/calendar/appointments/{booked.pk}/move/",
            f"/staff/calendar/appointments/{booked.pk}/move/?location=santa-monica&doctor=any",
            f"/staff/calendar/book/?patient={harold.pk}",
        ],
        "clinician": ["/staff/"],
        "manager": [
            "/staff/",
            f"/staff/calendar/?location=pasadena&date={day}",
            f"/staff/calendar/block/?location=pasadena&date={day}",
            f"/staff/calendar/block/{leave.pk}/remove/",
        ],
        "administrator": ["/staff/"],
    }
    for role, paths in pages_by_role.items():
        user = make_staff(role, ("pasadena", "santa-monica"))
        if role == "clinician":
            # Dr. Okafor (Pasadena): Dr. Marquez is the demo clinician's already.
            user.staff_profile.practitioner = Practitioner.objects.get(slug="samuel-okafor")
            user.staff_profile.save()
        _as(page, sign_in, user)
        for path in paths:
            for viewport in (NARROW, WIDE):
                page.set_viewport_size(viewport)
                response = page.goto(prefix + path)
                assert response.status == 200, page.url
                assert urlsplit(page.url).path == urlsplit(prefix + path).path, page.url
                assert_accessible(page)
                assert_reflows(page)
    # The pages as they answer a mistake: a cancel without a reason, a block that clashes.
    _as(page, sign_in, make_staff("front_desk", ("pasadena",)))
    page.set_viewport_size(NARROW)
    page.goto(f"{prefix}/staff/calendar/appointments/{booked.pk}/cancel/")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.locator(".error-summary").is_visible()
    assert_accessible(page)
    _as(page, sign_in, make_staff("manager"))
    page.set_viewport_size(WIDE)
    page.goto(f"{prefix}/staff/calendar/block/?location=pasadena&date={day}")
    page.select_option("#id_practitioner", str(booked.practitioner_id))
    page.fill("#id_first_day", day)
    with page.expect_navigation():
        page.locator("main form.block-form button[type=submit]").click()
    assert page.locator("#clash-title").is_visible()
    assert_accessible(page)
    assert_reflows(page)


def test_arrived_in_one_tap_from_the_home_page(page, make_staff, sign_in):
    from mildpath.demo.loader import demo_schedule_load, demo_staff_ensure

    demo_schedule_load()
    demo_staff_ensure()
    visit = _today(Patient.objects.get(family_name="Jenkins"))
    _as(page, sign_in, make_staff("front_desk", ("pasadena",)))
    page.set_viewport_size(NARROW)
    page.goto("/staff/")
    button = page.locator("form.marks button[value=arrived]")
    assert button.inner_text().replace("\n", " ").endswith("Harold Jenkins"), page.content()[-3000:]
    with page.expect_navigation():
        button.click()
    assert page.url.endswith("/staff/")
    assert "Harold Jenkins: arrived." in page.locator("main").inner_text()
    visit.refresh_from_db()
    assert visit.status == "arrived"
    assert page.locator("form.marks button[value=fulfilled]").is_visible()
    assert_accessible(page)


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_failed_messages_list_by_keyboard(page, make_staff, sign_in, language):
    booked = _booked()
    OutboundMessage.objects.create(
        key="browser-failed", kind="reminder", channel=OutboundMessage.Channel.SMS,
        appointment=booked, to=booked.patient.phone, body="Your visit",
        send_after=clock.now(), status=OutboundMessage.Status.FAILED,
        created_at=clock.now(), attempts=5, error="Unreachable number",
    )  # fmt: skip
    _as(page, sign_in, make_staff("front_desk", ("pasadena",)))
    prefix = "" if language == "en" else "/es"
    page.goto(f"{prefix}/staff/calendar/messages/failed/")
    for size in (NARROW, WIDE):
        page.set_viewport_size(size)
        assert_accessible(page)
    done = page.locator("form.marks button")
    assert done.inner_text().startswith("Done" if language == "en" else "Hecho")
    done.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator(".messages").is_visible()
    for size in (NARROW, WIDE):
        page.set_viewport_size(size)
        assert_accessible(page)
        assert_reflows(page)
    assert OutboundMessage.objects.get(key="browser-failed").handled_at is not None
