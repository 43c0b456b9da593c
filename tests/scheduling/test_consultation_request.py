from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from mildpath.practice.models import Location
from mildpath.scheduling.models import ConsultationRequest
from tests.helpers import NOW

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


@pytest.mark.usefixtures("frozen")
def test_a_request_is_stored_and_confirmed(client, demo_practice):
    response = client.post(URL, _data(), follow=True)
    assert response.redirect_chain == [(reverse("site:consultation_received"), 302)]
    stored = ConsultationRequest.objects.get()
    assert stored.name == "María José O'Neil-García"
    assert stored.phone == "+16265550123"
    assert stored.preferred_location == Location.objects.get(slug="pasadena")
    assert stored.status == ConsultationRequest.Status.NEW
    assert stored.language == "en"
    assert stored.created_at.isoformat() == NOW.isoformat()  # the moment, in UTC
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
            created_at=NOW,
        )


def test_the_public_request_is_recorded_in_the_audit_trail(client, demo_practice, audit_log):
    with audit_log.exactly_one(action="callback.create", actor=None, actor_label="public site"):
        client.post(URL, _data())


def test_front_desk_works_the_requests_of_their_locations(
    client, demo_practice, make_staff, sign_in, audit_log
):
    client.post(URL, _data())  # Pasadena
    client.post(
        URL,
        _data(
            name="Long Beach Caller",
            preferred_location=str(Location.objects.get(slug="long-beach").pk),
        ),
    )
    client.post(URL, _data(name="Anywhere Caller", preferred_location=""))
    user = make_staff("front_desk", ("pasadena",))
    sign_in(user)
    with audit_log.exactly_one(action="callback.list", actor=user):
        listing = client.get("/staff/requests/")
    names = {row.name for row in listing.context["rows"]}
    assert names == {"María José O'Neil-García", "Anywhere Caller"}

    request_id = ConsultationRequest.objects.get(name="Anywhere Caller").pk
    with audit_log.exactly_one(action="callback.read", object_id=str(request_id)):
        assert client.get(f"/staff/requests/{request_id}/").status_code == 200
    with audit_log.exactly_one(
        action="callback.update", detail={"changed": ["staff_notes", "status"]}
    ):
        saved = client.post(
            f"/staff/requests/{request_id}/",
            {"status": "contacted", "staff_notes": "Left a voicemail"},
        )
    assert saved.status_code == 302
    updated = ConsultationRequest.objects.get(pk=request_id)
    assert (updated.status, updated.staff_notes) == ("contacted", "Left a voicemail")

    other = ConsultationRequest.objects.get(name="Long Beach Caller").pk
    assert client.get(f"/staff/requests/{other}/").status_code == 404


def test_new_requests_are_listed_oldest_first_with_a_number_to_tap(
    client, demo_practice, make_staff, sign_in, frozen
):
    client.post(URL, _data(name="First Caller"))
    frozen.shift(timedelta(minutes=5))
    client.post(URL, _data(name="Second Caller", phone="(626) 555-0124"))
    client.post("/es/consultation/", _data(name="Tercera Persona", phone="(626) 555-0125"))
    sign_in(make_staff("front_desk", ("pasadena",)))
    listing = client.get("/staff/requests/")
    names = [row.name for row in listing.context["rows"]]
    assert names[0] == "First Caller"  # waiting longest
    assert "new requests, the oldest first" in listing.text
    assert 'href="tel:+16265550124"' in listing.text
    assert "Spanish" in listing.text and ">ES<" not in listing.text
    everything = [row.name for row in client.get("/staff/requests/?status=all").context["rows"]]
    assert everything[-1] == "First Caller"  # the whole history: the newest first


def test_a_bad_status_names_the_field_and_changes_nothing(
    client, demo_practice, make_staff, sign_in
):
    client.post(URL, _data())
    sign_in(make_staff("manager"))
    request_id = ConsultationRequest.objects.get().pk
    response = client.post(f"/staff/requests/{request_id}/", {"status": "lost", "staff_notes": ""})
    assert response.status_code == 200
    assert "Status:" in response.text
    assert ConsultationRequest.objects.get().status == "new"


def test_the_front_desk_home_lists_new_requests(client, demo_practice, make_staff, sign_in):
    client.post(URL, _data())
    sign_in(make_staff("front_desk", ("pasadena",)))
    home = client.get("/staff/")
    assert "María José O&#x27;Neil-García" in home.text
    assert "(626) 555-0123" in home.text


def test_the_public_cannot_see_the_requests(client, demo_practice):
    client.post(URL, _data())
    response = client.get("/staff/requests/")
    assert response.status_code == 302
    assert "/staff/sign-in/" in response.headers["Location"]


def test_one_address_cannot_flood_the_call_back_form(client, demo_practice, settings):
    settings.MILDPATH_PUBLIC_CREATIONS_PER_HOUR = 3
    for n in range(3):
        assert client.post(URL, _data(name=f"Caller {'abc'[n]}")).status_code == 302
    refused = client.post(URL, _data(name="Caller d"))
    assert refused.status_code == 429
    assert "Please call us instead" in refused.text
    assert "(310) 555-0100" in refused.text
    assert ConsultationRequest.objects.count() == 3
    assert client.post(URL, _data(name="Caller e"), REMOTE_ADDR="192.0.2.50").status_code == 302
