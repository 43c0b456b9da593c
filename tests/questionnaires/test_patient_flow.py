"""A patient answers the intake set through the link in their booking confirmation:
one screen at a time, saved as they go, resumed where they left off, sent once."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

import pytest
from django.core import mail

from mildpath.core import clock
from mildpath.demo.loader import demo_schedule_load
from mildpath.patients.services import PatientDetails
from mildpath.questionnaires.models import Response, TimePoint
from mildpath.scheduling.models import AppointmentType
from mildpath.scheduling.services.booking import appointment_book
from tests.helpers import TEST_ACTOR, send_due

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]
WEDNESDAY_9 = datetime(2026, 12, 2, 17, 0, tzinfo=UTC)  # 9 a.m. in Pasadena


@pytest.fixture(autouse=True)
def sms_dir(settings, tmp_path):
    settings.MILDPATH_SMS_FILE_PATH = tmp_path / "sms"


@pytest.fixture
def booked(demo_practice):
    demo_schedule_load()
    kind = AppointmentType.objects.get(location__slug="pasadena", kind="consultation")
    appointment = appointment_book(
        actor=TEST_ACTOR,
        appointment_type=kind,
        start=WEDNESDAY_9,
        patient=PatientDetails(
            "Rosa", "Delgado", date(1951, 4, 1), "+16265551001", "rosa@example.com", "en"
        ),
        now=clock.now(),
        email_ok=True,
    )
    send_due(clock.now())
    return appointment


def _link(booked) -> str:
    body = str(mail.outbox[0].body)
    found = re.search(r"http://[^\s]+/p/questionnaire/[^\s]+/", body)
    assert found, body
    return urlsplit(found.group(0)).path


ODI_ALL_2 = {f"odi_{n}": "2" for n in range(1, 11)}


def _answer_everything(client, start: str) -> None:
    client.post(start + "nrs/1/", {"nrs_back": "6"})
    client.post(start + "nrs/2/", {"nrs_leg": "7"})
    for n in range(1, 11):
        client.post(start + f"odi/{n}/", {f"odi_{n}": "2"})
    codes = [
        "zcq_sym1",
        "zcq_sym2",
        "zcq_sym3",
        "zcq_sym4",
        "zcq_sym5",
        "zcq_sym6",
        "zcq_sym7",
        "zcq_fun1",
        "zcq_fun2",
        "zcq_fun3",
        "zcq_fun4",
        "zcq_fun5",
    ]
    for n, code in enumerate(codes, start=1):
        client.post(start + f"zcq/{n}/", {code: "3"})
    client.post(start + "standing/1/", {"standing_minutes": "8"})
    client.post(start + "walking/1/", {"walking_feet": "250", "walking_method": "1"})


def test_the_booking_confirmation_carries_the_intake_link_and_the_set_is_sent_once(client, booked):
    start = _link(booked)
    page = client.get(start)
    assert page.status_code == 200
    assert "Hello Rosa" in page.content.decode()
    first = client.get(start + "nrs/1/")
    assert "Question 1 of 2" in first.content.decode()
    _answer_everything(client, start)
    point = TimePoint.objects.get(patient=booked.patient, code="baseline")
    assert point.completed_at is None
    assert Response.objects.filter(time_point=point, status="in_progress").count() == 5
    sent = client.post(start + "send/")
    assert sent.status_code == 302
    point.refresh_from_db()
    assert point.completed_at is not None
    odi = Response.objects.get(time_point=point, instrument="odi")
    assert odi.scores == {"odi": 40.0}
    zcq = Response.objects.get(time_point=point, instrument="zcq")
    assert zcq.scores["zcq_symptom"] == 3.0 and zcq.scores["zcq_satisfaction"] is None
    again = client.post(start + "send/")
    assert again.status_code == 302
    assert Response.objects.filter(time_point=point).count() == 5
    assert client.get(start).status_code == 302  # the thank-you page, nothing else


def test_an_out_of_range_answer_names_the_rule_and_stores_nothing(client, booked):
    start = _link(booked)
    page = client.post(start + "standing/1/", {"standing_minutes": "45"})
    assert page.status_code == 400
    assert "Please enter a number from 0 to 30." in page.content.decode()
    assert not Response.objects.filter(instrument="standing").exists()


def test_sending_with_questions_left_lists_them_and_completes_nothing(client, booked):
    start = _link(booked)
    client.post(start + "nrs/1/", {"nrs_back": "6"})
    page = client.post(start + "send/")
    assert page.status_code == 400
    assert "Some questions still need an answer" in page.content.decode()
    assert TimePoint.objects.get(code="baseline").completed_at is None


def test_with_questions_left_the_check_page_leads_on_to_them_before_sending(client, booked):
    start = _link(booked)
    client.post(start + "nrs/1/", {"nrs_back": "6"})
    client.post(start + "nrs/2/", {"nrs_leg": "7"})
    page = client.get(start + "send/").text
    way_on = re.search(r'<a class="button q-next" href="([^"]+)">([^<]+)</a>', page)
    assert way_on is not None
    assert way_on.group(1) == start + "odi/1/"
    assert way_on.group(2) == "Continue: How your back and legs affect daily life"
    assert '<button type="submit" class="button button--secondary"' in page  # send, after
    _answer_everything(client, start)
    ready = client.get(start + "send/").text
    assert "Continue:" not in ready and '<button type="submit" class="button q-next"' in ready


def test_the_way_back_says_where_it_leads(client, booked):
    """ "Back", beside questions about back pain, read as one of the answers."""
    start = _link(booked)
    first = client.get(start + "nrs/1/").text
    assert f'<a class="q-back" href="{start}">Back to the start</a>' in first
    second = client.get(start + "odi/1/").text  # the first of the next questionnaire
    assert f'<a class="q-back" href="{start}nrs/2/">Previous question</a>' in second
    spanish = client.get("/es" + start + "nrs/2/").text
    assert f'href="/es{start}nrs/1/">Pregunta anterior</a>' in spanish
