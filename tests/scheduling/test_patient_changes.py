"""The patient's own pages from the link in their messages: the visit shown plainly, a
cancel that asks first (with an optional reason) and says what happens next, and the
earlier-time offer that shows both times before it is taken."""

from __future__ import annotations

import hashlib
import re
import threading
from datetime import UTC, date, datetime, timedelta

import psycopg
import pytest
from django.db import connection
from django.test import Client
from icalendar import Calendar

from mildpath.audit.models import AuditEvent
from mildpath.core import clock
from mildpath.demo.loader import demo_schedule_load
from mildpath.patients.models import PatientLink
from mildpath.patients.services import (
    PatientDetails,
    patient_link_issue,
    patient_link_revoke,
)
from mildpath.questionnaires.models import TimePoint
from mildpath.questionnaires.services import response_save
from mildpath.scheduling.models import Appointment, AppointmentType, OutboundMessage, TextOptOut
from mildpath.scheduling.services.booking import appointment_book
from mildpath.scheduling.services.changes import appointment_cancel
from mildpath.scheduling.services.invitations import questionnaire_link_resend
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


def test_the_manage_page_says_what_to_bring_and_does_not_invite_a_second_booking(
    booked, client, frozen
):
    text = client.get(_manage(booked)).text
    on_the_day = text.split('id="bring-title"')[1].split("</section>")[0]
    assert "arrive 15 minutes early" in on_the_day and "insurance card" in on_the_day
    assert 'class="button header-cta"' not in text  # the header's "Book online"
    menu_book = '<p class="nav-menu-actions"><a class="button" href="/book/">'
    assert menu_book not in text  # nor the phone menu's
    home = client.get("/").text
    assert 'class="button header-cta"' in home and menu_book in home
    # Once the visit is over, booking again is what the page may lead to.
    frozen.move_to(booked.end + timedelta(hours=1))
    after = client.get(_manage(booked)).text
    assert 'id="bring-title"' not in after and 'class="button header-cta"' in after


def test_only_a_first_consultation_is_told_to_bring_scans(kind, client):
    follow_up = AppointmentType.objects.get(location__slug="pasadena", kind="follow_up")
    visit = _book(follow_up)
    assert 'id="bring-title"' not in client.get(_manage(visit)).text


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


def _again(manage: str) -> str:
    return manage + "questions/"


def _questionnaire_messages(channel: str = "email") -> list[OutboundMessage]:
    return list(
        OutboundMessage.objects.filter(kind="questionnaire_remind", channel=channel).order_by("pk")
    )


def test_the_manage_page_says_questions_are_waiting_and_shows_no_link_to_them(booked, client):
    page = client.get(_manage(booked))
    assert "Before your visit" in page.text and "Send me the link again" in page.text
    # Anyone the visit's link was forwarded to would read a link printed here.
    assert "/p/questionnaire/" not in page.text
    assert f'action="{_again(page.wsgi_request.path)}"' in page.text


def test_send_again_mails_a_new_link_to_the_patient_not_the_page(booked, client, audit_log):
    manage = _manage(booked)
    with audit_log.exactly_one(action="link.issue"):
        page = client.post(_again(manage), follow=True)
    assert page.redirect_chain[-1][0] == manage
    assert "We have sent the link again by email" in page.text
    assert "/p/questionnaire/" not in page.text
    (message,) = _questionnaire_messages()
    assert message.to == booked.patient.email
    link = re.search(r"/p/questionnaire/([^/\s]+)/", message.body)
    assert link is not None and client.get(link.group(0)).status_code == 200


def test_a_second_press_sends_nothing_more_for_a_while(booked, client, frozen):
    manage = _manage(booked)
    client.post(_again(manage))
    second = client.post(_again(manage), follow=True)
    assert "We sent the link a few minutes ago" in second.text
    assert len(_questionnaire_messages()) == 1
    frozen.shift(timedelta(minutes=11))
    client.post(_again(manage))
    assert len(_questionnaire_messages()) == 2


def test_once_begun_the_page_says_the_link_picks_up_where_they_left_off(booked, client):
    point = TimePoint.objects.get(patient=booked.patient, code="baseline")
    response_save(actor=TEST_ACTOR, time_point=point, instrument="nrs",
                  answers={"nrs_back": 6}, mode="link", language="en",
                  now=clock.now())  # fmt: skip
    assert "back to where you left off" in client.get(_manage(booked)).text


def test_answered_questions_or_a_cancelled_visit_offer_nothing(booked, client):
    manage = _manage(booked)
    TimePoint.objects.filter(patient=booked.patient).update(completed_at=clock.now())
    assert "Send me the link again" not in client.get(manage).text
    assert client.post(_again(manage)).headers["Location"] == manage
    appointment_cancel(actor=TEST_ACTOR, appointment=booked, now=clock.now(), by_patient=True)
    TimePoint.objects.filter(patient=booked.patient).update(completed_at=None)
    assert "Send me the link again" not in client.get(manage).text
    client.post(_again(manage))
    assert _questionnaire_messages() == []


