"""The sections of the quarterly report, as the notebooks display them.

A notebook makes one page object from its parameters and calls its sections in
order; each section returns an HTML fragment (escaped) or an accessible chart.
The sections follow the Safer Plymouth report (measure pages, exception items,
family group, recommendations) and the Gloucester action-plan template.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.core.formatting import number, percent, present
from analysis.core.periods import fy_short, parse_quarter, period_label, period_name
from analysis.core.register import Measure
from analysis.method.status import measure_status
from analysis.processed.quarter import QuarterData, load_quarter
from analysis.report import charts, narrative
from analysis.report.html import STATUS_SHORT, Html, esc, markdown, section, status_badge, table
from analysis.report.variation import assurance_badge, disagreement, variation_badge

STATUS_ORDER = ("achieved", "green", "amber", "red", "monitor", "no_data")
TERM_WORDS = {
    "S": "Short term (within 3 months)",
    "M": "Medium term (3-6 months)",
    "L": "Long term (6-12 months or ongoing)",
}
POLARITY_WORDS = {"higher": "higher is better", "lower": "lower is better", "monitor": "monitoring only"}


def _status_cell(data: QuarterData, status: str) -> Html:
    return status_badge(status, data.register.label(status) if status in STATUS_ORDER else status)


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


def _target_text(measure: Measure, row: pd.Series, fy: int) -> str:
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
            plans = [
                f"<li>{esc(a.improvement)}{f' (deadline {esc(a.deadline)})' if a.deadline else ''}</li>"
                for a in linked.itertuples()
            ]
        figures = (
            f"Year to date {number(row['ytd_actual'])} against a profiled target of {number(row['ytd_target'])}; "
            f"forecast {number(row['forecast'])} for the year; {percent(row['change_vs_last_year'])} on last year."
        )
        improvement = (
            f"<p><strong>Planned improvement:</strong></p><ul>{''.join(plans)}</ul>"
            if plans
            else "<p><strong>Planned improvement:</strong> none recorded in the action plan.</p>"
        )
        items.append(
            f'<article class="exception exception-{esc(row["status"])}">'
            f'<h3><a href="{esc(link_prefix)}{esc(m.id)}.html">{esc(m.title)}</a></h3>'
            f"<p>{_status_cell(data, row['status'])} – {esc(_target_text(m, row, data.quarter.fy))}</p>"
            f'<p>{esc(figures)}</p><p class="reason">{esc(item.reason[0].upper() + item.reason[1:])}.</p>'
            f"{improvement}</article>"
        )
    body = "".join(items) if items else "<p>No measure is amber or red this quarter.</p>"
    return section("Exception items", body, cls="exceptions")


@dataclass(frozen=True)
class MeasurePage:
    """One measure's page: headline, figures, tables, charts, narrative and actions."""

    data: QuarterData
    measure: Measure

    @property
    def row(self) -> pd.Series:
        return self.data.status_row(self.measure.id)

    def _series(self) -> pd.DataFrame:
        s = self.data.series
        return s[s["measure_id"] == self.measure.id]

    def _years(self) -> pd.DataFrame:
        fy = self.data.quarter.fy
        s = self._series()
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

    def headline(self) -> Html:
        """Title, status in the register's words, and what the measure is aiming for."""
        m, row = self.measure, self.row
        facts = [
            ("Priority", m.priority),
            ("Lead", m.lead or "–"),
            ("Partner", m.partner or "–"),
            ("Direction", POLARITY_WORDS[m.polarity]),
        ]
        if m.threads:
            facts.append(("Golden threads", ", ".join(m.threads)))
        dl = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in facts)
        lagged = ""
        if present(row["period_end"]) and row["period_end"] not in (
            self.data.quarter.last_month,
            str(self.data.quarter),
        ):
            lagged = f'<p class="lag">Data to the end of {esc(period_name(row["period_end"]))} (one period behind).</p>'
        return Html(
            f'<header class="measure-head">'
            f'<p class="headline-status">{_status_cell(self.data, row["status"])}</p>'
            f'<p class="target">{esc(_target_text(m, row, self.data.quarter.fy))}</p>{lagged}'
            f'<dl class="facts">{dl}</dl></header>'
        )

    def figures(self) -> Html:
        """Year to date against the profiled target and last year, and the year-end forecast."""
        row, fy = self.row, self.data.quarter.fy
        to = f"to {period_name(row['period_end'])}" if present(row["period_end"]) else "no data yet"
        rows = [
            [f"Year to date ({to})", number(row["ytd_actual"])],
            [f"Profiled target to the same point ({fy_short(fy)})", number(row["ytd_target"])],
            [f"Same period last year ({fy_short(fy - 1)})", number(row["last_year_ytd"])],
            ["Change on last year", percent(row["change_vs_last_year"])],
            ["Forecast for the year", number(row["forecast"])],
            [f"Annual target {fy_short(fy)}", number(row["annual_target"])],
            [f"Total last year ({fy_short(fy - 1)})", number(row["last_year_total"])],
        ]
        return section("Year to date", table(["Figure", "Value"], rows, caption=f"{self.measure.title}: key figures"))

    def period_table(self) -> Html:
        """The report's table: actuals both years, profiled target, cumulative actuals, % difference."""
        y, fy = self._years(), self.data.quarter.fy
        diff = [
            percent(c / p - 1, 0) if present(c) and present(p) and p else ""
            for c, p in zip(y["cum_this"], y["cum_last"], strict=True)
        ]
        cumulative = self.measure.aggregation != "last"
        label = "Cumulative" if cumulative else "Year to date"
        rows = [
            [f"Actual {fy_short(fy - 1)}", *map(_cell, y["last_year"])],
            [f"Actual {fy_short(fy)}", *map(_cell, y["this_year"])],
            [f"Profiled target {fy_short(fy)}", *map(_cell, y["target"])],
        ]
        if cumulative:
            rows += [
                [f"{label} actual {fy_short(fy - 1)}", *map(_cell, y["cum_last"])],
                [f"{label} actual {fy_short(fy)}", *map(_cell, y["cum_this"])],
            ]
        rows.append(["% difference on last year (year to date)", *diff])
        return section(
            "Period by period",
            table(
                ["", *y["period_label"]],
                rows,
                caption=f"{self.measure.title}, {fy_short(fy - 1)} and {fy_short(fy)}",
                classes="report-table period-table",
            ),
        )

    def cumulative_chart(self) -> Html:
        """Cumulative actual against the profiled target and last year."""
        y, fy = self._years(), self.data.quarter.fy
        frame = y[["period_label", "order", "target"]].assign(this_year=y["cum_this"], last_year=y["cum_last"])
        return charts.cumulative_chart(frame, self.measure.unit, fy_short(fy), fy_short(fy - 1))

    def period_chart(self) -> Html:
        """Each period this year against the same period last year."""
        y, fy = self._years(), self.data.quarter.fy
        return charts.period_chart(
            y[["period_label", "order", "this_year", "last_year"]], self.measure.unit, fy_short(fy), fy_short(fy - 1)
        )

    def narrative(self) -> Html:
        """The drafted sentences, then the analyst's commentary when there is one."""
        text = narrative.draft(self.row.to_dict(), self.data.quarter, self.measure.unit)
        parts = [f'<p class="drafted">{esc(text)}</p>']
        note = self.data.commentary.get(self.measure.id)
        if note:
            parts.append(f'<div class="commentary"><h3>Analyst commentary</h3>{markdown(note)}</div>')
        return section("Commentary", *parts)

    def actions(self) -> Html:
        """Action plan tasks and interventions linked to this measure."""
        plan = self.data.table("action_plan.csv")
        linked = plan[plan["measure_id"] == self.measure.id] if not plan.empty else plan
        if linked.empty:
            return section("Actions and interventions", "<p>No action plan task is linked to this measure.</p>")
        rows = [
            [
                a.task,
                a.target,
                a.position,
                _status_cell(self.data, a.status),
                TERM_WORDS.get(a.term, "–"),
                a.improvement or "–",
            ]
            for a in linked.itertuples()
        ]
        header = ["Task", "Target", "Position", "Status", "Term", "Planned improvement / action needed and deadline"]
        return section("Actions and interventions", table(header, rows, numeric_from=99))

    def spc(self) -> Html:
        """The XmR chart, variation and assurance beside the traffic light, and any disagreement."""
        row = self.row
        spc = self.data.table("spc.csv")
        rows = spc[spc["measure_id"] == self.measure.id] if not spc.empty else spc
        if rows.empty:
            why = (
                "cumulative or point-in-time figures (aggregation 'last') get no SPC chart"
                if self.measure.aggregation == "last"
                else "fewer than two periods have values"
            )
            return section("Statistical process control", f"<p>No SPC chart: {esc(why)}.</p>")
        from analysis.method.spc import per_period_target

        target = per_period_target(self.measure, row["period_end"])
        trial = len(rows) < 12
        note = disagreement(row["status"], row.get("spc_variation"))
        side_by_side = table(
            ["View", "Reading"],
            [
                ["Traffic light (target)", _status_cell(self.data, row["status"])],
                ["Variation (SPC)", variation_badge(row.get("spc_variation"))],
                ["Assurance (SPC)", assurance_badge(row.get("spc_assurance"))],
            ],
            numeric_from=99,
        )
        parts = [side_by_side]
        if note:
            parts.append(f'<p class="disagreement"><strong>Note:</strong> {esc(note)}</p>')
        if trial:
            parts.append(f"<p>Trial limits: only {len(rows)} points (12 or more are needed for firm limits).</p>")
        parts.append(charts.spc_chart(rows.reset_index(drop=True), self.measure.unit, trial, target))
        return section("Statistical process control", *parts)

    def change(self) -> Html:
        """Whether the change on last year is statistically significant (counts only)."""
        row = self.row
        if not present(row["last_year_ytd"]):
            return section(
                "Change on last year", "<p>No comparison: last year's figures for the same periods are incomplete.</p>"
            )
        if self.data.change_on_last_year(self.measure.id) is None:
            text = (
                f"{percent(row['change_vs_last_year'])} on last year. The significance test applies to counts "
                "(aggregation 'sum'); this measure is a rate or a cumulative figure."
            )
            return section("Change on last year", f"<p>{esc(text)}</p>")
        c = self.data.change_on_last_year(self.measure.id)
        verdict = c["verdict"]
        text = f"{number(row['ytd_actual'])} against {number(row['last_year_ytd'])} in the same period last year: {verdict}."
        cls = "change-small" if c["small_count"] else ("change-significant" if c["significant"] else "change-none")
        return section("Change on last year", f'<p class="{cls}">{esc(text[0].upper() + text[1:])}</p>')

    def projection(self) -> Html:
        """The year-end forecast with its interval and the chance of meeting the target."""
        row = self.row
        if not present(row["forecast"]):
            return section("Projection", "<p>No projection: no figures yet this year.</p>")
        from analysis.method.stats import Projection

        p = Projection(
            row["forecast"],
            row["forecast_low"] if present(row.get("forecast_low")) else None,
            row["forecast_high"] if present(row.get("forecast_high")) else None,
            row["p_meet_target"] if present(row.get("p_meet_target")) else None,
        )
        text = p.describe(self.measure.unit)
        method = (
            "Last year's seasonal pattern scales the year to date; the range allows for chance (Poisson) variation "
            "in the events still to come and for uncertainty in the rate."
            if self.measure.aggregation == "sum"
            else "For rates and cumulative figures the forecast is a point estimate, without a range."
        )
        return section("Projection", f'<p>{esc(text[0].upper() + text[1:])}.</p><p class="method">{esc(method)}</p>')

    def method_check(self) -> Html:
        """The status recomputed here from the series with the method, beside the processed table."""
        s = self._series()
        series = {p: v for p, v in zip(s["period"], s["value"], strict=True) if present(v)}
        result = measure_status(self.measure, series, self.data.quarter)
        same = result.status == self.row["status"]
        verdict = "matches the processed table" if same else f"DIFFERS from the processed table ({self.row['status']})"
        return Html(
            f'<p class="method-check">Recomputed with <code>analysis.method.status.measure_status</code>: status '
            f"<strong>{esc(result.status)}</strong>, year to date {number(result.ytd_actual)}, forecast "
            f"{number(result.forecast)} – {esc(verdict)}.</p>"
        )


