"""The status method: year-to-date figures, profiled targets, forecasts and traffic lights.

This is section 3 of the contract, as small pure functions. A measure's series
is a mapping of period to value; nothing here reads or writes files.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from analysis.core.formatting import relative
from analysis.core.periods import (
    PERIODS_PER_YEAR,
    Quarter,
    fy_of_period,
    is_period,
    periods_of_year,
    reporting_window,
)
from analysis.core.register import Measure
from analysis.core.vocabulary import (
    ACHIEVED,
    AMBER,
    CUMULATIVE,
    GREEN,
    HIGHER,
    LAST,
    MONITOR,
    MONITORED,
    NO_DATA,
    RED,
    SUM,
)

Series = Mapping[str, float]

# Aggregations whose year to date is the value at the period end: a running total or a point-in-time figure.
AT_PERIOD_END = (CUMULATIVE, LAST)


def combine(values: Sequence[float], aggregation: str) -> float:
    """Combine a run of period values the way the measure is counted.

    A ``cumulative`` value is already the year's running total, and a ``last``
    value a point-in-time figure: both are taken at the final period.

    >>> combine([3, 4, 5], "sum"), combine([3, 4, 5], "last"), combine([3, 4, 5], "mean")
    (12.0, 5.0, 4.0)
    >>> combine([58, 122, 174], "cumulative")
    174.0
    """
    if not values:
        raise ValueError("nothing to combine")
    if aggregation == "sum":
        return float(math.fsum(values))
    if aggregation in AT_PERIOD_END:
        return float(values[-1])
    if aggregation == "mean":
        return float(math.fsum(values) / len(values))
    raise ValueError(f"unknown aggregation {aggregation!r}")


def year_to(series: Series, periods: Sequence[str], aggregation: str, complete: bool) -> float | None:
    """The combined value over ``periods``; ``None`` when the data are not there.

    With ``complete`` every period must have a value (last year's figures);
    otherwise the periods that have one are used (this year's, where a partner's
    return may be missing). ``cumulative`` and ``last`` take the value at the
    final period, so they always need it and nothing else.

    >>> year_to({"a": 1, "b": 2}, ["a", "b", "c"], "sum", complete=True) is None
    True
    >>> year_to({"a": 1, "c": 2}, ["a", "b", "c"], "sum", complete=False)
    3.0
    >>> year_to({"a": 6.5, "c": 18}, ["a", "b", "c"], "cumulative", complete=True)
    18.0
    """
    if not periods:
        return None
    if aggregation in AT_PERIOD_END:
        last = series.get(periods[-1])
        return None if last is None else float(last)
    values = [series[p] for p in periods if p in series]
    if not values or (complete and len(values) < len(periods)):
        return None
    return combine(values, aggregation)


def profiled_target(
    annual_target: float | None,
    k: int,
    n: int,
    aggregation: str,
    profile: str,
    last_year_ytd: float | None,
    last_year_total: float | None,
) -> float | None:
    """The target for the first ``k`` of ``n`` periods of the year.

    ``even`` spreads the target evenly; ``seasonal`` follows last year's pattern
    and falls back to even where last year is incomplete. For ``mean`` measures
    the target applies at every point of the year.

    >>> profiled_target(10064, 3, 12, "sum", "even", None, None)
    2516.0
    >>> profiled_target(1000, 1, 4, "sum", "seasonal", 300, 1200)
    250.0
    >>> profiled_target(1000, 1, 4, "sum", "seasonal", None, 1200)
    250.0
    >>> profiled_target(75, 2, 4, "mean", "even", None, None)
    75.0
    """
    if annual_target is None:
        return None
    if aggregation == "mean":
        return float(annual_target)
    if profile == "seasonal" and last_year_ytd is not None and last_year_total:
        return annual_target * last_year_ytd / last_year_total
    return annual_target * k / n


def forecast(
    ytd_actual: float,
    k: int,
    n: int,
    aggregation: str,
    last_year_ytd: float | None,
    last_year_total: float | None,
) -> float:
    """The projected year-end value.

    Last year's seasonal pattern where last year is complete and had activity by
    now; otherwise the run rate. A ``cumulative`` measure always goes by its run
    rate (the contract gives the seasonal projection for ``sum`` and ``last``
    only), and a ``mean`` measure forecasts its current mean.

    >>> round(forecast(2527, 3, 12, "sum", 2713, 10065))
    9375
    >>> forecast(100, 3, 12, "sum", None, None)
    400.0
    >>> forecast(174, 3, 12, "cumulative", 152, 617)
    696.0
    >>> forecast(62.5, 2, 4, "mean", 60, 61)
    62.5
    """
    if aggregation == "mean":
        return float(ytd_actual)
    if aggregation != "cumulative" and last_year_total is not None and last_year_ytd is not None and last_year_ytd > 0:
        return ytd_actual * last_year_total / last_year_ytd
    return ytd_actual * n / k


def rag(value: float, target: float, polarity: str, tolerance: float) -> str:
    """Green, amber or red for a value against a target.

    >>> rag(6181, 6587, "higher", 0.15), rag(2224, 2665, "higher", 0.15)
    ('amber', 'red')
    >>> rag(9375, 10064, "lower", 0.15), rag(0, 0, "lower", 0.15), rag(1, 0, "lower", 0.15)
    ('green', 'green', 'red')
    """
    margin = tolerance * abs(target)
    if polarity == "higher":
        if value >= target:
            return GREEN
        return AMBER if value >= target - margin else RED
    if value <= target:
        return GREEN
    return AMBER if value <= target + margin else RED


def meets(value: float, target: float, polarity: str) -> bool:
    """Whether a value meets a target in the measure's direction."""
    return value >= target if polarity == "higher" else value <= target


@dataclass(frozen=True)
class MeasureStatus:
    """The figures and status of one measure in one quarter (contract section 4)."""

    measure_id: str
    period_end: str | None
    ytd_actual: float | None
    ytd_target: float | None
    annual_target: float | None
    last_year_ytd: float | None
    last_year_total: float | None
    change_vs_last_year: float | None
    forecast: float | None
    status: str
    periods_elapsed: int = 0
    periods_in_year: int = 12
    quarter_actual: float | None = None
    last_year_quarter_actual: float | None = None
    periods_missing: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        """Whether every return due for the quarter is in (no ``periods_missing``)."""
        return not self.periods_missing


def decide_status(
    measure: Measure,
    *,
    ytd_actual: float,
    ytd_target: float | None,
    annual_target: float | None,
    forecast_value: float,
    last_period: bool,
) -> str:
    """The status rules 2-4 of the contract for a measure that has data.

    >>> m = Measure("x", "X", "P", polarity="higher", frequency="quarterly", targets={2015: 200})
    >>> decide_status(m, ytd_actual=58, ytd_target=50, annual_target=200, forecast_value=224,
    ...               last_period=False)
    'green'
    >>> decide_status(m, ytd_actual=201, ytd_target=150, annual_target=200, forecast_value=260,
    ...               last_period=False)
    'achieved'
    """
    if measure.polarity == MONITORED or annual_target is None:
        return MONITOR
    if measure.polarity == HIGHER and measure.aggregation in (SUM, CUMULATIVE, LAST) and ytd_actual >= annual_target:
        return ACHIEVED
    if last_period and meets(ytd_actual, annual_target, measure.polarity):
        return ACHIEVED
    if measure.status_method == "ytd":
        assert ytd_target is not None
        return rag(ytd_actual, ytd_target, measure.polarity, measure.amber_tolerance)
    return rag(forecast_value, annual_target, measure.polarity, measure.amber_tolerance)


def quarter_periods(quarter: Quarter, frequency: str) -> list[str]:
    """The quarter's own periods: its three months, or the quarter itself.

    >>> quarter_periods(Quarter(2015, 4), "monthly"), quarter_periods(Quarter(2015, 2), "quarterly")
    (['2016-01', '2016-02', '2016-03'], ['2015-16-Q2'])
    """
    per_quarter = PERIODS_PER_YEAR[frequency] // 4
    return reporting_window(quarter, frequency)[-per_quarter:]  # type: ignore[arg-type]


def periods_missing(series: Series, quarter: Quarter, frequency: str, lag: int = 0) -> tuple[str, ...]:
    """The returns still due: periods from the start of the year to the end of the quarter,
    less the last ``lag`` of them, that have no value.

    >>> s = {"2015-04": 1, "2015-06": 3}
    >>> periods_missing(s, Quarter(2015, 1), "monthly")
    ('2015-05',)
    >>> periods_missing({"2015-04": 1}, Quarter(2015, 1), "monthly", lag=2)
    ()
    >>> periods_missing({}, Quarter(2015, 2), "quarterly", lag=1)
    ('2015-16-Q1',)
    """
    window = reporting_window(quarter, frequency)  # type: ignore[arg-type]
    due = window[: max(len(window) - lag, 0)]
    return tuple(p for p in due if p not in series)


def returns_due(measure: Measure, series: Series, quarter: Quarter) -> tuple[str, ...]:
    """The measure's :func:`periods_missing`; none for a gap measure without a value in the year.

    A gap measure's values are computed by the ingest; a year with none has no gap
    areas (the year before it is not whole in the counts), so no value is due.

    >>> gap = Measure("gap", "Gap", "P", "lower", "monthly", gap_areas=10)
    >>> returns_due(gap, {}, Quarter(2023, 1)), returns_due(gap, {"2023-04": 1.5}, Quarter(2023, 1))
    ((), ('2023-05', '2023-06'))
    """
    if measure.is_gap and not any(p in series for p in periods_of_year(quarter.fy, measure.frequency)):
        return ()
    return periods_missing(series, quarter, measure.frequency, measure.lag)


def quarter_figures(
    series: Series, quarter: Quarter, frequency: str, aggregation: str, period_end: str | None
) -> tuple[float | None, float | None]:
    """``quarter_actual`` and ``last_year_quarter_actual`` (contract section 3).

    This quarter's own periods up to the period end, combined by the
    aggregation (empty when none has a value), and the same periods a year
    earlier (empty unless every one of them has a value). A ``cumulative``
    measure's quarter is its own increase (:func:`increase_in_quarter`).

    >>> s = {"2014-07": 10, "2014-08": 20, "2014-09": 30, "2015-07": 12, "2015-08": 18}
    >>> quarter_figures(s, Quarter(2015, 2), "monthly", "sum", "2015-08")
    (30.0, 30.0)
    >>> quarter_figures(s, Quarter(2015, 2), "monthly", "mean", "2015-08")
    (15.0, 15.0)
    >>> quarter_figures(s, Quarter(2015, 2), "monthly", "sum", None)
    (None, None)

    Hate incidents, a running total of the year: 174 by June and 335 by
    September give the second quarter's own 161 (last year: 292 less 152).

    >>> hate = {"2014-06": 152, "2014-07": 208, "2014-08": 247, "2014-09": 292,
    ...         "2015-06": 174, "2015-07": 230, "2015-08": 280, "2015-09": 335}
    >>> quarter_figures(hate, Quarter(2015, 2), "monthly", "cumulative", "2015-09")
    (161.0, 140.0)
    """
    if period_end is None:
        return None, None
    window = reporting_window(quarter, frequency)  # type: ignore[arg-type]
    so_far = window[: window.index(period_end) + 1]
    own = [p for p in quarter_periods(quarter, frequency) if p in so_far]
    values = [series[p] for p in own if p in series]
    if not values:
        return None, None
    last = quarter_periods(Quarter(quarter.fy - 1, quarter.q), frequency)[: len(own)]
    last_values = [series[p] for p in last if p in series]
    complete_last_year = len(last_values) == len(own)
    if aggregation == "cumulative":
        this_year = increase_in_quarter(series, quarter, frequency, own[-1])
        last_year = increase_in_quarter(series, Quarter(quarter.fy - 1, quarter.q), frequency, last[-1])
        return this_year, last_year if complete_last_year else None
    return combine(values, aggregation), combine(last_values, aggregation) if complete_last_year else None


def increase_in_quarter(series: Series, quarter: Quarter, frequency: str, period: str) -> float | None:
    """A running total's increase in the quarter up to ``period``: its value there less the year's
    value at the end of the quarter before (nothing to subtract in the first quarter).

    ``None`` when either value is missing: without the total at the end of the
    quarter before, the quarter's own figure is not known.

    >>> gap = {"2015-04": 6.5, "2015-06": 18, "2015-09": 31}
    >>> increase_in_quarter(gap, Quarter(2015, 1), "monthly", "2015-06")
    18.0
    >>> increase_in_quarter(gap, Quarter(2015, 2), "monthly", "2015-09")
    13.0
    >>> increase_in_quarter({"2015-09": 31}, Quarter(2015, 2), "monthly", "2015-09") is None
    True
    """
    value = series.get(period)
    if value is None:
        return None
    if quarter.q == 1:
        return float(value)
    before = series.get(quarter_periods(Quarter(quarter.fy, quarter.q - 1), frequency)[-1])
    return None if before is None else difference(value, before)


def increments(series: Series, frequency: str) -> dict[str, float]:
    """A running total of the year as each period's own increase on the period before.

    The first period of a financial year is its own increase; a period whose
    predecessor in the year has no value is left out (its increase is not
    known). SPC works on these increases, never on the running totals, which
    climb all year by construction.

    >>> increments({"2015-02": 551, "2015-03": 617, "2015-04": 58, "2015-05": 122, "2015-06": 174,
    ...             "2015-08": 280}, "monthly")
    {'2015-03': 66.0, '2015-04': 58.0, '2015-05': 64.0, '2015-06': 52.0}
    """
    out: dict[str, float] = {}
    for period in sorted(series):
        if not is_period(period, frequency):  # type: ignore[arg-type]
            continue
        year = periods_of_year(fy_of_period(period), frequency)  # type: ignore[arg-type]
        i = year.index(period)
        if i == 0:
            out[period] = float(series[period])
        elif year[i - 1] in series:
            out[period] = difference(series[period], series[year[i - 1]])
    return out


def difference(a: float, b: float) -> float:
    """``a - b`` worked in decimal on the figures as written, so that 19.6 less 13.5 is 6.1, not 6.100000000000001.

    >>> difference(19.6, 13.5), 19.6 - 13.5, difference(335, 174)
    (6.1, 6.100000000000001, 161.0)
    """
    return float(Decimal(repr(float(a))) - Decimal(repr(float(b))))


def measure_status(measure: Measure, series: Series, quarter: Quarter) -> MeasureStatus:
    """Every figure of the contract for one measure at the end of a quarter.

    >>> m = Measure("asb", "ASB", "ASB", polarity="lower", frequency="quarterly",
    ...             targets={2015: 100})
    >>> s = measure_status(m, {"2014-15-Q1": 30, "2014-15-Q2": 20, "2014-15-Q3": 20,
    ...                         "2014-15-Q4": 30, "2015-16-Q1": 24}, Quarter(2015, 1))
    >>> s.status, s.ytd_actual, s.last_year_ytd, s.forecast, round(s.change_vs_last_year, 2)
    ('green', 24.0, 30.0, 80.0, -0.2)
    """
    n = PERIODS_PER_YEAR[measure.frequency]
    window = reporting_window(quarter, measure.frequency)
    annual_target = measure.target(quarter.fy)
    last_year = periods_of_year(quarter.fy - 1, measure.frequency)
    last_year_total = year_to(series, last_year, measure.aggregation, complete=True)
    present = [p for p in window if p in series]
    missing = returns_due(measure, series, quarter)
    if not present:
        return MeasureStatus(
            measure.id, None, None, None, annual_target, None, last_year_total, None, None, NO_DATA, 0, n,
            periods_missing=missing,
        )  # fmt: skip
    period_end = present[-1]
    k = window.index(period_end) + 1
    ytd_actual = year_to(series, window[:k], measure.aggregation, complete=False)
    assert ytd_actual is not None
    last_year_ytd = year_to(series, last_year[:k], measure.aggregation, complete=True)
    change = relative(ytd_actual, last_year_ytd) if last_year_ytd else None  # in decimal: halves stay halves
    ytd_target = profiled_target(
        annual_target, k, n, measure.aggregation, measure.profile, last_year_ytd, last_year_total
    )
    projected = forecast(ytd_actual, k, n, measure.aggregation, last_year_ytd, last_year_total)
    status = decide_status(
        measure,
        ytd_actual=ytd_actual,
        ytd_target=ytd_target,
        annual_target=annual_target,
        forecast_value=projected,
        last_period=k == n,
    )
    quarter_actual, last_year_quarter_actual = quarter_figures(
        series, quarter, measure.frequency, measure.aggregation, period_end
    )
    return MeasureStatus(
        measure.id,
        period_end,
        ytd_actual,
        ytd_target,
        annual_target,
        last_year_ytd,
        last_year_total,
        change,
        projected,
        status,
        k,
        n,
        quarter_actual,
        last_year_quarter_actual,
        missing,
    )


def cumulative_rows(measure: Measure, series: Series, fy: int, complete: bool = False) -> list[dict]:
    """One row per period of a financial year: value, cumulative value and cumulative target.

    Cumulative values stop at the year's last reported period; the cumulative
    target runs through the whole year. With ``complete`` (a year used for
    comparison, as last year is) a cumulative value needs every period up to it,
    exactly as ``last_year_ytd`` does. A ``cumulative`` (or ``last``) measure's
    cumulative value is its value itself.

    >>> m = Measure("x", "X", "P", polarity="lower", frequency="quarterly", targets={2015: 100})
    >>> [(r["period"], r["cumulative_value"], r["cumulative_target"])
    ...  for r in cumulative_rows(m, {"2015-16-Q1": 20, "2015-16-Q2": 30}, 2015)][:3]
    [('2015-16-Q1', 20.0, 25.0), ('2015-16-Q2', 50.0, 50.0), ('2015-16-Q3', None, 75.0)]
    >>> c = Measure("x", "X", "P", polarity="lower", frequency="quarterly", aggregation="cumulative")
    >>> [r["cumulative_value"] for r in cumulative_rows(c, {"2015-16-Q1": 20, "2015-16-Q2": 50}, 2015)]
    [20.0, 50.0, None, None]
    """
    periods = periods_of_year(fy, measure.frequency)
    n = len(periods)
    last_year = periods_of_year(fy - 1, measure.frequency)
    last_year_total = year_to(series, last_year, measure.aggregation, complete=True)
    present = [i for i, p in enumerate(periods) if p in series]
    last_index = present[-1] if present else -1
    rows = []
    for i, period in enumerate(periods):
        k = i + 1
        cumulative = year_to(series, periods[:k], measure.aggregation, complete=complete) if i <= last_index else None
        ly_ytd = year_to(series, last_year[:k], measure.aggregation, complete=True)
        rows.append(
            {
                "measure_id": measure.id,
                "financial_year": fy,
                "period": period,
                "value": series.get(period),
                "cumulative_value": cumulative,
                "cumulative_target": profiled_target(
                    measure.target(fy), k, n, measure.aggregation, measure.profile, ly_ytd, last_year_total
                ),
            }
        )
    return rows
