"""A patient moves their own appointment to another time from the link they were sent:
with their own doctor unless they choose another, and only after confirming the move."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest

from mildpath.audit.models import AuditEvent
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


@pytest.fixture
def two_doctors(kind):
    """Both Pasadena doctors see patients there all Wednesday and Thursday, so every time
    has two doctors free: (the lower id, the higher id)."""
    doctors = sorted(kind.practitioners.all(), key=lambda doctor: doctor.pk)[:2]
    assert len(doctors) == 2
    for doctor in doctors:
        WorkingHours.objects.filter(practitioner=doctor, weekday__in=[2, 3]).delete()
        for weekday in (2, 3):
            WorkingHours.objects.create(
                practitioner=doctor,
                location=kind.location,
                weekday=weekday,
                start=time(8),
                end=time(17),
            )
    return doctors


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


def _values(page_text: str) -> list[str]:
    """The times the page offers, as their radio values (practitioner|ISO time)."""
    return re.findall(r'name="slot" value="([^"]+)"', page_text)


def _slot_value(page_text: str, start: datetime) -> str:
    return next(value for value in _values(page_text) if value.endswith(f"|{start.isoformat()}"))


def _move(client, manage: str, value: str, **query: str):
    """Choose a time (which shows the confirmation step), then press "Yes, move"."""
    confirm = client.get(manage + "move/", {**query, "slot": value})
    assert confirm.status_code == 200
    assert "Yes, move my appointment" in confirm.text
    return client.post(manage + "move/", {**query, "slot": value, "confirm": "yes"})


def test_a_patient_moves_their_visit_and_the_reminders_follow(kind, two_doctors, client, audit_log):
    appointment = _book(kind, WEDNESDAY_9)
    manage = _manage_url(appointment)
    assert "Choose another time" in client.get(manage).text

    page = client.get(manage + "move/", {"from": "2026-12-03"})
    assert page.status_code == 200
    assert "nothing changes until you confirm" in page.text
    value = _slot_value(page.text, THURSDAY_10)
    with audit_log.exactly_one(
        action="appointment.move", object_type="scheduling.Appointment"
    ) as log:
        moved = _move(client, manage, value, **{"from": "2026-12-03"})
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


def test_choosing_a_time_only_asks_nothing_changes_until_yes(kind, two_doctors, client):
    appointment = _book(kind, WEDNESDAY_9)
    manage = _manage_url(appointment)
    page = client.get(manage + "move/", {"from": "2026-12-03"})
    value = _slot_value(page.text, THURSDAY_10)
    confirm = client.get(manage + "move/", {"slot": value})
    text = confirm.text
    doctor = appointment.practitioner.display_name
    # From and to, each with the doctor, in words.
    assert "Wednesday, December 2, 2026 at 9 a.m., with " + doctor in text
    assert "Thursday, December 3, 2026 at 10 a.m., with " + doctor in text
    assert "instead of" not in text  # the same doctor
    # A post without the "Yes" button's answer only shows the question again.
    again = client.post(manage + "move/", {"slot": value})
    assert again.status_code == 200 and "Yes, move my appointment" in again.text
    appointment.refresh_from_db()
    assert appointment.start == WEDNESDAY_9
    assert not AuditEvent.objects.filter(action="appointment.move").exists()


def test_pressing_yes_twice_moves_once(kind, two_doctors, client):
    appointment = _book(kind, WEDNESDAY_9)
    manage = _manage_url(appointment)
    value = _slot_value(client.get(manage + "move/", {"from": "2026-12-03"}).text, THURSDAY_10)
    first = client.post(manage + "move/", {"slot": value, "confirm": "yes"})
    second = client.post(manage + "move/", {"slot": value, "confirm": "yes"})
    assert first["Location"] == second["Location"] == manage + "?moved=1"
    assert AuditEvent.objects.filter(action="appointment.move").count() == 1
    appointment.refresh_from_db()
    assert appointment.start == THURSDAY_10


def test_moving_keeps_the_patient_with_their_doctor_by_default(kind, two_doctors, client):
    lower, theirs = two_doctors  # "first free" would pass their doctor over
    appointment = _book(kind, WEDNESDAY_9, practitioner_id=theirs.pk)
    manage = _manage_url(appointment)
    page = client.get(manage + "move/", {"from": "2026-12-02"})
    assert f"Free times with {theirs.display_name}" in page.text
    assert f"{theirs.display_name} (your doctor)" in page.text
    values = _values(page.text)
    assert values and all(value.startswith(f"{theirs.pk}|") for value in values)
    later = WEDNESDAY_9 + timedelta(hours=2)
    assert _move(client, manage, _slot_value(page.text, later)).status_code == 302
    appointment.refresh_from_db()
    assert (appointment.start, appointment.practitioner_id) == (later, theirs.pk)


def test_a_patient_may_choose_another_doctor_and_is_told_before_the_move(
    kind, two_doctors, client, audit_log
):
    other, theirs = two_doctors
    appointment = _book(kind, WEDNESDAY_9, practitioner_id=theirs.pk)
    manage = _manage_url(appointment)
    page = client.get(manage + "move/", {"from": "2026-12-03", "doctor": other.pk})
    assert f"Free times with {other.display_name}" in page.text
    values = _values(page.text)
    assert values and all(value.startswith(f"{other.pk}|") for value in values)
    value = _slot_value(page.text, THURSDAY_10)
    confirm = client.get(manage + "move/", {"slot": value, "doctor": other.pk})
    assert f"You will see {other.display_name} instead of {theirs.display_name}." in confirm.text
    with audit_log.exactly_one(action="appointment.move") as log:
        client.post(manage + "move/", {"slot": value, "confirm": "yes"})
    assert log["event"].detail["practitioner"] == other.pk
    appointment.refresh_from_db()
    assert (appointment.start, appointment.practitioner_id) == (THURSDAY_10, other.pk)


def test_any_doctor_offers_another_doctor_when_their_own_is_away(kind, two_doctors, client):
    lower, theirs = two_doctors
    appointment = _book(kind, WEDNESDAY_9, practitioner_id=theirs.pk)
    manage = _manage_url(appointment)
    # The patient's own doctor is away on Thursday: "any doctor" offers the other.
    WorkingHours.objects.filter(practitioner=theirs, weekday=3).delete()
    page = client.get(manage + "move/", {"from": "2026-12-03", "doctor": "any"})
    assert "Free times with any doctor" in page.text
    value = _slot_value(page.text, THURSDAY_10)
    assert value.startswith(f"{lower.pk}|")
    # All Thursday's times are with that one doctor: named once over them, not on each.
    assert page.text.count(f"Times with {lower.display_name}.") == 1
    assert 'class="time-button__who"' not in page.text
    # On Wednesday, when both are free, "any doctor" still keeps them with their own.
    wednesday = client.get(manage + "move/", {"from": "2026-12-02", "doctor": "any"})
    assert _slot_value(wednesday.text, WEDNESDAY_9 + timedelta(hours=1)).startswith(f"{theirs.pk}|")


def test_any_doctor_names_the_doctor_on_each_time_when_a_day_has_two(kind, two_doctors, client):
    lower, theirs = two_doctors
    appointment = _book(kind, WEDNESDAY_9, practitioner_id=theirs.pk)
    manage = _manage_url(appointment)
    # Thursday: their own doctor in the morning only, the other all day.
    WorkingHours.objects.filter(practitioner=theirs, weekday=3).update(end=time(12))
    page = client.get(manage + "move/", {"from": "2026-12-03", "doctor": "any"})
    assert "Each time shows the doctor you would see." in page.text
    buttons = re.findall(r'<button type="submit" name="slot".*?</button>', page.text, re.S)
    morning = next(b for b in buttons if f'value="{theirs.pk}|' in b)
    afternoon = next(b for b in buttons if f'value="{lower.pk}|' in b)
    assert f"· {theirs.display_name}" in morning and f"· {lower.display_name}" in afternoon


def test_the_days_come_first_and_a_day_shows_its_morning_and_afternoon(kind, two_doctors, client):
    appointment = _book(kind, WEDNESDAY_9)
    manage = _manage_url(appointment)
    page = client.get(manage + "move/", {"from": "2026-12-03", "day": "2026-12-03"})
    assert 'aria-current="date"' in page.text
    assert "Morning" in page.text and "Afternoon" in page.text
    # Only that day's times are offered: one clinic day, not a wall of buttons.
    tz = kind.location.tz
    days = {
        datetime.fromisoformat(value.split("|")[1]).astimezone(tz).date()
        for value in _values(page.text)
    }
    assert days == {date(2026, 12, 3)}


def test_a_time_taken_meanwhile_leaves_the_visit_where_it_was(kind, two_doctors, client):
    appointment = _book(kind, WEDNESDAY_9)
    manage = _manage_url(appointment)
    page = client.get(manage + "move/", {"from": "2026-12-03"})
    value = _slot_value(page.text, THURSDAY_10)
    # Everyone who could see the patient at that time gets booked first.
    with pytest.raises(SlotTaken):
        for n in range(2, 10):
            _book(kind, THURSDAY_10, n=n)
    answer = client.post(manage + "move/", {"slot": value, "confirm": "yes"}, follow=True)
    assert "that time was just taken by someone else" in answer.text
    assert "nothing changes until you confirm" in answer.text  # with the times still free
    assert f"|{THURSDAY_10.isoformat()}" not in answer.text
    appointment.refresh_from_db()
    assert appointment.start == WEDNESDAY_9


def test_a_patient_cannot_move_onto_their_own_other_visit(kind, two_doctors, client):
    appointment = _book(kind, WEDNESDAY_9)
    # A follow-up at another clinic, with another doctor, at the time she would pick.
    other_kind = AppointmentType.objects.get(location__slug="santa-monica", kind="follow_up")
    other = _book(other_kind, THURSDAY_10)
    assert other.patient_id == appointment.patient_id
    manage = _manage_url(appointment)
    page = client.get(manage + "move/", {"from": "2026-12-03"})
    value = _slot_value(page.text, THURSDAY_10)
    answer = client.post(manage + "move/", {"slot": value, "confirm": "yes"}, follow=True)
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
    refused = client.post(
        manage + "move/",
        {"slot": f"{appointment.practitioner_id}|{THURSDAY_10.isoformat()}", "confirm": "yes"},
        follow=True,
    )
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
    client.post(manage + "move/", {"slot": f"1|{THURSDAY_10.isoformat()}", "confirm": "yes"})
    appointment.refresh_from_db()
    assert appointment.start == WEDNESDAY_9


@pytest.mark.parametrize(
    "slot",
    [
        "",
        "garbage",
        "1|not-a-time",
        "1|2026-12-03T10:00:00",  # no time zone
        "99999999999999999999999|2026-12-03T18:00:00+00:00",
        "-1|2026-12-03T18:00:00+00:00",
        "{doctor}|2026-12-03T18:01:00+00:00",  # not a slot boundary
        "{doctor}|2027-12-03T18:00:00+00:00",  # beyond what is bookable
        "{doctor}|2026-11-20T18:00:00+00:00",  # in the past
        "{doctor}|0001-01-01T00:00:00+01:00",  # at the calendar's edge: no overflow
        "{doctor}|9999-12-31T23:59:00-01:00",
        "x" * 10_000,
    ],
)
def test_made_up_times_change_nothing_and_say_so(kind, client, slot):
    appointment = _book(kind, WEDNESDAY_9)
    manage = _manage_url(appointment)
    slot = slot.replace("{doctor}", str(appointment.practitioner_id))
    answer = client.post(manage + "move/", {"slot": slot, "confirm": "yes"}, follow=True)
    assert answer.status_code == 200
    assert "Choose one of the times listed" in answer.text or "just taken" in answer.text
    appointment.refresh_from_db()
    assert (appointment.start, appointment.status) == (WEDNESDAY_9, "booked")
    assert not AuditEvent.objects.filter(action="appointment.move").exists()


@pytest.mark.parametrize("start", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:00-01:00"])
def test_a_time_at_the_calendars_edge_in_the_address_is_refused_not_a_crash(kind, client, start):
    appointment = _book(kind, WEDNESDAY_9)
    answer = client.get(
        _manage_url(appointment) + "move/", {"slot": f"{appointment.practitioner_id}|{start}"}
    )
    assert answer.status_code in (200, 302)


def test_a_doctor_of_another_clinic_cannot_be_chosen(kind, client):
    appointment = _book(kind, WEDNESDAY_9)
    manage = _manage_url(appointment)
    elsewhere = Practitioner.objects.exclude(pk__in=kind.practitioners.all()).first()
    assert elsewhere is not None
    # Asked for by the picker: the patient's own doctor is shown instead.
    page = client.get(manage + "move/", {"doctor": elsewhere.pk, "from": "2026-12-03"})
    assert f"Free times with {appointment.practitioner.display_name}" in page.text
    client.post(
        manage + "move/", {"slot": f"{elsewhere.pk}|{THURSDAY_10.isoformat()}", "confirm": "yes"}
    )
    appointment.refresh_from_db()
    assert (appointment.start, appointment.practitioner_id) == (
        WEDNESDAY_9,
        appointment.practitioner_id,
    )


def test_a_made_up_link_cannot_move_anything(client, kind):
    answer = client.post(
        "/p/appointment/not-a-token/move/", {"slot": "1|2026-12-03T18:00:00", "confirm": "yes"}
    )
    assert answer.status_code == 410
    assert OutboundMessage.objects.count() == 0
