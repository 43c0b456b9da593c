"""The outcomes report: the registry's numbers per measure and time point, with sample
sizes, intervals and tests, beside the published studies. Built from ``registry_read``
by the pure statistics of ``stats``; the result is plain data (JSON), which the
dashboard, the PDF, the CSV and the public block all read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from typing import Any

import numpy as np
from django.utils.translation import gettext_lazy as _

from mildpath.outcomes import stats
from mildpath.outcomes.registry import Filters, Paired, Registry, registry_read
from mildpath.questionnaires.plan import BASELINE
from mildpath.questionnaires.scoring import MINIMAL_IMPORTANT_CHANGE, ZcqThresholds

Progress = Callable[[int, str], None]

# The measures reported, in order: (code, label, unit, decimals)
MEASURES: tuple[tuple[str, Any, Any, int], ...] = (
    ("odi", _("Disability (Oswestry, ODI)"), _("points of 100"), 1),
    ("nrs_back", _("Back pain (0-10)"), _("points of 10"), 1),
    ("nrs_leg", _("Leg pain (0-10)"), _("points of 10"), 1),
    ("zcq_symptom", _("Symptom severity (Zurich, ZCQ)"), _("points, 1-5"), 2),
    ("zcq_function", _("Physical function (Zurich, ZCQ)"), _("points, 1-4"), 2),
    ("standing_minutes", _("Standing time"), _("minutes"), 1),
    ("walking_feet", _("Walking distance"), _("feet"), 0),
)
# Which responder rule applies to which measure (DOMAIN.md, "Outcome measures").
RESPONDER_RULE = {"odi": "odi", "nrs_back": "nrs", "nrs_leg": "nrs", "zcq_symptom": "zcq"}
CENSORED = {"standing_minutes", "walking_feet"}
SERIOUS_GRADES = ("IIIa", "IIIb", "IVa", "IVb", "V")
# Days at which freedom from a repeat procedure or surgery is read off the curve.
SURVIVAL_DAYS = (91, 182, 365, 730)

MEKHAIL_2012 = "Mekhail N et al. Pain Pract 2012;12(6):417-25 (PMID 22651852)"
MIDAS_ENCORE = "Staats PS et al. Reg Anesth Pain Med 2018 (PMID 30199512)"
MOTION = "Costandi S et al. Interv Pain Med 2025 (MOTION, 3 years)"
# (measure, study, time point, kind, value, n, citation): "mean" at the time point or
# "change" from baseline, in the study's mild arm.
PUBLISHED: tuple[tuple[str, str, str, str, float, int, str], ...] = (
    ("standing_minutes", "Mekhail 2012", "baseline", "mean", 8, 40, MEKHAIL_2012),
    ("standing_minutes", "Mekhail 2012", "month_12", "mean", 56, 40, MEKHAIL_2012),
    ("walking_feet", "Mekhail 2012", "baseline", "mean", 246, 40, MEKHAIL_2012),
    ("walking_feet", "Mekhail 2012", "month_12", "mean", 3956, 40, MEKHAIL_2012),
    ("odi", "MiDAS ENCORE", "month_24", "change", -22.7, 143, MIDAS_ENCORE),
    ("nrs_back", "MiDAS ENCORE", "month_24", "change", -3.6, 143, MIDAS_ENCORE),
    ("zcq_symptom", "MiDAS ENCORE", "month_24", "change", -1.0, 143, MIDAS_ENCORE),
    ("zcq_function", "MiDAS ENCORE", "month_24", "change", -0.8, 143, MIDAS_ENCORE),
    ("odi", "MOTION", "month_36", "change", -16.9, 48, MOTION),
    ("nrs_back", "MOTION", "month_36", "change", -3.0, 48, MOTION),
    ("nrs_leg", "MOTION", "month_36", "change", -4.3, 48, MOTION),
    ("zcq_symptom", "MOTION", "month_36", "change", -0.8, 48, MOTION),
    ("zcq_function", "MOTION", "month_36", "change", -0.6, 48, MOTION),
)


def _number(value: float | None, places: int = 4) -> float | None:
    if value is None or not np.isfinite(value):
        return None
    return round(float(value), places)


def _summary(summary: stats.Summary) -> dict[str, Any]:
    return {key: _number(value) if key != "n" else value for key, value in asdict(summary).items()}


def _interval(interval: stats.Interval | None) -> list[float | None] | None:
    if interval is None:
        return None
    return [_number(interval.low), _number(interval.high)]


def _proportion(p: stats.Proportion) -> dict[str, Any]:
    return {"k": p.k, "n": p.n, "share": _number(p.share), "ci": _interval(p.ci)}


def _responders(
    registry: Registry, measure: str, code: str, pairs: Paired
) -> stats.Proportion | None:
    rule = RESPONDER_RULE.get(measure)
    if rule is None or not len(pairs.patient):
        return None
    if rule in MINIMAL_IMPORTANT_CHANGE:
        points, share = MINIMAL_IMPORTANT_CHANGE[rule]
        met = stats.responders_points_or_share(
            pairs.baseline, pairs.follow_up, points=points, share=share
        )
        return stats.wilson(int(met.sum()), len(met))
    # ZCQ: symptom and function changes and satisfaction, for patients with all three.
    function = registry.readings["zcq_function"].paired(code)
    satisfaction = registry.readings["zcq_satisfaction"]
    both, in_symptom, in_function = np.intersect1d(
        pairs.patient, function.patient, assume_unique=True, return_indices=True
    )
    satisfied = np.full(len(both), np.nan)
    if code in satisfaction.patient:
        _, in_both, in_satisfaction = np.intersect1d(
            both, satisfaction.patient[code], assume_unique=True, return_indices=True
        )
        satisfied[in_both] = satisfaction.value[code][in_satisfaction]
    thresholds = ZcqThresholds()
    met = stats.responders_zcq(
        pairs.baseline[in_symptom],
        pairs.follow_up[in_symptom],
        function.baseline[in_function],
        function.follow_up[in_function],
        satisfied,
        symptom=thresholds.symptom,
        function=thresholds.function,
        satisfaction=thresholds.satisfaction,
        needed=thresholds.needed,
    )
    return stats.wilson(int(met.sum()), len(met))


def _measure(registry: Registry, measure: str) -> dict[str, Any]:
    readings = registry.readings[measure]
    base = readings.value.get(BASELINE, np.empty(0))
    base_capped = readings.capped.get(BASELINE, np.empty(0, dtype=bool))
    rows = []
    for code in registry.codes:
        if code == BASELINE:
            continue
        pairs = readings.paired(code)
        change = stats.paired_change(
            pairs.baseline,
            pairs.follow_up,
            baseline_capped=pairs.baseline_capped,
            follow_up_capped=pairs.follow_up_capped,
        )
        row: dict[str, Any] = {
            "time_point": code,
            "n": change.n,
            "baseline": _summary(change.baseline),
            "follow_up": _summary(change.follow_up),
            "change": _summary(change.change),
            "change_ci": _interval(change.change_ci),
            "t_p": _number(change.t_p, 6),
            "wilcoxon_p": _number(change.wilcoxon_p, 6),
            "censored_baseline": change.censored_baseline,
            "censored_follow_up": change.censored_follow_up,
        }
        responders = _responders(registry, measure, code, pairs)
        row["responders"] = _proportion(responders) if responders is not None else None
        if measure in CENSORED and change.n:
            median, interval, not_reached = stats.censored_median(
                pairs.follow_up, pairs.follow_up_capped
            )
            row["km_median"] = {
                "value": _number(median),
                "ci": _interval(interval),
                "not_reached": not_reached,
            }
        rows.append(row)
    baseline = stats.summarize(base)
    return {
        "measure": measure,
        "baseline": _summary(baseline),
        "baseline_capped": int(base_capped.sum()),
        "rows": rows,
        "published": [
            {
                "study": study,
                "time_point": code,
                "kind": kind,
                "value": value,
                "n": n,
                "citation": citation,
            }
            for m, study, code, kind, value, n, citation in PUBLISHED
            if m == measure
        ],
    }


def _survival(registry: Registry) -> dict[str, Any]:
    cohort = registry.cohort
    event_day = np.fmin(cohort.repeat_day, cohort.surgery_day)
    event = ~np.isnan(event_day)
    days = np.where(event, event_day, np.maximum(registry.last_contact_day, 0))
    curve = stats.kaplan_meier(days, event, at_days=SURVIVAL_DAYS)
    return {
        "n": curve.n,
        "events": curve.events,
        "repeat_procedures": int((~np.isnan(cohort.repeat_day)).sum()),
        "surgeries": int((~np.isnan(cohort.surgery_day)).sum()),
        "points": [
            {
                "day": p.day,
                "at_risk": p.at_risk,
                "survival": _number(p.survival),
                "ci": [_number(p.low), _number(p.high)],
            }
            for p in curve.points
        ],
    }


def _complications(registry: Registry) -> dict[str, Any]:
    n = len(registry.cohort)
    any_patients = {c[0] for c in registry.complications}
    serious = {c[0] for c in registry.complications if c[1] in SERIOUS_GRADES}
    by_grade: dict[str, set[int]] = {}
    for complication in registry.complications:
        by_grade.setdefault(complication[1], set()).add(complication[0])
    return {
        "any": _proportion(stats.clopper_pearson(len(any_patients), n)),
        "serious": _proportion(stats.clopper_pearson(len(serious), n)),
        "by_grade": {
            grade: _proportion(stats.clopper_pearson(len(patients), n))
            for grade, patients in sorted(by_grade.items())
        },
    }


def report_build(
    *, now: datetime, filters: Filters | None = None, progress: Progress | None = None
) -> dict[str, Any]:
    """The whole report for ``filters``, as plain data. ``progress(percent, stage)`` is
    told how far it has got (the worker writes it where the page can read it)."""
    tell = progress or (lambda percent, stage: None)
    tell(5, "reading the registry")
    filters = filters or Filters()
    registry = registry_read(now=now, filters=filters)
    tell(40, "computing the statistics")
    measures = []
    for number, (measure, *_labels) in enumerate(MEASURES):
        measures.append(_measure(registry, measure))
        tell(40 + 50 * (number + 1) // len(MEASURES), "computing the statistics")
    followed = {
        code: int(len(registry.readings["odi"].patient.get(code, ()))) for code in registry.codes
    }
    return {
        "generated_at": now.isoformat(),
        "filters": filters.as_dict(),
        "synthetic": registry.synthetic,
        "patients": len(registry.cohort),
        "time_points": list(registry.codes),
        "answered_odi": followed,
        "measures": measures,
        "survival": _survival(registry),
        "complications": _complications(registry),
        "method": {
            "bootstrap_resamples": stats.BOOTSTRAP_RESAMPLES,
            "bootstrap_seed": stats.BOOTSTRAP_SEED,
        },
    }
