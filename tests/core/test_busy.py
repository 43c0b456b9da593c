"""A change that could not get the database's lock in time answers 503 "busy, try
again" (with Retry-After), never a 500: PostgreSQL's lock timeout and deadlock answers,
and SQLite's "database is locked" once its busy timeout ran out."""

from __future__ import annotations

import sqlite3

import pytest
from django.db import OperationalError
from django.http import HttpResponse
from django.test import RequestFactory

from mildpath.core.errors import BusyMiddleware


def _sqlite_busy(tmp_path) -> sqlite3.OperationalError:
    """SQLite's own error for a write lock another connection holds."""
    path = tmp_path / "db.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    waiter = sqlite3.connect(path, isolation_level=None, timeout=0)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        with pytest.raises(sqlite3.OperationalError) as raised:
            waiter.execute("BEGIN IMMEDIATE")
        return raised.value
    finally:
        holder.close()
        waiter.close()


def _as_django(cause: BaseException) -> OperationalError:
    """Django's wrapper, as its cursor raises it (``raise ... from`` the driver's)."""
    try:
        raise OperationalError(str(cause)) from cause
    except OperationalError as wrapped:
        return wrapped


def _answer(path: str, exception: Exception) -> HttpResponse | None:
    middleware = BusyMiddleware(lambda request: HttpResponse())
    return middleware.process_exception(RequestFactory().post(path), exception)


@pytest.mark.django_db  # the busy page reads the practice's name
def test_sqlites_database_is_locked_answers_busy_on_the_api_and_on_pages(tmp_path):
    busy = _as_django(_sqlite_busy(tmp_path))
    api = _answer("/api/v1/appointments", busy)
    assert api is not None and api.status_code == 503
    assert api["Retry-After"] == "5"
    assert b'"error": "busy"' in api.content
    page = _answer("/book/pasadena/", busy)
    assert page is not None and page.status_code == 503
    assert b"try again" in page.content.lower()


def test_other_database_errors_are_left_alone(tmp_path):
    path = tmp_path / "db.sqlite3"
    with sqlite3.connect(path) as lite, pytest.raises(sqlite3.OperationalError) as raised:
        lite.execute("SELECT * FROM no_such_table")
    assert _answer("/api/v1/appointments", _as_django(raised.value)) is None
