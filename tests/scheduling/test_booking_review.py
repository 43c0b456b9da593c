"""The review page: everything back in the patient's language, each part with a way to
change it, and the earlier-time offer the patient asked for made with the booking."""

from __future__ import annotations

import re

import pytest

from mildpath.demo.loader import demo_schedule_load
from mildpath.scheduling.models import Appointment, WaitlistEntry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

DETAILS = {
    "given_name": "Rosa",
    "family_name": "Delgado",
    "date_of_birth": "04/05/1950",
    "phone": "626-555-0101",
    "email": "",
    "reason": "",
    "referring_physician": "",
    "consent_sms": "on",
}


@pytest.fixture
def schedule(demo_practice):
    demo_schedule_load()


def _to_review(client, prefix: str = "", earlier: bool = False) -> None:
    page = client.get(f"{prefix}/book/pasadena/")
    button = next(b for _, _, group in page.context["groups"] for b in group)
    body = {"slot": button.value, **({"earlier": "True"} if earlier else {})}
    client.post(f"{prefix}/book/pasadena/", body)
    assert client.post(f"{prefix}/book/pasadena/details/", DETAILS).status_code == 302


def test_the_review_reads_back_the_birth_date_in_words_and_the_phone_nationally(client, schedule):
    _to_review(client)
    page = client.get("/book/pasadena/review/").text
    assert "April 5, 1950" in page
    assert "(626) 555-0101" in page
    assert "Samuel Okafor, DO" in page  # the doctor of the chosen time
    assert "88 Orchard Grove Avenue" in page and "Pasadena, CA 91101" in page
    assert "Wednesday, November 25, 2026, 9 a.m." in page
    assert "By text message" in page


def test_the_review_in_spanish_writes_the_birth_date_the_spanish_way(client, schedule):
    _to_review(client, prefix="/es")
    page = client.get("/es/book/pasadena/review/")
    assert page.status_code == 200
    assert "5 de abril de 1950" in page.text
    assert "(626) 555-0101" in page.text


def test_each_part_of_the_review_has_a_change_link(client, schedule):
    _to_review(client)
    page = client.get("/book/pasadena/review/").text
    for target in ("#id_given_name", "#id_date_of_birth", "#id_phone", "#id_email"):
        assert f'href="/book/pasadena/details/{target}"' in page
    assert 'href="/book/pasadena/?from=2026-11-25&amp;day=2026-11-25"' in page
    assert 'href="/book/"' in page


def test_changing_the_details_shows_them_as_they_were_typed(client, schedule):
    _to_review(client)
    page = client.get("/book/pasadena/details/").text
    assert 'value="04/05/1950"' in page
    assert 'value="(626) 555-0101"' in page
    assert 'value="Rosa"' in page


def test_changing_the_time_keeps_the_details_and_comes_back_to_the_review(client, schedule):
    _to_review(client)
    page = client.get("/book/pasadena/", {"day": "2026-11-27"})
    button = next(b for _, _, group in page.context["groups"] for b in group)
    moved = client.post("/book/pasadena/" + page.context["post_query"], {"slot": button.value})
    assert moved.headers["Location"] == "/book/pasadena/review/"
    review = client.get("/book/pasadena/review/").text
    assert "Friday, November 27, 2026" in review
    assert "April 5, 1950" in review


def test_an_earlier_time_asked_for_puts_the_new_booking_on_the_waiting_list(
    client, schedule, audit_log
):
    _to_review(client, earlier=True)
    review = client.get("/book/pasadena/review/").text
    assert re.search(r'<input type="checkbox" name="earlier"[^>]* checked>', review)
    with audit_log.exactly_one(action="waitlist.join"):
        done = client.post("/book/pasadena/review/", {"earlier": "on"})
    assert done.headers["Location"] == "/book/booked/"
    entry = WaitlistEntry.objects.get()
    assert entry.appointment == Appointment.objects.get()
    assert entry.status == "waiting"


def test_unticking_the_earlier_time_books_without_the_waiting_list(client, schedule):
    _to_review(client, earlier=True)
    assert client.post("/book/pasadena/review/", {}).headers["Location"] == "/book/booked/"
    assert Appointment.objects.count() == 1
    assert WaitlistEntry.objects.count() == 0


def test_the_earlier_time_can_be_asked_for_on_the_review_alone(client, schedule):
    _to_review(client)
    review = client.get("/book/pasadena/review/").text
    assert re.search(r'<input type="checkbox" name="earlier"[^>]*id="id_earlier">', review)
    client.post("/book/pasadena/review/", {"earlier": "on"})
    assert WaitlistEntry.objects.filter(appointment=Appointment.objects.get()).exists()
