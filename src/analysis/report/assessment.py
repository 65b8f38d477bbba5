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

import pandas as pd

from analysis.core.formatting import date_in_words, number
from analysis.core.periods import parse_quarter
from analysis.core.vocabulary import (
    ACTION_RESULT_WORDS,
    ACTION_RESULTS,
    ACTION_STATUSES,
    FAMILY_GROUP_METHOD_WORDS,
    STATUS_SHORT,
)
from analysis.processed.contract import ACTION_PLAN, FAMILY_GROUP_QUARTERS, RECOMMENDATIONS, YEAR_ACTIONS
from analysis.processed.quarter import QuarterData, load_quarter
from analysis.report import charts
from analysis.report.common import (
    NO_MEASURE,
    action_status_cell,
    action_status_key,
    action_table,
    exception_items,
    in_development,
    measure_link,
    plan_priorities,
    priority_head,
    sources_note,
    status_cell,
    summary_box,
    tasks_of_priority,
)
from analysis.report.html import Html, bullets, element, paragraph, section, table
from analysis.report.sections import Sections
from analysis.report.signoff import signoff_note

SECTIONS = Sections("strategic assessment")
"""The sections of the strategic assessment page, each declared once by decorating its function."""

OTHER_TASKS = "Tasks of no one priority"


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
    """Every priority of the plan with its lead, its measures and their statuses and sign-off, and its measures
    still in development."""
    parts = []
    for priority, lead in plan_priorities(data.register):
        items = [
            [measure_link(m), " – ", status_cell(data, data.status_row(m.id)["status"]),
             signoff_note(data, m.id, short=True)]
            for m in data.register.measures
            if m.priority == priority
        ]  # fmt: skip
        shown = bullets(items) if items else paragraph(NO_MEASURE, class_="no-measure")
        parts.append(element("section", priority_head(priority, lead), shown, in_development(data, priority)))
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
    final = " at the year end" if data.quarter.q == 4 else ""
    return section(
        f"Performance on strategic assessment recommendations{final}",
        table(["No.", "Recommendation", "Progress", "Status"], rows, numeric_from=99),
        cls="recommendations",
    )


def _report_date(data: QuarterData) -> str:
    """The date the quarter's report goes to the board (its meeting), else the quarter."""
    meeting = data.register.report.meeting(data.quarter)
    return date_in_words(meeting) if meeting else data.quarter.label


def _priority_groups(data: QuarterData, tasks: pd.DataFrame) -> list[tuple[str, str, pd.DataFrame]]:
    """(priority, lead, its tasks) for every priority of the plan, then the tasks that belong to none."""
    groups = [(name, lead, tasks_of_priority(data, tasks, name)) for name, lead in plan_priorities(data.register)]
    rest = tasks_of_priority(data, tasks, "")
    return groups + ([(OTHER_TASKS, "", rest)] if not rest.empty else [])


def _counts(tasks: pd.DataFrame) -> list[int]:
    """How many tasks have each action status, then the total."""
    statuses = list(tasks["status"]) if not tasks.empty else []
    return [statuses.count(s) for s in ACTION_STATUSES] + [len(statuses)]


@SECTIONS
def action_summary(data: QuarterData) -> Html:
    """Seed 000's summary box for every priority: its lead and how many of its tasks have each status, dated."""
    plan = data.table(ACTION_PLAN)
    heading = "Summary of actions by status"
    if plan.empty:
        return section(heading, paragraph("No action plan was supplied for this quarter."), cls="action-summary")
    header = ["Priority", "Lead", *(STATUS_SHORT[s] for s in ACTION_STATUSES), "Total"]
    rows = [[name, lead or "–", *_counts(tasks)] for name, lead, tasks in _priority_groups(data, plan)]
    return section(
        heading,
        table(header, rows, caption=f"Actions by status for each priority, {_report_date(data)}", numeric_from=2),
        cls="action-summary",
    )


def _summary_box(data: QuarterData, lead: str, tasks: pd.DataFrame) -> Html:
    """One priority's summary box (seed 000): the date, the lead, and its tasks by status."""
    counts = _counts(tasks)
    facts = [("Date", _report_date(data)), ("Lead", lead or "–")]
    facts += [(STATUS_SHORT[s], str(n)) for s, n in zip(ACTION_STATUSES, counts, strict=False)]
    facts.append(("Total", str(counts[-1])))
    return element(
        "dl", [[element("dt", k), element("dd", v)] for k, v in facts], class_="summary-box-facts", aria_label="Summary"
    )


@SECTIONS
def action_plan(data: QuarterData) -> Html:
    """The action plan by priority (seed 000's template for each: a summary box, then each action's tasks with
    their target, position, status, term, planned improvement and deadline), and the key to its statuses."""
    plan = data.table(ACTION_PLAN)
    if plan.empty:
        return section("Action plan", paragraph("No action plan was supplied for this quarter."))
    parts = []
    for name, lead, tasks in _priority_groups(data, plan):
        if tasks.empty:
            continue
        parts.append(element("section", element("h3", name), _summary_box(data, lead, tasks), action_table(tasks),
                             class_="plan-priority"))  # fmt: skip
    return section("Action plan by priority", *parts, action_status_key(), cls="action-plan")


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


@SECTIONS
def family_group_quarters(data: QuarterData) -> Html:
    """The family group position this quarter and the quarter before (seed 003 shows both)."""
    heading = "Family group position: this quarter and last"
    rows = data.table(FAMILY_GROUP_QUARTERS)
    if rows.empty:
        return section(heading, paragraph("No family group figures were supplied for this quarter or the last."))
    body = [
        [parse_quarter(r.quarter).label.capitalize(), r.description, number(r.rate_per_1000, 1),
         number(r.msg_mean, 1), f"{int(r.rank)} of {int(r.members)}"]
        for r in rows.itertuples()
    ]  # fmt: skip
    have = set(rows["quarter"])
    missing = [q.label for q in (data.quarter.previous, data.quarter) if str(q) not in have]
    note = (
        paragraph(f"No family group figures were supplied for {' or '.join(missing)}, so there is no comparison.")
        if missing
        else None
    )
    return section(
        heading,
        note,
        table(
            ["Quarter", "Position", "Crimes per 1,000", "Family group average", "Rank (1 = lowest)"],
            body,
            caption=f"{data.register.partnership} in its family group",
            numeric_from=2,
        ),
        cls="family-group-quarters",
    )


@SECTIONS
def year_end_actions(data: QuarterData) -> Html:
    """At quarter four: what became of each task of the year's action plan (achieved, carried forward, dropped),
    by priority. Nothing before quarter four."""
    tasks = data.table(YEAR_ACTIONS)
    if data.quarter.q != 4:
        return Html("")
    heading = "The action plan at the year end"
    if tasks.empty:
        return section(heading, paragraph("No action plan was supplied for quarter four."), cls="year-end-actions")
    results = [
        f"{n} {ACTION_RESULT_WORDS[r].lower()}" for r in ACTION_RESULTS if (n := int((tasks["result"] == r).sum()))
    ]
    parts = [paragraph(f"Of {len(tasks)} tasks: {', '.join(results)}.")]
    for name, _, group in _priority_groups(data, tasks):
        if group.empty:
            continue
        rows = [[f"{t.ref}: {t.task}" if t.ref else t.task, action_status_cell(t.status), ACTION_RESULT_WORDS[t.result]]
                for t in group.itertuples()]  # fmt: skip
        parts.append(table(["Task", "Status at quarter four", "At the year end"], rows, caption=name, numeric_from=99))
    return section(heading, *parts, cls="year-end-actions")


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
