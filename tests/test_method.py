"""Each rule of the contract's section 3, on small hand-made series."""

import pytest

from analysis.core.periods import Quarter, months_of_year, quarters_of_year
from analysis.core.register import Measure
from analysis.method.status import cumulative_rows, increments, measure_status


def measure(**kw) -> Measure:
    base = dict(id="m", title="M", priority="P", polarity="lower", frequency="monthly", targets={2015: 1200})
    base.update(kw)
    return Measure(**base)


def monthly(fy, values):
    return dict(zip(months_of_year(fy), values, strict=False))


def quarterly(fy, values):
    return dict(zip(quarters_of_year(fy), values, strict=False))


FLAT_LAST_YEAR = monthly(2014, [100] * 12)


@pytest.mark.parametrize(
    ("polarity", "this_year", "expected"),
    [
        ("lower", [100, 100, 100], "green"),  # forecast 1200 = target
        ("lower", [110, 110, 110], "amber"),  # forecast 1320, within 15%
        ("lower", [140, 140, 140], "red"),  # forecast 1680, beyond 15%
        ("higher", [100, 100, 100], "green"),
        ("higher", [90, 90, 90], "amber"),  # forecast 1080 >= 1020
        ("higher", [80, 80, 80], "red"),  # forecast 960 < 1020
        ("monitor", [140, 140, 140], "monitor"),
    ],
    ids=["lower-green", "lower-amber", "lower-red", "higher-green", "higher-amber", "higher-red", "monitor"],
)
def test_polarity_and_tolerance(polarity, this_year, expected):
    series = {**FLAT_LAST_YEAR, **monthly(2015, this_year)}
    assert measure_status(measure(polarity=polarity), series, Quarter(2015, 1)).status == expected


@pytest.mark.parametrize(
    ("tolerance", "expected"), [(0.15, "amber"), (0.05, "red")], ids=["within-15pc", "outside-5pc"]
)
def test_tolerance_override(tolerance, expected):
    series = {**FLAT_LAST_YEAR, **monthly(2015, [110, 110, 110])}
    assert measure_status(measure(amber_tolerance=tolerance), series, Quarter(2015, 1)).status == expected


@pytest.mark.parametrize(
    ("aggregation", "values", "ytd"),
    [
        ("sum", [1, 2, 3], 6.0),
        ("cumulative", [10, 25, 31], 31.0),
        ("last", [10, 25, 31], 31.0),
        ("mean", [70, 80, 90], 80.0),
    ],
    ids=["sum", "cumulative", "last", "mean"],
)
def test_aggregation(aggregation, values, ytd):
    result = measure_status(measure(aggregation=aggregation), monthly(2015, values), Quarter(2015, 1))
    assert result.ytd_actual == ytd


def test_mean_measure_target_and_forecast_are_the_annual_level():
    m = measure(aggregation="mean", polarity="higher", targets={2015: 75})
    result = measure_status(m, monthly(2015, [70, 80, 90]), Quarter(2015, 1))
    assert (result.ytd_target, result.forecast, result.status) == (75, 80, "green")


def test_quarterly_measure_uses_four_periods():
    m = measure(frequency="quarterly", targets={2015: 400})
    result = measure_status(m, quarterly(2015, [90]), Quarter(2015, 1))
    assert (result.ytd_target, result.forecast, result.periods_in_year) == (100, 360, 4)


def test_lagged_data_uses_the_latest_period_with_a_value():
    series = {**FLAT_LAST_YEAR, **monthly(2015, [120, 130])}
    result = measure_status(measure(), series, Quarter(2015, 1))
    assert result.period_end == "2015-05"
    assert (result.ytd_actual, result.last_year_ytd, result.ytd_target) == (250, 200, 200)


def test_no_value_in_the_window_is_no_data():
    result = measure_status(measure(), FLAT_LAST_YEAR, Quarter(2015, 1))
    assert result.status == "no_data" and result.ytd_actual is None and result.forecast is None
    assert result.last_year_total == 1200


def test_no_target_for_the_year_is_monitor_with_a_forecast():
    result = measure_status(measure(targets={2014: 5}), monthly(2015, [10, 10, 10]), Quarter(2015, 1))
    assert result.status == "monitor" and result.forecast == 120


def test_last_year_missing_falls_back_to_run_rate():
    result = measure_status(measure(), monthly(2015, [100, 110, 120]), Quarter(2015, 1))
    assert result.last_year_ytd is None and result.change_vs_last_year is None
    assert result.forecast == 330 * 12 / 3


