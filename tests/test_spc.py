"""SPC as Making Data Count does it (SPC.md version 2): limits, the four rules and their directions, point types,
rules, segments, assurance and the plain words of the last point; checked by hand and against an independent
straightforward implementation on random series with rebases."""

from __future__ import annotations

import math
import random
from dataclasses import replace

import pandas as pd
import pytest

from analysis.core.periods import months_of_year, quarters_of_year
from analysis.core.rebase import rebase_problem, segment_bounds
from analysis.core.register import Measure
from analysis.method.spc import (
    Limits,
    RebaseError,
    beyond_limits_directions,
    classify,
    per_period_target,
    point_types,
    shift_directions,
    side,
    spc_for_measure,
    special_cause_flags,
    trend_directions,
    two_of_three_directions,
    xmr,
)
from analysis.method.spc import assurance as assurance_of
from analysis.processed.contract import SPC
from analysis.report.variation import ordinal, pattern_phrases

# Hand-made limits: mean 10, process limits 4 and 16, near limits 6 and 14.
LIM = Limits(mean=10, amr=0, lower_limit=4, upper_limit=16, lower_near=6, upper_near=14, trial=False)
FLAT = Limits(mean=5, amr=0, lower_limit=5, upper_limit=5, lower_near=5, upper_near=5, trial=True)
ALTERNATING = [5, 7] * 6  # mean 6, every moving range 2
H, L, _ = 1, -1, 0
CC, IMP, CON = "common_cause", "special_cause_improvement", "special_cause_concern"
HIGH, LOW = "special_cause_neutral_high", "special_cause_neutral_low"
# Decimal data: 19 values summing to 955.7, whose mean in floating point is 50.300000000000004, the last eight 50.3.
DECIMALS = [50.1, 50.7, 50.2, 50.6, 50.1, 50.7, 50.5, 50.1, 50.4, 50.1, 49.8] + [50.3] * 8


# ---- limits -------------------------------------------------------------------------------------


def test_xmr_limits_by_hand():
    lim = xmr(ALTERNATING)
    assert (lim.mean, lim.amr, lim.trial) == (6.0, 2.0, False)
    assert lim.upper_limit == pytest.approx(6 + 2.66 * 2)  # 11.32
    assert lim.lower_limit == pytest.approx(6 - 2.66 * 2)  # 0.68
    assert lim.upper_near == pytest.approx(6 + 2 / 3 * 2.66 * 2)  # 9.5467
    assert lim.lower_near == pytest.approx(6 - 2 / 3 * 2.66 * 2)


# A spike: 10,12,...,10,40,10,12,10,12 has moving ranges nine 2s and two 30s: amr = 78/11 = 7.09.
# 3.267 x 7.09 = 23.2, so screening drops both 30s and amr is 2 again. The mean is 160/12 either way.
SPIKE = [10, 12, 10, 12, 10, 12, 10, 40, 10, 12, 10, 12]


@pytest.mark.parametrize(
    ("screen", "amr"), [(True, 2.0), (False, 78 / 11)], ids=["screening-drops-big-ranges", "screening-off"]
)
def test_screening_of_moving_ranges(screen, amr):
    lim = xmr(SPIKE, screen_outliers=screen)
    assert lim.mean == pytest.approx(160 / 12)
    assert lim.amr == pytest.approx(amr)
    assert lim.upper_limit == pytest.approx(160 / 12 + 2.66 * amr)


def test_screening_a_flat_series_keeps_zero_amr():
    lim = xmr([5, 5, 5])
    assert (lim.mean, lim.amr, lim.lower_limit, lim.upper_limit) == (5, 0, 5, 5)


def test_baseline_uses_only_the_first_n_points():
    lim = xmr([*ALTERNATING, 20, 20, 20], baseline=12)
    assert (lim.mean, lim.amr, lim.trial) == (6.0, 2.0, False)


def test_baseline_longer_than_the_series_uses_every_point():
    assert xmr([5, 7, 5], baseline=12).mean == pytest.approx(17 / 3)


@pytest.mark.parametrize(
    ("values", "baseline", "trial"),
    [([5, 7] * 3, None, True), ([5, 7] * 5 + [5], None, True), (ALTERNATING, None, False), ([5, 7] * 10, 12, False)],
    ids=["6-points", "11-points", "12-points", "baseline-12-of-20"],
)
def test_trial_limits_below_twelve_points(values, baseline, trial):
    assert xmr(values, baseline=baseline).trial is trial


@pytest.mark.parametrize(("values", "baseline"), [([5], None), ([], None), ([5, 7, 5], 1)], ids=["one", "none", "bl1"])
def test_limits_need_two_points(values, baseline):
    with pytest.raises(ValueError):
        xmr(values, baseline=baseline)


