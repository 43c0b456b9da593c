"""The patient's own pages from the link in their messages: the visit shown plainly, a
cancel that asks first (with an optional reason) and says what happens next, and the
earlier-time offer that shows both times before it is taken."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import Client
from icalendar import Calendar

from mildpath.audit.models import AuditEvent
from mildpath.core import clock
from mildpath.demo.loader import demo_schedule_load
from mildpath.patients.models import PatientLink
from mildpath.patients.services import (
    PatientDetails,
    patient_link_consume,
    patient_link_issue,
    patient_link_revoke,
)
from mildpath.questionnaires.models import TimePoint
from mildpath.questionnaires.services import response_save
from mildpath.scheduling.models import Appointment, AppointmentType, TextOptOut
from mildpath.scheduling.services.booking import appointment_book
from mildpath.scheduling.services.changes import appointment_cancel
from tests.helpers import TEST_ACTOR

# Time stands at tests.helpers.NOW, Tuesday 24 November 2026, 9 a.m. in Los Angeles.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]
WEDNESDAY_9 = datetime(2026, 12, 2, 17, 0, tzinfo=UTC)  # 9 a.m. in Pasadena


@pytest.fixture
def kind(demo_practice):
    demo_schedule_load()
    return AppointmentType.objects.get(location__slug="pasadena", kind="consultation")


def _book(kind, start=WEDNESDAY_9, n=1, email="r@example.com", language="en", **extra):
    return appointment_book(
        actor=TEST_ACTOR,
        appointment_type=kind,
        start=start,
        patient=PatientDetails(
            f"Rosa{n}", "Delgado", date(1951, 4, n), f"+1310555{1000 + n}", email, language
        ),
        now=clock.now(),
        **extra,
    )


def _manage(appointment: Appointment) -> str:
    """A fresh manage link for the appointment, as a path."""
    issued = patient_link_issue(
        actor=TEST_ACTOR,
        patient=appointment.patient,
        purpose=PatientLink.Purpose.MANAGE_APPOINTMENT,
        now=clock.now(),
        target_id=appointment.pk,
        expires_at=appointment.end + timedelta(days=1),
    )
    prefix = "" if appointment.patient.preferred_language == "en" else "/es"
    return f"{prefix}/p/appointment/{issued.token}/"


@pytest.fixture
def booked(kind):
    return _book(kind, email_ok=True)


# --- the manage page ---------------------------------------------------------------------


def test_the_manage_page_shows_the_visit_in_words_with_the_way_there(booked, client):
    page = client.get(_manage(booked))
    assert page.status_code == 200
    text = page.text
    location = booked.location
    assert "Wednesday, December 2, 2026" in text and "9 a.m." in text
    assert booked.practitioner.display_name in text
    assert location.address_line1 in text and location.city in text
    assert "https://www.google.com/maps/search/?api=1&amp;query=" in text
    assert f'href="tel:{location.phone}"' in text and location.phone_display in text
    assert "Add to my calendar" in text
    assert 'href="' + _path_of(page, "move/") in text
    assert "Cancel this appointment" in text
    assert page["Cache-Control"] == "no-store"


def _path_of(page, tail: str) -> str:
    return page.wsgi_request.path + tail


def test_the_manage_page_speaks_the_patients_language(kind, client):
    appointment = _book(kind, email_ok=True, language="es")
    page = client.get(_manage(appointment))
    assert page.status_code == 200
    assert '<html lang="es"' in page.text
    assert "2026" in page.text and appointment.practitioner.display_name in page.text


def test_add_to_calendar_gives_the_visit_as_a_calendar_file(booked, client):
    answer = client.get(_manage(booked) + "appointment.ics")
    assert answer["Content-Type"].startswith("text/calendar")
    event = next(c for c in Calendar.from_ical(answer.content).walk() if c.name == "VEVENT")
    assert event.decoded("dtstart") == WEDNESDAY_9
    assert booked.location.address_line1 in str(event.get("location"))


def test_after_a_cancel_the_calendar_file_cancels_the_same_event(booked, client):
    manage = _manage(booked)
    saved = Calendar.from_ical(client.get(manage + "appointment.ics").content)
    client.post(manage + "cancel/", {"confirm": "yes"})
    update = Calendar.from_ical(client.get(manage + "appointment.ics").content)
    assert str(update.get("method")) == "CANCEL"
    before, after = (
        next(c for c in calendar.walk() if c.name == "VEVENT") for calendar in (saved, update)
    )
    assert str(after.get("uid")) == str(before.get("uid"))
    assert int(after.get("sequence")) > int(before.get("sequence"))
    assert str(after.get("status")) == "CANCELLED"


def test_the_calendar_file_needs_a_genuine_link(booked, client):
    assert client.get("/p/appointment/made-up/appointment.ics").status_code == 410


# --- the questions waiting -----------------------------------------------------------


def _intake_link(appointment: Appointment) -> PatientLink:
    """The questionnaire link the booking issued with its confirmation."""
    return PatientLink.objects.get(
        patient=appointment.patient, purpose=PatientLink.Purpose.QUESTIONNAIRE
    )


def _questions_button(page) -> str | None:
    """Where the manage page's button to the questions goes, if it has one."""
    found = re.search(r'href="(/(?:es/)?p/questionnaire/[^"]+/)"', page.text)
    return found.group(1) if found else None


