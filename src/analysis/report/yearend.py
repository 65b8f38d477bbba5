"""The year-end report's words and tables (quarter four: seed 000's "report on their progress against their
outcome"), shared by the dashboard, the measure pages, the theme groups' pages and the paper.

From the processed ``year_end.csv`` (:data:`analysis.processed.contract.YEAR_END`):
each measure achieved or not over the year, the year's figure against the annual
target and against last year, and its status at the end of each quarter.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from analysis.core.formatting import number, percent, present
from analysis.core.periods import Quarter, fy_short, period_name
from analysis.core.register import Measure
from analysis.core.vocabulary import YEAR_RESULT_BADGES, YEAR_RESULT_WORDS, YEAR_RESULTS
from analysis.processed.contract import YEAR_END
from analysis.processed.quarter import QuarterData
from analysis.report.common import measure_link
from analysis.report.html import Html, status_badge, table

YEAR_HEADER = ["Measure", "The year", "Q1", "Q2", "Q3", "Q4", "Year's figure", "Annual target", "Against target",
               "Last year", "Change on last year"]  # fmt: skip


def is_year_end(data: QuarterData) -> bool:
    """Whether the quarter's report is the year's (quarter four)."""
    return data.quarter.q == 4


def year_row(data: QuarterData, measure_id: str) -> dict | None:
    """The measure's row of ``year_end.csv``; ``None`` before quarter four."""
    rows = data.table(YEAR_END)
    rows = rows[rows["measure_id"] == measure_id] if not rows.empty else rows
    return None if rows.empty else rows.iloc[0].to_dict()


def result_cell(result: str) -> Html:
    """How the year ended, in words, with the symbol of the status it is shown as (never colour alone)."""
    return status_badge(YEAR_RESULT_BADGES[result], YEAR_RESULT_WORDS[result])


def year_words(data: QuarterData, m: Measure, row: dict) -> str:
    """The year's figure against its target and last year, in a sentence (plain text)."""
    fy = data.quarter.fy
    unit = f" {m.unit}" if m.unit else ""
    to = f" (to {period_name(row['period_end'])})" if present(row["period_end"]) else ""
    if not present(row["year_actual"]):
        return f"No figures for {fy_short(fy)}."
    text = f"{fy_short(fy)}{to}: {number(row['year_actual'])}{unit}"
    if present(row["annual_target"]):
        text += f" against an annual target of {number(row['annual_target'])} ({percent(row['against_target'])})"
    if present(row["last_year"]):
        text += f"; {number(row['last_year'])} the year before ({percent(row['change_vs_last_year'])})"
    return text + "."


def quarter_cells(row: dict) -> list[Html | str]:
    """The measure's status at the end of each quarter of the year, each in a word with its symbol."""
    return [status_badge(row[f"status_q{n}"]) if row[f"status_q{n}"] else "–" for n in range(1, 5)]


def year_table(data: QuarterData, measures: Iterable[Measure], caption: str, prefix: str = "measures/") -> Html:
    """The year of each measure: result, figures against target and last year, the quarters' statuses."""
    rows = []
    for m in measures:
        r = year_row(data, m.id)
        if r is None:
            continue
        rows.append(
            [measure_link(m, prefix), result_cell(r["result"]), *quarter_cells(r), number(r["year_actual"]),
             number(r["annual_target"]), percent(r["against_target"]), number(r["last_year"]),
             percent(r["change_vs_last_year"])]
        )  # fmt: skip
    return table(YEAR_HEADER, rows, caption=caption, numeric_from=6, classes="report-table year-table")


def results_line(data: QuarterData, measures: Iterable[Measure]) -> str:
    """How many of the measures ended the year each way, in a sentence.

    Plain text, like "Of 3 measures: 1 achieved, 1 not achieved and 1 monitored: no target."
    """
    found = [year_row(data, m.id) for m in measures]
    results = pd.Series([r["result"] for r in found if r is not None], dtype=str)
    shown = [
        f"{n} {YEAR_RESULT_WORDS[c].split(':')[0].lower()}" for c in YEAR_RESULTS if (n := int((results == c).sum()))
    ]
    if not shown:
        return "No measure has figures for the year."
    joined = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]
    return f"Of {len(results)} measure{'s' if len(results) != 1 else ''}: {joined}."


def year_label(quarter: Quarter) -> str:
    """The year a quarter-four report covers, as its headings write it: ``2015/16``."""
    return fy_short(quarter.fy)
