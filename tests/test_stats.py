"""The exact rate-ratio test and the projection with odds, against hand and scipy calculations."""

import math

import pytest
from scipy import stats

from analysis.method.stats import Projection, compare_counts, projection, remaining_distribution, remaining_ratio

# ---- compare_counts -------------------------------------------------------------------------------


def test_all_events_this_year_by_hand():
    # n = 6, all this year: p = 2 x 0.5^6; Clopper-Pearson lower bound for 6/6 is 0.025^(1/6)
    change = compare_counts(6, 0)
    p_low = 0.025 ** (1 / 6)
    assert change.p_value == pytest.approx(2 / 64)
    assert change.low == pytest.approx(p_low / (1 - p_low))  # 1.1774
    assert (change.ratio, change.high, change.significant, change.small_count) == (math.inf, math.inf, True, True)


def test_all_events_last_year_by_hand():
    change = compare_counts(0, 6)
    p_high = 1 - 0.025 ** (1 / 6)
    assert (change.ratio, change.low) == (0, 0)
    assert change.high == pytest.approx(p_high / (1 - p_high))  # 0.8493
    assert change.significant


def test_five_against_none_is_not_significant():
    change = compare_counts(5, 0)
    assert change.p_value == pytest.approx(2 / 32) and not change.significant


@pytest.mark.parametrize(("a", "b"), [(120, 100), (80, 100), (1170, 1000), (15, 4)], ids=["up", "down", "big", "small"])
def test_against_scipy(a, b):
    change = compare_counts(a, b)
    n = a + b
    p_low, p_high = stats.beta.ppf(0.025, a, b + 1), stats.beta.ppf(0.975, a + 1, b)
    assert change.ratio == pytest.approx(a / b)
    assert change.low == pytest.approx(p_low / (1 - p_low))
    assert change.high == pytest.approx(p_high / (1 - p_high))
    assert change.p_value == pytest.approx(stats.binomtest(a, n, 0.5).pvalue)
    assert change.significant is (change.p_value < 0.05)
    # the interval excludes 1 exactly when the test is significant
    assert change.significant is not (change.low <= 1 <= change.high)


def test_large_counts_agree_with_the_normal_approximation():
    # log rate ratio +/- 1.96 x sqrt(1/a + 1/b)
    change = compare_counts(1170, 1000)
    se = math.sqrt(1 / 1170 + 1 / 1000)
    assert change.low == pytest.approx(1.17 * math.exp(-1.96 * se), rel=0.005)
    assert change.high == pytest.approx(1.17 * math.exp(1.96 * se), rel=0.005)


@pytest.mark.parametrize(
    ("a", "b", "ratio", "p_value"), [(3, 3, 1.0, 1.0), (0, 0, None, 1.0)], ids=["equal", "both-zero"]
)
def test_no_change(a, b, ratio, p_value):
    change = compare_counts(a, b)
    assert (change.ratio, change.p_value, change.significant) == (ratio, p_value, False)


@pytest.mark.parametrize(
    ("a", "b", "threshold", "small"),
    [(12, 9, 10, True), (12, 10, 10, False), (6, 5, 5, False), (4, 50, 5, True)],
    ids=["last-year-below", "both-at-threshold", "own-threshold", "this-year-below"],
)
def test_small_counts(a, b, threshold, small):
    assert compare_counts(a, b, small_count_threshold=threshold).small_count is small


def test_counts_are_rounded_and_must_not_be_negative():
    assert compare_counts(10.4, 9.6).ratio == 1
    with pytest.raises(ValueError):
        compare_counts(-1, 5)


@pytest.mark.parametrize(
    ("a", "b", "text"),
    [
        (1170, 1000, "a significant increase (rate ratio 1.17, 95% CI 1.07 to 1.27)"),
        (1000, 1170, "a significant decrease (rate ratio 0.85, 95% CI 0.78 to 0.93)"),
        (105, 100, "no significant change (rate ratio 1.05, 95% CI 0.79 to 1.39)"),
        (0, 0, "no change (no events in either period)"),
    ],
    ids=["increase", "decrease", "no-change", "nothing"],
)
def test_describe(a, b, text):
    assert compare_counts(a, b).describe() == text


def test_describe_small_counts_cautions():
    text = compare_counts(6, 3).describe()
    assert text.startswith("no significant change (rate ratio 2.00")
    assert "the percentage change is not a concern on its own" in text


def test_describe_none_last_year():
    assert compare_counts(20, 0).describe().startswith("a significant increase (20 against none before")


def test_percent_change():
    assert compare_counts(120, 100).percent_change == pytest.approx(20)
    assert compare_counts(5, 0).percent_change is None


# ---- projection -------------------------------------------------------------------------------------


def test_poisson_projection_by_scipy():
    # half the year gone, 100 so far, run rate: 100 more expected, Poisson(100)
    p = projection(100, 6, 12, None, None, 200, "higher", "sum", rate_uncertainty=False)
    assert p.forecast == 200
    assert p.low == 100 + stats.poisson.ppf(0.025, 100)
    assert p.high == 100 + stats.poisson.ppf(0.975, 100)
    assert p.p_meet_target == pytest.approx(stats.poisson.sf(99, 100))  # P(R >= 100)


