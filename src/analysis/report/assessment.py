"""The sections of the strategic assessment: family group position, priorities, recommendations, action plan.

Each section is a pure function ``section(data: QuarterData) -> Html`` of the
quarter's processed tables, built with :mod:`analysis.report.html` so every
text is escaped; the summary box and exception items come from
:mod:`analysis.report.common`. The strategic assessment notebook makes a
:class:`StrategicAssessment` with :func:`strategic_assessment` and calls its
methods, one per section. To add a section, write a function here taking
``data``, declare it with ``@SECTIONS`` (which marks its HTML and gives
:class:`StrategicAssessment` its method) and call it from
``notebooks/strategic-assessment.ipynb``.
"""

from __future__ import annotations

from dataclasses import dataclass

from analysis.core.formatting import number
from analysis.core.vocabulary import ACTION_TERM_WORDS, FAMILY_GROUP_METHOD_WORDS
from analysis.processed.contract import ACTION_PLAN, RECOMMENDATIONS
from analysis.processed.quarter import QuarterData, load_quarter
from analysis.report import charts
from analysis.report.common import (
    action_status_cell,
    exception_items,
    measure_link,
    sources_note,
    status_cell,
    summary_box,
)
from analysis.report.html import Html, bullets, element, paragraph, section, table
from analysis.report.sections import Sections

SECTIONS = Sections("strategic assessment")
"""The sections of the strategic assessment page, each declared once by decorating its function."""

ACTION_PLAN_HEADER = ["Tasks", "Target", "Position", "Status", "Term", "Planned improvement/action needed and deadline"]


@SECTIONS
def title(data: QuarterData) -> Html:
    """The partnership and the quarter."""
    text = f"{data.register.partnership}: strategic assessment, {data.quarter.label}"
    return element(
        "header",
        paragraph(text, class_="subtitle"),
        sources_note(data, "family_group.csv", "action_plan.csv", "recommendations.csv"),
    )


@SECTIONS
def summary(data: QuarterData) -> Html:
    """How many measures at each status."""
    return summary_box(data)


@SECTIONS
def exceptions(data: QuarterData) -> Html:
    """Every exception item by the stated rule, with its planned improvement."""
    return exception_items(data)


@SECTIONS
def priorities(data: QuarterData) -> Html:
    """Every priority with its measures and their statuses."""
    parts = []
    for priority in data.register.priorities:
        items = [
            [measure_link(m), " – ", status_cell(data, data.status_row(m.id)["status"])]
            for m in data.register.measures
            if m.priority == priority
        ]
        parts.append([element("h3", priority), bullets(items)])
    return section("Priorities", *parts, cls="priorities")


@SECTIONS
def recommendations(data: QuarterData) -> Html:
    """Strategic assessment recommendations and their progress."""
    recs = data.table(RECOMMENDATIONS)
    if recs.empty:
        return section(
            "Strategic assessment recommendations",
            paragraph("No recommendations were supplied for this quarter."),
        )
    rows = [
        [
            f"{int(r.number)}.",
            r.recommendation,
            r.progress or "–",
            action_status_cell(r.status),
        ]
        for r in recs.sort_values("number").itertuples()
    ]
    return section(
        "Performance on strategic assessment recommendations",
        table(["No.", "Recommendation", "Progress", "Status"], rows, numeric_from=99),
    )


def _improvement(task) -> str:
    if not task.improvement:
        return "–"
    return f"{task.improvement} (deadline {task.deadline})" if task.deadline else task.improvement


@SECTIONS
def action_plan(data: QuarterData) -> Html:
    """The action plan by outcome in the Gloucester template's columns."""
    plan = data.table(ACTION_PLAN)
    if plan.empty:
        return section("Action plan", paragraph("No action plan was supplied for this quarter."))
    parts = []
    for outcome, group in plan.groupby("outcome", sort=False):
        blocks = []
        for (ref, action), tasks in group.groupby(["ref", "action"], sort=False):
            rows = [
                [
                    t.task,
                    t.target,
                    t.position,
                    action_status_cell(t.status),
                    ACTION_TERM_WORDS.get(t.term, "–"),
                    _improvement(t),
                ]
                for t in tasks.itertuples()
            ]
            heading = f"Ref {ref}: {action}" if ref else action
            blocks.append([element("h4", heading), table(ACTION_PLAN_HEADER, rows, numeric_from=99)])
        parts.append([element("h3", f"Outcome: {outcome or 'Not stated'}"), blocks])
    return section("Action plan", *parts, cls="action-plan")


@SECTIONS
def family_group(data: QuarterData) -> Html:
    """The family group position: rates per 1,000, rank, the group average and a chart."""
    partnership = data.register.partnership
    where = data.family_group_position()
    if where is None:
        return section("Family group position", paragraph("No family group figures were supplied for this quarter."))
    ranked = data.family_group_rank()
    rows = [
        [r.partnership, number(r.crimes), number(r.population), number(r.rate_per_1000, 1), int(r.rank)]
        for r in ranked.itertuples()
    ]
    source = data.register.population_source or "as supplied with the family group figures"
    method = where["method"]
    return section(
        "Family group position",
        paragraph(f"{where['description']}."),
        paragraph(
            f"Compared {FAMILY_GROUP_METHOD_WORDS.get(method, method)}. Populations: {source}.",
            class_="method",
        ),
        table(["Partnership", "Crimes", "Population", "Crimes per 1,000", "Rank (1 = lowest)"], rows),
        charts.family_group_chart(ranked, where["msg_mean"], partnership),
        charts.funnel_chart(ranked, data.family_group_funnel(), where["pooled_rate"], partnership),
    )


@SECTIONS.methods
@dataclass(frozen=True)
class StrategicAssessment:
    """The strategic assessment for a notebook: a method for each section (:data:`SECTIONS`), of the same name."""

    data: QuarterData

    def section_args(self) -> tuple:
        return (self.data,)


def strategic_assessment(quarter: str, **kwargs) -> StrategicAssessment:
    """The strategic assessment, from the notebook's parameters (the rest go to :func:`load_quarter`)."""
    return StrategicAssessment(load_quarter(quarter, **kwargs))
