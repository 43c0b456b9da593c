"""The README's first command works on a fresh clone: install, migrate, demo data, serve."""

from __future__ import annotations

import pytest

from bench.startup import fresh_clone, make_run

pytestmark = pytest.mark.slow


def test_make_run_serves_the_home_page_from_a_fresh_clone(tmp_path):
    checkout = fresh_clone(tmp_path / "mildpath")
    first = make_run(checkout)
    assert first.status == 200, first.output[-3000:]
    assert "user demo.manager" in first.output
    assert "demo-only-mildpath-2026" in first.output
    assert (checkout / ".venv" / "bin" / "python").exists()
    assert (checkout / "var" / "mildpath.sqlite3").exists()

    # A second start reuses the install and the database, and the demo load stays idempotent.
    second = make_run(checkout)
    assert second.status == 200, second.output[-3000:]
    assert "pip install" not in second.output
