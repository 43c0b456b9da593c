"""Staff pages in Chromium: sign-in with a one-time code, the idle warning, the lockout,
and axe-core on every staff page."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import User
from django_otp.plugins.otp_totp.models import TOTPDevice

from mildpath.accounts.notices import set_password_url
from mildpath.core import clock
from mildpath.patients.models import Patient
from mildpath.scheduling.models import ConsultationRequest
from tests.browser import (
    NARROW,
    WIDE,
    assert_accessible,
    assert_reflows,
    press_and_wait,
    tab_to,
    totp_code,
    type_password,
    type_password_and_code,
)
from tests.helpers import TEST_ACTOR

pytestmark = pytest.mark.browser


def test_a_clinician_signs_in_with_an_authenticator_code(page, make_staff):
    user = make_staff("clinician", ("santa-monica",), username="elena")
    type_password(page, "elena")
    assert page.url.endswith("/staff/sign-in/code/")
    assert_accessible(page)
    tab_to(page, "#id_code")
    page.keyboard.type(totp_code(TOTPDevice.objects.get(user=user)))
    press_and_wait(page)
    assert page.url.endswith("/staff/")
    assert page.get_by_role("heading", name="Staff home").is_visible()
    assert_accessible(page)


def test_setting_up_two_step_sign_in_in_the_browser(page, make_staff):
    make_staff("manager", username="morgan", mfa=False)
    type_password(page, "morgan")
    page.goto("/staff/")
    assert page.url.endswith("/staff/two-step/")
    assert page.locator(".qr svg title").count() == 1
    assert_accessible(page)
    device = TOTPDevice.objects.get(user__username="morgan", confirmed=False)
    tab_to(page, "#id_code")
    page.keyboard.type(totp_code(device))
    press_and_wait(page)
    assert page.locator("#recovery-codes li").count() == 10
    assert_accessible(page)


def test_the_idle_warning_is_announced_and_keeps_the_session(page, make_staff, settings):
    settings.MILDPATH_IDLE_TIMEOUT = 8
    settings.MILDPATH_IDLE_WARNING = 6
    dana = make_staff("front_desk", ("santa-monica",), username="dana")
    type_password_and_code(page, dana)
    assert page.url.endswith("/staff/")

    dialog = page.locator("#session-warning")
    dialog.wait_for(state="visible", timeout=6_000)
    assert dialog.get_attribute("role") == "alertdialog"
    assert page.evaluate("document.activeElement.id") == "session-stay"
    assert_accessible(page)
    page.keyboard.press("Enter")  # "Stay signed in", by keyboard
    dialog.wait_for(state="hidden")

    # Past the original deadline, the server still knows the person: staying worked.
    time.sleep(3)
    page.goto("/staff/")
    assert page.url.endswith("/staff/")


def test_ignoring_the_warning_signs_the_person_out(page, make_staff, settings):
    settings.MILDPATH_IDLE_TIMEOUT = 4
    settings.MILDPATH_IDLE_WARNING = 3
    dana = make_staff("front_desk", ("santa-monica",), username="dana")
    type_password_and_code(page, dana)
    page.wait_for_url("**/staff/sign-in/?ended=idle", timeout=10_000)
    assert "signed out after a period without activity" in page.locator("main").inner_text()
    assert_accessible(page)


def test_repeated_wrong_passwords_lock_the_account(page, make_staff, settings):
    settings.AXES_FAILURE_LIMIT = 3
    make_staff("front_desk", username="dana")
    for _ in range(2):
        type_password(page, "dana", "wrong password")
        assert page.locator(".error-summary").is_visible()
    type_password(page, "dana", "wrong password")
    assert page.get_by_role("heading", name="Sign-in locked for now").is_visible()
    assert_accessible(page)


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_staff_page_passes_axe(page, make_staff, sign_in, language):
    from django.test import Client

    from mildpath.demo.loader import demo_staff_ensure

    demo_staff_ensure()
    ConsultationRequest.objects.create(
        name="Test Caller",
        phone="+13105550123",
        best_time="any",
        consent_to_contact=True,
        created_at=clock.now(),  # the live server runs on the real clock
    )
    rosa = Patient.objects.get(family_name="Delgado")
    booked = _appointment()
    _online_booking_to_check(rosa)
    colleague = User.objects.filter(staff_profile__role="clinician")[0]
    prefix = "" if language == "en" else "/es"
    pages_by_role = {
        "manager": [
            "/staff/",
            "/staff/patients/",
            f"/staff/patients/{rosa.pk}/",
            "/staff/patients/new/",
            "/staff/requests/",
            f"/staff/requests/{ConsultationRequest.objects.get().pk}/",
            "/staff/audit/",
            "/staff/audit/?date_from=nonsense",
            f"/staff/calendar/?location=pasadena&date={booked.start:%Y-%m-%d}&view=week",
            f"/staff/calendar/appointments/{booked.pk}/",
            "/staff/calendar/messages/failed/",
            "/staff/calendar/matches/",
        ],
        "clinician": ["/staff/", "/staff/patients/emergency-access/"],
        "researcher": ["/staff/"],
        "administrator": [
            "/staff/",
            "/staff/accounts/",
            "/staff/accounts/new/",
            *(
                f"/staff/accounts/{colleague.pk}/{action}"
                for action in [
                    "",
                    "role/",
                    "locations/",
                    "deactivate/",
                    "reset-password/",
                    "reset-two-step/",
                ]
            ),
        ],
    }
    for role, paths in pages_by_role.items():
        user = make_staff(role, ("santa-monica",))
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
        for path in paths:
            for viewport in (NARROW, WIDE):
                page.set_viewport_size(viewport)
                response = page.goto(prefix + path)
                shown = urlsplit(page.url)
                assert response.status == 200, page.url
                assert shown.path == urlsplit(prefix + path).path and not shown.query.startswith(
                    "next="
                ), page.url
                assert_accessible(page)
                assert_reflows(page)
                if "/appointments/" in path:  # the table of messages sent is on the page
                    assert page.locator("#messages-caption").count() == 1
        if role == "clinician":
            # The page a role is refused is a page too, and so is "not found".
            assert page.goto(prefix + "/staff/audit/").status == 403
            assert_accessible(page)
            assert page.goto(prefix + "/staff/patients/999999/").status == 404
            assert_accessible(page)
    page.context.clear_cookies()
    page.goto(prefix + "/staff/sign-in/")
    assert_accessible(page)
    # The owner's set-password page, from a genuine link and from a spent one.
    assert page.goto(prefix + _set_password_path(colleague)).status == 200
    assert_accessible(page)
    assert page.goto(prefix + "/staff/set-password/MQ/spent-token/").status == 410
    assert_accessible(page)


def _online_booking_to_check(rosa) -> None:
    """A match for the manager's list: Rosa's details booked online as a new record."""
    from mildpath.patients.models import PatientMatch
    from mildpath.practice.models import Location

    online = Patient.objects.create(
        given_name=rosa.given_name,
        family_name=rosa.family_name,
        date_of_birth=rosa.date_of_birth,
        phone=rosa.phone,
        created_at=clock.now(),
    )
    online.locations.add(Location.objects.get(slug="pasadena"))
    PatientMatch.objects.create(new_patient=online, existing_patient=rosa, created_at=clock.now())


def _set_password_path(user) -> str:
    return urlsplit(set_password_url(user)).path


def test_an_administrator_resets_two_step_sign_in_by_keyboard_alone(page, make_staff):
    alex = make_staff("administrator", username="alex")
    elena = make_staff("clinician", ("santa-monica",), username="elena")
    elena.email = "elena@example.com"
    elena.save()
    type_password_and_code(page, alex)
    page.goto(f"/staff/accounts/{elena.pk}/reset-two-step/")
    assert_accessible(page)
    tab_to(page, "main form button[type=submit]")
    press_and_wait(page)  # nothing filled in: both fields are named in the errors
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    assert "Reason for this change" in summary.inner_text()
    assert "I understand what this change does" in summary.inner_text()
    assert_accessible(page)
    tab_to(page, "#id_reason")
    page.keyboard.type("Lost her phone on the train this morning.")
    tab_to(page, "#id_confirm")
    page.keyboard.press("Space")
    tab_to(page, "main form button[type=submit]")
    press_and_wait(page)
    assert page.url.endswith(f"/staff/accounts/{elena.pk}/")
    assert "Two-step sign-in reset" in page.locator(".messages").inner_text()
    assert not TOTPDevice.objects.filter(user=elena).exists()
    assert_accessible(page)


def _appointment():
    from datetime import date, timedelta

    from mildpath.patients.services import PatientDetails
    from mildpath.scheduling.availability import available_slots
    from mildpath.scheduling.models import AppointmentType
    from mildpath.scheduling.services.booking import appointment_book

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
        email_ok=True,  # so the page lists the messages sent, and axe checks that table too
    )


@pytest.mark.parametrize("language", ["en", "es"])
def test_on_a_phone_the_staff_menu_folds_behind_one_button(page, make_staff, sign_in, language):
    """At 390 px the page's own heading is in the first screen; the menu, the account
    and "Sign out" are one keyboard press away. On a desk all of it stays in view."""
    from django.test import Client

    user = make_staff("manager", ("santa-monica",))
    user.first_name, user.last_name = "Morgan", "Lee"
    user.save()
    client = sign_in(user, Client())
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value,
          "domain": "localhost", "path": "/"}]
    )  # fmt: skip
    prefix = "" if language == "en" else "/es"
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(prefix + "/staff/")
    heading = page.locator("main h1")
    assert heading.bounding_box()["y"] < 200  # not pushed down by the menu
    menu = page.locator(".staff-menu summary")
    assert menu.is_visible() and page.locator(".staff-nav-wide").is_hidden()
    assert page.get_by_text("Morgan Lee").first.is_hidden()
    tab_to(page, ".staff-menu summary")
    page.keyboard.press("Enter")
    panel = page.locator(".staff-menu .nav-menu-panel")
    calendar = "Calendar" if language == "en" else "Calendario"
    assert panel.get_by_role("link", name=calendar).is_visible()
    assert panel.get_by_text("Morgan Lee").is_visible()
    two_step = "Two-step sign-in" if language == "en" else "Inicio de sesión en dos pasos"
    assert panel.get_by_role("link", name=two_step).is_visible()
    assert_accessible(page)
    assert_reflows(page)
    sign_out = "Sign out" if language == "en" else "Cerrar sesión"
    tab_to(page, ".staff-menu .sign-out button")
    assert page.evaluate("document.activeElement.textContent") == sign_out

    page.set_viewport_size(WIDE)
    page.goto(prefix + "/staff/")
    assert menu.is_hidden()
    nav = page.locator(".staff-nav-wide")
    assert nav.get_by_role("link", name=calendar).is_visible()
    assert nav.get_by_role("link", name=two_step).count() == 0  # the account's, not the menu's
    header = page.locator(".staff-header .staff-account--wide")
    assert header.get_by_text("Morgan Lee").is_visible()
    assert header.get_by_role("link", name=two_step).is_visible()
    with page.expect_navigation():
        header.get_by_role("button", name=sign_out).click()
    assert urlsplit(page.url).path.endswith("/staff/sign-in/")
