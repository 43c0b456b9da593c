"""Hostile and careless input gets a clear answer naming the field and the rule, never
a 500 and never a partial write (each was a 500 before)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from mildpath.demo.loader import demo_schedule_load
from mildpath.scheduling.models import Appointment, ConsultationRequest
from tests.helpers import NOW

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.fixture
def schedule(demo_practice):
    demo_schedule_load()


def _post(client, body: str, content_type: str = "application/json"):
    return client.post("/api/v1/appointments", body, content_type=content_type)


def _booking(start: str) -> str:
    return json.dumps(
        {
            "location": "pasadena",
            "appointment_type": "consultation",
            "start": start,
            "patient": {
                "given_name": "Ana",
                "family_name": "Ruiz",
                "date_of_birth": "1950-01-02",
                "phone": "(626) 555-0101",
            },
        }
    )


def test_json_nested_a_hundred_thousand_deep_is_a_422(client, schedule):
    response = _post(client, "[" * 100_000 + "]" * 100_000)
    assert response.status_code == 422
    assert response.json() == {"errors": {"request": ["the body must be JSON"]}}


def test_a_five_thousand_digit_number_is_a_422(client, schedule):
    response = _post(client, '{"practitioner": ' + "9" * 5000 + "}")
    assert response.status_code == 422


def test_a_start_in_year_one_names_start(client, schedule):
    response = _post(client, _booking("0001-01-01T00:00:00Z"))
    assert response.status_code == 422
    assert response.json()["errors"] == {"start": ["must be within five years of today"]}


@pytest.mark.parametrize(
    ("start", "rule"),
    [
        (NOW - timedelta(days=1), "must be in the future"),
        (NOW + timedelta(hours=2), "must be at least 24 hours from now"),
        (NOW + timedelta(days=400), "must be within 60 days from now"),
        (NOW + timedelta(days=7, minutes=7), "must be on the quarter hour, like 09:00 or 09:15"),
    ],
    ids=["past", "inside-the-notice", "beyond-the-horizon", "off-the-grid"],
)
def test_a_time_never_offered_is_a_422_naming_start_and_the_rule_not_a_409(
    client, schedule, start, rule
):
    response = _post(client, _booking(start.isoformat()))
    assert response.status_code == 422
    assert response.json()["errors"] == {"start": [rule]}
    assert not Appointment.objects.exists()


def test_a_ten_megabyte_body_is_a_json_413(client, schedule):
    response = _post(client, "{" + " " * (10 * 1024 * 1024) + "}")
    assert response.status_code == 413
    assert response.json()["error"] == "too_large"


def test_a_plain_text_body_is_refused_with_415(client, schedule):
    response = _post(client, _booking((NOW + timedelta(days=7)).isoformat()), "text/plain")
    assert response.status_code == 415
    assert "application/json" in response.json()["message"]
    assert not Appointment.objects.exists()


def test_a_zip_in_arabic_indic_digits_finds_the_nearest_location(client, schedule):
    response = client.get("/locations/", {"zip": "٩١١٠١"})  # 91101, Pasadena
    assert response.status_code == 200
    assert response.context["nearby"][0].location.slug == "pasadena"


def test_a_zip_with_other_characters_is_a_clear_error(client, schedule):
    response = client.get("/locations/", {"zip": "9O4O4"})
    assert response.status_code == 200
    assert "A ZIP code is five digits, like 90404." in response.text


@pytest.mark.parametrize("date_to", ["9999-12-31", "0001-01-01"])
@pytest.mark.parametrize("path", ["/staff/audit/", "/staff/audit/export.csv"])
def test_an_audit_search_at_the_ends_of_the_calendar_names_the_field(
    client, make_staff, sign_in, path, date_to
):
    sign_in(make_staff("manager"))
    response = client.get(path, {"date_to": date_to})
    assert response.status_code in {200, 400}
    assert "Enter a date from 2000 on" in response.content.decode()


def test_booking_from_a_request_number_that_is_not_ascii_digits_is_ignored(
    client, schedule, make_staff, sign_in
):
    sign_in(make_staff("front_desk", ("pasadena",)))
    response = client.get("/staff/calendar/book/", {"from_request": "²"})
    assert response.status_code == 200
    assert response.context["consultation"] is None
    assert not ConsultationRequest.objects.exists()
