from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from mildpath.demo.loader import demo_schedule_load
from mildpath.patients.models import Patient, PatientMatch
from mildpath.practice.models import Location
from mildpath.scheduling.models import Appointment, ScheduleOverride

# Time stands at tests.helpers.NOW, Tuesday 24 November 2026, 9 a.m. in Los Angeles.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.fixture
def schedule(demo_practice):
    demo_schedule_load()


def at_local(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=ZoneInfo("America/Los_Angeles"))


def _slots(client, **params):
    query = {
        "location": "pasadena",
        "appointment_type": "consultation",
        "date_from": "2026-12-01",
        "date_to": "2026-12-01",
        **params,
    }
    return client.get("/api/v1/slots", query)


def _book(client, when, **overrides):
    body = {
        "location": "pasadena",
        "appointment_type": "consultation",
        "start": when,
        "patient": {
            "given_name": "Ana",
            "family_name": "Ruiz",
            "date_of_birth": "1950-01-02",
            "phone": "(626) 555-0101",
        },
        **overrides,
    }
    return client.post("/api/v1/appointments", json.dumps(body), content_type="application/json")


def test_slots_come_with_utc_and_local_times(client, schedule):
    response = _slots(client)
    assert response.status_code == 200
    slots = response.json()["slots"]
    assert slots[0]["start"] == "2026-12-01T16:00:00+00:00"
    assert slots[0]["local_start"] == "2026-12-01T08:00:00-08:00"


def test_without_a_location_slots_come_from_every_location_earliest_first(
    client, schedule, django_assert_max_num_queries
):
    one_day = {"date_from": "2026-12-01", "date_to": "2026-12-01"}
    # Three locations cost no more queries than one: each kind of read is one query.
    with django_assert_max_num_queries(6):
        everywhere = _slots(client, location="", **one_day).json()
    assert everywhere["location"] is None
    assert len({slot["location"] for slot in everywhere["slots"]}) >= 2
    by_location = {
        slug: _slots(client, location=slug, **one_day).json()["slots"]
        for slug in ("pasadena", "santa-monica", "long-beach")
    }
    assert {slot["location"] for slot in everywhere["slots"]} == {
        slug for slug, slots in by_location.items() if slots
    }
    assert sorted(
        (slot["start"], slot["location"], slot["practitioner"]) for slot in everywhere["slots"]
    ) == sorted(
        (slot["start"], slot["location"], slot["practitioner"])
        for slots in by_location.values()
        for slot in slots
    )
    starts = [slot["start"] for slot in everywhere["slots"]]
    assert starts == sorted(starts)


def test_slots_on_the_spring_forward_week_keep_local_opening_times(client, schedule, frozen):
    frozen.move_to(datetime(2026, 3, 1, 17, 0, tzinfo=UTC))  # the Sunday before that week
    before = _slots(client, date_from="2026-03-06", date_to="2026-03-06").json()["slots"]
    after = _slots(client, date_from="2026-03-10", date_to="2026-03-10").json()["slots"]
    assert before[0]["local_start"].startswith("2026-03-06T08:00:00-08:00")
    assert after[0]["local_start"].startswith("2026-03-10T08:00:00-07:00")


def test_date_changes_take_a_day_off_shorten_a_day_and_add_a_saturday(client, schedule):
    pasadena = Location.objects.get(slug="pasadena")
    doctors = {slot["practitioner"] for slot in _slots(client).json()["slots"]}
    assert doctors, "Pasadena has someone on Tuesday 1 December"
    # Everyone there on Tuesdays: the 1st off, the 8th only 9 to 11, Saturday the 5th 10 to 12.
    changes = [(1, None, None), (8, time(9), time(11)), (5, time(10), time(12))]
    ScheduleOverride.objects.bulk_create(
        ScheduleOverride(
            practitioner_id=pk, location=pasadena, date=date(2026, 12, day), start=opens, end=closes
        )
        for pk in doctors
        for day, opens, closes in changes
    )

    def local_times(day: str) -> list[str]:
        found = _slots(client, date_from=day, date_to=day).json()["slots"]
        return sorted(
            {slot["local_start"][11:16] for slot in found if slot["practitioner"] in doctors}
        )

    assert local_times("2026-12-01") == []
    assert local_times("2026-12-08") == ["09:00", "09:15", "09:30", "09:45", "10:00", "10:15"]
    assert local_times("2026-12-05") == ["10:00", "10:15", "10:30", "10:45", "11:00", "11:15"]
    # A booking checks the same hours: the Saturday clinic books, the day off does not.
    saturday = _slots(client, date_from="2026-12-05", date_to="2026-12-05").json()["slots"]
    assert _book(client, saturday[0]["start"]).status_code == 201
    day_off = at_local(date(2026, 12, 1), time(9))
    assert _book(client, day_off.isoformat()).json()["error"] == "slot_taken"


def test_booking_returns_201_then_409_for_the_same_time(client, schedule, audit_log):
    start = _slots(client).json()["slots"][0]["start"]
    with audit_log.exactly_one(action="appointment.book", object_type="scheduling.Appointment"):
        created = _book(client, start)
    assert created.status_code == 201
    body = created.json()
    assert body["status"] == "booked"
    assert datetime.fromisoformat(body["start"]) == datetime.fromisoformat(start)
    again = _book(
        client,
        start,
        patient={
            **json.loads(
                json.dumps(
                    {
                        "given_name": "Bea",
                        "family_name": "Soto",
                        "date_of_birth": "1949-05-05",
                        "phone": "(626) 555-0102",
                    }
                )
            )
        },
    )
    assert again.status_code == 409
    assert again.json()["error"] == "slot_taken"
    assert start not in [s["start"] for s in _slots(client).json()["slots"]]


