"""Drawing a batch of synthetic registry patients: pure numpy, no Django. Everything
random about a patient is drawn here, in one fixed order from the seeded generator, so
the same seed gives the same patients; ``write`` turns a drawn batch into rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from mildpath.questionnaires import instruments
from mildpath.questionnaires.plan import TimePointRule

SPREAD_DAYS = 913  # procedures over the last 30 months
# Share of patients living in a ZIP prefix that the de-identified export turns into
# "000" (places.RESTRICTED_PREFIXES).
RESTRICTED_SHARE = 0.02

LEVEL_SETS = (
    (("L4-L5",), 0.28),
    (("L3-L4",), 0.12),
    (("L2-L3",), 0.02),
    (("L5-S1",), 0.02),
    (("L3-L4", "L4-L5"), 0.44),
    (("L4-L5", "L5-S1"), 0.05),
    (("L2-L3", "L3-L4"), 0.04),
    (("L2-L3", "L3-L4", "L4-L5"), 0.03),
)
COMPLICATIONS = (
    ("intra", "I", "Dural puncture without a leak of spinal fluid; no treatment needed."),
    ("post", "I", "Soreness and bruising at the incision, settled without treatment."),
    ("post", "I", "Leg numbness for a few days, resolved on its own."),
    ("post", "II", "Superficial wound infection treated with oral antibiotics."),
    ("post", "II", "Back muscle spasm treated with a muscle relaxant."),
    ("post", "IIIa", "Wound opened again; closed under local anaesthetic."),
)
COMPLICATION_WEIGHTS = (0.06, 0.34, 0.2, 0.15, 0.2, 0.05)
SURGERY_KINDS = ("decompression", "fusion", "spacer", "other")
SURGERY_WEIGHTS = (0.7, 0.2, 0.05, 0.05)

# Per measure: baseline mean and SD, and how far a typical responder moves by two years
# (tuned so the whole cohort's mean change matches the published one; the standing and
# walking changes are in log units). Satisfaction is a level, not a change.
ODI = (45.0, 12.0, 32.6)
NRS_BACK = (6.8, 1.5, 4.75)
NRS_LEG = (7.2, 1.5, 5.65)
ZCQ_SYMPTOM = (3.4, 0.45, 1.36)
ZCQ_FUNCTION = (2.7, 0.45, 1.13)
STANDING = (8.0, 0.75, 2.04)  # mean minutes, log SD, log change
WALKING = (250.0, 0.8, 3.5)  # mean feet
RESPONDERS = 0.7
# ODI sections a stenosis patient finds hardest weigh most: lifting, walking, standing.
ODI_PROFILE = np.array([1.0, 0.6, 1.3, 1.3, 0.6, 1.4, 0.7, 0.9, 1.0, 1.1])
DROP_OUT_PER_POINT = 0.08  # more patients miss each follow-up than the one before
STOPPED_PER_POINT = 0.06  # of whom these stop answering for good
MISSED_BASELINE = 0.02


def progress_at(days: NDArray[np.float64] | float) -> NDArray[np.float64]:
    """How much of the two-year change shows ``days`` after the procedure: most of it by
    three months (about 85%), all of it by two years."""
    days = np.maximum(np.asarray(days, dtype=float), 0.0)
    return (1 - np.exp(-days / 45.0)) / (1 - np.exp(-730 / 45.0))


def offset_days(rules_: Sequence[TimePointRule]) -> NDArray[np.float64]:
    return np.array([rule.days + rule.months * 30.4375 for rule in rules_])


@dataclass
class Batch:
    """One batch of patients, drawn: arrays by patient (n), or by patient and time point
    (n, J), or with a last axis of answers."""

    count: int
    site: NDArray[np.int64]
    operator: NDArray[np.int64]
    spanish: NDArray[np.bool_]
    given: NDArray[np.int64]
    family: NDArray[np.int64]
    spanish_family: NDArray[np.bool_]
    email: NDArray[np.bool_]
    zip_pick: NDArray[np.float64]
    restricted: NDArray[np.bool_]
    age: NDArray[np.int64]
    birthday_back: NDArray[np.int64]  # days before the birthday that gives ``age``
    days_ago: NDArray[np.int64]  # procedure, before today
    registry: NDArray[np.bool_]
    levels: NDArray[np.int64]
    side: NDArray[np.int64]
    sedation: NDArray[np.bool_]
    epidurogram: NDArray[np.bool_]
    blood_loss: NDArray[np.int64]
    clock: NDArray[np.int64]  # (n, 6) minutes: start, portal, decompressed, closed, out, signed
    complication: NDArray[np.int64]  # index into COMPLICATIONS, -1: none
    complication_after: NDArray[np.int64]
    event: NDArray[np.int64]  # 0 none, 1 repeat mild, 2 later surgery
    event_after: NDArray[np.int64]  # days after the procedure
    surgery_kind: NDArray[np.int64]
    baseline_back: NDArray[np.int64]  # baseline answered this many days before the procedure
    consult_back: NDArray[np.int64]  # consultation this many days before the baseline
    answered: NDArray[np.bool_]  # (n, J) not missed (the window and the events aside)
    day_shift: NDArray[np.int64]  # (n, J) days from the target the set was answered
    minute: NDArray[np.int64]  # (n, J) local minute of the day
    mode: NDArray[np.int64]  # (n, J) 0 link, 1 tablet, 2 paper
    nrs: NDArray[np.int64]  # (n, J, 2)
    odi: NDArray[np.int64]  # (n, J, 10), -1 skipped
    zcq: NDArray[np.int64]  # (n, J, 18)
    standing: NDArray[np.int64]  # (n, J)
    standing_capped: NDArray[np.bool_]
    walking: NDArray[np.int64]
    walking_method: NDArray[np.int64]
    walking_capped: NDArray[np.bool_]
    pace: NDArray[np.float64]  # (n, J, 5) how long each questionnaire took, as a factor


def draw_batch(
    rng: np.random.Generator, n: int, sites: int, rules_: Sequence[TimePointRule]
) -> Batch:
    j = len(rules_)
    shape = (n, j)
    course = trajectories(rng, n, offset_days(rules_))
    follow_up = np.arange(j)  # 0 is the baseline
    stopped = rng.random(n)[:, None] < STOPPED_PER_POINT * follow_up
    missed_share = DROP_OUT_PER_POINT * follow_up
    sporadic = (missed_share - STOPPED_PER_POINT * follow_up) / (1 - STOPPED_PER_POINT * follow_up)
    missed = rng.random(shape) < np.where(follow_up == 0, MISSED_BASELINE, sporadic)
    # Stopping for good: once stopped, every later point is missed too.
    answered = ~(missed | np.maximum.accumulate(stopped, axis=1))
    event_draw = rng.random(n)
    age = np.clip(np.rint(rng.normal(72, 8, n)), 50, 94).astype(np.int64)
    standing, standing_capped = _standing(course["standing"])
    walking, method, walking_capped = _walking(rng, course["walking"])
    start = 450 + 30 * rng.integers(0, 13, n)
    steps = np.stack(
        [
            rng.integers(6, 15, n),
            rng.integers(15, 36, n),
            rng.integers(4, 11, n),
            rng.integers(40, 111, n),
            rng.integers(20, 1200, n),
        ],
        axis=1,
    )
    clock = np.concatenate([start[:, None], start[:, None] + np.cumsum(steps, axis=1)], axis=1)
    levels_p = np.array([weight for _, weight in LEVEL_SETS])
    return Batch(
        count=n,
        site=rng.integers(0, sites, n),
        operator=rng.integers(0, 1 << 30, n),
        spanish=rng.random(n) < 0.3,
        given=rng.integers(0, 1 << 30, n),
        family=rng.integers(0, 1 << 30, n),
        spanish_family=rng.random(n) < 0.2,
        email=rng.random(n) < 0.45,
        zip_pick=rng.random(n),
        restricted=rng.random(n) < RESTRICTED_SHARE,
        age=age,
        birthday_back=rng.integers(0, 360, n),
        days_ago=rng.integers(2, SPREAD_DAYS, n),
        registry=rng.random(n) < 0.92,
        levels=rng.choice(len(LEVEL_SETS), n, p=levels_p / levels_p.sum()),
        side=rng.choice(3, n, p=[0.9, 0.05, 0.05]),
        sedation=rng.random(n) < 0.8,
        epidurogram=rng.random(n) < 0.85,
        blood_loss=rng.integers(0, 15, n),
        clock=clock,
        complication=np.where(
            rng.random(n) < 0.015, rng.choice(len(COMPLICATIONS), n, p=COMPLICATION_WEIGHTS), -1
        ),
        complication_after=rng.integers(1, 22, n),
        event=np.where(event_draw < 0.04, 1, np.where(event_draw < 0.07, 2, 0)),
        event_after=rng.integers(60, 731, n),
        surgery_kind=rng.choice(len(SURGERY_KINDS), n, p=SURGERY_WEIGHTS),
        baseline_back=1 + np.minimum(rng.exponential(5, n).astype(np.int64), 28),
        consult_back=rng.integers(0, 31, n),
        answered=answered,
        day_shift=np.rint(rng.normal(1.5, 4, shape)).astype(np.int64),
        minute=rng.integers(8 * 60, 22 * 60, shape),
        mode=rng.choice(3, shape, p=[0.78, 0.12, 0.10]),
        nrs=np.stack(
            [
                np.clip(np.rint(course["back"]), 0, 10),
                np.clip(np.rint(course["leg"]), 0, 10),
            ],
            axis=2,
        ).astype(np.int64),
        odi=_odi_sections(rng, course["odi"]),
        zcq=_zcq_items(rng, course),
        standing=standing,
        standing_capped=standing_capped,
        walking=walking,
        walking_method=method,
        walking_capped=walking_capped,
        pace=rng.uniform(0.6, 1.6, (n, j, 5)),
    )


def trajectories(
    rng: np.random.Generator, n: int, days: NDArray[np.float64]
) -> dict[str, NDArray[np.float64]]:
    """Each measure at each time point (``days`` after the procedure; the first is the
    baseline), before rounding to answers. Standing and walking are what the patient
    could do, before the test's limits."""
    shape = (n, len(days))
    progress = progress_at(days)[None, :]
    severity = rng.normal(0, 1, n)[:, None]
    responder = rng.random(n) < RESPONDERS
    effect = np.where(
        responder,
        np.clip(rng.normal(1.0, 0.25, n), 0.4, 1.7),
        np.clip(rng.normal(0.12, 0.12, n), -0.2, 0.4),
    )[:, None]

    def level(mean: float, sd: float, low: float, high: float) -> NDArray[np.float64]:
        own = 0.6 * severity + 0.8 * rng.normal(0, 1, (n, 1))
        return np.clip(mean + sd * own, low, high)

    def course(start: NDArray[np.float64], change: float, noise: float) -> NDArray[np.float64]:
        own = effect * np.clip(rng.normal(1, 0.15, (n, 1)), 0.5, 1.5)
        return start - own * change * progress + rng.normal(0, noise, shape)

    odi = course(level(ODI[0], ODI[1], 21, 90), ODI[2], 4.0)
    back = course(level(NRS_BACK[0], NRS_BACK[1], 2, 10), NRS_BACK[2], 0.8)
    # A week on, the back is sore where the portal went in.
    back[:, 1:] += 1.2 * np.exp(-days[1:] / 10)[None, :]
    leg = course(level(NRS_LEG[0], NRS_LEG[1], 2, 10), NRS_LEG[2], 0.8)
    symptom = course(level(ZCQ_SYMPTOM[0], ZCQ_SYMPTOM[1], 1.5, 5), ZCQ_SYMPTOM[2], 0.2)
    function = course(level(ZCQ_FUNCTION[0], ZCQ_FUNCTION[1], 1.2, 4), ZCQ_FUNCTION[2], 0.2)
    satisfied = np.where(responder, rng.normal(1.8, 0.35, n), rng.normal(2.9, 0.45, n))
    satisfaction = satisfied[:, None] + rng.normal(0, 0.2, shape)

    def logged(mean: float, sd: float, change: float, noise: float) -> NDArray[np.float64]:
        start = (
            np.log(mean) - sd**2 / 2 - 0.3 * sd * severity + sd * 0.95 * rng.normal(0, 1, (n, 1))
        )
        return np.exp(course(start, -change, noise))

    return {
        "odi": np.clip(odi, 0, 100),
        "back": back,
        "leg": leg,
        "symptom": np.clip(symptom, 1, 5),
        "function": np.clip(function, 1, 4),
        "satisfaction": np.clip(satisfaction, 1, 4),
        "standing": logged(*STANDING, 0.2),
        "walking": logged(*WALKING, 0.25),
    }


