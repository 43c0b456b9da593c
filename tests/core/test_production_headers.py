"""The production profile, as `make serve` runs it: a strict Content-Security-Policy and
``Cache-Control: no-store`` on public, staff and API pages, and the health checks
answered over plain HTTP (a load balancer's probe) while every page redirects to HTTPS.

The pages are requested in a separate process started with MILDPATH_PROFILE=production,
on a database of the suite's kind (SQLite, or a fresh PostgreSQL database)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.helpers import PRODUCTION_ENV as SAFE
from tests.helpers import ROOT, Server

pytestmark = pytest.mark.django_db

# Runs inside `manage.py shell` in the production profile: signs a front-desk member in
# and prints, for each request, its status and the headers under test.
REQUESTS = """
import json
from django.contrib.auth.models import User
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from mildpath.accounts.models import StaffProfile
from mildpath.practice.models import Location

user = User.objects.create_user(username="dana", password="correct horse battery staple")
StaffProfile.objects.create(user=user, role="front_desk").locations.set(Location.objects.all())
anonymous = Client(HTTP_HOST="clinic.example.org")
staff = Client(HTTP_HOST="clinic.example.org")
staff.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
session = staff.session  # signed in with a confirmed authenticator app, as sign-in leaves it
session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.create(user=user, name="app").persistent_id
session.save()
pages = [
    ("public", anonymous, "get", "/", True),
    ("public", anonymous, "get", "/es/book/", True),
    ("public", anonymous, "get", "/staff/sign-in/", True),
    ("staff", staff, "get", "/staff/", True),
    ("staff", staff, "get", "/staff/patients/", True),
    ("staff", staff, "get", "/staff/calendar/", True),
    ("api", anonymous, "get", "/api/v1/openapi.yaml", True),
    ("api", anonymous, "post", "/api/v1/appointments", True),
    ("plain", anonymous, "get", "/", False),
    ("plain", anonymous, "get", "/healthz", False),
    ("plain", anonymous, "get", "/livez", False),
]
seen = []
for kind, client, method, path, secure in pages:
    if method == "post":
        response = client.post(path, "{}", content_type="application/json", secure=secure)
    else:
        response = client.get(path, secure=secure)
    seen.append({
        "kind": kind, "path": path, "status": response.status_code,
        "location": response.get("Location", ""),
        "csp": response.get("Content-Security-Policy", ""),
        "cache": response.get("Cache-Control", ""),
    })
print("RESULT " + json.dumps(seen))
"""


@pytest.fixture(scope="module")
def answers(tmp_path_factory) -> dict[tuple[str, str], dict[str, object]]:
    tmp = tmp_path_factory.mktemp("production")
    server = Server(tmp, lock=True)  # its database: SQLite here, or a fresh PostgreSQL one
    server.prepare()
    env = {**server.env, **SAFE, "DATABASE_URL": server.database_url}
    for name in ("DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE", "MILDPATH_TEST_BOOKING_LOCK"):
        env.pop(name, None)
    for command in (["collectstatic", "--noinput"], ["shell", "-c", REQUESTS]):
        result = subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr[-3000:]
    line = next(line for line in result.stdout.splitlines() if line.startswith("RESULT "))
    return {(a["kind"], a["path"]): a for a in json.loads(line.removeprefix("RESULT "))}


def test_public_staff_and_api_pages_carry_a_strict_policy_without_unsafe_inline(answers):
    for (kind, path), answer in answers.items():
        if kind == "plain":
            continue
        assert answer["status"] in {200, 422}, (path, answer)
        policy = str(answer["csp"])
        assert "default-src 'self'" in policy, (path, policy)
        assert "script-src 'self'" in policy, (path, policy)
        assert "style-src 'self'" in policy, (path, policy)
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, (path, policy)


def test_no_page_may_be_stored_in_production(answers):
    for (kind, path), answer in answers.items():
        if kind != "plain":
            assert "no-store" in str(answer["cache"]), (path, answer)


def test_health_checks_answer_over_plain_http_while_pages_redirect_to_https(answers):
    assert answers[("plain", "/")]["status"] == 301
    assert str(answers[("plain", "/")]["location"]).startswith("https://clinic.example.org/")
    assert answers[("plain", "/livez")]["status"] == 200
    # No worker runs here: the health check says so, over plain HTTP, not as a redirect.
    assert answers[("plain", "/healthz")]["status"] == 503
