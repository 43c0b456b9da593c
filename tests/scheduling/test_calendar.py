"""The front desk's calendar and what they can do with an appointment."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from html import unescape

import pytest

from mildpath.audit.models import AuditEvent
from mildpath.core import clock
from mildpath.demo.loader import demo_schedule_load
from mildpath.patients.services import PatientDetails
from mildpath.scheduling.models import (
    Appointment,
    AppointmentType,
    OutboundMessage,
    WaitlistEntry,
)
from mildpath.scheduling.services.booking import appointment_book
from mildpath.scheduling.services.changes import appointment_mark, appointment_unmark
from tests.helpers import TEST_ACTOR

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]
# Time stands at tests.helpers.NOW, Tuesday 24 November 2026: the days below follow it.
WEDNESDAY_9AM = datetime(2026, 12, 2, 17, 0, tzinfo=UTC)


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


def test_the_day_view_lists_the_locations_appointments(
    client, booked, make_staff, sign_in, audit_log
):
    sign_in(make_staff("front_desk", ("pasadena",)))
    with audit_log.exactly_one(
        action="appointment.list",
        detail={"location": "pasadena", "count": 1, "patients": [booked.patient_id]},
    ):
        day = client.get("/staff/calendar/", {"location": "pasadena", "date": "2026-12-02"})
    assert day.status_code == 200
    assert "Harold Jenkins" in day.text
    assert "9 a.m." in day.text
    page = client.get(f"/staff/calendar/appointments/{booked.pk}/")
    assert 'href="tel:+16265550122"' in page.text  # to call about a late arrival
    week = client.get(
        "/staff/calendar/", {"location": "pasadena", "date": "2026-11-30", "view": "week"}
    )
    assert "Harold Jenkins" in week.text
    other_day = client.get("/staff/calendar/", {"location": "pasadena", "date": "2026-12-03"})
    assert "Harold Jenkins" not in other_day.text


def test_the_calendar_shows_one_doctors_day(client, booked, make_staff, sign_in):
    sign_in(make_staff("front_desk", ("pasadena",)))
    query = {"location": "pasadena", "date": "2026-12-02", "view": "week"}
    everyone = client.get("/staff/calendar/", query)
    doctors = everyone.context["doctors"]
    assert booked.practitioner in doctors and len(doctors) >= 2
    theirs = client.get("/staff/calendar/", {**query, "doctor": booked.practitioner_id})
    assert "Harold Jenkins" in theirs.text
    assert f"doctor={booked.practitioner_id}" in theirs.text  # kept by the day links
    other = next(d for d in doctors if d != booked.practitioner)
    assert (
        "Harold Jenkins" not in client.get("/staff/calendar/", {**query, "doctor": other.pk}).text
    )


def _book_links(page) -> list[str]:
    listed = page.text.split('class="cal-book-list"')
    if len(listed) == 1:
        return []
    return [unescape(link) for link in re.findall(r'href="([^"]+)"', listed[1].split("</p>")[0])]


def test_a_doctors_free_times_book_a_caller_with_them_from_the_day_shown(
    client, booked, make_staff, sign_in
):
    """The caller asks for Wednesday with Dr. X: one link from the calendar's day."""
    sign_in(make_staff("front_desk", ("pasadena",)))
    day = client.get("/staff/calendar/", {"location": "pasadena", "date": "2026-12-02"})
    doctor = booked.practitioner
    wanted = f"/staff/calendar/book/?location=pasadena&from=2026-12-02&doctor={doctor.pk}"
    links = _book_links(day)
    assert wanted in links and len(links) == len(day.context["columns"])  # one per doctor
    assert "(their free times from Wednesday, December 2 on)" in day.text
    booking = client.get(wanted)
    assert booking.context["doctor"] == doctor
    assert booking.context["first"] == date(2026, 12, 2)
    named = {name for _, times in booking.context["days"] for _, _, name in times}
    assert named == {doctor.display_name}
    # "Book for a caller" over one doctor's day keeps the day and the doctor too.
    theirs = client.get(
        "/staff/calendar/", {"location": "pasadena", "date": "2026-12-02", "doctor": doctor.pk}
    ).text
    assert f'?location=pasadena&amp;from=2026-12-02&amp;doctor={doctor.pk}">Book for' in theirs
    # The week's links start today (booking starts no earlier); a past day has none.
    week = client.get(
        "/staff/calendar/", {"location": "pasadena", "date": "2026-11-23", "view": "week"}
    )
    assert f"/staff/calendar/book/?location=pasadena&from=2026-11-24&doctor={doctor.pk}" in (
        _book_links(week)
    )
    past = client.get("/staff/calendar/", {"location": "pasadena", "date": "2026-11-23"})
    assert _book_links(past) == []
    # A clinician looks; only the desk books.
    sign_in(make_staff("clinician", ("pasadena",)))
    mine = client.get("/staff/calendar/", {"location": "pasadena", "date": "2026-12-02"})
    assert _book_links(mine) == []