def test_last_year_partial_gives_ytd_but_no_total():
    series = {**monthly(2014, [50, 50, 50, 50]), **monthly(2015, [60, 60, 60])}
    result = measure_status(measure(profile="seasonal"), series, Quarter(2015, 1))
    assert result.last_year_ytd == 150 and result.last_year_total is None
    assert result.forecast == 720  # run rate, because last year is incomplete
    assert result.ytd_target == 300  # seasonal falls back to even


def test_seasonal_profile_follows_last_year():
    series = {**monthly(2014, [200, 200, 200] + [100] * 9), **monthly(2015, [150, 150, 150])}
    result = measure_status(measure(profile="seasonal"), series, Quarter(2015, 1))
    assert result.ytd_target == pytest.approx(1200 * 600 / 1500)
    assert result.forecast == pytest.approx(450 * 1500 / 600)


@pytest.mark.parametrize(
    ("polarity", "values", "expected"),
    [("lower", [90] * 12, "achieved"), ("lower", [110] * 12, "amber"), ("higher", [110] * 12, "achieved")],
    ids=["lower-met-at-year-end", "lower-missed-at-year-end", "higher"],
)
def test_last_quarter_of_the_year(polarity, values, expected):
    series = {**FLAT_LAST_YEAR, **monthly(2015, values)}
    assert measure_status(measure(polarity=polarity), series, Quarter(2015, 4)).status == expected


def test_higher_count_achieved_before_year_end():
    m = measure(polarity="higher", frequency="quarterly", targets={2015: 200})
    assert measure_status(m, quarterly(2015, [150, 60]), Quarter(2015, 2)).status == "achieved"


def test_lower_is_not_achieved_before_year_end():
    series = {**FLAT_LAST_YEAR, **monthly(2015, [1, 1, 1])}
    assert measure_status(measure(), series, Quarter(2015, 1)).status == "green"


@pytest.mark.parametrize(
    ("polarity", "values", "expected"),
    [("lower", [0, 0, 0], "green"), ("lower", [1, 0, 0], "red"), ("higher", [0, 0, 0], "achieved")],
    ids=["lower-zero-met", "lower-zero-any-event-is-red", "higher-zero-always-achieved"],
)
def test_targets_of_zero(polarity, values, expected):
    m = measure(polarity=polarity, targets={2015: 0})
    assert measure_status(m, {**FLAT_LAST_YEAR, **monthly(2015, values)}, Quarter(2015, 1)).status == expected


def test_ytd_method_compares_with_the_profiled_target():
    series = {**monthly(2014, [200, 200, 200] + [0] * 9), **monthly(2015, [110, 110, 110])}
    forecast_view = measure_status(measure(), series, Quarter(2015, 1))
    ytd_view = measure_status(measure(status_method="ytd"), series, Quarter(2015, 1))
    assert forecast_view.status == "green"  # forecast 330 x 600/600 well under 1200
    assert ytd_view.status == "amber"  # 330 against 300, within 15%


def test_cumulative_rows_cover_the_whole_year_and_stop_at_the_last_value():
    rows = cumulative_rows(measure(), monthly(2015, [10, 20]), 2015)
    assert len(rows) == 12
    assert [r["cumulative_value"] for r in rows[:3]] == [10, 30, None]
    assert rows[-1]["cumulative_target"] == 1200


def test_last_years_cumulative_needs_every_period_as_last_year_ytd_does():
    partial = {**monthly(2014, [None, None, None, 50, 50]), **monthly(2015, [60, 60])}
    partial = {p: v for p, v in partial.items() if v is not None}
    last = cumulative_rows(measure(), partial, 2014, complete=True)
    this = cumulative_rows(measure(), partial, 2015)
    assert [r["cumulative_value"] for r in last[:5]] == [None] * 5
    assert [r["cumulative_value"] for r in this[:2]] == [60, 120]


# ---------------------------------------------------------------------------
# The quarter's own figures and the returns still due


@pytest.mark.parametrize(
    ("aggregation", "quarter", "expected"),
    [
        ("sum", 1, (60.0, 300.0)),
        ("last", 1, (30.0, 100.0)),
        ("mean", 1, (20.0, 100.0)),
        ("sum", 2, (150.0, 300.0)),
        ("sum", 3, (240.0, 300.0)),
        ("sum", 4, (330.0, 300.0)),
        ("mean", 4, (110.0, 100.0)),
    ],
    ids=["sum-q1", "last-q1", "mean-q1", "sum-q2", "sum-q3", "sum-q4-year-end", "mean-q4-year-end"],
)
def test_quarter_actual_of_a_monthly_measure(aggregation, quarter, expected):
    series = {**FLAT_LAST_YEAR, **monthly(2015, [10 * i for i in range(1, 13)])}
    s = measure_status(measure(aggregation=aggregation), series, Quarter(2015, quarter))
    assert (s.quarter_actual, s.last_year_quarter_actual) == expected
    assert s.periods_missing == ()


