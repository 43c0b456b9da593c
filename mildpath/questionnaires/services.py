"""Every write of the follow-up plan and the answers: atomic, audited, taking the actor
and the time.

The plan (``follow_up_plan_start``) is counted from the first consultation until a
procedure exists, then again from the procedure (``follow_up_plan_reanchor``). Answers
are saved screen by screen as the patient goes (``response_save``), so closing the page
loses nothing, and scored only when the whole set is sent (``time_point_submit``) or a
paper form is entered complete (``paper_response_enter``). Every change of a time point
locks its row first: two taps of "Send", or two tabs, complete it once.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction

from mildpath.audit.actor import Actor
from mildpath.audit.services import record
from mildpath.patients.models import Patient, PatientLink
from mildpath.patients.services import patient_link_consume
from mildpath.practice.models import Location
from mildpath.questionnaires import answers as rules
from mildpath.questionnaires import instruments
from mildpath.questionnaires.errors import AlreadyAnswered, AnswersIncomplete, QuestionnaireClosed
from mildpath.questionnaires.models import InstrumentText, Response, TimePoint
from mildpath.questionnaires.plan import TimePointRule, parse_schedule, plan_time_points

# A link opened on the clinic tablet lasts the visit, not the usual two weeks.
TABLET_LINK_LIFETIME = timedelta(hours=2)


def schedule() -> tuple[TimePointRule, ...]:
    """The practice's time points (MILDPATH_FOLLOW_UP_SCHEDULE, else the default)."""
    return parse_schedule(settings.MILDPATH_FOLLOW_UP_SCHEDULE)


def _plan(
    *,
    patient: Patient,
    location: Location,
    anchor: str,
    anchor_date: date,
    now: datetime,
    include_baseline: bool,
    due_at: datetime | None = None,
    invited: bool = False,
) -> list[TimePoint]:
    """The plan's time points, written in one statement. A baseline opens ``now``: it
    can be answered from the moment the visit is booked, however far ahead the visit
    is, and not before (a window opened weeks before the booking would put its
    reminder, halfway to the visit, in the past, sent at once). ``invited``: the
    baseline's invitation goes out with this change (a booking's confirmation)."""
    planned = plan_time_points(
        anchor=anchor_date, tz=location.tz, schedule=schedule(), include_baseline=include_baseline
    )
    return TimePoint.objects.bulk_create(
        TimePoint(
            patient=patient,
            location=location,
            code=point.code,
            anchor=anchor,
            anchor_date=anchor_date,
            target=point.target,
            opens_at=now if point.code == "baseline" else point.opens_at,
            closes_at=point.closes_at,
            # Due by the visit for the baseline; otherwise by the end of the target day.
            due_at=due_at if point.code == "baseline" else _day_end(point.target, location),
            created_at=now,
            invited_at=now if invited and point.code == "baseline" else None,
        )
        for point in planned
    )


def _day_end(day: date, location: Location) -> datetime:
    following = datetime.combine(day + timedelta(days=1), time(0), tzinfo=location.tz)
    return following.astimezone(UTC)


def follow_up_plan_start(
    *,
    actor: Actor,
    patient: Patient,
    location: Location,
    anchor_date: date,
    due_at: datetime | None,
    now: datetime,
    invited: bool = False,
) -> TimePoint:
    """The patient's plan, counted from ``anchor_date`` (their first consultation), and
    its baseline time point, due by ``due_at``. A patient with a plan keeps it (a
    second consultation booked before the first answers are in is still the same
    baseline, due by the earlier visit); a plan whose baseline was missed and never
    answered starts again, unless it is counted from a procedure already. Call inside
    the transaction of the booking that starts it. ``invited``: a new baseline is
    written as invited (the booking's confirmation carries its link)."""
    current = TimePoint.objects.select_for_update().filter(
        patient=patient, superseded_at__isnull=True
    )
    baseline = next((point for point in current if point.code == "baseline"), None)
    counted_from_procedure = any(point.anchor == TimePoint.Anchor.PROCEDURE for point in current)
    if baseline is not None and (baseline.state(now) != "missed" or counted_from_procedure):
        # A plan counted from a procedure is never restarted by a later consultation;
        # its missed baseline stays missed.
        if (
            due_at is not None
            and baseline.completed_at is None
            and (baseline.due_at is None or due_at < baseline.due_at)
        ):
            baseline.due_at = due_at
            baseline.save(update_fields=["due_at"])
        return baseline
    if baseline is not None:
        current.update(superseded_at=now)
    points = _plan(
        patient=patient,
        location=location,
        anchor=TimePoint.Anchor.BASELINE,
        anchor_date=anchor_date,
        now=now,
        include_baseline=True,
        due_at=due_at,
        invited=invited,
    )
    record(
        action="plan.start",
        actor=actor,
        now=now,
        obj=points[0],
        patient_id=patient.pk,
        detail={"anchor": "baseline", "from": anchor_date.isoformat(), "points": len(points)},
    )
    return points[0]


