""" "How the figures are made": the method in plain English, with a worked example, for reviewers.

The rules are taken from the docstrings of the functions that apply them and
the worked example is computed by calling those functions on the quarter's own
data, so this page cannot drift from what the build does.
"""

from __future__ import annotations

import inspect
import math

from analysis.core.formatting import number, percent
from analysis.core.periods import fy_short, period_name, periods_of_year, reporting_window
from analysis.core.register import Measure
from analysis.core.vocabulary import RAG, UNJUDGED
from analysis.method import exceptions, spc, stats
from analysis.method import status as method
from analysis.processed.quarter import QuarterData
from analysis.report.html import Html, bullets, element, paragraph, section, table
from analysis.report.sections import Sections

SECTIONS = Sections("method")
"""The sections of the method page, each declared once by decorating its function."""

RULES = (
    ("Year to date", method.year_to),
    ("Combining periods", method.combine),
    ("Profiled target", method.profiled_target),
    ("Forecast", method.forecast),
    ("Traffic light", method.rag),
    ("Status", method.decide_status),
    ("Statistical process control", spc.spc_for_measure),
    ("Change on last year", stats.compare_counts),
    ("Projection and odds", stats.projection),
)

ASSUMPTIONS = (
    ("Financial years", "Years run April to March; a quarter's figures are the year to date at its end."),
    (
        "Data lag",
        "A measure's period end is the latest period with a value, so a partner one month behind is reported "
        "to that month and the page says so.",
    ),
    (
        "Last year",
        "Comparisons use the same periods of the previous year; where last year is incomplete the forecast "
        "falls back to the run rate and the seasonal profile to an even one.",
    ),
    (
        "Amber tolerance",
        "Amber means within the tolerance (15% of the target unless the register says otherwise) of meeting it.",
    ),
    (
        "Revisions",
        "Police recorded crime is revised after publication; `csp-report verify` lists every figure a revision "
        "would change, and each quarter's dashboard lists values revised since the previous build.",
    ),
    (
        "Small numbers",
        "Counts under the register's small-count threshold (10 by default) are flagged: their percentage "
        "change is not a concern on its own.",
    ),
    (
        "SPC",
        "XmR charts assume the periods are comparable; where the process changed (a new recording rule, a "
        "merger), the register's spc_rebase restarts the mean and limits, and nothing crosses the rebase. Fewer "
        "than 12 points in a segment give trial limits only. Running totals of the year (aggregation "
        "'cumulative') are charted by each period's own increase; point-in-time figures (aggregation 'last') "
        "get no SPC chart.",
    ),
    (
        "Family group",
        "Rates per 1,000 residents use the populations in family_group.csv (its source and status are given on "
        "the strategic assessment); the group average is "
        "the unweighted mean of the members' rates, the partnership included.",
    ),
)


def _summary(fn) -> str:
    doc = inspect.getdoc(fn) or ""
    paragraphs = [p for p in doc.split("\n\n") if not p.lstrip().startswith(">>>")]
    return " ".join(" ".join(p.split()) for p in paragraphs).replace("``", "")


@SECTIONS
def rules() -> Html:
    """Each rule of the method in plain English, from the docstring of the function that applies it."""
    rows = [[name, _summary(fn), element("code", f"{fn.__module__}.{fn.__name__}")] for name, fn in RULES]
    rule = "A measure is an exception item when it is one of these: " + " ".join(exceptions.RULE)
    fn = exceptions.exception_reasons
    rows.append(["Exception items", rule, element("code", f"{fn.__module__}.{fn.__name__}")])
    return section("The rules", table(["Step", "What it does", "Code"], rows, numeric_from=99))


def example_measure(data: QuarterData, measure_id: str = "") -> Measure:
    """The measure of the worked example: the one asked for, else the first with a target and data."""
    if measure_id:
        return data.register.measure(measure_id)
    for m in data.register.measures:
        row = data.status_row(m.id)
        if row["status"] not in UNJUDGED and m.aggregation == "sum":
            return m
    return data.register.measures[0]