def test_a_doctor_who_sees_only_follow_ups_gets_their_own_free_times(
    client, booked, make_staff, sign_in
):
    """No visit is named from the calendar: the kind is one the doctor sees, so the
    page does not fall back to every doctor's times under one doctor's name."""
    doctor = booked.practitioner
    consultation = AppointmentType.objects.get(location__slug="pasadena", kind="consultation")
    consultation.practitioners.remove(doctor)
    sign_in(make_staff("front_desk", ("pasadena",)))
    page = client.get(
        "/staff/calendar/book/", {"location": "pasadena", "from": "2026-12-02", "doctor": doctor.pk}
    )
    assert page.context["doctor"] == doctor
    assert page.context["kind"] != consultation
    for hostile in ("9" * 30, "-1", "1e3", "²"):
        refused = client.get("/staff/calendar/book/", {"location": "pasadena", "doctor": hostile})
        assert refused.status_code == 200 and refused.context["doctor"] is None


def test_staff_of_another_location_cannot_see_the_appointment(client, booked, make_staff, sign_in):
    sign_in(make_staff("front_desk", ("long-beach",)))
    day = client.get("/staff/calendar/", {"location": "pasadena", "date": "2026-12-02"})
    assert "Harold Jenkins" not in day.text  # shows their own location instead
    assert client.get(f"/staff/calendar/appointments/{booked.pk}/").status_code == 404


def test_arrived_then_completed(client, booked, make_staff, sign_in, audit_log, frozen):
    frozen.move_to(WEDNESDAY_9AM - timedelta(minutes=10))  # the patient is at the desk
    sign_in(make_staff("front_desk", ("pasadena",)))
    url = f"/staff/calendar/appointments/{booked.pk}/change/"
    with audit_log.exactly_one(action="appointment.mark", detail={"status": ["booked", "arrived"]}):
        client.post(url, {"action": "arrived"})
    client.post(url, {"action": "fulfilled"})
    booked.refresh_from_db()
    assert booked.status == "fulfilled"
    refused = client.post(url, {"action": "noshow"}, follow=True)
    assert "That change is not possible" in refused.text


def test_next_weeks_visit_cannot_be_marked_arrived_or_missed(client, booked, make_staff, sign_in):
    sign_in(make_staff("front_desk", ("pasadena",)))
    page = f"/staff/calendar/appointments/{booked.pk}/"
    text = client.get(page).text
    assert 'value="arrived"' not in text and 'value="noshow"' not in text
    for action, said in [
        ("arrived", "“Arrived” can be marked from the day of the visit until a day after it."),
        ("noshow", "“Did not come” can be marked once the visit&#x27;s time has begun."),
    ]:
        refused = client.post(f"{page}change/", {"action": action}, follow=True)
        assert said in refused.text
    booked.refresh_from_db()
    assert booked.status == "booked"
    assert not AuditEvent.objects.filter(action="appointment.mark").exists()


