"""Whole rows in and out without the ORM's per-query machinery, for the handful of
statements every booking makes (bench/booking.py).

Through the ORM, building a statement costs several times running it: an audit entry
took 0.15 ms through ``save()`` (inheritance, related-object checks, signals, the
same INSERT compiled again) and takes 0.09 ms through ``insert``; a ``raw()`` query
spends most of its time working out how to build the model. Here each model's
column list and INSERT are worked out once, and values still pass through the
model's own fields, as the ORM passes them (``pre_save`` and ``get_db_prep_save``
going in, the database's and the field's converters coming out). ``insert`` sends
no signals: the house style puts no logic in them (ARCHITECTURE.md), and nothing
here listens.

Each function looks the connection up once: every attribute read through
``django.db.connection`` repeats a thread-local lookup, and a booking made hundreds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper

M = TypeVar("M", bound=models.Model)
Converters = list[tuple[int, Any, list[Callable[..., Any]]]]


def database() -> BaseDatabaseWrapper:
    """This thread's connection to the database."""
    return connections[DEFAULT_DB_ALIAS]


@cache
def _reading(model: type[models.Model], vendor: str) -> tuple[str, Converters]:
    """The columns to select for a whole ``model`` row, and the converters the ORM
    would apply to each value read (per database: ``vendor`` keys the cache)."""
    db = database()
    table = model._meta.db_table
    fields = model._meta.concrete_fields
    selected = ", ".join(f"{table}.{db.ops.quote_name(field.column)}" for field in fields)
    converters = []
    for index, field in enumerate(fields):
        column = field.get_col(table)
        found = [*db.ops.get_db_converters(column), *column.get_db_converters(db)]
        if found:
            converters.append((index, column, found))
    return selected, converters


def columns(model: type[models.Model]) -> str:
    """``table."column", ...`` for every column of ``model``, in the order ``instance``
    reads them."""
    return _reading(model, database().vendor)[0]


def instance(model: type[M], row: Sequence[Any]) -> M:
    """A model instance from the values of ``columns(model)``, converted as the ORM
    converts them."""
    db = database()
    _, converters = _reading(model, db.vendor)
    values = list(row)
    for index, column, functions in converters:
        for function in functions:
            values[index] = function(values[index], column, db)
    names = [field.attname for field in model._meta.concrete_fields]
    return model.from_db(db.alias, names, values)


@cache
def _writing(model: type[models.Model], vendor: str) -> tuple[list[models.Field], str]:
    """The fields written and the INSERT for ``model`` (per database: ``vendor`` keys
    the cache)."""
    quote = database().ops.quote_name
    meta = model._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    names = ", ".join(quote(field.column) for field in fields)
    marks = ", ".join(["%s"] * len(fields))
    return fields, (
        # Only names from the model's own metadata, quoted, are formatted in.
        f"INSERT INTO {quote(meta.db_table)} ({names}) VALUES ({marks})"  # noqa: S608
        f" RETURNING {quote(meta.pk.column)}"
    )


def insert(obj: M) -> M:
    """Write ``obj``, a new instance of a model with an automatic id, and give it its id."""
    if not obj._state.adding or obj.pk is not None:
        raise ValueError(f"{obj!r} is already saved; insert writes new rows only")
    db = database()
    fields, statement = _writing(type(obj), db.vendor)
    values = [field.get_db_prep_save(field.pre_save(obj, True), db) for field in fields]
    with db.cursor() as cursor:
        cursor.execute(statement, values)
        (obj.pk,) = cursor.fetchone()
    obj._state.adding = False
    obj._state.db = db.alias
    return obj
