"""Statistical process control as NHS England's Making Data Count does it (the project's SPC.md, version 2).

XmR limits per segment (the register's ``spc_rebase`` splits a series), the
four special-cause rules with the direction each gives a point, point types,
the rules that flagged each point, variation and assurance, so a reader who
knows the NHS charts reads ours the same way. Where NHSRplotthedots and the MDC
tool differ, the MDC tool is followed. Everything here is a pure function of a
list of values; nothing reads files.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

import pandas as pd

from analysis.core.periods import PERIODS_PER_YEAR, fy_of_period, is_period
from analysis.core.rebase import rebase_problem, segment_bounds
from analysis.core.register import Measure
from analysis.core.vocabulary import (
    BEYOND_LIMITS,
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
    SHIFT,
    SPC_RULE_CODES,
    TREND,
    TWO_OF_THREE,
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
"""Points in a shift (rule 4) or a trend (rule 2)."""
ON_MEAN = 1e-9
"""A value within this fraction of max(1, |mean|) of the mean is on it."""

RULE_ORDER = SPC_RULE_CODES
"""The four rules in SPC.md's order (1 to 4): a neutral measure's point takes its direction from the first."""
DIRECTIONS: dict[str, str] = {HIGHER: "increase", LOWER: "decrease", MONITORED: "neutral"}

HIGH, LOW = 1, -1


class RebaseError(ValueError):
    """The register's rebases cannot split this series (SPC.md: an input error); the message says why."""


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
    """1 above the mean, -1 below, 0 on it: within 1e-9 x max(1, |mean|), so a rounding of the sum is no side.

    955.7 / 19 is 50.300000000000004 in floating point; 50.3 is on that mean, not below it.

    >>> side(7, 6), side(5, 6), side(6, 6)
    (1, -1, 0)
    >>> 955.7 / 19, side(50.3, 955.7 / 19), side(50.3000001, 955.7 / 19)
    (50.300000000000004, 0, 1)
    """
    if abs(value - mean) <= ON_MEAN * max(1.0, abs(mean)):
        return 0
    return HIGH if value > mean else LOW


def _sides(values: Sequence[float], mean: float) -> list[int]:
    return [side(v, mean) for v in values]


def _runs(keys: Sequence[int]) -> list[tuple[int, int, int]]:
    """``(start, stop, key)`` of each run of equal consecutive keys."""
    runs, start = [], 0
    for i in range(1, len(keys) + 1):
        if i == len(keys) or keys[i] != keys[start]:
            runs.append((start, i, keys[start]))
            start = i
    return runs


def beyond_limits_directions(values: Sequence[float], limits: Limits) -> list[int]:
    """Rule 1: above the upper or below the lower process limit; the direction is the point's side of the mean.

    A point on a limit is inside; a point on the mean is never beyond (limits equal to the mean of a constant
    baseline flag every point off the mean, none on it).

    >>> lim = Limits(10, 0, 4, 16, 6, 14, False)
    >>> beyond_limits_directions([10, 17, 16, 3], lim)
    [0, 1, 0, -1]
    >>> beyond_limits_directions([5, 5, 6, 4], Limits(5, 0, 5, 5, 5, 5, True))
    [0, 0, 1, -1]
    """
    return [
        s if s and (v > limits.upper_limit or v < limits.lower_limit) else 0
        for v, s in zip(values, _sides(values, limits.mean), strict=True)
    ]


def trend_directions(values: Sequence[float], length: int = RUN) -> list[int]:
    """Rule 2: every point of ``length`` or more points each strictly above (or below) the one before.

    The direction is the trend's (rising high, falling low), whichever side of
    the mean the point is on. A tie breaks a trend. A turning point shared by a
    falling and a rising trend takes the direction of the later trend.

    >>> trend_directions([1, 2, 3, 4, 5, 6, 7])
    [1, 1, 1, 1, 1, 1, 1]
    >>> trend_directions([1, 2, 3, 3, 4, 5, 6, 7])
    [0, 0, 0, 0, 0, 0, 0, 0]
    >>> trend_directions([7, 6, 5, 4, 3, 2, 1, 2, 3, 4, 5, 6, 7])  # the trough is the rising trend's
    [-1, -1, -1, -1, -1, -1, 1, 1, 1, 1, 1, 1, 1]
    """
    flags = [0] * len(values)
    steps = [(b > a) - (b < a) for a, b in pairwise(values)]  # steps[i]: from point i to point i + 1
    for start, stop, step in _runs(steps):
        if step and stop - start >= length - 1:
            flags[start : stop + 1] = [step] * (stop + 1 - start)  # in time order: the later trend writes last
    return flags


