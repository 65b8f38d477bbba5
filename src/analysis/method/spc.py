"""Statistical process control as NHS England's Making Data Count does it.

XmR limits, the four special-cause rules, point types, variation and assurance,
following the rules of the R package NHSRplotthedots 0.2.2 (see the project's
SPC specification), so a reader who knows the NHS charts reads ours the same way.
Everything here is a pure function of a list of values; nothing reads files.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

import pandas as pd

from analysis.core.periods import PERIODS_PER_YEAR, fy_of_period, is_period
from analysis.core.register import Measure
from analysis.core.vocabulary import (
    COMMON_CAUSE,
    CONCERN,
    FAIL,
    HIGHER,
    HIT_AND_MISS,
    IMPROVEMENT,
    LOWER,
    MONITORED,
    NEUTRAL_HIGH,
    NEUTRAL_LOW,
    PASS,
)

LIMIT = 2.66
"""Process limits sit this many average moving ranges from the mean."""
NEAR = 2 / 3 * LIMIT
"""Near limits (two sigma) sit at two thirds of the process limits."""
SCREEN = 3.267
"""A moving range of this many average moving ranges or more is screened out."""
MIN_POINTS = 12
"""Limits over fewer points than this are trial limits."""
RUN = 7
"""Points in a run (rule 2) or a trend (rule 3)."""

DIRECTIONS: dict[str, str] = {HIGHER: "increase", LOWER: "decrease", MONITORED: "neutral"}
COLUMNS = ["measure_id", "period", "value", "mean", "lower_limit", "upper_limit", "point_type"]


@dataclass(frozen=True)
class Limits:
    """The centre line and limits of an XmR chart; ``trial`` when set over fewer than 12 points."""

    mean: float
    amr: float
    lower_limit: float
    upper_limit: float
    lower_near: float
    upper_near: float
    trial: bool


def _mean(values: Sequence[float]) -> float:
    return math.fsum(values) / len(values)


def moving_ranges(values: Sequence[float]) -> list[float]:
    """The absolute differences between consecutive points (one fewer than the points).

    >>> moving_ranges([5, 7, 4])
    [2.0, 3.0]
    """
    return [float(abs(b - a)) for a, b in pairwise(values)]


def average_moving_range(ranges: Sequence[float], *, screen_outliers: bool = True) -> float:
    """The mean moving range, taken again without ranges >= 3.267 x the first mean when screening.

    Screening stops one wild step (a data error, a one-off event) widening the
    limits. When every moving range is zero nothing is screened and the answer is 0.

    >>> average_moving_range([2, 2, 2, 2, 30])
    2.0
    >>> round(average_moving_range([2, 2, 2, 2, 30], screen_outliers=False), 2)
    7.6
    """
    if not ranges:
        raise ValueError("no moving ranges: at least two points are needed")
    amr = _mean(ranges)
    if not screen_outliers or amr == 0:
        return amr
    return _mean([r for r in ranges if r < SCREEN * amr])


def xmr(values: Sequence[float], *, baseline: int | None = None, screen_outliers: bool = True) -> Limits:
    """The XmR limits over the baseline: the first ``baseline`` points, or all of them.

    >>> lim = xmr([5, 7, 5, 7, 5, 7])
    >>> lim.mean, lim.amr, round(lim.lower_limit, 2), round(lim.upper_limit, 2), lim.trial
    (6.0, 2.0, 0.68, 11.32, True)
    >>> xmr([5, 7, 5, 7, 20, 20], baseline=4).mean
    6.0
    """
    if baseline is not None and baseline < 2:
        raise ValueError(f"a baseline needs at least two points, not {baseline}")
    base = [float(v) for v in (values[:baseline] if baseline else values)]
    if len(base) < 2:
        raise ValueError("XmR limits need at least two points")
    mean = _mean(base)
    amr = average_moving_range(moving_ranges(base), screen_outliers=screen_outliers)
    return Limits(
        mean=mean,
        amr=amr,
        lower_limit=mean - LIMIT * amr,
        upper_limit=mean + LIMIT * amr,
        lower_near=mean - NEAR * amr,
        upper_near=mean + NEAR * amr,
        trial=len(base) < MIN_POINTS,
    )


def side(value: float, mean: float) -> int:
    """1 above the mean, -1 below, 0 exactly on it.

    >>> side(7, 6), side(5, 6), side(6, 6)
    (1, -1, 0)
    """
    return (value > mean) - (value < mean)


def _flag_windows(n: int, width: int, qualifies: Callable[[int, int], bool]) -> list[bool]:
    """Flag every point of every window of ``width`` points for which ``qualifies(start, end)``."""
    flags = [False] * n
    for end in range(width - 1, n):
        start = end - width + 1
        if qualifies(start, end):
            flags[start : end + 1] = [True] * width
    return flags


def beyond_limits(values: Sequence[float], limits: Limits) -> list[bool]:
    """Rule 1: points strictly above the upper or below the lower process limit.

    >>> lim = Limits(10, 0, 4, 16, 6, 14, False)
    >>> beyond_limits([10, 17, 16, 3], lim)
    [False, True, False, True]
    """
    return [v > limits.upper_limit or v < limits.lower_limit for v in values]


def shift(values: Sequence[float], mean: float, length: int = RUN) -> list[bool]:
    """Rule 2: every point of a run of ``length`` or more strictly on one side of the mean.

    A point exactly on the mean belongs to neither side and breaks the run.

    >>> shift([11] * 7, 10)
    [True, True, True, True, True, True, True]
    >>> shift([11, 11, 11, 10, 11, 11, 11], 10)
    [False, False, False, False, False, False, False]
    """
    sides = [side(v, mean) for v in values]
    return _flag_windows(
        len(values), length, lambda s, e: sides[s] != 0 and all(x == sides[s] for x in sides[s : e + 1])
    )


def trend(values: Sequence[float], length: int = RUN) -> list[bool]:
    """Rule 3: every point of ``length`` or more points each strictly above (or below) the one before.

    A tie between neighbours breaks the trend.

    >>> trend([1, 2, 3, 4, 5, 6, 7])
    [True, True, True, True, True, True, True]
    >>> trend([1, 2, 3, 3, 4, 5, 6, 7])
    [False, False, False, False, False, False, False, False]
    """
    steps = [0] + [side(b, a) for a, b in pairwise(values)]
    return _flag_windows(
        len(values), length, lambda s, e: steps[s + 1] != 0 and all(x == steps[s + 1] for x in steps[s + 1 : e + 1])
    )


def near_limit(values: Sequence[float], limits: Limits) -> list[bool]:
    """Points strictly beyond a near limit but not beyond its process limit (a point on the limit counts).

    >>> near_limit([14, 15, 16, 17, 5], Limits(10, 0, 4, 16, 6, 14, False))
    [False, True, True, False, True]
    """
    beyond = beyond_limits(values, limits)
    return [not out and (v > limits.upper_near or v < limits.lower_near) for v, out in zip(values, beyond, strict=True)]


def two_of_three(values: Sequence[float], limits: Limits) -> list[bool]:
    """Rule 4: two of three consecutive points near a limit, all three on the same side of the mean.

    Only the points near the limit are flagged; a point beyond a limit does not
    count towards the two (rule 1 flags it already).

    >>> lim = Limits(10, 0, 4, 16, 6, 14, False)
    >>> two_of_three([10, 15, 11, 15, 10], lim)
    [False, True, False, True, False]
    >>> two_of_three([15, 17, 11], lim)
    [False, False, False]
    """
    near = near_limit(values, limits)
    sides = [side(v, limits.mean) for v in values]
    flags = [False] * len(values)
    for end in range(2, len(values)):
        window = range(end - 2, end + 1)
        same_side = sides[end - 2] != 0 and all(sides[i] == sides[end - 2] for i in window)
        if same_side and sum(near[i] for i in window) >= 2:
            for i in window:
                flags[i] = flags[i] or near[i]
    return flags


def special_cause_flags(values: Sequence[float], limits: Limits) -> list[bool]:
    """Whether each point shows special cause variation under any of the four rules.

    >>> special_cause_flags([10, 17, 10, 11], Limits(10, 0, 4, 16, 6, 14, False))
    [False, True, False, False]
    """
    rules = (
        beyond_limits(values, limits),
        shift(values, limits.mean),
        trend(values),
        two_of_three(values, limits),
    )
    return [any(flags) for flags in zip(*rules, strict=True)]


def point_types(values: Sequence[float], limits: Limits, direction: str) -> list[str]:
    """The Making Data Count type of every point, for an improvement direction.

    ``direction`` is ``increase``, ``decrease`` or ``neutral``. A flagged point
    exactly on the mean is on neither improving side: ``special_cause_concern``,
    or ``special_cause_neutral_low`` for a neutral measure.

    >>> lim = Limits(10, 0, 4, 16, 6, 14, False)
    >>> point_types([10, 17, 3], lim, "decrease")
    ['common_cause', 'special_cause_concern', 'special_cause_improvement']
    >>> point_types([17, 3], lim, "neutral")
    ['special_cause_neutral_high', 'special_cause_neutral_low']
    """
    if direction not in ("increase", "decrease", "neutral"):
        raise ValueError(f"unknown improvement direction {direction!r}")
    improving = {"increase": 1, "decrease": -1, "neutral": 0}[direction]
    types = []
    for value, flagged in zip(values, special_cause_flags(values, limits), strict=True):
        where = side(value, limits.mean)
        if not flagged:
            types.append(COMMON_CAUSE)
        elif direction == "neutral":
            types.append(NEUTRAL_HIGH if where > 0 else NEUTRAL_LOW)
        else:
            types.append(IMPROVEMENT if where == improving else CONCERN)
    return types


def assurance(limits: Limits, per_period_target: float | None, direction: str) -> str | None:
    """Whether the process will reliably meet the target: ``pass``, ``fail`` or ``hit_and_miss``.

    None when there is no target or the direction is neutral. A target exactly
    on a limit is inside the limits (``hit_and_miss``).

    >>> lim = Limits(10, 0, 4, 16, 6, 14, False)
    >>> assurance(lim, 20, "increase"), assurance(lim, 20, "decrease"), assurance(lim, 10, "increase")
    ('fail', 'pass', 'hit_and_miss')
    >>> assurance(lim, 2, "increase"), assurance(lim, 2, "neutral"), assurance(lim, None, "increase")
    ('pass', None, None)
    """
    if per_period_target is None or direction == "neutral":
        return None
    if per_period_target > limits.upper_limit:
        return FAIL if direction == "increase" else PASS
    if per_period_target < limits.lower_limit:
        return PASS if direction == "increase" else FAIL
    return HIT_AND_MISS


def per_period_target(measure: Measure, period_end: str) -> float | None:
    """The target one period's value is held to: the period end's annual target shared over the year (sum).

    For ``mean`` measures the annual target applies to every period; ``last``
    measures and years without a target have none.

    >>> m = Measure("x", "X", "P", polarity="lower", frequency="monthly", targets={2015: 1200})
    >>> per_period_target(m, "2016-03"), per_period_target(m, "2016-04")
    (100.0, None)
    """
    annual = measure.target(fy_of_period(period_end))
    if annual is None or measure.aggregation == "last":
        return None
    if measure.aggregation == "mean":
        return float(annual)
    return annual / PERIODS_PER_YEAR[measure.frequency]


@dataclass(frozen=True)
class SpcResult:
    """One measure's chart: a row per period (``COLUMNS``), its limits, variation and assurance."""

    frame: pd.DataFrame
    limits: Limits
    variation: str
    assurance: str | None
    trial: bool
    per_period_target: float | None
    direction: str


