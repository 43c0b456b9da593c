"""A patient's link under attack and under careless use: guesses sent as form posts are
counted like opened guesses, a guesser's address does not lock out a patient holding a
genuine link, and a link to a cancelled visit says so."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from mildpath.audit.models import AuditEvent
from mildpath.core import clock
from mildpath.demo.loader import demo_schedule_load
from mildpath.patients.services import LINK_FAILURES_ALLOWED, PatientDetails
from mildpath.scheduling.models import AppointmentType
from mildpath.scheduling.services.booking import appointment_book
from mildpath.scheduling.services.changes import appointment_cancel
from tests.helpers import TEST_ACTOR

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]
WEDNESDAY_9 = datetime(2026, 12, 2, 17, 0, tzinfo=UTC)  # 9 a.m. in Pasadena, a week ahead


@pytest.fixture
def booked(demo_practice):
    demo_schedule_load()
    kind = AppointmentType.objects.get(location__slug="pasadena", kind="consultation")
    return appointment_book(
        actor=TEST_ACTOR,
        appointment_type=kind,
        start=WEDNESDAY_9,
        patient=PatientDetails(
            "Rosa", "Delgado", date(1951, 4, 2), "+13105550111", "r@example.com", "en"
        ),
        now=clock.now(),
        email_ok=True,
    )


def _manage_path(appointment) -> str:
    body = appointment.messages.get(kind="confirmation").body
    return body.split("http://127.0.0.1:8000")[1].split()[0]


@pytest.mark.parametrize(
    "action",
    [
        "/p/appointment/guess-{n}/cancel/",
        "/p/appointment/guess-{n}/move/",
        "/p/offer/guess-{n}/take/",
    ],
)
def test_guessed_links_posted_to_a_form_count_toward_the_throttle(client, booked, action):
    for n in range(LINK_FAILURES_ALLOWED):
        assert client.post(action.format(n=n)).status_code == 410
    assert client.post(action.format(n="again")).status_code == 429
    assert AuditEvent.objects.filter(action="link.reject").count() == LINK_FAILURES_ALLOWED


def test_a_throttled_address_still_opens_a_genuine_link_it_holds(client, booked):
    for n in range(LINK_FAILURES_ALLOWED):
        client.get(f"/p/appointment/guess-{n}/")
    assert client.get("/p/appointment/guess-again/").status_code == 429
    page = client.get(_manage_path(booked))
    assert page.status_code == 200
    assert "Cancel this appointment" in page.text


def test_the_move_link_of_a_cancelled_visit_says_it_was_cancelled(client, booked):
    appointment_cancel(actor=TEST_ACTOR, appointment=booked, now=clock.now(), by_patient=False)
    manage = _manage_path(booked)
    response = client.get(manage + "move/", follow=True)
    assert "This appointment was cancelled, so there is no time to change." in response.text
    assert "less than 24 hours" not in response.text
