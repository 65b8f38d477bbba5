"""The sections of a theme group's own page (seed 001): one lead's measures, actions and recommendations.

Seed 001's partnership has a report per theme group, for the group's in-depth
discussion at the board: each lead goes into "further detail", with "a copy of
the respective action plan". A lead's page holds what is theirs, by the same
rules that decide whose return each item is (:mod:`analysis.core.leads`): the
measures they lead or whose priority they lead, the tasks they return, the
recommendations they report on. Each section is a pure function
``section(data: QuarterData, lead: str) -> Html`` of the quarter's tables; the
theme group notebook (``notebooks/lead.ipynb``) makes a :class:`LeadPage` with
:func:`lead_page` and calls its methods. ``csp-report paper --lead`` prints the
page's sections, by their marks, as the group's paper.
"""

from __future__ import annotations

from dataclasses import dataclass

from analysis.core.formatting import number
from analysis.core.leads import find_lead, known_leads, priority_leads, recommendation_lead, task_lead
from analysis.core.register import Measure
from analysis.core.vocabulary import ACTION_RESULT_WORDS
from analysis.processed.contract import ACTION_PLAN, RECOMMENDATIONS, YEAR_ACTIONS
from analysis.processed.quarter import QuarterData, load_quarter
from analysis.report.common import action_status_cell, action_table, in_development, measure_link, sources_note
from analysis.report.html import Html, bullets, element, paragraph, section, table
from analysis.report.returns import quarter_figure, status_on_data
from analysis.report.sections import Sections
from analysis.report.signoff import signoff_note
from analysis.report.yearend import is_year_end, results_line, year_label, year_table

SECTIONS = Sections("theme group")
"""The sections of a theme group's page, each declared once by decorating its function."""


def led_priorities(data: QuarterData, lead: str) -> list[str]:
    """The priorities of the plan the lead leads."""
    return [
        name for name, who in priority_leads(data.register).items() if who and find_lead(who, data.register) == lead
    ]


def _is_theirs(m: Measure, lead: str, priorities: list[str]) -> bool:
    return m.lead == lead or m.priority in priorities


def lead_measures(data: QuarterData, lead: str) -> list[Measure]:
    """The reported measures the lead leads, or whose priority they lead, in register order."""
    priorities = led_priorities(data, lead)
    return [m for m in data.register.measures if _is_theirs(m, lead, priorities)]


@SECTIONS
def title(data: QuarterData, lead: str) -> Html:
    """Whose report it is, for which quarter, and the priorities they lead."""
    priorities = led_priorities(data, lead)
    leads = f"Lead for {', '.join(priorities)}." if priorities else "Leads no priority of the plan."
    return element(
        "header",
        paragraph(f"{data.register.partnership}: {lead}, {data.quarter.label}", class_="subtitle"),
        paragraph(
            f"The theme group's own report, for its in-depth discussion at the board: its measures, its tasks of the "
            f"action plan and the strategic assessment recommendations it reports on. {leads}"
        ),
        sources_note(data, "actuals.csv", "action_plan.csv", "recommendations.csv"),
    )


@SECTIONS
def measures(data: QuarterData, lead: str) -> Html:
    """The lead's measures: status, this quarter, the year to date against its target, the forecast and sign-off;
    then those still in development."""
    theirs = lead_measures(data, lead)
    rows = []
    for m in theirs:
        r = data.status_row(m.id)
        rows.append(
            [[measure_link(m, "../measures/"), signoff_note(data, m.id, short=True)], status_on_data(data, r),
             quarter_figure(r), number(r["ytd_actual"]), number(r["ytd_target"]), number(r["annual_target"]),
             number(r["forecast"])]
        )  # fmt: skip
    header = ["Measure", "Status", "This quarter", "Year to date", "Profiled target", "Annual target", "Forecast"]
    shown = (
        table(header, rows, caption=f"{lead}: measures", numeric_from=2)
        if rows
        else paragraph("No reported measure is led by this group.")
    )
    priorities = {m.priority for m in (*theirs, *data.register.in_development) if m.lead == lead}
    developing = [in_development(data, p) for p in [*led_priorities(data, lead), *sorted(priorities)]]
    return section("Measures", shown, *dict.fromkeys(developing), cls="lead-measures")


@SECTIONS
def actions(data: QuarterData, lead: str) -> Html:
    """The tasks of the quarter's action plan the lead returns, with their statuses, terms and deadlines."""
    plan = data.table(ACTION_PLAN)
    if not plan.empty:
        plan = plan[[task_lead(t.lead, t.measure_id, data.register) == lead for t in plan.itertuples()]]
    theirs = plan
    if theirs.empty:
        return section("Action plan", paragraph("No task of this quarter's action plan is this group's."))
    return section("Action plan", action_table(theirs, level=3), cls="lead-actions")


@SECTIONS
def recommendations(data: QuarterData, lead: str) -> Html:
    """The strategic assessment recommendations the lead reports on, and their progress."""
    recs = data.table(RECOMMENDATIONS)
    ordered = recs.sort_values("number").itertuples() if not recs.empty else []
    theirs = [r for r in ordered if recommendation_lead(r.recommendation, data.register) == lead]
    if not theirs:
        return section(
            "Strategic assessment recommendations", paragraph("No recommendation names this group's priorities.")
        )
    rows = [[f"{int(r.number)}.", r.recommendation, r.progress or "–", action_status_cell(r.status)] for r in theirs]
    return section(
        "Strategic assessment recommendations",
        table(["No.", "Recommendation", "Progress", "Status"], rows, numeric_from=99),
        cls="lead-recommendations",
    )


@SECTIONS
def year_end(data: QuarterData, lead: str) -> Html:
    """At quarter four: the year of the lead's measures and what became of their tasks. Nothing before."""
    if not is_year_end(data):
        return Html("")
    theirs = lead_measures(data, lead)
    tasks = data.table(YEAR_ACTIONS)
    mine = [t for t in tasks.itertuples() if task_lead(t.lead, t.measure_id, data.register) == lead]
    return section(
        f"The year {year_label(data.quarter)}",
        paragraph(results_line(data, theirs)),
        year_table(data, theirs, f"{lead}: the year", prefix="../measures/") if theirs else None,
        bullets([f"{t.ref + ': ' if t.ref else ''}{t.task}: {ACTION_RESULT_WORDS[t.result]}." for t in mine])
        if mine
        else None,
        cls="year-end",
    )


@SECTIONS.methods
@dataclass(frozen=True)
class LeadPage:
    """A theme group's page for a notebook: a method for each section (:data:`SECTIONS`), of the same name."""

    data: QuarterData
    lead: str

    def section_args(self) -> tuple:
        return (self.data, self.lead)


def lead_page(quarter: str, lead: str, **kwargs) -> LeadPage:
    """A lead's page, from the notebook's parameters (the rest go to :func:`load_quarter`); the lead as the register
    spells it, whatever the case."""
    data = load_quarter(quarter, **kwargs)
    spelt = find_lead(lead, data.register)
    if not spelt:
        raise KeyError(f"no lead {lead!r} in the register (known: {', '.join(known_leads(data.register))})")
    return LeadPage(data, spelt)