# ---- on the mean --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "mean", "expected"),
    [
        (50.3, 955.7 / 19, _),  # 50.300000000000004: a rounding of the sum, not a side
        (50.3 + 1e-6, 955.7 / 19, H),
        (50.3 - 1e-6, 955.7 / 19, L),
        (1e-10, 0.0, _),  # within 1e-9 x max(1, |mean|) of a mean of 0
        (2e-9, 0.0, H),
        (1e6 + 5e-4, 1e6, _),  # 1e-9 of a million is 0.001
        (1e6 + 2e-3, 1e6, H),
        (-3.0, -3.0, _),
    ],
    ids=["955.7/19", "just-above", "just-below", "zero-mean", "off-zero", "large-mean", "off-large", "negative"],
)
def test_on_the_mean_within_a_relative_tolerance(value, mean, expected):
    assert side(value, mean) == expected


def test_the_955_7_over_19_tie_gives_no_spurious_run():
    lim = xmr(DECIMALS)
    assert lim.mean == 50.300000000000004 and math.fsum(DECIMALS) == 955.7
    assert shift_directions(DECIMALS, lim.mean) == [_] * 19
    assert [t for t, _r in classify(DECIMALS, lim, "decrease")] == [CC] * 19
    # compared as floats, without the tolerance, the eight 50.3s and the 49.8 before them would be a run of 9 below
    assert sum(v < lim.mean for v in DECIMALS[-9:]) == 9


# ---- the four rules, with their directions ------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "limits", "expected"),
    [
        ([10, 17, 10], LIM, [_, H, _]),
        ([3.9, 10], LIM, [L, _]),
        ([16, 4, 10], LIM, [_, _, _]),
        ([5, 5, 5.1, 4.9], FLAT, [_, _, H, L]),
        ([5 + 1e-12, 5], FLAT, [_, _]),
    ],
    ids=["above-upper", "below-lower", "on-the-limits-is-inside", "constant-baseline", "on-mean-is-never-beyond"],
)
def test_rule1_beyond_limits(values, limits, expected):
    assert beyond_limits_directions(values, limits) == expected


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1, 2, 3, 4, 5, 6, 7], [H] * 7),
        ([7, 6, 5, 4, 3, 2, 1], [L] * 7),
        ([1, 2, 3, 4, 5, 6], [_] * 6),
        ([1, 2, 3, 3, 4, 5, 6], [_] * 7),
        ([0, 1, 2, 3, 4, 5, 6, 7, 5], [H] * 8 + [_]),
        ([1, 2, 3, 4, 5, 6, 7, 6, 5, 4, 3, 2, 1], [H] * 6 + [L] * 7),
        ([7, 6, 5, 4, 3, 2, 1, 2, 3, 4, 5, 6, 7], [L] * 6 + [H] * 7),
        ([1, 3, 2, 4, 3, 5, 4], [_] * 7),
        ([1, 2, 3, 4, 5, 6, 7, 8, 7, 6, 5, 4, 3], [H] * 8 + [_] * 5),  # a fall of 6 points is no trend
    ],
    ids=[
        "rising",
        "falling",
        "6-points",
        "tie-breaks",
        "8-rising-then-fall",
        "peak-takes-the-later-fall",
        "trough-takes-the-later-rise",
        "zigzag",
        "fall-too-short-keeps-the-peak-high",
    ],
)
def test_rule2_trend(values, expected):
    assert trend_directions(values) == expected


def test_rule2_trend_direction_is_the_trends_whichever_side_of_the_mean():
    """A rising trend through the mean is high at every point, the four below the mean included (version 1 typed
    those by their side)."""
    rising = [8.5, 9, 9.5, 9.8, 10.2, 10.5, 11]
    assert trend_directions(rising) == [H] * 7
    assert [t for t, _r in classify(rising, LIM, "increase")] == [IMP] * 7
    assert [t for t, _r in classify(rising, LIM, "decrease")] == [CON] * 7
    assert [t for t, _r in classify(rising, LIM, "neutral")] == [HIGH] * 7
    assert [t for t, _r in classify(rising[::-1], LIM, "increase")] == [CON] * 7


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([10, 15, 11, 15, 10], [_, H, _, H, _]),
        ([11, 15, 15, 11], [_, H, H, _]),
        ([10, 15, 15, 10], [_, _, _, _]),  # every window of three has a point on the mean
        ([5, 9, 5], [L, _, L]),
        ([15, 9, 15], [_, _, _]),  # the third point on the other side of the mean
        ([15, 10, 15], [_, _, _]),  # a point on the mean is on neither side
        ([15, 17, 11], [H, H, _]),  # the point beyond the limit counts towards the two, and is flagged
        ([17, 17, 11], [H, H, _]),  # two beyond the limit
        ([11, 17, 11], [_, _, _]),  # one is not two
        ([15, 17, 15], [H, H, H]),
        ([14, 11, 14], [_, _, _]),  # on the near limit is not beyond it
        ([16, 11, 16], [H, _, H]),  # on the process limit is beyond the near limit
        ([15, 11, 12, 15], [_, _, _, _]),  # two near points four apart
        ([15, 15], [_, _]),  # fewer than three points
        ([3, 5, 9], [L, L, _]),  # below: beyond the lower limit, near it, and a third on the same side
    ],
    ids=[
        "two-of-three-above",
        "two-together",
        "two-together-between-points-on-mean",
        "below",
        "third-on-other-side",
        "on-mean",
        "beyond-counts",
        "two-beyond",
        "one-beyond-only",
        "three",
        "on-near-limit",
        "on-limit",
        "too-far-apart",
        "short",
        "below-with-beyond",
    ],
)
def test_rule3_two_of_three(values, expected):
    assert two_of_three_directions(values, LIM) == expected


