"""`make screenshots`: the pages a newcomer should see first, at 390 and 1280 px, into
docs/screenshots/ (shown in the README).

A throwaway demo practice (SQLite under a temporary directory, the demo visits
included) is served by gunicorn with its clock set, through libfaketime, to a fixed
weekday morning, so the front desk has a day to show and the pictures do not change
from run to run except where the pages do. Chromium (Debian's, /usr/bin/chromium)
takes the pictures; the staff pages are signed in as the demo front desk.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
# A Tuesday, 9:30 in the morning in Los Angeles (17:30 UTC).
MOMENT = "2026-12-01 17:30:00"
WIDTHS = {"phone": (390, 844), "desktop": (1280, 900)}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


PORT = _free_port()


def main() -> int:
    if not CHROMIUM.exists():
        sys.stderr.write(f"Chromium is needed at {CHROMIUM} (apt-get install chromium).\n")
        return 1
    faketime = shutil.which("faketime")
    if faketime is None:
        sys.stderr.write("libfaketime's faketime is needed (apt-get install faketime).\n")
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="mildpath-shots-") as tmp:
        env = {
            **os.environ,
            "MILDPATH_PROFILE": "development",
            "DEBUG": "false",
            "DATABASE_URL": f"sqlite:///{tmp}/db.sqlite3",
            "MILDPATH_VAR_DIR": tmp,
            "MILDPATH_BASE_URL": f"http://127.0.0.1:{PORT}",
            # The server's clock starts at MOMENT (libfaketime), its monotonic clock
            # real; tests/faketime mends Python's sleep for that (it says why).
            "FAKETIME_DONT_FAKE_MONOTONIC": "1",
            "PYTHONPATH": str(ROOT / "tests" / "faketime"),
        }
        clock = [faketime, "-f", f"@{MOMENT}"]
        python = [*clock, sys.executable, "manage.py"]
        for args in (["migrate", "--noinput"], ["load_demo", "--visits"]):
            subprocess.run([*python, *args], cwd=ROOT, env=env, check=True, capture_output=True)
        cookie = (
            subprocess.run(
                [*python, "shell", "-c", SIGN_IN],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        tokens = subprocess.run(
            [*python, "shell", "-c", LINKS],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()[-2:]
        TOKENS.update(zip(("questionnaire", "progress"), tokens, strict=True))
        gunicorn = Path(sys.executable).with_name("gunicorn")
        log = Path(tmp) / "server.log"
        server = subprocess.Popen(
            [*clock, str(gunicorn), "mildpath.wsgi", "--bind", f"127.0.0.1:{PORT}",
             "--workers", "2", "--log-level", "warning"],
            cwd=ROOT, env=env, start_new_session=True, stderr=log.open("wb"),
        )  # fmt: skip
        try:
            _wait_for(f"http://127.0.0.1:{PORT}/livez")
            _shoot(cookie)
        except Exception:
            sys.stderr.write(log.read_text()[-5000:])
            raise
        finally:
            os.killpg(server.pid, signal.SIGTERM)  # faketime and gunicorn with it
            server.wait(timeout=30)
    for picture in sorted(OUT.glob("*.png")):
        print(f"  {picture.relative_to(ROOT)}")
    return 0


# Run inside the demo server's database: a session for the demo front desk, signed in
# with their second factor as the real sign-in would leave it. Prints the cookie.
SIGN_IN = """
from django.contrib.auth import get_user_model, SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from mildpath.accounts.middleware import LAST_ACTIVITY, SIGNED_IN_AT
from mildpath.core import clock
user = get_user_model().objects.get(username="demo.frontdesk")
device, _ = TOTPDevice.objects.get_or_create(
    user=user, name="demo app", defaults={"confirmed": True}
)
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session[DEVICE_ID_SESSION_KEY] = device.persistent_id
session[SIGNED_IN_AT] = session[LAST_ACTIVITY] = clock.now().timestamp()
session.create()
print(session.session_key)
"""


def _wait_for(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=5).close()  # noqa: S310 - our own server
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("the demo server did not start")


def _home(page: Any) -> None:
    page.goto("/")


def _time_step(page: Any) -> None:
    page.goto("/book/pasadena/")


def _review(page: Any) -> None:
    """Through the time step and the details, as a patient would, to the review."""
    _time_step(page)
    with page.expect_navigation():
        page.locator("button[name=slot]").first.click()
    for field, value in (
        ("#id_given_name", "Rosa"),
        ("#id_family_name", "Delgado"),
        ("#id_date_of_birth", "04/02/1951"),
        ("#id_phone", "310-555-0111"),
        ("#id_email", "rosa.delgado@example.com"),
    ):
        page.fill(field, value)
    with page.expect_navigation():
        page.locator("form[method=post] button[type=submit]").click()


# Run inside the demo server's database: links to the questionnaire of the patient whose
# intake is due first, and to the progress of the patient with the most answers. Prints
# the two tokens.
LINKS = """
from django.db.models import Count
from mildpath.audit.actor import Actor
from mildpath.core import clock
from mildpath.patients.models import Patient
from mildpath.patients.services import patient_link_issue
from mildpath.questionnaires.models import Response, TimePoint
now, actor = clock.now(), Actor.system("make screenshots")
point = TimePoint.objects.filter(
    code="baseline", completed_at__isnull=True, superseded_at__isnull=True,
    opens_at__lte=now, closes_at__gt=now,
).order_by("due_at").first()
asked = patient_link_issue(
    actor=actor, patient=point.patient, purpose="questionnaire", target_id=point.pk, now=now
)
most = (Response.objects.filter(status="complete").values("patient_id")
        .annotate(n=Count("id")).order_by("-n", "patient_id")[0]["patient_id"])
shown = patient_link_issue(
    actor=actor, patient=Patient.objects.get(pk=most), purpose="progress", now=now
)
print(asked.token, shown.token)
"""
TOKENS: dict[str, str] = {}


def _questionnaire(page: Any) -> None:
    page.goto(f"/p/questionnaire/{TOKENS['questionnaire']}/odi/4/")


def _progress(page: Any) -> None:
    page.goto(f"/p/progress/{TOKENS['progress']}/")


def _front_desk(page: Any) -> None:
    page.goto("/staff/")


def _calendar(page: Any) -> None:
    page.goto("/staff/calendar/")


# (name, how to get there, as the signed-in front desk?, the whole page or one screen?)
SHOTS: list[tuple[str, Callable[[Any], None], bool, bool]] = [
    ("home", _home, False, True),
    ("time-step", _time_step, False, True),
    ("review", _review, False, True),
    ("questionnaire", _questionnaire, False, True),
    ("progress", _progress, False, False),
    ("front-desk-home", _front_desk, True, True),
    ("calendar", _calendar, True, True),
]


def _shoot(session_key: str) -> None:
    from playwright.sync_api import sync_playwright

    base = f"http://127.0.0.1:{PORT}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        for label, (width, height) in WIDTHS.items():
            for name, visit, staff, whole in SHOTS:
                # A fresh browser for each picture: a patient's visit starts afresh.
                context = browser.new_context(
                    viewport={"width": width, "height": height}, base_url=base
                )
                if staff:
                    context.add_cookies([{"name": "sessionid", "value": session_key, "url": base}])
                page = context.new_page()
                page.set_default_timeout(15_000)
                visit(page)
                page.screenshot(path=str(OUT / f"{name}-{label}.png"), full_page=whole)
                context.close()
        browser.close()


if __name__ == "__main__":
    sys.exit(main())
