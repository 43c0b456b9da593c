"""Registry statistics against independent computations: scipy called here, worked examples,
and the textbook Kaplan-Meier example (Freireich's 6-MP remission data)."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from mildpath.outcomes.stats import (
    BOOTSTRAP_SEED,
    Interval,
    bootstrap_mean_ci,
    censored_median,
    clopper_pearson,
    kaplan_meier,
    paired_change,
    responders_points_or_share,
    responders_zcq,
    summarize,
    wilson,
)
from mildpath.questionnaires.scoring import MINIMAL_IMPORTANT_CHANGE, is_responder, zcq_scores

# A pure module's tests: the SQLite pass runs them; with no database, the PostgreSQL
# pass would only repeat them.
pytestmark = pytest.mark.pure

ROOT = Path(__file__).resolve().parents[2]
Z95 = stats.norm.ppf(0.975)


def odi_like_changes(n, seed):
    """Follow-up minus baseline ODI, one decimal, mostly better (negative)."""
    return np.round(np.random.default_rng(seed).normal(-15, 14, n), 1)


# --- Summaries ----------------------------------------------------------------------------------


def test_it_summarizes_a_small_array_as_worked_by_hand():
    summary = summarize(np.array([2, 4, 4, 4, 5, 5, 7, 9], dtype=np.float64))
    assert summary.n == 8
    assert summary.mean == pytest.approx(5.0)
    assert summary.sd == pytest.approx(math.sqrt(32 / 7))  # squared deviations sum to 32
    assert summary.sd == pytest.approx(2.138, abs=5e-4)
    assert summary.median == pytest.approx(4.5)
    assert summary.q1 == pytest.approx(4.0)  # position 1.75 between 4 and 4
    assert summary.q3 == pytest.approx(5.5)  # position 5.25 between 5 and 7


def test_it_summarizes_as_numpy_does():
    values = np.random.default_rng(7).gamma(2.0, 10.0, 1001)
    summary = summarize(values)
    assert summary.n == 1001
    assert summary.mean == pytest.approx(np.mean(values))
    assert summary.sd == pytest.approx(np.std(values, ddof=1))
    assert summary.median == pytest.approx(np.median(values))
    assert summary.q1 == pytest.approx(np.percentile(values, 25))
    assert summary.q3 == pytest.approx(np.percentile(values, 75))


def test_it_leaves_out_what_too_few_values_cannot_give():
    empty = summarize(np.array([], dtype=np.float64))
    assert (empty.n, empty.mean, empty.sd, empty.median, empty.q1, empty.q3) == (0, *[None] * 5)
    one = summarize(np.array([12.5]))
    assert (one.mean, one.sd, one.median, one.q1, one.q3) == (12.5, None, 12.5, 12.5, 12.5)


def test_it_refuses_to_summarize_missing_values():
    with pytest.raises(ValueError, match="values contains NaN"):
        summarize(np.array([1.0, np.nan]))


# --- Bootstrap ----------------------------------------------------------------------------------


def test_the_bootstrap_gives_the_same_interval_every_time():
    changes = odi_like_changes(200, seed=3)
    assert bootstrap_mean_ci(changes) == bootstrap_mean_ci(changes)
    assert bootstrap_mean_ci(changes, seed=BOOTSTRAP_SEED + 1) != bootstrap_mean_ci(changes)


@pytest.mark.parametrize(
    "values",
    [
        # Few distinct values: resamples are drawn as multinomial counts.
        np.clip(np.round(np.random.default_rng(11).normal(-3, 2.5, 400)), -10, 10),
        # ODI changes, about as many distinct values as a tenth of the patients.
        odi_like_changes(200, seed=12),
        # Every value distinct: resamples are drawn as indices.
        np.random.default_rng(13).lognormal(1, 0.8, 200),
    ],
    ids=["nrs-changes", "odi-changes", "all-distinct"],
)
def test_the_bootstrap_agrees_with_scipys_percentile_bootstrap(values):
    ours = bootstrap_mean_ci(values)
    scipys = stats.bootstrap(
        (values,), np.mean, method="percentile", n_resamples=9999, rng=np.random.default_rng(1)
    ).confidence_interval
    # A 2.5% percentile from B resamples has a Monte Carlo SE of about
    # sqrt(0.025 * 0.975 / B) / phi(1.96) = 0.06 (B = 2000) and 0.027 (B = 9999) standard
    # errors of the mean: their difference has SE 0.066. 0.35 is over 5 of those (over 300 data
    # seeds the largest gap seen was 0.23), yet under a fifth of the interval's half-width.
    tolerance = 0.35 * np.std(values, ddof=1) / math.sqrt(len(values))
    assert ours is not None
    assert ours.low == pytest.approx(scipys.low, abs=tolerance)
    assert ours.high == pytest.approx(scipys.high, abs=tolerance)


def test_the_poisson_bootstrap_of_large_registries_agrees_with_scipys():
    values = odi_like_changes(20_000, seed=14)
    ours = bootstrap_mean_ci(values)
    scipys = stats.bootstrap(
        (values,),
        np.mean,
        method="percentile",
        n_resamples=1999,
        batch=100,
        rng=np.random.default_rng(2),
    ).confidence_interval
    # As above, with scipy's 1,999 resamples: a difference with SE of about 0.08 standard
    # errors of the mean; 0.4 is 5 of those.
    tolerance = 0.4 * np.std(values, ddof=1) / math.sqrt(len(values))
    assert ours is not None
    assert ours.low == pytest.approx(scipys.low, abs=tolerance)
    assert ours.high == pytest.approx(scipys.high, abs=tolerance)


def test_the_bootstrap_of_a_constant_is_that_constant():
    assert bootstrap_mean_ci(np.full(50, 3.7)) == Interval(3.7, 3.7)
    assert bootstrap_mean_ci(np.full(20_000, 3.7)) == Interval(3.7, 3.7)


@pytest.mark.parametrize(("n", "k"), [(60, 12), (100, 30), (40, 2)])
def test_the_bootstrap_of_ones_and_zeros_follows_the_binomial(n, k):
    values = np.zeros(n)
    values[:k] = 1.0
    expected_low, expected_high = stats.binom.ppf([0.025, 0.975], n, k / n) / n
    ci = bootstrap_mean_ci(values)
    assert ci is not None
    assert ci.low == pytest.approx(expected_low, abs=1 / n + 1e-9)
    assert ci.high == pytest.approx(expected_high, abs=1 / n + 1e-9)


def test_the_bootstrap_runs_on_a_hundred_thousand_patients():
    changes = odi_like_changes(100_000, seed=4)
    ci = bootstrap_mean_ci(changes)
    assert ci is not None
    assert ci.low < changes.mean() < ci.high
    assert ci.high - ci.low < 0.5  # about 4 SEs of 14 / sqrt(100,000)


def test_the_bootstrap_needs_two_values():
    assert bootstrap_mean_ci(np.array([4.0])) is None
    assert bootstrap_mean_ci(np.array([], dtype=np.float64)) is None


# --- Paired change ------------------------------------------------------------------------------


def test_it_works_a_paired_change_as_by_hand():
    baseline = np.array([10.0, 12.0, 9.0, 14.0, 10.0])
    follow_up = np.array([6.0, 9.0, 8.0, 9.0, 8.0])  # changes -4, -3, -1, -5, -2
    result = paired_change(baseline, follow_up)
    assert result.n == 5
    assert result.change.mean == pytest.approx(-3.0)
    assert result.change.sd == pytest.approx(math.sqrt(2.5))  # (1 + 0 + 4 + 4 + 1) / 4
    t = -3.0 / (math.sqrt(2.5) / math.sqrt(5))  # -4.243 on 4 degrees of freedom
    assert result.t_p == pytest.approx(2 * stats.t.sf(abs(t), df=4))
    # All five changes negative, no ties: the exact signed-rank p is 2 / 2^5.
    assert result.wilcoxon_p == pytest.approx(2 / 32)
    assert result.baseline.mean == pytest.approx(11.0)
    assert result.follow_up.mean == pytest.approx(8.0)
    assert result.change_ci is not None
    assert result.change_ci.low <= -3.0 <= result.change_ci.high


def test_its_p_values_are_scipys_on_the_same_pairs():
    rng = np.random.default_rng(21)
    baseline = np.round(rng.uniform(20, 70, 300), 1)
    follow_up = np.clip(np.round(baseline + rng.normal(-12, 15, 300), 1), 0, 100)
    result = paired_change(baseline, follow_up)
    assert result.t_p == pytest.approx(stats.ttest_rel(follow_up, baseline).pvalue)
    assert result.wilcoxon_p == pytest.approx(stats.wilcoxon(follow_up - baseline).pvalue)
    assert result.change_ci == bootstrap_mean_ci(follow_up - baseline)


def test_one_pair_gives_a_change_but_no_p_values():
    result = paired_change(np.array([40.0]), np.array([25.0]))
    assert result.change.mean == -15.0
    assert (result.t_p, result.wilcoxon_p, result.change_ci) == (None, None, None)


def test_identical_changes_give_no_t_test_and_no_change_no_wilcoxon():
    # Same drop of 0.1 everywhere, with the float noise of subtracting decimals.
    baseline = np.array([5.1, 3.1, 7.3, 2.2])
    same_drop = paired_change(baseline, np.array([5.0, 3.0, 7.2, 2.1]))
    assert same_drop.t_p is None
    assert same_drop.wilcoxon_p == pytest.approx(stats.wilcoxon([-0.1] * 4).pvalue)
    unchanged = paired_change(baseline, baseline.copy())
    assert (unchanged.t_p, unchanged.wilcoxon_p) == (None, None)


def test_it_reports_how_many_values_were_stopped_at_the_cap():
    baseline = np.array([8.0, 12.0, 5.0, 30.0])
    follow_up = np.array([30.0, 30.0, 20.0, 30.0])
    result = paired_change(
        baseline,
        follow_up,
        baseline_capped=baseline == 30.0,
        follow_up_capped=follow_up == 30.0,
    )
    assert (result.censored_baseline, result.censored_follow_up) == (1, 3)
    # The capped values still count, at the cap: the change is a lower bound.
    assert result.change.mean == pytest.approx((22 + 18 + 15 + 0) / 4)


@pytest.mark.parametrize("missing", ["baseline", "follow_up"])
def test_it_refuses_missing_values_naming_the_array(missing):
    arrays = {"baseline": np.array([40.0, 30.0]), "follow_up": np.array([20.0, 25.0])}
    arrays[missing][1] = np.nan
    with pytest.raises(ValueError, match=f"^{missing} contains NaN"):
        paired_change(arrays["baseline"], arrays["follow_up"])


def test_it_refuses_arrays_of_different_lengths():
    with pytest.raises(ValueError, match="baseline 3, follow_up 2"):
        paired_change(np.array([40.0, 30.0, 20.0]), np.array([20.0, 25.0]))
    with pytest.raises(ValueError, match="follow_up_capped has 1 entries for 2 values"):
        paired_change(np.ones(2), np.ones(2), follow_up_capped=np.array([True]))


# --- Censored median ----------------------------------------------------------------------------


def test_without_censoring_the_censored_median_is_the_lower_median():
    median, _, not_reached = censored_median(np.array([3.0, 1, 4, 15, 9, 2, 6]), np.zeros(7, bool))
    assert (median, not_reached) == (4.0, False)
    # With ties and an even count, Kaplan-Meier's median is where the ECDF reaches one half.
    minutes = np.random.default_rng(5).integers(1, 31, 400).astype(np.float64)
    median, _, not_reached = censored_median(minutes, np.zeros(400, bool))
    assert median == np.quantile(minutes, 0.5, method="inverted_cdf")
    assert (
        median
        == stats.ecdf(minutes).cdf.quantiles[
            np.argmax(stats.ecdf(minutes).cdf.probabilities >= 0.5)
        ]
    )
    assert not not_reached


def test_the_censored_median_interval_is_where_the_greenwood_band_crosses_one_half():
    minutes = np.arange(1.0, 101.0)  # uncensored, so Greenwood is the binomial S(1 - S) / n
    median, ci, _ = censored_median(minutes, np.zeros(100, bool))
    survival = 1 - minutes / 100
    se = np.sqrt(survival * (1 - survival) / 100)
    assert median == 50.0
    assert ci == Interval(
        low=minutes[np.argmax(survival - Z95 * se <= 0.5)],  # 41
        high=minutes[np.argmax(survival + Z95 * se <= 0.5)],  # 60
    )


def test_the_censored_median_reads_through_censoring():
    # The 6-MP arm below: S(22) = 0.538, S(23) = 0.448.
    median, ci, not_reached = censored_median(SIX_MP_WEEKS.astype(np.float64), ~SIX_MP_RELAPSED)
    assert (median, not_reached) == (23.0, False)
    assert ci is None  # the upper band stays above 0.5 (0.71 at the last relapse)


def test_the_median_is_not_reached_when_more_than_half_stopped_at_the_cap():
    minutes = np.array([4.0, 12.0, 30.0, 30.0, 30.0])
    assert censored_median(minutes, minutes == 30.0) == (30.0, None, True)


# --- Proportions --------------------------------------------------------------------------------


def test_wilson_matches_the_formula_worked_by_hand():
    k, n = 8, 10
    p = k / n
    centre = (p + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
    half = Z95 / (1 + Z95**2 / n) * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n**2))
    result = wilson(k, n)
    assert (result.k, result.n, result.share, result.method) == (8, 10, 0.8, "wilson")
    assert result.ci is not None
    assert result.ci.low == pytest.approx(centre - half)
    assert result.ci.high == pytest.approx(centre + half)
    assert (round(result.ci.low, 4), round(result.ci.high, 4)) == (0.4902, 0.9433)


@pytest.mark.parametrize(("k", "n"), [(8, 10), (1, 40), (143, 149)])
def test_clopper_pearson_matches_the_beta_quantiles(k, n):
    result = clopper_pearson(k, n)
    assert result.method == "clopper-pearson"
    assert result.ci is not None
    assert result.ci.low == pytest.approx(stats.beta.ppf(0.025, k, n - k + 1))
    assert result.ci.high == pytest.approx(stats.beta.ppf(0.975, k + 1, n - k))


def test_clopper_pearson_reaches_0_and_1_at_the_edges():
    none = clopper_pearson(0, 20).ci
    every = clopper_pearson(20, 20).ci
    assert none is not None and every is not None
    assert none.low == 0.0
    assert none.high == pytest.approx(stats.beta.ppf(0.975, 1, 20))
    assert every.low == pytest.approx(stats.beta.ppf(0.025, 20, 1))
    assert every.high == 1.0


def test_no_patients_give_no_share():
    assert wilson(0, 0).share is None
    assert clopper_pearson(0, 0).ci is None


@pytest.mark.parametrize(
    ("k", "n", "rule"),
    [(-1, 5, "k counts patients"), (2, -1, "n counts patients"), (6, 5, "k cannot exceed n")],
)
def test_it_refuses_counts_that_cannot_be(k, n, rule):
    with pytest.raises(ValueError, match=rule):
        wilson(k, n)
    with pytest.raises(ValueError, match=rule):
        clopper_pearson(k, n)


# --- Responders ---------------------------------------------------------------------------------


def test_an_odi_drop_of_exactly_30_percent_counts():
    points, share = MINIMAL_IMPORTANT_CHANGE["odi"]
    result = responders_points_or_share(
        np.array([23.0, 23.0, 0.0, 50.0]),
        np.array([16.1, 16.2, 0.0, 40.0]),
        points=points,
        share=share,
    )
    assert result.tolist() == [True, False, False, True]


def test_it_refuses_a_share_that_is_not_a_whole_percentage():
    with pytest.raises(ValueError, match="whole percentage"):
        responders_points_or_share(np.ones(1), np.ones(1), points=10, share=0.305)


tenths = st.integers(0, 1000).map(lambda k: k / 10)
odi_pairs = st.lists(st.tuples(tenths, tenths), min_size=1, max_size=60)
nrs_pairs = st.lists(st.tuples(st.integers(0, 10), st.integers(0, 10)), min_size=1, max_size=60)


@pytest.mark.parametrize(("measure", "pairs"), [("odi", odi_pairs), ("nrs", nrs_pairs)])
@given(data=st.data())
def test_vectorised_responders_agree_with_the_scalar_rule(measure, pairs, data):
    drawn = data.draw(pairs)
    points, share = MINIMAL_IMPORTANT_CHANGE[measure]
    baseline = np.array([b for b, _ in drawn], dtype=np.float64)
    follow_up = np.array([f for _, f in drawn], dtype=np.float64)
    vectorised = responders_points_or_share(baseline, follow_up, points=points, share=share)
    assert vectorised.tolist() == [is_responder(measure, b, f) for b, f in drawn]


symptom_items = st.tuples(*[st.integers(1, 5)] * 6, st.sampled_from([1, 3, 5])).map(list)
function_items = st.lists(st.integers(1, 4), min_size=5, max_size=5)
satisfaction_items = st.none() | st.lists(st.integers(1, 4), min_size=6, max_size=6)
zcq_patient = st.tuples(
    symptom_items, function_items, symptom_items, function_items, satisfaction_items
).map(lambda items: (zcq_scores(items[0], items[1]), zcq_scores(*items[2:])))


@given(st.lists(zcq_patient, min_size=1, max_size=40))
def test_vectorised_zcq_responders_agree_with_the_scalar_rule(patients):
    def column(visit, key):
        values = [scores[visit][key] for scores in patients]
        return np.array([np.nan if v is None else v for v in values], dtype=np.float64)

    vectorised = responders_zcq(
        column(0, "symptom_severity"),
        column(1, "symptom_severity"),
        column(0, "physical_function"),
        column(1, "physical_function"),
        column(1, "satisfaction"),
    )
    assert vectorised.tolist() == [is_responder("zcq", before, after) for before, after in patients]


def test_zcq_responders_need_two_of_three_and_skip_unanswered_satisfaction():
    result = responders_zcq(
        np.array([3.0, 3.0, 3.0, 3.0]),
        np.array([2.5, 2.51, 2.5, 2.0]),  # exactly 0.5 better, 0.49, 0.5, 1.0
        np.array([2.5, 2.5, 2.5, 2.5]),
        np.array([2.4, 2.0, 2.5, 2.5]),  # 0.1, 0.5, none, none
        np.array([2.5, 2.51, np.nan, np.nan]),  # satisfied, not, unanswered twice
    )
    assert result.tolist() == [True, False, False, False]


# --- Kaplan-Meier -------------------------------------------------------------------------------

# Freireich et al., Blood 1963: weeks in remission on 6-mercaptopurine (n = 21); False = still in
# remission at last contact (censored). The textbook example of Kleinbaum and Klein, ch. 2.
SIX_MP_WEEKS = np.array(
    [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
)
SIX_MP_RELAPSED = np.array(
    [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0], dtype=bool
)


def test_kaplan_meier_gives_the_textbook_estimates_for_6_mp():
    known = {6: 0.857, 7: 0.807, 10: 0.753, 13: 0.690, 16: 0.627, 22: 0.538, 23: 0.448}
    result = kaplan_meier(SIX_MP_WEEKS, SIX_MP_RELAPSED, at_days=list(known))
    assert (result.n, result.events) == (21, 9)
    assert [round(point.survival, 3) for point in result.points] == list(known.values())
    assert [point.day for point in result.points] == list(known)
    assert result.points[2].at_risk == 15  # at week 10


def test_kaplan_meier_band_is_greenwoods_linear_interval():
    # Relapses up to week 10: 3 of 21 at risk (week 6), 1 of 17 (week 7), 1 of 15 (week 10).
    survival = (18 / 21) * (16 / 17) * (14 / 15)
    greenwood = 3 / (21 * 18) + 1 / (17 * 16) + 1 / (15 * 14)
    half_width = Z95 * survival * math.sqrt(greenwood)
    (week_10,) = kaplan_meier(SIX_MP_WEEKS, SIX_MP_RELAPSED, at_days=[10]).points
    assert week_10.survival == pytest.approx(survival)
    assert week_10.low == pytest.approx(survival - half_width)
    assert week_10.high == pytest.approx(survival + half_width)


def test_kaplan_meier_reads_between_and_beyond_the_events():
    days = [0, 8, 40]
    before, between, after = kaplan_meier(SIX_MP_WEEKS, SIX_MP_RELAPSED, at_days=days).points
    assert (before.survival, before.low, before.high, before.at_risk) == (1.0, 1.0, 1.0, 21)
    assert between.survival == pytest.approx(0.807, abs=5e-4)
    assert between.at_risk == 16
    assert after.at_risk == 0
    assert after.survival == pytest.approx(0.448, abs=5e-4)


def test_kaplan_meier_band_is_everything_once_no_one_is_left_at_risk():
    (last,) = kaplan_meier(np.array([1, 2, 3]), np.ones(3, bool), at_days=[3]).points
    assert (last.survival, last.low, last.high) == (0.0, 0.0, 1.0)


def test_kaplan_meier_of_no_patients_has_no_points():
    result = kaplan_meier(np.array([], dtype=np.int64), np.array([], dtype=bool), at_days=[30])
    assert (result.n, result.events, result.points) == (0, 0, ())


def test_kaplan_meier_refuses_negative_days():
    with pytest.raises(ValueError, match="days must not be negative"):
        kaplan_meier(np.array([5, -1]), np.array([True, False]), at_days=[30])


def test_the_module_imports_without_django():
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    code = "import sys; import mildpath.outcomes.stats; assert 'django' not in sys.modules"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
