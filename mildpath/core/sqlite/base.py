"""Django's SQLite backend, with one change: the rewrite of ``%s`` placeholders into
SQLite's ``?`` is remembered per statement text.

Django rewrites every statement before SQLite sees it, with a regular expression
that takes 10 to 25 us on the statements a booking makes (half a dozen of them a
booking, on every request). The statements an application sends are few and repeat,
so the rewrite is looked up rather than redone; the result is the same text Django's
own rewrite gives. Everything else is Django's backend, unchanged (``vendor`` is still
"sqlite").
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from django.db.backends.sqlite3 import base


@lru_cache(maxsize=1024)
def _qmark(query: str) -> str:
    return str(base.FORMAT_QMARK_REGEX.sub("?", query).replace("%%", "%"))


class SQLiteCursorWrapper(base.SQLiteCursorWrapper):
    def convert_query(self, query: str, *, param_names: Sequence[str] | None = None) -> str:
        if param_names is None:
            return _qmark(query)
        # django-stubs does not declare convert_query; Django 5.2 has it.
        return str(super().convert_query(query, param_names=param_names))  # type: ignore[misc]


class DatabaseWrapper(base.DatabaseWrapper):
    def create_cursor(self, name: Any = None) -> SQLiteCursorWrapper:
        return self.connection.cursor(factory=SQLiteCursorWrapper)
