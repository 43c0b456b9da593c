"""A chart form sent twice (a double click, a reload, the back button then Save again)
saves once: each page carries a fresh key, and the first send claims it in the
transaction that saves. One appointment belongs to one procedure record, whatever
two clinicians save at once."""

from __future__ import annotations

import re
import threading
import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

import psycopg
import pytest
from django.db import connection
from django.urls import reverse

from mildpath.care import services
from mildpath.care.errors import AppointmentRecorded
from mildpath.care.models import Complication, LaterSurgery, ProcedureRecord, TreatmentPlan
from mildpath.core.errors import AlreadySubmitted
from mildpath.core.models import FormSubmission
from mildpath.patients.models import Patient
from mildpath.practice.models import Location, Practitioner
from mildpath.scheduling.models import Appointment
from tests.helpers import NOW, TEST_ACTOR, patient_at, visit_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

LA = ZoneInfo("America/Los_Angeles")
DAY = date(2026, 11, 20)  # the Friday before the suite's "now" (Tuesday 24 November)
SURGERY = {"kind": "fusion", "levels": ["L4-L5"], "performed_on": "2026-09-15", "note": ""}
TWICE = "That form was sent twice; it was saved once."


@pytest.fixture
def rosa(demo_practice) -> Patient:
    from mildpath.demo.loader import demo_schedule_load, demo_staff_ensure

    demo_staff_ensure()
    demo_schedule_load()
    return Patient.objects.get(family_name="Delgado")


def _key(page) -> str:
    """The key the page's form carries, as the browser would send it back."""
    found = re.search(r'name="submission" value="([0-9a-f-]{36})"', page.content.decode())
    assert found, "the form carries no key"
    return found.group(1)


def _procedure(patient: Patient, **fields) -> ProcedureRecord:
    values = {
        "performed_on": DAY,
        "location": Location.objects.get(slug="santa-monica"),
        "operator": Practitioner.objects.get(slug="elena-marquez"),
        "anaesthesia": "local",
        "levels": ["L4-L5"],
        "side": "both",
        "diagnosis": "M48.062",
        **fields,
    }
    return services.procedure_draft_save(actor=TEST_ACTOR, patient=patient, fields=values, now=NOW)


def _procedure_visit(patient: Patient) -> Appointment:
    start = datetime(DAY.year, DAY.month, DAY.day, 7, 30, tzinfo=LA)
    return visit_for(patient, start=start, kind="procedure", status="fulfilled")


def test_a_later_surgery_saved_twice_from_one_page_is_stored_once(client, rosa, clinician):
    page = client.get(reverse("care:surgery_new", args=[rosa.pk]))
    body = {**SURGERY, "submission": _key(page)}
    first = client.post(reverse("care:surgery_new", args=[rosa.pk]), body)
    second = client.post(reverse("care:surgery_new", args=[rosa.pk]), body, follow=True)
    assert first.status_code == 302
    assert LaterSurgery.objects.filter(patient=rosa).count() == 1
    # The second send lands where the first did, and says why nothing more was saved.
    assert second.redirect_chain[-1][0] == first.headers["Location"]
    assert TWICE in second.content.decode()


def test_two_pages_opened_one_after_the_other_save_two_surgeries(client, rosa, clinician):
    # Two real entries (two pages, two keys) are two rows: only the same page is once.
    for _ in range(2):
        page = client.get(reverse("care:surgery_new", args=[rosa.pk]))
        client.post(
            reverse("care:surgery_new", args=[rosa.pk]), {**SURGERY, "submission": _key(page)}
        )
    assert LaterSurgery.objects.filter(patient=rosa).count() == 2


def test_a_complication_saved_twice_goes_back_to_its_procedure_once(client, rosa, clinician):
    procedure = services.procedure_sign(actor=TEST_ACTOR, procedure=_procedure(rosa), now=NOW)
    url = reverse("care:complication_new", args=[rosa.pk, procedure.pk])
    body = {
        "phase": "post",
        "grade": "I",
        "description": "Redness at the incision.",
        "occurred_on": "2026-11-22",
        "submission": _key(client.get(url)),
    }
    answers = [client.post(url, body) for _ in range(2)]
    assert [answer.status_code for answer in answers] == [302, 302]
    assert answers[1].headers["Location"] == answers[0].headers["Location"]
    assert Complication.objects.filter(patient=rosa).count() == 1


def test_a_plan_saved_twice_shows_the_one_plan_saved(client, rosa, clinician):
    page = client.get(reverse("care:plan_new", args=[rosa.pk]))
    body = {
        "options": ["mild"],
        "mild_levels": ["L4-L5"],
        "mild_side": "both",
        "diagnosis": "M48.062",
        "discussion": "Talked it over with her daughter.",
        "summary_en": "We plan the mild procedure at L4-L5.",
        "summary_es": "Planeamos el procedimiento mild en L4-L5.",
        "submission": _key(page),
    }
    first = client.post(reverse("care:plan_new", args=[rosa.pk]), body)
    assert first.status_code == 302, first.content.decode()[:2000]
    second = client.post(reverse("care:plan_new", args=[rosa.pk]), body)
    plan = TreatmentPlan.objects.get(patient=rosa)
    assert second.headers["Location"] == reverse("care:plan", args=[rosa.pk, plan.pk])