def spread(
    rng: np.random.Generator,
    totals: NDArray[np.int64],
    weights: NDArray[np.float64],
    low: int,
    high: int,
) -> NDArray[np.int64]:
    """Answers from ``low`` to ``high`` adding up to ``totals`` (kept within what they
    can add up to), shared out by ``weights``; an item of weight 0 is not answered
    (its answer is -1). Rows of the last axis are one questionnaire each."""
    active = weights > 0
    count = active.sum(axis=-1)
    room = high - low
    above = np.clip(totals - low * count, 0, room * count)
    share = np.where(active, weights, 0) / np.maximum(weights.sum(axis=-1, keepdims=True), 1e-9)
    ideal = above[..., None] * share
    values = np.minimum(np.floor(ideal), room).astype(np.int64)
    short = above - values.sum(axis=-1)
    remainder = ideal - values + rng.random(values.shape) * 1e-3
    remainder[~active | (values >= room)] = -np.inf
    flat_values = values.reshape(-1, values.shape[-1])
    flat_remainder = remainder.reshape(flat_values.shape)
    flat_short = short.reshape(-1)
    rows = np.arange(len(flat_short))
    while (flat_short > 0).any():
        due = flat_short > 0
        pick = flat_remainder.argmax(axis=1)
        flat_values[rows[due], pick[due]] += 1
        flat_remainder[rows[due], pick[due]] -= 1
        flat_remainder[flat_values >= room] = -np.inf
        flat_short[due] -= 1
    return np.where(active, values + low, -1)


