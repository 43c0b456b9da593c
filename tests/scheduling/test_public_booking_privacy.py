"""Who is booked is not public: an online booking never confirms anything about an
existing record, and never widens which front desk can read it. A booking that matches
a known patient waits for the front desk of its location to say whether it is the same
person. The front desk's own bookings keep matching as before."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from mildpath.audit.models import AuditEvent
from mildpath.core import clock
from mildpath.demo.loader import demo_schedule_load, demo_staff_ensure
from mildpath.patients.models import Patient, PatientMatch
from mildpath.scheduling.availability import available_slots
from mildpath.scheduling.models import Appointment, AppointmentType

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

# Rosa Delgado, a demo patient seen at Santa Monica.
ROSA = {
    "given_name": "Rosa",
    "family_name": "Delgado",
    "date_of_birth": "1951-04-02",
    "phone": "(310) 555-0111",
}


@pytest.fixture
def rosa(demo_practice) -> Patient:
    demo_schedule_load()
    demo_staff_ensure()
    return Patient.objects.get(family_name="Delgado")


def _free(slug: str, index: int = 0):
    kind = AppointmentType.objects.get(location__slug=slug, kind="consultation")
    today = clock.now().astimezone(kind.location.tz).date()
    return available_slots(
        appointment_type=kind,
        first_day=today + timedelta(days=2),
        last_day=today + timedelta(days=20),
        now=clock.now(),
    )[index]


def _book(client, slug: str, start, patient: dict[str, str]):
    body = {
        "location": slug,
        "appointment_type": "consultation",
        "start": start.isoformat(),
        "patient": patient,
    }
    return client.post("/api/v1/appointments", json.dumps(body), content_type="application/json")


def test_booking_as_a_known_patient_answers_exactly_as_for_a_stranger(client, rosa):
    known = _book(client, "pasadena", _free("pasadena", 0).start, ROSA)
    stranger = _book(
        client,
        "pasadena",
        _free("pasadena", 4).start,
        {**ROSA, "given_name": "Rosalind", "phone": "(310) 555-0199"},
    )
    assert known.status_code == stranger.status_code == 201
    assert set(known.json()) == set(stranger.json())
    assert {k: v for k, v in known.json().items() if k in {"status", "location"}} == {
        k: v for k, v in stranger.json().items() if k in {"status", "location"}
    }


def test_booking_at_the_time_a_known_patient_is_busy_is_not_refused(client, rosa):
    """The attack: book in someone's name at a time, and read 'already booked'."""
    start = _free("santa-monica").start
    assert _book(client, "santa-monica", start, ROSA).status_code == 201
    again = _book(client, "santa-monica", _free("santa-monica", 0).start, ROSA)
    assert again.status_code in {201, 409}
    if again.status_code == 409:  # the doctor's time, not the person's, may be taken
        assert again.json()["error"] == "slot_taken"


def test_an_online_booking_does_not_open_a_known_record_to_another_front_desk(
    client, rosa, make_staff, sign_in
):
    response = _book(client, "pasadena", _free("pasadena").start, ROSA)
    assert response.status_code == 201
    booked = Appointment.objects.get(pk=response.json()["id"])
    assert booked.patient != rosa
    assert list(rosa.locations.values_list("slug", flat=True)) == ["santa-monica"]
    # Pasadena's front desk sees the new record and the match to check, not Rosa's record.
    sign_in(make_staff("front_desk", ("pasadena",)))
    assert client.get(f"/staff/patients/{rosa.pk}/").status_code == 404
    page = client.get("/staff/calendar/matches/")
    assert page.status_code == 200
    assert "Santa Monica" in page.text  # where the known patient is seen, to compare
    # Santa Monica's front desk, where Rosa is known, has nothing to decide.
    sign_in(make_staff("front_desk", ("santa-monica",)))
    assert "Nothing to check." in client.get("/staff/calendar/matches/").text


def test_the_front_desk_joins_the_records_of_the_same_person(
    client, rosa, make_staff, sign_in, audit_log
):
    response = _book(client, "pasadena", _free("pasadena").start, ROSA)
    match = PatientMatch.objects.get()
    desk = make_staff("front_desk", ("pasadena",))
    sign_in(desk)
    with audit_log.exactly_one(action="patient.merge", actor=desk, patient_id=rosa.pk):
        done = client.post(
            f"/staff/calendar/matches/{match.pk}/", {"decision": "same"}, follow=True
        )
    assert "Joined" in done.text
    assert Appointment.objects.get(pk=response.json()["id"]).patient == rosa
    assert set(rosa.locations.values_list("slug", flat=True)) == {"santa-monica", "pasadena"}
    assert Patient.objects.get(pk=match.new_patient_id).merged_into == rosa
    listed = [p.pk for p in client.get("/staff/patients/").context["patients"]]
    assert rosa.pk in listed and match.new_patient_id not in listed  # one record, not two
    assert client.post(f"/staff/calendar/matches/{match.pk}/", {"decision": "same"}).status_code
    assert PatientMatch.objects.get().status == "same"


def _same_time_at_both() -> datetime:
    pasadena = {slot.start for slot in _all_free("pasadena")}
    return next(slot.start for slot in _all_free("santa-monica") if slot.start in pasadena)


def _all_free(slug: str):
    kind = AppointmentType.objects.get(location__slug=slug, kind="consultation")
    today = clock.now().astimezone(kind.location.tz).date()
    return available_slots(
        appointment_type=kind,
        first_day=today + timedelta(days=2),
        last_day=today + timedelta(days=20),
        now=clock.now(),
    )


