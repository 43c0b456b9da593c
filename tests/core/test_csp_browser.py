"""Chromium loads public, staff and admin pages under the strict Content-Security-Policy
and reports no violation: every script and style the pages need comes from a static
file. An inline script slipped into a page (what an injection would add) is refused."""

from __future__ import annotations

import pytest
from django.test import Client

from mildpath.core import clock
from mildpath.scheduling.models import ConsultationRequest

pytestmark = pytest.mark.browser

# Registered before any page script runs: every violation the browser reports.
LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""


@pytest.fixture
def watched(page):
    """The page, with every CSP violation it reports (console or event) collected."""
    console: list[str] = []

    def on_console(message) -> None:
        if "Content Security Policy" in message.text:
            console.append(message.text)

    page.on("console", on_console)
    page.add_init_script(LISTEN)
    page.csp_console = console
    return page


def _visit(page, path: str) -> None:
    response = page.goto(path)
    assert response.status == 200, (path, response.status, page.url)
    policy = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy, policy
    page.wait_for_load_state("load")
    violations = page.evaluate("window.__violations")
    assert violations == [], (path, violations)
    assert page.csp_console == [], (path, page.csp_console)


def _signed_in_as(page, sign_in, user) -> None:
    client = sign_in(user, Client())
    page.context.clear_cookies()
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value,
          "domain": "localhost", "path": "/"}]
    )  # fmt: skip


def test_public_pages_run_under_the_policy_without_a_violation(watched):
    for path in [
        "/",
        "/es/mild-procedure/",
        "/locations/santa-monica/",
        "/self-check/",
        "/consultation/",
        "/book/",
        "/book/pasadena/",
        "/staff/sign-in/",
    ]:
        _visit(watched, path)
    # A form's answer too (here, the self-check's errors).
    _visit(watched, "/self-check/")
    with watched.expect_navigation():
        watched.get_by_role("button").last.click()
    assert watched.locator(".error-summary").is_visible()
    assert watched.evaluate("window.__violations") == []
    assert watched.csp_console == []


def test_staff_pages_and_the_idle_warning_script_run_under_the_policy(
    watched, make_staff, sign_in, settings
):
    settings.MILDPATH_IDLE_TIMEOUT = 60
    settings.MILDPATH_IDLE_WARNING = 59  # the warning script opens its dialog at once
    ConsultationRequest.objects.create(
        name="Test Caller",
        phone="+13105550123",
        best_time="any",
        consent_to_contact=True,
        created_at=clock.now(),  # the live server runs on the real clock
    )
    _signed_in_as(watched, sign_in, make_staff("manager", ("santa-monica",)))
    for path in [
        "/staff/",
        "/staff/patients/",
        "/staff/requests/",
        "/staff/calendar/?location=santa-monica&view=week",
        "/staff/audit/",
    ]:
        _visit(watched, path)
    # session.js, a static script, ran: it opened the warning.
    watched.locator("#session-warning").wait_for(state="visible", timeout=5_000)


def test_the_admin_pages_run_under_the_policy(watched, make_staff, sign_in):
    _signed_in_as(watched, sign_in, make_staff("administrator", username="alex"))
    for path in [
        "/admin/",
        "/admin/practice/location/",
        "/admin/practice/location/1/change/",
        "/admin/scheduling/outboundmessage/",
    ]:
        _visit(watched, path)


def test_an_injected_inline_script_and_style_are_refused(watched):
    def inject(route):
        response = route.fetch()
        body = response.text().replace(
            "</main>",
            '<p id="injected" style="color: red">x</p><script>window.__ran = true;</script></main>',
        )
        route.fulfill(response=response, body=body)

    watched.route("**/questions/", inject)
    watched.goto("/questions/")
    watched.wait_for_load_state("load")
    assert watched.evaluate("window.__ran === undefined")
    violations = watched.evaluate("window.__violations")
    assert any(v.startswith("script-src") for v in violations), violations
    assert any(v.startswith("style-src") for v in violations), violations
    assert watched.csp_console, "Chromium reports refusals on the console too"