def test_did_not_come_only_once_the_time_has_begun(client, booked, make_staff, sign_in, frozen):
    frozen.move_to(WEDNESDAY_9AM - timedelta(minutes=10))
    user = make_staff("front_desk", ("pasadena",))
    sign_in(user)
    page = f"/staff/calendar/appointments/{booked.pk}/"
    text = client.get(page).text
    assert 'value="arrived"' in text and 'value="noshow"' not in text
    frozen.move_to(WEDNESDAY_9AM + timedelta(minutes=20))
    sign_in(user)
    assert 'value="noshow"' in client.get(page).text
    client.post(f"{page}change/", {"action": "noshow"})
    booked.refresh_from_db()
    assert booked.status == "noshow"


def test_a_mark_is_undone_back_to_booked_until_a_day_after(
    client, booked, make_staff, sign_in, frozen, audit_log
):
    frozen.move_to(WEDNESDAY_9AM - timedelta(minutes=10))
    user = make_staff("front_desk", ("pasadena",))
    sign_in(user)
    page = f"/staff/calendar/appointments/{booked.pk}/"
    client.post(f"{page}change/", {"action": "arrived"})
    assert "Undo: back to booked" in client.get(page).text
    with audit_log.exactly_one(
        action="appointment.unmark", detail={"status": ["arrived", "booked"]}
    ):
        undone = client.post(f"{page}change/", {"action": "unmark"}, follow=True)
    assert "Harold Jenkins: back to booked." in undone.text
    booked.refresh_from_db()
    assert booked.status == "booked"
    # A second press finds nothing to undo.
    again = client.post(f"{page}change/", {"action": "unmark"}, follow=True)
    assert "That change is not possible" in again.text

    frozen.move_to(WEDNESDAY_9AM + timedelta(hours=2))
    sign_in(user)
    client.post(f"{page}change/", {"action": "noshow"})
    frozen.move_to(booked.end + timedelta(days=1, minutes=1))
    sign_in(user)
    assert "Undo: back to booked" not in client.get(page).text
    client.post(f"{page}change/", {"action": "unmark"})
    booked.refresh_from_db()
    assert booked.status == "noshow"


def test_a_no_show_undone_the_next_morning_can_still_be_completed(
    client, booked, make_staff, sign_in, frozen
):
    user = make_staff("front_desk", ("pasadena",))
    page = f"/staff/calendar/appointments/{booked.pk}/"
    frozen.move_to(WEDNESDAY_9AM + timedelta(hours=1))
    sign_in(user)
    client.post(f"{page}change/", {"action": "noshow"})
    frozen.move_to(WEDNESDAY_9AM + timedelta(hours=23))  # 8 a.m. the next day
    sign_in(user)
    for action in ("unmark", "arrived", "fulfilled"):  # the patient came after all
        client.post(f"{page}change/", {"action": action})
    booked.refresh_from_db()
    assert booked.status == "fulfilled"


def test_undoing_a_mark_writes_the_reminders_still_ahead_again(demo_practice, settings, frozen):
    settings.MILDPATH_REMINDER_HOURS = [2]
    demo_schedule_load()
    kind = AppointmentType.objects.get(location__slug="pasadena", kind="consultation")
    visit = appointment_book(
        actor=TEST_ACTOR, appointment_type=kind, start=WEDNESDAY_9AM,
        patient=PatientDetails("Ana", "Ruiz", date(1955, 6, 1), "+16265550177",
                               "ana@example.com", "es"),
        now=clock.now(), email_ok=True,
    )  # fmt: skip
    reminders = OutboundMessage.objects.filter(appointment=visit, kind="reminder")
    assert reminders.filter(status="pending").count() == 1  # at 7 a.m. on the day
    frozen.move_to(WEDNESDAY_9AM - timedelta(hours=5))  # 4 a.m. on the day: marked by mistake
    appointment_mark(actor=TEST_ACTOR, appointment=visit, status="arrived", now=clock.now())
    assert not reminders.filter(status="pending").exists()
    appointment_unmark(actor=TEST_ACTOR, appointment=visit, now=clock.now())
    (again,) = reminders.filter(status="pending")
    assert again.send_after == WEDNESDAY_9AM - timedelta(hours=2)


