"""The time step: days with free times first, then one day's times, morning and
afternoon, with any doctor or a chosen one; each time a button that continues."""

from __future__ import annotations

from datetime import date, time

import pytest

from mildpath.demo.loader import demo_schedule_load
from mildpath.practice.models import Location, Practitioner
from mildpath.scheduling.models import Appointment, WorkingHours
from mildpath.scheduling.slots import day_page

# Time stands at tests.helpers.NOW: Tuesday 24 November 2026, 9 a.m. in Los Angeles.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

URL = "/book/pasadena/"


@pytest.fixture
def schedule(demo_practice):
    demo_schedule_load()


def _days(response) -> list[date]:
    return [day for day, _ in response.context["days"]]


def _buttons(response):
    return [button for _, _, buttons in response.context["groups"] for button in buttons]


def test_the_next_seven_days_with_free_times_come_first(client, schedule):
    page = client.get(URL)
    # 24 hours' notice: from Wednesday; Pasadena opens Saturday mornings, never Sunday.
    assert [day.isoformat() for day in _days(page)] == [
        "2026-11-25",
        "2026-11-26",
        "2026-11-27",
        "2026-11-28",
        "2026-11-30",
        "2026-12-01",
        "2026-12-02",
    ]
    assert page.context["day"] == date(2026, 11, 25)  # the first is chosen
    assert 'aria-current="true"' in page.text
    assert "Later days" in page.text and "Earlier days" not in page.text


def test_later_days_follow_on_and_earlier_days_come_back(client, schedule):
    first = client.get(URL)
    later = client.get(URL + first.context["next_link"])
    assert _days(later)[0] == date(2026, 12, 3)  # the day after the last one shown
    back = client.get(URL + later.context["previous_link"])
    assert _days(back) == _days(first)


def test_a_chosen_day_shows_its_times_in_the_morning_and_the_afternoon(client, schedule):
    page = client.get(URL, {"day": "2026-11-28"})  # Saturday: 9 a.m. to 1 p.m.
    assert page.context["day"] == date(2026, 11, 28)
    (_, _, morning), (_, _, afternoon) = page.context["groups"]
    tz = Location.objects.get(slug="pasadena").tz
    local = [button.slot.start.astimezone(tz) for button in morning + afternoon]
    assert {moment.date() for moment in local} == {date(2026, 11, 28)}
    assert all(b.slot.start.astimezone(tz).time() < time(12) for b in morning)
    assert all(b.slot.start.astimezone(tz).time() >= time(12) for b in afternoon)
    assert local[0].time() == time(9) and local[-1].time() == time(12, 15)
    assert "Morning" in page.text and "Afternoon" in page.text


def test_with_any_doctor_each_time_names_the_doctor_it_is_with(client, schedule):
    # Tuesdays at Pasadena: Dr. Marquez in the morning, Dr. Okafor in the afternoon.
    pasadena = Location.objects.get(slug="pasadena")
    WorkingHours.objects.filter(location=pasadena, weekday=1).update(end=time(12))
    WorkingHours.objects.create(
        practitioner=Practitioner.objects.get(slug="samuel-okafor"),
        location=pasadena,
        weekday=1,
        start=time(12),
        end=time(17),
    )
    page = client.get(URL, {"day": "2026-12-01"})
    assert len({button.doctor for button in _buttons(page)}) == 2
    for button in _buttons(page):
        assert button.doctor.pk in button.slot.practitioner_ids
        assert button.value.startswith(f"{button.doctor.pk}|")
    doctor = _buttons(page)[0].doctor
    button = page.text.split('name="slot"', 2)[1]
    assert f"{doctor.given_name} {doctor.family_name}</span></button>" in button
    assert page.context["named"] is None


def test_a_day_with_one_doctor_free_names_them_once_not_on_every_time(client, schedule):
    page = client.get(URL, {"day": "2026-11-25"})  # Wednesday: Okafor alone
    okafor = Practitioner.objects.get(slug="samuel-okafor")
    assert {button.doctor for button in _buttons(page)} == {okafor}
    assert page.text.count(f"Times with {okafor.display_name}") == 1
    assert 'class="time-button__who"' not in page.text


def test_a_chosen_doctor_shows_only_their_days_and_times(client, schedule):
    marquez = Practitioner.objects.get(slug="elena-marquez")  # Pasadena Tuesday, Thursday
    page = client.get(URL, {"doctor": marquez.pk})
    assert page.context["doctor"] == marquez
    assert {day.weekday() for day in _days(page)} == {1, 3}
    assert {b.value.split("|")[0] for b in _buttons(page)} == {str(marquez.pk)}
    assert [f"doctor={marquez.pk}" in query for _, query in page.context["days"]] == [True] * 7


