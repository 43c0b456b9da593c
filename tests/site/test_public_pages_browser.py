"""Every public page, in English and Spanish, at 320 px and 1280 px: axe-core finds no
WCAG 2.2 A/AA violation and the page reflows without sideways scrolling."""

from __future__ import annotations

import pytest

from bench.page_weight import PUBLIC_PATHS
from tests.browser import NARROW, WIDE, assert_accessible, assert_reflows

pytestmark = pytest.mark.browser

# Every page the transfer budget covers, plus the error and step-free variants.
PAGES = [
    *PUBLIC_PATHS,
    "/locations/?zip=99999",
    "/locations/?zip=10001",  # outside the practice's area
    "/locations/?zip=90404",  # at a clinic: "in your area"
    "/locations/long-beach/",
    "/book/?zip=9010",
]


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("path", PAGES)
def test_public_page_is_accessible_at_both_widths(page, path, language):
    url = path if language == "en" else f"/es{path}"
    for viewport in (NARROW, WIDE):
        page.set_viewport_size(viewport)
        response = page.goto(url)
        assert response.status == 200
        assert page.locator("html").get_attribute("lang") == language
        assert_accessible(page)
        assert_reflows(page)


@pytest.mark.parametrize("language", ["en", "es"])
def test_form_errors_and_results_are_accessible(page, language):
    prefix = "" if language == "en" else "/es"
    for viewport in (NARROW, WIDE):
        page.set_viewport_size(viewport)
        # An empty submission shows every error at once.
        page.goto(f"{prefix}/self-check/")
        with page.expect_navigation():
            page.get_by_role("button").last.click()
        assert page.locator(".error-summary").is_visible()
        assert_accessible(page)
        assert_reflows(page)

        page.goto(f"{prefix}/consultation/")
        with page.expect_navigation():
            page.locator("form button[type=submit]").click()
        assert page.locator(".error-summary").is_visible()
        assert_accessible(page)
        assert_reflows(page)


def test_language_switch_keeps_the_page(page):
    page.goto("/mild-procedure/")
    page.get_by_role("link", name="Español").click()
    assert page.url.endswith("/es/mild-procedure/")
    assert page.locator("html").get_attribute("lang") == "es"
    page.get_by_role("link", name="English").click()
    assert page.url.endswith("/mild-procedure/") and "/es/" not in page.url


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_too_many_requests_page_is_accessible(page, settings, language):
    settings.MILDPATH_PUBLIC_CREATIONS_PER_HOUR = 0
    page.goto("/consultation/" if language == "en" else "/es/consultation/")
    with page.expect_navigation():
        page.locator("form button[type=submit]").click()
    assert page.locator("h1").inner_text() in {"Please call us instead", "Por favor, llámenos"}
    assert_accessible(page)
