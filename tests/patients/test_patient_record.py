"""The patient record at the front desk: the next visit and how to reach the patient at
the top, every visit, the messages sent, contact changes (audited, validated, scoped),
search by name, date of birth or phone, and links sent by text or email, never shown."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.formats import date_format

from mildpath.audit.models import AuditEvent
from mildpath.patients.models import Patient, PatientLink
from mildpath.practice.models import Location, Practitioner
from mildpath.scheduling.models import Appointment, AppointmentType, OutboundMessage, TextOptOut
from tests.helpers import NOW

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.fixture
def rosa(demo_practice):
    """Rosa Delgado, seen at Santa Monica, born 2 April 1951, phone (310) 555-0111."""
    from mildpath.demo.loader import demo_schedule_load, demo_staff_ensure

    demo_staff_ensure()
    demo_schedule_load()
    return Patient.objects.get(family_name="Delgado")


@pytest.fixture
def desk(make_staff, sign_in):
    user = make_staff("front_desk", ("santa-monica",))
    sign_in(user)
    return user


def _visit(patient, *, days, location="santa-monica", doctor="elena-marquez", status="booked"):
    kind = AppointmentType.objects.get(location__slug=location, kind="consultation")
    start = NOW + timedelta(days=days)  # 9 a.m. in California
    return Appointment.objects.create(
        location=kind.location,
        practitioner=Practitioner.objects.get(slug=doctor),
        patient=patient,
        appointment_type=kind,
        start=start,
        end=start + timedelta(minutes=45),
        busy_start=start,
        busy_end=start + timedelta(minutes=45),
        status=status,
        created_at=NOW - timedelta(days=60),
    )


def _message(visit, *, kind="reminder", channel="sms", status="sent", error="", to=None):
    return OutboundMessage.objects.create(
        key=f"test:{visit.pk}:{kind}:{channel}:{status}",
        kind=kind,
        channel=channel,
        appointment=visit,
        to=to or (visit.patient.phone if channel == "sms" else "rosa@example.com"),
        body="Your appointment is on Monday.",
        send_after=NOW - timedelta(hours=2),
        status=status,
        error=error,
        created_at=NOW - timedelta(days=1),
    )


def _main(page) -> str:
    text = page.content.decode()
    return text[text.index("<main") : text.index("</main>")]


# --- the record ----------------------------------------------------------------


def test_the_record_answers_when_the_next_visit_is_and_how_to_reach_the_patient(
    client, rosa, desk, audit_log
):
    upcoming = _visit(rosa, days=13)  # Monday 7 December
    later = _visit(rosa, days=20, doctor="priya-raman")
    past = _visit(rosa, days=-28, status="fulfilled")
    with audit_log.exactly_one(action="patient.read", patient_id=rosa.pk):
        page = client.get(f"/staff/patients/{rosa.pk}/")
    assert page.status_code == 200
    main = _main(page)
    top = main[: main.index('id="visits"')]
    assert "Monday, December 7, 2026, 9 a.m." in top
    assert f'href="/staff/calendar/appointments/{upcoming.pk}/"' in top
    assert "(310) 555-0111" in top and 'href="tel:+13105550111"' in top
    assert "Born April 2, 1951 (age 75)" in main
    assert f'href="/staff/calendar/book/?patient={rosa.pk}"' in top
    assert f'href="/staff/patients/{rosa.pk}/contact/"' in top
    # Every visit, each linking to its page: two ahead, one earlier.
    for visit in (upcoming, later, past):
        assert f'href="/staff/calendar/appointments/{visit.pk}/"' in main
    assert "2 upcoming visits" in main
    assert "1 earlier or cancelled visit" in main
    assert "Completed" in main


def test_visits_at_locations_the_desk_does_not_cover_stay_out_of_its_record(client, rosa, desk):
    rosa.locations.add(Location.objects.get(slug="pasadena"))
    elsewhere = _visit(rosa, days=6, location="pasadena")
    _message(elsewhere, status="failed", error="Unreachable number")
    page = client.get(f"/staff/patients/{rosa.pk}/")
    assert f"/appointments/{elsewhere.pk}/" not in page.text
    assert "No visit booked at your locations." in page.text
    assert "could not be sent" not in page.text


def test_the_record_lists_messages_sent_and_shows_the_failed_ones_first(client, rosa, desk):
    visit = _visit(rosa, days=13)
    _message(visit, kind="confirmation", channel="email", status="sent")
    _message(visit, kind="reminder", channel="sms", status="failed", error="Unreachable number")
    page = client.get(f"/staff/patients/{rosa.pk}/")
    main = _main(page)
    assert "1 message to this patient could not be sent." in main[: main.index('id="visits"')]
    table = main[main.index('id="messages-caption"') :]
    assert "rosa@example.com" in table and "(310) 555-0111" in table
    assert "Confirmation" in table and "Reminder" in table
    assert "Failed" in table and "Unreachable number" in table
    assert "Your appointment is on Monday." not in main  # bodies carry links: never shown


def test_the_desk_sees_that_the_patients_phone_stopped_texts(client, rosa, desk):
    _visit(rosa, days=13)
    assert "Texts stopped" not in client.get(f"/staff/patients/{rosa.pk}/").text
    TextOptOut.objects.create(phone=rosa.phone, stopped=True, changed_at=NOW)
    page = client.get(f"/staff/patients/{rosa.pk}/")
    assert 'id="texts-stopped"' in page.text
    # No text is offered for sending the link, only what can reach her.
    assert 'value="sms"' not in page.text


def test_the_record_in_spanish_writes_the_date_of_birth_as_spanish_does(client, rosa, desk):
    page = client.get(f"/es/staff/patients/{rosa.pk}/")
    assert page.status_code == 200
    assert '<html lang="es">' in page.text
    with translation.override("es"):
        assert date_format(date(1951, 4, 2), "DATE_FORMAT") in page.text  # 2 de abril de 1951


def test_the_record_reads_as_many_queries_for_100_visits_as_for_10(client, rosa, desk):
    counts = {}
    made = 0
    for total in (10, 100):
        for n in range(made, total):
            visit = _visit(rosa, days=-400 + 3 * n, status="fulfilled")
            _message(visit)
        made = total
        with CaptureQueriesContext(connection) as queries:
            page = client.get(f"/staff/patients/{rosa.pk}/")
        assert page.status_code == 200
        counts[total] = len(queries)
    assert counts[100] == counts[10], counts
    assert counts[10] <= 25, counts


def test_the_researcher_and_the_administrator_never_open_a_record(
    client, rosa, make_staff, sign_in
):
    for role in ("researcher", "administrator"):
        sign_in(make_staff(role, ("santa-monica",)))
        assert client.get(f"/staff/patients/{rosa.pk}/").status_code == 403


# --- contact details -------------------------------------------------------------


def test_a_contact_change_is_saved_and_audited_by_field_name_only(client, rosa, desk, audit_log):
    visit = _visit(rosa, days=13)
    waiting = _message(visit, status="pending")
    with audit_log.exactly_one(action="patient.contact", patient_id=rosa.pk, actor=desk) as got:
        response = client.post(
            f"/staff/patients/{rosa.pk}/contact/",
            {"phone": "(626) 555-0101", "email": "rosa@example.com", "preferred_language": "es"},
            follow=True,
        )
    assert response.redirect_chain[-1][0] == f"/staff/patients/{rosa.pk}/"
    assert "Contact details saved: Phone, Email." in response.text
    rosa.refresh_from_db()
    assert (rosa.phone, rosa.email) == ("+16265550101", "rosa@example.com")
    event = got["event"]
    assert event.detail == {"fields": ["phone", "email"]}
    assert "555" not in str(event.detail) and "example" not in str(event.detail)
    # Tomorrow's reminder goes to the corrected number.
    waiting.refresh_from_db()
    assert waiting.to == "+16265550101"


def test_saving_unchanged_details_writes_nothing(client, rosa, desk):
    before = AuditEvent.objects.filter(action="patient.contact").count()
    response = client.post(
        f"/staff/patients/{rosa.pk}/contact/",
        {"phone": "(310) 555-0111", "email": "", "preferred_language": "es"},
        follow=True,
    )
    assert "Nothing changed." in response.text
    assert AuditEvent.objects.filter(action="patient.contact").count() == before


def test_removing_the_email_stops_the_emails_still_waiting(client, rosa, desk):
    rosa.email = "rosa@example.com"
    rosa.save()
    waiting = _message(_visit(rosa, days=13), channel="email", status="pending")
    client.post(
        f"/staff/patients/{rosa.pk}/contact/",
        {"phone": "(310) 555-0111", "email": "", "preferred_language": "es"},
    )
    waiting.refresh_from_db()
    assert waiting.status == "cancelled"


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"phone": "9" * 31}, "Phone", "at most 30 characters"),
        ({"phone": "call me maybe"}, "Phone", "Enter a phone number we can call"),
        ({"phone": "+1 555"}, "Phone", "Enter a phone number we can call"),
        ({"phone": ""}, "Phone", "required"),
        ({"email": "rosa@"}, "Email", "Enter an email address like name@example.com"),
        ({"email": "a@example.com\nBcc: b@example.com"}, "Email", "Enter an email address"),
        ({"email": "a" * 250 + "@example.com"}, "Email", "at most 254 characters"),
        ({"preferred_language": "xx"}, "Preferred language", "Select a valid choice"),
    ],
)
def test_hostile_contact_input_is_refused_naming_the_field(
    client, rosa, desk, body, field, message
):
    good = {"phone": "(626) 555-0101", "email": "", "preferred_language": "en"}
    response = client.post(f"/staff/patients/{rosa.pk}/contact/", {**good, **body})
    assert response.status_code == 200
    summary = response.text[response.text.index('class="error-summary"') :]
    assert f"{field}:" in summary and message in summary
    rosa.refresh_from_db()
    assert rosa.phone == "+13105550111" and rosa.preferred_language == "es"
    assert not AuditEvent.objects.filter(action="patient.contact").exists()


def test_another_locations_patient_cannot_be_changed_or_even_found(client, rosa, desk, audit_log):
    harold = Patient.objects.get(family_name="Jenkins")  # Pasadena
    body = {"phone": "(626) 555-0101", "email": "x@example.com", "preferred_language": "en"}
    with audit_log.exactly_one(action="access.refused", patient_id=harold.pk, actor=desk):
        refused = client.post(f"/staff/patients/{harold.pk}/contact/", body)
    missing = client.post("/staff/patients/999999/contact/", body)
    assert refused.status_code == missing.status_code == 404
    assert client.get(f"/staff/patients/{harold.pk}/contact/").status_code == 404
    harold.refresh_from_db()
    assert harold.email == ""


def test_a_clinician_reads_contact_details_but_does_not_change_them(
    client, rosa, make_staff, sign_in
):
    sign_in(make_staff("clinician", ("santa-monica",)))
    assert client.get(f"/staff/patients/{rosa.pk}/").status_code == 200
    body = {"phone": "(626) 555-0101", "email": "", "preferred_language": "en"}
    assert client.post(f"/staff/patients/{rosa.pk}/contact/", body).status_code == 403
    assert (
        f"/staff/patients/{rosa.pk}/contact/" not in client.get(f"/staff/patients/{rosa.pk}/").text
    )


# --- search ----------------------------------------------------------------------


@pytest.fixture
def ana(rosa):
    """Ana Ruiz, at Pasadena and Santa Monica, born 5 April 1950, (626) 555-0101."""
    patient = Patient.objects.create(
        given_name="Ana",
        family_name="Ruiz",
        date_of_birth=date(1950, 4, 5),
        phone="+16265550101",
        created_at=NOW,
    )
    patient.locations.set(Location.objects.filter(slug__in=["santa-monica", "pasadena"]))
    return patient


def _found(client, q, language=""):
    page = client.get(f"{language}/staff/patients/", {"q": q})
    assert page.status_code == 200
    return [p.family_name for p in page.context["patients"]]


@pytest.mark.parametrize(
    "q",
    [
        "Ruiz",
        "ruiz",
        "ana ruiz",
        "1950-04-05",
        "04/05/1950",
        "4/5/1950",
        "April 5, 1950",
        "(626) 555-0101",
        "626-555-0101",
        "6265550101",
        "+1 626 555 0101",
        "555-0101",
        "0101",
        "Ruiz 1950-04-05",
    ],
)
def test_one_box_finds_a_patient_by_name_birth_date_or_phone(client, ana, desk, q):
    assert _found(client, q) == ["Ruiz"]


def test_a_spanish_desk_writes_the_day_first(client, ana, desk):
    assert _found(client, "05/04/1950", "/es") == ["Ruiz"]
    assert _found(client, "04/05/1950", "/es") == []


def test_every_part_of_the_search_must_match(client, ana, desk):
    assert _found(client, "Ruiz 1951-04-05") == []
    assert _found(client, "Delgado 6265550101") == []


def test_search_stays_within_the_desks_locations_and_leaves_out_joined_records(
    client, ana, make_staff, sign_in
):
    sign_in(make_staff("front_desk", ("long-beach",)))
    assert _found(client, "Ruiz") == []
    assert _found(client, "6265550101") == []
    sign_in(make_staff("front_desk", ("pasadena",)))
    assert _found(client, "6265550101") == ["Ruiz"]
    joined = Patient.objects.create(
        given_name="Ana",
        family_name="Ruiz",
        date_of_birth=date(1950, 4, 5),
        phone="+16265550101",
        created_at=NOW,
        merged_into=ana,
    )
    joined.locations.add(Location.objects.get(slug="pasadena"))
    assert _found(client, "Ruiz") == ["Ruiz"]


def test_the_patient_number_finds_the_patient(client, ana, desk):
    assert _found(client, str(ana.pk)) == ["Ruiz"]


@pytest.mark.parametrize(
    "q",
    ["%", "_", "' OR 1=1 --", "x" * 500, "\x00", "１２３４５６７", "²", "<script>", "9" * 40],
)
def test_odd_searches_answer_calmly(client, ana, desk, q):
    page = client.get("/staff/patients/", {"q": q})
    assert page.status_code == 200
    assert "<script>" not in _main(page).replace("&lt;script&gt;", "")


# --- links -----------------------------------------------------------------------


def _send(client, patient, visit, channel):
    return client.post(
        f"/staff/patients/{patient.pk}/links/",
        {"appointment": visit.pk if visit else "", "channel": channel},
        follow=True,
    )


def test_a_link_is_sent_by_text_and_never_shown_to_staff(client, rosa, desk, audit_log):
    visit = _visit(rosa, days=13)
    with audit_log.exactly_one(action="link.issue", patient_id=rosa.pk, actor=desk) as got:
        page = _send(client, rosa, visit, "sms")
    assert got["event"].detail == {"purpose": "appointment", "target": visit.pk, "sent_by": "sms"}
    assert "Link sent to (310) 555-0111 by text." in page.text
    message = OutboundMessage.objects.get(kind="link")
    assert (message.channel, message.to, message.appointment) == ("sms", rosa.phone, visit)
    assert message.status == "pending" and message.send_after == NOW
    found = re.search(r"/p/appointment/([^/\s]+)/", message.body)
    assert found is not None, message.body
    token = found.group(1)
    assert token not in page.text
    assert "Sunset Ridge" in message.body and "Santa Monica" in message.body
    # Rosa reads Spanish: the text and its link are in Spanish.
    assert "/es/p/appointment/" in message.body
    # The link works for Rosa, and is about that visit.
    link = PatientLink.objects.get()
    assert (link.purpose, link.target_id, link.created_by) == ("appointment", visit.pk, desk)
    client.post("/staff/sign-out/")
    assert client.get(f"/es/p/appointment/{token}/").status_code == 200


def test_a_link_is_sent_by_email_when_the_patient_has_one(client, rosa, desk):
    rosa.email = "rosa@example.com"
    rosa.save()
    visit = _visit(rosa, days=13)
    page = _send(client, rosa, visit, "email")
    assert "Link sent to rosa@example.com by email." in page.text
    message = OutboundMessage.objects.get(kind="link")
    assert message.channel == "email" and message.to == "rosa@example.com"
    assert message.subject


def test_a_stopped_phone_gets_no_link_by_text(client, rosa, desk):
    TextOptOut.objects.create(phone=rosa.phone, stopped=True, changed_at=NOW)
    page = _send(client, rosa, _visit(rosa, days=13), "sms")
    assert "replied STOP" in page.text
    assert not OutboundMessage.objects.exists() and not PatientLink.objects.exists()


def test_no_email_on_file_means_no_link_by_email(client, rosa, desk):
    page = _send(client, rosa, _visit(rosa, days=13), "email")
    assert "Send it by: the patient has no email address on file." in page.text
    assert not PatientLink.objects.exists()


def test_a_link_is_only_ever_about_one_of_the_patients_own_upcoming_visits(client, rosa, desk):
    harold = Patient.objects.get(family_name="Jenkins")
    someone_elses = _visit(harold, days=13)
    past = _visit(rosa, days=-3, status="fulfilled")
    cancelled = _visit(rosa, days=5, status="cancelled")
    for visit in (someone_elses, past, cancelled, None):
        page = _send(client, rosa, visit, "sms")
        assert "Visit: Choose one of the patient&#x27;s upcoming visits." in page.text
    # Questionnaire and progress pages do not exist yet: nothing to send about.
    client.post(f"/staff/patients/{rosa.pk}/links/", {"purpose": "progress"})
    assert not PatientLink.objects.exists() and not OutboundMessage.objects.exists()


def test_without_an_upcoming_visit_there_is_no_link_to_send(client, rosa, desk):
    page = client.get(f"/staff/patients/{rosa.pk}/")
    assert "book one first" in page.text
    assert 'name="channel"' not in page.text


def test_links_cannot_be_sent_to_another_locations_patient(client, rosa, desk, audit_log):
    harold = Patient.objects.get(family_name="Jenkins")
    visit = _visit(harold, days=13, location="pasadena")
    with audit_log.exactly_one(action="access.refused", patient_id=harold.pk):
        response = client.post(
            f"/staff/patients/{harold.pk}/links/", {"appointment": visit.pk, "channel": "sms"}
        )
    assert response.status_code == 404
    assert not PatientLink.objects.exists()
