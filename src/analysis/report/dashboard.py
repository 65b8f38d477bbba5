"""The sections of the quarter's dashboard (front page): title, summary, measures by priority, exceptions, changes.

Each section is a pure function ``section(data: QuarterData) -> Html`` of the
quarter's processed tables, built with :mod:`analysis.report.html` so every
text is escaped. The dashboard notebook makes a :class:`Dashboard` with
:func:`dashboard` and calls its methods, which delegate to these functions.
To add a section, write a function here taking ``data``, add a method of the
same name to :class:`Dashboard`, list it in :data:`SECTIONS` and call it from
``notebooks/dashboard.ipynb``. Note that ``analysis.report.dashboard`` is the
notebook's factory function; import this module's functions with
``from analysis.report.dashboard import measures``.
"""

from __future__ import annotations

from dataclasses import dataclass

from analysis.core.formatting import number, percent
from analysis.processed.quarter import QuarterData, load_quarter
from analysis.report.common import exception_items, measure_link, sources_note, status_cell, summary_box
from analysis.report.html import Html, bullets, element, paragraph, section, table
from analysis.report.variation import disagreement, variation_badge

HEADER = [
    "Measure",
    "Lead",
    "Status",
    "SPC variation",
    "Year to date",
    "Profiled target",
    "Annual target",
    "Change on last year",
]


def title(data: QuarterData) -> Html:
    """The partnership and the quarter."""
    text = f"{data.register.partnership}: performance report for {data.quarter.label} ({data.quarter})"
    return element("header", paragraph(text, class_="subtitle"), sources_note(data, "actuals.csv"))


def summary(data: QuarterData) -> Html:
    """How many measures at each status."""
    return summary_box(data)


def measures(data: QuarterData) -> Html:
    """Seed 001's target dashboard: measures grouped by priority, linking to their pages."""
    parts = []
    for priority in data.register.priorities:
        rows = []
        for m in (m for m in data.register.measures if m.priority == priority):
            r = data.status_row(m.id)
            rows.append(
                [
                    measure_link(m),
                    m.lead or "–",
                    status_cell(data, r["status"]),
                    variation_badge(r.get("spc_variation"), short=True),
                    number(r["ytd_actual"]),
                    number(r["ytd_target"]),
                    number(r["annual_target"]),
                    percent(r["change_vs_last_year"]),
                ]
            )
        parts.append(section(priority, table(HEADER, rows, numeric_from=4), level=3, cls="priority"))
    notes = [
        [
            element("strong", data.register.measure(r.measure_id).title),
            ": ",
            disagreement(r.status, r.spc_variation or None),
        ]
        for r in data.status.itertuples()
        if disagreement(r.status, r.spc_variation or None)
    ]
    if notes:
        parts.append(section("Where the traffic light and SPC disagree", bullets(notes), level=3, cls="disagreements"))
    return section("Measures by priority", *parts, cls="dashboard")


def exceptions(data: QuarterData) -> Html:
    """Every amber and red measure with its planned improvement."""
    return exception_items(data)


def changes(data: QuarterData) -> Html:
    """Which measures changed status since the previous quarter, and which values were revised."""
    changes = data.changes
    heading = "What changed since last quarter"
    if changes.empty or (changes["kind"] == "previous_build").sum() == 0:
        return section(heading, paragraph("No comparison was made."))
    previous = changes[changes["kind"] == "previous_build"].iloc[0]
    if previous["after"] != "found":
        return section(
            heading,
            paragraph(
                f"The previous quarter ({previous['previous_quarter']}) has not been built here, "
                "so there is nothing to compare with."
            ),
        )
    titles = {m.id: m.title for m in data.register.measures}
    status = changes[changes["kind"] == "status"]
    revised = changes[changes["kind"] == "revision"]
    parts = [paragraph(f"Compared with the build of {previous['previous_quarter']}.")]
    if status.empty:
        parts.append(paragraph("No measure changed status."))
    else:
        rows = [
            [titles.get(r.measure_id, r.measure_id), status_cell(data, r.before), status_cell(data, r.after)]
            for r in status.itertuples()
        ]
        parts.append(
            table(["Measure", f"Status in {previous['previous_quarter']}", "Status now"], rows, numeric_from=99)
        )
    if revised.empty:
        parts.append(paragraph("No earlier value was revised."))
    else:
        rows = [
            [
                titles.get(r.measure_id, r.measure_id),
                r.what.removeprefix("value "),
                number(float(r.before)),
                number(float(r.after)),
            ]
            for r in revised.itertuples()
        ]
        parts.append(
            table(
                ["Measure", "Period", "Value then", "Value now"],
                rows,
                caption="Values revised since the previous build",
                numeric_from=2,
            )
        )
    return section(heading, *parts, cls="changes")


SECTIONS = (title, summary, measures, exceptions, changes)


@dataclass(frozen=True)
class Dashboard:
    """The quarter's front page for a notebook: each method is the section function of the same name."""

    data: QuarterData

    def title(self) -> Html:
        return title(self.data)

    def summary(self) -> Html:
        return summary(self.data)

    def measures(self) -> Html:
        return measures(self.data)

    def exceptions(self) -> Html:
        return exceptions(self.data)

    def changes(self) -> Html:
        return changes(self.data)


def dashboard(quarter: str, **kwargs) -> Dashboard:
    """The dashboard, from the notebook's parameters (the rest go to :func:`load_quarter`)."""
    return Dashboard(load_quarter(quarter, **kwargs))
