"""A patient moves their own appointment to another time from the link they were sent."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from mildpath.core import clock
from mildpath.demo.loader import demo_schedule_load
from mildpath.patients.services import PatientDetails
from mildpath.practice.models import Practitioner
from mildpath.scheduling.errors import SlotTaken
from mildpath.scheduling.models import (
    Appointment,
    AppointmentType,
    OutboundMessage,
    WorkingHours,
)
from mildpath.scheduling.services.booking import appointment_book
from tests.helpers import TEST_ACTOR

# Time stands at tests.helpers.NOW, Tuesday 24 November 2026, 9 a.m. in Los Angeles.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]
WEDNESDAY_9 = datetime(2026, 12, 2, 17, 0, tzinfo=UTC)  # 9 a.m. in Pasadena
THURSDAY_10 = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)


@pytest.fixture
def kind(demo_practice):
    demo_schedule_load()
    return AppointmentType.objects.get(location__slug="pasadena", kind="consultation")


def _book(kind, start, n=1, practitioner_id=None):
    """Rosa{n}'s booking (Rosa1 by default: the same person each time)."""
    return appointment_book(
        actor=TEST_ACTOR,
        appointment_type=kind,
        start=start,
        practitioner_id=practitioner_id,
        patient=PatientDetails(
            f"Rosa{n}", "Delgado", date(1951, 4, n), f"+1310555{1000 + n}", "r@example.com", "en"
        ),
        now=clock.now(),
        email_ok=True,
    )


def _manage_url(appointment: Appointment) -> str:
    body = appointment.messages.get(kind="confirmation").body
    return body.split("http://127.0.0.1:8000")[1].split()[0]


def _slot_value(page_text: str, start: datetime) -> str:
    """The radio value the page offers for ``start`` (practitioner|ISO time)."""
    wanted = f"|{start.isoformat()}"
    return next(
        part.split('"')[0] for part in page_text.split('value="')[1:] if wanted in part[:80]
    )


def test_a_patient_moves_their_visit_and_the_reminders_follow(kind, client, audit_log):
    appointment = _book(kind, WEDNESDAY_9)
    manage = _manage_url(appointment)
    assert "Choose another time" in client.get(manage).text

    page = client.get(manage + "move/?from=2026-12-03")
    assert page.status_code == 200
    assert "Move my appointment to this time" in page.text
    with audit_log.exactly_one(
        action="appointment.move", object_type="scheduling.Appointment"
    ) as log:
        moved = client.post(
            manage + "move/?from=2026-12-03", {"slot": _slot_value(page.text, THURSDAY_10)}
        )
    assert moved.status_code == 302 and moved["Location"].endswith("?moved=1")
    assert log["event"].detail["by_patient"] is True
    assert "Your appointment has a new time" in client.get(moved["Location"]).text

    appointment.refresh_from_db()
    assert (appointment.start, appointment.status) == (THURSDAY_10, "booked")
    pending = appointment.messages.filter(kind="reminder", status="pending")
    assert {m.send_after for m in pending} == {
        THURSDAY_10 - timedelta(hours=72),
        THURSDAY_10 - timedelta(hours=24),
    }
    assert appointment.messages.filter(subject="Your appointment has a new time").exists()
    # The old time is free for someone else.
    assert _book(kind, WEDNESDAY_9, n=2).status == "booked"


