"""The header on a phone and on a desk, in real Chromium: the navigation fits one row at
1280 px and folds behind a Menu button at 390 px that works without JavaScript, by
keyboard, and is announced as a button that expands."""

from __future__ import annotations

import pytest

from mildpath.site.urls import NAV_LABELS
from tests.browser import assert_accessible, assert_reflows, tab_to

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 900}
PAGES = ["/", "/mild-procedure/", "/locations/", "/locations/pasadena/", "/results/"]


def _prefix(language: str) -> str:
    return "" if language == "en" else "/es"


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("path", PAGES)
def test_on_a_phone_the_header_takes_at_most_15_percent_of_the_screen(page, language, path):
    page.set_viewport_size(PHONE)
    page.goto(_prefix(language) + path)
    height = page.locator(".site-header").bounding_box()["height"]
    assert height <= 0.15 * PHONE["height"], f"header is {height}px high"
    assert page.locator(".nav-wide").is_hidden()
    assert page.locator(".nav-menu summary").is_visible()
    # The phone number and the other language stay one tap away without opening the menu.
    assert page.locator(".header-phone").is_visible()
    assert page.locator(".lang-switch").is_visible()
    assert_reflows(page)


def _menu_state(page, name: str) -> tuple[str, bool]:
    """The menu button as Chromium tells assistive technology: its role and whether it
    is expanded (screen readers say "Menu, button, collapsed")."""
    cdp = page.context.new_cdp_session(page)
    try:
        nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        cdp.detach()
    for node in nodes:
        if node.get("name", {}).get("value") == name and node["role"]["value"] != "StaticText":
            properties = {p["name"]: p["value"].get("value") for p in node.get("properties", [])}
            if "expanded" in properties:
                return node["role"]["value"], bool(properties["expanded"])
    raise AssertionError(f"no expandable control named {name!r}")


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_menu_button_opens_by_keyboard_and_says_so(page, language):
    page.set_viewport_size(PHONE)
    page.goto(_prefix(language) + "/")
    menu = page.locator(".nav-menu summary")
    name = menu.inner_text().strip()
    assert _menu_state(page, name) == ("DisclosureTriangle", False)
    assert page.locator(".nav-menu-panel a").first.is_hidden()
    # Reached with Tab like any button, opened with Enter.
    tab_to(page, ".nav-menu summary")
    page.keyboard.press("Enter")
    assert _menu_state(page, name) == ("DisclosureTriangle", True)
    links = page.locator(".nav-menu-panel ul a")
    assert links.count() == len(NAV_LABELS)
    assert all(links.nth(i).is_visible() for i in range(links.count()))
    book = page.locator(".nav-menu-panel .button").first
    assert book.get_attribute("href") == _prefix(language) + "/book/"
    assert_accessible(page)
    # Tab moves into the open menu; Space closes it again from the button.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('.nav-menu-panel') !== null")
    menu.focus()
    page.keyboard.press("Space")
    assert _menu_state(page, name) == ("DisclosureTriangle", False)
    assert links.first.is_hidden()


def test_the_menu_works_without_javascript(browser, live_server, demo_practice):
    context = browser.new_context(
        viewport=PHONE, base_url=live_server.url, java_script_enabled=False
    )
    page = context.new_page()
    page.goto("/")
    page.locator(".nav-menu summary").click()
    locations = page.locator(".nav-menu-panel").get_by_role("link", name="Locations")
    assert locations.is_visible()
    with page.expect_navigation():
        locations.click()
    assert page.url.endswith("/locations/")
    context.close()


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("path", PAGES)
def test_on_a_desk_the_navigation_is_one_row(page, language, path):
    page.set_viewport_size(DESK)
    page.goto(_prefix(language) + path)
    assert page.locator(".nav-menu").is_hidden()
    links = page.locator(".nav-wide a")
    assert links.count() == len(NAV_LABELS)
    tops = {round(links.nth(i).bounding_box()["y"]) for i in range(links.count())}
    assert len(tops) == 1, f"the navigation wraps onto {len(tops)} rows"
    assert page.locator(".header-cta").is_visible()
    assert page.locator(".brand-logo").is_visible()


def test_on_a_desk_the_home_page_uses_two_columns(page):
    page.set_viewport_size(DESK)
    page.goto("/")
    heading = page.locator(".hero h1").bounding_box()
    panel = page.locator(".hero .cta-panel").bounding_box()
    assert panel["x"] > heading["x"] + heading["width"] - 1  # side by side
    assert panel["y"] < heading["y"] + heading["height"]
    # Booking is visible without scrolling, on a desk and on a phone.
    book = page.locator(".hero .cta-panel .button").first
    assert book.bounding_box()["y"] + book.bounding_box()["height"] <= DESK["height"]
    page.set_viewport_size(PHONE)
    page.goto("/")
    book = page.locator(".hero .cta-panel .button").first
    assert book.bounding_box()["y"] + book.bounding_box()["height"] <= PHONE["height"]


def test_the_location_cards_sit_in_columns_on_a_desk(page):
    page.set_viewport_size(DESK)
    page.goto("/locations/")
    cards = page.locator(".location-card")
    tops = {round(cards.nth(i).bounding_box()["y"]) for i in range(cards.count())}
    assert len(tops) == 1  # three demo locations in one row
