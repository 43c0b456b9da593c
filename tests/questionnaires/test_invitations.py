"""Questionnaire invitations: the worker asks each patient once when a time point's
window opens, reminds them once halfway through it, and stops when it closes; by email
when they gave an address, by text when they gave none or asked for texts, never by
text to a number that replied STOP; in their language; a follow-up with a link to their
progress. An invitation answered before it went out is not sent. The front desk can ask
again while the questions are open; the intake set's link comes with the booking."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core import mail

from mildpath.core import clock
from mildpath.demo.loader import demo_schedule_load
from mildpath.patients.models import Patient
from mildpath.patients.services import PatientDetails, patient_create
from mildpath.questionnaires.models import TimePoint
from mildpath.questionnaires.services import (
    follow_up_plan_reanchor,
    response_save,
    time_point_submit,
)
from mildpath.scheduling.availability import available_slots
from mildpath.scheduling.models import AppointmentType, OutboundMessage
from mildpath.scheduling.services.booking import appointment_book
from mildpath.scheduling.services.invitations import questionnaire_invitations_queue
from mildpath.scheduling.services.texts import text_opt_out_set
from tests.helpers import NOW, TEST_ACTOR, send_due

# Time stands at tests.helpers.NOW, Tuesday 24 November 2026, 9 a.m. in Los Angeles.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]
WEDNESDAY_9 = datetime(2026, 12, 2, 17, 0, tzinfo=UTC)  # 9 a.m. in Pasadena

# The procedure is on Friday 4 December 2026: the one-week questions are due Friday
# 11 December, answerable from Tuesday 8 December to the end of Friday 18 December,
# Pasadena time. Halfway through that window is Sunday 13 December, noon.
PROCEDURE = date(2026, 12, 4)
OPENS = datetime(2026, 12, 8, 8, 0, tzinfo=UTC)
CLOSES = datetime(2026, 12, 19, 8, 0, tzinfo=UTC)
HALFWAY = datetime(2026, 12, 13, 20, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)
SUBJECT = "A few questions about your back and legs"
REMINDER_SUBJECT = "Reminder: a few questions about your back and legs"
# More patients waiting for a reminder than one round of the worker looks through
# (four times the fifty it invites or reminds).
FURTHER_ALONG = 201
LINK = re.compile(r"https?://\S+?/p/(?:questionnaire|progress)/\S+?/")


@pytest.fixture(autouse=True)
def sms_dir(settings, tmp_path) -> Path:
    settings.MILDPATH_SMS_FILE_PATH = tmp_path / "sms"
    return Path(settings.MILDPATH_SMS_FILE_PATH)


@pytest.fixture
def kind(demo_practice) -> AppointmentType:
    demo_schedule_load()
    return AppointmentType.objects.get(location__slug="pasadena", kind="consultation")


def _book(
    kind: AppointmentType,
    n: int,
    *,
    email: bool = True,
    sms_ok: bool = False,
    language: str = "en",
    start: datetime | None = None,
    visit_messages: bool = False,
) -> Patient:
    """A first consultation for patient ``n`` (at the first free time from Wednesday 2
    December, unless ``start``), booked now; the patient. The visit's own messages (its
    confirmation, its reminders) are withdrawn unless ``visit_messages``: only the
    questionnaires' are under test."""
    if start is None:
        day = date(2026, 12, 2)
        start = available_slots(
            appointment_type=kind, first_day=day, last_day=day + timedelta(days=7), now=clock.now()
        )[0].start
    appointment = appointment_book(
        actor=TEST_ACTOR,
        appointment_type=kind,
        start=start,
        patient=PatientDetails(
            given_name=["Rosa", "Ana", "Luis", "Mei"][n % 4],
            family_name=f"Patient{n}",
            date_of_birth=date(1950, 1, 1) + timedelta(days=n),
            phone=f"+1626555{1000 + n:04d}",
            email=f"patient{n}@example.com" if email else "",
            preferred_language=language,
        ),
        now=clock.now(),
        email_ok=email,
        sms_ok=sms_ok,
    )
    if not visit_messages:
        appointment.messages.update(status=OutboundMessage.Status.CANCELLED)
    return appointment.patient


