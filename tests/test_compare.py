"""Family group (most similar group) comparison, worked by hand on a family of four."""

import math

import pandas as pd
import pytest
from scipy import stats

from analysis.method.compare import (
    TABLE_COLUMNS,
    family_group_table,
    funnel_limits,
    ordinal,
    poisson_control_limit,
    poisson_interval,
    pooled_rate,
    position,
)

# Rates per 1,000: A 50, B 30, C 40, D 60. Family average 45; sample SD sqrt(500 / 3) = 12.91;
# band 32.09 to 57.91; pooled 470 / 10,000 = 47.0 per 1,000.
FAMILY = pd.DataFrame(
    {
        "quarter": "2015-16-Q1",
        "partnership": ["A", "B", "C", "D"],
        "crimes": [50, 60, 120, 240],
        "population": [1000, 2000, 3000, 4000],
    }
)
SD = math.sqrt(500 / 3)


def test_table_columns_rates_and_ranks():
    table = family_group_table(FAMILY, "C")
    assert list(table.columns) == TABLE_COLUMNS
    assert list(table["partnership"]) == ["B", "C", "A", "D"]
    assert list(table["rate_per_1000"]) == [30.0, 40.0, 50.0, 60.0]
    assert list(table["rank"]) == [1, 2, 3, 4]
    assert list(table["is_partnership"]) == [False, True, False, False]


def test_tied_rates_share_the_better_rank():
    frame = pd.DataFrame({"partnership": ["A", "B", "C"], "crimes": [10, 20, 5], "population": [1000, 2000, 1000]})
    table = family_group_table(frame, "A")
    assert dict(zip(table["partnership"], table["rank"], strict=True)) == {"C": 1, "A": 2, "B": 2}


@pytest.mark.parametrize(
    ("frame", "partnership", "error"),
    [
        (FAMILY, "Z", KeyError),
        (FAMILY.drop(columns="population"), "A", ValueError),
        (FAMILY.assign(population=[1000, 0, 1, 1]), "A", ValueError),
        (FAMILY.assign(crimes=[-1, 0, 1, 1]), "A", ValueError),
        (pd.concat([FAMILY, FAMILY.assign(quarter="2015-16-Q2")]), "A", ValueError),
        (pd.concat([FAMILY, FAMILY.head(1)]), "A", ValueError),
        (FAMILY.head(0), "A", ValueError),
    ],
    ids=["not-a-member", "no-population", "zero-population", "negative-crimes", "two-quarters", "twice", "empty"],
)
def test_bad_tables_are_refused(frame, partnership, error):
    with pytest.raises(error):
        family_group_table(frame, partnership)


def test_pooled_rate():
    assert pooled_rate(FAMILY) == pytest.approx(47.0)


@pytest.mark.parametrize(
    ("count", "low", "high"),
    [(50, 37.11, 65.92), (0, 0.0, 3.689), (1, 0.0253, 5.572), (10, 4.795, 18.39)],
    ids=["50", "0", "1", "10"],
)
def test_exact_poisson_interval_against_tables(count, low, high):
    # the classic exact limits (e.g. the tables in Public Health England's technical guide)
    got = poisson_interval(count)
    assert got == pytest.approx((low, high), abs=0.005)


@pytest.mark.parametrize(
    ("name", "method", "direction", "significant"),
    [
        ("A", "msg_mean", "above", None),
        ("A", "poisson", "above", False),  # 37.1 to 65.9 includes 45
        ("A", "iquanta", "above", False),  # 50 inside 32.09 to 57.91
        ("D", "poisson", "above", True),  # 52.7 to 68.1 excludes 45
        ("D", "iquanta", "above", True),  # 60 above 57.91
        ("B", "iquanta", "below", True),  # 30 below 32.09
        ("C", "poisson", "below", False),
    ],
    ids=["A-mean", "A-poisson", "A-iquanta", "D-poisson", "D-iquanta", "B-iquanta", "C-poisson"],
)
def test_position_by_method(name, method, direction, significant):
    p = position(FAMILY, name, method)
    assert (p.direction, p.significant, p.members, p.method) == (direction, significant, 4, method)
    assert p.msg_mean == pytest.approx(45) and p.msg_sd == pytest.approx(SD)
    assert (p.band_low, p.band_high) == pytest.approx((45 - SD, 45 + SD))