@pytest.mark.parametrize(
    ("quarter", "expected"),
    [(1, (40.0, 30.0)), (2, (50.0, 20.0)), (4, (70.0, 30.0))],
    ids=["q1", "q2", "q4-year-end"],
)
def test_quarter_actual_of_a_quarterly_measure(quarter, expected):
    series = {**quarterly(2014, [30, 20, 20, 30]), **quarterly(2015, [40, 50, 60, 70])}
    s = measure_status(measure(frequency="quarterly"), series, Quarter(2015, quarter))
    assert (s.quarter_actual, s.last_year_quarter_actual) == expected


def test_quarter_actual_stops_at_the_period_end_and_compares_the_same_months():
    series = {**FLAT_LAST_YEAR, "2014-07": 50, **monthly(2015, [10, 10, 10, 40, 60])}  # August is the period end
    s = measure_status(measure(lag=1), series, Quarter(2015, 2))
    assert s.period_end == "2015-08"
    assert (s.quarter_actual, s.last_year_quarter_actual) == (100.0, 150.0)  # Jul+Aug both years
    assert s.periods_missing == ()  # September is within the lag


@pytest.mark.parametrize(
    ("lag", "expected"),
    [(0, ("2015-08", "2015-09")), (1, ("2015-08",)), (2, ())],
    ids=["lag-0", "lag-1", "lag-2"],
)
def test_periods_missing_less_the_lag(lag, expected):
    series = {**FLAT_LAST_YEAR, **monthly(2015, [10, 10, 10, 10])}  # April to July
    s = measure_status(measure(lag=lag), series, Quarter(2015, 2))
    assert s.periods_missing == expected
    assert s.complete is (expected == ())


def test_a_month_missing_in_the_middle_is_due_and_the_figures_still_use_the_rest():
    series = {**FLAT_LAST_YEAR, "2015-04": 10, "2015-06": 30, "2015-07": 5, "2015-08": 5, "2015-09": 5}
    s = measure_status(measure(lag=1), series, Quarter(2015, 2))
    assert s.periods_missing == ("2015-05",)
    assert s.ytd_actual == 55.0 and s.period_end == "2015-09"


def test_no_value_for_the_quarter_itself_leaves_the_quarter_actual_empty():
    series = {**FLAT_LAST_YEAR, **monthly(2015, [10, 10, 10])}
    s = measure_status(measure(), series, Quarter(2015, 2))
    assert s.period_end == "2015-06"
    assert (s.quarter_actual, s.last_year_quarter_actual) == (None, None)
    assert s.periods_missing == ("2015-07", "2015-08", "2015-09")


def test_last_years_quarter_needs_every_period():
    series = {"2014-04": 1, "2014-06": 3, **monthly(2015, [10, 10, 10])}
    s = measure_status(measure(), series, Quarter(2015, 1))
    assert (s.quarter_actual, s.last_year_quarter_actual) == (30.0, None)


@pytest.mark.parametrize(
    ("frequency", "lag", "expected"),
    [
        ("monthly", 0, tuple(months_of_year(2015)[:6])),
        ("quarterly", 0, ("2015-16-Q1", "2015-16-Q2")),
        ("quarterly", 1, ("2015-16-Q1",)),
    ],
    ids=["monthly", "quarterly", "quarterly-lag-1"],
)
def test_no_data_lists_every_period_due(frequency, lag, expected):
    s = measure_status(measure(frequency=frequency, lag=lag), {}, Quarter(2015, 2))
    assert s.status == "no_data" and s.periods_missing == expected and s.quarter_actual is None


def test_the_years_last_quarter_with_a_lagged_march_is_due_next_year():
    series = {**FLAT_LAST_YEAR, **monthly(2015, [100] * 11)}  # March not yet in
    s = measure_status(measure(lag=1), series, Quarter(2015, 4))
    assert s.periods_missing == () and s.period_end == "2016-02"
    assert (s.quarter_actual, s.last_year_quarter_actual) == (200.0, 200.0)
    assert measure_status(measure(lag=0), series, Quarter(2015, 4)).periods_missing == ("2016-03",)


# ---------------------------------------------------------------------------
# Running totals of the year (aggregation cumulative)

# Hate incidents, Safer Plymouth: the report's running totals of 2014-15, and 2015-16 to September
# (to June from seed 003; 335 at the end of September, so quarter two's own figure is 161).
HATE_LAST_YEAR = monthly(2014, [55, 109, 152, 208, 247, 292, 354, 408, 456, 504, 551, 617])
HATE = {**HATE_LAST_YEAR, **monthly(2015, [58, 122, 174, 230, 283, 335])}