def _week_1(patient: Patient) -> TimePoint:
    """The patient's one-week time point, counted from the procedure on PROCEDURE."""
    points = follow_up_plan_reanchor(
        actor=TEST_ACTOR,
        patient=patient,
        location=patient.time_points.get(code="baseline").location,
        procedure_date=PROCEDURE,
        now=clock.now(),
    )
    week_1 = next(point for point in points if point.code == "week_1")
    assert (week_1.opens_at, week_1.closes_at) == (OPENS, CLOSES)
    return week_1


def _messages(point: TimePoint) -> list[tuple[str, str, str, str]]:
    """(key, channel, to, status) of every message about the time point."""
    return list(
        OutboundMessage.objects.filter(time_point=point)
        .order_by("key")
        .values_list("key", "channel", "to", "status")
    )


def _queue(frozen, moment: datetime) -> dict[str, int]:
    frozen.move_to(moment)
    return questionnaire_invitations_queue(now=clock.now())


def _paths(body: str) -> list[str]:
    """The paths of the questionnaire and progress links in a message."""
    return [urlsplit(url).path for url in LINK.findall(body)]


def _texts(sms_dir: Path) -> list[tuple[str, str]]:
    """(to, body) of the texts sent so far."""
    texts = []
    for path in sorted(sms_dir.glob("*.txt")):
        head, body = path.read_text().split("\n\n", 1)
        texts.append((head.removeprefix("To: "), body.strip()))
    return texts


# --- once, when the window opens -------------------------------------------------------


def test_it_invites_each_time_point_once_per_channel_when_its_window_opens(kind, frozen):
    patient = _book(kind, 1, sms_ok=True)
    week_1 = _week_1(patient)
    assert _queue(frozen, OPENS - SECOND) == {}
    assert _messages(week_1) == []

    assert _queue(frozen, OPENS) == {"invited": 1}
    expected = [
        (f"questionnaire:invite:{week_1.pk}:email", "email", "patient1@example.com", "pending"),
        (f"questionnaire:invite:{week_1.pk}:sms", "sms", "+16265551001", "pending"),
    ]
    assert _messages(week_1) == expected
    # The same round again, and later ones, write nothing more.
    assert _queue(frozen, OPENS) == {}
    assert _queue(frozen, OPENS + timedelta(days=1)) == {}
    assert _queue(frozen, HALFWAY - SECOND) == {}
    assert _messages(week_1) == expected
    stored = TimePoint.objects.get(pk=week_1.pk)
    assert (stored.invited_at, stored.reminded_at) == (OPENS, None)


def test_it_invites_by_email_and_by_text_when_there_is_no_address_or_texts_were_asked_for(
    kind, frozen, sms_dir
):
    by_email = _week_1(_book(kind, 1))
    by_text = _week_1(_book(kind, 2, email=False))
    by_both = _week_1(_book(kind, 3, sms_ok=True))
    assert _queue(frozen, OPENS) == {"invited": 3}
    assert [row[1:3] for row in _messages(by_email)] == [("email", "patient1@example.com")]
    assert [row[1:3] for row in _messages(by_text)] == [("sms", "+16265551002")]
    assert [row[1:3] for row in _messages(by_both)] == [
        ("email", "patient3@example.com"),
        ("sms", "+16265551003"),
    ]

    mail.outbox.clear()
    outcomes = send_due(clock.now())
    assert sorted(outcomes.values()) == ["sent"] * 4
    assert sorted((m.to[0], m.subject) for m in mail.outbox) == [
        ("patient1@example.com", SUBJECT),
        ("patient3@example.com", SUBJECT),
    ]
    texts = _texts(sms_dir)
    assert sorted(to for to, _body in texts) == ["+16265551002", "+16265551003"]
    for _to, body in texts:
        assert any(path.startswith("/p/questionnaire/") for path in _paths(body)), body


