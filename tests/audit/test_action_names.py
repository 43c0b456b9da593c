"""Every action the code records has a name staff can read, and fits the column (a
longer one would fail on PostgreSQL, which enforces the length, and pass on SQLite)."""

from __future__ import annotations

import re
from pathlib import Path

from mildpath.audit.actions import ACTIONS
from mildpath.audit.models import AuditEvent

ROOT = Path(__file__).resolve().parents[2] / "mildpath"
RECORDED = re.compile(r'action="([a-z_]+\.[a-z_]+)"')


def _recorded() -> set[str]:
    return {
        match.group(1)
        for path in ROOT.rglob("*.py")
        if "migrations" not in path.parts
        for match in RECORDED.finditer(path.read_text())
    }


def test_every_recorded_action_has_a_label():
    assert _recorded() - set(ACTIONS) == set()


def test_every_action_name_fits_the_audit_column():
    longest = AuditEvent._meta.get_field("action").max_length or 0
    assert [name for name in ACTIONS if len(name) > longest] == []
    assert len(_recorded()) > 20  # the scan finds the code's actions
