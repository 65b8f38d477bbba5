"""The sections of a measure's page: headline, figures, history, tables, charts, tests, narrative and actions.

Each section is a pure function ``section(data: QuarterData, measure_id: str)
-> Html`` of the quarter's processed tables, built with
:mod:`analysis.report.html` so every text is escaped. The measure notebook
makes a :class:`MeasurePage` with :func:`measure_page` and calls its methods,
one per section. To add a section, write a function here taking
``(data, measure_id)``, declare it with ``@SECTIONS`` (which marks its HTML with
``data-section`` and gives :class:`MeasurePage` its method), and call it from
``notebooks/measure.ipynb``; the snapshot tests pick it up from ``SECTIONS``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis.core.formatting import number, percent, present
from analysis.core.periods import fy_short, parse_quarter, period_label, period_name
from analysis.core.register import Measure
from analysis.core.vocabulary import ACHIEVED, MONITOR, POLARITY_WORDS, TARGETS, UNJUDGED, disagreements
from analysis.core.vocabulary import ACTION_TERM_WORDS as TERM_WORDS
from analysis.processed.contract import ACTION_PLAN, EVENTS, PARTNER_NOTES, SPC, TEXT_BASIS
from analysis.processed.quarter import QuarterData, load_quarter
from analysis.processed.stale import COMMENTARY, NOTE, POSITION, StaleText, figure_name, stale_texts
from analysis.report import charts, returns
from analysis.report import narrative as drafting
from analysis.report.common import (
    ACTION_HEADER,
    action_status_cell,
    not_official,
    number_cell,
    source_mark,
    sources_note,
    status_cell,
    target_cell,
    target_text,
)
from analysis.report.html import Html, bullets, element, markdown, paragraph, section, table
from analysis.report.neighbourhoods import measure_section
from analysis.report.sections import Sections
from analysis.report.signoff import signoff_note
from analysis.report.variation import assurance_badge, variation_badge
from analysis.report.verdict import QUESTIONS, Verdict, verdict
from analysis.report.yearend import quarter_cells, result_cell, year_label, year_row, year_words

SECTIONS = Sections("measure")
"""The sections of the measure page, each declared once by decorating its function."""


def _measure(data: QuarterData, measure_id: str) -> tuple[Measure, pd.Series]:
    return data.register.measure(measure_id), data.status_row(measure_id)


def _series(data: QuarterData, measure_id: str) -> pd.DataFrame:
    s = data.series
    return s[s["measure_id"] == measure_id]


def _years(data: QuarterData, measure_id: str) -> pd.DataFrame:
    fy = data.quarter.fy
    s = _series(data, measure_id)
    this, last = (
        s[s["financial_year"] == fy].reset_index(drop=True),
        s[s["financial_year"] == fy - 1].reset_index(drop=True),
    )
    return pd.DataFrame(
        {
            "order": range(len(this)),
            "period_label": [period_label(p) for p in this["period"]],
            "period": this["period"],
            "this_year": this["value"],
            "last_year": last["value"],
            "cum_this": this["cumulative_value"],
            "cum_last": last["cumulative_value"],
            "target": this["cumulative_target"],
        }
    )


def _sentence(text: str) -> str:
    return text[0].upper() + text[1:]


def measure_verdict(data: QuarterData, measure_id: str) -> Verdict:
    """The measure's one verdict, in the register's words for its status."""
    row = data.status_row(measure_id)
    return verdict(row.to_dict(), data.register.label(row["status"]) if row["status"] else None)


def _answer(v: Verdict, key: str) -> str | None:
    return next((a for q, a in v.evidence if q == QUESTIONS[key]), None)


def _question(key: str) -> Html:
    return paragraph(element("strong", "Question: "), QUESTIONS[key], class_="question")


@SECTIONS
def headline(data: QuarterData, measure_id: str) -> Html:
    """Title, the verdict (status in the register's words, why, reconciling notes) and what the measure aims for."""
    m, row = _measure(data, measure_id)
    v = measure_verdict(data, measure_id)
    facts = [
        ("Priority", m.priority),
        ("Lead", m.lead or "–"),
        ("Partner", m.partner or "–"),
        ("Direction", POLARITY_WORDS[m.polarity]),
    ]
    if m.threads:
        facts.append(("Golden threads", ", ".join(m.threads)))
    statement = returns.data_statement(row, data.quarter)  # how far the figures go and what is due, said once
    return element(
        "header",
        paragraph(returns.status_on_data(data, row), class_="headline-status"),
        paragraph(v.why, class_="verdict-why"),
        element("ul", [element("li", n) for n in v.notes], class_="verdict-notes") if v.notes else None,
        paragraph(target_text(m, row, data.quarter.fy, not_official(data, TARGETS)), class_="target"),
        paragraph(statement, class_="lag incomplete" if returns.missing_periods(row) else "lag") if statement else None,
        element("dl", [[element("dt", k), element("dd", v)] for k, v in facts], class_="facts"),
        sources_note(
            data,
            "actuals.csv",
            TARGETS,
            *(["events.csv"] if _events(data, measure_id) else []),
            *(["action_plan.csv"] if not _linked_tasks(data, measure_id).empty else []),
        ),
        class_="measure-head",
    )


@SECTIONS
def figures(data: QuarterData, measure_id: str) -> Html:
    """The quarter's own figure, the year to date against the profiled target and last year, and the forecast.

    An incomplete measure's quarter reads "so far" (the headline says which returns are due); when the quarter
    has no value of its own its figure reads "no return yet".
    """
    m, row = _measure(data, measure_id)
    fy = data.quarter.fy
    to = f"to {period_name(row['period_end'])}" if present(row["period_end"]) else "no data yet"
    rows = [
        [f"This quarter ({data.quarter.label})", returns.quarter_figure(row)],
        [f"Same quarter last year ({fy_short(fy - 1)})", number(row.get("last_year_quarter_actual"))],
        [f"Year to date ({to})", number(row["ytd_actual"])],
        [f"Profiled target to the same point ({fy_short(fy)})", number(row["ytd_target"])],
        [f"Same period last year ({fy_short(fy - 1)})", number(row["last_year_ytd"])],
        ["Change on last year", percent(row["change_vs_last_year"])],
        ["Forecast for the year", number(row["forecast"])],
        [f"Annual target {fy_short(fy)}", target_cell(data, row["annual_target"])],
        [f"Total last year ({fy_short(fy - 1)})", number(row["last_year_total"])],
    ]
    return section(
        "Year to date",
        table(["Figure", "Value"], rows, caption=f"{m.title}: key figures"),
    )


@SECTIONS
def history(data: QuarterData, measure_id: str) -> Html:
    """Quarter by quarter: status, year to date, forecast and SPC variation, and the direction of travel."""
    m = data.register.measure(measure_id)
    rows = returns.history_rows(data, measure_id)
    heading = "Quarter by quarter"
    if rows.empty:
        return section(heading, paragraph("No quarter has been built for this measure yet."), cls="history")
    body = [
        [
            returns.quarter_name(r.quarter),
            status_cell(data, r.status),
            number_cell(r.ytd_actual) or "–",
            number_cell(r.forecast) or "–",
            variation_badge(r.spc_variation or None, short=True) if r.spc_variation else "–",
        ]
        for r in rows.itertuples()
    ]
    this = str(data.quarter)
    earlier = rows[[parse_quarter(q) < data.quarter for q in rows["quarter"]]]
    now = rows[rows["quarter"] == this]
    if earlier.empty or now.empty:
        travel = "No earlier quarter has been built, so there is no direction of travel yet."
    else:
        before = earlier.iloc[-1]
        travel = returns.direction(
            str(before["status"]), str(now.iloc[-1]["status"]), returns.quarter_name(before["quarter"])
        )
    return section(
        heading,
        paragraph(travel, class_="direction"),
        table(
            ["Quarter", "Status", "Year to date", "Forecast", "Unusual change (SPC)"],
            body,
            caption=f"{m.title}: quarter by quarter",
            numeric_from=2,
        ),
        cls="history",
    )


@SECTIONS
def period_table(data: QuarterData, measure_id: str) -> Html:
    """The report's table: actuals both years, profiled target, cumulative actuals, % difference."""
    m = data.register.measure(measure_id)
    y, fy = _years(data, measure_id), data.quarter.fy
    diff = [
        percent(c / p - 1, 0) if present(c) and present(p) and p else ""
        for c, p in zip(y["cum_this"], y["cum_last"], strict=True)
    ]
    cumulative = m.aggregation in ("sum", "mean")  # a running total or point-in-time figure is its own
    label = "Cumulative" if cumulative else "Year to date"
    rows = [
        [f"Actual {fy_short(fy - 1)}", *map(number_cell, y["last_year"])],
        [f"Actual {fy_short(fy)}", *map(number_cell, y["this_year"])],
        [f"Profiled target {fy_short(fy)}", *map(number_cell, y["target"])],
    ]
    if cumulative:
        rows += [
            [f"{label} actual {fy_short(fy - 1)}", *map(number_cell, y["cum_last"])],
            [f"{label} actual {fy_short(fy)}", *map(number_cell, y["cum_this"])],
        ]
    rows.append(["% difference on last year (year to date)", *diff])
    return section(
        "Period by period",
        table(
            ["", *y["period_label"]],
            rows,
            caption=f"{m.title}, {fy_short(fy - 1)} and {fy_short(fy)}",
            classes="report-table period-table",
        ),
    )


@SECTIONS
def cumulative_chart(data: QuarterData, measure_id: str) -> Html:
    """Cumulative actual against the profiled target and last year."""
    y, fy = _years(data, measure_id), data.quarter.fy
    frame = y[["period_label", "order", "target"]].assign(this_year=y["cum_this"], last_year=y["cum_last"])
    return charts.cumulative_chart(frame, data.register.measure(measure_id).unit, fy_short(fy), fy_short(fy - 1))


@SECTIONS
def period_chart(data: QuarterData, measure_id: str) -> Html:
    """Each period this year against the same period last year, with the year's events marked."""
    y, fy = _years(data, measure_id), data.quarter.fy
    return charts.period_chart(
        y[["period", "period_label", "order", "this_year", "last_year"]],
        data.register.measure(measure_id).unit,
        fy_short(fy),
        fy_short(fy - 1),
        _events(data, measure_id),
    )


def _events(data: QuarterData, measure_id: str) -> list[tuple[str, str]]:
    """The measure's events (``events.csv``) as ``(period, text)``, in time order."""
    events = data.table(EVENTS)
    rows = events[events["measure_id"] == measure_id] if not events.empty else events
    return sorted(zip(rows["period"], rows["text"], strict=True))


def _stale(data: QuarterData, measure_id: str) -> dict[str, StaleText]:
    """The measure's texts written before one of their figures changed, by label (``text_basis.csv``)."""
    return {s.text: s for s in stale_texts(data.table(TEXT_BASIS), measure_id)}


def stale_mark(stale: StaleText | None) -> Html | None:
    """A text written before its figures changed, said so beside it: which figures, then and now.

    >>> from analysis.processed.stale import Changed
    >>> print(stale_mark(StaleText("asb", "commentary", (Changed("2015-08", 902.0, 920.0),))))
    <p class="stale" role="note"><strong>Written before a figure changed:</strong> when this was written, August 2015 was 902 (now 920). The text may quote the old figure.</p>
    """
    if stale is None:
        return None
    parts = [
        f"{figure_name(c.figure)} {'had no figure yet' if c.shown is None else 'was ' + number(c.shown)} "
        f"(now {'none' if c.now is None else number(c.now)})"
        for c in stale.changes
    ]
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    several = len(stale.changes) > 1
    return paragraph(
        element("strong", "Written before figures changed:" if several else "Written before a figure changed:"),
        f" when this was written, {listed}. The text may quote the old figure{'s' if several else ''}.",
        class_="stale",
        role="note",
    )


@SECTIONS
def narrative(data: QuarterData, measure_id: str) -> Html:
    """The drafted sentences, then the analyst's commentary and the partners' notes, each marked when it was
    written before one of its figures changed."""
    m, row = _measure(data, measure_id)
    text = drafting.draft(row.to_dict(), data.quarter, m.unit)
    note = data.commentary.get(measure_id)
    stale = _stale(data, measure_id)
    commentary = (
        element(
            "div",
            element("h3", "Analyst commentary"),
            stale_mark(stale.get(COMMENTARY)),
            markdown(note),
            class_="commentary",
        )
        if note
        else None
    )
    notes = data.table(PARTNER_NOTES)
    notes = notes[notes["measure_id"] == measure_id] if not notes.empty else notes
    partner = (
        element(
            "div",
            element("h3", "Partner's note" if len(notes) == 1 else "Partners' notes"),
            bullets(
                [
                    [
                        f"{n.lead or m.partner or 'Partner'}, {period_name(n.period)}: {n.note}",
                        stale_mark(stale.get(f"{NOTE}{n.period}")),
                    ]
                    for n in notes.itertuples()
                ]
            ),
            class_="partner-notes",
        )
        if not notes.empty
        else None
    )
    return section("Commentary", paragraph(text, class_="drafted"), commentary, partner)


def _linked_tasks(data: QuarterData, measure_id: str) -> pd.DataFrame:
    plan = data.table(ACTION_PLAN)
    return plan[plan["measure_id"] == measure_id] if not plan.empty else plan


@SECTIONS
def actions(data: QuarterData, measure_id: str) -> Html:
    """Action plan tasks and interventions linked to this measure, marked when the plan is illustrative."""
    linked = _linked_tasks(data, measure_id)
    if linked.empty:
        return section("Actions and interventions", paragraph("No action plan task is linked to this measure."))
    stale = _stale(data, measure_id)
    rows = [
        [
            a.task,
            a.target,
            [a.position, stale_mark(stale.get(f"{POSITION}{a.task or a.ref}"))] if a.position else a.position,
            action_status_cell(a.status),
            TERM_WORDS.get(a.term, "–"),
            a.improvement or "–",
            a.deadline or "–",
        ]
        for a in linked.itertuples()
    ]
    mark = source_mark(data, "action_plan.csv")
    return section(
        "Actions and interventions",
        paragraph("These rows are ", mark, ".", class_="source-note") if mark else None,
        table(ACTION_HEADER, rows, numeric_from=99),
    )


@SECTIONS
def spc(data: QuarterData, measure_id: str) -> Html:
    """The XmR chart, the pattern of the latest point in words, variation and assurance beside the traffic light."""
    m, row = _measure(data, measure_id)
    points = data.table(SPC)
    rows = points[points["measure_id"] == measure_id] if not points.empty else points
    if rows.empty:
        why = (
            "a figure taken at a point in time is not a count of events, so it has no usual range to chart"
            if m.aggregation == "last"
            else "fewer than two periods have figures"
        )
        return section(SPC_HEADING, _question("pattern"), paragraph(f"No chart of the usual range: {why}."))
    from analysis.core.rebase import segment_bounds
    from analysis.method.spc import MIN_POINTS, per_period_target, rebases_in

    rows = rows.reset_index(drop=True)
    target = per_period_target(m, row["period_end"])
    rebases = rebases_in(m, rows["period"].iloc[-1])
    start, stop = segment_bounds(list(rows["period"]), rebases)[-1]
    latest = rows.iloc[start:stop].reset_index(drop=True)
    trial = len(latest) < MIN_POINTS
    answer = _answer(measure_verdict(data, measure_id), "pattern")
    events = _events(data, measure_id)
    if not trial:
        limits = None
    elif start:
        limits = (
            f"A provisional usual range (trial limits): only {len(latest)} periods since it was last worked out "
            "afresh; 12 or more give a firm one."
        )
    else:
        limits = f"A provisional usual range (trial limits): only {len(rows)} periods; 12 or more give a firm one."
    return section(
        SPC_HEADING,
        _question("pattern"),
        paragraph(answer, class_="answer") if answer else None,
        paragraph(_pattern(latest, m.frequency), class_="pattern"),
        _rebased(latest["period"].iloc[0], events) if start else None,
        _assurance(row),
        paragraph(limits) if limits else None,
        charts.spc_chart(rows, m.unit, target, rebases, events),
    )


def _pattern(segment: pd.DataFrame, frequency: str) -> str:
    """Which pattern the latest point belongs to, in plain words (spc.csv's ``rules``)."""
    from analysis.report.variation import pattern_phrases

    last = segment.iloc[-1]
    phrases = pattern_phrases(segment, frequency)
    head = f"The latest figure, {period_name(last['period'])} ({number(last['value'])}), is "
    if not phrases:
        return (
            head + "within the usual range (the process limits), and not part of a run of seven on one side of the "
            "average, seven rises or falls in a row, or two of three close to the edge of the range."
        )
    return head + "; ".join(phrases) + "."


def _rebased(period: str, events: list[tuple[str, str]]) -> Html:
    """Where the latest segment starts, and why (its event)."""
    reason = dict(events).get(period)
    why = f": {reason}" if reason else ""
    return paragraph(
        f"The average and the usual range were worked out afresh (a rebase) from {period_name(period)}, where the "
        f"process changed{why}.",
        class_="rebase",
    )


def _assurance(row: pd.Series) -> Html | None:
    """SPC assurance, shown only where it agrees with the status; where it seems not to, the headline's notes say why."""
    assurance, status = row.get("spc_assurance") or "", row["status"]
    if not assurance or status in UNJUDGED or disagreements(status, assurance=assurance):
        return None
    return paragraph(assurance_badge(assurance), class_="assurance")


@SECTIONS
def change(data: QuarterData, measure_id: str) -> Html:
    """Is the change on last year beyond chance? The exact test of the counts (counts only)."""
    _, row = _measure(data, measure_id)
    title = "Change on last year"
    answer = _answer(measure_verdict(data, measure_id), "change")
    if not present(row["last_year_ytd"]) or answer is None:
        return section(
            title,
            _question("change"),
            paragraph("No comparison: last year's figures for the same periods are incomplete."),
        )
    figures = f"{number(row['ytd_actual'])} against {number(row['last_year_ytd'])} in the same period last year."
    c = data.change_on_last_year(measure_id)
    cls = (
        "change-none"
        if c is None
        else ("change-small" if c["small_count"] else ("change-significant" if c["significant"] else "change-none"))
    )
    test = (
        paragraph(ratio_words(row), class_="method")
        if c is not None
        else paragraph(
            "The test of chance applies to counts of events; this measure is a rate, an average or a running total.",
            class_="method",
        )
    )
    return section(
        title, _question("change"), paragraph(answer, class_=f"answer {cls}"), paragraph(_sentence(figures)), test
    )


@SECTIONS
def projection(data: QuarterData, measure_id: str) -> Html:
    """The year-end forecast with its interval and the chance of meeting the target."""
    m, row = _measure(data, measure_id)
    if not present(row["forecast"]):
        return section("Projection", _question("odds"), paragraph("No projection: no figures yet this year."))
    from analysis.method.stats import Projection

    p = Projection(
        row["forecast"],
        row["forecast_low"] if present(row.get("forecast_low")) else None,
        row["forecast_high"] if present(row.get("forecast_high")) else None,
        row["p_meet_target"] if present(row.get("p_meet_target")) else None,
    )
    method = (
        "The year to date is scaled up by last year's pattern; the range allows for the chance ups and downs of the "
        "events still to come (a Poisson model) and for uncertainty in their rate."
        if m.aggregation == "sum"
        else "For rates, averages and running totals the forecast is a single figure, without a range."
    )
    answer = _answer(measure_verdict(data, measure_id), "odds")
    unit = f" {m.unit}" if m.unit else ""
    forecast = f"Projected {number(p.forecast)}{unit} by the year end"
    if p.low is not None and p.high is not None:
        forecast += f", likely between {number(p.low)} and {number(p.high)} (a 95% range)"
    return section(
        "Projection",
        _question("odds"),
        paragraph(answer, class_="answer") if answer else paragraph(_odds_absent(row["status"]), class_="answer"),
        paragraph(forecast, "."),
        paragraph(method, class_="method"),
    )


SPC_HEADING = "Unusual changes (statistical process control)"


def ratio_words(row: pd.Series | dict) -> str:
    """The exact test's rate ratio and its confidence interval in plain words first, the terms after.

    >>> ratio_words({"change_ratio": 0.93, "change_low": 0.88, "change_high": 0.98, "change_significant": "yes"})
    "This year's count is 0.93 times last year's; allowing for chance, the true ratio is likely to lie between 0.88 and 0.98 (the rate ratio and its 95% confidence interval, from an exact test of the counts), so the change is beyond chance."
    """
    ratio, low, high = row.get("change_ratio"), row.get("change_low"), row.get("change_high")
    beyond = "beyond chance" if row.get("change_significant") == "yes" else "within what chance explains"
    if not present(ratio) or not present(low):
        return f"Tested exactly on the counts, the change is {beyond}."
    upper = f"between {number(low, 2)} and {number(high, 2)}" if present(high) else f"{number(low, 2)} or more"
    return (
        f"This year's count is {number(ratio, 2)} times last year's; allowing for chance, the true ratio is likely to "
        f"lie {upper} (the rate ratio and its 95% confidence interval, from an exact test of the counts), so the "
        f"change is {beyond}."
    )


def _odds_absent(status: str) -> str:
    if status == ACHIEVED:
        return "The target has already been reached."
    if status == MONITOR:
        return "There is no target to judge: the measure is monitored."
    return "The odds cannot be worked out for this measure."


@SECTIONS
def neighbourhoods(data: QuarterData, measure_id: str) -> Html:
    """By small area (police.uk measures, when the data has ``neighbourhoods/``): the map, the highest rates and,
    for a gap measure, its gap areas and why."""
    return measure_section(data, measure_id)


@SECTIONS
def signoff(data: QuarterData, measure_id: str) -> Html:
    """Who signed the measure off for the quarter and when, or that no one has yet (nothing when the partnership
    does not ask for sign-off)."""
    return signoff_note(data, measure_id) or Html("")


@SECTIONS
def year_end(data: QuarterData, measure_id: str) -> Html:
    """At quarter four, the measure's year: achieved or not, the year's figure against the annual target and last
    year, and its status at the end of each quarter. Nothing before quarter four."""
    m, row = data.register.measure(measure_id), year_row(data, measure_id)
    if row is None:
        return Html("")
    quarters = table(["Q1", "Q2", "Q3", "Q4"], [quarter_cells(row)], row_headers=False,
                     caption=f"{m.title}: status at the end of each quarter", numeric_from=99)  # fmt: skip
    return section(
        f"The year {year_label(data.quarter)}",
        paragraph(result_cell(row["result"]), class_="year-result"),
        paragraph(year_words(data, m, row), class_="year-figures"),
        quarters,
        cls="year-end",
    )


@SECTIONS.methods
@dataclass(frozen=True)
class MeasurePage:
    """One measure's page for a notebook: a method for each section (:data:`SECTIONS`), of the same name."""

    data: QuarterData
    measure: Measure

    @property
    def row(self) -> pd.Series:
        return self.data.status_row(self.measure.id)

    def section_args(self) -> tuple:
        return (self.data, self.measure.id)


def measure_page(quarter: str, measure_id: str, **kwargs) -> MeasurePage:
    """The page of one measure, from the notebook's parameters (the rest go to :func:`load_quarter`)."""
    data = load_quarter(quarter, **kwargs)
    return MeasurePage(data, data.register.measure(measure_id))
