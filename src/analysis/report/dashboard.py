"""The sections of the quarter's dashboard (front page): title, summary, measures, icons, exceptions, returns, changes.

Each section is a pure function ``section(data: QuarterData) -> Html`` of the
quarter's processed tables, built with :mod:`analysis.report.html` so every
text is escaped. The dashboard notebook makes a :class:`Dashboard` with
:func:`dashboard` and calls its methods, one per section. To add a section,
write a function here taking ``data``, declare it with ``@SECTIONS`` (which
marks its HTML and gives :class:`Dashboard` its method) and call it from
``notebooks/dashboard.ipynb``. Note that ``analysis.report.dashboard`` is the
notebook's factory function; import this module's functions with
``from analysis.report.dashboard import measures``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis.core.formatting import number, percent
from analysis.core.periods import PeriodError, period_name
from analysis.core.vocabulary import ASSURANCE_SHORT, TARGETS, disagreements
from analysis.processed.quarter import QuarterData, load_quarter
from analysis.report.common import (
    NO_MEASURE,
    exception_items,
    in_development,
    measure_link,
    plan_priorities,
    priority_head,
    sources_note,
    status_cell,
    summary_box,
    target_cell,
    target_key,
)
from analysis.report.html import Html, bullets, element, paragraph, section, table
from analysis.report.icons import assurance_icon, variation_icon, variation_words
from analysis.report.returns import (
    in_words,
    incomplete_note,
    missing_periods,
    previous_status,
    quarter_figure,
    status_on_data,
)
from analysis.report.sections import Sections
from analysis.report.signoff import signoff_note
from analysis.report.variation import variation_badge
from analysis.report.yearend import is_year_end, results_line, year_label, year_table

SECTIONS = Sections("dashboard")
"""The sections of the dashboard page, each declared once by decorating its function."""

HEADER = [
    "Measure",
    "Lead",
    "Status",
    "Last quarter",
    "Unusual change (SPC)",
    "This quarter",
    "Year to date",
    "Profiled target",
    "Annual target",
    "Change on last year",
]


@SECTIONS
def title(data: QuarterData) -> Html:
    """The partnership and the quarter."""
    text = f"{data.register.partnership}: performance report for {data.quarter.label} ({data.quarter})"
    return element(
        "header",
        paragraph(text, class_="subtitle"),
        sources_note(data, "actuals.csv", TARGETS, "action_plan.csv"),
    )


@SECTIONS
def summary(data: QuarterData) -> Html:
    """How many measures at each status."""
    return summary_box(data)


@SECTIONS
def measures(data: QuarterData) -> Html:
    """Seed 001's target dashboard: measures grouped by priority, linking to their pages."""
    parts = []
    for priority, lead in plan_priorities(data.register):  # every priority of the plan, with or without measures
        rows = []
        for m in (m for m in data.register.measures if m.priority == priority):
            r = data.status_row(m.id)
            before = previous_status(data, m.id)
            note = incomplete_note(r)
            rows.append(
                [
                    [
                        measure_link(m),
                        paragraph(note, class_="incomplete") if note else None,
                        signoff_note(data, m.id, short=True),
                    ],
                    m.lead or "–",
                    status_on_data(data, r),
                    status_cell(data, before) if before else "–",
                    variation_badge(r.get("spc_variation"), short=True),
                    quarter_figure(r),
                    number(r["ytd_actual"]),
                    number(r["ytd_target"]),
                    target_cell(data, r["annual_target"], short=True),
                    percent(r["change_vs_last_year"]),
                ]
            )
        shown = table(HEADER, rows, numeric_from=5) if rows else paragraph(NO_MEASURE, class_="no-measure")
        parts.append(element("section", priority_head(priority, lead), shown, in_development(data, priority),
                             class_="priority"))  # fmt: skip
    notes = [
        [element("strong", data.register.measure(r.measure_id).title), ": ", " ".join(found)]
        for r in data.status.itertuples()
        if (found := disagreements(r.status, r.spc_variation))  # the variation's: the table shows no assurance
    ]
    if notes:
        parts.append(
            section(
                "Where the status and the check for unusual changes disagree",
                bullets(notes),
                level=3,
                cls="disagreements",
            )
        )
    return section("Measures by priority", target_key(data), *parts, cls="dashboard")


