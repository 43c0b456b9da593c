"""Published results of the mild procedure, each with its citation (DOMAIN.md,
"Evidence"): what a patient's own numbers are shown next to. Changes are mean changes
from baseline in the study's mild arm; the Mekhail figures are the study's means
before and at one year. Only figures at the plan's own time points are drawn."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    measure: str
    time_point: str
    value: float
    kind: str  # "change" from baseline, or "mean" at the time point
    study: str
    citation: str
    n: int


MEKHAIL_2012 = "Mekhail N et al. Pain Pract 2012;12(6):417-25 (PMID 22651852)"
MIDAS_ENCORE_2Y = "Staats PS et al. Reg Anesth Pain Med 2018 (PMID 30199512), MiDAS ENCORE"

FIGURES: tuple[Figure, ...] = (
    Figure("standing_minutes", "baseline", 8, "mean", "Mekhail 2012", MEKHAIL_2012, 40),
    Figure("standing_minutes", "month_12", 56, "mean", "Mekhail 2012", MEKHAIL_2012, 40),
    Figure("walking_feet", "baseline", 246, "mean", "Mekhail 2012", MEKHAIL_2012, 40),
    Figure("walking_feet", "month_12", 3956, "mean", "Mekhail 2012", MEKHAIL_2012, 40),
    Figure("odi", "month_24", -22.7, "change", "MiDAS ENCORE", MIDAS_ENCORE_2Y, 143),
    Figure("nrs_back", "month_24", -3.6, "change", "MiDAS ENCORE", MIDAS_ENCORE_2Y, 143),
    Figure("nrs_leg", "month_24", -3.6, "change", "MiDAS ENCORE", MIDAS_ENCORE_2Y, 143),
    Figure("zcq_symptom", "month_24", -1.0, "change", "MiDAS ENCORE", MIDAS_ENCORE_2Y, 143),
    Figure("zcq_function", "month_24", -0.8, "change", "MiDAS ENCORE", MIDAS_ENCORE_2Y, 143),
    # MOTION's 3-year figures (Costandi S et al. Interv Pain Med 2025: ODI -16.9, NPRS
    # back -3.0, leg -4.3, ZCQ -0.8 / -0.6, n=48) fall after the plan's last time point;
    # the registry reports them.
)


def figures_for(measure: str) -> list[Figure]:
    return [figure for figure in FIGURES if figure.measure == measure]
