"""How a partnership compares with its most similar group (family group) of peers.

Home Office iQuanta and the police.uk comparisons set a partnership's crime rate
per 1,000 residents against a family of areas like it. This module ranks the
family, gives the family average, and says whether the partnership's rate is
above or below it, by one of three methods (the register's
``family_group_method``): a plain comparison with the average (``msg_mean``),
an exact Poisson interval on the partnership's rate (``poisson``), or the
iQuanta band of the average plus or minus one standard deviation (``iquanta``).
Funnel plot limits are here too. One quarter at a time; pure functions.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from scipy import stats

from analysis.core.formatting import number
from analysis.method.stats import LEVEL

PER = 1000
"""Rates are per this many residents."""
METHODS = ("msg_mean", "poisson", "iquanta")
TABLE_COLUMNS = ["partnership", "crimes", "population", "rate_per_1000", "rank", "is_partnership"]
FUNNEL_LEVELS = (0.95, 0.998)


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th ... 11th, 12th, 13th ... 21st.

    >>> [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101)]
    ['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd', '101st']
    """
    suffix = "th" if n % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _check(frame: pd.DataFrame, partnership: str | None = None) -> None:
    missing = {"partnership", "crimes", "population"} - set(frame.columns)
    if missing:
        raise ValueError(f"the family group table lacks the column(s) {', '.join(sorted(missing))}")
    if frame.empty:
        raise ValueError("the family group table has no rows")
    if "quarter" in frame.columns and frame["quarter"].nunique() > 1:
        raise ValueError("the family group table holds more than one quarter; pass one quarter at a time")
    if frame["partnership"].duplicated().any():
        raise ValueError("a partnership appears twice in the family group table")
    if (frame["population"] <= 0).any() or (frame["crimes"] < 0).any():
        raise ValueError("populations must be positive and crime counts 0 or more")
    if partnership is not None and partnership not in set(frame["partnership"]):
        raise KeyError(f"{partnership!r} is not in the family group table")


def family_group_table(frame: pd.DataFrame, partnership: str) -> pd.DataFrame:
    """Every member's crimes, population, rate per 1,000 and rank (1 = lowest rate), lowest first.

    Tied rates share the better rank. ``is_partnership`` marks the partnership itself.

    >>> fg = pd.DataFrame({"partnership": ["A", "B"], "crimes": [50, 60], "population": [1000, 2000]})
    >>> family_group_table(fg, "A").to_dict("records")[0]
    {'partnership': 'B', 'crimes': 60, 'population': 2000, 'rate_per_1000': 30.0, 'rank': 1, 'is_partnership': False}
    """
    _check(frame, partnership)
    table = frame[["partnership", "crimes", "population"]].copy()
    table["rate_per_1000"] = table["crimes"] / table["population"] * PER
    table["rank"] = table["rate_per_1000"].rank(method="min").astype(int)
    table["is_partnership"] = table["partnership"] == partnership
    table = table.sort_values(["rank", "partnership"], kind="stable").reset_index(drop=True)
    return table[TABLE_COLUMNS]


def pooled_rate(frame: pd.DataFrame) -> float:
    """The family's rate per 1,000 counted as one area: all crimes over all residents.

    >>> pooled_rate(pd.DataFrame({"partnership": ["A", "B"], "crimes": [50, 60], "population": [1000, 2000]}))
    36.666666666666664
    """
    _check(frame)
    return float(frame["crimes"].sum() / frame["population"].sum() * PER)


def poisson_interval(count: float, level: float = LEVEL) -> tuple[float, float]:
    """The exact interval for a Poisson count, from the chi-square (gamma) distribution.

    >>> [round(x, 2) for x in poisson_interval(50)]
    [37.11, 65.92]
    >>> poisson_interval(0)[0]
    0.0
    """
    alpha = 1 - level
    low = 0.0 if count <= 0 else float(stats.chi2.ppf(alpha / 2, 2 * count) / 2)
    high = float(stats.chi2.ppf(1 - alpha / 2, 2 * count + 2) / 2)
    return low, high


def poisson_control_limit(expected: float, p: float) -> float:
    """The ``p`` quantile of a Poisson count with mean ``expected``, interpolated to be continuous.

    Spiegelhalter's (2005) interpolation of the exact Poisson quantile, so
    funnel limits are smooth curves rather than steps; never below zero.

    >>> round(poisson_control_limit(100, 0.975), 2), round(poisson_control_limit(100, 0.025), 2)
    (119.58, 80.37)
    """
    r = float(stats.poisson.ppf(p, expected))
    at, below = stats.poisson.cdf(r, expected), stats.poisson.cdf(r - 1, expected)
    return max(0.0, r - float((at - p) / (at - below)))


