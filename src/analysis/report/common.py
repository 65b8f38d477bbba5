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
from analysis.core.leads import all_measures, priority_leads, task_priority
from analysis.core.periods import PeriodError, fy_short, parse_quarter
from analysis.core.register import Measure, Register
from analysis.core.vocabulary import (
    ACTION_STATUS_LABELS,
    ACTION_STATUSES,
    ACTION_TERM_WORDS,
    OFFICIAL,
    SOURCE_STATUS_WORDS,
    STATUS_SHORT,
    TARGET_STATUS_WORDS,
    TARGETS,
    input_words,
)
from analysis.core.vocabulary import STATUS_CODES as STATUS_ORDER
from analysis.method.exceptions import RULE
from analysis.processed.contract import ACTION_PLAN
from analysis.processed.quarter import QuarterData
from analysis.report.html import Html, bullets, element, fragment, paragraph, section, status_badge, table
from analysis.report.verdict import verdict


def status_cell(data: QuarterData, status: str) -> Html:
    """A status in the register's words, with its symbol."""
    return status_badge(status, data.register.label(status) if status in STATUS_ORDER else status)


def action_status_cell(status: str) -> Html | str:
    """An action's or a recommendation's status in a word, with its symbol (the Gloucester template's table);
    :func:`action_status_key` says what each means."""
    if not status:
        return "–"
    return status_badge(status, STATUS_SHORT.get(status, status))


def action_status_key() -> Html:
    """The Gloucester template's status options and their definitions, the key to the action tables."""
    items = [[element("dt", status_badge(s, STATUS_SHORT[s])), element("dd", ACTION_STATUS_LABELS[s])]
             for s in ACTION_STATUSES]  # fmt: skip
    return element(
        "div", element("h3", "Status options and definitions"), element("dl", items), class_="action-status-key"
    )


def plan_priorities(register: Register) -> list[tuple[str, str]]:
    """Every priority of the plan in its order, with its lead, then any other priority a measure names.

    >>> from analysis.core.register import Priority
    >>> reg = Register("P", (Measure("a", "A", "Other", "lower", "monthly", lead="X"),), {},
    ...                plan=(Priority("Emerging issues", "Manager"),))
    >>> plan_priorities(reg)
    [('Emerging issues', 'Manager'), ('Other', 'X')]
    """
    leads = priority_leads(register)
    measures = all_measures(register)
    found = []
    for name in dict.fromkeys(n for n in [p.name for p in register.plan] + [m.priority for m in measures] if n):
        named = {m.lead for m in measures if m.priority == name and m.lead}
        found.append((name, leads.get(name) or (named.pop() if len(named) == 1 else "")))
    return found


def expected_words(measure: Measure, quarter: object) -> str:
    """When a measure in development is expected to report, in words.

    >>> m = Measure("v", "Victims", "ASB", "higher", "quarterly", status="in_development", expected="2015-16-Q2")
    >>> expected_words(m, "2015-16-Q1"), expected_words(m, "2015-16-Q3")
    ('expected to report from quarter two 2015/16', 'expected from quarter two 2015/16, not reported yet')
    >>> expected_words(Measure("n", "N", "R", "higher", "quarterly"), "2015-16-Q1")
    'no quarter set yet for its first report'
    """
    try:
        expected = parse_quarter(measure.expected)
    except PeriodError:
        return "no quarter set yet for its first report"
    if expected <= parse_quarter(str(quarter)):
        return f"expected from {expected.label}, not reported yet"
    return f"expected to report from {expected.label}"


def in_development(data: QuarterData, priority: str) -> Html | None:
    """The priority's measures still in development, each with when it is expected; ``None`` when it has none."""
    items = [
        [element("strong", m.title), f" ({m.lead}): " if m.lead else ": ", expected_words(m, data.quarter), "."]
        for m in data.register.in_development
        if m.priority == priority
    ]
    if not items:
        return None
    return element("div", paragraph("In development, with no figures yet:"), bullets(items), class_="in-development")