@SECTIONS
def worked_example(data: QuarterData, measure_id: str = "") -> Html:
    """The method step by step on one measure of this quarter, each number computed here."""
    m = example_measure(data, measure_id)
    s = data.series[data.series["measure_id"] == m.id]
    series = {p: v for p, v in zip(s["period"], s["value"], strict=True) if not math.isnan(v)}
    q = data.quarter
    window = reporting_window(q, m.frequency)
    result = method.measure_status(m, series, q)
    steps = [f"Measure: {m.title} ({m.polarity} is better, {m.frequency}, aggregation {m.aggregation})."]
    if result.period_end is None:
        steps.append("No value in the reporting window, so the status is no_data.")
        return section("Worked example", _ol(steps))
    k, n = result.periods_elapsed, result.periods_in_year
    used = [series[p] for p in window[:k] if p in series]
    steps.append(
        f"Reporting window: {period_name(window[0])} to {period_name(window[-1])}; the latest period with a value "
        f"is {period_name(result.period_end)}, so k = {k} of n = {n} periods."
    )
    joiner = " + " if m.aggregation == "sum" else ", "
    combined = (
        f"the value at the period end, {number(result.ytd_actual)}"
        if m.aggregation in ("cumulative", "last")
        else f"{joiner.join(number(v) for v in used)} = {number(result.ytd_actual)}"
    )
    steps.append(f"Year to date ({m.aggregation}): {combined}.")
    last = periods_of_year(q.fy - 1, m.frequency)
    if result.last_year_ytd is not None:
        steps.append(
            f"Same periods of {fy_short(q.fy - 1)}: {number(result.last_year_ytd)}; whole of {fy_short(q.fy - 1)}: "
            f"{number(result.last_year_total)}. Change: {number(result.ytd_actual)} / {number(result.last_year_ytd)} - 1 = "
            f"{percent(result.change_vs_last_year)}."
        )
    else:
        steps.append(
            f"{fy_short(q.fy - 1)} lacks some of {period_name(last[0])} to {period_name(last[k - 1])}: no comparison."
        )
    if result.annual_target is not None:
        steps.append(
            f"Profiled target ({m.profile}): annual target {number(result.annual_target)} gives {number(result.ytd_target)} by now."
        )
    if m.aggregation == "mean":
        steps.append(f"Forecast: the average so far, {number(result.forecast)}.")
    elif m.aggregation != "cumulative" and result.last_year_total is not None and result.last_year_ytd:
        steps.append(
            f"Forecast by last year's pattern: {number(result.ytd_actual)} x {number(result.last_year_total)} / "
            f"{number(result.last_year_ytd)} = {number(result.forecast)}."
        )
    else:
        steps.append(f"Forecast by the run rate: {number(result.ytd_actual)} x {n} / {k} = {number(result.forecast)}.")
    if result.status in RAG:
        t = result.annual_target if m.status_method == "forecast" else result.ytd_target
        v = result.forecast if m.status_method == "forecast" else result.ytd_actual
        margin = m.amber_tolerance * abs(t)
        bound = t - margin if m.polarity == "higher" else t + margin
        steps.append(
            f"Status ({m.status_method} method, tolerance {percent(m.amber_tolerance, 0, signed=False)}): {number(v)} against {number(t)}; "
            f"amber bound {number(bound)}; so {result.status}."
        )
    else:
        steps.append(f"Status: {result.status}.")
    return section("Worked example", _ol(steps))


def _ol(items: list[str]) -> Html:
    return bullets(items, "ol")


@SECTIONS
def assumptions() -> Html:
    """The assumptions and caveats of the method and the data sources."""
    return section("Assumptions and caveats", table(["Topic", "Assumption or caveat"], ASSUMPTIONS, numeric_from=99))


@SECTIONS
def data_log(data: QuarterData) -> Html:
    """Every input the quarter was built from, with its SHA-256, from the manifest beside its tables."""
    record = data.manifest
    if record is None:
        return section("Data log", paragraph("No manifest: these tables were not read from a built quarter."))
    rows = [[name, element("code", digest[:16])] for name, digest in record["inputs"].items()]
    code = record["code"]
    note = (
        f"{data.register.partnership}, {record['quarter']}: built from the inputs below. "
        f"Data fingerprint {record['data_fingerprint']}; code version {code['version']}"
        + (f", commit {code['commit'][:10]}" if code.get("commit") else "")
        + (" (with uncommitted changes)" if code.get("dirty") else "")
        + "."
    )
    return section("Data log", paragraph(note), table(["Input file", "SHA-256 (first 16)"], rows, numeric_from=99))