def _cell(value: object) -> str:
    return number(value) if present(value) else ""


def measure_page(quarter: str, measure_id: str, *, processed_dir: str | Path = "") -> MeasurePage:
    """The page of one measure, from the notebook's parameters."""
    data = load_quarter(quarter, processed_dir=processed_dir)
    return MeasurePage(data, data.register.measure(measure_id))


@dataclass(frozen=True)
class Dashboard:
    """The quarter's front page: every measure by priority with its status and figures."""

    data: QuarterData

    def title(self) -> Html:
        reg = self.data.register
        return Html(
            f'<header><p class="subtitle">{esc(reg.partnership)}: performance report for '
            f"{esc(self.data.quarter.label)} ({esc(str(self.data.quarter))})</p></header>"
        )

    def summary(self) -> Html:
        return summary_box(self.data)

    def measures(self) -> Html:
        """Seed 001's target dashboard: measures grouped by priority, linking to their pages."""
        parts = []
        for priority in self.data.register.priorities:
            rows = []
            for m in (m for m in self.data.register.measures if m.priority == priority):
                r = self.data.status_row(m.id)
                rows.append(
                    [
                        Html(f'<a href="measures/{esc(m.id)}.html">{esc(m.title)}</a>'),
                        m.lead or "–",
                        _status_cell(self.data, r["status"]),
                        variation_badge(r.get("spc_variation"), short=True),
                        number(r["ytd_actual"]),
                        number(r["ytd_target"]),
                        number(r["annual_target"]),
                        percent(r["change_vs_last_year"]),
                    ]
                )
            header = [
                "Measure",
                "Lead",
                "Status",
                "SPC variation",
                "Year to date",
                "Profiled target",
                "Annual target",
                "Change on last year",
            ]
            parts.append(section(priority, table(header, rows, numeric_from=4), level=3, cls="priority"))
        notes = [
            f"<li><strong>{esc(self.data.register.measure(r.measure_id).title)}</strong>: {esc(disagreement(r.status, r.spc_variation or None))}</li>"
            for r in self.data.status.itertuples()
            if disagreement(r.status, r.spc_variation or None)
        ]
        if notes:
            parts.append(
                section(
                    "Where the traffic light and SPC disagree",
                    f"<ul>{''.join(notes)}</ul>",
                    level=3,
                    cls="disagreements",
                )
            )
        return section("Measures by priority", *parts, cls="dashboard")

    def exceptions(self) -> Html:
        return exception_items(self.data)

    def changes(self) -> Html:
        """Which measures changed status since the previous quarter, and which values were revised."""
        changes = self.data.changes
        title = "What changed since last quarter"
        if changes.empty or (changes["kind"] == "previous_build").sum() == 0:
            return section(title, "<p>No comparison was made.</p>")
        previous = changes[changes["kind"] == "previous_build"].iloc[0]
        if previous["after"] != "found":
            return section(
                title,
                f"<p>The previous quarter ({esc(previous['previous_quarter'])}) has not been built here, so there is nothing to compare with.</p>",
            )
        titles = {m.id: m.title for m in self.data.register.measures}
        status = changes[changes["kind"] == "status"]
        revised = changes[changes["kind"] == "revision"]
        parts = [f"<p>Compared with the build of {esc(previous['previous_quarter'])}.</p>"]
        if status.empty:
            parts.append("<p>No measure changed status.</p>")
        else:
            rows = [
                [
                    titles.get(r.measure_id, r.measure_id),
                    _status_cell(self.data, r.before),
                    _status_cell(self.data, r.after),
                ]
                for r in status.itertuples()
            ]
            parts.append(
                table(["Measure", f"Status in {previous['previous_quarter']}", "Status now"], rows, numeric_from=99)
            )
        if revised.empty:
            parts.append("<p>No earlier value was revised.</p>")
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
        return section(title, *parts, cls="changes")


