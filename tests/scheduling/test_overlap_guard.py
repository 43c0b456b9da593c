"""The database's own refusal of double bookings, behind the booking lock: an
exclusion constraint on PostgreSQL, triggers on SQLite (migrations 0003 and 0008)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction

from mildpath.audit.models import AuditEvent
from mildpath.demo.loader import demo_schedule_load
from mildpath.patients.models import Patient
from mildpath.practice.models import Practitioner
from mildpath.scheduling.models import Appointment
from mildpath.scheduling.services import booking

pytestmark = pytest.mark.django_db


@pytest.fixture
def schedule(demo_practice):
    demo_schedule_load()


def _book(client, start, given_name="Ana", phone="(626) 555-0101"):
    body = {
        "location": "pasadena",
        "appointment_type": "consultation",
        "start": start,
        "patient": {"given_name": given_name, "family_name": "Ruiz",
                    "date_of_birth": "1950-01-02", "phone": phone},
    }  # fmt: skip
    return client.post("/api/v1/appointments", json.dumps(body), content_type="application/json")


def _first_slot(client):
    query = {"location": "pasadena", "appointment_type": "consultation",
             "date_from": "2026-12-01", "date_to": "2026-12-01"}  # fmt: skip
    return client.get("/api/v1/slots", query).json()["slots"][0]


def test_the_guard_is_in_place_after_migrating():
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            triggers = {name for (name,) in cursor.fetchall()}
        assert {
            f"appointment_{who}_no_overlap_{event}"
            for who in ("practitioner", "patient")
            for event in ("insert", "update")
        } <= triggers
    else:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT conname FROM pg_constraint"
                " WHERE conrelid = 'scheduling_appointment'::regclass"
            )
            constraints = {name for (name,) in cursor.fetchall()}
        assert {
            "appointment_practitioner_no_overlap",
            "appointment_patient_no_overlap",
        } <= constraints


@pytest.mark.usefixtures("frozen")
def test_the_database_refuses_a_second_booking_of_the_same_time(client, schedule):
    slot = _first_slot(client)
    assert _book(client, slot["start"]).status_code == 201
    first = Appointment.objects.get()
    # Another patient at the same doctor's same time, written past the service.
    other = Patient.objects.create(given_name="Bea", family_name="Soto",
                                   date_of_birth=first.patient.date_of_birth,
                                   phone="+16265550102", created_at=first.created_at)  # fmt: skip
    twin = {
        field.attname: getattr(first, field.attname) for field in Appointment._meta.concrete_fields
    }
    twin.update(id=None, patient_id=other.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.create(**twin)
    # The same patient, another doctor, overlapping by a quarter hour.
    shift = timedelta(minutes=30)
    later = dict(
        twin,
        patient_id=first.patient_id,
        practitioner_id=Practitioner.objects.exclude(pk=first.practitioner_id)[0].pk,
        start=first.start + shift,
        end=first.end + shift,
        busy_start=first.start + shift,
        busy_end=first.end + shift,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.create(**later)
    # A cancelled twin may exist; booking it again onto the time is refused.
    cancelled = Appointment.objects.create(**dict(twin, status="cancelled"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.filter(pk=cancelled.pk).update(status="booked")
    assert Appointment.objects.filter(status="booked").count() == 1


@pytest.mark.usefixtures("frozen")
def test_a_booking_that_slips_past_the_check_gets_a_clean_409_and_writes_nothing(
    client, schedule, monkeypatch
):
    slot = _first_slot(client)
    assert _book(client, slot["start"]).status_code == 201
    counts = (Patient.objects.count(), Appointment.objects.count(), AuditEvent.objects.count())
    # A check that sees nothing: only the database stands in the way.
    monkeypatch.setattr(booking, "clashes", lambda **_: (set(), False))
    second = _book(client, slot["start"], given_name="Bea", phone="(626) 555-0102")
    assert second.status_code == 409
    assert second.json()["reason"] == "constraint"
    assert (Patient.objects.count(), Appointment.objects.count(), AuditEvent.objects.count()) == (
        counts
    )