def test_a_follow_up_set_is_offered_in_its_own_words(booked, client):
    """Six weeks after the procedure: the baseline is done, the 6-week set is open."""
    points = TimePoint.objects.filter(patient=booked.patient)
    points.filter(code="baseline").update(completed_at=clock.now())
    points.filter(code="week_6").update(
        opens_at=clock.now() - timedelta(days=1), closes_at=clock.now() + timedelta(days=13)
    )
    page = client.get(_manage(booked))
    assert "A few questions for you" in page.text and "Before your visit" not in page.text
    client.post(_again(_manage(booked)))
    (message,) = _questionnaire_messages()
    assert message.time_point is not None and message.time_point.code == "week_6"


def test_a_phone_that_said_stop_and_no_email_gets_the_number_to_call(kind, client):
    booked = _book(kind, email="", sms_ok=True)
    TextOptOut.objects.create(phone=booked.patient.phone, changed_at=clock.now())
    page = client.post(_again(_manage(booked)), follow=True)
    assert "We could not send the link. Please call us at" in page.text
    assert booked.location.phone_display in page.text
    # Nothing went, so a second press does not claim that something did.
    again = client.post(_again(_manage(booked)), follow=True)
    assert "We could not send the link" in again.text and "a few minutes ago" not in again.text


def test_a_bad_link_cannot_ask_for_questions(client, booked):
    assert client.post("/p/appointment/not-a-token/questions/").status_code in (404, 410)
    assert _questionnaire_messages() == []


@pytest.mark.parametrize("method", ["get", "put"])
def test_asking_again_is_a_post(booked, client, method):
    assert getattr(client, method)(_again(_manage(booked))).status_code == 405


def test_the_questions_are_offered_in_spanish(kind, client):
    booked = _book(kind, language="es")
    manage = _manage(booked)
    page = client.get(manage)
    assert "Antes de su visita" in page.text and "Envíenme el enlace otra vez" in page.text
    sent = client.post(_again(manage), follow=True)
    assert "Le hemos enviado el enlace otra vez por correo electrónico" in sent.text
    assert _questionnaire_messages()[0].language == "es"


# --- cancelling --------------------------------------------------------------------------


def test_cancel_asks_first_and_opening_the_question_changes_nothing(booked, client):
    manage = _manage(booked)
    question = client.get(manage + "cancel/")
    assert question.status_code == 200
    text = question.text
    assert "Cancel this appointment?" in text
    assert "Wednesday, December 2, 2026" in text
    assert booked.practitioner.display_name in text and booked.location.address_line1 in text
    assert "Yes, cancel this appointment" in text
    assert f'href="{manage}">Keep my appointment' in text
    assert 'maxlength="300"' in text
    booked.refresh_from_db()
    assert booked.status == "booked"


def test_a_post_without_the_yes_button_cancels_nothing(booked, client):
    manage = _manage(booked)
    answer = client.post(manage + "cancel/", {"reason": "better"})
    assert answer.status_code == 200 and "Yes, cancel this appointment" in answer.text
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
    assert shown.status_code == 200 and "Yes, cancel this appointment" in shown.text
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
    assert "Yes, cancel this appointment" not in question.text
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


def _press_in_progress(time_point_id: int, held: threading.Event, end: threading.Event) -> None:
    """Another server process in the middle of a first "send me the link again" for the
    same questions: it holds their lock until ``end`` is set."""
    with psycopg.connect(**connection.get_connection_params()) as other:
        with other.transaction():
            digest = hashlib.blake2b(f"questions|{time_point_id}".encode(), digest_size=8)
            other.execute(
                "SELECT pg_advisory_xact_lock(%s)",
                [int.from_bytes(digest.digest(), "big", signed=True)],
            )
            held.set()
            end.wait(10)


def test_a_second_press_at_the_same_moment_waits_for_the_first(booked):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's one write lock already puts the two presses one after the other")
    point = TimePoint.objects.get(patient=booked.patient, code="baseline")
    held, end = threading.Event(), threading.Event()
    first = threading.Thread(target=_press_in_progress, args=(point.pk, held, end))
    first.start()
    try:
        assert held.wait(10)
        threading.Timer(0.3, end.set).start()
        questionnaire_link_resend(actor=TEST_ACTOR, time_point=point, now=clock.now())
        # Had the lock not held it back, this press would have finished before the
        # first one let go.
        assert end.is_set()
    finally:
        end.set()
        first.join(10)
    assert len(_questionnaire_messages()) == 1
