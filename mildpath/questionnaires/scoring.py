"""Scoring for the outcome questionnaires: ODI, ZCQ and NPRS, and who counts as a responder.

Pure Python, no Django: the rules below are clinical arithmetic and are tested on their own.

Sources:
* Oswestry Disability Index v2.1a: Fairbank JCT, Pynsent PB. The Oswestry Disability Index.
  Spine 2000;25(22):2940-52. Ten sections scored 0-5; the score is the total over the maximum
  possible for the sections answered, as a percentage.
* Zurich Claudication Questionnaire: Stucki G, et al. Measurement properties of a
  self-administered outcome measure in lumbar spinal stenosis. Spine 1996;21(7):796-803.
  Each subscale is the mean of its items. Responder criteria (project domain brief): symptom
  severity and physical function each better by 0.5, satisfaction 2.5 or better; meeting 2 of
  the 3 is success. The thresholds are configurable through ZcqThresholds.
* NPRS minimal important change, 2 points or 30%: Farrar JT, et al. Clinical importance of
  changes in chronic pain intensity measured on an 11-point numerical pain rating scale.
  Pain 2001;94(2):149-58.
* ODI minimal important change, 10 points or 30%: Ostelo RWJG, et al. Interpreting change scores
  for pain and functional status in low back pain. Spine 2008;33(1):90-4.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import TypeAlias

ODI_SECTIONS = 10
ODI_MAX_UNANSWERED = 2

# Upper bounds are inclusive; anything above the last one is bed-bound.
ODI_BANDS: tuple[tuple[float, str], ...] = (
    (20.0, "minimal"),
    (40.0, "moderate"),
    (60.0, "severe"),
    (80.0, "crippled"),
)

# Measure -> (points, fraction of baseline). An improvement of either size counts.
MINIMAL_IMPORTANT_CHANGE: dict[str, tuple[float, float]] = {
    "odi": (10.0, 0.30),
    "nrs": (2.0, 0.30),
}
SCORE_RANGE: dict[str, tuple[float, float]] = {"odi": (0.0, 100.0), "nrs": (0.0, 10.0)}

ZcqScores: TypeAlias = Mapping[str, float | None]

SYMPTOM_ITEMS = (
    "average pain",
    "how often pain",
    "back/buttock pain",
    "leg/foot pain",
    "numbness/tingling",
    "weakness",
    "balance",
)
FUNCTION_ITEMS = 5
SATISFACTION_ITEMS = 6
BALANCE_ANSWERS = (1, 3, 5)


def _half_up(value: Decimal, places: str) -> float:
    # Published calculators round half up; Python's round() rounds half to even (and works on
    # the binary float, so 35.55 may go either way).
    return float(value.quantize(Decimal(places), rounding=ROUND_HALF_UP))


def _is_whole(answer: object) -> bool:
    # bool is an int subclass; a ticked checkbox is not an answer.
    return isinstance(answer, int) and not isinstance(answer, bool)


def odi_score(answers: Sequence[int | None]) -> float | None:
    """The ODI as a percentage to one decimal, or None when more than 2 sections are unanswered."""
    if isinstance(answers, str) or len(answers) != ODI_SECTIONS:
        raise ValueError(f"ODI has {ODI_SECTIONS} sections, got {len(answers)} answers")
    answered: list[int] = []
    for section, answer in enumerate(answers, start=1):
        if answer is None:
            continue
        if not _is_whole(answer) or not 0 <= answer <= 5:
            raise ValueError(f"ODI section {section}: answers are 0 to 5, not {answer!r}")
        answered.append(answer)
    if ODI_SECTIONS - len(answered) > ODI_MAX_UNANSWERED:
        return None
    return _half_up(Decimal(100 * sum(answered)) / Decimal(5 * len(answered)), "0.1")


def odi_band(score: float) -> str:
    """minimal, moderate, severe, crippled or bed-bound, by Fairbank's bands."""
    if math.isnan(score) or not 0 <= score <= 100:
        raise ValueError(f"ODI scores are 0 to 100, not {score!r}")
    for upper, band in ODI_BANDS:
        # Scores carry one decimal, so 20.4 is past the "0-20" band: compare with >, not >= 21.
        if not score > upper:
            return band
    return "bed-bound"


