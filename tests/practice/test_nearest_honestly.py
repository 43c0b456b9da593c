"""The nearest-location search tells the truth: far away is "outside our area" with the
phone number, at the clinic is "in your area", and distances read one way per language."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation

from mildpath.practice.queries import locations_nearest, outside_service_area
from mildpath.site.templatetags.site_tags import distance

pytestmark = pytest.mark.django_db


def test_a_zip_far_from_every_location_is_told_it_is_outside_our_area(client, demo_practice):
    response = client.get(reverse("site:location_list"), {"zip": "10001"})  # New York
    assert response.status_code == 200
    assert response.context["outside_area"] is True
    assert "10001 (New York) is outside the area we serve" in response.text
    assert "within about 100 miles" in response.text
    # The practice's number, as a link a phone can call, in the notice itself.
    notice = response.text.split('id="outside-title"')[1].split("</section>")[0]
    assert 'href="tel:+13105550100"' in notice
    assert "(310) 555-0100" in notice
    # The locations are still there, for someone who can travel, with honest distances.
    assert "If you can travel to us" in response.text
    assert "2,438 miles away" in response.text


def test_a_zip_inside_the_radius_is_not_warned(client, demo_practice):
    response = client.get(reverse("site:location_list"), {"zip": "91105"})
    assert response.context["outside_area"] is False
    assert "outside the area we serve" not in response.text
    assert "Nearest to 91105 (Pasadena)" in response.text


def test_the_radius_is_a_setting(client, demo_practice, settings):
    settings.MILDPATH_SERVICE_RADIUS_MILES = 10
    response = client.get(reverse("site:location_list"), {"zip": "90802"})  # Long Beach, ~4 mi
    assert response.context["outside_area"] is False
    # San Diego is within 100 miles of Long Beach, outside 10.
    response = client.get(reverse("site:location_list"), {"zip": "92101"})
    assert response.context["outside_area"] is True
    assert "within about 10 miles" in response.text
    settings.MILDPATH_SERVICE_RADIUS_MILES = 150
    assert (
        client.get(reverse("site:location_list"), {"zip": "92101"}).context["outside_area"] is False
    )


def test_no_location_at_all_counts_as_outside(db):
    assert outside_service_area([]) is True


def test_a_zip_at_the_clinic_reads_in_your_area(client, demo_practice):
    response = client.get(reverse("site:location_list"), {"zip": "91101"})  # Pasadena's own ZIP
    first = response.context["nearby"][0]
    assert first.location.slug == "pasadena"
    assert first.in_your_area
    assert "In your area" in response.text
    assert "0.0 miles" not in response.text
    assert "0 miles" not in response.text


@pytest.mark.parametrize(
    ("miles", "english", "spanish"),
    [
        (0.0, "In your area", None),
        (0.6, "In your area", None),
        (1.2, "1 mile away", "1"),
        (12.4, "12 miles away", "12"),
        (12.6, "13 miles away", "13"),
        (2437.9, "2,438 miles away", "2438"),
    ],
)
def test_distances_read_one_way_per_language(miles, english, spanish):
    with translation.override("en"):
        assert distance(miles) == english
    with translation.override("es"):
        spoken = distance(miles)
        if spanish is not None:
            # Whole miles ("a 12 millas"), grouped the Spanish way (no comma in 2 438).
            [number] = re.findall(r"\d[\d\xa0 .]*\d|\d", spoken)
            assert "," not in spoken
            assert number.replace("\xa0", "").replace(" ", "").replace(".", "") == spanish


def test_no_distance_is_shown_with_a_decimal(client, demo_practice):
    for zip_code in ("90404", "90405", "91105", "90802", "10001"):
        text = client.get(reverse("site:location_list"), {"zip": zip_code}).text
        assert ".0 miles" not in text
        for nearby in locations_nearest(zip_code)[1]:
            assert distance(nearby.miles) in text


def test_the_booking_start_page_uses_the_same_distances(client, demo_practice):
    from mildpath.demo.loader import demo_schedule_load

    demo_schedule_load()
    response = client.get(reverse("booking:start"), {"zip": "91101"})
    assert response.status_code == 200
    assert "0.0 miles" not in response.text
