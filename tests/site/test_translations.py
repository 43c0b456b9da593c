"""Every string a patient can see exists in Spanish, and the shipped catalog is current."""

from __future__ import annotations

import gettext
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "mildpath" / "locale" / "es" / "LC_MESSAGES" / "django.po"
COMPILED = CATALOG.with_suffix(".mo")


def _statistics(po: Path) -> str:
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(po)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stderr.strip()


def test_every_message_has_a_spanish_translation():
    stats = _statistics(CATALOG)
    assert "untranslated" not in stats and "fuzzy" not in stats, stats


def test_the_catalog_matches_the_source_strings(tmp_path):
    """makemessages on a copy of the sources must find nothing new and nothing stale."""
    copy = tmp_path / "src"
    shutil.copytree(ROOT / "mildpath", copy / "mildpath", ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(ROOT / "manage.py", copy / "manage.py")
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "es", "--no-location"],
        cwd=copy,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    regenerated = copy / "mildpath" / "locale" / "es" / "LC_MESSAGES" / "django.po"
    stats = _statistics(regenerated)
    assert "untranslated" not in stats and "fuzzy" not in stats, (
        f"New or changed strings need Spanish (run `make messages`): {stats}"
    )
    stale = [line for line in regenerated.read_text().splitlines() if line.startswith("#~ msgid")]
    assert stale == [], f"Strings no longer used (run `make messages`): {stale[:5]}"


def test_the_compiled_catalog_is_built_from_the_current_po(tmp_path):
    fresh = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "-o", str(fresh), str(CATALOG)], check=True)
    with COMPILED.open("rb") as shipped, fresh.open("rb") as rebuilt:
        shipped_catalog = vars(gettext.GNUTranslations(shipped))["_catalog"]
        rebuilt_catalog = vars(gettext.GNUTranslations(rebuilt))["_catalog"]
    assert shipped_catalog == rebuilt_catalog


@pytest.mark.django_db
def test_spanish_pages_read_in_spanish(client, demo_practice):
    response = client.get("/es/mild-procedure/")
    assert '<html lang="es">' in response.text
    assert "The mild procedure, step by step" not in response.text
    assert 'hreflang="en"' in response.text
