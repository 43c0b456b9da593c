from __future__ import annotations

import csv
import io

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory, override_settings

from mildpath.audit.actor import Actor
from mildpath.audit.models import AuditEvent, AuditImmutable
from mildpath.audit.services import record
from mildpath.core import clock
from mildpath.core.net import client_ip

pytestmark = pytest.mark.django_db


def _event() -> AuditEvent:
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="Test/1.0")
    actor = Actor.of(request, label="front desk", reason="check")
    return record(action="patient.read", actor=actor, now=clock.now(), patient_id=7)


def test_an_event_keeps_who_what_when_and_where():
    event = _event()
    event.refresh_from_db()
    assert event.action == "patient.read"
    assert event.actor_label == "front desk"
    assert event.patient_id == 7
    assert event.client_ip == "203.0.113.9"
    assert event.user_agent == "Test/1.0"
    assert event.purpose == "check"


def test_the_application_refuses_to_change_or_delete_an_event():
    event = _event()
    event.purpose = "rewritten"
    with pytest.raises(AuditImmutable):
        event.save()
    with pytest.raises(AuditImmutable):
        event.delete()
    with pytest.raises(AuditImmutable):
        AuditEvent.objects.filter(pk=event.pk).update(purpose="rewritten")
    with pytest.raises(AuditImmutable):
        AuditEvent.objects.filter(pk=event.pk).delete()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_auditevent SET purpose = 'rewritten'",
        "DELETE FROM audit_auditevent",
    ],
)
def test_the_database_refuses_raw_sql_changes_too(statement):
    event = _event()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(statement)
    event.refresh_from_db()
    assert event.purpose == "check"


def test_the_client_ip_ignores_forwarded_headers_unless_told_to_trust_a_proxy():
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.4, 203.0.113.7"
    )
    assert client_ip(request) == "10.0.0.2"
    with override_settings(MILDPATH_TRUSTED_PROXY_COUNT=1):
        assert client_ip(request) == "203.0.113.7"
    with override_settings(MILDPATH_TRUSTED_PROXY_COUNT=2):
        assert client_ip(request) == "198.51.100.4"
    with override_settings(MILDPATH_TRUSTED_PROXY_COUNT=3):
        assert client_ip(request) == "10.0.0.2"  # fewer hops than proxies: nothing to trust


def test_the_manager_filters_the_trail(client, demo_practice, make_staff, sign_in):
    manager = make_staff("manager", username="morgan")
    sign_in(manager)
    now = clock.now()
    record(action="staff.sign_in_failed", actor=Actor(label="mallory"), now=now)
    record(action="patient.read", actor=Actor(label="someone"), now=now, patient_id=42)
    response = client.get("/staff/audit/", {"action": "staff.sign_in_failed"})
    assert response.status_code == 200
    events = list(response.context["page"])
    assert [event.actor_label for event in events] == ["mallory"]
    response = client.get("/staff/audit/", {"patient_id": "42"})
    assert [event.patient_id for event in response.context["page"]] == [42]


def test_a_bad_filter_names_the_field(client, demo_practice, make_staff, sign_in):
    sign_in(make_staff("manager"))
    response = client.get("/staff/audit/", {"date_from": "yesterday"})
    assert response.status_code == 200
    assert "From (year-month-day): Enter the date as year-month-day" in response.text
    response = client.get("/staff/audit/", {"date_from": "2026-11-20", "date_to": "2026-11-01"})
    assert "The end date is before the start date." in response.text


def test_the_csv_export_is_itself_audited_and_defuses_formulas(
    client, demo_practice, make_staff, sign_in, audit_log
):
    sign_in(make_staff("manager", username="morgan"))
    evil = Actor(label='=HYPERLINK("http://evil")')
    record(action="staff.sign_in_failed", actor=evil, now=clock.now())
    with audit_log.exactly_one(action="audit.export", actor_label="morgan"):
        response = client.get("/staff/audit/export.csv")
        body = b"".join(response.streaming_content).decode()
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][:4] == ["at", "actor_label", "role", "action"]
    labels = [row[1] for row in rows[1:]]
    assert '\'=HYPERLINK("http://evil")' in labels
    assert not any(label.startswith("=") for label in labels)


def test_only_the_manager_and_administrator_see_the_trail(
    client, demo_practice, make_staff, sign_in
):
    for role, status in [("front_desk", 403), ("clinician", 403), ("researcher", 403)]:
        sign_in(make_staff(role))
        assert client.get("/staff/audit/").status_code == status
        assert client.get("/staff/audit/export.csv").status_code == status