def test_the_manage_page_leads_to_the_questions_still_waiting(booked, client):
    page = client.get(_manage(booked))
    assert "Before your visit" in page.text and "Answer the questions" in page.text
    start = _questions_button(page)
    assert start is not None
    # The same link the confirmation carried: no second link is issued.
    assert PatientLink.objects.filter(purpose=PatientLink.Purpose.QUESTIONNAIRE).count() == 1
    opened = client.get(start)
    assert opened.status_code == 200
    assert opened.context["time_point"].pk == _intake_link(booked).target_id


def test_once_begun_the_button_picks_up_where_the_patient_left_off(booked, client):
    point = TimePoint.objects.get(patient=booked.patient, code="baseline")
    response_save(actor=TEST_ACTOR, time_point=point, instrument="nrs",
                  answers={"nrs_back": 6}, mode="link", language="en",
                  now=clock.now())  # fmt: skip
    assert "Continue where you left off" in client.get(_manage(booked)).text


def test_sent_answers_or_a_dead_link_leave_no_button(booked, client):
    manage = _manage(booked)
    link = _intake_link(booked)
    patient_link_consume(actor=TEST_ACTOR, link=link, now=clock.now())  # as sending does
    page = client.get(manage)
    assert page.status_code == 200 and _questions_button(page) is None
    assert "Before your visit" not in page.text


def test_a_revoked_link_is_not_offered_again(booked, client):
    patient_link_revoke(actor=TEST_ACTOR, link=_intake_link(booked), now=clock.now())
    assert _questions_button(client.get(_manage(booked))) is None


def test_a_cancelled_visit_offers_no_questions(booked, client):
    appointment_cancel(actor=TEST_ACTOR, appointment=booked, now=clock.now(), by_patient=True)
    page = client.get(_manage(booked))
    assert _questions_button(page) is None


def test_the_questions_are_offered_in_spanish(kind, client):
    booked = _book(kind, language="es")
    page = client.get(_manage(booked))
    assert "Antes de su visita" in page.text and "Responder las preguntas" in page.text
    assert (_questions_button(page) or "").startswith("/es/p/questionnaire/")


# --- cancelling --------------------------------------------------------------------------


def test_cancel_asks_first_and_opening_the_question_changes_nothing(booked, client):
    manage = _manage(booked)
    question = client.get(manage + "cancel/")
    assert question.status_code == 200
    text = question.text
    assert "Cancel this appointment?" in text
    assert "Wednesday, December 2, 2026" in text
    assert booked.practitioner.display_name in text and booked.location.address_line1 in text
    assert "Yes, cancel this visit" in text
    assert f'href="{manage}">Keep my appointment' in text
    assert 'maxlength="300"' in text
    booked.refresh_from_db()
    assert booked.status == "booked"


def test_a_post_without_the_yes_button_cancels_nothing(booked, client):
    manage = _manage(booked)
    answer = client.post(manage + "cancel/", {"reason": "better"})
    assert answer.status_code == 200 and "Yes, cancel this visit" in answer.text
    booked.refresh_from_db()
    assert booked.status == "booked"
    assert not AuditEvent.objects.filter(action="appointment.cancel").exists()


def test_yes_cancels_keeps_the_reason_and_says_what_happens_next(booked, client, audit_log):
    manage = _manage(booked)
    with audit_log.exactly_one(action="appointment.cancel") as log:
        answer = client.post(
            manage + "cancel/",
            {"confirm": "yes", "reason": "time", "other": "  My  daughter\ncannot drive me. "},
        )
    assert answer.status_code == 302 and answer["Location"] == manage + "?cancelled=1"
    assert log["event"].detail["by_patient"] is True
    booked.refresh_from_db()
    assert booked.status == "cancelled"
    assert booked.cancel_reason == "The time no longer suits me: My daughter cannot drive me."
    assert not booked.messages.filter(kind="reminder", status="pending").exists()

    page = client.get(answer["Location"])
    assert "Your appointment is cancelled" in page.text
    assert "Wednesday, December 2, 2026" in page.text
    assert 'href="/book/"' in page.text  # book again
    assert f'href="tel:{booked.location.phone}"' in page.text
    assert "Cancel this appointment" not in page.text


@pytest.mark.parametrize(
    ("form", "stored"),
    [
        ({}, ""),
        ({"reason": "better"}, "I feel better"),
        ({"reason": "other", "other": "Moving away"}, "Moving away"),
        ({"other": "x" * 300}, "x" * 300),
    ],
)
def test_the_reason_is_optional_and_stored_as_given(booked, client, form, stored):
    client.post(_manage(booked) + "cancel/", {"confirm": "yes", **form})
    booked.refresh_from_db()
    assert (booked.status, booked.cancel_reason) == ("cancelled", stored)


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"other": "x" * 301}, "Write at most 300 characters."),
        ({"other": "y" * 100_000}, "Write at most 300 characters."),
        ({"other": "nul\x00byte"}, "Remove the special characters."),
        ({"reason": "<script>"}, "Choose one of the reasons listed, or none."),
        ({"reason": ["better", "time", "x" * 5000]}, "Choose one of the reasons listed"),
    ],
)
def test_a_hostile_reason_is_refused_with_a_message_and_nothing_changes(
    booked, client, form, message
):
    answer = client.post(_manage(booked) + "cancel/", {"confirm": "yes", **form})
    assert answer.status_code == 200
    assert message in answer.text
    assert "Please check your answers" in answer.text
    booked.refresh_from_db()
    assert (booked.status, booked.cancel_reason) == ("booked", "")