def test_rule3_with_a_constant_baseline_counts_every_point_off_the_mean():
    assert two_of_three_directions([5, 5.1, 5.2, 5.3], FLAT) == [_, H, H, H]
    assert two_of_three_directions([5.1, 5, 5.2, 5.3], FLAT) == [_, _, _, _]  # each window holds the point on it


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([11] * 7, [H] * 7),
        ([9] * 7, [L] * 7),
        ([11] * 6, [_] * 6),
        ([11] * 3 + [10] + [11] * 3, [_] * 7),
        ([11] * 3 + [10 + 1e-12] + [11] * 4, [_] * 4 + [_] * 4),  # on the mean within the tolerance breaks it
        ([9] + [11] * 8, [_] + [H] * 8),
        ([11] * 4 + [9] * 3, [_] * 7),
        ([11] * 7 + [10] + [9] * 7, [H] * 7 + [_] + [L] * 7),
    ],
    ids=["7-above", "7-below", "6-is-not-enough", "on-mean-breaks", "near-mean-breaks", "8", "crossing", "two-runs"],
)
def test_rule4_shift(values, expected):
    assert shift_directions(values, 10) == expected


# ---- point types and rules -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("direction", "expected"),
    [("increase", [CC, IMP, CC, CON, CC]), ("decrease", [CC, CON, CC, IMP, CC]), ("neutral", [CC, HIGH, CC, LOW, CC])],
    ids=["increase", "decrease", "neutral"],
)
def test_point_types_by_direction(direction, expected):
    assert point_types([10, 17, 10, 3, 10], LIM, direction) == expected


# Rising from well below the mean: 7 points below (a shift, low), rising (a trend, high).
RISING_BELOW = [7.0, 7.2, 7.4, 7.6, 7.8, 8.0, 8.2]
# Beyond the lower limit at the start of a rising trend below the mean: rule 1 low, rule 2 high, rule 4 low.
BEYOND_THEN_RISING = [3.0, 7, 8, 9, 9.5, 9.7, 9.9]
# Beyond the lower near limit twice at the start of a rising trend: rule 2 high, rule 3 low, rule 4 low.
NEAR_WHILE_RISING = [5.0, 5.5, 7, 8, 9, 9.5, 9.9]


@pytest.mark.parametrize(
    ("values", "direction", "index", "expected"),
    [
        (RISING_BELOW, "increase", -1, (IMP, "shift;trend")),
        (RISING_BELOW, "decrease", -1, (IMP, "shift;trend")),  # flagged both ways: improvement, whichever way
        (RISING_BELOW, "neutral", -1, (HIGH, "shift;trend")),  # the trend (rule 2) before the shift (rule 4)
        (BEYOND_THEN_RISING, "neutral", 0, (LOW, "beyond_limits;shift;trend")),  # rule 1 before the trend
        (BEYOND_THEN_RISING, "increase", 0, (IMP, "beyond_limits;shift;trend")),
        (BEYOND_THEN_RISING, "decrease", 0, (IMP, "beyond_limits;shift;trend")),
        (NEAR_WHILE_RISING, "neutral", 0, (HIGH, "shift;trend;two_of_three")),  # the trend before rule 3
        (NEAR_WHILE_RISING, "increase", 2, (IMP, "shift;trend")),
    ],
    ids=[
        "both-ways-increase",
        "both-ways-decrease",
        "neutral-trend-before-shift",
        "neutral-beyond-before-trend",
        "beyond-low-rising-increase",
        "beyond-low-rising-decrease",
        "neutral-trend-before-two-of-three",
        "rising-below-increase",
    ],
)
def test_point_flagged_both_ways(values, direction, index, expected):
    assert classify(values, LIM, direction)[index] == expected


def test_rules_name_every_rule_that_flagged_the_point_alphabetically():
    values = [11.0, 12, 13, 14, 15, 16, 17]  # rising above the mean: trend, shift; 15 and 16 near; 17 beyond
    got = classify(values, LIM, "increase")
    assert [r for _t, r in got] == [
        "shift;trend",
        "shift;trend",
        "shift;trend",
        "shift;trend",
        "shift;trend;two_of_three",
        "shift;trend;two_of_three",
        "beyond_limits;shift;trend;two_of_three",
    ]
    assert {t for t, _r in got} == {IMP}
    assert classify([10, 11, 10], LIM, "increase") == [(CC, ""), (CC, ""), (CC, "")]


def test_special_cause_flags_combine_the_rules():
    assert special_cause_flags([10, 17, 10, 11], LIM) == [False, True, False, False]


def test_unknown_direction_is_an_error():
    with pytest.raises(ValueError):
        point_types([1, 2], LIM, "up")