def _with_words(icon: Html, words: str) -> Html:
    return element("span", icon, " ", element("span", words, class_="spc-icon-words"), class_="spc-icon-cell")


@SECTIONS
def icon_summary(data: QuarterData) -> Html:
    """Every measure, its traffic light, and its variation and assurance as Making Data Count's icons with words."""
    rows = []
    for m in data.register.measures:
        r = data.status_row(m.id)
        variation, assurance = r.get("spc_variation") or "", r.get("spc_assurance") or ""
        rows.append(
            [
                measure_link(m),
                status_cell(data, r["status"]),
                _with_words(variation_icon(variation, m.polarity), variation_words(variation, m.polarity))
                if variation
                else "No chart of the usual range",
                _with_words(assurance_icon(assurance), ASSURANCE_SHORT[assurance]) if assurance else "No assurance",
            ]
        )
    return section(
        "Variation and assurance",
        paragraph(
            "Beside each measure's status, its check for unusual changes (statistical process control), in the icons "
            "of NHS England's Making Data Count. Variation: has the latest figure changed beyond the usual ups and "
            "downs, and which way? Assurance: will the target reliably be met at the pace of the usual range? A "
            "measure monitored without a target has no assurance.",
            class_="method",
        ),
        table(
            ["Measure", "Status", "Variation", "Assurance"],
            rows,
            caption=f"Variation and assurance of every measure, {data.quarter.label}",
            numeric_from=99,
            classes="report-table icon-summary",
        ),
        cls="icon-summary",
    )


@SECTIONS
def exceptions(data: QuarterData) -> Html:
    """Every amber and red measure with its planned improvement."""
    return exception_items(data)


@SECTIONS
def returns_due(data: QuarterData) -> Html:
    """Every measure with returns still due for the quarter, by lead, each missing period in words."""
    from analysis.method.readiness import DueReturn, by_lead

    heading = "Returns still due"
    due = [
        DueReturn(m.id, m.title, m.lead, tuple(missing_periods(data.status_row(m.id))))
        for m in data.register.measures
        if missing_periods(data.status_row(m.id))
    ]
    if not due:
        return section(heading, paragraph(f"Every return for {data.quarter.label} is in."), cls="returns-due")
    measures_by_id = {m.id: m for m in data.register.measures}
    parts = [
        paragraph(
            f"{len(due)} measure{'s' if len(due) != 1 else ''} still lack{'s' if len(due) == 1 else ''} "
            f"figures for {data.quarter.label}; their statuses rest on incomplete data."
        )
    ]
    for lead, items in by_lead(due).items():
        lines = [
            [
                measure_link(measures_by_id[d.measure_id]),
                ": no return yet for ",
                in_words(list(d.periods)),
                ".",
            ]
            for d in items
        ]
        parts.append(section(lead, bullets(lines), level=3))
    return section(heading, *parts, cls="returns-due")


def _shown(row: object, side: str) -> str:
    """A change's figure as the pages print it (``before_shown``/``after_shown``), else the raw figure."""
    shown = getattr(row, f"{side}_shown", "")
    if isinstance(shown, str) and shown:
        return shown
    raw = getattr(row, side, "")
    try:
        return number(float(raw))
    except (TypeError, ValueError):
        return str(raw) if raw else "–"


def _period_of(what: str) -> str:
    period = what.removeprefix("value ")
    try:
        return period_name(period)
    except PeriodError:
        return period


