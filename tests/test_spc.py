"""SPC as Making Data Count does it: limits, the four rules, point types and assurance, worked by hand."""

import math

import pytest

from analysis.core.periods import months_of_year, quarters_of_year
from analysis.core.register import Measure
from analysis.method.spc import (
    COLUMNS,
    Limits,
    beyond_limits,
    near_limit,
    per_period_target,
    point_types,
    shift,
    spc_for_measure,
    special_cause_flags,
    trend,
    two_of_three,
    xmr,
)
from analysis.method.spc import assurance as assurance_of

# Hand-made limits: mean 10, process limits 4 and 16, near limits 6 and 14.
LIM = Limits(mean=10, amr=0, lower_limit=4, upper_limit=16, lower_near=6, upper_near=14, trial=False)
T, F = True, False
ALTERNATING = [5, 7] * 6  # mean 6, every moving range 2


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
    # baseline: the alternating 12 (mean 6, amr 2); the jump to 20 and the points after are left out
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


# ---- the four rules -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [([10, 17, 10], [F, T, F]), ([3.9, 10], [T, F]), ([16, 4, 10], [F, F, F])],
    ids=["above-upper", "below-lower", "on-the-limits-is-inside"],
)
def test_rule1_beyond_limits(values, expected):
    assert beyond_limits(values, LIM) == expected


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([11] * 7, [T] * 7),
        ([9] * 7, [T] * 7),
        ([11] * 6, [F] * 6),
        ([11] * 3 + [10] + [11] * 3, [F] * 7),  # a point on the mean breaks the run
        ([9] + [11] * 8, [F] + [T] * 8),  # a longer run: every point
        ([11] * 4 + [9] * 3, [F] * 7),  # crossing the mean
        ([11] * 7 + [10] + [9] * 7, [T] * 7 + [F] + [T] * 7),
    ],
    ids=["7-above", "7-below", "6-is-not-enough", "on-mean-breaks", "8-all-flagged", "crossing", "two-runs"],
)
def test_rule2_shift(values, expected):
    assert shift(values, 10) == expected


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1, 2, 3, 4, 5, 6, 7], [T] * 7),
        ([7, 6, 5, 4, 3, 2, 1], [T] * 7),
        ([1, 2, 3, 4, 5, 6], [F] * 6),
        ([1, 2, 3, 3, 4, 5, 6], [F] * 7),  # a tie breaks the trend
        ([0, 1, 2, 3, 4, 5, 6, 7, 5], [T] * 8 + [F]),
        ([1, 2, 3, 4, 5, 6, 7, 6, 5, 4, 3, 2, 1], [T] * 13),  # the peak belongs to both
        ([1, 3, 2, 4, 3, 5, 4], [F] * 7),
    ],
    ids=["rising", "falling", "6-points", "tie-breaks", "8-rising-then-fall", "up-then-down", "zigzag"],
)
def test_rule3_trend(values, expected):
    assert trend(values) == expected


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([14, 14.5, 16, 16.5, 6, 5.5, 4, 3.5], [F, T, T, F, F, T, T, F]),
    ],
    ids=["near-limit-bands"],
)
def test_near_limit_band(values, expected):
    assert near_limit(values, LIM) == expected


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([10, 15, 11, 15, 10], [F, T, F, T, F]),
        ([11, 15, 15, 11], [F, T, T, F]),
        ([10, 15, 15, 10], [F, F, F, F]),  # every window of three has a point on the mean
        ([5, 9, 5], [T, F, T]),
        ([15, 9, 15], [F, F, F]),  # not all on one side of the mean
        ([15, 10, 15], [F, F, F]),  # a point on the mean is on neither side
        ([15, 17, 11], [F, F, F]),  # the point beyond the limit does not count
        ([15, 17, 15], [T, F, T]),  # ... but two near points around it still do
        ([14, 11, 14], [F, F, F]),  # on the near limit is not near
        ([16, 11, 16], [T, F, T]),  # on the process limit is near, not beyond
        ([15, 11, 12, 15], [F, F, F, F]),  # two near points four apart
        ([15, 15], [F, F]),  # fewer than three points
    ],
    ids=[
        "two-of-three-above",
        "two-together",
        "two-together-between-points-on-mean",
        "below",
        "sides-differ",
        "on-mean",
        "beyond-does-not-count",
        "beyond-in-the-middle",
        "on-near-limit",
        "on-limit",
        "too-far-apart",
        "short",
    ],
)
def test_rule4_two_of_three(values, expected):
    assert two_of_three(values, LIM) == expected