def test_position_figures():
    p = position(FAMILY, "D", "poisson")
    low, high = stats.chi2.ppf(0.025, 480) / 2, stats.chi2.ppf(0.975, 482) / 2
    assert (p.rate, p.rank, p.crimes, p.population, p.pooled_rate) == (60.0, 4, 240, 4000, pytest.approx(47.0))
    assert (p.low, p.high) == pytest.approx((low / 4, high / 4))


def test_equal_to_the_average():
    frame = pd.DataFrame({"partnership": ["A", "B", "C"], "crimes": [40, 50, 60], "population": [1000] * 3})
    p = position(frame, "B", "msg_mean")
    assert p.direction == "equal"
    assert "is the same as the family group average of 50.0" in p.describe()


def test_unknown_method():
    with pytest.raises(ValueError):
        position(FAMILY, "A", "league")


@pytest.mark.parametrize(
    ("name", "method", "text"),
    [
        (
            "D",
            "poisson",
            "D's rate of 60.0 crimes per 1,000 residents is above the family group average of 45.0"
            " (a difference beyond chance: the true rate is likely to lie between 52.6 and 68.1, a 95% confidence"
            " interval); ranked 4th of 4",
        ),
        (
            "A",
            "poisson",
            "A's rate of 50.0 crimes per 1,000 residents is above the family group average of 45.0"
            " (a difference within what chance explains: the true rate is likely to lie between 37.1 and 65.9, a 95%"
            " confidence interval); ranked 3rd of 4",
        ),
        (
            "B",
            "iquanta",
            "B's rate of 30.0 crimes per 1,000 residents is below the family group average of 45.0"
            " and outside the usual range of 32.1 to 57.9 (the average plus or minus one standard deviation);"
            " ranked 1st of 4",
        ),
        (
            "C",
            "msg_mean",
            "C's rate of 40.0 crimes per 1,000 residents is below the family group average of 45.0; ranked 2nd of 4",
        ),
    ],
    ids=["poisson-significant", "poisson-not", "iquanta-outside", "msg-mean"],
)
def test_describe(name, method, text):
    assert position(FAMILY, name, method).describe() == text


@pytest.mark.parametrize(
    ("n", "text"), [(1, "1st"), (2, "2nd"), (3, "3rd"), (6, "6th"), (11, "11th"), (12, "12th"), (23, "23rd")]
)
def test_ordinal(n, text):
    assert ordinal(n) == text


# ---- funnel limits ------------------------------------------------------------------------------------


def test_control_limit_interpolates_the_poisson_quantile():
    # E = 100: the 97.5% quantile is 120; the limit sits between 119 and 120 by the share of the step
    f120, f119 = stats.poisson.cdf(120, 100), stats.poisson.cdf(119, 100)
    assert stats.poisson.ppf(0.975, 100) == 120
    assert poisson_control_limit(100, 0.975) == pytest.approx(120 - (f120 - 0.975) / (f120 - f119))


@pytest.mark.parametrize(
    ("expected", "p", "z"),
    [(10_000, 0.975, 1.96), (10_000, 0.025, -1.96), (10_000, 0.999, 3.09), (10_000, 0.001, -3.09)],
    ids=["upper-95", "lower-95", "upper-998", "lower-998"],
)
def test_control_limits_approach_the_normal_for_large_counts(expected, p, z):
    assert poisson_control_limit(expected, p) == pytest.approx(expected + z * math.sqrt(expected), abs=1.5)


def test_control_limit_never_below_zero():
    assert poisson_control_limit(0.01, 0.025) == 0


def test_funnel_narrows_with_population():
    funnel = funnel_limits(47.0, [1000, 4000, 100_000])
    assert list(funnel.columns) == ["population", "expected", "lower_95", "upper_95", "lower_998", "upper_998"]
    assert list(funnel["expected"]) == pytest.approx([47, 188, 4700])
    widths = funnel["upper_95"] - funnel["lower_95"]
    assert widths.is_monotonic_decreasing
    assert (funnel["lower_998"] < funnel["lower_95"]).all() and (funnel["upper_998"] > funnel["upper_95"]).all()
    assert ((funnel["lower_95"] < 47) & (funnel["upper_95"] > 47)).all()


def test_funnel_limit_as_a_rate_by_hand():
    # rate 50 per 1,000 at 2,000 residents: 100 expected; limits 80.37 and 119.58 crimes, halved
    funnel = funnel_limits(50, [2000])
    assert funnel.loc[0, "lower_95"] == pytest.approx(poisson_control_limit(100, 0.025) / 2)
    assert funnel.loc[0, "upper_95"] == pytest.approx(poisson_control_limit(100, 0.975) / 2)