@transaction.atomic
def follow_up_plan_reanchor(
    *, actor: Actor, patient: Patient, location: Location, procedure_date: date, now: datetime
) -> list[TimePoint]:
    """Count the follow-ups from the procedure: the time points after the baseline are
    replaced by new ones from ``procedure_date``. The baseline stays (it is what every
    follow-up is compared with), and so do answers already given."""
    replaced = (
        TimePoint.objects.select_for_update()
        .filter(patient=patient, superseded_at__isnull=True)
        .exclude(code="baseline")
    )
    count = replaced.update(superseded_at=now)
    points = _plan(
        patient=patient,
        location=location,
        anchor=TimePoint.Anchor.PROCEDURE,
        anchor_date=procedure_date,
        now=now,
        include_baseline=False,
    )
    record(
        action="plan.reanchor",
        actor=actor,
        now=now,
        obj=points[0] if points else None,
        patient_id=patient.pk,
        detail={"from": procedure_date.isoformat(), "replaced": count, "points": len(points)},
    )
    return points


def _locked(time_point: TimePoint, *, now: datetime, late_ok: bool) -> TimePoint:
    """The time point, locked for a change of its answers, or why it takes none."""
    locked = TimePoint.objects.select_for_update().get(pk=time_point.pk)
    state = locked.state(now)
    # A paper form may come in after the window closed (the patient filled it in time
    # and posted it), never before the window opens: a 24-month answer given today is
    # not a 24-month answer.
    if state in ("complete", "replaced", "upcoming") or (state == "missed" and not late_ok):
        raise QuestionnaireClosed(state)
    return locked


@transaction.atomic
def response_save(
    *,
    actor: Actor,
    time_point: TimePoint,
    instrument: str,
    answers: Mapping[str, rules.Answer],
    mode: str,
    language: str,
    now: datetime,
) -> Response:
    """Keep the answers given on one screen, in progress: the patient can close the page
    and come back to where they were."""
    if instrument not in rules.instruments_for(time_point.code):
        raise ValueError(f"{instrument} is not asked at {time_point.code}")
    locked = _locked(time_point, now=now, late_ok=mode == Response.Mode.PAPER)
    response, created = Response.objects.get_or_create(
        time_point=locked,
        instrument=instrument,
        defaults={
            "patient_id": locked.patient_id,
            "version": instruments.latest(instrument).version,
            "mode": mode,
            "language": language,
            "entered_by": actor.user if mode == Response.Mode.PAPER else None,
            "started_at": now,
            "updated_at": now,
        },
    )
    if response.status == Response.Status.COMPLETE:
        raise AlreadyAnswered
    response.answers = {**response.answers, **answers}
    response.updated_at = now
    response.language = language
    response.save(update_fields=["answers", "updated_at", "language"])
    record(
        action="response.save",
        actor=actor,
        now=now,
        obj=response,
        patient_id=locked.patient_id,
        detail={"instrument": instrument, "items": sorted(answers), "new": created},
    )
    return response


def _missing(time_point: TimePoint, responses: dict[str, Response]) -> dict[str, list[str]]:
    treated = rules.after_treatment(time_point.code)
    missing = {}
    for code in rules.instruments_for(time_point.code):
        response = responses.get(code)
        if response is not None and response.status == Response.Status.COMPLETE:
            continue
        instrument = (
            instruments.get(code, response.version) if response else instruments.latest(code)
        )
        waiting = rules.unanswered(
            instrument, response.answers if response else {}, treated=treated
        )
        if waiting:
            missing[code] = waiting
    return missing


def _complete(response: Response, *, treated: bool, now: datetime) -> None:
    instrument = instruments.get(response.instrument, response.version)
    response.scores = rules.score(instrument, response.answers, treated=treated)
    response.status = Response.Status.COMPLETE
    response.completed_at = now
    response.save(update_fields=["scores", "status", "completed_at"])


def time_point_submit(
    *, actor: Actor, time_point: TimePoint, now: datetime, link: PatientLink | None = None
) -> TimePoint:
    """Send the whole set: every questionnaire of the time point scored and complete,
    the link used up. Raises AnswersIncomplete (nothing changes) while any question
    waits, QuestionnaireClosed when it is complete already (a second tap of "Send")
    or its window has closed."""
    with transaction.atomic():
        locked = _locked(time_point, now=now, late_ok=False)
        responses = {
            response.instrument: response
            for response in Response.objects.select_for_update().filter(time_point=locked)
        }
        missing = _missing(locked, responses)
        if missing:
            raise AnswersIncomplete(missing)
        treated = rules.after_treatment(locked.code)
        for response in responses.values():
            if response.status != Response.Status.COMPLETE:
                _complete(response, treated=treated, now=now)
        locked.completed_at = now
        locked.save(update_fields=["completed_at"])
        record(
            action="response.complete",
            actor=actor,
            now=now,
            obj=locked,
            patient_id=locked.patient_id,
            detail={"time_point": locked.code, "instruments": sorted(responses)},
        )
        if link is not None:
            patient_link_consume(actor=actor, link=link, now=now)
    return locked