def test_rule4_point_beyond_the_limit_is_still_flagged_by_rule1():
    assert special_cause_flags([15, 17, 11], LIM) == [F, T, F]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([10, 11, 10, 9, 10], [F] * 5),
        ([10, 17, 10], [F, T, F]),
        ([12, 11, 12, 11, 12, 11, 12], [T] * 7),
        ([10, 15, 11, 15, 10], [F, T, F, T, F]),
    ],
    ids=["common-cause", "rule1", "rule2", "rule4"],
)
def test_special_cause_flags_combine_the_rules(values, expected):
    assert special_cause_flags(values, LIM) == expected


# ---- point types, variation and assurance --------------------------------------------------------

CC, IMP, CON = "common_cause", "special_cause_improvement", "special_cause_concern"
HIGH, LOW = "special_cause_neutral_high", "special_cause_neutral_low"


@pytest.mark.parametrize(
    ("direction", "expected"),
    [("increase", [CC, IMP, CC, CON, CC]), ("decrease", [CC, CON, CC, IMP, CC]), ("neutral", [CC, HIGH, CC, LOW, CC])],
    ids=["increase", "decrease", "neutral"],
)
def test_point_types_by_direction(direction, expected):
    assert point_types([10, 17, 10, 3, 10], LIM, direction) == expected


@pytest.mark.parametrize(
    ("direction", "on_mean"),
    [("increase", CON), ("decrease", CON), ("neutral", LOW)],
    ids=["increase", "decrease", "neutral"],
)
def test_flagged_point_on_the_mean(direction, on_mean):
    # a rising trend through the mean: the point exactly on it is on neither improving side
    types = point_types([7, 8, 9, 10, 11, 12, 13], LIM, direction)
    assert types[3] == on_mean


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
    assert list(frame.columns) == COLUMNS
    assert list(frame["period"]) == months_of_year(2014) + months_of_year(2015)
    assert set(frame["measure_id"]) == {"asb"}
    assert set(frame["mean"]) == {102.0}
    assert frame["lower_limit"].iloc[0] == pytest.approx(91.36)
    assert frame["upper_limit"].iloc[0] == pytest.approx(112.64)
    assert list(frame["point_type"]) == [CC] * 16 + [IMP] * 8
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
    # all 24 points: mean = (1224 + 508 + 672) / 24
    result = spc_for_measure(measure(), SHIFTED, "2016-03")
    assert result.limits.mean == pytest.approx(2404 / 24)


def test_period_end_cuts_the_history():
    result = spc_for_measure(measure(), SHIFTED, "2015-03")
    assert len(result.frame) == 12 and result.frame["period"].iloc[-1] == "2015-03"
    assert result.per_period_target is None and result.assurance is None  # no target for 2014-15


def test_target_comes_from_the_period_ends_year():
    m = measure(targets={2014: 2400, 2015: 1200})
    assert spc_for_measure(m, SHIFTED, "2016-03").per_period_target == 100
    assert spc_for_measure(m, SHIFTED, "2015-03").per_period_target == 200


def test_mean_measure_quarterly_trial_limits():
    # mean 71, amr 2: limits 65.68 to 76.32; the target 80 is above the upper limit: fail for higher
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
    assert on.frame.loc[7, "point_type"] == CON  # 40 is beyond 13.33 + 5.32


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
