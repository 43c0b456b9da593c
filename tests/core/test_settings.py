"""The production profile refuses to start with settings unsafe for patient data."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.helpers import PRODUCTION_ENV as SAFE
from tests.helpers import ROOT


def _manage(*args: str, **env_overrides: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key not in SAFE}
    env.pop("DEBUG", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for Playwright in this process only
    env.update(SAFE)
    env.update(env_overrides)
    env = {key: value for key, value in env.items() if value != "<unset>"}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_safe_production_settings_pass_the_deploy_check_with_no_warnings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    ("override", "complaint"),
    [
        ({"DEBUG": "true"}, "DEBUG is on"),
        ({"SECRET_KEY": "<unset>"}, "SECRET_KEY is missing"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY is missing, short"),
        ({"SECRET_KEY": "django-insecure-" + "x" * 60}, "a default"),
        ({"ALLOWED_HOSTS": "<unset>"}, "ALLOWED_HOSTS is empty or open"),
        ({"ALLOWED_HOSTS": "*"}, "ALLOWED_HOSTS is empty or open"),
        ({"MILDPATH_TWILIO_ACCOUNT_SID": "AC123"}, "MILDPATH_TWILIO_AUTH_TOKEN or"),
    ],
)
def test_production_refuses_to_start_with_unsafe_settings(override, complaint):
    result = _manage("check", **override)
    assert result.returncode != 0
    assert "The production profile refuses to start" in result.stderr
    assert complaint in result.stderr


def test_an_unknown_profile_is_refused():
    result = _manage("check", MILDPATH_PROFILE="staging")
    assert result.returncode != 0
    assert "MILDPATH_PROFILE must be development, test or production" in result.stderr


def test_development_generates_its_secret_key_once(tmp_path):
    env = {"MILDPATH_PROFILE": "development", "MILDPATH_VAR_DIR": str(tmp_path)}
    env.update({"SECRET_KEY": "<unset>", "ALLOWED_HOSTS": "<unset>", "DATABASE_URL": "<unset>"})
    first = _manage("check", **env)
    assert first.returncode == 0, first.stderr
    key_file = tmp_path / "secret_key"
    key = key_file.read_text()
    assert len(key) >= 50
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert _manage("check", **env).returncode == 0
    assert key_file.read_text() == key