def paper_response_enter(
    *,
    actor: Actor,
    time_point: TimePoint,
    instrument: str,
    answers: Mapping[str, rules.Answer],
    now: datetime,
) -> Response:
    """A paper form the patient filled, entered by staff on their behalf: complete in
    one go (AnswersIncomplete names what the form lacks, and nothing is stored),
    marked as paper and as entered by ``actor``. The time point is complete once all
    its questionnaires are. Answers the patient began online are replaced: the paper
    form is what they finished."""
    with transaction.atomic():
        if instrument not in rules.instruments_for(time_point.code):
            raise ValueError(f"{instrument} is not asked at {time_point.code}")
        locked = _locked(time_point, now=now, late_ok=True)
        treated = rules.after_treatment(locked.code)
        shipped = instruments.latest(instrument)
        waiting = rules.unanswered(shipped, answers, treated=treated)
        if waiting:
            raise AnswersIncomplete({instrument: waiting})
        existing = (
            Response.objects.select_for_update()
            .filter(time_point=locked, instrument=instrument)
            .first()
        )
        if existing is not None and existing.status == Response.Status.COMPLETE:
            raise AlreadyAnswered
        response = existing or Response(
            time_point=locked, patient_id=locked.patient_id, instrument=instrument, started_at=now
        )
        response.version = shipped.version
        response.answers = dict(answers)
        response.mode = Response.Mode.PAPER
        response.language = locked.patient.preferred_language
        response.entered_by = actor.user
        response.updated_at = now
        response.save()
        _complete(response, treated=treated, now=now)
        record(
            action="response.paper",
            actor=actor,
            now=now,
            obj=response,
            patient_id=locked.patient_id,
            detail={"time_point": locked.code, "instrument": instrument},
        )
        done = Response.objects.filter(time_point=locked, status=Response.Status.COMPLETE)
        if done.count() == len(rules.instruments_for(locked.code)):
            locked.completed_at = now
            locked.save(update_fields=["completed_at"])
            record(
                action="response.complete",
                actor=actor,
                now=now,
                obj=locked,
                patient_id=locked.patient_id,
                detail={"time_point": locked.code, "paper": True},
            )
    return response


def time_point_invited(*, time_point: TimePoint, now: datetime, reminder: bool = False) -> None:
    """Note that the patient was asked (or reminded) for this time point. Call inside the
    transaction that writes the messages, so the two are one."""
    field = "reminded_at" if reminder else "invited_at"
    setattr(time_point, field, now)
    time_point.save(update_fields=[field])


@transaction.atomic
def instrument_text_load(
    *, actor: Actor, text: Mapping[str, object], now: datetime
) -> InstrumentText:
    """Load the practice's licensed wording of an instrument in one language (replacing
    an earlier load). ``instruments.with_text`` checks it changes wording only."""
    code, version, language = str(text["instrument"]), str(text["version"]), str(text["language"])
    instruments.with_text(instruments.get(code, version), text)  # ValueError when it does not fit
    loaded, _created = InstrumentText.objects.update_or_create(
        instrument=code,
        version=version,
        language=language,
        defaults={"text": dict(text), "loaded_at": now},
    )
    record(
        action="instrument.text",
        actor=actor,
        now=now,
        obj=loaded,
        detail={"instrument": code, "version": version, "language": language},
    )
    return loaded


def follow_up_plans_join(
    *, actor: Actor, from_patient: Patient, into_patient: Patient, now: datetime
) -> None:
    """Two records found to be one person: the plan and answers of ``from_patient`` (a
    record made by an online booking) join ``into_patient``. When the known record has
    a plan of its own, that plan stays current and the joining one is kept as replaced,
    its answers with it. Call inside the transaction that joins the records."""
    moving = TimePoint.objects.select_for_update().filter(patient=from_patient)
    if not moving.exists():
        return
    if TimePoint.objects.filter(patient=into_patient, superseded_at__isnull=True).exists():
        moving.filter(superseded_at__isnull=True).update(superseded_at=now)
    moving.update(patient=into_patient)
    Response.objects.filter(patient=from_patient).update(patient=into_patient)
    record(
        action="plan.join",
        actor=actor,
        now=now,
        patient_id=into_patient.pk,
        detail={"from": from_patient.pk},
    )