def test_the_front_desk_sees_which_messages_went_out_and_why_one_failed(
    client, booked, make_staff, sign_in
):
    reminder = booked.messages.filter(kind="reminder").first()
    OutboundMessage.objects.filter(pk=reminder.pk).update(
        status="failed", error="Twilio error 21211: The 'To' number is not valid."
    )
    sign_in(make_staff("front_desk", ("pasadena",)))
    page = client.get(f"/staff/calendar/appointments/{booked.pk}/").text
    assert "Messages to the patient" in page
    assert "Confirmation" in page and "Waiting" in page
    assert "Failed: Twilio error 21211: The &#x27;To&#x27; number is not valid." in page


def test_cancelling_withdraws_the_reminders(client, booked, make_staff, sign_in):
    sign_in(make_staff("front_desk", ("pasadena",)))
    client.post(f"/staff/calendar/appointments/{booked.pk}/cancel/", {"reason": "Patient asked"})
    booked.refresh_from_db()
    assert booked.status == "cancelled"
    assert not booked.messages.filter(kind="reminder", status="pending").exists()


def test_a_cancellation_made_by_mistake_is_undone_with_fresh_reminders(
    client, booked, make_staff, sign_in, audit_log
):
    sign_in(make_staff("front_desk", ("pasadena",)))
    change = f"/staff/calendar/appointments/{booked.pk}/change/"
    cancelled = client.post(
        f"/staff/calendar/appointments/{booked.pk}/cancel/", {"reason": "Unwell"}, follow=True
    )
    assert "undo it below" in cancelled.text
    assert "Undo the cancellation" in cancelled.text
    with audit_log.exactly_one(action="appointment.restore", object_id=str(booked.pk)):
        undone = client.post(change, {"action": "restore"})
    assert Appointment.objects.get(pk=booked.pk).status == "booked"
    assert "booked again" in client.get(undone["Location"]).text
    booked.refresh_from_db()
    assert (booked.status, booked.cancelled_at) == ("booked", None)
    pending = booked.messages.filter(kind="reminder", status="pending")
    assert pending.count() == 2 and all(m.for_start == WEDNESDAY_9AM for m in pending)
    assert booked.messages.filter(kind="confirmation").count() == 2


def test_a_cancellation_stays_when_someone_else_took_the_time(client, booked, make_staff, sign_in):
    sign_in(make_staff("front_desk", ("pasadena",)))
    change = f"/staff/calendar/appointments/{booked.pk}/change/"
    client.post(change.replace("/change/", "/cancel/"), {"reason": "Patient asked"})
    appointment_book(
        actor=TEST_ACTOR,
        appointment_type=booked.appointment_type,
        start=WEDNESDAY_9AM,
        practitioner_id=booked.practitioner_id,
        patient=PatientDetails("Iris", "Moreno", date(1949, 2, 2), "+16265550133", "", "es"),
        now=clock.now(),
    )
    refused = client.post(change, {"action": "restore"}, follow=True)
    assert "Someone else has that time now" in refused.text
    booked.refresh_from_db()
    assert booked.status == "cancelled"


def test_undoing_takes_back_the_time_offered_to_the_waiting_list(
    client, booked, make_staff, sign_in
):
    later = appointment_book(
        actor=TEST_ACTOR,
        appointment_type=booked.appointment_type,
        start=datetime(2026, 12, 9, 17, 0, tzinfo=UTC),
        practitioner_id=booked.practitioner_id,
        patient=PatientDetails("Iris", "Moreno", date(1949, 2, 2), "+16265550133", "i@x.org", "es"),
        now=clock.now(),
    )
    entry = WaitlistEntry.objects.create(appointment=later, created_at=clock.now())
    sign_in(make_staff("front_desk", ("pasadena",)))
    change = f"/staff/calendar/appointments/{booked.pk}/change/"
    client.post(change.replace("/change/", "/cancel/"), {"reason": "Patient asked"})
    entry.refresh_from_db()
    assert entry.status == "offered"
    client.post(change, {"action": "restore"})
    entry.refresh_from_db()
    assert (entry.status, entry.offered_start) == ("waiting", None)
    # Cancelled again: the same patient is offered the same time again, by a new message.
    client.post(change.replace("/change/", "/cancel/"), {"reason": "Patient asked"})
    entry.refresh_from_db()
    assert entry.status == "offered"
    assert later.messages.filter(kind="offer").count() == 2