NO_MEASURE = "No measure is reported for this priority yet."


def priority_head(name: str, lead: str, level: int = 3) -> Html:
    """A priority's heading and its named lead."""
    return element(
        "header",
        element(f"h{level}", name),
        paragraph(f"Lead: {lead}" if lead else "No lead named", class_="priority-lead"),
        class_="priority-head",
    )


def tasks_of_priority(data: QuarterData, tasks: pd.DataFrame, priority: str) -> pd.DataFrame:
    """The tasks of an action plan that belong to a priority (:func:`analysis.core.leads.task_priority`);
    ``""`` gives those that belong to none."""
    if tasks.empty:
        return tasks
    belongs = [task_priority(t.lead, t.measure_id, data.register) == priority for t in tasks.itertuples()]
    return tasks[belongs]


ACTION_HEADER = ["Task", "Target", "Position", "Status", "Term", "Planned improvement / action needed", "Deadline"]


def action_rows(tasks: pd.DataFrame) -> list[list]:
    """Tasks as rows of :data:`ACTION_HEADER`: the Gloucester template's columns, with the term and the deadline."""
    return [
        [t.task, t.target, t.position, action_status_cell(t.status), ACTION_TERM_WORDS.get(t.term, "–"),
         t.improvement or "–", t.deadline or "–"]
        for t in tasks.itertuples()
    ]  # fmt: skip


def action_table(tasks: pd.DataFrame, level: int = 4) -> Html:
    """Tasks grouped by their action (its ref and words), each group a table of :func:`action_rows`."""
    blocks = []
    for (ref, action), group in tasks.groupby(["ref", "action"], sort=False):
        heading = f"Ref {ref}: {action}" if ref else (action or "Tasks")
        blocks.append([element(f"h{level}", heading), table(ACTION_HEADER, action_rows(group), numeric_from=99)])
    return fragment(*blocks)


def sources_note(data: QuarterData, *files: str) -> Html | None:
    """Where the page's inputs come from, each named in words (never by its file) and marked official,
    provisional or illustrative; the register's ``targets`` entry says where the targets come from."""
    items = []
    for name in files:
        source = data.register.sources.get(name)
        if source is None:
            continue
        words = SOURCE_STATUS_WORDS.get(source.status, source.status)
        strong = source.status != OFFICIAL
        items.append(
            [
                element("span", input_words(name), class_="source-name"),
                ": ",
                source.source,
                " (",
                element("strong", words) if strong else words,
                ")",
            ]
        )
    if not items:
        return None
    return element("aside", element("h2", "Sources"), bullets(items), class_="sources", aria_label="Sources")


def not_official(data: QuarterData, name: str) -> str:
    """The status of an input that is not official (``illustrative`` or ``provisional``); ``""`` when it is, or
    the register does not say."""
    source = data.register.sources.get(name)
    return "" if source is None or source.status == OFFICIAL else source.status


def source_mark(data: QuarterData, name: str) -> Html | None:
    """A mark beside rows or figures from an input that is not official: "(illustrative: not real figures)"."""
    status = not_official(data, name)
    if not status:
        return None
    words = SOURCE_STATUS_WORDS.get(status, status)
    return element("span", f"({words[:1].lower()}{words[1:]})", class_=f"source-mark source-{status}")


def target_cell(data: QuarterData, value: object, short: bool = False) -> Html | str:
    """An annual target for a table cell, marked "(illustrative)" or "(provisional)" when the register's
    ``sources: targets:`` says its targets are; ``short`` marks it with an asterisk for a narrow column (the
    words stay for screen readers, and :func:`target_key` says what the asterisk means)."""
    shown = number(value)
    status = not_official(data, TARGETS) if present(value) else ""
    if not status:
        return shown
    if short:
        return fragment(
            shown,
            element("span", "*", class_=f"source-mark source-{status}", aria_hidden="true"),
            element("span", f" ({status})", class_="visually-hidden"),
        )
    return fragment(shown, " ", element("span", f"({status})", class_=f"source-mark source-{status}"))