def _odi_sections(rng: np.random.Generator, odi: NDArray[np.float64]) -> NDArray[np.int64]:
    """Ten sections 0-5 scoring about ``odi``; now and then one left blank (the sex-life
    section, most often)."""
    weights = ODI_PROFILE * rng.lognormal(0, 0.35, (*odi.shape, 10))
    skip = rng.random(odi.shape) < 0.03
    section = np.where(rng.random(odi.shape) < 0.7, 7, rng.integers(0, 10, odi.shape))
    weights[skip, section[skip]] = 0
    answered = np.where(skip, 9, 10)
    totals = np.rint(odi / 100 * 5 * answered).astype(np.int64)
    return spread(rng, totals, weights, 0, 5)


def _zcq_items(
    rng: np.random.Generator, course: dict[str, NDArray[np.float64]]
) -> NDArray[np.int64]:
    """The 18 ZCQ items in the instrument's order: 7 symptom (the 7th, balance, is 1, 3
    or 5), 5 function, 6 satisfaction (asked after treatment only); each subscale's
    items average about its value."""
    symptom, function = course["symptom"], course["function"]
    shape = symptom.shape
    balance = np.array([1, 3, 5])[
        np.clip(np.rint((symptom + rng.normal(0, 0.8, shape) - 1) / 2), 0, 2).astype(int)
    ]
    sym = spread(
        rng,
        np.rint(symptom * 7).astype(np.int64) - balance,
        rng.lognormal(0, 0.3, (*shape, 6)),
        1,
        5,
    )
    fun = spread(
        rng, np.rint(function * 5).astype(np.int64), rng.lognormal(0, 0.3, (*shape, 5)), 1, 4
    )
    sat = spread(
        rng,
        np.rint(course["satisfaction"] * 6).astype(np.int64),
        rng.lognormal(0, 0.3, (*shape, 6)),
        1,
        4,
    )
    return np.concatenate([sym, balance[..., None], fun, sat], axis=-1)


