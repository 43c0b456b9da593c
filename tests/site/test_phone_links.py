"""What a patient taps on a phone: the clinic's number dials with one tap and never breaks
across lines, a time of day keeps its "p.m." on its line, and a single tick box is a card
whose whole row takes the tap."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from mildpath.core import clock
from mildpath.demo.loader import demo_schedule_load
from mildpath.patients.services import PatientDetails
from mildpath.practice.models import Location
from mildpath.scheduling.models import AppointmentType
from mildpath.scheduling.services.booking import appointment_book
from tests.browser import assert_accessible, assert_reflows, tab_to
from tests.helpers import TEST_ACTOR

WEDNESDAY_9 = datetime(2026, 12, 2, 17, 0, tzinfo=UTC)  # 9 a.m. in Pasadena, a week ahead
PASADENA_LINK = '<a href="tel:+16265550160">(626) 555-0160</a>'
PHONE = {"width": 390, "height": 844}

DETAILS = {
    "given_name": "Rosa",
    "family_name": "Delgado",
    "date_of_birth": "04/02/1951",
    "phone": "(310) 555-0111",
    "email": "rosa@example.com",
    "reason": "",
    "referring_physician": "",
}


@pytest.fixture
def schedule(demo_practice):
    demo_schedule_load()


def _book_online(client, language: str = "en") -> str:
    """Book the first free time in Pasadena through the pages; the confirmation page."""
    prefix = "" if language == "en" else f"/{language}"
    slots = client.get(f"{prefix}/book/pasadena/")
    first = next(button.value for _, _, buttons in slots.context["groups"] for button in buttons)
    client.post(f"{prefix}/book/pasadena/", {"slot": first})
    client.post(f"{prefix}/book/pasadena/details/", DETAILS)
    client.post(f"{prefix}/book/pasadena/review/")
    return client.get(f"{prefix}/book/booked/").text


def _manage_page(client, language: str = "en") -> str:
    kind = AppointmentType.objects.get(location__slug="pasadena", kind="consultation")
    appointment = appointment_book(
        actor=TEST_ACTOR,
        appointment_type=kind,
        start=WEDNESDAY_9,
        patient=PatientDetails(
            "Rosa", "Delgado", date(1951, 4, 2), "+13105550111", "r@example.com", language
        ),
        now=clock.now(),
        email_ok=True,
    )
    body = appointment.messages.get(kind="confirmation").body
    return client.get(body.split("http://127.0.0.1:8000")[1].split()[0]).text


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen")
class TestTheClinicsNumber:
    def test_the_confirmation_page_dials_the_clinic_with_one_tap(self, client, schedule):
        page = _book_online(client)
        assert "Your appointment is booked" in page
        assert f"call us at {PASADENA_LINK}." in page

    def test_the_spanish_confirmation_page_dials_it_too(self, client, schedule):
        page = _book_online(client, "es")
        assert "Su cita está reservada" in page
        assert f"llámenos al {PASADENA_LINK}." in page

    def test_the_manage_page_dials_the_clinic_under_questions(self, client, schedule):
        page = _manage_page(client)
        assert f"Questions? Call us at {PASADENA_LINK}." in page

    def test_the_spanish_manage_page_dials_it_too(self, client, schedule):
        page = _manage_page(client, "es")
        assert f"¿Preguntas? Llámenos al {PASADENA_LINK}." in page

    @pytest.mark.parametrize("language", ["en", "es"])
    def test_a_page_about_one_visit_gives_one_number_to_call(self, client, schedule, language):
        """The header and footer say the clinic's number too, not the main line's."""
        for page in (_book_online(client, language), _manage_page(client, language)):
            assert "tel:+16265550160" in page.split("<main", 1)[0]  # the header
            assert "tel:+16265550160" in page.split("</main>", 1)[1]  # the footer
            assert "555-0100" not in page and "5550100" not in page
        # Elsewhere the practice's main line stays.
        assert "tel:+13105550100" in client.get("/").text

    def test_a_number_typed_with_markup_is_shown_as_text_and_still_dials(self, client, schedule):
        # Location phones are typed into the admin; a slip there must not become markup.
        # (Short enough for the column's 20 characters, which PostgreSQL enforces.)
        Location.objects.filter(slug="pasadena").update(phone='626"><b>x</b>')
        page = _manage_page(client)
        assert "<b>x</b>" not in page
        assert (
            'Questions? Call us at <a href="tel:626">626&quot;&gt;&lt;b&gt;x&lt;/b&gt;</a>.'
        ) in page

    def test_the_call_back_form_offers_the_practice_number_as_a_link(self, client, schedule):
        page = client.get("/consultation/").text
        assert 'Or call us yourself at <a href="tel:+13105550100">(310) 555-0100</a>.' in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "afternoon"),
    [
        ("en", "Afternoon (noon to 5\N{NO-BREAK SPACE}p.m.)"),
        ("es", "5\N{NO-BREAK SPACE}p.m.)"),
    ],
)
def test_a_time_of_day_keeps_its_am_or_pm_on_its_line(client, demo_practice, language, afternoon):
    prefix = "" if language == "en" else f"/{language}"
    assert afternoon in client.get(f"{prefix}/consultation/").text


@pytest.mark.browser
@pytest.mark.parametrize("language", ["en", "es"])
def test_a_single_tick_box_is_a_card_that_ticks_from_anywhere_on_it(page, language):
    page.set_viewport_size(PHONE)
    page.goto(("" if language == "en" else f"/{language}") + "/consultation/")
    card = page.locator("label[for=id_consent_to_contact]")
    box = page.locator("#id_consent_to_contact")
    words = card.locator("span")
    box_at, words_at = box.bounding_box(), words.bounding_box()
    line = page.evaluate(
        "(el) => parseFloat(getComputedStyle(el).lineHeight)", words.element_handle()
    )
    assert box_at["width"] >= 24 and box_at["height"] >= 24
    assert words_at["height"] > 1.5 * line  # at 390 px the label takes two lines...
    assert words_at["x"] >= box_at["x"] + box_at["width"]  # ...both beside the box
    first_line_middle = words_at["y"] + line / 2
    assert abs(box_at["y"] + box_at["height"] / 2 - first_line_middle) <= 2
    assert card.bounding_box()["height"] >= 44

    # The target is the whole card, not the 27 px box: its far end, then its corner.
    card.click(position={"x": card.bounding_box()["width"] - 12, "y": words_at["height"]})
    assert box.is_checked()
    card.click(position={"x": 12, "y": 12})
    assert not box.is_checked()

    # From the keyboard, the whole card shows the focus ring.
    tab_to(page, "#id_consent_to_contact")
    ring = page.evaluate(
        "(el) => getComputedStyle(el).outlineStyle + ' ' + getComputedStyle(el).boxShadow",
        card.element_handle(),
    )
    assert ring.startswith("solid ") and "rgb(255, 191, 71)" in ring
    assert_reflows(page)
    assert_accessible(page)
