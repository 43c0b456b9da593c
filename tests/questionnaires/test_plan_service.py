"""The follow-up plan as the services write it: seven time points from a first
consultation, with whole local days as windows; the intake set due by the visit and
open from the day it is booked; one plan however many consultations are booked, begun
again only when its baseline was missed; counted again from the procedure, keeping what
was answered; and each time point's state as its window opens, falls due and closes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from mildpath.audit.models import AuditEvent
from mildpath.core import clock
from mildpath.demo.loader import demo_schedule_load
from mildpath.patients.models import Patient, PatientLink
from mildpath.patients.services import PatientDetails
from mildpath.questionnaires.models import Response, TimePoint
from mildpath.questionnaires.queries import plan_of, progress_of
from mildpath.questionnaires.services import (
    follow_up_plan_reanchor,
    paper_response_enter,
    response_save,
    time_point_submit,
)
from mildpath.scheduling.models import Appointment, AppointmentType
from mildpath.scheduling.services.booking import appointment_book
from tests.helpers import NOW, TEST_ACTOR

# Time stands at tests.helpers.NOW, Tuesday 24 November 2026, 9 a.m. in Los Angeles.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]
LA = ZoneInfo("America/Los_Angeles")
WEDNESDAY_9 = datetime(2026, 12, 2, 17, 0, tzinfo=UTC)  # 9 a.m. in Pasadena
CODES = ["baseline", "week_1", "week_6", "month_3", "month_6", "month_12", "month_24"]

# Every item of the full set, answered (the values are each item's own options).
FULL_ANSWERS = {
    "nrs": {"nrs_back": 6, "nrs_leg": 7},
    "odi": {f"odi_{n}": 2 for n in range(1, 11)},
    "zcq": {
        **{f"zcq_sym{n}": 3 for n in range(1, 7)},
        "zcq_sym7": 3,
        **{f"zcq_fun{n}": 2 for n in range(1, 6)},
    },
    "standing": {"standing_minutes": 8, "standing_capped": False},
    "walking": {"walking_feet": 250, "walking_method": 1, "walking_capped": False},
}


@pytest.fixture(autouse=True)
def sms_dir(settings, tmp_path):
    settings.MILDPATH_SMS_FILE_PATH = tmp_path / "sms"


@pytest.fixture
def kind(demo_practice) -> AppointmentType:
    demo_schedule_load()
    return AppointmentType.objects.get(location__slug="pasadena", kind="consultation")


def _book(kind: AppointmentType, start: datetime = WEDNESDAY_9) -> Appointment:
    """A consultation for Rosa Delgado (the same person each time: phone and birthday)."""
    return appointment_book(
        actor=TEST_ACTOR,
        appointment_type=kind,
        start=start,
        patient=PatientDetails(
            "Rosa", "Delgado", date(1951, 4, 1), "+16265551001", "rosa@example.com", "en"
        ),
        now=clock.now(),
        email_ok=True,
    )


def _midnight(day: date) -> datetime:
    """The start of ``day`` in Los Angeles, in UTC, as the database keeps it."""
    return datetime.combine(day, time(0), tzinfo=LA).astimezone(UTC)


def _current(patient: Patient) -> dict[str, TimePoint]:
    return {point.code: point for point in plan_of(patient)}


def _reanchor(patient: Patient, procedure: date) -> dict[str, TimePoint]:
    points = follow_up_plan_reanchor(
        actor=TEST_ACTOR,
        patient=patient,
        location=patient.time_points.get(code="baseline").location,
        procedure_date=procedure,
        now=clock.now(),
    )
    return {point.code: point for point in points}


def _stored(point: TimePoint) -> TimePoint:
    return TimePoint.objects.get(pk=point.pk)


# --- the plan a first consultation starts ---------------------------------------------


def test_it_plans_seven_time_points_in_whole_pasadena_days_when_a_consultation_is_booked(kind):
    appointment = _book(kind)
    plan = plan_of(appointment.patient)
    assert [point.code for point in plan] == CODES
    assert {(point.anchor, point.anchor_date) for point in plan} == {
        ("baseline", date(2026, 12, 2))
    }
    # (time point, due day, first day of the window, last day of the window)
    expected = [
        ("week_1", date(2026, 12, 9), date(2026, 12, 6), date(2026, 12, 16)),
        ("week_6", date(2027, 1, 13), date(2026, 12, 30), date(2027, 1, 27)),
        ("month_3", date(2027, 3, 2), date(2027, 2, 9), date(2027, 4, 1)),
        ("month_6", date(2027, 6, 2), date(2027, 5, 3), date(2027, 7, 17)),
        ("month_12", date(2027, 12, 2), date(2027, 10, 18), date(2028, 1, 31)),
        ("month_24", date(2028, 12, 2), date(2028, 10, 3), date(2029, 3, 2)),
    ]
    follow_ups = [
        (point.code, point.target, point.opens_at, point.closes_at, point.due_at)
        for point in plan[1:]
    ]
    day = timedelta(days=1)
    assert follow_ups == [
        (code, due, _midnight(first), _midnight(last + day), _midnight(due + day))
        for code, due, first, last in expected
    ]
    # Local midnight is 08:00 UTC in winter and 07:00 UTC in summer.
    by_code = {point.code: point for point in plan}
    assert by_code["week_1"].opens_at == datetime(2026, 12, 6, 8, 0, tzinfo=UTC)
    assert by_code["month_3"].closes_at == datetime(2027, 4, 2, 7, 0, tzinfo=UTC)
    assert by_code["month_6"].opens_at == datetime(2027, 5, 3, 7, 0, tzinfo=UTC)
    # The intake set: open from the moment the visit is booked, due by the visit itself,
    # answerable to the end of the visit's day.
    baseline = by_code["baseline"]
    assert baseline.target == date(2026, 12, 2)
    assert baseline.opens_at == NOW
    assert baseline.due_at == appointment.start == WEDNESDAY_9
    assert baseline.closes_at == datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
    assert [point.state(clock.now()) for point in plan] == ["open"] + ["upcoming"] * 6
    [started] = AuditEvent.objects.filter(action="plan.start")
    assert started.patient_id == appointment.patient_id
    assert started.detail == {"anchor": "baseline", "from": "2026-12-02", "points": 7}


def test_it_keeps_the_baseline_of_a_second_consultation_booked_before_the_first_answers(kind):
    later = _book(kind, WEDNESDAY_9 + timedelta(days=7))
    baseline = later.patient.time_points.get(code="baseline")
    assert baseline.due_at == WEDNESDAY_9 + timedelta(days=7)

    # An earlier visit, booked next: the same intake set, now due by that earlier visit.
    earlier = _book(kind, WEDNESDAY_9)
    assert earlier.patient_id == later.patient_id
    # A third, after both: still due by the earliest.
    last = _book(kind, WEDNESDAY_9 + timedelta(days=14))
    assert last.patient_id == later.patient_id

    plan = plan_of(later.patient)
    assert [point.code for point in plan] == CODES
    assert TimePoint.objects.filter(patient=later.patient).count() == 7  # nothing replaced
    current = _current(later.patient)
    assert current["baseline"].pk == baseline.pk
    assert current["baseline"].due_at == WEDNESDAY_9
    assert current["baseline"].state(WEDNESDAY_9) == "overdue"
    # Each confirmation carries a link to that one baseline.
    links = PatientLink.objects.filter(patient=later.patient, purpose="questionnaire")
    assert list(links.values_list("target_id", flat=True)) == [baseline.pk] * 3
    assert AuditEvent.objects.filter(action="plan.start").count() == 1


def test_it_starts_the_plan_again_when_the_baseline_was_missed(kind, frozen):
    first = _book(kind)
    old = plan_of(first.patient)
    # The visit's day ends without an answer; a week later another consultation is booked.
    frozen.move_to(datetime(2026, 12, 8, 18, 30, tzinfo=UTC))
    assert old[0].state(clock.now()) == "missed"
    second = _book(kind, WEDNESDAY_9 + timedelta(days=14))
    assert second.patient_id == first.patient_id

    replaced = TimePoint.objects.filter(pk__in=[point.pk for point in old])
    assert {point.superseded_at for point in replaced} == {clock.now()}
    assert {point.state(clock.now()) for point in replaced} == {"replaced"}
    plan = plan_of(second.patient)
    assert [point.code for point in plan] == CODES
    assert {point.anchor_date for point in plan} == {date(2026, 12, 16)}
    baseline = plan[0]
    assert (baseline.opens_at, baseline.due_at) == (clock.now(), second.start)
    assert baseline.state(clock.now()) == "open"
    assert plan[1].target == date(2026, 12, 23)
    assert AuditEvent.objects.filter(action="plan.start").count() == 2


def test_it_keeps_an_answered_baseline_when_a_later_consultation_is_booked(kind, frozen):
    first = _book(kind)
    baseline = first.patient.time_points.get(code="baseline")
    frozen.move_to(WEDNESDAY_9 - timedelta(hours=1))
    for instrument, answers in FULL_ANSWERS.items():
        paper_response_enter(
            actor=TEST_ACTOR,
            time_point=baseline,
            instrument=instrument,
            answers=answers,
            now=clock.now(),
        )
    assert _stored(baseline).state(clock.now()) == "complete"

    frozen.move_to(datetime(2026, 12, 8, 18, 30, tzinfo=UTC))
    _book(kind, WEDNESDAY_9 + timedelta(days=14))
    current = _current(first.patient)
    assert current["baseline"].pk == baseline.pk
    assert current["baseline"].due_at == WEDNESDAY_9  # answered: its due time stays
    assert TimePoint.objects.filter(patient=first.patient).count() == 7
    assert not TimePoint.objects.filter(superseded_at__isnull=False).exists()


# --- counted again from the procedure ---------------------------------------------------


def test_it_counts_the_follow_ups_again_from_the_procedure_and_keeps_the_answers_given(
    kind, frozen
):
    appointment = _book(kind)
    patient = appointment.patient
    before = _current(patient)
    # A week after the consultation the patient answers the one-week questions.
    frozen.move_to(datetime(2026, 12, 9, 19, 0, tzinfo=UTC))
    week_1 = before["week_1"]
    response_save(
        actor=TEST_ACTOR,
        time_point=week_1,
        instrument="nrs",
        answers={"nrs_back": 6, "nrs_leg": 8},
        mode="link",
        language="en",
        now=clock.now(),
    )
    time_point_submit(actor=TEST_ACTOR, time_point=week_1, now=clock.now())

    # The procedure is on Friday 18 December.
    frozen.move_to(datetime(2026, 12, 14, 18, 0, tzinfo=UTC))
    new = _reanchor(patient, date(2026, 12, 18))
    assert list(new) == CODES[1:]
    assert {point.anchor for point in new.values()} == {"procedure"}
    assert {point.anchor_date for point in new.values()} == {date(2026, 12, 18)}
    assert [point.target for point in new.values()] == [
        date(2026, 12, 25),
        date(2027, 1, 29),
        date(2027, 3, 18),
        date(2027, 6, 18),
        date(2027, 12, 18),
        date(2028, 12, 18),
    ]
    assert new["week_1"].opens_at == _midnight(date(2026, 12, 22))
    assert new["week_1"].closes_at == _midnight(date(2027, 1, 2))

    # The baseline stays; every follow-up counted from the consultation is replaced.
    current = _current(patient)
    assert current["baseline"].pk == before["baseline"].pk
    assert current["baseline"].superseded_at is None
    assert {code: point.pk for code, point in current.items() if code != "baseline"} == {
        code: point.pk for code, point in new.items()
    }
    old = TimePoint.objects.filter(pk__in=[before[code].pk for code in CODES[1:]])
    assert {point.superseded_at for point in old} == {clock.now()}
    # What was answered stays, with the time point it was answered for.
    answered = Response.objects.get(patient=patient, instrument="nrs")
    assert answered.time_point_id == week_1.pk
    assert (answered.status, answered.scores) == ("complete", {"nrs_back": 6, "nrs_leg": 8})
    assert _stored(week_1).state(clock.now()) == "complete"
    assert [(r.code, r.value) for r in progress_of(patient)["nrs_leg"]] == [("week_1", 8)]
    [event] = AuditEvent.objects.filter(action="plan.reanchor")
    assert event.detail == {"from": "2026-12-18", "replaced": 6, "points": 6}

    # The procedure moves: counted again, the first replacement replaced in its turn.
    later = _reanchor(patient, date(2027, 1, 8))
    assert _current(patient)["week_1"].pk == later["week_1"].pk
    assert _stored(new["week_1"]).state(clock.now()) == "replaced"
    assert TimePoint.objects.filter(patient=patient, superseded_at__isnull=True).count() == 7


# --- the days clocks change, and the ends of months ------------------------------------


def _procedure_plan(patient: Patient, procedure: date) -> dict[str, TimePoint]:
    """The follow-ups of a patient whose procedure is on ``procedure``, counted the
    morning of the procedure, read back from the database."""
    with time_machine.travel(datetime.combine(procedure, time(7), tzinfo=LA), tick=False):
        points = _reanchor(patient, procedure)
    return {code: _stored(point) for code, point in points.items()}


def test_it_keeps_whole_local_days_for_a_window_spanning_the_spring_clock_change(kind):
    # Procedure Monday 1 March 2027: the one-week window runs 5 to 15 March, and clocks go
    # forward on Sunday 14 March.
    week_1 = _procedure_plan(_book(kind).patient, date(2027, 3, 1))["week_1"]
    assert week_1.target == date(2027, 3, 8)
    assert week_1.opens_at == datetime(2027, 3, 5, 8, 0, tzinfo=UTC)  # midnight, standard time
    assert week_1.closes_at == datetime(2027, 3, 16, 7, 0, tzinfo=UTC)  # midnight, daylight time
    assert week_1.due_at == datetime(2027, 3, 9, 8, 0, tzinfo=UTC)
    assert week_1.closes_at - week_1.opens_at == timedelta(days=11, hours=-1)
    assert week_1.opens_at.astimezone(LA).time() == time(0)
    assert week_1.closes_at.astimezone(LA).time() == time(0)
    # Answerable from the first minute of the 5th to the last minute of the 15th, local time.
    assert week_1.state(datetime(2027, 3, 4, 23, 59, tzinfo=LA)) == "upcoming"
    assert week_1.state(datetime(2027, 3, 5, 0, 0, tzinfo=LA)) == "open"
    assert week_1.state(datetime(2027, 3, 15, 23, 59, tzinfo=LA)) == "overdue"
    assert week_1.state(datetime(2027, 3, 16, 0, 0, tzinfo=LA)) == "missed"


def test_it_keeps_whole_local_days_for_a_window_spanning_the_autumn_clock_change(kind):
    # Procedure Sunday 31 October 2027: the one-week window runs 4 to 14 November, and
    # clocks go back on Sunday 7 November.
    week_1 = _procedure_plan(_book(kind).patient, date(2027, 10, 31))["week_1"]
    assert week_1.target == date(2027, 11, 7)
    assert week_1.opens_at == datetime(2027, 11, 4, 7, 0, tzinfo=UTC)  # midnight, daylight time
    assert week_1.closes_at == datetime(2027, 11, 15, 8, 0, tzinfo=UTC)  # midnight, standard time
    assert week_1.due_at == datetime(2027, 11, 8, 8, 0, tzinfo=UTC)
    assert week_1.closes_at - week_1.opens_at == timedelta(days=11, hours=1)
    assert week_1.state(datetime(2027, 11, 3, 23, 59, tzinfo=LA)) == "upcoming"
    assert week_1.state(datetime(2027, 11, 4, 0, 0, tzinfo=LA)) == "open"
    assert week_1.state(datetime(2027, 11, 14, 23, 59, tzinfo=LA)) == "overdue"
    assert week_1.state(datetime(2027, 11, 15, 0, 0, tzinfo=LA)) == "missed"


def test_it_counts_months_from_a_procedure_on_the_last_day_of_a_month_to_that_months_end(kind):
    patient = _book(kind).patient
    from_january = _procedure_plan(patient, date(2027, 1, 31))
    assert from_january["month_3"].target == date(2027, 4, 30)
    assert from_january["month_6"].target == date(2027, 7, 31)
    assert from_january["month_12"].target == date(2028, 1, 31)
    # Due by the end of the day it falls on.
    assert from_january["month_3"].due_at == _midnight(date(2027, 5, 1))

    # The procedure put off to the end of August: counted again.
    from_august = _procedure_plan(patient, date(2027, 8, 31))
    assert from_august["month_3"].target == date(2027, 11, 30)
    assert from_august["month_6"].target == date(2028, 2, 29)  # a leap year
    assert from_august["month_12"].target == date(2028, 8, 31)
    assert from_august["month_24"].target == date(2029, 8, 31)
    assert from_august["month_6"].due_at == _midnight(date(2028, 3, 1))
    assert from_august["month_6"].opens_at == _midnight(date(2028, 1, 30))  # 30 days before


# --- a time point's state as time passes -------------------------------------------------


def test_a_follow_up_is_upcoming_open_overdue_then_missed_as_its_window_passes(kind, frozen):
    point = _book(kind).patient.time_points.get(code="week_6")
    # Due Wednesday 13 January 2027; answerable 30 December to 27 January.
    moments = [
        (datetime(2026, 12, 29, 23, 59, 59, tzinfo=LA), "upcoming"),
        (datetime(2026, 12, 30, 0, 0, tzinfo=LA), "open"),
        (datetime(2027, 1, 13, 23, 59, 59, tzinfo=LA), "open"),  # the last moment of its day
        (datetime(2027, 1, 14, 0, 0, tzinfo=LA), "overdue"),
        (datetime(2027, 1, 27, 23, 59, 59, tzinfo=LA), "overdue"),
        (datetime(2027, 1, 28, 0, 0, tzinfo=LA), "missed"),
    ]
    seen = []
    for moment, _state in moments:
        frozen.move_to(moment)
        seen.append((moment, _stored(point).state(clock.now())))
    assert seen == moments


def test_the_intake_set_is_overdue_from_the_visit_and_complete_once_answered(kind, frozen):
    baseline = _book(kind).patient.time_points.get(code="baseline")
    assert baseline.state(clock.now()) == "open"
    assert baseline.state(WEDNESDAY_9 - timedelta(seconds=1)) == "open"
    assert baseline.state(WEDNESDAY_9) == "overdue"  # the visit has begun
    assert baseline.state(_midnight(date(2026, 12, 3))) == "missed"

    frozen.move_to(WEDNESDAY_9 + timedelta(hours=2))  # answered on paper after the visit
    for instrument, answers in FULL_ANSWERS.items():
        paper_response_enter(
            actor=TEST_ACTOR,
            time_point=baseline,
            instrument=instrument,
            answers=answers,
            now=clock.now(),
        )
    answered = _stored(baseline)
    assert answered.completed_at == clock.now()
    # Complete stays complete, however late it is asked.
    for moment in (clock.now(), _midnight(date(2026, 12, 3)), _midnight(date(2027, 6, 1))):
        assert answered.state(moment) == "complete"
