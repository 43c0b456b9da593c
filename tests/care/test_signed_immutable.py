"""A signed procedure record is final in the database itself: a raw SQL UPDATE or DELETE
of a signed row fails on SQLite and on PostgreSQL (run with ``--postgres``), whatever
the application does; a draft can still change."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import DatabaseError, connection, transaction

from mildpath.care import services
from mildpath.care.models import ProcedureRecord
from mildpath.patients.models import Patient
from mildpath.practice.models import Location, Practitioner
from tests.helpers import NOW, TEST_ACTOR

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.fixture
def draft(demo_practice) -> ProcedureRecord:
    from mildpath.demo.loader import demo_staff_ensure

    demo_staff_ensure()
    return services.procedure_draft_save(
        actor=TEST_ACTOR,
        patient=Patient.objects.get(family_name="Delgado"),
        fields={
            "performed_on": date(2026, 11, 20),
            "location": Location.objects.get(slug="santa-monica"),
            "operator": Practitioner.objects.get(slug="elena-marquez"),
            "anaesthesia": "sedation",
            "levels": ["L3-L4", "L4-L5"],
            "side": "both",
            "blood_loss_ml": 5,
            "diagnosis": "M48.062",
        },
        now=NOW,
    )


@pytest.fixture
def signed(draft) -> ProcedureRecord:
    return services.procedure_sign(actor=TEST_ACTOR, procedure=draft, now=NOW)


def _raw(sql: str, pk: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk])


def _blood_loss(pk: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT blood_loss_ml FROM care_procedurerecord WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_a_raw_sql_update_of_a_signed_record_fails_and_changes_nothing(signed):
    with pytest.raises(DatabaseError) as refused, transaction.atomic():
        _raw("UPDATE care_procedurerecord SET blood_loss_ml = 999 WHERE id = %s", signed.pk)
    assert "signed procedure records never change" in str(refused.value)
    assert _blood_loss(signed.pk) == 5
    signed.refresh_from_db()
    assert signed.signed_at == NOW


def test_a_raw_sql_update_cannot_unsign_a_record_either(signed):
    with pytest.raises(DatabaseError), transaction.atomic():
        _raw("UPDATE care_procedurerecord SET signed_at = NULL WHERE id = %s", signed.pk)
    signed.refresh_from_db()
    assert signed.signed_at == NOW


def test_a_raw_sql_delete_of_a_signed_record_fails(signed):
    with pytest.raises(DatabaseError), transaction.atomic():
        _raw("DELETE FROM care_procedurerecord WHERE id = %s", signed.pk)
    assert ProcedureRecord.objects.filter(pk=signed.pk).exists()


def test_the_orm_cannot_change_a_signed_record_behind_the_services_back(signed):
    signed.blood_loss_ml = 999
    with pytest.raises(DatabaseError), transaction.atomic():
        signed.save()
    with pytest.raises(DatabaseError), transaction.atomic():
        ProcedureRecord.objects.filter(pk=signed.pk).delete()
    assert _blood_loss(signed.pk) == 5


def test_a_draft_can_still_be_changed_by_raw_sql(draft):
    _raw("UPDATE care_procedurerecord SET blood_loss_ml = 999 WHERE id = %s", draft.pk)
    assert _blood_loss(draft.pk) == 999
    _raw("DELETE FROM care_procedurerecord WHERE id = %s", draft.pk)
    assert not ProcedureRecord.objects.filter(pk=draft.pk).exists()


def test_an_amendment_leaves_the_signed_version_in_place(signed):
    amended = services.procedure_amend(
        actor=TEST_ACTOR,
        procedure=signed,
        reason="Blood loss misread.",
        fields={"blood_loss_ml": 20},
        now=NOW,
    )
    assert _blood_loss(signed.pk) == 5
    assert _blood_loss(amended.pk) == 20
    assert (amended.chain, amended.version, amended.amends_id) == (signed.chain, 2, signed.pk)