def test_it_writes_the_text_to_a_number_that_replied_stop_as_cancelled(kind, frozen, sms_dir):
    patient = _book(kind, 2, email=False)
    week_1 = _week_1(patient)
    text_opt_out_set(actor=TEST_ACTOR, phone=patient.phone, stopped=True, now=clock.now())

    assert _queue(frozen, OPENS) == {"invited": 1}
    [message] = OutboundMessage.objects.filter(time_point=week_1)
    assert (message.channel, message.status) == ("sms", "cancelled")
    assert message.error == OutboundMessage.TEXTS_STOPPED
    assert send_due(clock.now()) == {}
    assert _texts(sms_dir) == []
    # Asked once all the same: a later round does not try again.
    assert _queue(frozen, OPENS + timedelta(hours=6)) == {}
    assert OutboundMessage.objects.filter(time_point=week_1).count() == 1


# --- reminded once, halfway ------------------------------------------------------------


def test_it_reminds_once_halfway_through_the_window_and_not_before(kind, frozen):
    week_1 = _week_1(_book(kind, 1))
    assert _queue(frozen, OPENS) == {"invited": 1}
    mail.outbox.clear()
    send_due(clock.now())
    assert [m.subject for m in mail.outbox] == [SUBJECT]

    assert _queue(frozen, HALFWAY - SECOND) == {}
    assert _queue(frozen, HALFWAY) == {"reminded": 1}
    assert _queue(frozen, HALFWAY) == {}
    assert _queue(frozen, HALFWAY + timedelta(days=3)) == {}
    assert [row[0] for row in _messages(week_1)] == [
        f"questionnaire:invite:{week_1.pk}:email",
        f"questionnaire:remind:{week_1.pk}:email",
    ]
    assert TimePoint.objects.get(pk=week_1.pk).reminded_at == HALFWAY

    mail.outbox.clear()
    send_due(clock.now())
    [reminder] = mail.outbox
    assert reminder.subject == REMINDER_SUBJECT
    assert "we have not yet received your answers" in reminder.body


def test_it_does_not_remind_a_patient_the_moment_they_book(kind, frozen):
    # The booking's confirmation carries the intake link; the reminder comes halfway
    # between the booking and the visit: Saturday 28 November, 9 a.m.
    patient = _book(kind, 1, start=WEDNESDAY_9)
    baseline = patient.time_points.get(code="baseline")
    assert _queue(frozen, NOW) == {}
    assert _queue(frozen, NOW + timedelta(days=2)) == {}
    assert _queue(frozen, datetime(2026, 11, 28, 17, 0, tzinfo=UTC) - SECOND) == {}
    assert _messages(baseline) == []
    assert _queue(frozen, datetime(2026, 11, 28, 17, 0, tzinfo=UTC)) == {"reminded": 1}
    assert [row[0] for row in _messages(baseline)] == [f"questionnaire:remind:{baseline.pk}:email"]


def test_it_reminds_a_patient_halfway_however_many_others_wait_for_a_later_reminder(kind, frozen):
    # Patients further along: their procedure was on Sunday 20 September, so their
    # three-month questions have been open since 29 November, with the reminder due
    # around Christmas. More of them than the worker looks through in one round.
    pasadena = kind.location
    for n in range(FURTHER_ALONG):
        patient = patient_create(
            actor=TEST_ACTOR,
            given_name="Further",
            family_name=f"Along{n}",
            date_of_birth=date(1940, 1, 1) + timedelta(days=n),
            phone=f"+1818555{1000 + n:04d}",
            email=f"along{n}@example.com",
            preferred_language="en",
            locations=[pasadena],
            now=clock.now(),
        )
        follow_up_plan_reanchor(
            actor=TEST_ACTOR,
            patient=patient,
            location=pasadena,
            procedure_date=date(2026, 9, 20),
            now=clock.now(),
        )
    week_1 = _week_1(_book(kind, 1))
    frozen.move_to(datetime(2026, 11, 29, 8, 0, tzinfo=UTC))
    while questionnaire_invitations_queue(now=clock.now()):
        pass  # as many rounds as it takes to invite them all
    assert _queue(frozen, OPENS) == {"invited": 1}

    assert _queue(frozen, HALFWAY) == {"reminded": 1}
    assert [row[0] for row in _messages(week_1)] == [
        f"questionnaire:invite:{week_1.pk}:email",
        f"questionnaire:remind:{week_1.pk}:email",
    ]
    # Nobody further along was reminded early.
    assert not OutboundMessage.objects.filter(
        kind="questionnaire_remind", time_point__patient__given_name="Further"
    ).exists()


