"""Incomplete measures in words: the returns still due, the quarter's own figure and the status history.

A measure with periods still due (``periods_missing`` in ``measure_status.csv``)
is shown as incomplete wherever its figures appear, and its figures are never
presented as the quarter's: when the quarter has no value of its own the
quarter figure reads "no return yet". These helpers give the words; the
sections of the dashboard and the measure page place them.
"""

from __future__ import annotations

import pandas as pd

from analysis.core.formatting import number, present
from analysis.core.periods import Quarter, fy_label, parse_quarter, period_name, periods_in_words
from analysis.core.vocabulary import JUDGED, NO_DATA, STATUS_WORDS
from analysis.processed.contract import STATUS_HISTORY
from analysis.processed.quarter import QuarterData
from analysis.report.common import status_cell
from analysis.report.html import Html, fragment

NO_RETURN = "no return yet"
INCOMPLETE = "(on incomplete data)"


def missing_periods(row: pd.Series | dict) -> list[str]:
    """The periods still due for the quarter, as ``measure_status.csv`` lists them.

    >>> missing_periods({"periods_missing": "2015-07;2015-09"}), missing_periods({"periods_missing": ""})
    (['2015-07', '2015-09'], [])
    """
    text = row.get("periods_missing", "")
    if not isinstance(text, str):
        return []
    return [p for p in text.split(";") if p]


in_words = periods_in_words  # periods in prose, joined with commas and "and"


def incomplete_note(row: pd.Series | dict) -> str:
    """What is still due and how far the figures go; ``""`` when the measure is complete.

    >>> incomplete_note({"periods_missing": "2015-09", "period_end": "2015-08"})
    'No return yet for September 2015; figures to August 2015.'
    >>> incomplete_note({"periods_missing": "2015-04", "period_end": ""})
    'No return yet for April 2015; no figures yet.'
    """
    missing = missing_periods(row)
    if not missing:
        return ""
    end = row.get("period_end", "")
    to = f"figures to {period_name(end)}" if isinstance(end, str) and end else "no figures yet"
    return f"No return yet for {in_words(missing)}; {to}."


def quarter_figure(row: pd.Series | dict) -> str:
    """The quarter's own figure, or "no return yet" when none of its periods has a value; "so far" while a
    return is still due, so that part of a quarter never reads as the whole.

    >>> quarter_figure({"quarter_actual": 612.0, "status": "green"}), quarter_figure({"quarter_actual": None})
    ('612', 'no return yet')
    >>> quarter_figure({"quarter_actual": 400.0, "periods_missing": "2015-09"})
    '400 so far'
    """
    value = row.get("quarter_actual")
    if not present(value):
        return NO_RETURN
    return f"{number(value)} so far" if missing_periods(row) else number(value)


NUMBER_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}


def behind_words(lag: int, frequency: str) -> str:
    """How far behind a measure's figures normally are, from its register's ``lag``.

    >>> behind_words(1, "monthly"), behind_words(2, "quarterly")
    ('one month behind', 'two quarters behind')
    """
    unit = "quarter" if frequency == "quarterly" else "month"
    return f"{NUMBER_WORDS.get(lag, str(lag))} {unit}{'' if lag == 1 else 's'} behind"


def _is(periods: list[str], singular: str, plural: str) -> str:
    return singular if len(periods) == 1 else plural