@pytest.mark.parametrize(
    ("target", "direction", "expected"),
    [
        (20, "increase", "fail"),
        (20, "decrease", "pass"),
        (2, "increase", "pass"),
        (2, "decrease", "fail"),
        (10, "increase", "hit_and_miss"),
        (16, "increase", "hit_and_miss"),
        (4, "decrease", "hit_and_miss"),
        (20, "neutral", None),
        (None, "increase", None),
    ],
    ids=[
        "above-upper-increase",
        "above-upper-decrease",
        "below-lower-increase",
        "below-lower-decrease",
        "inside",
        "on-upper-limit",
        "on-lower-limit",
        "neutral",
        "no-target",
    ],
)
def test_assurance(target, direction, expected):
    assert assurance_of(LIM, target, direction) == expected


# ---- a measure's chart ------------------------------------------------------------------------------


def measure(**kw) -> Measure:
    base = dict(id="asb", title="ASB", priority="P", polarity="lower", frequency="monthly", targets={2015: 1200})
    base.update(kw)
    return Measure(**base)


# 2014-15 alternates 100, 104 (mean 102, amr 4: limits 91.36 to 112.64, near 94.91 and 109.09).
# 2015-16: 100, 104, 100, 104, 100, then seven months of 96. From August (100) every month is
# below the mean: a run of 8, all flagged; nothing is near or beyond a limit.
BASE_YEAR = dict(zip(months_of_year(2014), [100, 104] * 6, strict=True))
SHIFTED = {**BASE_YEAR, **dict(zip(months_of_year(2015), [100, 104, 100, 104, 100] + [96] * 7, strict=True))}


def test_measure_chart_with_a_baseline():
    result = spc_for_measure(measure(spc_baseline=12), SHIFTED, "2016-03")
    frame = result.frame
    assert list(frame.columns) == list(SPC.names)
    assert SPC.names == ("measure_id", "period", "value", "mean", "lower_limit", "upper_limit", "point_type", "rules")
    assert list(frame["period"]) == months_of_year(2014) + months_of_year(2015)
    assert set(frame["measure_id"]) == {"asb"}
    assert set(frame["mean"]) == {102.0}
    assert frame["lower_limit"].iloc[0] == pytest.approx(91.36)
    assert frame["upper_limit"].iloc[0] == pytest.approx(112.64)
    assert list(frame["point_type"]) == [CC] * 16 + [IMP] * 8
    assert list(frame["rules"]) == [""] * 16 + ["shift"] * 8
    assert (result.variation, result.trial, result.per_period_target) == (IMP, False, 100.0)
    assert result.assurance == "hit_and_miss"


@pytest.mark.parametrize(
    ("target", "expected"),
    [(1200, "hit_and_miss"), (1000, "fail"), (1500, "pass")],
    ids=["100-a-month-inside", "83-a-month-below-lower", "125-a-month-above-upper"],
)
def test_measure_assurance_uses_the_monthly_share_of_the_target(target, expected):
    result = spc_for_measure(measure(spc_baseline=12, targets={2015: target}), SHIFTED, "2016-03")
    assert result.assurance == expected


def test_measure_without_baseline_uses_every_point():
    result = spc_for_measure(measure(), SHIFTED, "2016-03")
    assert result.limits.mean == pytest.approx(2404 / 24)


def test_period_end_cuts_the_history():
    result = spc_for_measure(measure(), SHIFTED, "2015-03")
    assert len(result.frame) == 12 and result.frame["period"].iloc[-1] == "2015-03"
    assert result.per_period_target is None and result.assurance is None


def test_target_comes_from_the_period_ends_year():
    m = measure(targets={2014: 2400, 2015: 1200})
    assert spc_for_measure(m, SHIFTED, "2016-03").per_period_target == 100
    assert spc_for_measure(m, SHIFTED, "2015-03").per_period_target == 200


def test_mean_measure_quarterly_trial_limits():
    m = measure(polarity="higher", frequency="quarterly", aggregation="mean", targets={2015: 80})
    series = dict(zip(quarters_of_year(2015), [70, 72, 70, 72], strict=True))
    result = spc_for_measure(m, series, "2015-16-Q4")
    assert (result.trial, result.per_period_target, result.assurance, result.variation) == (True, 80.0, "fail", CC)
    assert result.frame["upper_limit"].iloc[-1] == pytest.approx(76.32)


def test_monitor_measure_is_neutral_without_assurance():
    result = spc_for_measure(measure(polarity="monitor", spc_baseline=12), SHIFTED, "2016-03")
    assert result.direction == "neutral" and result.assurance is None
    assert result.variation == LOW


def test_screening_setting_is_taken_from_the_register():
    series = dict(zip(months_of_year(2015), SPIKE, strict=True))
    on = spc_for_measure(measure(), series, "2016-03")
    off = spc_for_measure(measure(spc_screen_outliers=False), series, "2016-03")
    assert on.limits.amr == pytest.approx(2) and off.limits.amr == pytest.approx(78 / 11)
    assert on.frame.loc[7, "point_type"] == CON and on.frame.loc[7, "rules"] == "beyond_limits"


