"""Helpers for browser tests: axe-core checks and keyboard-only navigation."""

from __future__ import annotations

from typing import Any

from axe_playwright_python.sync_playwright import Axe
from django_otp.oath import totp

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
NARROW = {"width": 320, "height": 800}
WIDE = {"width": 1280, "height": 900}

_axe = Axe()


def axe_violations(page: Any) -> list[str]:
    """axe-core's WCAG 2.x A/AA violations on the page as it is now, one line each."""
    results = _axe.run(
        page,
        options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]},
    )
    return [
        f"{violation['id']}: {violation['help']} -> "
        + "; ".join(node["target"][0] for node in violation["nodes"][:3])
        for violation in results.response["violations"]
    ]


def assert_accessible(page: Any) -> None:
    violations = axe_violations(page)
    assert violations == [], f"{page.url}: {violations}"


def assert_reflows(page: Any) -> None:
    """No horizontal scrolling of the page itself (WCAG 1.4.10 reflow)."""
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"


def tab_to(page: Any, selector: str, max_presses: int = 80) -> None:
    """Press Tab until the element matching ``selector`` has focus, as a keyboard user would."""
    for _ in range(max_presses):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} was not reached with {max_presses} presses of Tab")


def press_and_wait(page: Any, key: str = "Enter") -> None:
    """Press a key that submits or follows a link, and wait for the new page."""
    with page.expect_navigation():
        page.keyboard.press(key)


# The password make_staff gives every account (tests/conftest.py).
PASSWORD = "correct horse battery staple"


def type_password(page: Any, username: str, password: str = PASSWORD) -> None:
    page.goto("/staff/sign-in/")
    tab_to(page, "#id_username")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    press_and_wait(page)


def totp_code(device: Any) -> str:
    """The code the device's authenticator app shows now."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def type_password_and_code(page: Any, user: Any) -> None:
    """The whole sign-in of a role with two-step sign-in, by keyboard."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    type_password(page, user.get_username())
    tab_to(page, "#id_code")
    page.keyboard.type(totp_code(TOTPDevice.objects.get(user=user, confirmed=True)))
    press_and_wait(page)