def history(measure: Measure, series: Mapping[str, float], period_end: str) -> list[tuple[str, float]]:
    """The measure's periods with a value, in time order, up to and including ``period_end``.

    Periods not written for the measure's frequency and missing (NaN) values are left out.

    >>> m = Measure("x", "X", "P", polarity="lower", frequency="quarterly")
    >>> history(m, {"2015-16-Q2": 3, "2015-16-Q1": 2, "2015-16-Q3": None, "2015-16-Q4": 5}, "2015-16-Q3")
    [('2015-16-Q1', 2.0), ('2015-16-Q2', 3.0)]
    """
    rows = []
    for period, value in series.items():
        if period > period_end or not is_period(period, measure.frequency) or pd.isna(value):
            continue
        rows.append((period, float(value)))
    return sorted(rows)


def spc_for_measure(measure: Measure, series: Mapping[str, float], period_end: str) -> SpcResult | None:
    """The SPC chart of a measure over its whole history up to ``period_end``.

    None for ``last`` measures (cumulative or point-in-time figures get no SPC)
    and when fewer than two periods have values (no moving range to work from).
    Periods sort as text, which is time order for both ``2015-04`` and ``2015-16-Q1``.
    The assurance target is that of the last plotted period's financial year.

    >>> m = Measure("x", "X", "P", polarity="higher", frequency="quarterly", aggregation="mean",
    ...             targets={2015: 80})
    >>> r = spc_for_measure(m, {"2015-16-Q1": 70, "2015-16-Q2": 72, "2015-16-Q3": 70, "2015-16-Q4": 72},
    ...                     "2015-16-Q4")
    >>> r.variation, r.assurance, r.trial, r.limits.mean, len(r.frame)
    ('common_cause', 'fail', True, 71.0, 4)
    """
    if measure.aggregation == "last":
        return None
    points = history(measure, series, period_end)
    if len(points) < 2:
        return None
    periods = [p for p, _ in points]
    values = [v for _, v in points]
    limits = xmr(values, baseline=measure.spc_baseline, screen_outliers=measure.spc_screen_outliers)
    direction = DIRECTIONS[measure.polarity]
    types = point_types(values, limits, direction)
    target = per_period_target(measure, periods[-1])
    frame = pd.DataFrame(
        {
            "measure_id": measure.id,
            "period": periods,
            "value": values,
            "mean": limits.mean,
            "lower_limit": limits.lower_limit,
            "upper_limit": limits.upper_limit,
            "point_type": types,
        },
        columns=COLUMNS,
    )
    return SpcResult(
        frame=frame,
        limits=limits,
        variation=types[-1],
        assurance=assurance(limits, target, direction),
        trial=limits.trial,
        per_period_target=target,
        direction=direction,
    )