@pytest.mark.parametrize(
    ("kw", "series"),
    [
        ({"aggregation": "last"}, SHIFTED),
        ({}, {"2015-04": 10}),
        ({}, {}),
        ({}, {"2015-04": 10, "2015-05": math.nan}),
    ],
    ids=["last-aggregation", "one-point", "no-points", "nan-is-no-value"],
)
def test_no_chart(kw, series):
    assert spc_for_measure(measure(**kw), series, "2016-03") is None


def test_periods_of_another_frequency_are_ignored():
    series = {**BASE_YEAR, "2015-16-Q1": 5000}
    assert len(spc_for_measure(measure(), series, "2016-03").frame) == 12


@pytest.mark.parametrize(
    ("aggregation", "expected"), [("sum", 100.0), ("mean", 1200.0), ("last", None)], ids=["sum", "mean", "last"]
)
def test_per_period_target(aggregation, expected):
    assert per_period_target(measure(aggregation=aggregation), "2015-04") == expected


# ---- segments (rebasing) ------------------------------------------------------------------------------

# Twelve months alternating 100 and 104, then twelve alternating 200 and 206 after a new recording rule.
REBASED = {
    **BASE_YEAR,
    **dict(zip(months_of_year(2015), [200, 206] * 6, strict=True)),
}


def test_a_rebase_gives_each_segment_its_own_mean_and_limits():
    result = spc_for_measure(measure(spc_rebase=("2015-04",)), REBASED, "2016-03")
    frame = result.frame
    assert list(frame["mean"]) == [102.0] * 12 + [203.0] * 12
    assert frame["upper_limit"].iloc[0] == pytest.approx(102 + 2.66 * 4)
    assert frame["upper_limit"].iloc[-1] == pytest.approx(203 + 2.66 * 6)
    assert set(frame["point_type"]) == {CC}  # without the rebase every point would be a shift
    assert [(s.start, s.end, s.points) for s in result.segments] == [
        ("2014-04", "2015-03", 12),
        ("2015-04", "2016-03", 12),
    ]
    unsplit = spc_for_measure(measure(), REBASED, "2016-03")
    assert all("shift" in r for r in unsplit.frame["rules"])


def test_no_rule_crosses_a_rebase():
    """1 to 14 rising: one trend over the whole series; split at the seventh point, only the second part's 8."""
    series = dict(zip(months_of_year(2015) + months_of_year(2016)[:2], [float(v) for v in range(1, 15)], strict=True))
    whole = spc_for_measure(measure(), series, "2016-05")
    assert all("trend" in r for r in whole.frame["rules"])
    split = spc_for_measure(measure(spc_rebase=("2015-10",)), series, "2016-05")
    assert list(split.frame["rules"][:6]) == [""] * 6  # 6 points: no trend, no shift, nothing near a limit
    assert all("trend" in r for r in split.frame["rules"][6:])


def test_the_baseline_applies_to_the_first_segment_only():
    first = [100.0, 104] * 6 + [500.0] * 3  # 15 points: a baseline of 12 leaves the three 500s out
    second = [150.0, 160] * 6 + [300.0] * 4  # 16 points: all of them set its limits
    periods = months_of_year(2014) + months_of_year(2015) + months_of_year(2016)[:7]
    m = measure(spc_baseline=12, spc_rebase=(periods[15],))
    result = spc_for_measure(m, dict(zip(periods, first + second, strict=True)), periods[-1])
    assert [s.points for s in result.segments] == [15, 16]
    assert result.segments[0].limits.mean == 102.0 and not result.segments[0].limits.trial
    assert result.segments[1].limits.mean == pytest.approx(math.fsum(second) / 16)
    assert list(result.frame["rules"][12:15]) == ["beyond_limits;two_of_three"] * 3


def test_assurance_uses_the_last_segment():
    m = measure(polarity="higher", targets={2015: 12 * 150}, spc_rebase=("2015-04",))  # 150 a month
    result = spc_for_measure(m, REBASED, "2016-03")
    assert result.limits.mean == 203.0 and result.assurance == "pass"  # 150 below the new lower limit
    assert spc_for_measure(replace(m, spc_rebase=()), REBASED, "2016-03").assurance == "hit_and_miss"


def test_trial_limits_are_the_last_segments():
    result = spc_for_measure(measure(spc_rebase=("2015-10",)), REBASED, "2016-03")
    assert [s.limits.trial for s in result.segments] == [False, True] and result.trial


def test_a_rebase_after_the_period_end_is_left_out_of_that_report():
    m = measure(spc_rebase=("2015-04",))
    before = spc_for_measure(m, REBASED, "2015-03")
    assert len(before.segments) == 1 and len(before.frame) == 12
    assert len(spc_for_measure(m, REBASED, "2015-05").segments) == 2