def test_negative_binomial_projection_by_scipy():
    # rate uncertainty: NB(size 100, p 1/2) has mean 100 and variance 200
    p = projection(100, 6, 12, None, None, 180, "lower", "sum")
    assert p.forecast == 200
    assert (p.low, p.high) == (100 + stats.nbinom.ppf(0.025, 100, 0.5), 100 + stats.nbinom.ppf(0.975, 100, 0.5))
    assert p.p_meet_target == pytest.approx(stats.nbinom.cdf(80, 100, 0.5))  # P(R <= 80)


def test_rate_uncertainty_widens_the_interval():
    poisson = projection(100, 6, 12, None, None, None, "lower", "sum", rate_uncertainty=False)
    nb = projection(100, 6, 12, None, None, None, "lower", "sum")
    assert nb.low < poisson.low and nb.high > poisson.high


def test_seasonal_projection():
    # last year 40 by now of 160: forecast 50 x 160 / 40 = 200; 3 events to come per event so far
    p = projection(50, 3, 12, 40, 160, 180, "lower", "sum")
    assert p.forecast == 200
    assert remaining_ratio(3, 12, 40, 160) == 3
    dist = stats.nbinom(50, 0.25)
    assert dist.mean() == pytest.approx(150)
    assert p.p_meet_target == pytest.approx(dist.cdf(130))


@pytest.mark.parametrize(
    ("target", "polarity", "expected_tail"),
    [(180.5, "lower", ("cdf", 130)), (180.5, "higher", ("sf", 130)), (180, "higher", ("sf", 129))],
    ids=["lower-fraction-floors", "higher-fraction-ceils", "higher-whole"],
)
def test_fractional_targets(target, polarity, expected_tail):
    p = projection(50, 3, 12, 40, 160, target, polarity, "sum")
    how, k = expected_tail
    assert p.p_meet_target == pytest.approx(getattr(stats.nbinom(50, 0.25), how)(k))


@pytest.mark.parametrize(
    ("polarity", "p_meet"), [("higher", 1.0), ("lower", 0.0)], ids=["higher-already-met", "lower-already-missed"]
)
def test_target_already_passed(polarity, p_meet):
    assert projection(250, 6, 12, None, None, 200, polarity, "sum").p_meet_target == p_meet


@pytest.mark.parametrize(
    ("polarity", "target", "p_meet"),
    [("lower", 1300, 1.0), ("lower", 1100, 0.0), ("higher", 1100, 1.0), ("monitor", 1100, None)],
    ids=["lower-met", "lower-missed", "higher-met", "monitor"],
)
def test_complete_year_is_certain(polarity, target, p_meet):
    p = projection(1200, 12, 12, 1000, 1000, target, polarity, "sum")
    assert p == Projection(1200.0, 1200.0, 1200.0, p_meet)


@pytest.mark.parametrize(("polarity", "target"), [("monitor", 200), ("lower", None)], ids=["monitor", "no-target"])
def test_no_odds_without_a_target(polarity, target):
    p = projection(100, 6, 12, None, None, target, polarity, "sum")
    assert p.p_meet_target is None and p.low is not None and p.high is not None


@pytest.mark.parametrize(
    ("aggregation", "last_year", "forecast"),
    [("mean", None, 62.5), ("last", None, 125.0), ("cumulative", None, 125.0), ("cumulative", (50, 200), 125.0)],
    ids=["mean", "last", "cumulative", "cumulative-run-rate-despite-last-year"],
)
def test_point_forecast_only_for_mean_last_and_cumulative(aggregation, last_year, forecast):
    ly_ytd, ly_total = last_year or (None, None)
    assert projection(62.5, 2, 4, ly_ytd, ly_total, 70, "higher", aggregation) == Projection(forecast)


def test_nothing_counted_yet_uses_a_jeffreys_shape():
    p = projection(0, 3, 12, None, None, 10, "lower", "sum")
    dist = stats.nbinom(0.5, 1 / (1 + 3))
    assert (p.forecast, p.low, p.high) == (0, 0, dist.ppf(0.975))
    assert p.p_meet_target == pytest.approx(dist.cdf(10))


def test_interval_narrows_through_the_year():
    # the same run rate (100 a month): relative width shrinks as more of the year is known
    early = projection(100, 1, 12, None, None, None, "lower", "sum")
    late = projection(1100, 11, 12, None, None, None, "lower", "sum")
    assert (early.high - early.low) > (late.high - late.low)


def test_remaining_distribution_mean_is_the_forecast():
    dist = remaining_distribution(2527, remaining_ratio(3, 12, 2713, 10065))
    assert 2527 + dist.mean() == pytest.approx(2527 * 10065 / 2713)


def test_projection_describe():
    p = projection(100, 6, 12, None, None, 180, "lower", "sum", rate_uncertainty=False)
    assert p.describe() == "projected 200 by the year end (95% range 181 to 220); a 2% chance of meeting the target"
    assert Projection(62.5).describe("per cent") == "projected 62.5 per cent by the year end"
    assert Projection(9374.6, 9001, 9755).describe() == "projected 9,375 by the year end (95% range 9,001 to 9,755)"
    assert Projection(2224.4, 2062, 2394, 0.0001).describe().endswith("less than a 1% chance of meeting the target")
    assert Projection(9375, 9001, 9755, 0.999).describe().endswith("more than a 99% chance of meeting the target")