def test_records_of_a_person_with_two_visits_at_once_are_not_joined(
    client, rosa, make_staff, sign_in
):
    from mildpath.patients.services import PatientDetails
    from mildpath.scheduling.services.booking import appointment_book
    from tests.helpers import TEST_ACTOR

    start = _same_time_at_both()
    # Rosa's own visit at Santa Monica, booked by its front desk...
    appointment_book(
        actor=TEST_ACTOR,
        appointment_type=AppointmentType.objects.get(
            location__slug="santa-monica", kind="consultation"
        ),
        start=start,
        patient=PatientDetails(
            given_name="Rosa",
            family_name="Delgado",
            date_of_birth=rosa.date_of_birth,
            phone=rosa.phone,
            email="",
            preferred_language="es",
        ),
        now=clock.now(),
    )
    # ...and an online booking in her name at Pasadena at the same time: taken, as for
    # anyone, on a record of its own.
    online = _book(client, "pasadena", start, ROSA)
    assert online.status_code == 201
    match = PatientMatch.objects.get()
    sign_in(make_staff("front_desk", ("pasadena",)))
    page = client.post(f"/staff/calendar/matches/{match.pk}/", {"decision": "same"}, follow=True)
    assert "two visits at the same time" in page.text
    match.refresh_from_db()
    assert match.status == "pending"
    assert Appointment.objects.get(pk=online.json()["id"]).patient_id == match.new_patient_id
    assert not AuditEvent.objects.filter(action="patient.merge").exists()


def test_different_people_stay_apart(client, rosa, make_staff, sign_in, audit_log):
    _book(client, "pasadena", _free("pasadena").start, ROSA)
    match = PatientMatch.objects.get()
    sign_in(make_staff("front_desk", ("pasadena",)))
    with audit_log.exactly_one(action="patient.keep_apart"):
        client.post(f"/staff/calendar/matches/{match.pk}/", {"decision": "different"})
    match.refresh_from_db()
    assert match.status == "different"
    assert Patient.objects.get(pk=match.new_patient_id).merged_into is None


def test_the_front_desk_booking_a_caller_keeps_matching_the_known_record(
    client, rosa, make_staff, sign_in
):
    sign_in(make_staff("front_desk", ("pasadena",)))
    page = client.get("/staff/calendar/book/", {"location": "pasadena", "kind": "consultation"})
    value = page.context["form"].fields["slot"].choices[0][0]
    response = client.post(
        "/staff/calendar/book/?location=pasadena&kind=consultation",
        {
            "slot": value,
            "given_name": "Rosa",
            "family_name": "Delgado",
            "date_of_birth": "04/02/1951",
            "phone": "(310) 555-0111",
            "preferred_language": "en",
        },
    )
    assert response.status_code == 302
    assert Appointment.objects.get().patient == rosa
    assert not PatientMatch.objects.exists()


def test_joining_keeps_the_email_the_online_booking_promised_reminders_to(
    client, rosa, make_staff, sign_in
):
    assert not rosa.email
    _book(client, "pasadena", _free("pasadena").start, {**ROSA, "email": "rosa@example.com"})
    match = PatientMatch.objects.get()
    sign_in(make_staff("front_desk", ("pasadena",)))
    client.post(f"/staff/calendar/matches/{match.pk}/", {"decision": "same"})
    rosa.refresh_from_db()
    assert rosa.email == "rosa@example.com"
    # The joined record is never matched again: a later online booking matches Rosa.
    _book(client, "pasadena", _free("pasadena", 6).start, ROSA)
    assert PatientMatch.objects.filter(status="pending").get().existing_patient == rosa


def test_the_match_page_shows_the_known_patients_visits_only_at_the_desks_locations(
    client, rosa, make_staff, sign_in
):
    from mildpath.patients.services import PatientDetails
    from mildpath.scheduling.services.booking import appointment_book
    from tests.helpers import TEST_ACTOR

    elsewhere = appointment_book(
        actor=TEST_ACTOR,
        appointment_type=AppointmentType.objects.get(
            location__slug="santa-monica", kind="consultation"
        ),
        start=_free("santa-monica", 2).start,
        patient=PatientDetails("Rosa", "Delgado", rosa.date_of_birth, rosa.phone, "", "es"),
        now=clock.now(),
    )
    assert elsewhere.patient == rosa
    _book(client, "pasadena", _free("pasadena").start, ROSA)
    sign_in(make_staff("front_desk", ("pasadena",)))
    page = client.get("/staff/calendar/matches/")
    visits = [visit for _, _, known in page.context["rows"] for visit in known]
    assert visits == []  # Rosa's Santa Monica visit is not Pasadena's to see


def test_joining_brings_the_online_bookings_questionnaires_to_the_known_record(
    client, rosa, make_staff, sign_in
):
    """The intake set sent with the online booking, answered or not, belongs to the
    person: joined, it is on their record, not left behind on the merged one."""
    from mildpath.questionnaires.models import TimePoint

    _book(client, "pasadena", _free("pasadena").start, ROSA)
    match = PatientMatch.objects.get()
    baseline = TimePoint.objects.get(patient=match.new_patient_id, code="baseline")
    sign_in(make_staff("front_desk", ("pasadena",)))
    client.post(f"/staff/calendar/matches/{match.pk}/", {"decision": "same"})
    baseline.refresh_from_db()
    assert baseline.patient_id == rosa.pk and baseline.superseded_at is None
    assert not TimePoint.objects.filter(patient=match.new_patient_id).exists()
    record = client.get(f"/staff/patients/{rosa.pk}/")
    assert "Follow-up plan" in record.text
