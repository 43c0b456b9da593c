"""Switching language on a form's page keeps what the patient typed (core/typed.py)."""

from __future__ import annotations

import pytest

from mildpath.demo.loader import demo_schedule_load
from mildpath.practice.models import Location
from mildpath.scheduling.forms.public import DetailsForm
from mildpath.scheduling.models import Appointment, ConsultationRequest

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

TYPED = {
    "given_name": "Rosa",
    "family_name": "Delgado",
    "date_of_birth": "04/02/1951",
    "phone": "(310) 555-0111",
    "email": "",  # not typed yet
    "reason": "Dolor de piernas al caminar",
}
SWITCH = {"switch_language": "1"}


@pytest.fixture
def at_details(client, demo_practice):
    """A patient who has chosen a time at Pasadena and reached the details step."""
    demo_schedule_load()
    slots = client.get("/book/pasadena/")
    choice = slots.context["groups"][0][2][0].value
    client.post("/book/pasadena/", {"slot": choice})
    return client


def test_the_details_typed_in_english_are_there_in_spanish(at_details):
    switched = at_details.post("/es/book/pasadena/details/", {**TYPED, **SWITCH})
    assert switched.status_code == 303
    assert switched.headers["Location"] == "/es/book/pasadena/details/"

    page = at_details.get("/es/book/pasadena/details/")
    assert page.status_code == 200
    assert '<html lang="es">' in page.text
    assert 'value="Rosa"' in page.text and 'value="Delgado"' in page.text
    assert 'value="04/02/1951"' in page.text
    assert "Dolor de piernas al caminar" in page.text
    # Nothing is judged yet: the patient has not asked to go on.
    assert "Error:" not in page.text and "error-summary" not in page.text
    # Shown once: a later visit (the next person at a shared computer) finds it empty.
    assert 'value="Rosa"' not in at_details.get("/es/book/pasadena/details/").text


def test_after_switching_the_patient_books_as_usual(at_details):
    at_details.post("/es/book/pasadena/details/", {**TYPED, **SWITCH})
    at_details.get("/es/book/pasadena/details/")
    sent = at_details.post("/es/book/pasadena/details/", {**TYPED, "email": "rosa@example.com"})
    assert sent.headers["Location"] == "/es/book/pasadena/review/"
    at_details.post("/es/book/pasadena/review/")
    assert Appointment.objects.get().patient.preferred_language == "es"


def test_switching_books_nothing_and_stores_nothing_but_the_fields(at_details):
    hostile = {
        **TYPED,
        **SWITCH,
        "given_name": "R" * 100_000,
        "family_name": ["Delgado"] * 40,
        "is_staff": "1",
        "csrfmiddlewaretoken": "x",
    }
    assert at_details.post("/es/book/pasadena/details/", hostile).status_code == 303
    kept = at_details.session["typed:booking_details"]
    assert "is_staff" not in kept and "csrfmiddlewaretoken" not in kept
    assert set(kept) <= set(DetailsForm.base_fields)
    assert kept["given_name"] == ["R" * 80]  # cut at the field's length
    assert kept["family_name"] == ["Delgado"]  # one value for a field of one
    assert Appointment.objects.count() == 0
    # The review step still needs the details sent for real.
    assert at_details.get("/es/book/pasadena/review/").headers["Location"] == ("/es/book/pasadena/")


def test_an_unticked_box_stays_unticked_after_the_switch(at_details):
    at_details.post("/book/pasadena/details/", {**TYPED, "email": "r@example.com",
                                                "consent_email": "on"})  # fmt: skip
    # Back on the details step, the patient unticks the box, then switches.
    at_details.post("/es/book/pasadena/details/", {**TYPED, **SWITCH})
    page = at_details.get("/es/book/pasadena/details/")
    assert page.context["form"]["consent_email"].value() is False
    assert page.context["form"]["given_name"].value() == "Rosa"


def test_the_header_switch_is_a_button_of_the_form_on_the_details_page(at_details):
    page = at_details.get("/book/pasadena/details/").text
    assert 'form="details-form" formaction="/es/book/pasadena/details/"' in page
    assert '<form id="details-form"' in page
    # Other pages keep the plain link.
    assert (
        'class="lang-switch" href="/es/mild-procedure/"' in at_details.get("/mild-procedure/").text
    )


def test_the_call_back_form_keeps_what_was_typed(client, demo_practice):
    pasadena = str(Location.objects.get(slug="pasadena").pk)
    typed = {"name": "María José", "phone": "(626) 555-0123",
             "preferred_location": pasadena, "consent_to_contact": "on"}  # fmt: skip
    switched = client.post("/es/consultation/", {**typed, **SWITCH})
    assert switched.headers["Location"] == "/es/consultation/"
    page = client.get("/es/consultation/")
    form = page.context["form"]
    assert form["name"].value() == "María José"
    assert str(form["preferred_location"].value()) == pasadena
    assert form["consent_to_contact"].value() is True
    assert ConsultationRequest.objects.count() == 0  # nothing sent yet


def test_a_switch_from_a_page_showing_errors_keeps_the_values_and_drops_the_errors(
    client, demo_practice
):
    refused = client.post("/consultation/", {"name": "María José", "phone": "12"})
    assert refused.status_code == 200 and refused.context["form"].errors
    client.post("/es/consultation/", {"name": "María José", "phone": "12", **SWITCH})
    page = client.get("/es/consultation/")
    assert page.context["form"]["name"].value() == "María José"
    assert page.context["form"]["phone"].value() == "12"
    assert not page.context["form"].errors and "error-summary" not in page.text