@pytest.mark.parametrize(
    ("rebases", "period_end", "words"),
    [
        (("2014-04",), "2016-03", "the rebase April 2014 is the first period of the series"),
        (("2013-10",), "2016-03", "the rebase October 2013 is before the series starts (April 2014)"),
        (("2014-05",), "2016-03", "the rebase May 2014 leaves the segment before it with one point"),
        (("2015-04",), "2015-04", "the rebase April 2015 leaves the segment from April 2015 with one point"),
        (("2015-04", "2015-05"), "2016-03", "the rebase April 2015 leaves the segment from April 2015 with one"),
    ],
    ids=["first-period", "before-the-series", "first-segment-of-one", "last-segment-of-one", "middle-of-one"],
)
def test_rebases_that_cannot_split_the_series(rebases, period_end, words):
    with pytest.raises(RebaseError, match=words.replace("(", r"\(").replace(")", r"\)")):
        spc_for_measure(measure(spc_rebase=rebases), REBASED, period_end)


def test_a_rebase_on_a_period_without_a_value():
    series = {p: v for p, v in REBASED.items() if p != "2015-06"}
    with pytest.raises(RebaseError, match="the rebase June 2015 has no value in the series"):
        spc_for_measure(measure(spc_rebase=("2015-06",)), series, "2016-03")


# ---- the rebase's input checks at build time ------------------------------------------------------------


def test_a_report_whose_last_segment_would_have_one_point_is_an_input_error(tmp_path):
    """Valid against the whole series (June and July), but the report for Q1 ends in June: one point."""
    import shutil
    from pathlib import Path

    from analysis.core.periods import parse_quarter
    from analysis.core.problems import InputError
    from analysis.inputs.tables import load_inputs
    from analysis.processed.tables import quarter_tables

    valid = Path(__file__).parent / "data" / "inputs" / "valid"
    folder = tmp_path / "raw"
    shutil.copytree(valid, folder)
    register = folder / "measures.yml"
    register.write_text(
        register.read_text(encoding="utf-8").replace(
            "    unit: incidents\n", "    unit: incidents\n    spc_rebase: [2015-06]\n", 1
        ),
        encoding="utf-8",
    )
    with (folder / "actuals.csv").open("a", encoding="utf-8") as f:
        f.write("asb-incidents,2015-07,801\n")
    inputs = load_inputs(folder)  # valid: the segment from June has June and July
    assert len(quarter_tables(inputs, parse_quarter("2015-16-Q2"))["spc.csv"].splitlines()) > 1
    with pytest.raises(InputError) as caught:
        quarter_tables(inputs, parse_quarter("2015-16-Q1"))
    assert [str(p) for p in caught.value.problems] == [
        "measures.yml, line 15, measure 'asb-incidents', field 'spc_rebase': in the report for quarter one 2015/16 "
        "(data to June 2015), the rebase June 2015 leaves the segment from June 2015 with one point: every segment "
        "needs at least 2"
    ]


# ---- the last point in plain words -------------------------------------------------------------------------


def _segment(values, mean, low, high, rules):
    return pd.DataFrame({"value": values, "mean": mean, "lower_limit": low, "upper_limit": high, "rules": rules})


@pytest.mark.parametrize(
    ("segment", "frequency", "expected"),
    [
        (_segment([11.0] * 7, 10, 4, 16, ["shift"] * 7), "monthly", ["the seventh month in a row above the average"]),
        (_segment([9.0] * 9, 10, 4, 16, ["shift"] * 9), "quarterly", ["the ninth quarter in a row below the average"]),
        (
            _segment([5.0, 6, 7, 8, 9, 9.5, 9.8], 10, 4, 16, ["shift;trend"] * 7),
            "monthly",
            ["the seventh month in a row below the average", "the sixth rise in a row"],
        ),
        (_segment([10.0, 17], 10, 4, 16, ["", "beyond_limits"]), "monthly", ["beyond the upper limit"]),
        (_segment([10.0, 3], 10, 4, 16, ["", "beyond_limits"]), "monthly", ["beyond the lower limit"]),
        (
            _segment([15.0, 11, 15], 10, 4, 16, ["two_of_three", "", "two_of_three"]),
            "monthly",
            ["two of the last three months close to the upper limit"],
        ),
        (
            _segment([15.0, 17, 15], 10, 4, 16, ["two_of_three", "beyond_limits;two_of_three", "two_of_three"]),
            "monthly",
            ["each of the last three months close to or beyond the upper limit"],
        ),
        (
            _segment([20.0, 19, 18, 17, 16, 15, 14, 13, 12], 10, 4, 30, ["trend"] * 9),
            "monthly",
            ["the eighth fall in a row"],
        ),
        (_segment([10.0, 11], 10, 4, 16, ["", ""]), "monthly", []),
    ],
    ids=[
        "run-above",
        "run-below-quarters",
        "run-and-rise",
        "beyond-upper",
        "beyond-lower",
        "two-of-three",
        "three-of-three-one-beyond",
        "eighth-fall",
        "common-cause",
    ],
)
def test_the_last_points_pattern_in_plain_words(segment, frequency, expected):
    assert pattern_phrases(segment, frequency) == expected


