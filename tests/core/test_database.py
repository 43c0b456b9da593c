from __future__ import annotations

import pytest
from django.db import connection


@pytest.mark.django_db
def test_the_suite_runs_on_the_database_it_was_asked_for(request):
    expected = "postgresql" if request.config.getoption("--postgres") else "sqlite"
    assert connection.vendor == expected
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


@pytest.mark.django_db
def test_sqlite_runs_in_wal_mode_with_immediate_transactions(settings):
    if connection.vendor != "sqlite":
        return  # PostgreSQL has neither setting; its pass checks the vendor above
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in options["init_command"]


@pytest.mark.django_db
def test_statements_reach_sqlite_with_their_placeholders_and_percent_signs_intact():
    if connection.vendor != "sqlite":
        return  # PostgreSQL takes %s as it is
    statements: list[tuple[str, list[str] | dict[str, str], tuple[str, ...]]] = [
        ("SELECT %s || 'x%%'", ["a"], ("ax%",)),
        ("SELECT %s || 'x%%'", ["b"], ("bx%",)),  # the same text again, now remembered
        ("SELECT %s, '%%s', %s", ["c", "d"], ("c", "%s", "d")),
        ("SELECT %(first)s || %(second)s", {"first": "e", "second": "f"}, ("ef",)),
    ]
    with connection.cursor() as cursor:
        assert type(cursor.cursor).__module__ == "mildpath.core.sqlite.base"
        for statement, params, expected in statements:
            cursor.execute(statement, params)
            assert cursor.fetchone() == expected