def funnel_limits(rate_per_1000: float, populations: Sequence[float]) -> pd.DataFrame:
    """Funnel plot control limits (95% and 99.8%) around a family rate, for each population.

    The limits are exact Poisson limits on the count expected at that rate
    (``poisson_control_limit``), turned back into rates per 1,000. Columns:
    ``population, expected, lower_95, upper_95, lower_998, upper_998``.

    >>> f = funnel_limits(50, [2000])
    >>> round(float(f.loc[0, "lower_95"]), 2), round(float(f.loc[0, "upper_95"]), 2)
    (40.18, 59.79)
    """
    rows = []
    for population in populations:
        expected = rate_per_1000 * population / PER
        row = {"population": float(population), "expected": expected}
        for level in FUNNEL_LEVELS:
            name = f"{level * 100:g}".replace(".", "")
            tail = (1 - level) / 2
            row[f"lower_{name}"] = poisson_control_limit(expected, tail) / population * PER
            row[f"upper_{name}"] = poisson_control_limit(expected, 1 - tail) / population * PER
        rows.append(row)
    return pd.DataFrame(rows, columns=["population", "expected", "lower_95", "upper_95", "lower_998", "upper_998"])


def _rate(x: float) -> str:
    return number(x, 1)


@dataclass(frozen=True)
class Position:
    """Where the partnership stands in its family group, by one method.

    ``direction`` is ``above``, ``below`` or ``equal`` (to the family average);
    ``significant`` says whether the difference stands out by the method (the
    exact interval excludes the average for ``poisson``; the rate is outside
    the band for ``iquanta``); it is None for ``msg_mean``, which tests nothing.
    """

    partnership: str
    method: str
    crimes: float
    population: float
    rate: float
    low: float
    high: float
    rank: int
    members: int
    msg_mean: float
    msg_sd: float
    band_low: float
    band_high: float
    pooled_rate: float
    direction: str
    significant: bool | None

    def describe(self) -> str:
        """The position in plain English.

        >>> fg = pd.DataFrame({"partnership": ["A", "B", "C"], "crimes": [50, 30, 40],
        ...                    "population": [1000, 1000, 1000]})
        >>> position(fg, "A", "msg_mean").describe()
        "A's rate of 50.0 crimes per 1,000 residents is above the family group average of 40.0; ranked 3rd of 3"
        """
        head = f"{self.partnership}'s rate of {_rate(self.rate)} crimes per 1,000 residents"
        average = f"the family group average of {_rate(self.msg_mean)}"
        where = f"is the same as {average}" if self.direction == "equal" else f"is {self.direction} {average}"
        if self.method == "poisson":
            how = "a difference beyond chance" if self.significant else "a difference within what chance explains"
            where += (
                f" ({how}: the true rate is likely to lie between {_rate(self.low)} and {_rate(self.high)}, "
                "a 95% confidence interval)"
            )
        elif self.method == "iquanta":
            inside = "outside" if self.significant else "within"
            where += (
                f" and {inside} the usual range of {_rate(self.band_low)} to {_rate(self.band_high)}"
                " (the average plus or minus one standard deviation)"
            )
        return f"{head} {where}; ranked {ordinal(self.rank)} of {self.members}"


def position(frame: pd.DataFrame, partnership: str, method: str = "msg_mean") -> Position:
    """The partnership's rate against the family average (the unweighted mean of members' rates).

    The standard deviation of the members' rates is the sample one (n - 1), as a
    spreadsheet's STDEV gives. The interval on the rate is exact Poisson
    (``poisson_interval``) whatever the method; only ``significant`` depends on it.

    >>> fg = pd.DataFrame({"partnership": ["A", "B", "C", "D"], "crimes": [50, 60, 120, 240],
    ...                    "population": [1000, 2000, 3000, 4000]})
    >>> p = position(fg, "D", "poisson")
    >>> p.rate, p.msg_mean, p.rank, p.direction, p.significant
    (60.0, 45.0, 4, 'above', True)
    """
    if method not in METHODS:
        raise ValueError(f"unknown family group method {method!r} (one of {', '.join(METHODS)})")
    table = family_group_table(frame, partnership)
    me = table[table["is_partnership"]].iloc[0]
    rates = [float(r) for r in table["rate_per_1000"]]
    mean = statistics.fmean(rates)
    sd = statistics.stdev(rates) if len(rates) > 1 else 0.0
    rate = float(me["rate_per_1000"])
    count_low, count_high = poisson_interval(float(me["crimes"]))
    low, high = count_low / me["population"] * PER, count_high / me["population"] * PER
    direction = "above" if rate > mean else "below" if rate < mean else "equal"
    if method == "poisson":
        significant: bool | None = not low <= mean <= high
    elif method == "iquanta":
        significant = not mean - sd <= rate <= mean + sd
    else:
        significant = None
    return Position(
        partnership=partnership,
        method=method,
        crimes=float(me["crimes"]),
        population=float(me["population"]),
        rate=rate,
        low=float(low),
        high=float(high),
        rank=int(me["rank"]),
        members=len(table),
        msg_mean=mean,
        msg_sd=sd,
        band_low=mean - sd,
        band_high=mean + sd,
        pooled_rate=pooled_rate(frame),
        direction=direction,
        significant=significant,
    )