def test_moving_keeps_the_patient_with_their_doctor_when_free(kind, client):
    # Two doctors at Pasadena on Wednesdays; the patient's is the one with the higher
    # id, whom "first free" would pass over.
    second = Practitioner.objects.get(slug="priya-raman")
    WorkingHours.objects.create(
        practitioner=second, location=kind.location, weekday=2, start=time(8), end=time(17)
    )
    kind.practitioners.add(second)
    theirs = max(kind.practitioners.all(), key=lambda doctor: doctor.pk)
    appointment = _book(kind, WEDNESDAY_9, practitioner_id=theirs.pk)
    manage = _manage_url(appointment)
    page = client.get(manage + "move/?from=2026-12-02")
    later = WEDNESDAY_9 + timedelta(hours=2)
    client.post(manage + "move/?from=2026-12-02", {"slot": _slot_value(page.text, later)})
    appointment.refresh_from_db()
    assert (appointment.start, appointment.practitioner_id) == (later, theirs.pk)
    moved_note = appointment.messages.filter(kind="confirmation").latest("id").body
    assert "Your appointment has a new time." in moved_note
    assert "Dr." not in moved_note or theirs.family_name in moved_note


def test_a_time_taken_meanwhile_leaves_the_visit_where_it_was(kind, client):
    appointment = _book(kind, WEDNESDAY_9)
    manage = _manage_url(appointment)
    page = client.get(manage + "move/?from=2026-12-03")
    value = _slot_value(page.text, THURSDAY_10)
    # Everyone who could see the patient at that time gets booked first.
    with pytest.raises(SlotTaken):
        for n in range(2, 10):
            _book(kind, THURSDAY_10, n=n)
    answer = client.post(manage + "move/?from=2026-12-03", {"slot": value}, follow=True)
    assert "That time is no longer free" in answer.text
    assert "Move my appointment to this time" in answer.text  # with the times still free
    assert f"|{THURSDAY_10.isoformat()}" not in answer.text
    appointment.refresh_from_db()
    assert appointment.start == WEDNESDAY_9


def test_a_patient_cannot_move_onto_their_own_other_visit(kind, client):
    appointment = _book(kind, WEDNESDAY_9)
    # A follow-up at another clinic, with another doctor, at the time she would pick.
    other_kind = AppointmentType.objects.get(location__slug="santa-monica", kind="follow_up")
    other = _book(other_kind, THURSDAY_10)
    assert other.patient_id == appointment.patient_id
    manage = _manage_url(appointment)
    page = client.get(manage + "move/?from=2026-12-03")
    answer = client.post(
        manage + "move/?from=2026-12-03", {"slot": _slot_value(page.text, THURSDAY_10)}, follow=True
    )
    assert "You already have another appointment at that time" in answer.text
    appointment.refresh_from_db()
    assert appointment.start == WEDNESDAY_9


def test_inside_the_cut_off_the_visit_cannot_be_moved_online(kind, client, frozen):
    appointment = _book(kind, WEDNESDAY_9)
    frozen.move_to(WEDNESDAY_9 - timedelta(hours=23))
    manage = _manage_url(appointment)
    assert "Choose another time" not in client.get(manage).text
    late = client.get(manage + "move/", follow=True)
    assert "can no longer be changed or cancelled online" in late.text
    refused = client.post(manage + "move/", {"slot": f"1|{THURSDAY_10.isoformat()}"}, follow=True)
    assert "can no longer be changed or cancelled online" in refused.text
    appointment.refresh_from_db()
    assert appointment.start == WEDNESDAY_9


def test_a_visit_patients_cannot_book_themselves_is_not_theirs_to_move(kind, client):
    procedure = AppointmentType.objects.get(location__slug="pasadena", kind="procedure")
    assert not procedure.self_bookable
    appointment = _book(procedure, WEDNESDAY_9)
    manage = _manage_url(appointment)
    page = client.get(manage).text
    assert "Choose another time" not in page and "please call us" in page
    assert "Cancel this appointment" in page
    assert client.get(manage + "move/")["Location"] == manage
    client.post(manage + "move/", {"slot": f"1|{THURSDAY_10.isoformat()}"})
    appointment.refresh_from_db()
    assert appointment.start == WEDNESDAY_9


def test_a_made_up_link_cannot_move_anything(client, kind):
    answer = client.post("/p/appointment/not-a-token/move/", {"slot": "1|2026-12-03T18:00:00"})
    assert answer.status_code == 410
    assert OutboundMessage.objects.count() == 0
