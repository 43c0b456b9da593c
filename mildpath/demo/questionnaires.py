"""Demo questionnaires, so the front desk's overdue list and a clinician's progress
charts have something to show (``load_demo --visits``, which ``make run`` runs).

* The demo's returning patients (Rosa Delgado, Harold Jenkins, Mei Tanaka) had the mild
  procedure about 14 months ago: the intake set at their consultation a few weeks
  before, then 1 week, 6 weeks, 3, 6 and 12 months, each answered on paper and entered
  inside its window, improving over the year (ODI about 45 to 25, leg pain 8 to 3,
  standing 8 to 25 minutes; Harold stands the whole 30 minutes at 12 months). Their
  charts hold the clinical records from the MRI to the signed procedure (``demo.care``).
* Theodore Marsh, a patient the demo adds at Santa Monica, had it a year ago:
  everything up to 6 months is in; the 12-month set was sent and is overdue.
* Of the new patients the demo visits booked at Santa Monica, the one whose
  consultation comes first has answered nothing: that intake set is overdue. (A booking
  makes the set due at the visit itself; the demo asks for it by yesterday, so the
  list shows it whatever the hour.)

Every date counts back from ``now`` (never a calendar date), so a fresh demo is never
stale, and each patient's answers come from a Random seeded with their name, so every
load gives the same numbers. Everything goes through the questionnaire services, with
their ``now`` set to when it happened. Idempotent: a patient who has a plan keeps it,
and no intake is made overdue while one already is. A demo database kept for weeks
ages a little (the 12-month set closes about two months after the first load); once
the overdue intake's day is over, the next load makes the next consultation's overdue.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db import transaction

from mildpath.audit.actor import Actor
from mildpath.demo.care import demo_clinical_history
from mildpath.demo.loader import DEMO_PATIENTS
from mildpath.patients.models import Patient
from mildpath.patients.services import patient_create
from mildpath.practice.models import Location
from mildpath.questionnaires import answers as rules
from mildpath.questionnaires import instruments
from mildpath.questionnaires.models import TimePoint
from mildpath.questionnaires.plan import BASELINE, add_months
from mildpath.questionnaires.services import (
    follow_up_plan_reanchor,
    follow_up_plan_start,
    paper_response_enter,
    time_point_invited,
)

ACTOR = Actor.system("demo loader")

# given, family: the demo's returning patients (loader.DEMO_PATIENTS); days since the
# procedure (about 14 months); whether they stood the whole 30 minutes at 12 months.
HISTORIES = [
    ("Rosa", "Delgado", 421, False),
    ("Harold", "Jenkins", 428, True),
    ("Mei", "Tanaka", 435, False),
]

# A year and a few days after the procedure: the 12-month set is past due, and its
# window stays open for weeks yet (60 days after the target, by default).
OVERDUE_FOLLOW_UP = ("Theodore", "Marsh", date(1948, 6, 15), "+13105550191", "en", "santa-monica")
OVERDUE_FOR = timedelta(days=5)

# The front desk demo login works at Santa Monica: its overdue intake is there.
INTAKE_LOCATION = "santa-monica"
INTAKE_OVERDUE_BY = timedelta(days=1)


# Each measure's typical course: before treatment, and where it settles a year on. One
# patient's course strays from it by up to STRAY, and a single reading from their
# course by up to WOBBLE (fractions of the value).
COURSES = {
    "odi": (45.0, 25.0),
    "nrs_back": (7.0, 4.0),
    "nrs_leg": (8.0, 3.0),
    "zcq_symptom": (3.5, 2.4),
    "zcq_function": (2.8, 1.9),
    "zcq_satisfaction": (2.3, 1.7),  # asked after treatment only
    "standing_minutes": (8.0, 25.0),
    "walking_feet": (250.0, 2500.0),
}
STRAY, WOBBLE = 0.1, 0.06


def _progress(days: int) -> float:
    """How much of the year's improvement shows ``days`` after the procedure: most of it
    by 3 months, all of it by 12."""
    if days <= 0:
        return 0.0
    return min(1.0, (1 - math.exp(-days / 70)) / (1 - math.exp(-365 / 70)))


@dataclass
class Loaded:
    patients: int = 0  # given a follow-up history now
    questionnaires: int = 0  # entered now
    intakes_overdue: int = 0  # made overdue now


def demo_questionnaires_load(*, now: datetime) -> Loaded:
    """The demo's follow-up plans and answers (see the module's docstring). Returns what
    it added now: nothing, when loaded before."""
    loaded = Loaded()
    returning = {(p[0], p[1]): (p[2], p[5][0]) for p in DEMO_PATIENTS}
    for given, family, days, capped in HISTORIES:
        born, slug = returning[(given, family)]
        patient = Patient.objects.filter(
            given_name=given, family_name=family, date_of_birth=born
        ).first()
        location = Location.objects.filter(slug=slug).first()
        if patient is not None and location is not None:
            _history(loaded, patient, location, now=now, days=days, capped=capped)
    given, family, born, phone, language, slug = OVERDUE_FOLLOW_UP
    location = Location.objects.filter(slug=slug).first()
    if location is not None:
        patient = Patient.objects.filter(
            given_name=given, family_name=family, date_of_birth=born
        ).first() or patient_create(
            actor=ACTOR,
            given_name=given,
            family_name=family,
            date_of_birth=born,
            phone=phone,
            email="",
            preferred_language=language,
            locations=[location],
            now=now - timedelta(days=460),
        )
        today = now.astimezone(location.tz).date()
        procedure = add_months(today - OVERDUE_FOR, -12)
        days = (today - _weekday_on_or_before(procedure)).days
        _history(loaded, patient, location, now=now, days=days, capped=False, leave_last=True)
    _intake_overdue(loaded, now=now)
    return loaded


def _weekday_on_or_before(day: date) -> date:
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def _weekday_on_or_after(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _at(day: date, hour: int, minute: int, location: Location) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=location.tz).astimezone(UTC)


@transaction.atomic
def _history(
    loaded: Loaded,
    patient: Patient,
    location: Location,
    *,
    now: datetime,
    days: int,
    capped: bool,
    leave_last: bool = False,
) -> None:
    """A consultation, a procedure ``days`` ago and every follow-up since, answered on
    paper: all of them, or all but the last one due (``leave_last``), which stays open."""
    if TimePoint.objects.filter(patient=patient).exists():
        return
    seed = f"mildpath demo {patient.given_name} {patient.family_name}"
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    today = now.astimezone(location.tz).date()
    procedure = _weekday_on_or_before(today - timedelta(days=days))
    consultation = _weekday_on_or_before(procedure - timedelta(days=rng.randint(21, 35)))
    visit = _at(consultation, 10, rng.choice((0, 30)), location)
    booked = _at(consultation - timedelta(days=rng.randint(7, 14)), 11, 15, location)

    baseline = follow_up_plan_start(
        actor=ACTOR,
        patient=patient,
        location=location,
        anchor_date=consultation,
        due_at=visit,
        now=booked,
    )
    time_point_invited(time_point=baseline, now=booked)
    # This patient's own course: where they start and where they settle.
    ends = {
        measure: (start * (1 + rng.uniform(-STRAY, STRAY)), end * (1 + rng.uniform(-STRAY, STRAY)))
        for measure, (start, end) in COURSES.items()
    }
    _enter(loaded, baseline, rng, ends, progress=0.0, at=visit - timedelta(minutes=25))

    # The imaging, evaluation, plan and signed procedure record (``demo.care``): signing
    # the procedure counts the follow-up plan from its date, as in the clinic.
    recorded = demo_clinical_history(
        fallback=ACTOR,
        patient=patient,
        location=location,
        consultation=consultation,
        visit=visit,
        procedure=procedure,
        rng=rng,
    )
    if recorded:
        points = list(
            TimePoint.objects.filter(
                patient=patient, superseded_at__isnull=True, anchor=TimePoint.Anchor.PROCEDURE
            ).order_by("target", "id")
        )
    else:  # nobody does procedures there: the plan is counted from the date alone
        points = follow_up_plan_reanchor(
            actor=ACTOR,
            patient=patient,
            location=location,
            procedure_date=procedure,
            now=_at(consultation + timedelta(days=1), 15, 0, location),
        )
    due = [point for point in points if point.due_at is not None and point.due_at <= now]
    answered = due[:-1] if leave_last else due
    for point in due:
        time_point_invited(time_point=point, now=point.opens_at)
    for point in answered:
        day = _weekday_on_or_after(point.target + timedelta(days=rng.randint(0, 3)))
        at = _at(day, rng.randint(9, 15), rng.choice((0, 15, 30, 45)), location)
        at = min(at, point.closes_at - timedelta(hours=1), now - timedelta(hours=1))
        days_after = (point.target - procedure).days
        _enter(
            loaded,
            point,
            rng,
            ends,
            progress=_progress(days_after),
            at=at,
            capped=capped and point is answered[-1],
        )
    loaded.patients += 1


def _enter(
    loaded: Loaded,
    point: TimePoint,
    rng: random.Random,
    ends: dict[str, tuple[float, float]],
    *,
    progress: float,
    at: datetime,
    capped: bool = False,
) -> None:
    treated = rules.after_treatment(point.code)
    values = {
        measure: (start + (end - start) * progress) * (1 + rng.uniform(-WOBBLE, WOBBLE))
        for measure, (start, end) in ends.items()
    }
    if point.code != BASELINE and progress < 0.2:
        # A week after the procedure the back is sore where it was done; the legs
        # already feel some of the relief.
        values["nrs_back"] = ends["nrs_back"][0] - rng.uniform(-0.5, 1)
        start, end = ends["nrs_leg"]
        values["nrs_leg"] = start + (end - start) * rng.uniform(0.3, 0.5)
    for number, instrument in enumerate(rules.instruments_for(point.code)):
        paper_response_enter(
            actor=ACTOR,
            time_point=point,
            instrument=instrument,
            answers=_answers(instrument, values, rng, treated=treated, capped=capped),
            now=at + timedelta(minutes=2 * number),
        )
        loaded.questionnaires += 1


def _whole(value: float, low: int, high: int) -> int:
    return min(high, max(low, round(value)))


def _spread(total: int, count: int, low: int, high: int, rng: random.Random) -> list[int]:
    """``count`` answers from ``low`` to ``high`` adding up to ``total`` (kept within what
    they can add up to), unevenly, as a person's answers are."""
    total = min(high * count, max(low * count, total))
    values = [total // count] * count
    for index in rng.sample(range(count), total % count):
        values[index] += 1
    for _ in range(count):
        up, down = rng.sample(range(count), 2)
        if values[up] < high and values[down] > low:
            values[up] += 1
            values[down] -= 1
    return values


def _answers(
    code: str,
    values: dict[str, float],
    rng: random.Random,
    *,
    treated: bool,
    capped: bool,
) -> dict[str, rules.Answer]:
    """One questionnaire's answers, as on the paper form, that score about ``values``."""
    if code == "nrs":
        return {key: _whole(values[key], 0, 10) for key in ("nrs_back", "nrs_leg")}
    if code == "odi":
        # The ODI is the sum of 10 sections scored 0-5, as a percentage of 50.
        sections = _spread(round(values["odi"] / 2), 10, 0, 5, rng)
        return {f"odi_{n}": section for n, section in enumerate(sections, start=1)}
    if code == "zcq":
        return _zcq(values, rng, treated=treated)
    if code == "standing":
        minutes = 30 if capped else _whole(values["standing_minutes"], 1, 28)
        return {"standing_minutes": minutes, "standing_capped": capped}
    if code == "walking":
        feet = _whole(values["walking_feet"] / 50, 1, 190) * 50
        return {"walking_feet": feet, "walking_method": 1, "walking_capped": False}
    raise ValueError(f"the demo has no answers for {code}")


def _zcq(values: dict[str, float], rng: random.Random, *, treated: bool) -> dict[str, rules.Answer]:
    """Each ZCQ subscale is the mean of its items: answers whose mean is about the value.
    An item with gaps in its scale (balance: 1, 3 or 5) takes the answer nearest it."""
    asked = rules.items_asked(instruments.latest("zcq"), treated=treated)
    answers: dict[str, rules.Answer] = {}
    for subscale in ("symptom", "function", "satisfaction"):
        value = values[f"zcq_{subscale}"]
        items = [item for item in asked if item.subscale == subscale]
        if not items:
            continue
        target = round(value * len(items))
        even = [item for item in items if _contiguous(item)]
        for item in items:
            if item not in even:
                nearest = min(item.options, key=lambda option: abs(option.value - value))
                answers[item.code] = nearest.value
                target -= nearest.value
        low = min(option.value for option in even[0].options)
        high = max(option.value for option in even[0].options)
        for item, answer in zip(even, _spread(target, len(even), low, high, rng), strict=True):
            answers[item.code] = answer
    return {item.code: answers[item.code] for item in asked}


def _contiguous(item: instruments.Item) -> bool:
    numbers = sorted(option.value for option in item.options)
    return numbers == list(range(numbers[0], numbers[-1] + 1))


def _intake_overdue(loaded: Loaded, *, now: datetime) -> None:
    """The intake set of the Santa Monica patient whose demo consultation comes first,
    due by yesterday: nothing answered, so it is overdue until the visit's day ends."""
    location = Location.objects.filter(slug=INTAKE_LOCATION).first()
    if location is None:
        return
    intakes = TimePoint.objects.filter(
        code=BASELINE,
        location=location,
        superseded_at__isnull=True,
        completed_at__isnull=True,
        closes_at__gt=now,
    )
    if intakes.filter(due_at__lte=now).exists():
        return
    soonest = (
        intakes.filter(opens_at__lte=now, due_at__gt=now, responses__isnull=True)
        .filter(patient__appointments__source="demo", patient__appointments__start__gt=now)
        .select_related("patient")
        .order_by("due_at", "id")
        .first()
    )
    if soonest is None:
        return
    with transaction.atomic():
        follow_up_plan_start(
            actor=ACTOR,
            patient=soonest.patient,
            location=location,
            anchor_date=soonest.anchor_date,
            due_at=max(now - INTAKE_OVERDUE_BY, soonest.opens_at),
            now=now,
        )
    loaded.intakes_overdue += 1
