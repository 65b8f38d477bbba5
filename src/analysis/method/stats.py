"""Is a change real, and how likely is the target? Exact tests and projections for counts.

Crime and incident counts vary by chance from year to year; a 20% rise on five
incidents means little. ``compare_counts`` tests this year's count against last
year's with the exact conditional (binomial) test of a Poisson rate ratio, and
``projection`` puts an interval and a probability of meeting the target around
the contract's year-end forecast. Everything is deterministic: no sampling.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats

from analysis.core.formatting import number, percent
from analysis.core.vocabulary import MONITORED
from analysis.method.status import forecast as point_forecast

LEVEL = 0.95
"""Confidence level of every interval here."""
JEFFREYS_SHAPE = 0.5
"""Gamma shape used for the rate when nothing has been counted yet (Jeffreys prior)."""


def _count(value: float) -> int:
    """A count as a whole number; values are rounded to the nearest event."""
    if value < 0 or math.isnan(value):
        raise ValueError(f"a count must be 0 or more, not {value!r}")
    return round(value)


def _ratio(p: float) -> float:
    return math.inf if p >= 1 else p / (1 - p)


def clopper_pearson(x: int, n: int, level: float = LEVEL) -> tuple[float, float]:
    """The exact (Clopper-Pearson) interval for a binomial proportion of ``x`` out of ``n``.

    >>> low, high = clopper_pearson(5, 5)
    >>> round(low, 4), high
    (0.4782, 1.0)
    """
    alpha = 1 - level
    low = 0.0 if x == 0 else float(stats.beta.ppf(alpha / 2, x, n - x + 1))
    high = 1.0 if x == n else float(stats.beta.ppf(1 - alpha / 2, x + 1, n - x))
    return low, high


def _number(x: float) -> str:
    return number(x, 2)


@dataclass(frozen=True)
class CountComparison:
    """This year's count against last year's: the rate ratio, its 95% interval and p-value.

    ``ratio`` is None when both counts are zero, and infinite when only last year's is.
    """

    this_year: int
    last_year: int
    ratio: float | None
    low: float | None
    high: float | None
    p_value: float
    significant: bool
    small_count: bool
    small_count_threshold: float = 10

    @property
    def percent_change(self) -> float | None:
        """The change as a percentage (None where last year had no events)."""
        if self.ratio is None or math.isinf(self.ratio):
            return None
        return 100 * (self.ratio - 1)

    def describe(self) -> str:
        """The change in plain English, with a caution for small counts.

        >>> compare_counts(1170, 1000).describe()
        'a significant increase (rate ratio 1.17, 95% CI 1.07 to 1.27)'
        >>> compare_counts(4, 9).describe()  # doctest: +NORMALIZE_WHITESPACE
        'no significant change (rate ratio 0.44, 95% CI 0.10 to 1.59); the counts are small (fewer than 10),
         so the percentage change is not a concern on its own'
        """
        if self.ratio is None:
            return "no change (no events in either period)"
        if math.isinf(self.ratio):
            figures = f"{self.this_year} against none before, 95% CI of the rate ratio {_number(self.low)} upwards"
        else:
            figures = f"rate ratio {_number(self.ratio)}, 95% CI {_number(self.low)} to {_number(self.high)}"
        if not self.significant:
            text = f"no significant change ({figures})"
        else:
            word = "increase" if self.ratio > 1 else "decrease"
            text = f"a significant {word} ({figures})"
        if self.small_count:
            text += (
                f"; the counts are small (fewer than {self.small_count_threshold:g}), so the percentage"
                " change is not a concern on its own"
            )
        return text


def compare_counts(this_year: float, last_year: float, small_count_threshold: float = 10) -> CountComparison:
    """The exact test of the rate ratio of two counts over equal exposure (the same periods).

    Given the total n = a + b, this year's count a is Binomial(n, 1/2) when the
    rate has not changed; the two-sided p-value and the Clopper-Pearson interval
    for the proportion p = a / n give the rate ratio a / b and its interval
    p / (1 - p) (as R's ``poisson.test``). Significant means p < 0.05.

    >>> c = compare_counts(6, 0)
    >>> c.ratio, round(c.p_value, 5), c.significant, round(c.low, 4), c.small_count
    (inf, 0.03125, True, 1.1774, True)
    """
    a, b = _count(this_year), _count(last_year)
    n = a + b
    small = min(a, b) < small_count_threshold
    if n == 0:
        return CountComparison(a, b, None, None, None, 1.0, False, small, small_count_threshold)
    p_value = float(stats.binomtest(a, n, 0.5).pvalue)
    p_low, p_high = clopper_pearson(a, n)
    ratio = math.inf if b == 0 else a / b
    return CountComparison(
        a, b, ratio, _ratio(p_low), _ratio(p_high), p_value, p_value < 1 - LEVEL, small, small_count_threshold
    )


def _amount(x: float) -> str:
    """A whole number with thousands separators, or one decimal place when it has a fraction."""
    return number(x, 0 if float(x).is_integer() else 1)


@dataclass(frozen=True)
class Projection:
    """The projected year-end value, its 95% interval and the chance of meeting the target."""

    forecast: float
    low: float | None = None
    high: float | None = None
    p_meet_target: float | None = None

    def describe(self, unit: str = "") -> str:
        """The projection in plain English.

        >>> Projection(9375.0, 9001.0, 9755.0, 0.99).describe("incidents")
        'projected 9,375 incidents by the year end (95% range 9,001 to 9,755); a 99% chance of meeting the target'
        """
        unit = f" {unit}" if unit else ""
        shown = number(self.forecast, 0) if self.low is not None else _amount(self.forecast)
        text = f"projected {shown}{unit} by the year end"
        if self.low is not None and self.high is not None:
            text += f" (95% range {_amount(self.low)} to {_amount(self.high)})"
        if self.p_meet_target is not None:
            p = self.p_meet_target
            odds = (
                "less than a 1%"
                if p < 0.005
                else "more than a 99%"
                if p > 0.995
                else f"a {percent(p, 0, signed=False)}"
            )
            text += f"; {odds} chance of meeting the target"
        return text


def remaining_ratio(k: int, n: int, last_year_ytd: float | None, last_year_total: float | None) -> float:
    """Expected events in the rest of the year per event so far, as the contract's forecast assumes.

    Last year's remaining share over its share to date where last year is
    complete and had activity by now; otherwise the periods left over the periods gone.

    >>> round(remaining_ratio(3, 12, 2713, 10065), 4), remaining_ratio(3, 12, None, None)
    (2.7099, 3.0)
    """
    if last_year_total is not None and last_year_ytd is not None and last_year_ytd > 0:
        return (last_year_total - last_year_ytd) / last_year_ytd
    return (n - k) / k


def remaining_distribution(ytd_actual: float, ratio: float, rate_uncertainty: bool = True):
    """The distribution of the events still to come (a frozen scipy distribution).

    Without rate uncertainty: Poisson with mean ``ytd_actual x ratio``. With it
    (the default): the rate is itself estimated from the events so far, with a
    Gamma(shape = ytd_actual) posterior, so the remaining count is negative
    binomial (Poisson-gamma) with the same mean and variance ``mean x (1 + ratio)``:
    wide early in the year, close to Poisson late in the year. With nothing
    counted yet the shape is 0.5 (Jeffreys), so the interval is not a spike at zero.

    >>> d = remaining_distribution(100, 1.0)
    >>> float(d.mean()), float(d.var())
    (100.0, 200.0)
    """
    if not rate_uncertainty:
        return stats.poisson(ytd_actual * ratio)
    shape = ytd_actual if ytd_actual > 0 else JEFFREYS_SHAPE
    return stats.nbinom(shape, 1 / (1 + ratio))


def _p_meet(dist, gap: float, polarity: str) -> float:
    """P(remaining >= gap) for higher, P(remaining <= gap) for lower; the remaining count is whole."""
    if polarity == "higher":
        return 1.0 if gap <= 0 else float(dist.sf(math.ceil(gap) - 1))
    return 0.0 if gap < 0 else float(dist.cdf(math.floor(gap)))


def projection(
    ytd_actual: float,
    k: int,
    n: int,
    last_year_ytd: float | None,
    last_year_total: float | None,
    annual_target: float | None,
    polarity: str,
    aggregation: str,
    *,
    rate_uncertainty: bool = True,
) -> Projection:
    """The year-end forecast of the contract, with a 95% interval and the chance of meeting the target.

    For ``sum`` measures the year-end total is ``ytd_actual`` plus the events
    still to come (``remaining_distribution``); the interval is its 2.5% and
    97.5% quantiles; ``p_meet_target`` is P(total >= target) for higher and
    P(total <= target) for lower polarity, None for monitor or without a target.
    ``mean``, ``cumulative`` and ``last`` measures (rates, percentages, running
    totals or point-in-time figures) are not counts of independent events, so they
    get the point forecast only.

    >>> p = projection(100, 6, 12, None, None, 180, "lower", "sum", rate_uncertainty=False)
    >>> p.forecast, p.low, p.high, round(p.p_meet_target, 3)
    (200.0, 181.0, 220.0, 0.023)
    >>> projection(62.5, 2, 4, 60, 61, 70, "higher", "mean")
    Projection(forecast=62.5, low=None, high=None, p_meet_target=None)
    """
    expected = point_forecast(ytd_actual, k, n, aggregation, last_year_ytd, last_year_total)
    if aggregation != "sum":
        return Projection(expected)
    if k >= n:
        total = float(ytd_actual)
        p = None
        if annual_target is not None and polarity != MONITORED:
            met = total >= annual_target if polarity == "higher" else total <= annual_target
            p = 1.0 if met else 0.0
        return Projection(expected, total, total, p)
    ratio = remaining_ratio(k, n, last_year_ytd, last_year_total)
    dist = remaining_distribution(ytd_actual, ratio, rate_uncertainty)
    alpha = 1 - LEVEL
    low = ytd_actual + float(dist.ppf(alpha / 2))
    high = ytd_actual + float(dist.ppf(1 - alpha / 2))
    p = None
    if annual_target is not None and polarity != MONITORED:
        p = _p_meet(dist, annual_target - ytd_actual, polarity)
    return Projection(expected, low, high, p)
