from __future__ import annotations

import pytest
from django.urls import reverse

from mildpath.demo.loader import demo_practice_load
from mildpath.practice.forms import LocationAdminForm
from mildpath.practice.models import Location, Practice, Practitioner

pytestmark = pytest.mark.django_db


def test_loading_the_demo_twice_changes_nothing(demo_practice):
    demo_practice_load()
    assert Practice.objects.count() == 1
    assert Location.objects.count() == 3
    assert Practitioner.objects.count() == 3
    assert {location.zip_code for location in Location.objects.all()} == {"90404", "91101", "90806"}
    assert all(location.time_zone == "America/Los_Angeles" for location in Location.objects.all())


@pytest.mark.parametrize(
    ("zip_code", "nearest"),
    [("91105", "Pasadena"), ("90802", "Long Beach"), ("90405", "Santa Monica")],
)
def test_the_nearest_location_comes_first(client, demo_practice, zip_code, nearest):
    response = client.get(reverse("site:location_list"), {"zip": zip_code})
    assert response.status_code == 200
    nearby = response.context["nearby"]
    assert [item.location.name for item in nearby][0] == nearest
    assert [item.miles for item in nearby] == sorted(item.miles for item in nearby)
    assert "miles away" in response.text


@pytest.mark.parametrize(
    ("zip_code", "message"),
    [
        ("99999", "We could not find ZIP code 99999."),
        ("abc", "A ZIP code is five digits, like 90404."),
        ("", "Enter your ZIP code to find the nearest location."),
    ],
)
def test_a_bad_zip_gets_a_message_naming_the_field(client, demo_practice, zip_code, message):
    response = client.get(reverse("site:location_list"), {"zip": zip_code})
    assert response.status_code == 200
    assert message in response.text
    assert f"Your ZIP code: {message}" in response.text  # the error summary names the field
    assert 'aria-invalid="true"' in response.text
    assert "nearby" not in response.context


def test_location_detail_shows_hours_access_and_doctors(client, demo_practice):
    response = client.get(reverse("site:location_detail", args=["long-beach"]))
    assert response.status_code == 200
    assert "3100 Pelican Way" in response.text
    assert "(562) 555-0180" in response.text
    assert "a ramp is at the side entrance" in response.text
    assert "There are steps at the entrance" in response.text
    assert "Samuel Okafor, DO" in response.text


def test_location_detail_speaks_spanish(client, demo_practice):
    response = client.get("/es/locations/long-beach/")
    assert "la rampa está en la entrada lateral" in response.text


def test_an_inactive_or_unknown_location_is_not_found(client, demo_practice):
    Location.objects.filter(slug="pasadena").update(is_active=False)
    assert client.get(reverse("site:location_detail", args=["pasadena"])).status_code == 404
    assert client.get(reverse("site:location_detail", args=["nowhere"])).status_code == 404
    listed = client.get(reverse("site:location_list"))
    assert "Pasadena" not in [location.name for location in listed.context["locations"]]


def _location_form(**overrides):
    data = {
        "name": "Torrance",
        "slug": "torrance",
        "address_line1": "1 Test Way",
        "city": "Torrance",
        "state": "CA",
        "zip_code": "90503",
        "phone": "(310) 555-0199",
        "time_zone": "America/Los_Angeles",
        "step_free_entry": "on",
        "is_active": "on",
        "sort_order": "5",
    }
    data.update(overrides)
    return LocationAdminForm(data=data)


def test_the_admin_form_takes_coordinates_from_the_zip(db):
    form = _location_form()
    assert form.is_valid(), form.errors
    location = form.save()
    assert 33.7 < location.latitude < 33.95
    assert -118.45 < location.longitude < -118.25
    assert location.phone == "+13105550199"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("zip_code", "99999", "We could not find the ZIP code 99999."),
        ("phone", "12345", "Enter a phone number we can call"),
        ("time_zone", "Pacific Time", "is not an IANA time zone"),
        ("state", "ca", "Use the two-letter state code"),
    ],
)
def test_the_admin_form_rejects_bad_location_data(db, field, value, message):
    form = _location_form(**{field: value})
    assert not form.is_valid()
    assert message in " ".join(form.errors[field])
    assert Location.objects.count() == 0
