"""The booking lock rules, written down once (pretix's ``lock_objects`` is the model).

A change that takes time (book, move, undo a cancellation) re-checks busy time and
writes inside one transaction that first holds:

0. for a public creation, the client address (``address_lock``), for its quota;
   an appointment's own row, for a change to it;
1. the rows of every practitioner whose time it reads or takes, in id order, so two
   changes never wait on each other in a circle (``schedules_lock``);
2. then the person: everyone's changes for one person (phone and date of birth), so
   one person cannot take two times at once at two clinics, nor become two records
   (``person_lock``). Always after 1, never before;
3. last, waiting-list entries.

On PostgreSQL these are ``SELECT ... FOR UPDATE`` and a transaction-scoped advisory
lock, each waiting at most MILDPATH_LOCK_TIMEOUT_MS before giving up with ``Busy``.
SQLite's IMMEDIATE transactions (settings) take the one database write lock at BEGIN,
which already serialises every writer, so there is nothing more to take there.

Behind the locks the database refuses overlapping appointments itself (migrations
0003 and 0008), so a bug in a caller can never put two visits in one time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from django.conf import settings
from django.db import OperationalError, connection

from mildpath.core.errors import Busy
from mildpath.practice.models import Practitioner

# PostgreSQL's SQLSTATE for "lock_not_available", which lock_timeout raises.
LOCK_NOT_AVAILABLE = "55P03"


def in_transaction() -> None:
    """Refuse to take a lock that would be released at once."""
    if not connection.in_atomic_block:
        raise RuntimeError(
            "A booking lock outside a transaction would be released at once: "
            "take it inside transaction.atomic()."
        )


@contextmanager
def _lock_waits_bounded() -> Iterator[None]:
    """Turn PostgreSQL's lock timeout into ``Busy``."""
    try:
        yield
    except OperationalError as exc:
        if getattr(getattr(exc, "__cause__", None), "sqlstate", None) == LOCK_NOT_AVAILABLE:
            raise Busy from exc
        raise


def _bound_the_wait() -> None:
    with connection.cursor() as cursor:
        # SET LOCAL lasts until the transaction ends; the value is an integer setting.
        cursor.execute(f"SET LOCAL lock_timeout = {int(settings.MILDPATH_LOCK_TIMEOUT_MS)}")


def schedules_lock(*, practitioner_ids: tuple[int, ...] | list[int]) -> None:
    """Hold the practitioners' rows until commit (rule 1)."""
    in_transaction()
    if not settings.MILDPATH_BOOKING_LOCK or connection.vendor != "postgresql":
        return
    _bound_the_wait()
    with _lock_waits_bounded():
        list(
            Practitioner.objects.select_for_update()
            .filter(pk__in=sorted(set(practitioner_ids)))
            .order_by("pk")
            .values_list("pk", flat=True)
        )


def person_lock(*, phone: str, date_of_birth: date) -> None:
    """Hold, until commit, every change for one person (rule 2): an advisory lock on a
    64-bit digest of their phone and date of birth."""
    in_transaction()
    if not settings.MILDPATH_BOOKING_LOCK or connection.vendor != "postgresql":
        return
    _advisory_lock(f"{phone}|{date_of_birth.isoformat()}")


def address_lock(*, ip: str) -> None:
    """Hold, until commit, every public creation from one client address, so that its
    hourly quota is counted and spent in one step (``quota``). Taken first of all."""
    in_transaction()
    if not settings.MILDPATH_BOOKING_LOCK or connection.vendor != "postgresql":
        return
    _advisory_lock(f"address|{ip}")


def questions_again_lock(*, time_point_id: int) -> None:
    """Hold, until commit, every patient's "send me the link again" for one time point,
    so that two presses at once count as one (``invitations``)."""
    in_transaction()
    if connection.vendor != "postgresql":
        return
    _advisory_lock(f"questions|{time_point_id}")


def _advisory_lock(name: str) -> None:
    """A transaction-scoped PostgreSQL advisory lock on a 64-bit digest of ``name``,
    waited for at most MILDPATH_LOCK_TIMEOUT_MS."""
    _bound_the_wait()
    digest = hashlib.blake2b(name.encode(), digest_size=8)
    with _lock_waits_bounded(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s)",
            [int.from_bytes(digest.digest(), "big", signed=True)],
        )
