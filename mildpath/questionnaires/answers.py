"""Which questions a time point asks, whether a set of answers is complete, and its
scores. Pure: the forms validate each answer, this module decides what the whole adds
up to (``scoring`` computes the numbers)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from mildpath.questionnaires import scoring
from mildpath.questionnaires.instruments import Instrument, Item

Answer = int | bool | None
Scores = dict[str, float | int | bool | str | None]

# What each time point asks, in the order a patient meets them: the two pain numbers
# first (quick, and what they came about), then function, then the timed measures.
# A week after a procedure the question is the wound and the pain, not a month's
# function: pain only.
FULL_SET = ("nrs", "odi", "zcq", "standing", "walking")
SETS = {"week_1": ("nrs",)}

# ODI: more than 2 unanswered sections make the score not computable (DOMAIN.md).
ODI_SKIPS_ALLOWED = 2


def instruments_for(code: str) -> tuple[str, ...]:
    return SETS.get(code, FULL_SET)


def after_treatment(code: str) -> bool:
    """ZCQ's satisfaction items ask about treatment: every time point but the baseline."""
    return code != "baseline"


def items_asked(instrument: Instrument, *, treated: bool) -> tuple[Item, ...]:
    return tuple(item for item in instrument.items if treated or not item.after_treatment_only)


def screens_asked(instrument: Instrument, *, treated: bool) -> list[tuple[Item, ...]]:
    """The instrument's screens, each the items it shows, without the ones not asked."""
    asked = {item.code: item for item in items_asked(instrument, treated=treated)}
    screens = []
    for codes in instrument.screens:
        items = tuple(asked[code] for code in codes if code in asked)
        if items:
            screens.append(items)
    return screens


def unanswered(
    instrument: Instrument, answers: Mapping[str, Answer], *, treated: bool
) -> list[str]:
    """The items still waiting for an answer, by code. An item the patient saw and left
    blank counts as answered when it may be skipped (an ODI section), except that ODI
    needs at least 8 of its 10 sections: beyond that the blank ones are listed too."""
    items = items_asked(instrument, treated=treated)
    waiting = [
        item.code
        for item in items
        if item.code not in answers or (item.required and answers[item.code] is None)
    ]
    if instrument.scoring == "odi_percent":
        blank = [item.code for item in items if answers.get(item.code) is None]
        if len(blank) > ODI_SKIPS_ALLOWED:
            return blank
    return waiting


def first_screen_waiting(
    instrument: Instrument, answers: Mapping[str, Answer], *, treated: bool
) -> int | None:
    """The number (from 1) of the first screen with an item not yet seen, or None."""
    for number, items in enumerate(screens_asked(instrument, treated=treated), start=1):
        if any(item.code not in answers for item in items):
            return number
    return None


def _numbers(answers: Mapping[str, Answer], codes: Sequence[str]) -> list[int]:
    values = []
    for code in codes:
        value = answers.get(code)
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError(f"{code}: an answer is needed to score")
        values.append(value)
    return values


def score(instrument: Instrument, answers: Mapping[str, Answer], *, treated: bool) -> Scores:
    """The scores of a complete set of answers (``unanswered`` is empty), named as the
    registry reads them: odi, zcq_symptom, nrs_back, standing_minutes, ..."""
    codes = [item.code for item in instrument.items]
    if instrument.scoring == "odi_percent":
        sections: list[int | None] = []
        for code in codes:
            value = answers.get(code)
            sections.append(value if isinstance(value, int) else None)
        return {"odi": scoring.odi_score(sections)}
    if instrument.scoring == "zcq_means":
        by_scale: dict[str, list[str]] = {"symptom": [], "function": [], "satisfaction": []}
        for item in items_asked(instrument, treated=treated):
            by_scale[item.subscale].append(item.code)
        result = scoring.zcq_scores(
            _numbers(answers, by_scale["symptom"]),
            _numbers(answers, by_scale["function"]),
            _numbers(answers, by_scale["satisfaction"]) if by_scale["satisfaction"] else None,
        )
        return {
            "zcq_symptom": result["symptom_severity"],
            "zcq_function": result["physical_function"],
            "zcq_satisfaction": result["satisfaction"],
        }
    # The single-number measures are stored as answered, under their item codes (the
    # walking method as its code: what a registry reads next to the distance).
    scores: Scores = {}
    for item in items_asked(instrument, treated=treated):
        value = answers.get(item.code)
        scores[item.code] = value
    return scores


@dataclass(frozen=True)
class AnswerRow:
    """One question as the patient was asked it and what they answered."""

    number: int
    question: str
    kind: str  # choice, number or flag
    value: Answer  # None: left blank
    chosen: str  # the wording of the option chosen, for a choice
    unit: str


def _in(texts: Mapping[str, str], language: str) -> str:
    return texts.get(language) or texts["en"]


def answer_rows(
    instrument: Instrument, given: Mapping[str, Answer], *, treated: bool, language: str
) -> list[AnswerRow]:
    """Every question the set asked, in the order asked, with the answer given (a choice
    by its wording in ``language``), for a clinician to read item by item."""
    rows = []
    for number, item in enumerate(items_asked(instrument, treated=treated), start=1):
        value = given.get(item.code)
        chosen = ""
        if item.kind == "choice" and isinstance(value, int) and not isinstance(value, bool):
            wording = [
                _in(option.text, language) for option in item.options if option.value == value
            ]
            chosen = wording[0] if wording else str(value)
        rows.append(
            AnswerRow(
                number=number,
                question=_in(item.text, language),
                kind=item.kind,
                value=value,
                chosen=chosen,
                unit=item.unit,
            )
        )
    return rows
