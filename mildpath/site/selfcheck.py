"""The public self-check: which plain message fits a person's answers.

Pure: no Django imports. It never decides that someone has lumbar spinal stenosis;
it only says how closely the answers match the pattern a consultation looks at
(neurogenic claudication: leg or buttock symptoms brought on by standing or
walking and eased by sitting or bending forward), and flags warning signs that
need care today rather than a booking.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Answer(enum.StrEnum):
    YES = "yes"
    NO = "no"
    NOT_SURE = "not_sure"


class Duration(enum.StrEnum):
    UNDER_3_MONTHS = "under_3_months"
    MONTHS_3_TO_12 = "3_to_12_months"
    OVER_A_YEAR = "over_a_year"


class Tried(enum.StrEnum):
    PHYSICAL_THERAPY = "physical_therapy"
    HOME_EXERCISE = "home_exercise"
    PAIN_MEDICINE = "pain_medicine"
    INJECTIONS = "injections"
    SURGERY = "surgery"
    NOTHING = "nothing"


class Outcome(enum.StrEnum):
    URGENT = "urgent"
    STRONG_MATCH = "strong_match"
    PARTIAL_MATCH = "partial_match"
    WEAK_MATCH = "weak_match"


@dataclass(frozen=True)
class SelfCheckAnswers:
    leg_symptoms: Answer
    worse_standing_walking: Answer
    relief_sitting_bending: Answer
    duration: Duration
    tried: frozenset[Tried]
    warning_signs: Answer


@dataclass(frozen=True)
class SelfCheckResult:
    outcome: Outcome
    pattern_points: int
    long_enough: bool
    tried_conservative_care: bool
    # "Not sure" about the warning signs is not an emergency to send to 911, but it is
    # not a "no" either: the result says what to watch for and whom to call.
    unsure_of_warning_signs: bool = False


CONSERVATIVE_CARE = frozenset({Tried.PHYSICAL_THERAPY, Tried.HOME_EXERCISE, Tried.PAIN_MEDICINE})


def evaluate(answers: SelfCheckAnswers) -> SelfCheckResult:
    """Match the answers against the claudication pattern; warning signs win over all."""
    pattern_points = sum(
        answer is Answer.YES
        for answer in (
            answers.leg_symptoms,
            answers.worse_standing_walking,
            answers.relief_sitting_bending,
        )
    )
    long_enough = answers.duration is not Duration.UNDER_3_MONTHS
    tried_care = bool(answers.tried & CONSERVATIVE_CARE)

    if answers.warning_signs is Answer.YES:
        outcome = Outcome.URGENT
    elif answers.leg_symptoms is Answer.NO:
        outcome = Outcome.WEAK_MATCH
    elif pattern_points == 3:
        outcome = Outcome.STRONG_MATCH
    elif pattern_points >= 1:
        outcome = Outcome.PARTIAL_MATCH
    else:
        outcome = Outcome.WEAK_MATCH
    return SelfCheckResult(
        outcome,
        pattern_points,
        long_enough,
        tried_care,
        unsure_of_warning_signs=answers.warning_signs is Answer.NOT_SURE,
    )