def _standing(minutes: NDArray[np.float64]) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """Whole minutes; the test ends at the instrument's maximum (30): longer is stored as
    the maximum, with the flag."""
    cap = instruments.latest("standing").item("standing_minutes").maximum or 30
    whole = np.maximum(np.rint(minutes), 1).astype(np.int64)
    capped = whole >= cap
    return np.minimum(whole, cap), capped


def _walking(
    rng: np.random.Generator, feet: NDArray[np.float64]
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.bool_]]:
    """Estimated (rounded, as people do) or measured in the clinic (method 2): a measured
    walk ends at 30 minutes, whatever distance the patient's pace gives by then."""
    most = instruments.latest("walking").item("walking_feet").maximum or 10_000
    measured = rng.random(feet.shape) < 0.25
    pace = np.clip(rng.normal(200, 35, feet.shape[0]), 100, 320)[:, None]
    end = np.rint(pace * 30 / 10) * 10
    capped = measured & (feet >= end)
    estimate = np.where(feet < 1000, np.rint(feet / 10) * 10, np.rint(feet / 100) * 100)
    walked = np.where(measured, np.minimum(np.rint(feet / 10) * 10, end), estimate)
    return np.clip(walked, 10, most).astype(np.int64), np.where(measured, 2, 1), capped
