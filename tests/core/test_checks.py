"""The database check that stops ``migrate`` on a database booking cannot use."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection

pytestmark = pytest.mark.django_db


def test_the_database_in_use_passes(capsys):
    call_command("check", "--database", "default")
    assert "no issues" in capsys.readouterr().out


def test_a_database_that_gives_no_ids_back_is_refused_by_name(monkeypatch):
    # SQLite before 3.35 answers a bulk insert without ids; Debian 12's is 3.40, so the
    # old behaviour is stood in for by the feature flag Django reads.
    monkeypatch.setattr(type(connection.features), "can_return_rows_from_bulk_insert", False)
    with pytest.raises(SystemCheckError) as refused:
        call_command("check", "--database", "default")
    message = str(refused.value)
    assert "mildpath.E001" in message
    assert "Use PostgreSQL, or SQLite 3.35 or later." in message
