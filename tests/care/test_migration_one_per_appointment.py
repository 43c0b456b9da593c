"""The migration that makes one appointment belong to one procedure record names the
records to sort out, where earlier double saves linked an appointment twice, instead of
failing on the constraint."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from mildpath.care.models import ProcedureRecord
from tests.helpers import NOW, patient_at, visit_for

BEFORE = [("care", "0004_plan_diagnosis")]
AFTER = [("care", "0005_procedure_one_per_appointment")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)


@pytest.fixture
def sqlite_only():
    """Before any database fixture: on PostgreSQL the flush after a committing test is a
    TRUNCATE, which the audit trail's append-only trigger refuses. The migration's check
    is ORM reads, the same on both databases."""
    if connection.vendor == "postgresql":
        pytest.skip("a committing test cannot be flushed on PostgreSQL (append-only audit)")


def test_an_appointment_already_linked_twice_stops_the_migration_naming_both_records(
    sqlite_only, flushable_audit, demo_practice
):
    # flushable_audit: migrations run outside a test's transaction, so this test commits
    # and its rows (the audit trail's too) are cleared after it.
    from datetime import timedelta

    from mildpath.demo.loader import demo_schedule_load

    demo_schedule_load()
    patient = patient_at("Rosa", "Delgado", "santa-monica")
    visit = visit_for(patient, start=NOW - timedelta(days=4), kind="procedure", status="fulfilled")
    template = {
        "patient_id": patient.pk,
        "appointment_id": visit.pk,
        "performed_on": NOW.date(),
        "location_id": visit.location_id,
        "operator_id": visit.practitioner_id,
        "anaesthesia": "local",
        "levels": ["L4-L5"],
        "side": "both",
        "diagnosis": "M48.062",
        "created_at": NOW,
    }
    _migrate(BEFORE)
    try:
        old = MigrationExecutor(connection).loader.project_state(BEFORE).apps
        records = old.get_model("care", "ProcedureRecord")
        first, second = (records.objects.create(**template) for _ in range(2))
        for record in (first, second):
            record.chain = record.pk
            record.save(update_fields=["chain"])
        with pytest.raises(RuntimeError) as stopped:
            _migrate(AFTER)
        assert str(stopped.value).endswith(
            f"appointment {visit.pk}: procedures {first.pk}, {second.pk}"
        )
        second.appointment_id = None
        second.save(update_fields=["appointment"])
    finally:
        _migrate(AFTER)
    assert ProcedureRecord.objects.filter(appointment=visit).count() == 1