def test_a_visit_moved_away_and_back_gets_its_reminders(client, booked, make_staff, sign_in):
    sign_in(make_staff("front_desk", ("pasadena",)))
    move = f"/staff/calendar/appointments/{booked.pk}/move/"
    page = client.get(move)
    away = page.context["days"][0][1][4][1]
    client.post(move, {"slot": away})
    back = f"{booked.practitioner_id}|{WEDNESDAY_9AM.isoformat()}"
    client.post(f"{move}?from=2026-12-02", {"slot": back})
    booked.refresh_from_db()
    pending = booked.messages.filter(kind="reminder", status="pending")
    assert booked.start == WEDNESDAY_9AM
    assert pending.count() == 2 and all(m.for_start == WEDNESDAY_9AM for m in pending)


def test_moving_rewrites_the_reminders_and_tells_the_patient(
    client, booked, make_staff, sign_in, audit_log
):
    sign_in(make_staff("front_desk", ("pasadena",)))
    move = f"/staff/calendar/appointments/{booked.pk}/move/?from=2026-12-02"
    slot, value, _ = client.get(move).context["days"][0][1][4]
    new_start = slot.start
    with audit_log.exactly_one(action="appointment.move", object_id=str(booked.pk)):
        client.post(move, {"slot": value})
    booked.refresh_from_db()
    assert booked.start == new_start
    pending = booked.messages.filter(kind="reminder", status="pending")
    assert pending.count() == 2
    assert all(m.for_start == new_start for m in pending)
    assert booked.messages.filter(
        kind="confirmation", subject="Your appointment has a new time"
    ).exists()
    assert OutboundMessage.objects.filter(kind="reminder", status="cancelled").count() == 2


def test_moving_onto_a_taken_time_changes_nothing(client, booked, make_staff, sign_in):
    kind = booked.appointment_type
    other = appointment_book(
        actor=TEST_ACTOR,
        appointment_type=kind,
        start=datetime(2026, 12, 2, 19, 0, tzinfo=UTC),
        patient=PatientDetails("Ana", "Ruiz", date(1955, 6, 1), "+16265550177", "", "es"),
        now=clock.now(),
    )
    sign_in(make_staff("front_desk", ("pasadena",)))
    response = client.post(
        f"/staff/calendar/appointments/{booked.pk}/move/?from=2026-12-02",
        {"slot": f"{booked.practitioner_id}|{other.start.isoformat()}"},
        follow=True,
    )
    assert "That time is no longer free" in response.text
    booked.refresh_from_db()
    assert booked.start == WEDNESDAY_9AM and booked.status == "booked"
    assert Appointment.objects.filter(status="booked").count() == 2


def test_a_clinician_sees_but_does_not_change(client, booked, make_staff, sign_in):
    sign_in(make_staff("clinician", ("pasadena",)))
    page = client.get(f"/staff/calendar/appointments/{booked.pk}/")
    assert page.status_code == 200
    assert "Arrived" not in page.text
    assert (
        client.post(
            f"/staff/calendar/appointments/{booked.pk}/change/", {"action": "cancel"}
        ).status_code
        == 403
    )


def test_front_desk_books_a_caller_from_their_call_back_request(
    client, demo_practice, make_staff, sign_in
):
    from mildpath.practice.models import Location
    from mildpath.scheduling.models import ConsultationRequest

    demo_schedule_load()
    consultation = ConsultationRequest.objects.create(
        name="Mei Tanaka",
        phone="+15625550133",
        preferred_location=Location.objects.get(slug="long-beach"),
        best_time="any",
        consent_to_contact=True,
        language="en",
        created_at=clock.now(),
    )
    sign_in(make_staff("front_desk", ("long-beach",)))
    detail = client.get(f"/staff/requests/{consultation.pk}/")
    assert f"/staff/calendar/book/?from_request={consultation.pk}" in detail.text
    page = client.get("/staff/calendar/book/", {"from_request": consultation.pk})
    assert page.status_code == 200
    form = page.context["form"]
    assert form.initial["given_name"] == "Mei" and form.initial["family_name"] == "Tanaka"
    choice = page.context["days"][0][1][0][1]
    done = client.post(
        "/staff/calendar/book/?location=long-beach&kind=consultation",
        {
            "from_request": consultation.pk,
            "slot": choice,
            "given_name": "Mei",
            "family_name": "Tanaka",
            "date_of_birth": "01/30/1958",
            "phone": "(562) 555-0133",
            "preferred_language": "en",
        },
    )
    appointment = Appointment.objects.get()
    assert done.headers["Location"] == f"/staff/calendar/appointments/{appointment.pk}/"
    assert appointment.source == "staff"
    assert appointment.location.slug == "long-beach"
    consultation.refresh_from_db()
    assert consultation.status == "booked"
    assert f"appointment {appointment.pk}" in consultation.staff_notes


