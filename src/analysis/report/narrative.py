"""Drafted sentences in the report's own style, for the analyst to keep or edit.

The Safer Plymouth report writes, for example: "In quarter one there have been
525 referrals to the domestic abuse service. This is 104 referrals less than the
same period in 2014/15." These functions draft the same from the figures.
"""

from __future__ import annotations

from collections.abc import Sequence

from analysis.core.formatting import number, percent, present, relative
from analysis.core.periods import Quarter, fy_short, parse_quarter, period_name
from analysis.core.vocabulary import ACHIEVED, AMBER, GREEN, MONITOR, NO_DATA, RED
from analysis.method.status import quarter_periods
from analysis.report.returns import in_words, missing_periods
from analysis.report.verdict import SO_FAR, against

_QUARTER_WORDS = ("one", "two", "three", "four")


def _lagging(period_end: str, quarter: Quarter) -> bool:
    return period_end not in (quarter.last_month, str(quarter))


def to_come(missing: Sequence[str]) -> str:
    """The returns still due, as a clause: "September 2015 still to come".

    >>> to_come(["2015-08", "2015-09"])
    'August 2015 and September 2015 still to come'
    """
    return f"{in_words(list(missing))} still to come"


def when(quarter: Quarter, period_end: str, missing: Sequence[str] = ()) -> str:
    """How a sentence about the quarter opens: which quarter, how far its figures go, and what is still to come.

    >>> when(Quarter(2015, 2), "2015-09"), when(Quarter(2015, 2), "2015-08")
    ('In quarter two', 'In quarter two (to the end of August 2015)')
    >>> when(Quarter(2015, 2), "2015-08", ["2015-09"])
    'In quarter two so far (to the end of August 2015, with September 2015 still to come)'
    >>> when(Quarter(2015, 2), "2015-09", ["2015-07"])
    'In quarter two so far (July 2015 still to come)'
    """
    text = f"In quarter {_QUARTER_WORDS[quarter.q - 1]}"
    lagging = _lagging(period_end, quarter)
    if missing:
        if lagging:
            return f"{text} so far (to the end of {period_name(period_end)}, with {to_come(missing)})"
        return f"{text} so far ({to_come(missing)})"
    return f"{text} (to the end of {period_name(period_end)})" if lagging else text


def opening(
    quarter: Quarter, period_end: str, ytd: float, unit: str, aggregation: str, missing: Sequence[str] = ()
) -> str:
    """The first sentence: what has happened so far this year.

    >>> opening(Quarter(2015, 1), "2015-16-Q1", 525, "referrals", "sum")
    'In quarter one there have been 525 referrals.'
    >>> opening(Quarter(2015, 1), "2015-05", 391, "offences", "sum")
    'In quarter one (to the end of May 2015) there have been 391 offences.'
    >>> opening(Quarter(2015, 2), "2015-09", 81.5, "% satisfied", "mean")
    'In quarter two the average so far this year is 81.5 % satisfied.'
    """
    start = when(quarter, period_end, missing)
    unit_text = f" {unit}" if unit else ""
    if aggregation == "mean":
        return f"{start} the average so far this year is {number(ytd)}{unit_text}."
    if aggregation in ("cumulative", "last") and unit.startswith(("crimes per", "rate", "%")):
        return f"{start} the figure is {number(ytd)}{unit_text}."
    return f"{start} there have been {number(ytd)}{unit_text}."


def comparison(ytd: float, last_year_ytd: float | None, unit: str, fy: int) -> str:
    """The second sentence: the difference from the same period last year.

    >>> comparison(525, 629, "referrals", 2015)
    'This is 104 referrals less than the same period in 2014/15 (-16.5%).'
    >>> comparison(391, 334, "offences", 2015)
    'This is 57 offences more than the same period in 2014/15 (+17.1%).'
    >>> comparison(10, 10, "", 2015)
    'This is the same as the same period in 2014/15.'
    >>> comparison(10, None, "", 2015)
    'There are no figures for the same period in 2014/15 to compare with.'
    """
    last = fy_short(fy - 1)
    if not present(last_year_ytd):
        return f"There are no figures for the same period in {last} to compare with."
    diff = ytd - float(last_year_ytd)  # type: ignore[arg-type]
    if diff == 0:
        return f"This is the same as the same period in {last}."
    word = "more" if diff > 0 else "less"
    unit_text = f" {unit}" if unit else ""
    change = f" ({percent(relative(ytd, float(last_year_ytd)))})" if last_year_ytd else ""  # type: ignore[arg-type]
    return f"This is {number(abs(diff))}{unit_text} {word} than the same period in {last}{change}."


