"""The booking lock rules (scheduling/services/locks.py) cannot be misused: a lock taken
outside a transaction is refused, and on PostgreSQL a booking that cannot get its lock
in time answers 503 "busy, try again" and writes nothing."""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import date, timedelta

import psycopg
import pytest
from django.db import connection

from mildpath.audit.models import AuditEvent
from mildpath.core import clock
from mildpath.demo.loader import demo_schedule_load
from mildpath.scheduling.availability import available_slots
from mildpath.scheduling.models import Appointment, AppointmentType
from mildpath.scheduling.services.locks import person_lock, schedules_lock


def test_a_lock_outside_a_transaction_is_refused():
    # No database needed: the check comes before any statement.
    with pytest.raises(RuntimeError, match="inside transaction.atomic"):
        schedules_lock(practitioner_ids=(1,))
    with pytest.raises(RuntimeError, match="inside transaction.atomic"):
        person_lock(phone="+16265550101", date_of_birth=date(1950, 1, 2))


def _hold_the_person(ready: threading.Event, release: threading.Event) -> None:
    """Another session holding the person lock of Ana Ruiz (born 1950-01-02, phone
    +1 626 555 0101), as a booking for her at another clinic would."""
    digest = hashlib.blake2b(b"+16265550101|1950-01-02", digest_size=8).digest()
    with psycopg.connect(**connection.get_connection_params()) as other:
        other.execute("SELECT pg_advisory_lock(%s)", [int.from_bytes(digest, "big", signed=True)])
        ready.set()
        release.wait(30)


@pytest.mark.django_db
def test_a_booking_that_waits_too_long_for_its_lock_answers_busy_and_writes_nothing(
    client, demo_practice, settings
):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite takes its one write lock at BEGIN: there is no lock to wait on")
    settings.MILDPATH_LOCK_TIMEOUT_MS = 200
    demo_schedule_load()
    kind = AppointmentType.objects.get(location__slug="pasadena", kind="consultation")
    today = clock.now().astimezone(kind.location.tz).date()
    slot = available_slots(
        appointment_type=kind,
        first_day=today + timedelta(days=2),
        last_day=today + timedelta(days=14),
        now=clock.now(),
    )[0]
    events = AuditEvent.objects.count()
    ready, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_the_person, args=(ready, release))
    holder.start()
    try:
        assert ready.wait(10)
        response = client.post(
            "/api/v1/appointments",
            json.dumps(
                {
                    "location": "pasadena",
                    "appointment_type": "consultation",
                    "start": slot.start.isoformat(),
                    "patient": {
                        "given_name": "Ana",
                        "family_name": "Ruiz",
                        "date_of_birth": "1950-01-02",
                        "phone": "(626) 555-0101",
                    },
                }
            ),
            content_type="application/json",
        )
    finally:
        release.set()
        holder.join(30)
    assert response.status_code == 503
    assert response.json()["error"] == "busy"
    assert response["Retry-After"] == "5"
    assert Appointment.objects.count() == 0
    assert AuditEvent.objects.count() == events
