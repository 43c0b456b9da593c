"""Helpers for browser tests: axe-core checks and keyboard-only navigation."""

from __future__ import annotations

from typing import Any

from axe_playwright_python.sync_playwright import Axe

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