# --- nothing once closed, nothing once answered -----------------------------------------


def test_it_sends_nothing_once_the_window_has_closed(kind, frozen):
    invited = _week_1(_book(kind, 1))
    never_invited = _week_1(_book(kind, 2))
    # The first patient's invitation is written as the window opens; then the worker is
    # down until the window has closed.
    frozen.move_to(OPENS)
    questionnaire_invitations_queue(now=clock.now(), limit=1)
    assert [row[3] for row in _messages(invited)] == ["pending"]
    assert _messages(never_invited) == []

    mail.outbox.clear()
    assert _queue(frozen, CLOSES) == {}
    outcomes = send_due(clock.now())
    assert outcomes == {OutboundMessage.objects.get(time_point=invited).pk: "no longer wanted"}
    assert mail.outbox == []
    assert [row[3] for row in _messages(invited)] == ["cancelled"]
    assert _messages(never_invited) == []
    assert TimePoint.objects.get(pk=never_invited.pk).invited_at is None


def test_it_drops_an_invitation_answered_before_the_worker_sent_it(kind, frozen, sms_dir):
    week_1 = _week_1(_book(kind, 1, sms_ok=True))
    assert _queue(frozen, OPENS) == {"invited": 1}
    # Before the outbox's turn, the patient answers on the clinic's tablet.
    frozen.shift(timedelta(minutes=1))
    response_save(
        actor=TEST_ACTOR,
        time_point=week_1,
        instrument="nrs",
        answers={"nrs_back": 3, "nrs_leg": 4},
        mode="tablet",
        language="en",
        now=clock.now(),
    )
    time_point_submit(actor=TEST_ACTOR, time_point=week_1, now=clock.now())

    mail.outbox.clear()
    outcomes = send_due(clock.now())
    assert sorted(outcomes.values()) == ["no longer wanted"] * 2
    assert [row[3] for row in _messages(week_1)] == ["cancelled", "cancelled"]
    assert mail.outbox == []
    assert _texts(sms_dir) == []
    # Nor is an answered time point reminded.
    assert _queue(frozen, HALFWAY) == {}


# --- the language, and the progress link ------------------------------------------------


def test_it_writes_each_patients_invitation_in_their_language(kind, frozen, client):
    spanish = _week_1(_book(kind, 1, sms_ok=True, language="es"))
    english = _week_1(_book(kind, 2, sms_ok=True))
    assert _queue(frozen, OPENS) == {"invited": 2}

    for point, language, prefix in ((spanish, "es", "/es/p/"), (english, "en", "/p/")):
        messages = OutboundMessage.objects.filter(time_point=point).order_by("channel")
        assert [(m.channel, m.language) for m in messages] == [
            ("email", language),
            ("sms", language),
        ]
        for message in messages:
            paths = _paths(message.body)
            assert paths and all(path.startswith(prefix) for path in paths), message.body
        # The link opens the questions in that language.
        page = client.get(_paths(messages[0].body)[0])
        assert page.status_code == 200
        assert page["Content-Language"] == language


def test_a_follow_up_invitation_carries_a_progress_link_and_the_intake_reminder_none(
    kind, frozen, client
):
    patient = _book(kind, 1, start=WEDNESDAY_9)
    week_1 = _week_1(patient)
    baseline = patient.time_points.get(code="baseline")
    assert _queue(frozen, datetime(2026, 11, 28, 17, 0, tzinfo=UTC)) == {"reminded": 1}
    [intake] = OutboundMessage.objects.filter(time_point=baseline)
    intake_paths = _paths(intake.body)
    assert len(intake_paths) == 1 and intake_paths[0].startswith("/p/questionnaire/")

    assert _queue(frozen, OPENS) == {"invited": 1}
    [follow_up] = OutboundMessage.objects.filter(time_point=week_1)
    questions, progress = _paths(follow_up.body)
    assert questions.startswith("/p/questionnaire/")
    assert progress.startswith("/p/progress/")
    page = client.get(progress)
    assert page.status_code == 200
    assert f"Hello {patient.given_name}. Here are your answers" in page.content.decode()