def two_of_three_directions(values: Sequence[float], limits: Limits) -> list[int]:
    """Rule 3: 2 or 3 of 3 consecutive points beyond a near limit, all three on the same side of the mean.

    A point counts when it is beyond the near limit of its side, between it and
    the process limit or beyond the process limit. The points that count are
    flagged, in the direction of their side. A point on the mean is on no side.

    >>> lim = Limits(10, 0, 4, 16, 6, 14, False)
    >>> two_of_three_directions([10, 15, 11, 15, 10], lim)
    [0, 1, 0, 1, 0]
    >>> two_of_three_directions([15, 17, 11], lim)  # a point beyond the limit counts towards the two
    [1, 1, 0]
    >>> two_of_three_directions([15, 9, 15], lim)  # the third point on the other side: none
    [0, 0, 0]
    """
    sides = _sides(values, limits.mean)
    near = [
        s if (s == HIGH and v > limits.upper_near) or (s == LOW and v < limits.lower_near) else 0
        for v, s in zip(values, sides, strict=True)
    ]
    flags = [0] * len(values)
    for end in range(2, len(values)):
        window = range(end - 2, end + 1)
        s = sides[end - 2]
        if s and all(sides[i] == s for i in window) and sum(near[i] != 0 for i in window) >= 2:
            for i in window:
                flags[i] = near[i] or flags[i]
    return flags


def shift_directions(values: Sequence[float], mean: float, length: int = RUN) -> list[int]:
    """Rule 4: every point of a run of ``length`` or more consecutive points on one side of the mean.

    A point on the mean (:func:`side`) belongs to neither side and breaks the run.

    >>> shift_directions([11] * 7, 10)
    [1, 1, 1, 1, 1, 1, 1]
    >>> shift_directions([11, 11, 11, 10, 11, 11, 11], 10)
    [0, 0, 0, 0, 0, 0, 0]
    """
    flags = [0] * len(values)
    for start, stop, s in _runs(_sides(values, mean)):
        if s and stop - start >= length:
            flags[start:stop] = [s] * (stop - start)
    return flags


def rule_directions(values: Sequence[float], limits: Limits) -> dict[str, list[int]]:
    """The direction each rule gives each point (1 high, -1 low, 0 not flagged), in SPC.md's order."""
    return {
        BEYOND_LIMITS: beyond_limits_directions(values, limits),
        TREND: trend_directions(values),
        TWO_OF_THREE: two_of_three_directions(values, limits),
        SHIFT: shift_directions(values, limits.mean),
    }


def beyond_limits(values: Sequence[float], limits: Limits) -> list[bool]:
    """Rule 1 as flags (:func:`beyond_limits_directions`)."""
    return [d != 0 for d in beyond_limits_directions(values, limits)]


def trend(values: Sequence[float], length: int = RUN) -> list[bool]:
    """Rule 2 as flags (:func:`trend_directions`)."""
    return [d != 0 for d in trend_directions(values, length)]


def two_of_three(values: Sequence[float], limits: Limits) -> list[bool]:
    """Rule 3 as flags (:func:`two_of_three_directions`)."""
    return [d != 0 for d in two_of_three_directions(values, limits)]


def shift(values: Sequence[float], mean: float, length: int = RUN) -> list[bool]:
    """Rule 4 as flags (:func:`shift_directions`)."""
    return [d != 0 for d in shift_directions(values, mean, length)]


def special_cause_flags(values: Sequence[float], limits: Limits) -> list[bool]:
    """Whether each point shows special cause variation under any of the four rules.

    >>> special_cause_flags([10, 17, 10, 11], Limits(10, 0, 4, 16, 6, 14, False))
    [False, True, False, False]
    """
    return [any(d) for d in zip(*rule_directions(values, limits).values(), strict=True)]


