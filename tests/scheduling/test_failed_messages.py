"""The front desk's list of messages that could not be sent: who to call, about what,
at which address it failed; "Done" takes one off the list (and the home page's count),
"Put back" undoes it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mildpath.audit.models import AuditEvent
from mildpath.core import clock
from mildpath.demo.loader import demo_schedule_load
from mildpath.scheduling.models import OutboundMessage
from tests.helpers import NOW, baseline_open, patient_at, visit_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]
LIST = "/staff/calendar/messages/failed/"


def _failed(*, appointment=None, time_point=None, to="+13105550111", n=1) -> OutboundMessage:
    return OutboundMessage.objects.create(
        key=f"test-failed-{n}",
        kind="reminder" if appointment else "questionnaire_invite",
        channel=OutboundMessage.Channel.SMS,
        appointment=appointment,
        time_point=time_point,
        to=to,
        body="Your visit",
        send_after=NOW - timedelta(hours=3),
        status=OutboundMessage.Status.FAILED,
        created_at=NOW - timedelta(days=1),
        attempts=5,
        error="Unreachable number",
    )


@pytest.fixture
def rosa_failed(demo_practice) -> OutboundMessage:
    demo_schedule_load()
    rosa = patient_at("Rosa", "Delgado", "santa-monica")
    visit = visit_for(rosa, start=NOW + timedelta(days=2))
    return _failed(appointment=visit, to=rosa.phone)


@pytest.fixture
def desk(client, make_staff, sign_in):
    user = make_staff("front_desk", ("santa-monica",))
    sign_in(user)
    return user


def _mark(client, message: OutboundMessage, handled: str = "1"):
    return client.post(f"{LIST}{message.pk}/", {"handled": handled}, follow=True)


def test_the_list_says_whom_to_call_about_what_and_where_it_failed(client, rosa_failed, desk):
    text = client.get(LIST).text
    rosa = rosa_failed.appointment.patient
    assert str(rosa) in text
    assert f'href="tel:{rosa.phone}"' in text
    assert "Visit 11/26/2026, 9 a.m., Santa Monica" in text and "Reminder · Text message" in text
    assert "(626) 555-0000" in text  # where it failed, as the desk reads numbers
    assert rosa_failed.to in text and "Unreachable number" in text


def test_done_takes_it_off_the_list_and_the_count_and_put_back_undoes_it(client, rosa_failed, desk):
    assert "<strong>1</strong> message failed" in client.get("/staff/").text
    done = _mark(client, rosa_failed)
    assert "Done: Rosa Delgado. It is listed below for 14 days" in done.text
    assert "Nothing to call about" in done.text
    assert "Marked done in the last 14 days" in done.text
    assert "message failed" not in client.get("/staff/").text
    [event] = AuditEvent.objects.filter(action="message.handled")
    assert event.patient_id == rosa_failed.appointment.patient_id
    assert event.actor_id == desk.pk

    back = _mark(client, rosa_failed, handled="0")
    assert "Back on the list: Rosa Delgado." in back.text
    assert "<strong>1</strong> message failed" in client.get("/staff/").text
    assert AuditEvent.objects.filter(action="message.reopen").count() == 1


def test_pressing_done_twice_marks_once(client, rosa_failed, desk):
    _mark(client, rosa_failed)
    _mark(client, rosa_failed)
    assert AuditEvent.objects.filter(action="message.handled").count() == 1


def test_done_leaves_the_list_shown_for_two_weeks_only(client, rosa_failed, desk, frozen, sign_in):
    _mark(client, rosa_failed)
    frozen.shift(timedelta(days=15))
    sign_in(desk)
    assert "Marked done" not in client.get(LIST).text


def test_another_locations_message_cannot_be_marked(client, demo_practice, make_staff, sign_in):
    demo_schedule_load()
    harold = patient_at("Harold", "Jenkins", "pasadena")
    elsewhere = _failed(appointment=visit_for(harold, start=NOW + timedelta(days=2),
                                              slug="pasadena", doctor="samuel-okafor"))  # fmt: skip
    sign_in(make_staff("front_desk", ("santa-monica",)))
    assert client.post(f"{LIST}{elsewhere.pk}/", {"handled": "1"}).status_code == 404
    assert client.post(f"{LIST}999999/", {"handled": "1"}).status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.handled_at is None


def test_another_locations_failed_questions_are_neither_shown_nor_marked(
    client, demo_practice, make_staff, sign_in
):
    ana = patient_at("Ana", "Ruiz", "pasadena")
    theirs = _failed(time_point=baseline_open(ana, "pasadena"), to=ana.phone, n=3)
    user = make_staff("front_desk", ("santa-monica",))
    sign_in(user)
    assert "Ana Ruiz" not in client.get(LIST).text
    assert "message failed" not in client.get("/staff/").text
    assert client.post(f"{LIST}{theirs.pk}/", {"handled": "1"}).status_code == 404
    [refused] = AuditEvent.objects.filter(action="access.refused", actor_id=user.pk)
    assert refused.patient_id == ana.pk  # the refusal is on the patient's trail
    theirs.refresh_from_db()
    assert theirs.handled_at is None


def test_a_message_that_went_out_is_not_on_the_list_to_mark(client, rosa_failed, desk):
    OutboundMessage.objects.filter(pk=rosa_failed.pk).update(
        status=OutboundMessage.Status.SENT, sent_at=clock.now()
    )
    assert client.post(f"{LIST}{rosa_failed.pk}/", {"handled": "1"}).status_code == 404


def test_clinicians_and_marking_by_get_are_refused(client, rosa_failed, make_staff, sign_in):
    sign_in(make_staff("clinician", ("santa-monica",)))
    assert client.post(f"{LIST}{rosa_failed.pk}/", {"handled": "1"}).status_code == 403
    sign_in(make_staff("front_desk", ("santa-monica",)))
    assert client.get(f"{LIST}{rosa_failed.pk}/").status_code == 405
    rosa_failed.refresh_from_db()
    assert rosa_failed.handled_at is None


def test_a_failed_questionnaire_invitation_names_its_patient(client, demo_practice, desk):
    ana = patient_at("Ana", "Ruiz", "santa-monica")
    point = baseline_open(ana, "santa-monica")
    _failed(time_point=point, to=ana.phone, n=2)
    text = client.get(LIST).text
    assert "Ana Ruiz" in text and f'href="tel:{ana.phone}"' in text
    assert "Questions: Before treatment" in text and "Questions to answer · Text message" in text
    assert "<strong>1</strong> message failed" in client.get("/staff/").text