def test_a_second_online_booking_at_the_same_time_is_answered_as_for_a_stranger(client, schedule):
    """The answer never tells whether the person already has a visit then (that was how
    an anonymous caller learnt who was booked): the booking is made on a record of its
    own, and the front desk sees the two records to check."""
    # Pasadena on a Monday has Dr Okafor; Santa Monica has Dr Marquez at the same time.
    monday = "2026-11-30"
    pasadena = _slots(client, date_from=monday, date_to=monday).json()["slots"][0]["start"]
    first = _book(client, pasadena)
    assert first.status_code == 201
    other = client.get(
        "/api/v1/slots",
        {
            "location": "santa-monica",
            "appointment_type": "consultation",
            "date_from": monday,
            "date_to": monday,
        },
    ).json()["slots"]
    same_time = next(s["start"] for s in other if s["start"] == pasadena)
    second = _book(client, same_time, location="santa-monica")
    assert second.status_code == 201
    assert set(second.json()) == set(first.json())
    assert Patient.objects.count() == 2
    match = PatientMatch.objects.get()
    assert (match.status, match.existing_patient_id) == ("pending", first_patient(first))


def first_patient(response) -> int:
    return Appointment.objects.get(pk=response.json()["id"]).patient_id


def test_a_returning_patient_online_is_matched_for_the_front_desk_not_merged(client, schedule):
    first, later = _slots(client).json()["slots"][0], _slots(client).json()["slots"][-1]
    assert _book(client, first["start"]).status_code == 201
    # Same phone and birth date; the name typed in capitals this time.
    again = _book(
        client,
        later["start"],
        patient={
            "given_name": "ANA",
            "family_name": "ruiz",
            "date_of_birth": "1950-01-02",
            "phone": "626-555-0101",
        },
    )
    assert again.status_code == 201
    known, new = Patient.objects.order_by("id")
    assert PatientMatch.objects.get().new_patient == new
    assert PatientMatch.objects.get().existing_patient == known


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"start": "tomorrow"}, "start"),
        ({"start": "2026-12-01T08:00:00"}, "start"),
        ({"appointment_type": "procedure"}, "appointment_type"),
        ({"location": "nowhere"}, "appointment_type"),
        ({"patient": {"given_name": "A"}}, "patient.phone"),
        (
            {
                "patient": {
                    "given_name": "A",
                    "family_name": "B",
                    "date_of_birth": "2099-01-01",
                    "phone": "(626) 555-0101",
                }
            },
            "patient.date_of_birth",
        ),
        ({"practitioner": 9999}, "practitioner"),
        ({"reason": ["a", "list"]}, "reason"),
        ({"practitioner": 10**20}, "practitioner"),
        ({"practitioner": True}, "practitioner"),
        ({"patient": "Ana Ruiz"}, "patient"),
        (
            {
                "patient": {
                    "given_name": "A",
                    "family_name": "B",
                    "date_of_birth": ["1950-01-02"],
                    "phone": "(626) 555-0101",
                }
            },
            "patient.date_of_birth",
        ),
    ],
)
def test_bad_bookings_get_422_with_the_field_named(client, schedule, overrides, field):
    start = _slots(client).json()["slots"][0]["start"]
    response = _book(client, start, **overrides)
    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert Appointment.objects.count() == 0


def test_a_body_that_is_not_json_is_a_422(client, schedule):
    response = client.post("/api/v1/appointments", "not json", content_type="application/json")
    assert response.status_code == 422
    assert response.json() == {"errors": {"request": ["the body must be JSON"]}}


def test_a_search_at_the_ends_of_the_calendar_is_a_422_not_a_crash(client, schedule):
    early = _slots(client, date_from="0001-01-01", date_to="0001-01-02")
    assert early.status_code == 422 and "date_from" in early.json()["errors"]
    late = _slots(client, date_from="9999-12-30", date_to="9999-12-31")
    assert late.status_code == 422 and "date_to" in late.json()["errors"]


def test_a_slot_search_names_its_bad_fields(client, schedule):
    response = _slots(client, date_from="2026-12-10", date_to="2026-12-01")
    assert response.status_code == 422
    assert "date_to" in response.json()["errors"]
    response = _slots(client, date_to="2027-03-01")
    assert "date_to" in response.json()["errors"]


def test_the_api_is_described_by_openapi(client):
    response = client.get("/api/v1/openapi.yaml")
    assert response.status_code == 200
    assert "/api/v1/slots:" in response.text and "/api/v1/appointments:" in response.text


def test_one_address_cannot_flood_the_booking_api(client, schedule, settings):
    settings.MILDPATH_PUBLIC_CREATIONS_PER_HOUR = 2
    starts = [s["start"] for s in _slots(client, date_to="2026-12-04").json()["slots"][::8]]
    people = [("Ana", "(626) 555-0101"), ("Bea", "(626) 555-0102"), ("Cy", "(626) 555-0103")]
    statuses = []
    for start, (name, phone) in zip(starts, people, strict=False):
        patient = {
            "given_name": name,
            "family_name": "Ruiz",
            "date_of_birth": "1950-01-02",
            "phone": phone,
        }
        statuses.append(_book(client, start, patient=patient).status_code)
    assert statuses == [201, 201, 429]