def _point_type(fired: list[tuple[str, int]], direction: str) -> str:
    if not fired:
        return COMMON_CAUSE
    if direction == "neutral":
        return NEUTRAL_HIGH if fired[0][1] == HIGH else NEUTRAL_LOW
    improving = HIGH if direction == "increase" else LOW
    return IMPROVEMENT if any(d == improving for _, d in fired) else CONCERN


def classify(values: Sequence[float], limits: Limits, direction: str) -> list[tuple[str, str]]:
    """Each point's Making Data Count type and the rules that flagged it (alphabetical, ``;``-joined).

    ``direction`` is ``increase``, ``decrease`` or ``neutral``. A point flagged
    in an improving direction by any rule shows improvement, even when another
    rule flags it the other way (the MDC tool's choice). A neutral measure's point
    takes the direction of the first rule that flags it, in SPC.md's order.

    A rising trend below the mean is improvement for an "increase" measure; 7 points
    below the mean are a shift of concern; the points flagged by both rules show improvement:

    >>> lim = Limits(10, 1, 7.34, 12.66, 8.23, 11.77, False)
    >>> [t for t, _ in classify([8.3, 8.4, 8.5, 8.6, 8.7, 8.8, 8.9], lim, "increase")]
    ['special_cause_improvement', 'special_cause_improvement', 'special_cause_improvement', \
'special_cause_improvement', 'special_cause_improvement', 'special_cause_improvement', 'special_cause_improvement']
    >>> classify([8.3, 8.4, 8.5, 8.6, 8.7, 8.8, 8.9], lim, "increase")[0][1]
    'shift;trend'
    >>> classify([8.3, 8.4, 8.5, 8.6, 8.7, 8.8, 8.9], lim, "neutral")[0][0]  # the trend (rule 2) before the shift
    'special_cause_neutral_high'

    Two of three counts a point beyond the limit; both show the side's direction:

    >>> classify([11, 12, 13, 10], lim, "decrease")
    [('common_cause', ''), ('special_cause_concern', 'two_of_three'), \
('special_cause_concern', 'beyond_limits;two_of_three'), ('common_cause', '')]

    Decimal data on the mean: 19 values summing to 955.7, the last eight 50.3. The
    mean is 955.7 / 19 = 50.300000000000004; the eight are on it, not a run below it:

    >>> values = [50.1, 50.7, 50.2, 50.6, 50.1, 50.7, 50.5, 50.1, 50.4, 50.1, 49.8] + [50.3] * 8
    >>> lim = xmr(values)
    >>> lim.mean, {t for t, _ in classify(values, lim, "increase")}
    (50.300000000000004, {'common_cause'})
    """
    if direction not in ("increase", "decrease", "neutral"):
        raise ValueError(f"unknown improvement direction {direction!r}")
    by_rule = rule_directions(values, limits)
    out = []
    for i in range(len(values)):
        fired = [(name, by_rule[name][i]) for name in RULE_ORDER if by_rule[name][i]]
        out.append((_point_type(fired, direction), ";".join(sorted(name for name, _ in fired))))
    return out


def point_types(values: Sequence[float], limits: Limits, direction: str) -> list[str]:
    """The Making Data Count type of every point of one segment (:func:`classify`).

    >>> lim = Limits(10, 0, 4, 16, 6, 14, False)
    >>> point_types([10, 17, 3], lim, "decrease")
    ['common_cause', 'special_cause_concern', 'special_cause_improvement']
    >>> point_types([17, 3], lim, "neutral")
    ['special_cause_neutral_high', 'special_cause_neutral_low']
    """
    return [t for t, _ in classify(values, limits, direction)]


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
class Segment:
    """One segment of a chart: its first and last periods and its limits (``limits.trial`` under 12 points)."""

    start: str
    end: str
    points: int
    limits: Limits


