"""Dates and times on Spanish pages and texts read the way a Spanish speaker writes them:
the 12-hour clock the call-back form already speaks ("4:15 p.m.", "mediodía"), and the
weekday in lower case inside a sentence ("su cita del martes") but capitalised where it
starts a heading ("Martes, 1 de diciembre"). English stays as it was."""

from __future__ import annotations

import re
from datetime import date, time

import pytest
from django.utils import translation

from mildpath.demo.loader import demo_schedule_load
from mildpath.scheduling.models import OutboundMessage
from mildpath.site.templatetags.site_tags import day_heading, long_date

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

# Time stands at tests.helpers.NOW, Tuesday 24 November 2026: a week on is Tuesday 1 December.
TUESDAY = "2026-12-01"
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


def _text(html: str) -> str:
    """What a reader sees: tags dropped, white space as single spaces."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _choose_quarter_past_four(client, prefix: str) -> None:
    page = client.get(f"{prefix}/book/pasadena/", {"day": TUESDAY})
    button = next(
        b
        for _, _, group in page.context["groups"]
        for b in group
        if b.slot.start.astimezone(page.context["location"].tz).time() == time(16, 15)
    )
    client.post(f"{prefix}/book/pasadena/" + page.context["post_query"], {"slot": button.value})


def test_the_spanish_time_step_shows_the_day_as_a_heading_and_times_on_the_12_hour_clock(
    client, schedule
):
    page = client.get("/es/book/pasadena/", {"day": TUESDAY})
    assert page.status_code == 200
    assert re.search(r"<h2[^>]*>Martes, 1 de diciembre</h2>", page.text)
    shown = _text(page.text)
    assert "9 a.m." in shown
    assert "mediodía" in shown
    assert "4:15 p.m." in shown
    # Django's own Spanish clock, "16:15", is the one a reader misreads as 6 o'clock.
    assert "16:15" not in shown and "09:00" not in shown


def test_the_spanish_details_page_writes_the_weekday_in_lower_case_inside_the_sentence(
    client, schedule
):
    _choose_quarter_past_four(client, "/es")
    shown = _text(client.get("/es/book/pasadena/details/").text)
    assert "Su hora: martes, 1 de diciembre" in shown
    assert "4:15 p.m." in shown
    assert "Martes" not in shown
    # Written day first, as Spanish does, 05/03/1952 would be taken as May 3: the hint
    # says the month comes first, with an example that cannot be read the other way.
    assert "Primero el mes, luego el día y el año: 03/17/1952 es el 17 de marzo de 1952." in shown


def test_the_spanish_text_confirmation_writes_the_weekday_in_lower_case_and_the_time_in_p_m(
    client, schedule
):
    _choose_quarter_past_four(client, "/es")
    assert client.post("/es/book/pasadena/details/", DETAILS).status_code == 302
    assert client.post("/es/book/pasadena/review/", {}).status_code == 302
    text = OutboundMessage.objects.get(kind="confirmation", channel="sms")
    assert text.language == "es"
    assert "su cita está reservada: martes, 1 de diciembre, 4:15 p.m.," in text.body
    assert "16:15" not in text.body


def test_the_english_pages_keep_their_capitalised_weekday_and_clock(client, schedule):
    page = client.get("/book/pasadena/", {"day": TUESDAY})
    assert re.search(r"<h2[^>]*>Tuesday, December 1</h2>", page.text)
    assert "4:15 p.m." in _text(page.text)
    _choose_quarter_past_four(client, "")
    shown = _text(client.get("/book/pasadena/details/").text)
    assert "Your time: Tuesday, December 1 at 4:15 p.m." in shown


def _caption(page: str) -> str:
    found = re.search(r"<caption[^>]*>(.*?)</caption>", page, re.S)
    assert found, "the calendar has no caption"
    return _text(found.group(1))


def test_the_spanish_calendar_capitalises_a_day_only_where_it_starts_the_line(
    client, schedule, make_staff, sign_in
):
    sign_in(make_staff("front_desk", ("pasadena",)))
    week = client.get(
        "/es/staff/calendar/", {"location": "pasadena", "date": "2026-11-30", "view": "week"}
    )
    assert week.status_code == 200
    assert re.search(r'<th scope="row"><a [^>]*>Martes, 1 de diciembre</a></th>', week.text)
    # The translation starts the week's caption with "Del": the day follows in lower case.
    caption = _caption(week.text)
    assert caption.startswith("Del lunes, 30 de noviembre al domingo, 6 de diciembre de 2026:")
    day = client.get("/es/staff/calendar/", {"location": "pasadena", "date": TUESDAY})
    caption = _caption(day.text)
    assert caption.startswith("Martes, 1 de diciembre de 2026:")


def test_a_date_written_inside_a_sentence_keeps_the_weekday_in_lower_case_only_in_spanish():
    day = date(2026, 12, 1)
    with translation.override("es"):
        assert (long_date(day), day_heading(day)) == (
            "martes, 1 de diciembre de 2026",
            "martes, 1 de diciembre",
        )
    with translation.override("en"):
        assert (long_date(day), day_heading(day)) == (
            "Tuesday, December 1, 2026",
            "Tuesday, December 1",
        )