@pytest.mark.parametrize("doctor", ["priya-raman", "999999", "x", "1 OR 1=1", "-1"])
def test_another_locations_doctor_or_a_made_up_one_is_not_found(client, schedule, doctor):
    if doctor == "priya-raman":  # she works in Santa Monica and Long Beach only
        doctor = str(Practitioner.objects.get(slug=doctor).pk)
    assert client.get(URL, {"doctor": doctor}).status_code == 404


@pytest.mark.parametrize("day", ["", "yesterday", "2026-11-29", "1900-01-01", "9999-99-99"])
def test_a_day_not_on_the_page_shows_the_first_day(client, schedule, day):
    page = client.get(URL, {"day": day})  # 29 November is a Sunday
    assert page.status_code == 200
    assert page.context["day"] == date(2026, 11, 25)


def test_choosing_a_time_goes_on_to_the_details_with_its_doctor(client, schedule):
    page = client.get(URL, {"day": "2026-11-26"})
    chosen = _buttons(page)[0]
    response = client.post(URL + page.context["post_query"], {"slot": chosen.value})
    assert response.headers["Location"] == "/book/pasadena/details/"
    details = client.get("/book/pasadena/details/")
    assert chosen.doctor.display_name in details.text
    assert "Thursday, November 26" in details.text


def test_a_time_with_another_locations_doctor_is_refused(client, schedule):
    first = _buttons(client.get(URL))[0]
    raman = Practitioner.objects.get(slug="priya-raman")  # not at Pasadena
    refused = client.post(URL, {"slot": f"{raman.pk}|{first.slot.start.isoformat()}"})
    assert refused.status_code == 200
    assert "That time is no longer free" in refused.text
    assert "booking_draft" not in client.session


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"slot": ""},
        {"slot": "garbage"},
        {"slot": "1|not-a-date"},
        {"slot": "x" * 5000},
        {"slot": "|2026-11-25T17:00:00+00:00"},
        {"slot": "-2|2026-11-25T17:00:00+00:00"},
        {"slot": "2|2026-11-25T17:05:00+00:00"},
        {"earlier": "1"},
    ],
)
def test_a_hostile_time_is_refused_with_a_message_and_nothing_kept(client, schedule, body):
    response = client.post(URL, body)
    assert response.status_code == 200
    assert 'role="alert"' in response.text
    assert "booking_draft" not in client.session
    assert Appointment.objects.count() == 0


def test_asking_for_an_earlier_time_is_carried_to_the_review(client, schedule):
    page = client.get(URL)
    offer = client.get(URL + page.context["earlier_link"])
    assert offer.context["earlier"] is True
    assert 'name="earlier"' in offer.text
    assert "Do not offer me earlier times" in offer.text
    # Every link on the page keeps the choice.
    assert all("earlier=1" in query for _, query in offer.context["days"])
    chosen = _buttons(offer)[0]
    client.post(URL + offer.context["post_query"], {"slot": chosen.value, "earlier": "True"})
    assert client.session["booking_draft"]["earlier"] is True


def test_when_nothing_suits_the_patient_can_ask_for_a_call(client, schedule):
    page = client.get(URL)
    assert 'href="/consultation/?location=pasadena"' in page.text
    assert "earlier=1" in page.text


def test_the_page_offers_one_screen_not_a_wall_of_times(client, schedule):
    page = client.get(URL)
    # One day's times at a time: Wednesday, a 45-minute visit every 15 minutes from
    # 9 a.m. (24 hours' notice) until 4:15 p.m.
    assert len(_buttons(page)) == 30
    assert page.text.count('name="slot"') == 30


def test_a_page_of_days_steps_over_a_fully_booked_stretch():
    days = [date(2026, 12, 1), date(2026, 12, 2)]
    page = day_page(
        days, start=date(2026, 12, 1), size=7, searched_to=date(2026, 12, 28),
        latest=date(2027, 1, 22),
    )  # fmt: skip
    assert page.days == days
    assert page.previous_from is None
    assert page.next_from == date(2026, 12, 29)  # past the search, not the last day shown
    last = day_page(
        days, start=date(2026, 12, 1), size=7, searched_to=date(2027, 1, 22),
        latest=date(2027, 1, 22),
    )  # fmt: skip
    assert last.next_from is None


def test_the_previous_page_starts_a_full_page_back():
    days = [date(2026, 12, day) for day in range(1, 20)]
    page = day_page(
        days, start=date(2026, 12, 15), size=7, searched_to=date(2026, 12, 31),
        latest=date(2027, 1, 22),
    )  # fmt: skip
    assert page.days == days[14:19]
    assert page.previous_from == date(2026, 12, 8)