def test_pressing_yes_twice_cancels_once_and_keeps_the_first_reason(booked, client):
    manage = _manage(booked)
    first = client.post(manage + "cancel/", {"confirm": "yes", "reason": "better"})
    second = client.post(manage + "cancel/", {"confirm": "yes", "reason": "travel"})
    assert second.status_code == 302 and second["Location"] == manage
    assert "Your appointment is cancelled" in client.get(first["Location"]).text
    booked.refresh_from_db()
    assert booked.cancel_reason == "I feel better"
    assert AuditEvent.objects.filter(action="appointment.cancel").count() == 1
    # The question itself now leads to the cancelled page.
    assert client.get(manage + "cancel/")["Location"] == manage


def test_a_link_from_another_site_cannot_cancel(booked):
    manage = _manage(booked)
    guarded = Client(enforce_csrf_checks=True)
    # A form on another site posts without our CSRF token.
    assert guarded.post(manage + "cancel/", {"confirm": "yes"}).status_code == 403
    # A link or an image asks by GET: that only ever shows the question.
    shown = guarded.get(manage + "cancel/", {"confirm": "yes", "reason": "better"})
    assert shown.status_code == 200 and "Yes, cancel this visit" in shown.text
    booked.refresh_from_db()
    assert booked.status == "booked"


@pytest.mark.parametrize(
    ("email", "stopped", "said"),
    [
        ("r@example.com", False, "We have sent you a confirmation by email and by text message."),
        ("r@example.com", True, "We have sent you a confirmation by email."),
        ("", False, "We have sent you a confirmation by text message."),
        ("", True, None),
    ],
)
def test_the_page_says_what_was_sent_where_and_claims_nothing_else(
    kind, client, email, stopped, said
):
    appointment = _book(kind, email=email, sms_ok=True)
    if stopped:  # the number replied STOP: its texts are written but never sent
        TextOptOut.objects.create(phone=appointment.patient.phone, changed_at=clock.now())
    manage = _manage(appointment)
    page = client.get(client.post(manage + "cancel/", {"confirm": "yes"})["Location"])
    assert "Your appointment is cancelled" in page.text
    if said is None:
        assert "We have sent you" not in page.text
    else:
        assert said in page.text


def test_inside_the_cut_off_the_question_gives_the_number_to_call(booked, client, frozen):
    frozen.move_to(WEDNESDAY_9 - timedelta(hours=23))
    manage = _manage(booked)
    question = client.get(manage + "cancel/")
    assert "can no longer be changed or cancelled online" in question.text
    assert f'href="tel:{booked.location.phone}"' in question.text
    assert "Yes, cancel this visit" not in question.text
    refused = client.post(manage + "cancel/", {"confirm": "yes"})
    assert "can no longer be changed or cancelled online" in refused.text
    booked.refresh_from_db()
    assert booked.status == "booked"


def test_links_that_are_not_for_this_visit_cannot_cancel(kind, booked, client):
    someone_else = _book(kind, WEDNESDAY_9 + timedelta(hours=1), n=2)
    # An earlier-time offer's link is for another purpose: refused like a guess.
    offer = patient_link_issue(
        actor=TEST_ACTOR,
        patient=booked.patient,
        purpose=PatientLink.Purpose.EARLIER_TIME,
        now=clock.now(),
        target_id=booked.pk,
    )
    answer = client.post(f"/p/appointment/{offer.token}/cancel/", {"confirm": "yes"})
    assert answer.status_code == 410
    # The visit comes from the link, never from the form.
    client.post(
        _manage(booked) + "cancel/",
        {"confirm": "yes", "appointment": someone_else.pk, "id": someone_else.pk},
    )
    someone_else.refresh_from_db()
    booked.refresh_from_db()
    assert (booked.status, someone_else.status) == ("cancelled", "booked")


def test_an_expired_or_revoked_link_cannot_cancel(booked, client, frozen):
    manage = _manage(booked)
    link = PatientLink.objects.filter(purpose="appointment").latest("id")
    patient_link_revoke(actor=TEST_ACTOR, link=link, now=clock.now())
    revoked = client.post(manage + "cancel/", {"confirm": "yes"})
    assert revoked.status_code == 410
    later = _manage(booked)
    frozen.move_to(booked.end + timedelta(days=2))
    expired = client.post(later + "cancel/", {"confirm": "yes"})
    assert expired.status_code == 410 and "This link has expired" in expired.text
    booked.refresh_from_db()
    assert booked.status == "booked"