def _zcq_mean(subscale: str, items: Sequence[int], count: int, allowed: Sequence[int]) -> float:
    if isinstance(items, str) or len(items) != count:
        raise ValueError(f"ZCQ {subscale} has {count} items, got {len(items)}")
    for number, item in enumerate(items, start=1):
        label = f"ZCQ {subscale} item {number}"
        if item is None:
            raise ValueError(f"{label}: every ZCQ item must be answered, it has no missing rule")
        if subscale == "symptom severity" and number == len(SYMPTOM_ITEMS):
            if not _is_whole(item) or item not in BALANCE_ANSWERS:
                raise ValueError(f"{label} (balance): answers are 1, 3 or 5, not {item!r}")
        elif not _is_whole(item) or item not in allowed:
            raise ValueError(f"{label}: answers are {allowed[0]} to {allowed[-1]}, not {item!r}")
    return _half_up(Decimal(sum(items)) / Decimal(count), "0.01")


def zcq_scores(
    symptom: Sequence[int],
    function: Sequence[int],
    satisfaction: Sequence[int] | None = None,
) -> ZcqScores:
    """Subscale means to two decimals; satisfaction is None before treatment."""
    one_to_four = range(1, 5)
    return {
        "symptom_severity": _zcq_mean("symptom severity", symptom, len(SYMPTOM_ITEMS), range(1, 6)),
        "physical_function": _zcq_mean("physical function", function, FUNCTION_ITEMS, one_to_four),
        "satisfaction": (
            None
            if satisfaction is None
            else _zcq_mean("satisfaction", satisfaction, SATISFACTION_ITEMS, one_to_four)
        ),
    }


@dataclass(frozen=True)
class ZcqThresholds:
    """How much better each ZCQ subscale must be, and how many criteria make a responder."""

    symptom: float = 0.5
    function: float = 0.5
    satisfaction: float = 2.5
    needed: int = 2

    def __post_init__(self) -> None:
        if not 1 <= self.needed <= 3:
            raise ValueError(f"ZCQ responders need 1 to 3 of the criteria, not {self.needed}")


def _exact(value: float) -> Fraction:
    # Scores are decimals a person reads (35.0, 23.3): compare those, not the float's binary
    # approximation, so a drop of exactly 30% or 10 points is never lost to 1e-15.
    return Fraction(repr(float(value)))


def _score(measure: str, value: object) -> Fraction:
    low, high = SCORE_RANGE[measure]
    if not isinstance(value, int | float) or isinstance(value, bool) or math.isnan(value):
        raise ValueError(f"{measure} scores are numbers, not {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{measure} scores are {low:g} to {high:g}, not {value!r}")
    return _exact(value)


def _zcq_subscale(scores: object, key: str) -> Fraction | None:
    if not isinstance(scores, Mapping):
        raise ValueError(f"ZCQ scores are the mapping zcq_scores() returns, not {scores!r}")
    value = scores.get(key)
    if value is None:
        return None
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        raise ValueError(f"ZCQ {key} is a number, not {value!r}")
    return _exact(value)


def _zcq_responder(baseline: object, follow_up: object, thresholds: ZcqThresholds) -> bool:
    met = 0
    for key, needed_drop in (
        ("symptom_severity", thresholds.symptom),
        ("physical_function", thresholds.function),
    ):
        before, after = _zcq_subscale(baseline, key), _zcq_subscale(follow_up, key)
        if before is None or after is None:
            raise ValueError(f"ZCQ scores need {key} at baseline and follow-up")
        met += before - after >= _exact(needed_drop)
    satisfaction = _zcq_subscale(follow_up, "satisfaction")
    # Satisfaction is only asked after treatment; not answered is not satisfied.
    met += satisfaction is not None and satisfaction <= _exact(thresholds.satisfaction)
    return met >= thresholds.needed


def is_responder(
    measure: str,
    baseline: float | Mapping[str, float | None],
    follow_up: float | Mapping[str, float | None],
    *,
    zcq: ZcqThresholds = ZcqThresholds(),  # frozen, so one shared default is safe
) -> bool:
    """Whether follow-up improved on baseline by the minimal important change for the measure.

    Lower is better on every measure here. For "odi" and "nrs" the scores are numbers; for "zcq"
    they are the mappings zcq_scores() returns.
    """
    if measure == "zcq":
        return _zcq_responder(baseline, follow_up, zcq)
    if measure not in MINIMAL_IMPORTANT_CHANGE:
        raise ValueError(f"No responder rule for {measure!r}; measures are odi, nrs and zcq")
    points, share = MINIMAL_IMPORTANT_CHANGE[measure]
    before, after = _score(measure, baseline), _score(measure, follow_up)
    drop = before - after
    # With a baseline of 0 there is nothing to improve: 30% of 0 would make "no change" count.
    return drop >= _exact(points) or (before > 0 and drop >= _exact(share) * before)
