"""Outcomes registry statistics: summaries, paired change, proportions, responders, survival.

Pure numpy and scipy, no Django. Every function is vectorised: the registry report runs them over
cells of up to 100,000 patients, so nothing here loops over values in Python or costs O(n^2).

Changes are follow-up minus baseline: negative is better on the questionnaires (ODI, NRS, ZCQ),
positive on standing time and walking distance.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray

from mildpath.questionnaires.scoring import ZcqThresholds

# scipy.stats takes most of a second to load, and the URLconf reaches this module (through
# the registry's pages): each function that needs it imports it, so the worker, every
# command and every server process start without it.

BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 20261130
# From this many values on, resamples are drawn as Poisson counts (see _bootstrap_means).
POISSON_FROM = 10_000

# Keeps each bootstrap chunk (counts or indices, 8 bytes each) near 24 MB, so two live arrays
# stay under ~50 MB whatever the number of values.
_CHUNK_ELEMENTS = 3_000_000
# One multinomial category costs about as much as a dozen index draws (numpy 2.4, measured):
# the index bootstrap is cheaper once distinct values exceed a twelfth of the values.
_MULTINOMIAL_COST = 12
# Distinct values closer than this, relative to the largest, are float noise of one value
# (23.0 - 16.1 and 33.0 - 26.1 differ in the 15th digit); merging them keeps the bootstrap fast.
_SAME_VALUE = 1e-10
# Kaplan-Meier products that are 0.5 exactly land a rounding error either side of it.
_HALF = 0.5 + 1e-9

Floats = NDArray[np.float64]
Bools = NDArray[np.bool_]


@dataclass(frozen=True)
class Interval:
    low: float
    high: float


@dataclass(frozen=True)
class Summary:
    n: int
    mean: float | None
    sd: float | None
    median: float | None
    q1: float | None
    q3: float | None


@dataclass(frozen=True)
class PairedChange:
    n: int
    baseline: Summary
    follow_up: Summary
    change: Summary
    change_ci: Interval | None
    t_p: float | None
    wilcoxon_p: float | None
    censored_baseline: int
    censored_follow_up: int


@dataclass(frozen=True)
class Proportion:
    k: int
    n: int
    share: float | None
    ci: Interval | None
    method: str


@dataclass(frozen=True)
class SurvivalPoint:
    day: int
    at_risk: int
    survival: float
    low: float
    high: float


@dataclass(frozen=True)
class Survival:
    n: int
    events: int
    points: tuple[SurvivalPoint, ...]


# --- input checks -------------------------------------------------------------------------------


def _floats(name: str, values: Any) -> Floats:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"{name} must be a one-dimensional array, not {array.ndim}-dimensional")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} contains NaN or infinity: drop missing values first")
    return array


def _flags(name: str, flags: Any, length: int) -> Bools:
    if flags is None:
        return np.zeros(length, dtype=np.bool_)
    array = np.asarray(flags)
    if array.dtype != np.bool_:
        raise ValueError(f"{name} must be a boolean array, not {array.dtype}")
    if array.shape != (length,):
        raise ValueError(f"{name} has {array.size} entries for {length} values")
    return array


def _same_length(**arrays: NDArray[Any]) -> None:
    lengths = {name: len(array) for name, array in arrays.items()}
    if len(set(lengths.values())) > 1:
        described = ", ".join(f"{name} {length}" for name, length in lengths.items())
        raise ValueError(f"The arrays must have one entry per patient; lengths: {described}")


def _confidence(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence is a level between 0 and 1, not {confidence!r}")
    return confidence


# --- summaries and the bootstrap ----------------------------------------------------------------


def summarize(values: Floats) -> Summary:
    """n, mean, sample SD (ddof=1), median and quartiles (numpy's linear interpolation).

    Mean, median and quartiles are None for no values; the SD needs two. NaN is refused.
    """
    array = _floats("values", values)
    n = len(array)
    if n == 0:
        return Summary(n=0, mean=None, sd=None, median=None, q1=None, q3=None)
    q1, median, q3 = (float(q) for q in np.percentile(array, [25, 50, 75]))
    return Summary(
        n=n,
        mean=float(np.mean(array)),
        sd=float(np.std(array, ddof=1)) if n > 1 else None,
        median=median,
        q1=q1,
        q3=q3,
    )


def _distinct(array: Floats) -> tuple[Floats, NDArray[np.int64]]:
    """Distinct values and their counts, float noise of one value merged into its mean."""
    values, counts = np.unique(array, return_counts=True)
    if len(values) < 2:
        return values, counts
    tolerance = _SAME_VALUE * float(np.abs(values).max())
    group = np.concatenate(([0], np.cumsum(np.diff(values) > tolerance)))
    merged_counts = np.bincount(group, weights=counts).astype(np.int64)
    # A merged value is its members' mean, so the sample mean is unchanged; a value with no
    # noisy twin stays exactly itself.
    means = np.bincount(group, weights=values * counts) / merged_counts
    alone = np.bincount(group) == 1
    firsts = values[np.flatnonzero(np.diff(group, prepend=-1))]
    return np.where(alone, firsts, means), merged_counts


def _bootstrap_means(array: Floats, resamples: int, rng: np.random.Generator) -> Floats:
    n = len(array)
    values, counts = _distinct(array)
    means = np.empty(resamples, dtype=np.float64)
    if n >= POISSON_FROM:
        # The Poisson bootstrap (Hanley & MacGibbon 2006): each distinct value drawn
        # Poisson(count) times, independently; twice as quick as the multinomial, and the
        # same distribution of the mean to within 1/n at these sizes.
        offsets = values - values[0]
        rows = max(1, _CHUNK_ELEMENTS // len(values))
        for start in range(0, resamples, rows):
            stop = min(start + rows, resamples)
            drawn = rng.poisson(counts, size=(stop - start, len(values)))
            means[start:stop] = values[0] + (drawn @ offsets) / drawn.sum(axis=1)
    elif len(values) * _MULTINOMIAL_COST <= n:
        # Centred on the smallest value so a constant array gives exactly that constant.
        offsets = values - values[0]
        shares = counts / n
        rows = max(1, _CHUNK_ELEMENTS // len(values))
        for start in range(0, resamples, rows):
            stop = min(start + rows, resamples)
            drawn = rng.multinomial(n, shares, size=stop - start)
            means[start:stop] = values[0] + (drawn @ offsets) / n
    else:
        rows = max(1, _CHUNK_ELEMENTS // n)
        for start in range(0, resamples, rows):
            stop = min(start + rows, resamples)
            means[start:stop] = array[rng.integers(0, n, size=(stop - start, n))].mean(axis=1)
    return means


def bootstrap_mean_ci(
    values: Floats,
    *,
    confidence: float = 0.95,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> Interval | None:
    """Percentile bootstrap CI of the mean, fixed seed: the same values always give the same CI.

    A resample's mean depends only on how often it draws each distinct value, so each resample
    is drawn as multinomial counts over the K distinct values (an exact bootstrap at cost
    resamples x K, not resamples x n: instant for scores with K of 10 to 500 on 100,000 values).
    With many distinct values (K > n / 12) plain index resampling is cheaper and is used instead;
    from POISSON_FROM values on, the Poisson bootstrap (independent Poisson counts per value).
    Values closer than 1e-10 of the largest magnitude (float noise of subtracting decimals) count
    as one. None for fewer than 2 values.
    """
    array = _floats("values", values)
    level = _confidence(confidence)
    if resamples < 1:
        raise ValueError(f"resamples must be at least 1, not {resamples}")
    if len(array) < 2:
        return None
    means = _bootstrap_means(array, resamples, np.random.default_rng(seed))
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return Interval(low=float(low), high=float(high))


# --- paired change ------------------------------------------------------------------------------


def _p_value(result: Any) -> float | None:
    p = float(result.pvalue)
    return None if np.isnan(p) else p


def _t_test_p(baseline: Floats, follow_up: Floats, change: Floats) -> float | None:
    scale = max(float(np.abs(baseline).max()), float(np.abs(follow_up).max()))
    # Changes that differ only by float noise are identical: a t-test on them is meaningless.
    if float(np.ptp(change)) <= 16 * np.finfo(np.float64).eps * scale:
        return None
    from scipy import stats

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Precision loss occurred", RuntimeWarning)
        return _p_value(stats.ttest_rel(follow_up, baseline))


def paired_change(
    baseline: Floats,
    follow_up: Floats,
    *,
    baseline_capped: Bools | None = None,
    follow_up_capped: Bools | None = None,
    seed: int = BOOTSTRAP_SEED,
    resamples: int = BOOTSTRAP_RESAMPLES,
) -> PairedChange:
    """Change from baseline to follow-up in paired patients (follow-up minus baseline).

    Summaries of both visits and of the change; percentile bootstrap CI of the mean change
    (bootstrap_mean_ci); two-sided paired t-test (scipy.stats.ttest_rel) and Wilcoxon signed-rank
    test on the changes (scipy.stats.wilcoxon, zero changes dropped, scipy's default exact or
    normal method). Values stopped at a test's cap (30 minutes standing) are right-censored but
    enter everything at the cap, so with capped follow-up values the mean improvement is a lower
    bound of the true one; the capped counts are reported so the page can say how many stopped
    at the limit.
    p values are None for fewer than 2 pairs, the t-test's when every change is the same, the
    Wilcoxon's when every change is zero.
    """
    before = _floats("baseline", baseline)
    after = _floats("follow_up", follow_up)
    _same_length(baseline=before, follow_up=after)
    n = len(before)
    before_capped = _flags("baseline_capped", baseline_capped, n)
    after_capped = _flags("follow_up_capped", follow_up_capped, n)
    change = after - before
    t_p = wilcoxon_p = None
    if n >= 2:
        t_p = _t_test_p(before, after, change)
        if np.any(change != 0):
            from scipy import stats

            wilcoxon_p = _p_value(stats.wilcoxon(change, zero_method="wilcox"))
    return PairedChange(
        n=n,
        baseline=summarize(before),
        follow_up=summarize(after),
        change=summarize(change),
        change_ci=bootstrap_mean_ci(change, seed=seed, resamples=resamples),
        t_p=t_p,
        wilcoxon_p=wilcoxon_p,
        censored_baseline=int(before_capped.sum()),
        censored_follow_up=int(after_capped.sum()),
    )


# --- Kaplan-Meier -------------------------------------------------------------------------------


def _km(times: Floats, events: Bools) -> Any:
    from scipy import stats

    return stats.ecdf(stats.CensoredData(uncensored=times[events], right=times[~events]))


def _band(sf: Any, confidence: float) -> tuple[Any, Any]:
    # Greenwood's variance is infinite once the last one at risk has the event; scipy then
    # warns and gives NaN where the survival is 0 (see _low and _high).
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "The confidence interval is undefined", RuntimeWarning)
        band = sf.confidence_interval(confidence)
    return band.low, band.high


def _low(probabilities: Floats) -> Floats:
    # An infinite variance makes the band all of [0, 1].
    return np.where(np.isnan(probabilities), 0.0, np.clip(probabilities, 0.0, 1.0))


def _high(probabilities: Floats) -> Floats:
    return np.where(np.isnan(probabilities), 1.0, np.clip(probabilities, 0.0, 1.0))


def _first_at_or_below_half(quantiles: Floats, probabilities: Floats) -> float | None:
    below = np.flatnonzero(probabilities <= _HALF)
    return float(quantiles[below[0]]) if len(below) else None


def censored_median(values: Floats, capped: Bools) -> tuple[float | None, Interval | None, bool]:
    """Kaplan-Meier median of a measurement right-censored at a cap (scipy.stats.ecdf).

    A capped value means "at least this much" (stood the whole 30 minutes). The median is the
    smallest value where the survival function falls to 0.5 or below; its CI is where the
    linear (Greenwood) 95% band's lower and upper curves fall to 0.5 (None when either never
    does). Returns (median, CI, not_reached); when the survival never falls to 0.5 (more than
    half capped) the median is only known to be at least the cap: (cap, None, True).
    """
    array = _floats("values", values)
    flags = _flags("capped", capped, len(array))
    if len(array) == 0:
        return None, None, False
    result = _km(array, ~flags)
    times = result.sf.quantiles
    median = _first_at_or_below_half(times, result.sf.probabilities)
    if median is None:
        return float(array[flags].max()), None, True
    low_band, high_band = _band(result.sf, 0.95)
    low = _first_at_or_below_half(times, _low(low_band.probabilities))
    high = _first_at_or_below_half(times, _high(high_band.probabilities))
    ci = None if low is None or high is None else Interval(low=low, high=high)
    return median, ci, False


def kaplan_meier(
    days: NDArray[np.integer[Any]] | Floats,
    event: Bools,
    *,
    at_days: Sequence[int],
    confidence: float = 0.95,
) -> Survival:
    """Kaplan-Meier survival free of the event (scipy.stats.ecdf on right-censored data).

    days: from the procedure to the event (repeat procedure, surgery) or to censoring (last
    contact). Survival is read at each of at_days, with the linear (Greenwood) pointwise band
    clipped to [0, 1]; at_risk counts those followed at least that many days.
    """
    times = _floats("days", days)
    flags = _flags("event", event, len(times))
    level = _confidence(confidence)
    if np.any(times < 0):
        raise ValueError("days must not be negative: the event cannot come before the procedure")
    if len(times) == 0:
        return Survival(n=0, events=0, points=())
    wanted = np.asarray(at_days, dtype=np.float64)
    result = _km(times, flags)
    low, high = _band(result.sf, level)
    survival = result.sf.evaluate(wanted)
    lows, highs = _low(low.evaluate(wanted)), _high(high.evaluate(wanted))
    at_risk = len(times) - np.searchsorted(np.sort(times), wanted, side="left")
    points = tuple(
        SurvivalPoint(
            day=int(day),
            at_risk=int(at_risk[i]),
            survival=float(survival[i]),
            low=float(lows[i]),
            high=float(highs[i]),
        )
        for i, day in enumerate(at_days)
    )
    return Survival(n=len(times), events=int(flags.sum()), points=points)


# --- proportions --------------------------------------------------------------------------------


def _proportion(k: int, n: int, confidence: float, method: str, scipy_method: str) -> Proportion:
    if n < 0:
        raise ValueError(f"n counts patients and cannot be negative, not {n}")
    if k < 0:
        raise ValueError(f"k counts patients and cannot be negative, not {k}")
    if k > n:
        raise ValueError(f"k cannot exceed n: {k} of {n}")
    level = _confidence(confidence)
    if n == 0:
        return Proportion(k=0, n=0, share=None, ci=None, method=method)
    from scipy import stats

    ci = stats.binomtest(k, n).proportion_ci(confidence_level=level, method=scipy_method)
    return Proportion(
        k=k, n=n, share=k / n, ci=Interval(float(ci.low), float(ci.high)), method=method
    )


def wilson(k: int, n: int, confidence: float = 0.95) -> Proportion:
    """k of n with the Wilson score interval, no continuity correction (scipy binomtest)."""
    return _proportion(k, n, confidence, "wilson", "wilson")


def clopper_pearson(k: int, n: int, confidence: float = 0.95) -> Proportion:
    """k of n with the Clopper-Pearson exact interval (scipy binomtest, method="exact")."""
    return _proportion(k, n, confidence, "clopper-pearson", "exact")


# --- responders ---------------------------------------------------------------------------------


def _hundredths(name: str, values: Any) -> NDArray[np.int64]:
    # Scores carry at most two decimals: compare them as the integers people read, so a drop
    # of exactly 30% is not lost to binary rounding (in floats 23.0 - 16.1 < 0.3 * 23.0).
    return np.rint(_floats(name, values) * 100).astype(np.int64)


def _threshold_hundredths(name: str, value: float) -> int:
    exact = Fraction(repr(float(value))) * 100
    if exact.denominator != 1:
        raise ValueError(f"{name} must have at most two decimals, like the scores, not {value!r}")
    return int(exact)


def responders_points_or_share(
    baseline: Floats, follow_up: Floats, *, points: float, share: float
) -> Bools:
    """Who improved by at least `points`, or by at least `share` of a baseline above 0.

    The vectorised form of questionnaires.scoring.is_responder for ODI and NRS (points and share
    from MINIMAL_IMPORTANT_CHANGE), exact on scores of up to two decimals; share is a whole
    percentage (0.30).
    """
    before = _hundredths("baseline", baseline)
    after = _hundredths("follow_up", follow_up)
    _same_length(baseline=before, follow_up=after)
    needed = _threshold_hundredths("points", points)
    percent = Fraction(repr(float(share))) * 100
    if percent.denominator != 1 or not 0 <= percent <= 100:
        raise ValueError(f"share must be a whole percentage between 0 and 1, not {share!r}")
    drop = before - after
    result: Bools = (drop >= needed) | ((before > 0) & (drop * 100 >= int(percent) * before))
    return result


def responders_zcq(
    symptom_before: Floats,
    symptom_after: Floats,
    function_before: Floats,
    function_after: Floats,
    satisfaction_after: Floats,
    *,
    symptom: float = 0.5,
    function: float = 0.5,
    satisfaction: float = 2.5,
    needed: int = 2,
) -> Bools:
    """ZCQ responders: `needed` of symptom severity and physical function each better by the
    threshold, and satisfaction at or below its threshold (NaN: not answered, not met).

    The vectorised form of questionnaires.scoring.is_responder("zcq", ...), exact on the
    two-decimal subscale means.
    """
    ZcqThresholds(symptom=symptom, function=function, satisfaction=satisfaction, needed=needed)
    s_before = _hundredths("symptom_before", symptom_before)
    s_after = _hundredths("symptom_after", symptom_after)
    f_before = _hundredths("function_before", function_before)
    f_after = _hundredths("function_after", function_after)
    raw_satisfaction = np.asarray(satisfaction_after, dtype=np.float64)
    answered = ~np.isnan(raw_satisfaction)
    satisfaction_score = _hundredths(
        "satisfaction_after", np.where(answered, raw_satisfaction, 0.0)
    )
    _same_length(
        symptom_before=s_before,
        symptom_after=s_after,
        function_before=f_before,
        function_after=f_after,
        satisfaction_after=satisfaction_score,
    )
    met = (
        (s_before - s_after >= _threshold_hundredths("symptom", symptom)).astype(np.int64)
        + (f_before - f_after >= _threshold_hundredths("function", function))
        + (answered & (satisfaction_score <= _threshold_hundredths("satisfaction", satisfaction)))
    )
    result: Bools = met >= needed
    return result