@pytest.mark.parametrize(
    ("n", "word"),
    [(1, "first"), (7, "seventh"), (11, "eleventh"), (21, "21st"), (113, "113th")],
    ids=["1", "7", "11", "21", "113"],
)
def test_ordinals(n, word):
    assert ordinal(n) == word


# ---- property check: against an independent, straightforward reading of SPC.md -----------------------------


def reference(values, starts, baseline, screen, direction):
    """SPC.md version 2 read literally, point by point over windows: (mean, lower, upper, type, rules) per point."""
    rows = []
    bounds = list(zip(starts, [*starts[1:], len(values)], strict=True))
    for k, (a, b) in enumerate(bounds):
        seg = values[a:b]
        base = seg[:baseline] if (k == 0 and baseline) else seg
        mean = math.fsum(base) / len(base)
        ranges = [abs(base[i] - base[i - 1]) for i in range(1, len(base))]
        amr = math.fsum(ranges) / len(ranges)
        if screen and amr > 0:
            kept = [r for r in ranges if r < 3.267 * amr]
            amr = math.fsum(kept) / len(kept)
        upper, lower = mean + 2.66 * amr, mean - 2.66 * amr
        upper_near, lower_near = mean + 2 / 3 * 2.66 * amr, mean - 2 / 3 * 2.66 * amr

        def where(v, mean=mean):
            if abs(v - mean) <= 1e-9 * max(1, abs(mean)):
                return 0
            return 1 if v > mean else -1

        def beyond_near(v, s, upper_near=upper_near, lower_near=lower_near):
            return (s == 1 and v > upper_near) or (s == -1 and v < lower_near)

        n = len(seg)
        for i in range(n):
            fired = {}
            s = where(seg[i])
            if s != 0 and (seg[i] > upper or seg[i] < lower):
                fired["beyond_limits"] = s
            for start in range(i - 6, i + 1):  # windows of 7 holding i, earliest first: the later trend wins
                if start < 0 or start + 7 > n:
                    continue
                w = seg[start : start + 7]
                if all(w[j + 1] > w[j] for j in range(6)):
                    fired["trend"] = 1
                elif all(w[j + 1] < w[j] for j in range(6)):
                    fired["trend"] = -1
            for start in range(i - 2, i + 1):
                if start < 0 or start + 3 > n:
                    continue
                sides = {where(v) for v in seg[start : start + 3]}
                if len(sides) == 1 and 0 not in sides:
                    (t,) = sides
                    count = sum(beyond_near(v, t) for v in seg[start : start + 3])
                    if count >= 2 and beyond_near(seg[i], t):
                        fired["two_of_three"] = t
            for start in range(i - 6, i + 1):
                if start < 0 or start + 7 > n:
                    continue
                sides = {where(v) for v in seg[start : start + 7]}
                if len(sides) == 1 and 0 not in sides:
                    fired["shift"] = sides.pop()
            if not fired:
                kind = CC
            elif direction == "neutral":
                first = next(fired[r] for r in ("beyond_limits", "trend", "two_of_three", "shift") if r in fired)
                kind = HIGH if first == 1 else LOW
            else:
                good = 1 if direction == "increase" else -1
                kind = IMP if good in fired.values() else CON
            rows.append((mean, lower, upper, kind, ";".join(sorted(fired))))
    return rows


def random_series(rng: random.Random, n: int) -> list[float]:
    """A series of one of the shapes SPC meets: noise, counts with ties, decimals on the mean, steps, trends, turns
    between trends, flat stretches, spikes."""
    kind = rng.choice(["noise", "counts", "decimals", "step", "trend", "turns", "flat", "spikes", "on-mean"])
    level = rng.choice([0.0, 5.0, 50.3, 120.0, 1e6])
    if kind == "noise":
        return [level + rng.gauss(0, 3) for _ in range(n)]
    if kind == "counts":
        return [float(max(0, round(rng.gauss(level % 40 + 5, 3)))) for _ in range(n)]
    if kind == "decimals":
        return [round(level + rng.choice([-0.3, -0.2, -0.1, 0, 0, 0.1, 0.2, 0.3]), 1) for _ in range(n)]
    if kind == "step":
        at = rng.randrange(n)
        return [level + rng.gauss(0, 1) + (rng.choice([-6, 6]) if i >= at else 0) for i in range(n)]
    if kind == "trend":
        slope = rng.choice([-1, 1]) * rng.uniform(0.2, 2)
        return [level + slope * i + rng.gauss(0, 0.8) for i in range(n)]
    if kind == "turns":  # rises and falls of 5 to 9 points: trends that share their turning points
        out, up = [level], rng.random() < 0.5
        while len(out) < n:
            for _ in range(rng.randint(4, 8)):
                out.append(out[-1] + (1 if up else -1) * rng.choice([0.5, 1, 2]))
            up = not up
        return out[:n]
    if kind == "flat":
        return [level + (rng.choice([0, 0, 0, 1]) if rng.random() < 0.3 else 0) for _ in range(n)]
    if kind == "spikes":
        return [level + rng.gauss(0, 1) + (rng.choice([-25, 25]) if rng.random() < 0.1 else 0) for _ in range(n)]
    return [round(v, 1) for v in DECIMALS[: min(n, 19)]] + [50.3] * max(0, n - 19)