def dashboard(quarter: str, *, processed_dir: str | Path = "") -> Dashboard:
    """The dashboard, from the notebook's parameters."""
    return Dashboard(load_quarter(quarter, processed_dir=processed_dir))


@dataclass(frozen=True)
class StrategicAssessment:
    """Family group position, priorities, summary, exceptions, recommendations and the action plan."""

    data: QuarterData

    def title(self) -> Html:
        return Html(
            f'<header><p class="subtitle">{esc(self.data.register.partnership)}: strategic assessment, '
            f"{esc(self.data.quarter.label)}</p></header>"
        )

    def summary(self) -> Html:
        return summary_box(self.data)

    def exceptions(self) -> Html:
        return exception_items(self.data)

    def priorities(self) -> Html:
        """Every priority with its measures and their statuses."""
        parts = []
        for priority in self.data.register.priorities:
            items = "".join(
                f'<li><a href="measures/{esc(m.id)}.html">{esc(m.title)}</a> – '
                f"{_status_cell(self.data, self.data.status_row(m.id)['status'])}</li>"
                for m in self.data.register.measures
                if m.priority == priority
            )
            parts.append(f"<h3>{esc(priority)}</h3><ul>{items}</ul>")
        return section("Priorities", *parts, cls="priorities")

    def recommendations(self) -> Html:
        """Strategic assessment recommendations and their progress."""
        recs = self.data.table("recommendations.csv")
        if recs.empty:
            return section(
                "Strategic assessment recommendations", "<p>No recommendations were supplied for this quarter.</p>"
            )
        rows = [
            [
                f"{int(r.number)}.",
                r.recommendation,
                r.progress or "–",
                _status_cell(self.data, r.status) if r.status else "–",
            ]
            for r in recs.sort_values("number").itertuples()
        ]
        return section(
            "Performance on strategic assessment recommendations",
            table(["No.", "Recommendation", "Progress", "Status"], rows, numeric_from=99),
        )

    def action_plan(self) -> Html:
        """The action plan by outcome in the Gloucester template's columns."""
        plan = self.data.table("action_plan.csv")
        if plan.empty:
            return section("Action plan", "<p>No action plan was supplied for this quarter.</p>")
        parts = []
        header = ["Tasks", "Target", "Position", "Status", "Planned improvement/action needed and deadline"]
        for outcome, group in plan.groupby("outcome", sort=False):
            blocks = []
            for (ref, action), tasks in group.groupby(["ref", "action"], sort=False):
                rows = [
                    [t.task, t.target, t.position, _status_cell(self.data, t.status), _improvement(t)]
                    for t in tasks.itertuples()
                ]
                heading = f"Ref {ref}: {action}" if ref else action
                blocks.append(f"<h4>{esc(heading)}</h4>{table(header, rows, numeric_from=99)}")
            parts.append(f"<h3>Outcome: {esc(outcome or 'Not stated')}</h3>{''.join(blocks)}")
        return section("Action plan", *parts, cls="action-plan")

    def family_group(self) -> Html:
        """The family group position: rates per 1,000, rank, the group average and a chart."""
        partnership = self.data.register.partnership
        where = self.data.family_group_position()
        if where is None:
            return section("Family group position", "<p>No family group figures were supplied for this quarter.</p>")
        ranked = self.data.family_group_rank()
        rows = [
            [r.partnership, number(r.crimes), number(r.population), f"{r.rate_per_1000:.1f}", int(r.rank)]
            for r in ranked.itertuples()
        ]
        pooled = where["pooled_rate"]
        methods = {
            "msg_mean": "against the unweighted mean of the members' rates",
            "poisson": "against the group mean, with an exact Poisson 95% interval on the partnership's rate",
            "iquanta": "against the group mean plus or minus one standard deviation (as iQuanta shows it)",
        }
        source = self.data.register.population_source or "the populations supplied in family_group.csv"
        method = where["method"]
        return section(
            "Family group position",
            f"<p>{esc(where['description'])}.</p>",
            f'<p class="method">Compared {esc(methods.get(method, method))}. Populations: {esc(source)}.</p>',
            table(["Partnership", "Crimes", "Population", "Crimes per 1,000", "Rank (1 = lowest)"], rows),
            charts.family_group_chart(ranked, where["msg_mean"], partnership),
            charts.funnel_chart(ranked, self.data.family_group_funnel(), pooled, partnership),
        )


def _improvement(task) -> str:
    if not task.improvement:
        return "–"
    return f"{task.improvement} (deadline {task.deadline})" if task.deadline else task.improvement


def strategic_assessment(quarter: str, *, processed_dir: str | Path = "") -> StrategicAssessment:
    """The strategic assessment, from the notebook's parameters."""
    return StrategicAssessment(load_quarter(quarter, processed_dir=processed_dir))


__all__ = [
    "Dashboard",
    "MeasurePage",
    "StrategicAssessment",
    "dashboard",
    "exception_items",
    "measure_page",
    "parse_quarter",
    "status_counts",
    "strategic_assessment",
    "summary_box",
]
