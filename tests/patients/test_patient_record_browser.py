"""The patient record, its contact form and the patient list in Chromium: axe-core finds
nothing at 320 and 1280 px in English and Spanish, nothing scrolls sideways, and the
front desk sends a link from the record without ever seeing it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from mildpath.core import clock
from mildpath.patients.models import Patient, PatientLink
from mildpath.practice.models import Practitioner
from mildpath.scheduling.models import Appointment, AppointmentType, OutboundMessage, TextOptOut
from tests.browser import NARROW, WIDE, assert_accessible, assert_reflows

pytestmark = pytest.mark.browser


def _visit(patient, *, days, status="booked"):
    # The live server runs on the real clock: days count from now.
    kind = AppointmentType.objects.get(location__slug="santa-monica", kind="consultation")
    start = (clock.now() + timedelta(days=days)).replace(minute=0, second=0, microsecond=0)
    return Appointment.objects.create(
        location=kind.location,
        practitioner=Practitioner.objects.get(slug="elena-marquez"),
        patient=patient,
        appointment_type=kind,
        start=start,
        end=start + timedelta(minutes=45),
        busy_start=start,
        busy_end=start + timedelta(minutes=45),
        status=status,
        created_at=clock.now() - timedelta(days=40),
    )


def _rosa_with_history() -> Patient:
    from mildpath.demo.loader import demo_staff_ensure

    demo_staff_ensure()
    rosa = Patient.objects.get(family_name="Delgado")
    rosa.email = "rosa@example.com"
    rosa.save()
    upcoming = _visit(rosa, days=9)
    _visit(rosa, days=-30, status="fulfilled")
    _visit(rosa, days=4, status="cancelled")
    for n, (kind, channel, status) in enumerate(
        [("confirmation", "email", "sent"), ("reminder", "sms", "failed")]
    ):
        OutboundMessage.objects.create(
            key=f"browser:{n}",
            kind=kind,
            channel=channel,
            appointment=upcoming,
            to=rosa.email if channel == "email" else rosa.phone,
            body="Your appointment.",
            send_after=clock.now() - timedelta(hours=1),
            status=status,
            error="Unreachable number" if status == "failed" else "",
            created_at=clock.now() - timedelta(hours=2),
        )
    PatientLink.objects.create(
        patient=rosa,
        purpose="appointment",
        target_id=upcoming.pk,
        created_at=clock.now() - timedelta(days=1),
        expires_at=clock.now() + timedelta(days=10),
    )
    return rosa


def _signed_in(page, sign_in, user) -> None:
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


def _check(page, url: str) -> None:
    for viewport in (NARROW, WIDE):
        page.set_viewport_size(viewport)
        response = page.goto(url)
        assert response.status == 200, page.url
        assert_accessible(page)
        assert_reflows(page)


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_record_its_contact_form_and_the_list_pass_axe(page, make_staff, sign_in, language):
    rosa = _rosa_with_history()
    TextOptOut.objects.create(phone=rosa.phone, stopped=True, changed_at=clock.now())
    _signed_in(page, sign_in, make_staff("front_desk", ("santa-monica",)))
    prefix = "" if language == "en" else "/es"

    _check(page, f"{prefix}/staff/patients/{rosa.pk}/")
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("#texts-stopped").count() == 1
    assert page.locator("#messages-caption").count() == 1
    assert page.locator("#upcoming-caption").count() == 1
    assert page.locator(f'a[href$="/staff/calendar/book/?patient={rosa.pk}"]').count() == 1

    _check(page, f"{prefix}/staff/patients/{rosa.pk}/contact/")
    # The form with errors is a page too: each error names its field.
    page.fill("#id_phone", "call me maybe")
    page.fill("#id_email", "rosa@")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    assert summary.locator("a").count() == 2
    assert_accessible(page)
    page.set_viewport_size(NARROW)
    assert_reflows(page)

    _check(page, f"{prefix}/staff/patients/")
    _check(page, f"{prefix}/staff/patients/?q=Delgado")
    assert page.locator("tbody th a").count() == 1
    _check(page, f"{prefix}/staff/patients/?q=nobody-by-that-name")


def test_the_desk_sends_a_link_by_text_and_never_sees_it(page, make_staff, sign_in):
    from mildpath.demo.loader import demo_staff_ensure

    demo_staff_ensure()
    rosa = Patient.objects.get(family_name="Delgado")
    _visit(rosa, days=9)
    _signed_in(page, sign_in, make_staff("front_desk", ("santa-monica",)))
    page.set_viewport_size(NARROW)
    page.goto(f"/staff/patients/{rosa.pk}/")
    page.locator('input[name="channel"][value="sms"]').check()
    with page.expect_navigation():
        page.get_by_role("button", name="Send the link").click()
    assert "Link sent to (310) 555-0111 by text." in page.locator(".messages").inner_text()
    message = OutboundMessage.objects.get(kind="link")
    token = message.body.rsplit("/p/appointment/", 1)[1].strip("/ ")
    assert token not in page.content()
    # The record lists the text waiting to go.
    assert "(310) 555-0111" in page.locator("#messages-caption").locator("xpath=..").inner_text()
    assert_accessible(page)
    assert_reflows(page)
