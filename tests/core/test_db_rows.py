"""core.db: rows written and read without the ORM's machinery come out as the ORM
would give them, on both databases."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from mildpath.audit.models import AuditEvent
from mildpath.core.db import columns, database, insert, instance
from mildpath.patients.models import Patient

pytestmark = pytest.mark.django_db
AT = datetime(2026, 3, 8, 10, 30, 15, 123456, tzinfo=UTC)


def test_an_inserted_row_reads_back_through_the_orm_as_written(django_user_model):
    user = django_user_model.objects.create_user("desk")
    event = insert(
        AuditEvent(
            at=AT,
            actor=user,
            action="create",
            object_type="scheduling.Appointment",
            object_id="7",
            patient_id=None,
            client_ip="2001:db8::1",
            detail={"source": "api", "moved": True, "note": "café"},
        )
    )
    assert event.pk is not None
    assert not event._state.adding
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.at == AT
    assert stored.actor_id == user.pk
    assert stored.patient_id is None
    assert stored.client_ip == "2001:db8::1"
    assert stored.detail == {"source": "api", "moved": True, "note": "café"}
    # Defaults the model declares are written too.
    patient = insert(
        Patient(given_name="Ana", family_name="Ruiz", date_of_birth=date(1950, 1, 2),
                phone="+16265550101", created_at=AT)
    )  # fmt: skip
    assert Patient.objects.get(pk=patient.pk).preferred_language == "en"


def test_a_saved_row_is_not_inserted_twice():
    patient = Patient.objects.create(
        given_name="Ana", family_name="Ruiz", date_of_birth=date(1950, 1, 2),
        phone="+16265550101", created_at=AT,
    )  # fmt: skip
    with pytest.raises(ValueError, match="already saved"):
        insert(patient)
    assert Patient.objects.count() == 1


def test_a_row_read_by_hand_is_the_instance_the_orm_builds():
    Patient.objects.create(
        given_name="Ana", family_name="Ruiz", date_of_birth=date(1950, 1, 2),
        phone="+16265550101", email="ana@example.org", created_at=AT,
    )  # fmt: skip
    with database().cursor() as cursor:
        cursor.execute(f"SELECT {columns(Patient)} FROM patients_patient")  # noqa: S608
        (row,) = cursor.fetchall()
    by_hand = instance(Patient, row)
    by_orm = Patient.objects.get()
    fields = [field.attname for field in Patient._meta.concrete_fields]
    assert [getattr(by_hand, name) for name in fields] == [getattr(by_orm, name) for name in fields]
    assert isinstance(by_hand.date_of_birth, date)
    assert by_hand.created_at == AT
    assert not by_hand._state.adding


def test_a_failed_insert_takes_the_whole_transaction_down_with_it():
    from django.db import IntegrityError, transaction
    from django.db.transaction import TransactionManagementError

    with pytest.raises(TransactionManagementError), transaction.atomic():
        insert(Patient(given_name="Ana", family_name="Ruiz", date_of_birth=date(1950, 1, 2),
                       phone="+16265550101", created_at=AT))  # fmt: skip
        no_birth_date: Any = None  # a required column left empty: the database refuses it
        try:
            insert(Patient(given_name="Bea", family_name="Soto", date_of_birth=no_birth_date,
                           phone="+16265550102", created_at=AT))  # fmt: skip
        except IntegrityError:
            pass  # a caller that carries on after the failure...
        Patient.objects.count()  # ...is stopped at its next statement, not half-committed
    assert Patient.objects.count() == 0


def test_an_unsaved_related_row_is_refused_not_written_as_nothing(django_user_model):
    unsaved = django_user_model(username="not-yet")
    with pytest.raises(ValueError, match="unsaved related object"):
        insert(AuditEvent(at=AT, actor=unsaved, action="create"))
    assert not AuditEvent.objects.filter(actor_label="", action="create", at=AT).exists()
