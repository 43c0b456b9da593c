"""The time step on a phone and a desk, in English and Spanish: a time (the button that
continues) within reach of the first screen, big targets, axe-clean at 320 and 1280 px,
and the doctor and day chosen without JavaScript."""

from __future__ import annotations

import pytest

from tests.browser import NARROW, WIDE, assert_accessible, assert_reflows, press_and_wait, tab_to

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}

DETAILS = [
    ("#id_given_name", "Rosa"),
    ("#id_family_name", "Delgado"),
    ("#id_date_of_birth", "04/05/1950"),
    ("#id_phone", "626-555-0101"),
]


@pytest.mark.parametrize("language", ["en", "es"])
def test_on_a_phone_the_first_time_is_within_one_scroll(page, language):
    prefix = "" if language == "en" else "/es"
    page.set_viewport_size(PHONE)
    page.goto(f"{prefix}/book/pasadena/")
    assert page.locator("html").get_attribute("lang") == language
    first_time = page.locator("button[name=slot]").first
    box = first_time.bounding_box()
    assert box is not None
    # The time button is the "Continue": choosing it goes on to the details.
    assert box["y"] + box["height"] <= 1.2 * PHONE["height"], box
    for target in (first_time, page.locator("a.day").first, page.locator("#doctor")):
        size = target.bounding_box()
        assert size["height"] >= 44 and size["width"] >= 44, size
    with page.expect_navigation():
        first_time.click()
    assert page.url.endswith(f"{prefix}/book/pasadena/details/")
    # On the details page, "Continue" is the form's own button, after the fields.
    assert page.locator("form button[type=submit]").is_visible()


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_booking_step_is_accessible_at_both_widths(page, language):
    prefix = "" if language == "en" else "/es"
    steps = [f"{prefix}/book/pasadena/", f"{prefix}/book/pasadena/?earlier=1"]
    for url in steps:
        for viewport in (NARROW, WIDE):
            page.set_viewport_size(viewport)
            page.goto(url)
            assert_accessible(page)
            assert_reflows(page)
    # A chosen doctor, and an empty stretch of days.
    page.set_viewport_size(WIDE)
    page.goto(f"{prefix}/book/pasadena/")
    page.select_option("#doctor", index=1)
    with page.expect_navigation():
        page.locator(".doctor-filter button").click()
    assert "doctor=" in page.url
    assert_accessible(page)
    page.goto(f"{prefix}/book/pasadena/?from=2099-01-01")
    assert_accessible(page)
    # A refused time shows its error, then the details and the review.
    page.goto(f"{prefix}/book/pasadena/")
    page.evaluate(
        "document.querySelector('button[name=slot]').value = '1|2000-01-01T00:00:00+00:00'"
    )
    with page.expect_navigation():
        page.locator("button[name=slot]").first.click()
    assert page.locator(".error-summary").is_visible()
    for viewport in (NARROW, WIDE):
        page.set_viewport_size(viewport)
        assert_accessible(page)
        assert_reflows(page)
    with page.expect_navigation():
        page.locator("button[name=slot]").first.click()
    for viewport in (NARROW, WIDE):
        page.set_viewport_size(viewport)
        assert_accessible(page)
        assert_reflows(page)
    with page.expect_navigation():
        page.locator("form[method=post] button[type=submit]").click()  # errors, all fields
    assert page.locator(".error-summary").is_visible()
    assert_accessible(page)
    for selector, text in DETAILS:
        page.fill(selector, text)
    with page.expect_navigation():
        page.locator("form[method=post] button[type=submit]").click()
    assert page.url.endswith(f"{prefix}/book/pasadena/review/")
    main = page.locator("main").inner_text()
    assert "(626) 555-0101" in main
    assert ("April 5, 1950" if language == "en" else "5 de abril de 1950") in main
    for viewport in (NARROW, WIDE):
        page.set_viewport_size(viewport)
        assert_accessible(page)
        assert_reflows(page)


def test_choosing_a_doctor_and_a_day_by_keyboard_without_javascript(
    browser, live_server, flushable_audit
):
    from mildpath.demo.loader import demo_practice_load, demo_schedule_load
    from mildpath.practice.models import Practitioner

    demo_practice_load()
    demo_schedule_load()
    context = browser.new_context(
        viewport=PHONE, base_url=live_server.url, java_script_enabled=False
    )
    page = context.new_page()
    try:
        page.goto("/book/pasadena/")
        marquez = Practitioner.objects.get(slug="elena-marquez")
        tab_to(page, "#doctor")
        page.keyboard.press("ArrowDown")  # Elena Marquez, the first named
        tab_to(page, ".doctor-filter button")
        press_and_wait(page)
        assert f"doctor={marquez.pk}" in page.url
        tab_to(page, "a.day:not([aria-current])")  # the second day with her times
        press_and_wait(page)
        assert "day=" in page.url
        chosen_day = page.url.split("day=", 1)[1][:10]
        tab_to(page, "button[name=slot]")
        value = page.evaluate("document.activeElement.value")
        assert value.startswith(f"{marquez.pk}|")
        press_and_wait(page)
        assert page.url.endswith("/book/pasadena/details/")
        assert "Elena Marquez" in page.locator("main").inner_text()
        assert chosen_day  # the details page names the day; the review checks it in words
    finally:
        context.close()
