"""The front desk's day: the calendar grid, moving a visit to any time, doctor or place,
cancelling with a reason, and blocking time."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from functools import partial

import pytest

from mildpath.audit.models import AuditEvent
from mildpath.core import clock
from mildpath.demo.loader import demo_schedule_load
from mildpath.patients.models import Patient
from mildpath.patients.services import PatientDetails
from mildpath.practice.models import Location, Practitioner
from mildpath.scheduling.availability import HoursChange, available_slots
from mildpath.scheduling.errors import HoursChangeClashes
from mildpath.scheduling.models import Appointment, AppointmentType, ScheduleOverride
from mildpath.scheduling.services.booking import appointment_book
from mildpath.scheduling.services.overrides import schedule_override_add
from tests.helpers import TEST_ACTOR

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]
# Time stands at tests.helpers.NOW, Tuesday 24 November 2026, 9 a.m. in California.
WEDNESDAY_9AM = datetime(2026, 12, 2, 17, 0, tzinfo=UTC)  # Okafor's day at Pasadena


@pytest.fixture
def booked(demo_practice):
    demo_schedule_load()
    kind = AppointmentType.objects.get(location__slug="pasadena", kind="consultation")
    return appointment_book(
        actor=TEST_ACTOR,
        appointment_type=kind,
        start=WEDNESDAY_9AM,
        patient=PatientDetails(
            "Harold", "Jenkins", date(1946, 9, 23), "+16265550122", "h@example.com", "en"
        ),
        now=clock.now(),
        email_ok=True,
    )


def _columns(html: str) -> list[str]:
    head = html.split("<thead>", 1)[1].split("</thead>", 1)[0]
    return re.findall(r'<th scope="col">([^<]*)', head)[1:]


# The grid


def test_the_day_is_a_grid_with_a_column_per_doctor_and_the_visit_as_a_block(
    client, booked, make_staff, sign_in
):
    sign_in(make_staff("front_desk", ("pasadena",)))
    day = client.get("/staff/calendar/", {"location": "pasadena", "date": "2026-12-02"})
    assert _columns(day.text) == ["Samuel Okafor, DO"]  # the one doctor at Pasadena that day
    # 9:00 to 9:45 is three quarter hours: one block spanning three rows, linking to the visit.
    block = re.search(r'<td rowspan="(\d+)" class="cal-block">(.*?)</td>', day.text, re.S)
    assert block is not None and block.group(1) == "3"
    assert f'href="/staff/calendar/appointments/{booked.pk}/"' in block.group(2)
    assert "Harold Jenkins" in block.group(2)
    assert '<input type="date" name="date" id="id_date" value="2026-12-02">' in day.text
    assert "date=2026-12-01" in day.text and "date=2026-12-03" in day.text  # previous, next
    # One location: no location picker to trip over.
    assert 'id="id_location"' not in day.text


def test_the_week_has_a_row_per_day_and_a_column_per_doctor(client, booked, make_staff, sign_in):
    sign_in(make_staff("front_desk", ("pasadena", "long-beach")))
    week = client.get(
        "/staff/calendar/", {"location": "pasadena", "date": "2026-12-02", "view": "week"}
    )
    assert _columns(week.text) == ["Elena Marquez, MD", "Samuel Okafor, DO"]
    rows = re.findall(
        r'<tr(?: class="cal-today")?><th scope="row"><a href="[^"]*date=(\S+?)[&"]', week.text
    )
    assert rows == [f"2026-11-{30}", *(f"2026-12-0{n}" for n in range(1, 7))]
    assert "Harold Jenkins" in week.text
    assert 'id="id_location"' in week.text  # two locations: a choice


def test_a_desk_never_sees_another_locations_visits(client, booked, make_staff, sign_in):
    sign_in(make_staff("front_desk", ("long-beach",)))
    for view in ("day", "week"):
        page = client.get(
            "/staff/calendar/", {"location": "pasadena", "date": "2026-12-02", "view": view}
        )
        assert page.context["location"].slug == "long-beach"
        assert "Harold Jenkins" not in page.text
    assert client.get(f"/staff/calendar/appointments/{booked.pk}/move/").status_code == 404
    assert client.get(f"/staff/calendar/appointments/{booked.pk}/cancel/").status_code == 404


# Moving


def test_staff_move_a_visit_to_another_doctor_and_location_past_the_first_week(
    client, booked, make_staff, sign_in, audit_log
):
    sign_in(make_staff("front_desk", ("pasadena", "santa-monica")))
    move = f"/staff/calendar/appointments/{booked.pk}/move/"
    first = client.get(move)
    assert first.context["doctor"] == booked.practitioner  # the same doctor unless changed
    assert "Later times" in first.text
    # Santa Monica, any doctor, the week after next: a page past the first times.
    later = client.get(move, {"location": "santa-monica", "doctor": "any", "from": "2026-12-08"})
    days = later.context["days"]
    assert days and days[0][0] >= date(2026, 12, 8)
    assert "from=2026-12-01" in later.text and "from=2026-12-15" in later.text  # both ways
    slot, value, who = days[0][1][0]
    chosen = Practitioner.objects.get(pk=int(value.split("|")[0]))
    assert who == chosen.display_name  # any doctor: each time names who it is with
    with audit_log.exactly_one(action="appointment.move", object_id=str(booked.pk)) as entry:
        done = client.post(
            f"{move}?location=santa-monica&doctor=any&from=2026-12-08", {"slot": value}
        )
    assert done.headers["Location"] == f"/staff/calendar/appointments/{booked.pk}/"
    booked.refresh_from_db()
    assert booked.location.slug == "santa-monica"
    assert booked.appointment_type.location.slug == "santa-monica"
    assert (booked.start, booked.practitioner) == (slot.start, chosen)
    assert entry["event"].detail["location"] == "santa-monica"
    assert chosen.display_name in client.get(done.headers["Location"]).text


def test_a_move_to_a_time_not_listed_changes_nothing(client, booked, make_staff, sign_in):
    sign_in(make_staff("front_desk", ("pasadena",)))
    move = f"/staff/calendar/appointments/{booked.pk}/move/"
    for hostile in ("", "x", f"{booked.practitioner_id}|2026-12-02T03:00:00+00:00", "1|" * 500):
        response = client.post(move, {"slot": hostile})
        assert response.status_code == 200
        assert "Please check your answers" in response.text
    booked.refresh_from_db()
    assert booked.start == WEDNESDAY_9AM
    # Another location's name in the query falls back to the user's own.
    assert client.get(move, {"location": "long-beach"}).context["location"].slug == "pasadena"


# Cancelling


def test_cancelling_asks_for_a_reason_and_a_confirmation(client, booked, make_staff, sign_in):
    sign_in(make_staff("front_desk", ("pasadena",)))
    page = f"/staff/calendar/appointments/{booked.pk}/cancel/"
    detail = client.get(f"/staff/calendar/appointments/{booked.pk}/")
    assert f'href="{page}"' in detail.text  # a link to the question, not a one-tap cancel
    asked = client.get(page)
    assert "Cancel this appointment?" in asked.text and "No, keep it" in asked.text
    # The old one-tap cancel is gone.
    client.post(f"/staff/calendar/appointments/{booked.pk}/change/", {"action": "cancel"})
    refused = client.post(page, {"reason": "   "})
    assert refused.status_code == 200
    assert "Reason for cancelling: Enter why the appointment is cancelled." in refused.text
    assert client.post(page, {"reason": "x" * 301}).status_code == 200
    booked.refresh_from_db()
    assert booked.status == "booked"
    client.post(page, {"reason": "The patient is in hospital"})
    booked.refresh_from_db()
    assert (booked.status, booked.cancel_reason) == ("cancelled", "The patient is in hospital")
    assert (
        "The patient is in hospital"
        in client.get(f"/staff/calendar/appointments/{booked.pk}/").text
    )


def test_a_clinician_cannot_cancel_or_move(client, booked, make_staff, sign_in):
    sign_in(make_staff("clinician", ("pasadena",)))
    for action in ("cancel", "move"):
        url = f"/staff/calendar/appointments/{booked.pk}/{action}/"
        assert client.get(url).status_code == 403
        assert client.post(url, {"reason": "no"}).status_code == 403


def test_the_appointment_page_leads_on_to_the_record_and_the_chart(
    client, booked, make_staff, sign_in
):
    page = f"/staff/calendar/appointments/{booked.pk}/"
    record, chart = (
        f"/staff/patients/{booked.patient_id}/",
        f"/staff/patients/{booked.patient_id}/chart/",
    )
    sign_in(make_staff("front_desk", ("pasadena",)))
    text = client.get(page).text
    assert f'href="{record}"' in text and f'href="{chart}"' not in text
    assert "September 23, 1946" in text and "English" in text  # to check who is calling
    sign_in(make_staff("clinician", ("pasadena",)))
    text = client.get(page).text
    assert f'href="{record}"' in text and f'href="{chart}"' in text


# Blocking time


def _block(client, **fields):
    data = {
        "location": "pasadena",
        "practitioner": str(Practitioner.objects.get(slug="samuel-okafor").pk),
        "first_day": "2026-12-02",
        "last_day": "",
        "kind": "off",
        "start": "",
        "end": "",
        "note": "Holiday",
        **fields,
    }
    return client.post("/staff/calendar/block/", data)


def test_a_manager_blocks_a_day_after_seeing_the_visits_in_it(
    client, booked, make_staff, sign_in, audit_log
):
    sign_in(make_staff("manager"))
    kind = booked.appointment_type
    warned = _block(client)
    assert warned.status_code == 200
    assert "1 booked visit falls in this time" in warned.text
    assert "Harold Jenkins" in warned.text
    assert not ScheduleOverride.objects.exists()
    with audit_log.exactly_one(action="schedule.block") as entry:
        done = _block(client, confirm="on")
    assert done.status_code == 302 and "date=2026-12-02" in done.headers["Location"]
    assert entry["event"].detail["note"] == "Holiday" and entry["event"].detail["hours"] is None
    change = ScheduleOverride.objects.get()
    assert (change.date, change.start, change.note) == (date(2026, 12, 2), None, "Holiday")
    free = available_slots(
        appointment_type=kind,
        first_day=date(2026, 12, 2),
        last_day=date(2026, 12, 2),
        now=clock.now(),
        practitioner_id=change.practitioner_id,
    )
    assert free == []  # nobody can book Okafor at Pasadena that day now
    booked.refresh_from_db()
    assert booked.status == "booked"  # not moved behind anyone's back
    day = client.get("/staff/calendar/", {"location": "pasadena", "date": "2026-12-02"})
    assert "Not working: Holiday" in day.text
    remove = f"/staff/calendar/block/{change.pk}/remove/"
    assert f'href="{remove}?back=calendar"' in day.text
    asked = client.get(remove, {"back": "calendar"})
    assert "Remove this change of hours?" in asked.text
    assert "patients can book those times online straight away" in asked.text
    client.post(remove, {"back": "calendar"})  # without the yes: still there
    assert ScheduleOverride.objects.exists()
    with audit_log.exactly_one(action="schedule.unblock"):
        removed = client.post(remove, {"back": "calendar", "confirm": "yes"})
    assert removed.headers["Location"] == "/staff/calendar/?location=pasadena&date=2026-12-02"
    assert not ScheduleOverride.objects.exists()


def test_the_change_itself_counts_the_visits_under_its_lock(booked, audit_log):
    # Whatever the page showed, a visit in the time when the change takes its lock
    # stops an unconfirmed change, and is counted in a confirmed one.
    day = date(2026, 12, 2)
    off = HoursChange(booked.practitioner, booked.location, day, day, start=None, end=None)
    change = partial(schedule_override_add, actor=TEST_ACTOR, now=clock.now(), change=off)
    with pytest.raises(HoursChangeClashes):
        change(note="Holiday", clashes_confirmed=False)
    assert not ScheduleOverride.objects.exists()
    assert not AuditEvent.objects.filter(action="schedule.block").exists()
    with audit_log.exactly_one(action="schedule.block") as entry:
        changed = change(note="Holiday", clashes_confirmed=True)
    assert changed.still_booked == 1 and len(changed.made) == 1
    assert entry["event"].detail["still_booked"] == [booked.pk]


def test_the_confirmation_says_how_many_visits_are_left_to_move(
    client, booked, make_staff, sign_in
):
    sign_in(make_staff("manager"))
    done = _block(client, confirm="on")
    calendar = client.get(done.headers["Location"])
    assert "1 visit(s) in that time are still booked: move them." in calendar.text


def test_an_extra_clinic_adds_hours_on_a_day_off(client, booked, make_staff, sign_in):
    sign_in(make_staff("manager"))
    saturday = date(2026, 12, 5)
    response = _block(
        client, first_day=saturday.isoformat(), kind="hours", start="09:00", end="12:00",
        note="Extra clinic",
    )  # fmt: skip
    assert response.status_code == 302
    free = available_slots(
        appointment_type=booked.appointment_type,
        first_day=saturday,
        last_day=saturday,
        now=clock.now(),
    )
    tz = booked.location.tz
    assert [s.start.astimezone(tz).strftime("%H:%M") for s in free][:2] == ["09:00", "09:15"]


def test_leave_over_several_days_is_one_change(client, booked, make_staff, sign_in, audit_log):
    sign_in(make_staff("manager"))
    with audit_log.exactly_one(action="schedule.block"):
        _block(client, first_day="2026-12-07", last_day="2026-12-11", note="Leave")
    assert ScheduleOverride.objects.count() == 5


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"first_day": ""}, "From (date): Enter the first date."),
        ({"first_day": "2026-11-01"}, "From (date): Choose today or a later date."),
        ({"first_day": "not a date"}, "From (date): Enter a date like 2026-12-24."),
        ({"last_day": "2026-12-01"}, "Until (date, included): Choose a date on or after"),
        ({"last_day": "2027-02-01"}, "Until (date, included): Change at most 31 days"),
        ({"kind": "hours"}, "Working from: Enter when the doctor starts that day."),
        ({"kind": "hours", "start": "13:00", "end": "09:00"}, "Working until: Choose a time after"),
        ({"kind": "sometimes"}, "What changes: Choose one of the two."),
        ({"practitioner": "999999"}, "Doctor: Choose one of the doctors listed."),
        ({"location": "nowhere"}, "Location: Choose one of the locations listed."),
        ({"note": "n" * 121}, "Note shown on the calendar: Keep it under 120 characters."),
    ],
)
def test_a_block_names_the_field_and_the_rule(client, booked, make_staff, sign_in, fields, message):
    sign_in(make_staff("manager"))
    response = _block(client, **fields)
    assert response.status_code == 200
    assert message in response.text.replace("&#x27;", "'")
    assert not ScheduleOverride.objects.exists()


def test_a_doctor_who_does_not_work_at_the_location_is_refused(client, booked, make_staff, sign_in):
    sign_in(make_staff("manager"))
    priya = Practitioner.objects.get(slug="priya-raman")  # Long Beach and Santa Monica
    response = _block(client, practitioner=str(priya.pk))
    assert "Priya Raman, MD does not work at Pasadena." in response.text
    assert not ScheduleOverride.objects.exists()


def test_the_front_desk_and_clinicians_cannot_block_time(client, booked, make_staff, sign_in):
    for role in ("front_desk", "clinician"):
        sign_in(make_staff(role, ("pasadena",)))
        assert client.get("/staff/calendar/block/").status_code == 403
        assert _block(client).status_code == 403
        page = client.get("/staff/calendar/", {"location": "pasadena", "date": "2026-12-02"})
        assert "/staff/calendar/block/" not in page.text
    assert not ScheduleOverride.objects.exists()


def test_a_scoped_manager_cannot_remove_another_locations_change(
    client, booked, make_staff, sign_in
):
    change = ScheduleOverride.objects.create(
        practitioner=Practitioner.objects.get(slug="priya-raman"),
        location=Location.objects.get(slug="long-beach"),
        date=date(2026, 12, 3),
        note="Leave",
    )
    # A made-up id is simply not found.
    sign_in(make_staff("manager"))
    assert client.post("/staff/calendar/block/999999/remove/").status_code == 404
    assert client.get("/staff/calendar/block/999999/remove/").status_code == 404
    assert ScheduleOverride.objects.filter(pk=change.pk).exists()


# Booking for a known patient


def test_book_for_this_patient_fills_in_their_details(client, booked, make_staff, sign_in):
    harold = Patient.objects.get(family_name="Jenkins")
    sign_in(make_staff("front_desk", ("pasadena",)))
    page = client.get("/staff/calendar/book/", {"patient": harold.pk})
    assert page.status_code == 200
    initial = page.context["form"].initial
    assert (initial["given_name"], initial["family_name"]) == ("Harold", "Jenkins")
    assert initial["date_of_birth"] == date(1946, 9, 23)
    assert f'name="patient" value="{harold.pk}"' in page.text
    assert client.get("/staff/calendar/book/", {"patient": "²"}).context["patient"] is None


def test_book_for_a_patient_of_another_location_is_not_found(client, booked, make_staff, sign_in):
    harold = Patient.objects.get(family_name="Jenkins")  # Pasadena
    sign_in(make_staff("front_desk", ("long-beach",)))
    assert client.get("/staff/calendar/book/", {"patient": harold.pk}).status_code == 404
    assert client.get("/staff/calendar/book/", {"patient": 10**12}).status_code == 404


def test_appointments_made_today_fit_the_grid_when_they_share_a_quarter_hour(
    client, booked, make_staff, sign_in
):
    kind = AppointmentType.objects.get(location__slug="pasadena", kind="follow_up")
    okafor = Practitioner.objects.get(slug="samuel-okafor")
    harold = Patient.objects.get(family_name="Jenkins")
    start = WEDNESDAY_9AM + timedelta(hours=2)  # 11:00, 20 minutes, then 11:20
    for n, patient in enumerate([harold, _patient("Iris", "Moreno")]):
        at = start + timedelta(minutes=20 * n)
        Appointment.objects.create(
            location=kind.location, practitioner=okafor, patient=patient,
            appointment_type=kind, start=at, end=at + timedelta(minutes=20),
            busy_start=at, busy_end=at + timedelta(minutes=20), created_at=clock.now(),
        )  # fmt: skip
    sign_in(make_staff("front_desk", ("pasadena",)))
    day = client.get("/staff/calendar/", {"location": "pasadena", "date": "2026-12-02"})
    shared = re.search(
        r'<td rowspan="(\d+)" class="cal-block">((?:(?!</td>).)*Iris Moreno.*?)</td>',
        day.text,
        re.S,
    )
    assert shared is not None and "Harold Jenkins" in shared.group(2)
    assert shared.group(1) == "3"  # 11:00 to 11:40


def _patient(given: str, family: str) -> Patient:
    patient = Patient.objects.create(
        given_name=given,
        family_name=family,
        date_of_birth=date(1949, 2, 2),
        phone="+16265550133",
        created_at=clock.now(),
    )
    patient.locations.add(Location.objects.get(slug="pasadena"))
    return patient
