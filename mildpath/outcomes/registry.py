"""The registry read in bulk: who is in it (one row per patient: their first signed mild
procedure), what happened after (repeat procedures, later surgery, complications) and
every score paired with the time point it counts for.

A patient is in the registry when they agreed to registry use and have a signed
procedure record. Their scores are placed on the procedure's own time line: each
follow-up time point (1 week ... 24 months, the practice's schedule) takes the score
nearest its target day inside its window; the baseline is the latest score on or
before the day of the procedure, at most ``BASELINE_DAYS`` before it. A few queries
whatever the size of the registry (``_sql``); everything after them is numpy.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from mildpath.care.models import Complication, LaterSurgery
from mildpath.outcomes import _sql
from mildpath.outcomes.models import SyntheticCohort
from mildpath.questionnaires.plan import BASELINE, TimePointRule
from mildpath.questionnaires.services import schedule

# How long before the procedure a baseline answer still counts.
BASELINE_DAYS = 180

# measure -> (questionnaire, score key, the key flagging a capped value)
MEASURES: dict[str, tuple[str, str, str]] = {
    "odi": ("odi", "odi", ""),
    "nrs_back": ("nrs", "nrs_back", ""),
    "nrs_leg": ("nrs", "nrs_leg", ""),
    "zcq_symptom": ("zcq", "zcq_symptom", ""),
    "zcq_function": ("zcq", "zcq_function", ""),
    "zcq_satisfaction": ("zcq", "zcq_satisfaction", ""),
    "standing_minutes": ("standing", "standing_minutes", "standing_capped"),
    "walking_feet": ("walking", "walking_feet", "walking_capped"),
}
AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("under_65", 0, 64),
    ("65_74", 65, 74),
    ("75_84", 75, 84),
    ("85_up", 85, 200),
)
EPOCH = np.datetime64("1970-01-01", "D")
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


@dataclass(frozen=True)
class Filters:
    """Which patients a report covers. Empty fields do not filter."""

    location: int | None = None
    practitioner: int | None = None
    levels: str = ""  # "1" (one level treated) or "2" (two or more)
    level: str = ""  # a level treated, e.g. "L4-L5"
    since: date | None = None  # procedures on or after
    until: date | None = None  # procedures on or before
    age_band: str = ""  # a code of AGE_BANDS
    payer: str = ""  # "medicare" (in the approved study) or "other"

    def as_dict(self) -> dict[str, object]:
        return {
            "location": self.location,
            "practitioner": self.practitioner,
            "levels": self.levels,
            "level": self.level,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "age_band": self.age_band,
            "payer": self.payer,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Filters:
        def day(value: object) -> date | None:
            return date.fromisoformat(value) if isinstance(value, str) and value else None

        def number(value: object) -> int | None:
            return value if isinstance(value, int) and not isinstance(value, bool) else None

        def text(value: object) -> str:
            return value if isinstance(value, str) else ""

        return cls(
            location=number(data.get("location")),
            practitioner=number(data.get("practitioner")),
            levels=text(data.get("levels")),
            level=text(data.get("level")),
            since=day(data.get("since")),
            until=day(data.get("until")),
            age_band=text(data.get("age_band")),
            payer=text(data.get("payer")),
        )


@dataclass
class Cohort:
    """One entry per registry patient, sorted by patient id (arrays aligned)."""

    patient: NDArray[np.int64]
    procedure_day: NDArray[np.int64]  # days since 1970-01-01 (the local date)
    utc_offset: NDArray[np.float64]  # the location's offset from UTC that day, in days
    location: NDArray[np.int64]
    operator: NDArray[np.int64]
    level_count: NDArray[np.int64]
    levels: list[tuple[str, ...]]
    side: list[str]
    medicare: NDArray[np.bool_]
    age: NDArray[np.int64]  # whole years at the procedure
    postal_code: list[str]
    chain: NDArray[np.int64]
    repeat_day: NDArray[np.float64]  # days from the procedure to a repeat mild (NaN: none)
    surgery_day: NDArray[np.float64]  # ... to later spine surgery (NaN: none)

    def __len__(self) -> int:
        return len(self.patient)

    def take(self, mask: NDArray[np.bool_]) -> Cohort:
        picked = np.flatnonzero(mask)
        return Cohort(
            patient=self.patient[picked],
            procedure_day=self.procedure_day[picked],
            utc_offset=self.utc_offset[picked],
            location=self.location[picked],
            operator=self.operator[picked],
            level_count=self.level_count[picked],
            levels=[self.levels[i] for i in picked],
            side=[self.side[i] for i in picked],
            medicare=self.medicare[picked],
            age=self.age[picked],
            postal_code=[self.postal_code[i] for i in picked],
            chain=self.chain[picked],
            repeat_day=self.repeat_day[picked],
            surgery_day=self.surgery_day[picked],
        )


@dataclass
class Paired:
    """One measure at one time point: for each patient with both, the baseline and the
    follow-up value (and whether each was stopped at the test's cap)."""

    patient: NDArray[np.int64]  # indexes into the cohort
    baseline: NDArray[np.float64]
    follow_up: NDArray[np.float64]
    baseline_capped: NDArray[np.bool_]
    follow_up_capped: NDArray[np.bool_]
    day: NDArray[np.float64]  # the follow-up's day from the procedure


@dataclass
class Readings:
    """One measure's values per time point (baseline included), each patient once."""

    patient: dict[str, NDArray[np.int64]] = field(default_factory=dict)
    value: dict[str, NDArray[np.float64]] = field(default_factory=dict)
    capped: dict[str, NDArray[np.bool_]] = field(default_factory=dict)
    day: dict[str, NDArray[np.float64]] = field(default_factory=dict)

    def paired(self, code: str) -> Paired:
        """Patients with a value at both the baseline and ``code``."""
        base_p, follow_p = self.patient.get(BASELINE), self.patient.get(code)
        if base_p is None or follow_p is None:
            empty = np.empty(0)
            return Paired(
                np.empty(0, np.int64), empty, empty, np.empty(0, bool), np.empty(0, bool), empty
            )
        both, in_base, in_follow = np.intersect1d(
            base_p, follow_p, assume_unique=True, return_indices=True
        )
        return Paired(
            patient=both,
            baseline=self.value[BASELINE][in_base],
            follow_up=self.value[code][in_follow],
            baseline_capped=self.capped[BASELINE][in_base],
            follow_up_capped=self.capped[code][in_follow],
            day=self.day[code][in_follow],
        )


@dataclass
class Registry:
    cohort: Cohort
    codes: tuple[str, ...]  # time points in schedule order, baseline first
    readings: dict[str, Readings]  # by measure
    last_contact_day: NDArray[np.float64]  # days from the procedure to the last answer
    complications: list[tuple[int, str, str, int]]  # (cohort index, grade, phase, day)
    made_up: NDArray[np.bool_]  # patients of a synthetic cohort (demo_registry)

    @property
    def synthetic(self) -> bool:
        return bool(self.made_up.any())


def _days(values: Sequence[date]) -> NDArray[np.int64]:
    return (np.array(values, dtype="datetime64[D]") - EPOCH).astype(np.int64)


def _add_months(day: NDArray[np.int64], months: int) -> NDArray[np.int64]:
    """``plan.add_months`` for many days at once (clamped to the month's end)."""
    as_day = day.astype("datetime64[D]") + EPOCH.astype(np.int64)
    month = as_day.astype("datetime64[M]")
    of_month = (as_day - month.astype("datetime64[D]")).astype(np.int64)
    target = month + months
    length = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(
        np.int64
    )
    moved = target.astype("datetime64[D]") + np.minimum(of_month, length - 1)
    return (moved - EPOCH).astype(np.int64)


def _utc_offsets(time_zones: list[str], days: NDArray[np.int64]) -> NDArray[np.float64]:
    """Each location's offset from UTC on the procedure's day, in days (for placing an
    answer's instant on the local calendar of the patient's location)."""
    cache: dict[tuple[str, int], float] = {}
    result = np.empty(len(days))
    for i, key in enumerate(zip(time_zones, days.tolist(), strict=True)):
        offset = cache.get(key)
        if offset is None:
            noon = datetime.combine(
                date.fromordinal(EPOCH_ORDINAL + key[1]), time(12), tzinfo=ZoneInfo(key[0])
            )
            delta = noon.utcoffset()
            offset = cache[key] = delta.total_seconds() / 86400.0 if delta is not None else 0.0
        result[i] = offset
    return result


def _ages(born: NDArray[np.int64], on: NDArray[np.int64]) -> NDArray[np.int64]:
    """Whole years from ``born`` to ``on`` (days since 1970): a birthday not yet reached
    in the year of ``on`` does not count."""

    def parts(days: NDArray[np.int64]) -> tuple[NDArray[np.int64], ...]:
        day = days.astype("datetime64[D]")
        month = day.astype("datetime64[M]")
        year = day.astype("datetime64[Y]")
        return (
            year.astype(np.int64),
            (month - year.astype("datetime64[M]")).astype(np.int64),
            (day - month.astype("datetime64[D]")).astype(np.int64),
        )

    born_year, born_month, born_day = parts(born)
    on_year, on_month, on_day = parts(on)
    before = (on_month < born_month) | ((on_month == born_month) & (on_day < born_day))
    return on_year - born_year - before.astype(np.int64)


@functools.lru_cache(maxsize=256)
def _levels_of(text: str) -> tuple[str, ...]:
    levels = json.loads(text)
    return tuple(levels) if isinstance(levels, list) else ()


def _levels(value: object) -> tuple[str, ...]:
    """The levels treated, from their JSON (a handful of distinct texts: each read once)."""
    if isinstance(value, str):
        return _levels_of(value)
    return tuple(value) if isinstance(value, list) else ()


def _first_per_patient(
    patient: NDArray[np.int64], day: NDArray[np.int64], chain: NDArray[np.int64]
) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
    """Which row is each patient's first procedure (earliest day, then lowest id), in
    patient order, and how many days after it their next procedure on a later day came
    (NaN: none)."""
    if not len(patient):
        return np.empty(0, dtype=np.intp), np.empty(0)
    order = np.lexsort((chain, day, patient))
    starts = np.flatnonzero(np.r_[True, patient[order][1:] != patient[order][:-1]])
    first = order[starts]
    first_day = np.repeat(day[first], np.diff(np.r_[starts, len(order)]))
    later = day[order] > first_day
    repeat = np.full(len(first), np.nan)
    group = np.cumsum(np.r_[True, patient[order][1:] != patient[order][:-1]]) - 1
    # Rows are in day order within a patient: the first later row is the repeat.
    seen = np.flatnonzero(later)
    groups, at = np.unique(group[seen], return_index=True)
    repeat[groups] = (day[order][seen[at]] - day[first][groups]).astype(np.float64)
    return first, repeat


def cohort_read() -> tuple[Cohort, list[tuple[int, str, str, int]]]:
    """Every registry patient's first signed procedure, with what came after it: a
    repeat procedure, later surgery, complications of the first procedure."""
    rows = _sql.signed_procedures()
    columns: list[tuple[Any, ...]] = list(zip(*rows, strict=True)) or [()] * 12
    chain = np.array([c or 0 for c in columns[0]], dtype=np.int64)
    # Each procedure's newest signed version: rows come by procedure, versions ascending.
    newest = np.flatnonzero(np.r_[chain[1:] != chain[:-1], True][: len(chain)])

    def column(number: int, dtype: Any = np.int64) -> NDArray[Any]:
        return np.array(columns[number], dtype=dtype)[newest]

    chain = chain[newest]
    patient, day = column(1), column(2)
    first, repeat_day = _first_per_patient(patient, day, chain)
    picked = newest[first]
    levels = [_levels(columns[5][i]) for i in picked]
    procedure_day = day[first]
    cohort = Cohort(
        patient=patient[first],
        procedure_day=procedure_day,
        utc_offset=_utc_offsets([columns[11][i] for i in picked], procedure_day),
        location=column(3)[first],
        operator=column(4)[first],
        level_count=np.array([len(found) for found in levels], dtype=np.int64),
        levels=levels,
        side=[columns[6][i] for i in picked],
        medicare=column(7, bool)[first] | column(8, bool)[first],
        age=_ages(column(9)[first], procedure_day),
        postal_code=[columns[10][i] for i in picked],
        chain=chain[first],
        repeat_day=repeat_day,
        surgery_day=np.full(len(first), np.nan),
    )
    position = {int(p): i for i, p in enumerate(cohort.patient)}
    for patient_id, on in LaterSurgery.objects.order_by("performed_on").values_list(
        "patient_id", "performed_on"
    ):
        i = position.get(patient_id)
        after = on.toordinal() - EPOCH_ORDINAL - int(procedure_day[i]) if i is not None else -1
        if i is not None and after >= 0 and np.isnan(cohort.surgery_day[i]):
            cohort.surgery_day[i] = after
    by_chain = {int(c): i for i, c in enumerate(cohort.chain)}
    complications = [
        (
            by_chain[chain_id],
            grade,
            phase,
            occurred.toordinal() - EPOCH_ORDINAL - int(procedure_day[by_chain[chain_id]]),
        )
        for chain_id, grade, phase, occurred in Complication.objects.values_list(
            "chain", "grade", "phase", "occurred_on"
        )
        if chain_id in by_chain
    ]
    return cohort, complications


def _filtered(cohort: Cohort, filters: Filters) -> NDArray[np.bool_]:
    keep = np.ones(len(cohort), dtype=bool)
    if filters.location is not None:
        keep &= cohort.location == filters.location
    if filters.practitioner is not None:
        keep &= cohort.operator == filters.practitioner
    if filters.levels == "1":
        keep &= cohort.level_count == 1
    elif filters.levels == "2":
        keep &= cohort.level_count >= 2
    if filters.level:
        keep &= np.array([filters.level in levels for levels in cohort.levels], dtype=bool)
    if filters.since is not None:
        keep &= cohort.procedure_day >= _days([filters.since])[0]
    if filters.until is not None:
        keep &= cohort.procedure_day <= _days([filters.until])[0]
    for code, low, high in AGE_BANDS:
        if filters.age_band == code:
            keep &= (cohort.age >= low) & (cohort.age <= high)
    if filters.payer == "medicare":
        keep &= cohort.medicare
    elif filters.payer == "other":
        keep &= ~cohort.medicare
    return keep


def _windows(
    cohort: Cohort, rules: Sequence[TimePointRule]
) -> list[tuple[str, NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]]:
    """Each follow-up time point's (code, target, first day, last day), per patient,
    in days since 1970: calendar months as the follow-up plan counts them."""
    windows = []
    for rule in rules:
        if rule.code == BASELINE:
            continue
        target = _add_months(cohort.procedure_day, rule.months) + rule.days
        windows.append((rule.code, target, target - rule.opens_before, target + rule.closes_after))
    return windows


def _place(
    cohort: Cohort,
    scores: _sql.Scores,
    measures: list[tuple[str, str, str]],
    windows: list[tuple[str, NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]],
    last_contact: NDArray[np.float64],
) -> dict[str, Readings]:
    """For each (measure, score key, cap flag) of one questionnaire, each patient's value
    nearest each time point's target inside its window (the answers ordered once per
    time point; a value not computable gives way to the next nearest). Also moves each
    patient's ``last_contact`` on to their latest answer after the procedure."""
    found: dict[str, Readings] = {measure: Readings() for measure, _, _ in measures}
    if not len(cohort) or not len(scores):
        return found
    position = np.minimum(np.searchsorted(cohort.patient, scores.patient), len(cohort) - 1)
    rows = np.flatnonzero(cohort.patient[position] == scores.patient)
    who = position[rows]
    # The local day of the answer, as a number of days since the procedure's day.
    local = scores.day[rows] + cohort.utc_offset[who]
    day = (np.floor(local) - cohort.procedure_day[who]).astype(np.float64)
    np.maximum.at(last_contact, who, np.maximum(day, 0))
    picks: list[tuple[str, NDArray[np.bool_], NDArray[np.float64]]] = [
        (BASELINE, (day <= 0) & (day >= -BASELINE_DAYS), -local)  # the latest counts
    ]
    for code, target, first, last in windows:
        offset_target = (target - cohort.procedure_day)[who]
        inside = (day >= (first - cohort.procedure_day)[who]) & (
            day <= (last - cohort.procedure_day)[who]
        )
        picks.append((code, inside, np.abs(day - offset_target)))
    columns = {
        measure: (
            scores.values[key][rows],
            scores.values[flag][rows] > 0 if flag else np.zeros(len(rows), dtype=bool),
        )
        for measure, key, flag in measures
    }
    for code, inside, distance in picks:
        chosen = np.flatnonzero(inside)
        if not len(chosen):
            continue
        ordered = chosen[np.lexsort((distance[chosen], who[chosen]))]
        for measure, (values, capped) in columns.items():
            usable = ordered[~np.isnan(values[ordered])]
            if not len(usable):
                continue
            nearest = usable[np.unique(who[usable], return_index=True)[1]]
            readings = found[measure]
            readings.patient[code] = who[nearest]
            readings.value[code] = values[nearest]
            readings.capped[code] = capped[nearest]
            readings.day[code] = day[nearest]
    return found


def registry_read(*, now: datetime, filters: Filters | None = None) -> Registry:
    """The registry (or the part ``filters`` select), read in a few queries."""
    cohort, complications = cohort_read()
    keep = _filtered(cohort, filters or Filters())
    if not keep.all():
        index = np.cumsum(keep) - 1
        complications = [
            (int(index[i]), grade, phase, day) for i, grade, phase, day in complications if keep[i]
        ]
        cohort = cohort.take(keep)
    rules = schedule()
    windows = _windows(cohort, rules)
    last_contact = np.zeros(len(cohort))
    readings: dict[str, Readings] = {}
    for instrument in _sql.NUMBER_KEYS:
        measures = [
            (m, key, flag) for m, (source, key, flag) in MEASURES.items() if source == instrument
        ]
        readings.update(
            _place(cohort, _sql.complete_scores(instrument), measures, windows, last_contact)
        )
    made_up = np.zeros(len(cohort), dtype=bool)
    for first, last in SyntheticCohort.objects.values_list("first_patient_id", "last_patient_id"):
        made_up |= (cohort.patient >= first) & (cohort.patient <= last)
    return Registry(
        cohort=cohort,
        codes=tuple(rule.code for rule in rules),
        readings=readings,
        last_contact_day=last_contact,
        complications=complications,
        made_up=made_up,
    )