def random_case(rng: random.Random):
    n = rng.randint(2, 48)
    values = random_series(rng, n)
    periods = (months_of_year(2012) + months_of_year(2013) + months_of_year(2014) + months_of_year(2015))[:n]
    rebases = sorted(rng.sample(range(2, n - 1), k=min(rng.choice([0, 0, 1, 1, 2, 3]), max(0, n - 3)))) if n > 3 else []
    rebases = [r for i, r in enumerate(rebases) if i == 0 or r - rebases[i - 1] >= 2]  # segments of 2 or more
    baseline = rng.choice([None, None, 12, 15])
    m = measure(
        polarity=rng.choice(["higher", "lower", "monitor"]),
        spc_rebase=tuple(periods[i] for i in rebases),
        spc_baseline=baseline,
        spc_screen_outliers=rng.random() < 0.8,
    )
    return m, dict(zip(periods, values, strict=True)), periods, values, [0, *rebases]


SEEDS = range(20)


@pytest.mark.parametrize("seed", SEEDS, ids=[f"seed-{s}" for s in SEEDS])
def test_random_series_agree_with_an_independent_reading_of_the_rules(seed):
    """100 random series per seed (2,000 in all, about 1,250 with rebases), compared point by point."""
    rng = random.Random(seed)
    points = 0
    for case in range(100):
        m, series, periods, values, starts = random_case(rng)
        assert rebase_problem(periods, m.spc_rebase) == ""
        assert [a for a, _b in segment_bounds(periods, m.spc_rebase)] == starts
        direction = {"higher": "increase", "lower": "decrease", "monitor": "neutral"}[m.polarity]
        expected = reference(values, starts, m.spc_baseline, m.spc_screen_outliers, direction)
        frame = spc_for_measure(m, series, periods[-1]).frame
        got = list(
            zip(
                frame["mean"],
                frame["lower_limit"],
                frame["upper_limit"],
                frame["point_type"],
                frame["rules"],
                strict=True,
            )
        )
        for i, (g, e) in enumerate(zip(got, expected, strict=True)):
            assert g[3:] == e[3:] and g[:3] == pytest.approx(e[:3], rel=1e-12, abs=1e-9), (
                f"seed {seed}, series {case}, point {i} ({periods[i]}): got {g}, expected {e}; values {values}, "
                f"rebases {m.spc_rebase}, baseline {m.spc_baseline}, screening {m.spc_screen_outliers}, {direction}"
            )
        points += len(got)
    assert points > 100 * 2


# ---- the measure notebook's reviewer cell works the last point out again, by rule ---------------------------


def reviewer_spc_cell() -> str:
    """The source of the measure notebook's reviewer cell that checks ``spc.csv``."""
    from pathlib import Path

    import nbformat

    nb = nbformat.read(Path(__file__).resolve().parents[1] / "notebooks" / "measure.ipynb", as_version=4)
    return next(
        c.source
        for c in nb.cells
        if "reviewer" in c.metadata.get("tags", []) and c.cell_type == "code" and 'table("spc.csv")' in c.source
    )


class _Tables:
    def __init__(self, spc: pd.DataFrame):
        self.spc = spc

    def table(self, name: str) -> pd.DataFrame:
        assert name == "spc.csv"
        return self.spc


def run_reviewer_cell(m: Measure, frame: pd.DataFrame) -> pd.Series:
    scope = {"pd": pd, "data": _Tables(frame), "measure_id": m.id, "m": m}
    exec(compile(reviewer_spc_cell() + "\n_result = spc_check", "measure.ipynb", "exec"), scope)
    return scope["_result"]


@pytest.mark.parametrize("seed", range(3), ids=[f"seed-{s}" for s in range(3)])
def test_the_reviewer_cell_agrees_with_the_method_on_random_series(seed):
    rng = random.Random(1000 + seed)
    for _case in range(100):
        m, series, periods, _values, starts = random_case(rng)
        frame = spc_for_measure(m, series, periods[-1]).frame
        shown = run_reviewer_cell(m, frame)  # raises ValueError when it disagrees with spc.csv
        assert shown["segment from"] == periods[starts[-1]]
        assert shown["last point worked out here"] == frame["point_type"].iloc[-1]


@pytest.mark.parametrize(
    ("column", "value"),
    [("point_type", "special_cause_concern"), ("rules", "shift;trend"), ("mean", 1.0)],
    ids=["type", "rules", "mean"],
)
def test_the_reviewer_cell_stops_when_spc_csv_disagrees(column, value):
    m = measure(spc_baseline=12)
    frame = spc_for_measure(m, SHIFTED, "2016-03").frame
    assert run_reviewer_cell(m, frame)["rules worked out here"] == "shift"
    frame.loc[len(frame) - 1, column] = value
    with pytest.raises(ValueError, match=r"spc\.csv"):
        run_reviewer_cell(m, frame)