def target_key(data: QuarterData) -> Html | None:
    """What the asterisk of :func:`target_cell` means, for a table that uses it; ``None`` when targets are
    official."""
    status = not_official(data, TARGETS)
    if not status:
        return None
    return paragraph(
        element("span", "*", class_=f"source-mark source-{status}", aria_hidden="true"),
        f" {TARGET_STATUS_WORDS.get(status, status)[:1].upper()}{TARGET_STATUS_WORDS.get(status, status)[1:]}.",
        class_="source-note",
    )


def exception_rule() -> Html:
    """The stated rule that makes a measure an exception item."""
    return element(
        "div",
        paragraph("A measure is an exception item when it is one of these:"),
        bullets(list(RULE)),
        class_="exception-rule",
    )


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


def target_text(measure: Measure, row: pd.Series, fy: int, status: str = "") -> str:
    """What the measure is aiming for this year, in words (plain text); ``status`` is the targets' source status
    when it is not official (:func:`not_official`), said after the target.

    >>> from analysis.core.register import Measure
    >>> m = Measure("asb", "ASB", "P", "lower", "monthly", unit="crimes")
    >>> target_text(m, {"annual_target": 960.0}, 2024), target_text(m, {"annual_target": 960.0}, 2024, "illustrative")
    ('2024/25 target: not more than 960 crimes', "2024/25 target: not more than 960 crimes (an illustrative target, not the partnership's own)")
    """
    if not present(row["annual_target"]):
        return "No target: monitoring only"
    verb = "at least" if measure.polarity == "higher" else "not more than"
    unit = f" {measure.unit}" if measure.unit else ""
    marked = f" ({TARGET_STATUS_WORDS.get(status, status)})" if status else ""
    return f"{fy_short(fy)} target: {verb} {number(row['annual_target'])}{unit}{marked}"


def exception_items(data: QuarterData, link_prefix: str = "measures/") -> Html:
    """Every exception item by the stated rule, with its figures, why it is one and its planned improvement."""
    items = []
    actions = data.table(ACTION_PLAN)
    for item in data.exceptions.itertuples():
        row = data.status_row(item.measure_id)
        m = data.register.measure(item.measure_id)
        plans = []
        if not actions.empty:
            linked = actions[(actions["measure_id"] == m.id) & (actions["improvement"] != "")]
            plans = [[a.improvement, f" (deadline {a.deadline})" if a.deadline else None] for a in linked.itertuples()]
        against = f" against a profiled target of {number(row['ytd_target'])}" if present(row["ytd_target"]) else ""
        change = f"; {percent(row['change_vs_last_year'])} on last year" if present(row["change_vs_last_year"]) else ""
        figures = f"Year to date {number(row['ytd_actual'])}{against}; forecast {number(row['forecast'])} for the year{change}."
        mark = source_mark(data, "action_plan.csv")
        improvement = (
            [paragraph(element("strong", "Planned improvement:"), " ", mark), bullets(plans)]
            if plans
            else paragraph(element("strong", "Planned improvement:"), " none recorded in the action plan.")
        )
        items.append(
            element(
                "article",
                element("h3", measure_link(m, link_prefix)),
                paragraph(
                    status_cell(data, row["status"]),
                    " – ",
                    target_text(m, row, data.quarter.fy, not_official(data, TARGETS)),
                ),
                paragraph(figures),
                paragraph("Why it is an exception: ", item.reason, ".", class_="reason"),
                paragraph(verdict(row.to_dict(), data.register.label(row["status"])).why, class_="verdict-why"),
                improvement,
                class_=f"exception exception-{row['status']}",
            )
        )
    body = items if items else paragraph("No measure is an exception item this quarter.")
    return section("Exception items", exception_rule(), body, cls="exceptions")
