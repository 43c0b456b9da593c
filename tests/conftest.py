"""Test session set-up shared by every test.

* ``--postgres`` runs the suite on a throwaway PostgreSQL cluster started here
  (see tests/pgcluster.py); without it the suite runs on SQLite.
* Browser tests drive Debian's Chromium at /usr/bin/chromium through Playwright.
  Under CI=true a missing Chromium or PostgreSQL fails the run; it never skips.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import dj_database_url
import pytest

from tests.pgcluster import Cluster, PostgresUnavailable

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls
# from that thread are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
IN_CI = os.environ.get("CI", "").lower() == "true"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--postgres",
        action="store_true",
        help="run on a throwaway PostgreSQL cluster instead of SQLite",
    )


def pytest_configure(config: pytest.Config) -> None:
    if not config.getoption("--postgres") or hasattr(config, "workerinput"):
        return  # xdist workers inherit DATABASE_URL from the controller's environment
    try:
        cluster = Cluster()
        url = cluster.start()
    except PostgresUnavailable as exc:
        raise pytest.UsageError(f"--postgres: {exc}") from exc
    config.add_cleanup(cluster.stop)
    os.environ["DATABASE_URL"] = url
    from django.conf import settings
    from django.db import connections

    # Settings were read before this hook ran: point them at the cluster in place,
    # for a run without xdist (workers read DATABASE_URL when they start).
    settings.DATABASES["default"] = dj_database_url.parse(url, conn_max_age=0)
    connections.configure_settings(settings.DATABASES)
    try:
        del connections["default"]  # a SQLite connection object made before this hook
    except AttributeError:
        pass


def pytest_report_header(config: pytest.Config) -> str:
    from django.conf import settings

    return f"mildpath database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}"


@pytest.fixture
def demo_practice(db: None) -> None:
    from mildpath.practice.demo import demo_practice_load

    demo_practice_load()


# --- browser ----------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        message = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)."
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)  # local runs only; CI=true fails above
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server, transactional_db):
    from mildpath.practice.demo import demo_practice_load

    demo_practice_load()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()