def test_staff_booking_names_a_missing_time(client, demo_practice, make_staff, sign_in):
    demo_schedule_load()
    sign_in(make_staff("front_desk", ("pasadena",)))
    response = client.post(
        "/staff/calendar/book/?location=pasadena&kind=follow_up",
        {
            "given_name": "Ana",
            "family_name": "Ruiz",
            "date_of_birth": "06/01/1955",
            "phone": "(626) 555-0177",
        },
    )
    assert response.status_code == 200
    assert "Time: Choose one of the times listed." in response.text
    assert Appointment.objects.count() == 0


def test_a_spanish_caller_is_booked_in_spanish_with_the_doctor_they_asked_for(
    client, demo_practice, make_staff, sign_in
):
    from mildpath.practice.models import Location, Practitioner
    from mildpath.scheduling.models import ConsultationRequest

    demo_schedule_load()
    consultation = ConsultationRequest.objects.create(
        name="Ana Ruiz", phone="+16265550177", best_time="any", consent_to_contact=True,
        preferred_location=Location.objects.get(slug="pasadena"), language="es",
        created_at=clock.now(),
    )  # fmt: skip
    sign_in(make_staff("front_desk", ("pasadena",)))
    query = {"from_request": consultation.pk, "location": "pasadena", "kind": "consultation"}
    anyone = client.get("/staff/calendar/book/", query)
    assert anyone.context["form"].initial["preferred_language"] == "es"
    assert "The patient agrees to text reminders about this visit." in anyone.text
    assert "Text me reminders" not in anyone.text
    times = [who for _, items in anyone.context["days"] for _, _, who in items]
    assert times and all(times)  # with any doctor, each time names whose it is
    okafor = Practitioner.objects.get(slug="samuel-okafor")
    assert f"· {okafor.display_name}" in anyone.text

    chosen = client.get("/staff/calendar/book/", {**query, "doctor": okafor.pk})
    values = [value for _, items in chosen.context["days"] for _, value, _ in items]
    assert values and all(value.startswith(f"{okafor.pk}|") for value in values)
    assert f"· {okafor.display_name}" not in chosen.text  # one doctor: named once, above
    client.post(
        f"/staff/calendar/book/?location=pasadena&kind=consultation&doctor={okafor.pk}",
        {"from_request": consultation.pk, "slot": values[0], "given_name": "Ana",
         "family_name": "Ruiz", "date_of_birth": "06/01/1955", "phone": "(626) 555-0177",
         "preferred_language": "es"},
    )  # fmt: skip
    appointment = Appointment.objects.get()
    assert appointment.practitioner == okafor
    assert appointment.patient.preferred_language == "es"


def test_staff_booking_without_a_language_names_the_field(
    client, demo_practice, make_staff, sign_in
):
    demo_schedule_load()
    sign_in(make_staff("front_desk", ("pasadena",)))
    page = client.get("/staff/calendar/book/", {"location": "pasadena", "kind": "follow_up"})
    choice = page.context["days"][0][1][0][1]
    response = client.post(
        "/staff/calendar/book/?location=pasadena&kind=follow_up",
        {"slot": choice, "given_name": "Ana", "family_name": "Ruiz",
         "date_of_birth": "06/01/1955", "phone": "(626) 555-0177", "preferred_language": "fr"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "Choose English or Spanish." in response.text
    assert Appointment.objects.count() == 0
