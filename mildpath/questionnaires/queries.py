"""Reads of the plan and the answers. Staff reads take the actor and go through the
patient's scope (``patients.queries``); a patient's own reads go through their link."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.http import Http404

from mildpath.accounts.access import scoped_locations
from mildpath.audit.actor import Actor
from mildpath.audit.services import record
from mildpath.core import clock
from mildpath.patients.models import Patient, PatientLink
from mildpath.patients.queries import patient_for_change, patient_list, patients_in_scope
from mildpath.questionnaires import answers, instruments
from mildpath.questionnaires.models import InstrumentText, Response, TimePoint

OVERDUE_SHOWN = 50


def instrument_for(
    code: str, *, version: str | None = None, language: str = "en"
) -> instruments.Instrument:
    """The instrument as a patient reads it: the shipped structure with the practice's
    licensed wording in ``language`` when it has loaded one."""
    instrument = instruments.latest(code) if version is None else instruments.get(code, version)
    wording = InstrumentText.objects.filter(
        instrument=code, version=instrument.version, language=language
    ).first()
    return instruments.with_text(instrument, wording.text) if wording is not None else instrument


def time_point_for_link(link: PatientLink) -> TimePoint | None:
    """The time point a questionnaire link is about, if it is the link's patient's."""
    if link.target_id is None:
        return None
    return (
        TimePoint.objects.select_related("patient", "location")
        .filter(pk=link.target_id, patient_id=link.patient_id)
        .first()
    )


def responses_of(time_point: TimePoint) -> dict[str, Response]:
    return {response.instrument: response for response in time_point.responses.all()}


@dataclass(frozen=True)
class AnswerSheet:
    """One questionnaire a patient sent, item by item."""

    response: Response
    instrument: instruments.Instrument
    rows: list[answers.AnswerRow]


def answers_time_point(actor: Actor, patient_id: int, time_point_id: int) -> TimePoint:
    """A current time point of a patient in the actor's scope, for a clinician to read
    its answers item by item; the look is audited, naming the time point (Http404, the
    refusal audited, for a patient elsewhere; Http404 for another patient's time point)."""
    patient = patient_for_change(actor, patient_id)
    time_point = time_point_of(patient, time_point_id)
    if time_point is None:
        raise Http404
    record(
        action="answers.read",
        actor=actor,
        now=clock.now(),
        obj=time_point,
        patient_id=patient.pk,
        detail={"time_point": time_point.code},
    )
    return time_point


def answer_sheets(time_point: TimePoint, *, language: str) -> list[AnswerSheet]:
    """The questionnaires sent at a time point already read through ``answers_time_point``,
    in the order the patient met them, each in the wording of the version answered (the
    practice's licensed wording in ``language`` when it has loaded one)."""
    complete = {
        response.instrument: response
        for response in time_point.responses.filter(status=Response.Status.COMPLETE).select_related(
            "entered_by"
        )
    }
    treated = answers.after_treatment(time_point.code)
    sheets = []
    for code in answers.instruments_for(time_point.code):
        response = complete.get(code)
        if response is None:
            continue
        instrument = instrument_for(code, version=response.version, language=language)
        rows = answers.answer_rows(instrument, response.answers, treated=treated, language=language)
        sheets.append(AnswerSheet(response=response, instrument=instrument, rows=rows))
    return sheets


@dataclass(frozen=True)
class Waiting:
    """Questions open for a patient to answer now."""

    time_point: TimePoint
    begun: bool  # some answers are saved already


def questions_waiting(link: PatientLink, *, now: datetime) -> Waiting | None:
    """The earliest set of questions open now and not yet sent, for the patient whose
    link (to a visit) this is; None when nothing is waiting. The page about the visit
    says so and offers to send the questionnaire's link again; it never shows one."""
    time_point = (
        TimePoint.objects.select_related("location")
        .filter(
            patient_id=link.patient_id,
            superseded_at__isnull=True,
            completed_at__isnull=True,
            opens_at__lte=now,
            closes_at__gt=now,
        )
        .order_by("target", "id")
        .first()
    )
    if time_point is None:
        return None
    return Waiting(
        time_point=time_point,
        begun=Response.objects.filter(time_point=time_point).exists(),
    )


def plan_of(patient: Patient) -> list[TimePoint]:
    """A patient's current time points with their responses, for a record already read
    (and audited) through ``patients.queries.patient_get``."""
    return list(
        TimePoint.objects.filter(patient=patient, superseded_at__isnull=True)
        .select_related("location")
        .prefetch_related("responses")
        .order_by("target", "id")
    )


def time_point_of(patient: Patient, time_point_id: int) -> TimePoint | None:
    """One current time point of a patient already read through their scope."""
    return (
        TimePoint.objects.select_related("patient", "location")
        .filter(pk=time_point_id, patient=patient, superseded_at__isnull=True)
        .first()
    )


@dataclass(frozen=True)
class Overdue:
    points: list[TimePoint]
    total: int


def _at_actors_locations(actor: Actor, points: QuerySet[TimePoint]) -> QuerySet[TimePoint]:
    locations = scoped_locations(actor.user)
    return points if locations is None else points.filter(location__in=locations)


def _listed_and_audited(
    actor: Actor, points: QuerySet[TimePoint], action: str, *, now: datetime
) -> list[TimePoint]:
    """The first OVERDUE_SHOWN time points by due date, as a staff list shows them: the
    look is audited with the patients it named."""
    shown = list(points.order_by("due_at", "id")[:OVERDUE_SHOWN])
    if shown:
        record(
            action=action,
            actor=actor,
            now=now,
            detail={"patients": sorted({point.patient_id for point in shown})},
        )
    return shown


def overdue(actor: Actor, *, now: datetime) -> Overdue:
    """Time points past due, not answered, whose window is still open, at the actor's
    locations: the front desk's and the clinicians' list to chase. The look is audited
    with the patients it showed."""
    points: QuerySet[TimePoint] = TimePoint.objects.filter(
        completed_at__isnull=True,
        superseded_at__isnull=True,
        due_at__lte=now,
        closes_at__gt=now,
        patient__merged_into__isnull=True,
    )
    points = _at_actors_locations(actor, points)
    shown = _listed_and_audited(
        actor, points.select_related("patient", "location"), "plan.overdue", now=now
    )
    return Overdue(shown, points.count())


@dataclass(frozen=True)
class Reading:
    """One measure at one time point, as the registry and the charts read it."""

    code: str  # the time point
    target: object
    value: float | int | None
    capped: bool


def completed_responses(patient: Patient) -> list[Response]:
    """Every questionnaire the patient finished, in the order they were sent, with its
    time point and whoever typed a paper form in, in one query."""
    return list(
        Response.objects.filter(patient=patient, status=Response.Status.COMPLETE)
        .select_related("time_point", "entered_by")
        .order_by("completed_at", "pk")
    )


def progress_of(patient: Patient) -> dict[str, list[Reading]]:
    """Every complete score of the patient, by measure, in time order (superseded time
    points included: answers once given stay part of the story)."""
    readings: dict[str, list[Reading]] = {}
    complete = (
        Response.objects.filter(patient=patient, status=Response.Status.COMPLETE)
        .select_related("time_point")
        .order_by("time_point__target", "time_point_id")
    )
    for response in complete:
        scores = response.scores
        for measure, key, cap in MEASURE_KEYS:
            if (
                key in scores
                and isinstance(scores[key], int | float)
                and not isinstance(scores[key], bool)
            ):
                readings.setdefault(measure, []).append(
                    Reading(
                        code=response.time_point.code,
                        target=response.time_point.target,
                        value=scores[key],
                        capped=bool(scores.get(cap)) if cap else False,
                    )
                )
    return readings


# (measure, score key, the key flagging a value stopped at the test's limit)
MEASURE_KEYS = (
    ("odi", "odi", ""),
    ("zcq_symptom", "zcq_symptom", ""),
    ("zcq_function", "zcq_function", ""),
    ("nrs_back", "nrs_back", ""),
    ("nrs_leg", "nrs_leg", ""),
    ("standing_minutes", "standing_minutes", "standing_capped"),
    ("walking_feet", "walking_feet", "walking_capped"),
)


# "Today" for the waiting-room tablet: time points due within this much of now (the
# baseline of a consultation this morning or this afternoon; a follow-up due today).
TABLET_DAY = timedelta(hours=12)


def _answerable(actor: Actor, *, now: datetime) -> QuerySet[TimePoint]:
    return TimePoint.objects.filter(
        patient__in=patients_in_scope(actor),
        opens_at__lte=now,
        closes_at__gt=now,
        completed_at__isnull=True,
        superseded_at__isnull=True,
    ).select_related("patient", "location")


def tablet_list(actor: Actor, *, now: datetime, search: str = "") -> list[TimePoint]:
    """Time points a patient could answer on the clinic tablet now: those due around
    today at the actor's locations, or, with a search, those of the patients it finds
    (the search is audited as a patient list). Today's list names patients with their
    dates of birth, so the look is audited with the patients it showed."""
    points = _answerable(actor, now=now)
    if search:
        found = [patient.pk for patient in patient_list(actor, search=search)]
        return list(points.filter(patient_id__in=found).order_by("due_at", "id")[:OVERDUE_SHOWN])
    points = points.filter(due_at__gte=now - TABLET_DAY, due_at__lte=now + TABLET_DAY)
    return _listed_and_audited(actor, _at_actors_locations(actor, points), "plan.tablet", now=now)


def tablet_point(actor: Actor, time_point_id: int, *, now: datetime) -> TimePoint | None:
    """One time point the actor may hand the tablet over for."""
    return _answerable(actor, now=now).filter(pk=time_point_id).first()
