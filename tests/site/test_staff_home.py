"""The staff home per role: the front desk's today, a clinician's day, the manager's week."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse

from mildpath.core import clock
from mildpath.demo.loader import demo_schedule_load
from mildpath.patients.models import Patient
from mildpath.practice.models import Location, Practitioner
from mildpath.scheduling.models import (
    Appointment,
    AppointmentType,
    ConsultationRequest,
    OutboundMessage,
    TextOptOut,
)
from tests.helpers import NOW

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]
# NOW is Tuesday 24 November 2026, 9 a.m. in California: "today" below.


def _visit(slug: str, doctor: str, given: str, family: str, hours: float, **extra) -> Appointment:
    location = Location.objects.get(slug=slug)
    patient = Patient.objects.create(
        given_name=given,
        family_name=family,
        date_of_birth=date(1950, 4, 5),
        phone=extra.pop("phone", f"+1626555{Patient.objects.count():04d}"),
        created_at=NOW,
    )
    patient.locations.add(location)
    start = NOW + timedelta(hours=hours)
    return Appointment.objects.create(
        location=location,
        practitioner=Practitioner.objects.get(slug=doctor),
        patient=patient,
        appointment_type=AppointmentType.objects.get(location=location, kind="follow_up"),
        start=start,
        end=start + timedelta(minutes=20),
        busy_start=start,
        busy_end=start + timedelta(minutes=20),
        created_at=extra.pop("created_at", NOW - timedelta(days=3)),
        **extra,
    )


@pytest.fixture
def day(demo_practice):
    """Today: two visits at Pasadena (Marquez's Tuesday there), one at Santa Monica
    (Raman's), one tomorrow."""
    demo_schedule_load()
    return {
        "harold": _visit("pasadena", "elena-marquez", "Harold", "Jenkins", 1),
        "iris": _visit("pasadena", "elena-marquez", "Iris", "Moreno", 2, status="arrived"),
        "rosa": _visit("santa-monica", "priya-raman", "Rosa", "Delgado", 3),
        "later": _visit("pasadena", "elena-marquez", "Ana", "Ruiz", 25),
    }


def test_the_front_desk_sees_today_at_its_locations_with_one_tap_marks(
    client, day, make_staff, sign_in
):
    sign_in(make_staff("front_desk", ("pasadena",)))
    home = client.get("/staff/")
    text = home.text
    assert "Harold Jenkins" in text and "Iris Moreno" in text
    assert "Rosa Delgado" not in text  # Santa Monica's
    assert "Ana Ruiz" not in text  # tomorrow's
    assert "10 a.m." in text  # Harold's time, on the location's clock
    assert "switched on soon" not in text
    assert "<strong>2</strong> visits today" in text
    harold, iris = day["harold"], day["iris"]
    change = f"/staff/calendar/appointments/{harold.pk}/change/"
    assert f'action="{change}"' in text
    # Booked: arrived or did not come; arrived: completed. One form per row.
    assert text.count('value="arrived"') == 1 and text.count('value="fulfilled"') == 1
    assert text.count('name="next" value="home"') == 2
    tapped = client.post(change, {"action": "arrived", "next": "home"})
    assert tapped.headers["Location"] == "/staff/"
    harold.refresh_from_db()
    assert harold.status == "arrived"
    assert "Harold Jenkins: arrived." in client.get("/staff/").text
    client.post(f"/staff/calendar/appointments/{iris.pk}/change/", {"action": "fulfilled"})
    iris.refresh_from_db()
    assert iris.status == "fulfilled"


def test_the_days_marks_follow_the_clock_and_can_be_undone(client, day, make_staff, sign_in):
    sign_in(make_staff("front_desk", ("pasadena",)))
    text = client.get("/staff/").text
    # Harold's visit is at 10, Iris's at 11 and it is 9: nobody has missed theirs yet.
    assert 'value="noshow"' not in text
    assert text.count('value="unmark"') == 1  # Iris, marked arrived
    change = f"/staff/calendar/appointments/{day['iris'].pk}/change/"
    client.post(change, {"action": "unmark", "next": "home"})
    day["iris"].refresh_from_db()
    assert day["iris"].status == "booked"
    assert 'value="unmark"' not in client.get("/staff/").text


def test_a_hostile_next_never_leaves_the_site(client, day, make_staff, sign_in):
    sign_in(make_staff("front_desk", ("pasadena",)))
    change = f"/staff/calendar/appointments/{day['harold'].pk}/change/"
    response = client.post(change, {"action": "arrived", "next": "https://evil.example/"})
    assert response.headers["Location"] == f"/staff/calendar/appointments/{day['harold'].pk}/"
    # Another location's visit cannot be marked from here either.
    other = f"/staff/calendar/appointments/{day['rosa'].pk}/change/"
    assert client.post(other, {"action": "arrived", "next": "home"}).status_code == 404
    day["rosa"].refresh_from_db()
    assert day["rosa"].status == "booked"


def test_the_front_desk_sees_call_backs_failed_messages_and_stopped_texts(
    client, day, make_staff, sign_in
):
    for n, hours in enumerate([30, 5, 1]):
        ConsultationRequest.objects.create(
            name=f"Caller {n}",
            phone="+16265550190",
            preferred_location=Location.objects.get(slug="pasadena"),
            best_time="any",
            consent_to_contact=True,
            created_at=NOW - timedelta(hours=hours),
        )
    for n in range(4):
        ConsultationRequest.objects.create(
            name=f"Elsewhere {n}",
            phone="+15625550190",
            preferred_location=Location.objects.get(slug="long-beach"),
            best_time="any",
            consent_to_contact=True,
            created_at=NOW,
        )
    OutboundMessage.objects.create(
        key="failed-1",
        kind="reminder",
        channel="sms",
        appointment=day["later"],
        to=day["later"].patient.phone,
        body="Reminder",
        send_after=NOW,
        status="failed",
        created_at=NOW,
    )
    TextOptOut.objects.create(phone=day["later"].patient.phone, stopped=True, changed_at=NOW)
    TextOptOut.objects.create(phone=day["rosa"].patient.phone, stopped=True, changed_at=NOW)
    sign_in(make_staff("front_desk", ("pasadena",)))
    text = client.get("/staff/").text
    assert "<strong>3</strong> call-backs waiting" in text
    assert text.index("Caller 0") < text.index("Caller 1")  # the oldest first
    assert "Elsewhere" not in text
    assert "<strong>1</strong> message failed" in text
    assert "<strong>1</strong> patient stopped texts" in text
    assert "Ana Ruiz" in text.split('id="stopped-title"')[1]
    assert "Rosa Delgado" not in text  # stopped texts, but Santa Monica's


def test_the_header_says_which_locations_the_user_covers(client, day, make_staff, sign_in):
    sign_in(make_staff("front_desk", ("pasadena", "long-beach")))
    assert "Pasadena · Long Beach" in client.get("/staff/").text
    sign_in(make_staff("manager"))
    assert "All locations" in client.get("/staff/").text


def test_a_clinicians_day_is_their_own_visits_across_locations(client, day, make_staff, sign_in):
    elena = make_staff("clinician", ("santa-monica", "pasadena"))
    # Linked by the administrator when the account was made; a name alone is no link.
    elena.first_name, elena.last_name = "Priya", "Raman"
    elena.save()
    elena.staff_profile.practitioner = Practitioner.objects.get(slug="elena-marquez")
    elena.staff_profile.save()
    _visit("santa-monica", "elena-marquez", "Mei", "Tanaka", 4)
    sign_in(elena)
    text = client.get("/staff/").text
    assert "My day" in text
    assert "Harold Jenkins" in text and "Mei Tanaka" in text  # both her locations
    assert "Rosa Delgado" not in text  # Raman's patient, though at her location
    assert 'value="arrived"' not in text  # clinicians look; the desk marks
    # Each of her visits opens its patient's chart in one step.
    mei = Patient.objects.get(family_name="Tanaka")
    assert f'href="{reverse("care:chart", args=[mei.pk])}"' in text


def test_the_front_desk_day_has_no_chart_links(client, day, make_staff, sign_in):
    sign_in(make_staff("front_desk", ("santa-monica",)))
    text = client.get("/staff/").text
    assert "Today's appointments" in text and "/chart/" not in text


def test_the_header_names_the_person_signed_in(client, day, make_staff, sign_in):
    user = make_staff("front_desk", ("pasadena",))
    user.first_name, user.last_name = "Dana", "Reyes"
    user.save()
    sign_in(user)
    text = client.get("/staff/").text
    assert '<p class="who">Dana Reyes' in text
    nameless = make_staff("front_desk", ("pasadena",))
    sign_in(nameless)
    assert f'<p class="who">{nameless.username}' in client.get("/staff/").text


def test_the_manager_sees_this_week_per_location(client, day, make_staff, sign_in):
    day["iris"].status = "fulfilled"
    day["iris"].save()
    _visit("pasadena", "elena-marquez", "Noah", "Gray", -2, status="noshow", created_at=NOW)
    pasadena = Location.objects.get(slug="pasadena")
    for n, status in enumerate(["booked", "new", "new", "booked"]):
        ConsultationRequest.objects.create(
            name=f"Caller {n}",
            phone="+16265550190",
            preferred_location=pasadena,
            best_time="any",
            consent_to_contact=True,
            created_at=NOW - timedelta(hours=n),
            status=status,
        )
    sign_in(make_staff("manager"))
    home = client.get("/staff/")
    weeks = {row.location.slug: row for row in home.context["dashboard"].week if row.location}
    row = weeks["pasadena"]
    assert (row.bookings, row.visits, row.no_shows) == (1, 1, 1)
    assert (row.call_backs, row.call_backs_booked, row.booked_share) == (4, 2, 50)
    assert "50% (2)" in home.text
    assert "the share now marked booked" in home.text  # the rate, defined on the page
    assert set(weeks) == {"santa-monica", "pasadena", "long-beach"}
    last_week = client.get("/staff/", {"week": "2026-11-17"}).context["dashboard"].week
    before = {row.location.slug: row for row in last_week if row.location}["pasadena"]
    # The fixture's visits were booked on Saturday 21 November; none was held then.
    assert (before.bookings, before.visits, before.call_backs) == (3, 0, 0)


def test_researchers_and_administrators_see_no_patients(client, day, make_staff, sign_in):
    for role in ("researcher", "administrator"):
        sign_in(make_staff(role))
        text = client.get("/staff/").text
        assert "Harold Jenkins" not in text and "visits today" not in text
    # Blocking time is the practice manager's, from the calendar.
    assert "/staff/calendar/block/" not in text


def test_today_follows_the_clock(client, day, make_staff, sign_in, frozen):
    frozen.move_to(NOW + timedelta(days=1))
    sign_in(make_staff("front_desk", ("pasadena",)))
    text = client.get("/staff/").text
    assert "Ana Ruiz" in text and "Harold Jenkins" not in text
    assert clock.now() == NOW + timedelta(days=1)
