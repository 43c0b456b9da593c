"""System checks Django runs before ``migrate`` and the test run (database tag)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.core.checks import CheckMessage, Error, Tags, register
from django.db import connections


@register(Tags.database)
def database_returns_bulk_ids(
    app_configs: Sequence[Any] | None = None, databases: Iterable[str] | None = None, **_: Any
) -> list[CheckMessage]:
    """Booking writes a follow-up plan's time points with one ``bulk_create`` and then
    audits each and links the first by its id; a database that gives no ids back
    (SQLite before 3.35; Django 5.2 accepts 3.31) would write them without."""
    found: list[CheckMessage] = []
    for alias in databases or ():
        connection = connections[alias]
        if not connection.features.can_return_rows_from_bulk_insert:
            found.append(
                Error(
                    f"The database '{alias}' ({connection.vendor}) does not return the ids "
                    "of rows written together, which booking needs.",
                    hint="Use PostgreSQL, or SQLite 3.35 or later.",
                    id="mildpath.E001",
                )
            )
    return found
