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
import time_machine

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


@pytest.fixture(autouse=True)
def _english_between_tests() -> Iterator[None]:
    """A Spanish request leaves Spanish active in the thread, and reverse() would then
    give /es/ URLs to the next test. Every test starts in English."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture
def frozen() -> Iterator[time_machine.Traveller]:
    """Time stopped at the suite's reference moment, tests.helpers.NOW, for one test.

    The one way a test freezes the clock: ``pytest.mark.usefixtures("frozen")``, or ask
    for it to move time on (``frozen.shift(timedelta(minutes=14))``) or to another moment
    counted from the reference (``frozen.move_to(NOW + timedelta(days=7))``). Tests of a
    server or worker in another process, on the real clock, count from today instead."""
    from tests.helpers import NOW

    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def demo_practice(db: None) -> None:
    from mildpath.demo.loader import demo_practice_load

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


def _clear_audit_trail() -> None:
    """Empty the append-only tables (the audit trail, signed procedure records) so a
    transactional test's flush can run.

    Test-only: the triggers are lifted inside one transaction and put back at once.
    """
    import importlib

    from django.db import connection, transaction

    guarded = [
        (
            "audit_auditevent",
            importlib.import_module("mildpath.audit.migrations.0002_append_only_triggers"),
        ),
        (
            "care_procedurerecord",
            importlib.import_module(
                "mildpath.care.migrations.0002_signed_procedures_refuse_change"
            ),
        ),
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        for table, triggers in guarded:
            if connection.vendor == "postgresql":
                # Deferred foreign-key checks left pending would refuse the ALTER TABLE.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - our own table names
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
            else:
                for statement in triggers.SQLITE_DOWN:
                    cursor.execute(statement)
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - our own table names
                for statement in triggers.SQLITE_UP:
                    cursor.execute(statement)


@pytest.fixture
def flushable_audit(transactional_db):
    yield
    _clear_audit_trail()


@pytest.fixture
def page(browser, live_server, flushable_audit):
    from mildpath.demo.loader import demo_practice_load, demo_schedule_load

    demo_practice_load()
    demo_schedule_load()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


# --- staff ------------------------------------------------------------------


@pytest.fixture
def make_staff(db: None):
    """Create a staff member with a role and locations; MFA roles get a confirmed app."""
    from django.contrib.auth.models import User
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from mildpath.accounts.models import StaffProfile
    from mildpath.accounts.roles import MFA_REQUIRED, Role
    from mildpath.practice.models import Location

    def make(role: str, locations: tuple[str, ...] = (), username: str = "", mfa=None):
        user = User.objects.create_user(
            username=username or f"{role}-{User.objects.count() + 1}",
            password="correct horse battery staple",
            is_staff=role == Role.ADMINISTRATOR,
            is_superuser=role == Role.ADMINISTRATOR,
        )
        profile = StaffProfile.objects.create(user=user, role=role)
        profile.locations.set(Location.objects.filter(slug__in=locations))
        if mfa if mfa is not None else Role(role) in MFA_REQUIRED:
            TOTPDevice.objects.create(user=user, name="app", confirmed=True)
        return user

    return make


@pytest.fixture
def sign_in(client):
    """Sign a staff member in as the real flow would leave them: verified if they have an app."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from mildpath.accounts.middleware import LAST_ACTIVITY, SIGNED_IN_AT
    from mildpath.core import clock

    def do(user, browser_client=None):
        target = browser_client or client
        target.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        session = target.session
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is not None:
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        now = clock.now().timestamp()
        session[SIGNED_IN_AT] = now
        session[LAST_ACTIVITY] = now
        session.save()
        return target

    return do


@pytest.fixture
def clinician(make_staff, sign_in):
    """A clinician at Santa Monica, signed in on the test client."""
    user = make_staff("clinician", ("santa-monica",))
    sign_in(user)
    return user


@pytest.fixture
def audit_log():
    """``with audit_log.exactly_one(action=...)``: the block writes exactly one audit
    entry with that action (and perhaps others, such as the link its messages carry),
    and that entry has these attributes."""
    from contextlib import contextmanager

    from mildpath.audit.models import AuditEvent

    class Log:
        @contextmanager
        def exactly_one(self, **expected):
            before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
            holder: dict[str, AuditEvent] = {}
            yield holder
            new = list(AuditEvent.objects.filter(id__gt=before).order_by("id"))
            if "action" in expected:
                new = [event for event in new if event.action == expected["action"]]
            assert len(new) == 1, [(e.action, e.object_type, e.detail) for e in new]
            for key, value in expected.items():
                assert getattr(new[0], key) == value, (key, getattr(new[0], key), value)
            holder["event"] = new[0]

        def new_since(self, event_id: int) -> list[AuditEvent]:
            return list(AuditEvent.objects.filter(id__gt=event_id).order_by("id"))

    return Log()