def hate(**kw) -> Measure:
    return measure(**{"polarity": "higher", "aggregation": "cumulative", "targets": {2015: 621}, **kw})


@pytest.mark.parametrize(
    ("quarter", "ytd", "last_year_ytd", "own", "last_year_own"),
    [(1, 174.0, 152.0, 174.0, 152.0), (2, 335.0, 292.0, 161.0, 140.0)],
    ids=["q1-nothing-to-subtract", "q2-increase-on-june"],
)
def test_cumulative_year_to_date_is_the_value_and_the_quarter_its_increase(
    quarter, ytd, last_year_ytd, own, last_year_own
):
    s = measure_status(hate(), HATE, Quarter(2015, quarter))
    assert (s.ytd_actual, s.last_year_ytd, s.last_year_total) == (ytd, last_year_ytd, 617.0)
    assert (s.quarter_actual, s.last_year_quarter_actual) == (own, last_year_own)


def test_cumulative_quarter_stops_at_a_lagged_period_end():
    series = {k: v for k, v in HATE.items() if k != "2015-09"}
    s = measure_status(hate(lag=1), series, Quarter(2015, 2))
    assert s.period_end == "2015-08" and s.ytd_actual == 283.0
    assert (s.quarter_actual, s.last_year_quarter_actual) == (283.0 - 174, 247.0 - 152)


def test_cumulative_quarter_is_unknown_without_the_total_at_the_end_of_the_quarter_before():
    series = {k: v for k, v in HATE.items() if k not in ("2015-06", "2014-06")}
    s = measure_status(hate(), series, Quarter(2015, 2))
    assert s.ytd_actual == 335.0  # the year to date needs only the period end
    assert (s.quarter_actual, s.last_year_quarter_actual) == (None, None)
    assert s.periods_missing == ("2015-06",)


def test_cumulative_forecast_is_the_run_rate_even_with_last_year_complete():
    s = measure_status(hate(), HATE, Quarter(2015, 2))
    assert s.forecast == 335 * 12 / 6  # not 335 x 617 / 292, last year's pattern
    assert s.ytd_target == pytest.approx(621 * 6 / 12)
    assert s.status == "green"
    seasonal = measure_status(hate(profile="seasonal"), HATE, Quarter(2015, 2))
    assert seasonal.ytd_target == pytest.approx(621 * 292 / 617)


def test_higher_cumulative_count_is_achieved_once_the_total_reaches_the_target():
    s = measure_status(hate(targets={2015: 300}), HATE, Quarter(2015, 2))
    assert s.status == "achieved"


def test_cumulative_gap_between_rates_keeps_the_report_figures():
    # Seed 003: the gap was 6.5, 12.6 and 18 by June against last year's 6.9, 13.5 and 19.6.
    gap = monthly(2014, [6.9, 13.5, 19.6, 26.4, 32.5, 39.3, 45.8, 52.2, 58.4, 64.2, 70.6, 77.4])
    gap |= monthly(2015, [6.5, 12.6, 18])
    m = measure(aggregation="cumulative", targets={2015: 77.3})
    s = measure_status(m, gap, Quarter(2015, 1))
    assert (s.ytd_actual, s.last_year_ytd, s.quarter_actual, s.forecast, s.status) == (18, 19.6, 18, 72, "green")
    assert s.ytd_target == pytest.approx(19.325)


def test_cumulative_series_rows_hold_the_values_themselves():
    rows = cumulative_rows(hate(), HATE, 2015)
    assert [r["cumulative_value"] for r in rows[:7]] == [58, 122, 174, 230, 283, 335, None]
    assert [r["value"] for r in rows[:6]] == [58, 122, 174, 230, 283, 335]


@pytest.mark.parametrize(
    ("series", "expected"),
    [
        ({"2015-04": 58, "2015-05": 122, "2015-06": 174}, {"2015-04": 58, "2015-05": 64, "2015-06": 52}),
        ({"2015-03": 617, "2015-04": 58}, {"2015-04": 58}),  # a new year starts again; March's February is unknown
        ({"2015-04": 58, "2015-06": 174}, {"2015-04": 58}),  # June's increase needs May
        ({"2014-15-Q4": 617, "2015-16-Q1": 174, "2015-16-Q2": 335}, {"2015-16-Q1": 174, "2015-16-Q2": 161}),
    ],
    ids=["months", "year-boundary", "gap-in-the-year", "quarters"],
)
def test_increments_for_spc(series, expected):
    frequency = "quarterly" if "Q" in next(iter(series)) else "monthly"
    assert increments(series, frequency) == expected