def test_a_procedure_saved_twice_with_its_appointment_shows_the_one_record(client, rosa, clinician):
    # Once the first send saved, its appointment is taken: the second send must still
    # be answered as a second send, not refused as though another record held the visit.
    visit = _procedure_visit(rosa)
    url = reverse("care:procedure_new", args=[rosa.pk])
    body = {
        "performed_on": DAY.isoformat(),
        "location": str(visit.location_id),
        "operator": str(visit.practitioner_id),
        "appointment": str(visit.pk),
        "anaesthesia": "local",
        "levels": ["L4-L5"],
        "side": "both",
        "diagnosis": "M48.062",
        "submission": _key(client.get(url)),
    }
    first = client.post(url, body)
    assert first.status_code == 302, first.content.decode()[:3000]
    second = client.post(url, body, follow=True)
    assert second.redirect_chain[-1][0] == first.headers["Location"]
    assert TWICE in second.content.decode()
    assert ProcedureRecord.objects.filter(appointment=visit).count() == 1


def test_a_key_sent_for_another_patient_lands_on_this_patients_chart(client, rosa, clinician):
    other = patient_at("Ana", "Ruiz", "santa-monica")
    key = uuid.uuid4()
    services.later_surgery_record(
        actor=TEST_ACTOR, patient=other, kind="fusion", levels=["L4-L5"],
        performed_on=date(2026, 9, 15), note="", now=NOW, submission=key,
    )  # fmt: skip
    answer = client.post(
        reverse("care:surgery_new", args=[rosa.pk]), {**SURGERY, "submission": str(key)}
    )
    assert answer.headers["Location"] == reverse("care:chart", args=[rosa.pk]) + "#surgeries"
    assert not LaterSurgery.objects.filter(patient=rosa).exists()


def test_a_key_that_is_not_one_is_refused_by_name_and_nothing_is_saved(client, rosa, clinician):
    answer = client.post(
        reverse("care:surgery_new", args=[rosa.pk]), {**SURGERY, "submission": "'; DROP--"}
    )
    assert answer.status_code == 400
    assert "This page is out of date: reload it and try again." in answer.content.decode()
    assert not LaterSurgery.objects.exists() and not FormSubmission.objects.exists()


def test_a_key_from_one_form_sent_with_another_saves_nothing_more(rosa):
    key = uuid.uuid4()
    services.later_surgery_record(
        actor=TEST_ACTOR, patient=rosa, kind="fusion", levels=["L4-L5"],
        performed_on=date(2026, 9, 15), note="", now=NOW, submission=key,
    )  # fmt: skip
    procedure = services.procedure_sign(actor=TEST_ACTOR, procedure=_procedure(rosa), now=NOW)
    with pytest.raises(AlreadySubmitted) as refused:
        services.complication_record(
            actor=TEST_ACTOR, procedure=procedure, phase="post", grade="I",
            description="x", occurred_on=DAY, now=NOW, submission=key,
        )  # fmt: skip
    assert refused.value.made_id is None  # not a complication: nothing of it to show
    assert not Complication.objects.exists()


def test_one_appointment_cannot_belong_to_two_procedure_records(rosa):
    # The form refuses a taken appointment first; two saves at once pass it together,
    # and the database's constraint, explained by the service, stops the second.
    visit = _procedure_visit(rosa)
    _procedure(rosa, appointment=visit)
    with pytest.raises(AppointmentRecorded):
        _procedure(rosa, appointment=visit)
    assert ProcedureRecord.objects.filter(appointment=visit).count() == 1


def _first_send_in_progress(key: uuid.UUID, claimed: threading.Event, end: threading.Event, how):
    """Another server process in the middle of the first send: the key claimed in a
    transaction that ends (``how``: "commit" or "rollback") when ``end`` is set."""
    with psycopg.connect(**connection.get_connection_params()) as other:
        other.execute(
            "INSERT INTO core_formsubmission (key, form, at) VALUES (%s, 'care.surgery', now())",
            [key],
        )
        claimed.set()
        end.wait(30)
        getattr(other, how)()


@pytest.mark.parametrize(("first_send", "saved"), [("commit", 0), ("rollback", 1)])
def test_a_second_send_waits_for_the_first_then_saves_only_if_the_first_did_not(
    rosa, first_send, saved
):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's one write lock already puts the two sends one after the other")
    key = uuid.uuid4()
    claimed, end = threading.Event(), threading.Event()
    first = threading.Thread(target=_first_send_in_progress, args=(key, claimed, end, first_send))
    first.start()
    try:
        assert claimed.wait(10)
        # The second send blocks on the key until the first ends: end it a moment later.
        threading.Timer(0.3, end.set).start()
        try:
            services.later_surgery_record(
                actor=TEST_ACTOR, patient=rosa, kind="fusion", levels=["L4-L5"],
                performed_on=date(2026, 9, 15), note="", now=NOW, submission=key,
            )  # fmt: skip
        except AlreadySubmitted:
            pass
        assert LaterSurgery.objects.filter(patient=rosa).count() == saved
    finally:
        end.set()
        first.join()
        with psycopg.connect(**connection.get_connection_params()) as other:
            other.execute("DELETE FROM core_formsubmission WHERE key = %s", [key])


def test_the_evaluation_page_carries_its_key_once_and_its_criteria_version_once(
    client, rosa, clinician
):
    # Its hand-written hidden inputs (criteria version, facts) must not be sent twice,
    # the first empty: the form would then depend on which one the server reads.
    page = client.get(reverse("care:evaluation_new", args=[rosa.pk])).content.decode()
    assert page.count('name="criteria_version"') == 1
    assert page.count('name="facts_digest"') == 1
    assert page.count('name="submission"') == 1