def data_statement(row: pd.Series | dict, quarter: Quarter) -> str:
    """How far the figures go and which returns are still due, in one statement; ``""`` when the figures reach
    the end of the quarter and nothing is due.

    A measure whose figures are normally behind (its ``lag``) says so, and which periods are therefore not
    yet due, in the same sentence as any return that is due: the two are never stated apart.

    >>> q2 = Quarter(2015, 2)
    >>> data_statement({"period_end": "2015-08", "periods_missing": "2015-09", "lag": 0, "frequency": "monthly"}, q2)
    'Figures to the end of August 2015; the return for September 2015 is still due.'
    >>> data_statement({"period_end": "2015-08", "periods_missing": "", "lag": 1, "frequency": "monthly"}, q2)
    "Figures to the end of August 2015: this measure's figures are normally one month behind, so September 2015 is not yet due."
    >>> data_statement({"period_end": "2015-07", "periods_missing": "2015-08", "lag": 1, "frequency": "monthly"}, q2)
    "Figures to the end of July 2015; the return for August 2015 is still due, and September 2015 is not yet due (this measure's figures are normally one month behind)."
    >>> data_statement({"period_end": "2015-09", "periods_missing": "2015-07", "lag": 0, "frequency": "monthly"}, q2)
    'Figures to the end of September 2015, but the return for July 2015 is still due.'
    >>> data_statement({"period_end": "2015-09", "periods_missing": "", "lag": 0, "frequency": "monthly"}, q2)
    ''
    """
    from analysis.core.periods import reporting_window

    end = row.get("period_end", "")
    end = end if isinstance(end, str) else ""
    missing = missing_periods(row)
    frequency = str(row.get("frequency") or "monthly")
    lag = int(row.get("lag") or 0) if present(row.get("lag")) else 0
    window = reporting_window(quarter, frequency)  # type: ignore[arg-type]
    later = [p for p in window if (not end or p > end) and p not in missing]  # after the period end, not yet due
    behind = behind_words(lag, frequency)
    due = (
        f"the return{_is(missing, '', 's')} for {in_words(missing)} {_is(missing, 'is', 'are')} still due"
        if missing
        else ""
    )
    if not end:
        return f"No figures yet: {due}." if due else ""
    to = f"Figures to the end of {period_name(end)}"
    if not missing and not later:
        return ""
    if not missing:
        return f"{to}: this measure's figures are normally {behind}, so {in_words(later)} {_is(later, 'is', 'are')} not yet due."
    if later and lag:
        return (
            f"{to}; {due}, and {in_words(later)} {_is(later, 'is', 'are')} not yet due "
            f"(this measure's figures are normally {behind})."
        )
    if end in (quarter.last_month, str(quarter)):
        return f"{to}, but {due}."
    return f"{to}; {due}."


def status_on_data(data: QuarterData, row: pd.Series | dict) -> Html:
    """The status in words and symbol, saying so when it rests on incomplete data."""
    badge = status_cell(data, row["status"])
    return fragment(badge, " ", INCOMPLETE) if missing_periods(row) and row["status"] != NO_DATA else badge


def quarter_name(quarter: str | Quarter) -> str:
    """A quarter as the history writes it.

    >>> quarter_name("2015-16-Q1")
    '2015-16 Q1'
    """
    q = parse_quarter(quarter)
    return f"{fy_label(q.fy)} Q{q.q}"


def history_rows(data: QuarterData, measure_id: str) -> pd.DataFrame:
    """The measure's rows of ``status_history.csv``, oldest first."""
    history = data.table(STATUS_HISTORY)
    if history.empty:
        return history
    rows = history[history["measure_id"] == measure_id]
    order = [parse_quarter(q) for q in rows["quarter"]]
    return rows.assign(_order=order).sort_values("_order").drop(columns="_order").reset_index(drop=True)


def previous_status(data: QuarterData, measure_id: str) -> str:
    """The measure's status in the quarter before this one; ``""`` when that quarter was not built."""
    rows = history_rows(data, measure_id)
    if rows.empty:
        return ""
    previous = rows[rows["quarter"] == str(data.quarter.previous)]
    return "" if previous.empty else str(previous.iloc[-1]["status"])


def direction(before: str, after: str, since: str) -> str:
    """The direction of travel between two statuses, in words.

    >>> direction("amber", "green", "2015-16 Q1")
    'Improved from amber to green since 2015-16 Q1.'
    >>> direction("green", "red", "2015-16 Q1")
    'Worsened from green to red since 2015-16 Q1.'
    >>> direction("green", "green", "2015-16 Q1")
    'Unchanged at green since 2015-16 Q1.'
    >>> direction("monitor", "green", "2015-16 Q1")
    'Changed from monitoring only to green since 2015-16 Q1.'
    """
    b, a = STATUS_WORDS.get(before, before), STATUS_WORDS.get(after, after)
    if before == after:
        return f"Unchanged at {a} since {since}."
    if before in JUDGED and after in JUDGED:
        if JUDGED.index(after) < JUDGED.index(before):
            return f"Improved from {b} to {a} since {since}."
        return f"Worsened from {b} to {a} since {since}."
    return f"Changed from {b} to {a} since {since}."
