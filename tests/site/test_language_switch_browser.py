"""In Chromium: the language switch on the booking's details step keeps what was typed,
and Enter in a field still continues the booking rather than switching language."""

from __future__ import annotations

import pytest

from tests.browser import assert_accessible, assert_reflows, press_and_wait

pytestmark = pytest.mark.browser


def _to_details(page) -> None:
    page.goto("/book/pasadena/")
    with page.expect_navigation():
        page.locator("button[name=slot]").first.click()
    assert page.url.endswith("/book/pasadena/details/")


def test_switching_to_spanish_keeps_the_details_typed(page):
    page.set_viewport_size({"width": 390, "height": 844})
    _to_details(page)
    page.fill("#id_given_name", "Rosa")
    page.fill("#id_family_name", "Delgado")
    page.fill("#id_date_of_birth", "04/02/1951")
    with page.expect_navigation():
        page.get_by_role("button", name="Español").click()
    assert page.url.endswith("/es/book/pasadena/details/")
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.input_value("#id_given_name") == "Rosa"
    assert page.input_value("#id_family_name") == "Delgado"
    assert page.input_value("#id_date_of_birth") == "04/02/1951"
    assert page.locator(".error-summary").count() == 0
    assert_accessible(page)
    assert_reflows(page)

    # And back to English, by keyboard, with what was added in Spanish.
    page.fill("#id_phone", "(310) 555-0111")
    page.get_by_role("button", name="English").focus()
    press_and_wait(page)
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.input_value("#id_phone") == "(310) 555-0111"
    assert page.input_value("#id_given_name") == "Rosa"


def test_enter_in_a_field_continues_the_booking(page):
    _to_details(page)
    page.fill("#id_given_name", "Rosa")
    page.fill("#id_family_name", "Delgado")
    page.fill("#id_date_of_birth", "04/02/1951")
    page.fill("#id_phone", "(310) 555-0111")
    page.focus("#id_phone")
    press_and_wait(page)
    assert page.url.endswith("/book/pasadena/review/")
    assert page.locator("html").get_attribute("lang") == "en"


def test_enter_on_the_call_back_form_sends_it_in_the_same_language(page):
    page.goto("/es/consultation/")
    page.fill("#id_name", "Rosa Delgado")
    page.focus("#id_name")
    press_and_wait(page)  # refused (no phone yet), but still in Spanish, on the form
    assert page.url.endswith("/es/consultation/")
    assert page.locator(".error-summary").count() == 1
    assert page.input_value("#id_name") == "Rosa Delgado"