@dataclass(frozen=True)
class SpcResult:
    """One measure's chart: a row per period (the columns of spc.csv), its segments, variation and assurance.

    ``limits`` and ``trial`` are the last segment's, which assurance uses.
    """

    frame: pd.DataFrame
    limits: Limits
    variation: str
    assurance: str | None
    trial: bool
    per_period_target: float | None
    direction: str
    segments: tuple[Segment, ...] = ()


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


def rebases_in(measure: Measure, period_end: str) -> list[str]:
    """The measure's rebase periods up to ``period_end``: a later one is left out of that report.

    >>> m = Measure("x", "X", "P", polarity="lower", frequency="monthly", spc_rebase=("2015-06", "2016-04"))
    >>> rebases_in(m, "2015-12")
    ['2015-06']
    """
    return sorted(r for r in measure.spc_rebase if r <= period_end)


def spc_for_measure(measure: Measure, series: Mapping[str, float], period_end: str) -> SpcResult | None:
    """The SPC chart of a measure over its whole history up to ``period_end``, segment by segment.

    None for ``last`` measures (point-in-time figures get no SPC; a ``cumulative`` measure is given its increases)
    and when fewer than two periods have values (no moving range to work from).
    Periods sort as text, which is time order for both ``2015-04`` and ``2015-16-Q1``.
    Each rebase period up to the period end (``spc_rebase``) starts a segment with
    its own mean and limits, and no rule crosses it; the register's baseline
    applies to the first segment. The variation is the type of the last point;
    assurance uses the last segment's limits and the target of the last plotted
    period's financial year. Rebases that cannot split the series (not a period
    of it after its first, or leaving a segment of one point) are an input error
    (``RebaseError``).

    >>> m = Measure("x", "X", "P", polarity="higher", frequency="quarterly", aggregation="mean",
    ...             targets={2015: 80})
    >>> r = spc_for_measure(m, {"2015-16-Q1": 70, "2015-16-Q2": 72, "2015-16-Q3": 70, "2015-16-Q4": 72},
    ...                     "2015-16-Q4")
    >>> r.variation, r.assurance, r.trial, r.limits.mean, len(r.frame)
    ('common_cause', 'fail', True, 71.0, 4)
    >>> rebased = Measure("x", "X", "P", polarity="higher", frequency="quarterly", spc_rebase=("2015-16-Q3",))
    >>> r = spc_for_measure(rebased, {"2015-16-Q1": 70, "2015-16-Q2": 72, "2015-16-Q3": 90, "2015-16-Q4": 92},
    ...                     "2015-16-Q4")
    >>> list(r.frame["mean"]), [s.start for s in r.segments]
    ([71.0, 71.0, 91.0, 91.0], ['2015-16-Q1', '2015-16-Q3'])
    """
    if measure.aggregation == "last":
        return None
    points = history(measure, series, period_end)
    if len(points) < 2:
        return None
    periods = [p for p, _ in points]
    values = [v for _, v in points]
    rebases = rebases_in(measure, period_end)
    problem = rebase_problem(periods, rebases)
    if problem:
        raise RebaseError(problem)
    direction = DIRECTIONS[measure.polarity]
    segments, columns = [], {c: [] for c in ("mean", "lower_limit", "upper_limit", "point_type", "rules")}
    for k, (start, stop) in enumerate(segment_bounds(periods, rebases)):
        part = values[start:stop]
        limits = xmr(
            part, baseline=measure.spc_baseline if k == 0 else None, screen_outliers=measure.spc_screen_outliers
        )
        segments.append(Segment(periods[start], periods[stop - 1], stop - start, limits))
        for point_type, rules in classify(part, limits, direction):
            columns["mean"].append(limits.mean)
            columns["lower_limit"].append(limits.lower_limit)
            columns["upper_limit"].append(limits.upper_limit)
            columns["point_type"].append(point_type)
            columns["rules"].append(rules)
    last = segments[-1].limits
    target = per_period_target(measure, periods[-1])
    frame = pd.DataFrame({"measure_id": measure.id, "period": periods, "value": values, **columns})
    return SpcResult(
        frame=frame,
        limits=last,
        variation=columns["point_type"][-1],
        assurance=assurance(last, target, direction),
        trial=last.trial,
        per_period_target=target,
        direction=direction,
        segments=tuple(segments),
    )
