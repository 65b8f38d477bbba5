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
from analysis.core.periods import Quarter, fy_label, parse_quarter, period_name
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


def in_words(periods: list[str]) -> str:
    """Periods in prose, joined with commas and "and".

    >>> in_words(["2015-07"]), in_words(["2015-07", "2015-08", "2015-09"])
    ('July 2015', 'July 2015, August 2015 and September 2015')
    """
    names = [period_name(p) for p in periods]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


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
    """The quarter's own figure, or "no return yet" when none of its periods has a value.

    >>> quarter_figure({"quarter_actual": 612.0, "status": "green"}), quarter_figure({"quarter_actual": None})
    ('612', 'no return yet')
    """
    value = row.get("quarter_actual")
    return number(value) if present(value) else NO_RETURN


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