def outlook(
    status: str,
    quarter: Quarter,
    annual_target: float | None,
    forecast: float | None,
    polarity: str,
    missing: Sequence[str] = (),
) -> str:
    """The third sentence: what the status means for the year; never "on course" while returns are still due.

    >>> outlook("red", Quarter(2015, 1), 2665, 2224.4, "higher")
    'As a result at the end of quarter one we are off target: the year-end forecast of 2,224 is 16.5% short of the target of 2,665.'
    >>> outlook("green", Quarter(2015, 1), 200, 224.3, "higher")
    'At the end of quarter one we are on course to achieve the target of 200.'
    >>> outlook("green", Quarter(2015, 2), 77.3, 62.0, "lower", ["2015-09"])
    'On the figures received so far (September 2015 still to come), the year-end forecast of 62 is 19.8% under the target of 77.3; the status may change when the rest arrive.'
    """
    end = f"the end of quarter {_QUARTER_WORDS[quarter.q - 1]}"
    target = number(annual_target)
    if status == NO_DATA:
        return f"No figures have been reported for quarter {_QUARTER_WORDS[quarter.q - 1]} yet."
    if status == MONITOR:
        lead = f"{SO_FAR} ({to_come(missing)}), the" if missing else "This measure is monitored without a target; the"
        return f"{lead} year-end forecast is {number(forecast)}."
    if status == ACHIEVED:
        done = f"the target of {target} has been achieved."
        return f"{SO_FAR} ({to_come(missing)}), {done}" if missing else done[0].upper() + done[1:]
    where = (
        against(float(forecast), float(annual_target), polarity)  # type: ignore[arg-type]
        if present(forecast) and present(annual_target)
        else "against"
    )
    forecast_text = f"the year-end forecast of {number(forecast)} is {where} the target of {target}"
    if missing:
        after = {
            GREEN: "; the status may change when the rest arrive.",
            AMBER: ", within the tolerance band: some concern, which may change when the rest arrive.",
            RED: ", beyond the tolerance band: off target, unless the returns still to come change it.",
        }[status]
        return f"{SO_FAR} ({to_come(missing)}), {forecast_text}{after}"
    if status == GREEN:
        return f"At {end} we are on course to achieve the target of {target}."
    if status == AMBER:
        return f"At {end} there is some concern: {forecast_text}, within the tolerance band."
    return f"As a result at {end} we are off target: {forecast_text}."


def _unit(unit: str) -> str:
    return f" {unit}" if unit else ""


def _is_rate(unit: str, aggregation: str) -> bool:
    return aggregation == "mean" or (
        aggregation in ("cumulative", "last") and unit.startswith(("crimes per", "rate", "%"))
    )


def quarter_sentence(
    quarter: Quarter,
    period_end: str,
    quarter_actual: float | None,
    last_year_quarter_actual: float | None,
    unit: str,
    aggregation: str,
    missing: Sequence[str] = (),
) -> str:
    """The quarter's own figure against the same quarter of last year (quarters two to four).

    While a return is still due the figure is the quarter's so far, never the quarter's; last year's is given
    beside it only for the same months.

    >>> quarter_sentence(Quarter(2015, 2), "2015-09", 612, 727, "referrals", "sum")
    'In quarter two there have been 612 referrals, against 727 in the same quarter of 2014/15.'
    >>> quarter_sentence(Quarter(2015, 2), "2015-08", 400, None, "offences", "sum")
    'In quarter two (to the end of August 2015) there have been 400 offences.'
    >>> quarter_sentence(Quarter(2015, 2), "2015-08", None, 10, "offences", "sum")
    'There is no return yet for quarter two: none of its periods has a figure.'
    >>> quarter_sentence(Quarter(2015, 2), "2015-09", 400, 600, "offences", "sum", ["2015-07"])
    'In quarter two so far (July 2015 still to come) there have been 400 offences.'
    """
    name = _QUARTER_WORDS[quarter.q - 1]
    if not present(quarter_actual):
        return f"There is no return yet for quarter {name}: none of its periods has a figure."
    lagging = _lagging(period_end, quarter)
    start = when(quarter, period_end, missing)
    own = [p for p in quarter_periods(quarter, "quarterly" if "-Q" in period_end else "monthly") if p <= period_end]
    if any(p in missing for p in own):  # a gap inside the quarter's own periods: last year's are not the same months
        last_year_quarter_actual = None
    if _is_rate(unit, aggregation):
        if aggregation == "cumulative":  # a running total: the quarter's own increase
            moved = "rose" if float(quarter_actual) >= 0 else "fell"  # type: ignore[arg-type]
            text = f"{start} the figure {moved} by {number(abs(float(quarter_actual)))}{_unit(unit)}"  # type: ignore[arg-type]
        else:
            text = f"{start} the {'average' if aggregation == 'mean' else 'figure'} is {number(quarter_actual)}{_unit(unit)}"
    else:
        text = f"{start} there have been {number(quarter_actual)}{_unit(unit)}"
    if present(last_year_quarter_actual):
        same = "the same months" if lagging else "the same quarter"
        text += f", against {number(last_year_quarter_actual)} in {same} of {fy_short(quarter.fy - 1)}"
    return text + "."


