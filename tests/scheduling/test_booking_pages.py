"""Booking a consultation online, step by step, as a patient would."""

from __future__ import annotations

from datetime import timedelta

import pytest
from icalendar import Calendar

from mildpath.demo.loader import demo_schedule_load
from mildpath.scheduling.models import Appointment

# Time stands at tests.helpers.NOW: Tuesday 24 November 2026, 9 a.m. in Los Angeles.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

DETAILS = {
    "given_name": "Rosa",
    "family_name": "Delgado",
    "date_of_birth": "04/02/1951",
    "phone": "(310) 555-0111",
    "email": "rosa@example.com",
    "reason": "Leg pain when walking",
    "referring_physician": "",
}


@pytest.fixture
def schedule(demo_practice):
    demo_schedule_load()


def _shown_values(response) -> list[str]:
    """The values of the time buttons on a time step, morning then afternoon."""
    return [button.value for _, _, buttons in response.context["groups"] for button in buttons]


def _first_choice(response) -> str:
    return _shown_values(response)[0]


def test_a_zip_code_puts_the_nearest_location_first_and_chooses_it(client, schedule):
    plain = client.get("/book/").context["choices"]
    assert [miles for _, miles in plain] == [None] * len(plain)
    near = client.get("/book/", {"zip": "91101"})  # Pasadena
    choices = near.context["choices"]
    assert choices[0][0].slug == "pasadena"
    assert [miles for _, miles in choices] == sorted(miles for _, miles in choices)
    assert 'value="pasadena" checked' in near.text
    assert "miles away" in near.text


def test_a_zip_code_we_cannot_place_is_named_and_the_list_stays(client, schedule):
    page = client.get("/book/", {"zip": "9010"})
    assert "A ZIP code is five digits" in page.text
    assert len(page.context["choices"]) == 3


def test_a_patient_books_in_four_steps(client, schedule, audit_log):
    start = client.get("/book/")
    assert start.status_code == 200
    assert "Pasadena" in start.text

    slots = client.get("/book/pasadena/")
    assert slots.status_code == 200
    first_day = slots.context["days"][0][0]
    assert first_day.isoformat() == "2026-11-25"  # 24 hours' notice: not today
    choice = _first_choice(slots)
    assert client.post("/book/pasadena/", {"slot": choice}).headers["Location"] == (
        "/book/pasadena/details/"
    )
    details = client.post("/book/pasadena/details/", DETAILS)
    assert details.headers["Location"] == "/book/pasadena/review/"
    review = client.get("/book/pasadena/review/")
    assert "Rosa Delgado" in review.text
    assert Appointment.objects.count() == 0  # nothing is booked until confirmed

    with audit_log.exactly_one(action="appointment.book", object_type="scheduling.Appointment"):
        done = client.post("/book/pasadena/review/")
    assert done.headers["Location"] == "/book/booked/"
    appointment = Appointment.objects.get()
    assert appointment.patient.phone == "+13105550111"
    assert appointment.source == "online"
    page = client.get("/book/booked/")
    assert "Your appointment is booked" in page.text
    # 24 hours of notice from Tuesday 9 a.m.: the first time is Wednesday 9 a.m.
    assert "Wednesday, November 25, 2026, 9 a.m." in page.text


def test_the_calendar_file_carries_the_local_time_and_address(client, schedule, frozen):
    slots = client.get("/book/pasadena/")
    client.post("/book/pasadena/", {"slot": _first_choice(slots)})
    client.post("/book/pasadena/details/", DETAILS)
    client.post("/book/pasadena/review/")
    ics = client.get("/book/booked/appointment.ics")
    assert ics["Content-Type"].startswith("text/calendar")
    event = next(c for c in Calendar.from_ical(ics.content).walk() if c.name == "VEVENT")
    start = event.decoded("dtstart")
    assert str(start.tzinfo) == "America/Los_Angeles"
    assert start.strftime("%Y-%m-%d %H:%M") == "2026-11-25 09:00"
    assert "88 Orchard Grove Avenue" in str(event.get("location"))
    assert b"BEGIN:VTIMEZONE" in ics.content
    # A file made later is the same event (a move or cancel raises its sequence).
    frozen.shift(timedelta(hours=1))
    again = client.get("/book/booked/appointment.ics")
    later = next(c for c in Calendar.from_ical(again.content).walk() if c.name == "VEVENT")
    assert later["uid"] == event["uid"]
    assert int(later.decoded("sequence")) >= int(event.decoded("sequence"))


def test_days_at_the_end_of_the_calendar_show_an_empty_page(client, schedule):
    far = client.get("/book/pasadena/", {"from": "9999-12-30"})
    assert far.status_code == 200
    assert "There are no free times on these days." in far.text


def test_the_loser_of_a_race_gets_fresh_times_not_an_error(client, schedule):
    from django.test import Client

    slots = client.get("/book/pasadena/")
    choice = _first_choice(slots)
    client.post("/book/pasadena/", {"slot": choice})
    client.post("/book/pasadena/details/", DETAILS)

    rival = Client()
    rival.post("/book/pasadena/", {"slot": choice})
    rival.post(
        "/book/pasadena/details/", {**DETAILS, "given_name": "Rita", "phone": "(310) 555-0199"}
    )
    assert rival.post("/book/pasadena/review/").status_code == 302

    lost = client.post("/book/pasadena/review/", follow=True)
    assert lost.status_code == 200
    assert "that time was just taken" in lost.text
    assert choice not in _shown_values(lost)
    assert Appointment.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("given_name", "", "First name: Enter your first name."),
        ("date_of_birth", "1951-13-45", "Write the date as month/day/year"),
        ("date_of_birth", "01/01/2030", "The date of birth must be in the past."),
        ("phone", "555", "Enter a phone number we can call"),
        ("email", "rosa@", "Enter an email address like name@example.com."),
    ],
)
def test_bad_details_name_the_field_and_book_nothing(client, schedule, field, value, message):
    slots = client.get("/book/pasadena/")
    client.post("/book/pasadena/", {"slot": _first_choice(slots)})
    response = client.post("/book/pasadena/details/", {**DETAILS, field: value})
    assert response.status_code == 200
    assert message in response.text.replace("&#x27;", "'")
    assert Appointment.objects.count() == 0


def test_a_made_up_time_is_refused(client, schedule):
    response = client.post("/book/pasadena/", {"slot": "1|2026-11-25T03:00:00+00:00"})
    assert response.status_code == 200
    assert "That time is no longer free" in response.text


def test_skipping_ahead_goes_back_to_choosing_a_time(client, schedule):
    assert client.get("/book/pasadena/review/").headers["Location"] == "/book/pasadena/"
    assert client.get("/book/booked/").headers["Location"] == "/book/"
    assert client.get("/book/nowhere/").status_code == 404
