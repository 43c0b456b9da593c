"""The registry's pages in Chromium: the dashboard with a finished report and the
de-identified export pass axe-core at 390 and 1280 px without scrolling sideways, and a
report being built shows its progress bar and sentence, and its script shows the report
once the worker has finished it.

The live server runs on the real clock; the report is built from patients written
straight into the tables (tests/registry_data.py).
Set REGISTRY_SHOTS=/tmp/registry-shots to keep a picture of each page at both widths."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.test import Client

from mildpath.core import clock
from mildpath.outcomes.models import RegistryJob
from mildpath.outcomes.registry import Filters
from mildpath.outcomes.report import report_build
from tests.browser import WIDE, assert_accessible, assert_reflows
from tests.registry_data import Build

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
SHOTS = os.environ.get("REGISTRY_SHOTS", "")


def _as(page, sign_in, user) -> None:
    client = sign_in(user, Client())
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


def _job(user, **fields) -> RegistryJob:
    fields.setdefault("filters", Filters().as_dict())
    return RegistryJob.objects.create(requested_by=user, requested_at=clock.now(), **fields)


def _check(page, path: str) -> None:
    page.goto(path)
    for size in (PHONE, WIDE):
        page.set_viewport_size(size)
        assert_accessible(page)
        assert_reflows(page)
        if SHOTS:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            name = path.strip("/").replace("/", "-")
            page.screenshot(path=f"{SHOTS}/{name}-{size['width']}.png", full_page=True)


def test_the_registry_pages_pass_axe_on_a_phone_and_a_desk(page, make_staff, sign_in):
    manager = make_staff("manager")
    Build().treated(12)
    result = {**report_build(now=clock.now()), "synthetic": True}
    _job(
        manager, kind="report", status="done", progress=100, finished_at=clock.now(), result=result
    )
    _as(page, sign_in, manager)

    _check(page, "/staff/registry/")
    assert page.get_by_text("12 patients in the registry").is_visible()
    assert page.get_by_role("img", name="Disability (Oswestry, ODI)").is_visible()
    assert (
        page.get_by_role("link", name="Outcomes", exact=True).get_attribute("aria-current")
        == "page"
    )

    # The filters fold into one line above a report; the keyboard opens them.
    choose = page.get_by_role("button", name="Choose these patients")
    assert not choose.is_visible()
    page.locator("details.registry-choice > summary").focus()
    page.keyboard.press("Enter")
    assert choose.is_visible()
    assert_accessible(page)

    _check(page, "/staff/registry/export/")
    assert page.get_by_role("heading", name="What is left out (HIPAA Safe Harbor)").is_visible()

    running = _job(
        manager,
        kind="report",
        filters={**Filters().as_dict(), "levels": "2"},
        status="running",
        progress=40,
        stage="computing the statistics",
        started_at=clock.now(),
        beat_at=clock.now(),
    )
    page.goto(f"/staff/registry/reports/{running.pk}/")
    bar = page.locator("progress")
    assert bar.is_visible() and bar.get_attribute("value") == "40"
    sentence = "Building the report: 40% — computing the statistics"
    assert page.get_by_text(sentence).is_visible()
    assert page.get_by_role("progressbar", name=sentence).is_visible()
    assert_accessible(page)

    # The worker finishes: the page's script sees it and shows the report.
    RegistryJob.objects.filter(pk=running.pk).update(
        status="done", progress=100, finished_at=clock.now(), result=result
    )
    page.get_by_text("12 patients in the registry").wait_for(timeout=6_000)
    assert page.locator("progress").count() == 0
