"""Every process of the project (each server worker, the task worker, each command) reads
the URLconf when it starts. matplotlib, scipy.stats and WeasyPrint together took about
1.5 of its 2.3 seconds; they are loaded by the first chart, statistic or PDF instead."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.helpers import ROOT

HEAVY = ("matplotlib", "scipy", "weasyprint")

STARTUP = """
import sys
import django
django.setup()
from django.core import checks
from django.urls import get_resolver
get_resolver().url_patterns
checks.run_checks()
print(" ".join(sorted(name for name in {heavy!r} if name in sys.modules)))
"""


def test_a_process_reads_the_urlconf_and_runs_its_checks_without_the_heavy_libraries(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "mildpath.settings",
        "MILDPATH_PROFILE": "test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "MILDPATH_VAR_DIR": str(tmp_path),
    }
    loaded = subprocess.run(
        [sys.executable, "-c", STARTUP.format(heavy=HEAVY)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True,
    ).stdout.split()  # fmt: skip
    assert loaded == []