def year_to_date_sentence(
    ytd: float,
    last_year_ytd: float | None,
    unit: str,
    aggregation: str,
    fy: int,
    through: str = "",
    incomplete: bool = False,
) -> str:
    """The year to date and its difference from the same period last year (quarters two to four).

    >>> year_to_date_sentence(1137, 1356, "referrals", "sum", 2015)
    'The year to date is 1,137 referrals, 219 fewer than the same period in 2014/15 (-16.2%).'
    >>> year_to_date_sentence(81.5, 80, "%", "mean", 2015)
    'The average for the year to date is 81.5 %, 1.5 higher than the same period in 2014/15 (+1.9%).'
    >>> year_to_date_sentence(10, None, "", "sum", 2015)
    'The year to date is 10; there are no figures for the same period in 2014/15 to compare with.'
    >>> year_to_date_sentence(525, 629, "referrals", "sum", 2015, through="2015-16-Q1")[:62]
    'The year to date (to the end of quarter one 2015/16) is 525 re'
    >>> year_to_date_sentence(900, 800, "offences", "sum", 2015, through="2015-08", incomplete=True)[:72]
    'The year to date on the figures received so far (to the end of August 20'
    """
    last = fy_short(fy - 1)
    rate = _is_rate(unit, aggregation)
    to = f" (to the end of {period_name(through)})" if through else ""
    so_far = " on the figures received so far" if incomplete else ""
    text = f"The {'average for the ' if aggregation == 'mean' else ''}year to date{so_far}{to} is {number(ytd)}{_unit(unit)}"
    if not present(last_year_ytd):
        return f"{text}; there are no figures for the same period in {last} to compare with."
    diff = ytd - float(last_year_ytd)  # type: ignore[arg-type]
    if diff == 0:
        return f"{text}, the same as the same period in {last}."
    word = ("higher" if diff > 0 else "lower") if rate else ("more" if diff > 0 else "fewer")
    change = f" ({percent(relative(ytd, float(last_year_ytd)))})" if last_year_ytd else ""  # type: ignore[arg-type]
    return f"{text}, {number(abs(diff))} {word} than the same period in {last}{change}."


def draft(row: dict, quarter: str | Quarter, unit: str = "") -> str:
    """The drafted paragraph for one measure from its row of ``measure_status.csv``.

    In quarter one the quarter and the year to date are the same, so the figure
    is given once; later quarters give the quarter's own figure
    (``quarter_actual``) against the same quarter last year, then the year to
    date. A point-in-time series (aggregation ``last``) has one figure, the
    latest, so it too is given once; a running total (``cumulative``) has the
    quarter's own increase and the year to date, as counts have.

    >>> row = dict(period_end="2015-16-Q1", ytd_actual=525.0, last_year_ytd=629.0, status="red",
    ...            annual_target=2665.0, forecast=2224.4, polarity="higher", aggregation="sum")
    >>> draft(row, "2015-16-Q1", "referrals")[:114]
    'In quarter one there have been 525 referrals. This is 104 referrals less than the same period in 2014/15 (-16.5%).'
    """
    q = parse_quarter(quarter)
    if row["status"] == NO_DATA or not present(row.get("ytd_actual")):
        return outlook(NO_DATA, q, None, None, row.get("polarity", ""))
    aggregation = row.get("aggregation", "sum") or "sum"
    missing = missing_periods(row)
    own = present(row["quarter_actual"]) if "quarter_actual" in row else True
    if own and (q.q == 1 or aggregation == "last"):
        sentences = [opening(q, row["period_end"], row["ytd_actual"], unit, aggregation, missing)]
        sentences.append(comparison(row["ytd_actual"], row.get("last_year_ytd"), unit, q.fy))
    else:
        sentences = [
            quarter_sentence(
                q,
                row["period_end"],
                row.get("quarter_actual"),
                row.get("last_year_quarter_actual"),
                unit,
                aggregation,
                missing,
            ),
            year_to_date_sentence(
                row["ytd_actual"],
                row.get("last_year_ytd"),
                unit,
                aggregation,
                q.fy,
                row["period_end"] if _lagging(row["period_end"], q) else "",
                incomplete=bool(missing),
            ),
        ]
    sentences.append(
        outlook(row["status"], q, row.get("annual_target"), row.get("forecast"), row.get("polarity", ""), missing)
    )
    return " ".join(sentences)
