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
from typing import Any, NamedTuple, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import NOT_PROVIDED

M = TypeVar("M", bound=models.Model)


class _Reading(NamedTuple):
    columns: str  # table."column", ... for every concrete field
    names: list[str]  # their attribute names, in the same order
    converters: list[tuple[int, Any, list[Callable[..., Any]]]]  # index, column, functions


def database() -> BaseDatabaseWrapper:
    """This thread's connection to the database."""
    return connections[DEFAULT_DB_ALIAS]


@cache
def _reading(model: type[models.Model], vendor: str) -> _Reading:
    """How to read a whole ``model`` row: the columns, the attribute names, and the
    converters the ORM would apply to each value (per database: ``vendor`` keys the
    cache)."""
    db = database()
    table = model._meta.db_table
    fields = model._meta.concrete_fields
    converters = []
    for index, field in enumerate(fields):
        column = field.get_col(table)
        found = [*db.ops.get_db_converters(column), *column.get_db_converters(db)]
        if found:
            converters.append((index, column, found))
    return _Reading(
        columns=", ".join(f"{table}.{db.ops.quote_name(field.column)}" for field in fields),
        names=[field.attname for field in fields],
        converters=converters,
    )


def columns(model: type[models.Model]) -> str:
    """``table."column", ...`` for every column of ``model``, in the order ``instance``
    reads them."""
    return _reading(model, database().vendor).columns


def instance(model: type[M], row: Sequence[Any]) -> M:
    """A model instance from the values of ``columns(model)``, converted as the ORM
    converts them."""
    db = database()
    reading = _reading(model, db.vendor)
    values = list(row)
    for index, column, functions in reading.converters:
        for function in functions:
            values[index] = function(values[index], column, db)
    return model.from_db(db.alias, reading.names, values)


@cache
def _writing(model: type[models.Model], vendor: str) -> tuple[list[models.Field], str]:
    """The fields written and the INSERT for ``model`` (per database: ``vendor`` keys
    the cache). Only the plain models ``insert`` is for: one table, an automatic id,
    no values the database computes."""
    db = database()
    meta = model._meta
    if meta.proxy or meta.parents or meta.pk is not meta.auto_field:
        raise TypeError(f"{meta.label} is not a one-table model with an automatic id: use save()")
    fields = [field for field in meta.local_concrete_fields if not field.primary_key]
    if any(field.generated or field.db_default is not NOT_PROVIDED for field in fields):
        raise TypeError(f"{meta.label} has fields the database computes: use save()")
    quote = db.ops.quote_name
    names = ", ".join(quote(field.column) for field in fields)
    marks = ", ".join(["%s"] * len(fields))
    returning = (
        f" RETURNING {quote(meta.pk.column)}" if db.features.can_return_columns_from_insert else ""
    )
    # Only names from the model's own metadata, quoted, are formatted in.
    statement = f"INSERT INTO {quote(meta.db_table)} ({names}) VALUES ({marks})"  # noqa: S608
    return fields, statement + returning


def insert(obj: M) -> M:
    """Write ``obj``, a new instance of a model with an automatic id, and give it its id.

    Like ``save()``, it refuses an unsaved related object, and a failure inside
    ``transaction.atomic`` marks the block for rollback, so nothing before it in the
    block can commit without it."""
    if not obj._state.adding or obj.pk is not None:
        raise ValueError(f"{obj!r} is already saved; insert writes new rows only")
    # save()'s own check, so an unsaved related object is an error, not a NULL.
    obj._prepare_related_fields_for_save(operation_name="insert")  # type: ignore[attr-defined]
    db = database()
    fields, statement = _writing(type(obj), db.vendor)
    values = [field.get_db_prep_save(field.pre_save(obj, True), db) for field in fields]
    with transaction.mark_for_rollback_on_error(db.alias), db.cursor() as cursor:
        cursor.execute(statement, values)
        if db.features.can_return_columns_from_insert:
            (obj.pk,) = cursor.fetchone()
        else:
            obj.pk = db.ops.last_insert_id(
                cursor, type(obj)._meta.db_table, type(obj)._meta.pk.column
            )
    obj._state.adding = False
    obj._state.db = db.alias
    return obj
