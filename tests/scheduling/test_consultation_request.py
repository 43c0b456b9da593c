from __future__ import annotations

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.urls import reverse

from mildpath.practice.models import Location
from mildpath.scheduling.models import ConsultationRequest

pytestmark = pytest.mark.django_db

URL = "/consultation/"


def _data(**overrides):
    data = {
        "name": "María José O'Neil-García",
        "phone": "(626) 555-0123",
        "preferred_location": str(Location.objects.get(slug="pasadena").pk),
        "best_time": "morning",
        "consent_to_contact": "on",
    }
    data.update(overrides)
    return data


@time_machine.travel("2026-11-24 17:30:00+00:00", tick=False)
def test_a_request_is_stored_and_confirmed(client, demo_practice):
    response = client.post(URL, _data(), follow=True)
    assert response.redirect_chain == [(reverse("site:consultation_received"), 302)]
    stored = ConsultationRequest.objects.get()
    assert stored.name == "María José O'Neil-García"
    assert stored.phone == "+16265550123"
    assert stored.preferred_location is not None
    assert stored.preferred_location.slug == "pasadena"
    assert stored.status == ConsultationRequest.Status.NEW
    assert stored.language == "en"
    assert stored.created_at.isoformat() == "2026-11-24T17:30:00+00:00"
    assert "we will call you at (626) 555-0123" in response.text
    assert "Pasadena" in response.text


def test_a_spanish_request_remembers_the_language(client, demo_practice):
    response = client.post(f"/es{URL}", _data(preferred_location=""), follow=True)
    assert response.status_code == 200
    stored = ConsultationRequest.objects.get()
    assert stored.language == "es"
    assert stored.preferred_location is None
    assert response.redirect_chain[0][0] == "/es/consultation/received/"


def test_the_location_page_preselects_its_location(client, demo_practice):
    response = client.get(URL, {"location": "long-beach"})
    long_beach = Location.objects.get(slug="long-beach")
    assert response.context["form"].initial["preferred_location"] == long_beach


@pytest.mark.parametrize(
    ("field", "value", "label", "message"),
    [
        ("name", "", "Your name", "Enter your name so we know who to ask for."),
        ("name", "   ", "Your name", "Enter your name so we know who to ask for."),
        ("name", "x" * 121, "Your name", "Your name can be at most 120 characters."),
        ("name", "<script>", "Your name", "Use letters for your name"),
        ("name", "12345", "Your name", "Use letters for your name"),
        ("phone", "555", "Phone number", "Enter a phone number we can call"),
        ("phone", "call me", "Phone number", "Enter a phone number we can call"),
        ("phone", "", "Phone number", "Enter a phone number so we can call you back."),
        ("preferred_location", "999999", "Preferred location", "Choose one of the locations"),
        ("best_time", "midnight", "Best time to call", "Choose one of the answers listed."),
        ("consent_to_contact", "", "I agree that the practice may call me", "only call you if"),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(
    client, demo_practice, field, value, label, message
):
    response = client.post(URL, _data(**{field: value}))
    assert response.status_code == 200
    text = response.text.replace("&#x27;", "'")
    assert message in text
    assert f"{label}" in text.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    assert ConsultationRequest.objects.count() == 0


def test_the_confirmation_page_shows_nothing_to_another_browser(client, demo_practice):
    client.post(URL, _data())
    from django.test import Client

    stranger = Client()
    response = stranger.get(reverse("site:consultation_received"))
    assert response.status_code == 302
    assert response.headers["Location"] == URL


def test_the_database_refuses_a_request_without_consent(demo_practice):
    with pytest.raises(IntegrityError), transaction.atomic():
        ConsultationRequest.objects.create(
            name="No Consent",
            phone="+16265550123",
            best_time="any",
            consent_to_contact=False,
            created_at="2026-11-24T17:30:00+00:00",
        )


def test_staff_see_requests_in_the_admin(admin_client, demo_practice):
    admin_client.post(URL, _data())
    response = admin_client.get("/admin/scheduling/consultationrequest/")
    assert response.status_code == 200
    assert "María José O&#x27;Neil-García" in response.text
    assert "(626) 555-0123" in response.text


def test_the_public_cannot_see_the_admin_list(client, demo_practice):
    client.post(URL, _data())
    response = client.get("/admin/scheduling/consultationrequest/")
    assert response.status_code == 302
    assert "/admin/login/" in response.headers["Location"]