# --- the front desk asks again ----------------------------------------------------------


@pytest.fixture
def front_desk(make_staff, sign_in):
    """Sign the Pasadena front desk in, now."""
    user = make_staff("front_desk", locations=("pasadena",))
    return lambda: sign_in(user)


def _send_again(desk, point: TimePoint, **options):
    return desk.post(
        f"/staff/patients/{point.patient_id}/questionnaires/{point.pk}/send/", **options
    )


def test_the_front_desk_can_send_an_open_time_point_again_as_a_new_message_each_time(
    kind, frozen, front_desk
):
    week_1 = _week_1(_book(kind, 1, sms_ok=True))
    assert _queue(frozen, OPENS) == {"invited": 1}
    send_due(clock.now())
    frozen.move_to(OPENS + timedelta(days=4))  # Saturday: due yesterday, not answered
    desk = front_desk()

    first = _send_again(desk, week_1)
    assert first.status_code == 302
    assert first["Location"] == f"/staff/patients/{week_1.patient_id}/#plan-title"
    second = _send_again(desk, week_1, follow=True)
    assert "Sent again: Email, Text message." in second.content.decode()

    again = OutboundMessage.objects.filter(time_point=week_1, kind="questionnaire_remind")
    assert again.count() == 4
    assert sorted(again.values_list("channel", flat=True)) == ["email", "email", "sms", "sms"]
    assert len({message.key for message in again}) == 4
    # Each sending carries a new link (the same by email and by text).
    assert len({_paths(message.body)[0] for message in again}) == 2
    assert OutboundMessage.objects.filter(time_point=week_1).count() == 6
    mail.outbox.clear()
    send_due(clock.now())
    assert [m.subject for m in mail.outbox] == [REMINDER_SUBJECT] * 2
    # The worker still sends its own reminder halfway, and its invitation stands.
    stored = TimePoint.objects.get(pk=week_1.pk)
    assert (stored.invited_at, stored.reminded_at) == (OPENS, None)


def test_the_front_desk_cannot_send_a_time_point_that_is_not_open(kind, frozen, front_desk):
    patient = _book(kind, 1, sms_ok=True)
    week_1 = _week_1(patient)
    week_6 = patient.time_points.get(code="week_6", superseded_at__isnull=True)
    frozen.move_to(OPENS + timedelta(days=1))
    desk = front_desk()

    refused = _send_again(desk, week_6, follow=True)
    assert "These questions are not open now: nothing was sent." in refused.content.decode()
    assert not OutboundMessage.objects.filter(time_point=week_6).exists()

    # Once answered, nor is the one-week set.
    response_save(
        actor=TEST_ACTOR,
        time_point=week_1,
        instrument="nrs",
        answers={"nrs_back": 3, "nrs_leg": 4},
        mode="tablet",
        language="en",
        now=clock.now(),
    )
    time_point_submit(actor=TEST_ACTOR, time_point=week_1, now=clock.now())
    refused = _send_again(desk, week_1, follow=True)
    assert "These questions are not open now: nothing was sent." in refused.content.decode()
    assert not OutboundMessage.objects.filter(time_point=week_1).exists()


# --- the intake set's link, with the booking ----------------------------------------------


def test_the_intake_link_comes_in_the_booking_email_and_in_the_text_of_a_patient_without_email(
    kind, client, sms_dir
):
    by_email = _book(kind, 1, visit_messages=True)
    by_text = _book(kind, 2, email=False, visit_messages=True)
    mail.outbox.clear()
    send_due(clock.now())

    [confirmation] = mail.outbox
    assert confirmation.to == ["patient1@example.com"]
    [(to, text)] = _texts(sms_dir)
    assert to == "+16265551002"
    for patient, body in ((by_email, str(confirmation.body)), (by_text, text)):
        [path] = [p for p in _paths(body) if p.startswith("/p/questionnaire/")]
        page = client.get(path)
        assert page.status_code == 200
        assert f"Hello {patient.given_name}" in page.content.decode()
        baseline = patient.time_points.get(code="baseline")
        assert baseline.invited_at == NOW
    # The worker does not invite them again.
    assert questionnaire_invitations_queue(now=clock.now()) == {}