@SECTIONS
def changes(data: QuarterData) -> Html:
    """What changed since the previous quarter: statuses, SPC variation, late returns and revised values."""
    changes = data.changes
    heading = "What changed since last quarter"
    if changes.empty or (changes["kind"] == "previous_build").sum() == 0:
        return section(heading, paragraph("No comparison was made."))
    previous = changes[changes["kind"] == "previous_build"].iloc[0]
    then = previous["previous_quarter"]
    if previous["after"] != "found":
        return section(
            heading,
            paragraph(f"The previous quarter ({then}) has not been built here, so there is nothing to compare with."),
        )
    titles = {m.id: m.title for m in data.register.measures}

    def of(kind: str) -> pd.DataFrame:
        return changes[changes["kind"] == kind]

    def name(r: object) -> str:
        return titles.get(r.measure_id, r.measure_id)  # type: ignore[attr-defined]

    parts = [paragraph(f"Compared with the report for {then}.")]
    status, variation, late, revised = of("status"), of("spc_variation"), of("late_return"), of("revision")
    if status.empty:
        parts.append(paragraph("No measure changed status."))
    else:
        rows = [[name(r), status_cell(data, r.before), status_cell(data, r.after)] for r in status.itertuples()]
        parts.append(
            table(["Measure", f"Status in {then}", "Status now"], rows, caption="Changes of status", numeric_from=99)
        )
    if variation.empty:
        parts.append(paragraph("No measure's latest figure changed between the usual range and an unusual change."))
    else:
        rows = [
            [name(r), variation_badge(r.before or None, short=True), variation_badge(r.after or None, short=True)]
            for r in variation.itertuples()
        ]
        parts.append(
            table(
                ["Measure", f"Unusual change? In {then}", "Now"],
                rows,
                caption="Changes between the usual range of variation and an unusual change (SPC variation)",
                numeric_from=99,
            )
        )
    if late.empty:
        parts.append(paragraph(f"No figure arrived late for a period the report for {then} lacked."))
    else:
        rows = [[name(r), _period_of(r.what), _shown(r, "after")] for r in late.itertuples()]
        parts.append(
            table(
                ["Measure", "Period", "Figure now"],
                rows,
                caption=f"Late returns: figures that had not arrived when the report for {then} was written",
                numeric_from=2,
            )
        )
    if revised.empty:
        parts.append(paragraph("No figure already reported was revised."))
    else:
        rows = [[name(r), _period_of(r.what), _shown(r, "before"), _shown(r, "after")] for r in revised.itertuples()]
        parts.append(
            table(
                ["Measure", "Period", "Figure then", "Figure now"],
                rows,
                caption="Figures revised since they were reported",
                numeric_from=2,
            )
        )
    return section(heading, *parts, cls="changes")


@SECTIONS
def year_end(data: QuarterData) -> Html:
    """At quarter four, the year's report (seed 000): for each priority, each measure achieved or not over the year,
    its figures against the annual target and last year, and its status at the end of each quarter. Nothing before
    quarter four."""
    if not is_year_end(data):
        return Html("")
    parts = [paragraph(results_line(data, data.register.measures), class_="year-results")]
    for priority, lead in plan_priorities(data.register):
        measures = [m for m in data.register.measures if m.priority == priority]
        if not measures:
            continue
        caption = f"{priority}: {results_line(data, measures)}"
        parts.append(element("section", priority_head(priority, lead), year_table(data, measures, caption),
                             class_="priority"))  # fmt: skip
    return section(f"The year {year_label(data.quarter)}: the year-end report", *parts, cls="year-end")


@SECTIONS.methods
@dataclass(frozen=True)
class Dashboard:
    """The quarter's front page for a notebook: a method for each section (:data:`SECTIONS`), of the same name."""

    data: QuarterData

    def section_args(self) -> tuple:
        return (self.data,)


def dashboard(quarter: str, **kwargs) -> Dashboard:
    """The dashboard, from the notebook's parameters (the rest go to :func:`load_quarter`)."""
    return Dashboard(load_quarter(quarter, **kwargs))
