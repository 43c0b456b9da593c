"""The ZIP search, the self-check and the consultation request, by keyboard alone."""

from __future__ import annotations

import pytest

from mildpath.scheduling.models import ConsultationRequest
from tests.browser import assert_accessible, press_and_wait, tab_to

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("language", ["en", "es"])
def test_zip_search_by_keyboard(page, language):
    page.goto("/locations/" if language == "en" else "/es/locations/")
    tab_to(page, "#id_zip")
    page.keyboard.type("91105")
    press_and_wait(page)
    assert page.url.endswith("/locations/?zip=91105")
    first = page.locator("ol.location-list > li").first
    assert "Pasadena" in first.inner_text()
    assert_accessible(page)


def test_skip_link_is_the_first_stop_and_jumps_to_the_content(page):
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert focused == "skip-link"
    assert page.locator(".skip-link").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


@pytest.mark.parametrize("language", ["en", "es"])
def test_self_check_by_keyboard(page, language):
    page.goto("/self-check/" if language == "en" else "/es/self-check/")
    # Tab into each radio group (it lands on the first option), arrow to the answer.
    tab_to(page, "#id_leg_symptoms_0")
    page.keyboard.press("Space")  # yes
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # worse when standing: yes
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # eased by sitting: yes
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # more than a year
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # tried physical therapy
    tab_to(page, "#id_warning_signs_0")
    page.keyboard.press("ArrowDown")  # warning signs: no
    tab_to(page, "form button[type=submit]")
    press_and_wait(page)
    assert page.locator("#result-title").count() == 1
    heading = page.locator("#result-title").inner_text()
    expected = "A consultation is worth it" if language == "en" else "Vale la pena"
    assert expected.lower() in heading.lower()
    assert_accessible(page)


@pytest.mark.parametrize("language", ["en", "es"])
def test_consultation_request_by_keyboard_with_a_correction(page, language):
    prefix = "" if language == "en" else "/es"
    page.goto(f"{prefix}/consultation/")
    tab_to(page, "#id_name")
    page.keyboard.type("Rosa Delgado")
    page.keyboard.press("Tab")
    page.keyboard.type("555")  # too short: the form must say so and keep the rest
    tab_to(page, "#id_preferred_location")
    page.keyboard.press("ArrowDown")  # first location
    tab_to(page, "#id_best_time_0")
    page.keyboard.press("Space")
    tab_to(page, "#id_consent_to_contact")
    page.keyboard.press("Space")
    tab_to(page, "form button[type=submit]")
    press_and_wait(page)

    # The error summary takes focus and links to the phone field.
    assert page.evaluate("document.activeElement.className") == "error-summary"
    assert ConsultationRequest.objects.count() == 0
    assert_accessible(page)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # follow the link in the summary to the field
    assert page.evaluate("document.activeElement.id") == "id_phone"
    page.keyboard.press("Control+A")
    page.keyboard.type("(213) 555-0142")
    tab_to(page, "form button[type=submit]")
    press_and_wait(page)
    assert page.url.endswith(f"{prefix}/consultation/received/")

    stored = ConsultationRequest.objects.get()
    assert stored.name == "Rosa Delgado"
    assert stored.phone == "+12135550142"
    assert stored.consent_to_contact
    assert stored.preferred_location is not None
    assert stored.language == language
    assert "(213) 555-0142" in page.locator("main").inner_text()
    assert_accessible(page)
