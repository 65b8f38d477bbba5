"""What the dashboard, the measure pages and the strategic assessment share.

Holds the status cell (the register's words for a status, with its symbol),
the status counts and summary box of the Gloucester template, the target
sentence and the exception items of the Safer Plymouth report. Each is a pure
function of the quarter's tables (:class:`QuarterData`) returning escaped
:class:`Html` built with :mod:`analysis.report.html`. A section used by more
than one page belongs here; a section of one page belongs in that page's module
(``measure``, ``dashboard`` or ``assessment``).
"""

from __future__ import annotations

import pandas as pd

from analysis.core.formatting import number, percent, present
from analysis.core.periods import fy_short
from analysis.core.register import Measure
from analysis.core.vocabulary import STATUS_CODES as STATUS_ORDER
from analysis.core.vocabulary import STATUS_SHORT
from analysis.processed.quarter import QuarterData
from analysis.report.html import Html, bullets, element, paragraph, section, status_badge, table

POLARITY_WORDS = {"higher": "higher is better", "lower": "lower is better", "monitor": "monitoring only"}


def status_cell(data: QuarterData, status: str) -> Html:
    """A status in the register's words, with its symbol."""
    return status_badge(status, data.register.label(status) if status in STATUS_ORDER else status)


def measure_link(measure: Measure, prefix: str = "measures/") -> Html:
    """A link to a measure's page, its title as the text."""
    return element("a", measure.title, href=f"{prefix}{measure.id}.html")


def number_cell(value: object) -> str:
    """A number for a table cell; empty when there is none."""
    return number(value) if present(value) else ""


def status_counts(status: pd.DataFrame) -> dict[str, int]:
    """How many measures have each status, in the report's order, with the total.

    >>> status_counts(pd.DataFrame({"status": ["green", "red", "green"]}))
    {'achieved': 0, 'green': 2, 'amber': 0, 'red': 1, 'monitor': 0, 'no_data': 0, 'total': 3}
    """
    counts = {s: int((status["status"] == s).sum()) for s in STATUS_ORDER}
    counts["total"] = len(status)
    return counts


def summary_box(data: QuarterData) -> Html:
    """The summary box of the Gloucester template: how many measures at each status."""
    counts = status_counts(data.status)
    rows = [[status_badge(s, STATUS_SHORT[s]), counts[s]] for s in STATUS_ORDER]
    rows.append(["Total", counts["total"]])
    return section(
        "Summary",
        table(["Status", "Measures"], rows, caption=f"Measures by status, {data.quarter.label}"),
        cls="summary-box",
    )


def target_text(measure: Measure, row: pd.Series, fy: int) -> str:
    """What the measure is aiming for this year, in words (plain text)."""
    if not present(row["annual_target"]):
        return "No target: monitoring only"
    verb = "at least" if measure.polarity == "higher" else "not more than"
    unit = f" {measure.unit}" if measure.unit else ""
    return f"{fy_short(fy)} target: {verb} {number(row['annual_target'])}{unit}"


def exception_items(data: QuarterData, link_prefix: str = "measures/") -> Html:
    """Every amber and red measure with its figures and planned improvement."""
    items = []
    actions = data.table("action_plan.csv")
    for item in data.exceptions.itertuples():
        row = data.status_row(item.measure_id)
        m = data.register.measure(item.measure_id)
        plans = []
        if not actions.empty:
            linked = actions[(actions["measure_id"] == m.id) & (actions["improvement"] != "")]
            plans = [[a.improvement, f" (deadline {a.deadline})" if a.deadline else None] for a in linked.itertuples()]
        figures = (
            f"Year to date {number(row['ytd_actual'])} against a profiled target of {number(row['ytd_target'])}; "
            f"forecast {number(row['forecast'])} for the year; {percent(row['change_vs_last_year'])} on last year."
        )
        improvement = (
            [paragraph(element("strong", "Planned improvement:")), bullets(plans)]
            if plans
            else paragraph(element("strong", "Planned improvement:"), " none recorded in the action plan.")
        )
        items.append(
            element(
                "article",
                element("h3", measure_link(m, link_prefix)),
                paragraph(status_cell(data, row["status"]), " – ", target_text(m, row, data.quarter.fy)),
                paragraph(figures),
                paragraph(item.reason[0].upper() + item.reason[1:] + ".", class_="reason"),
                improvement,
                class_=f"exception exception-{row['status']}",
            )
        )
    body = items if items else paragraph("No measure is amber or red this quarter.")
    return section("Exception items", body, cls="exceptions")
