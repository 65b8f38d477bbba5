""" "How the figures are made": how a status is decided, written for a board member, with the quarter's own example.

The reader's page says what a status means, how it is decided, what the other readings beside it tell, and the
caveats, in plain words, and works one measure of the quarter through by the method itself
(:func:`analysis.method.status.measure_status`), so the example cannot drift from what the build does. The
code-level detail (each rule as the function that applies it states it, and the inputs' fingerprints) is in the
cells for reviewers, shown in the notebook view ("How this page was made"), not on the page.
"""

from __future__ import annotations

import inspect
import math

from analysis.core.formatting import number, percent
from analysis.core.periods import fy_short, period_name, reporting_window
from analysis.core.register import Measure
from analysis.core.vocabulary import RAG, STATUS_CODES, STATUS_MEANINGS, STATUS_SHORT, UNJUDGED
from analysis.method import exceptions, spc, stats
from analysis.method import status as method
from analysis.processed.quarter import QuarterData
from analysis.report.html import Html, bullets, element, paragraph, section, status_badge, table
from analysis.report.sections import Sections
from analysis.report.verdict import against

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

CAVEATS = (
    ("The year", "Years run April to March. A quarter's status looks at the year so far, from April to the end "
     "of the quarter, not at the quarter on its own."),
    ("Late figures", "Some partners' figures normally arrive a month or a quarter behind; the page of such a "
     "measure says how far its figures go. A figure still due is named, and a status that rests on incomplete "
     "figures says so until it arrives."),
    ("Revised figures", "Police figures are revised after they are first published. Each quarter's dashboard "
     "lists the figures revised since the last report, and commentary written before a figure changed is marked "
     "until it is brought up to date."),
    ("Last year", "Comparisons are with the same months of the year before. Where last year is incomplete, the "
     "forecast goes at the pace so far and the target is spread evenly."),
    ("Small numbers", "With fewer than 10 events a large percentage change can be chance alone: such changes are "
     "flagged and are not a concern on their own."),
    ("Unusual changes", "The check for unusual changes assumes the months are comparable. Where the way a "
     "figure is counted changed (a new recording rule, a new service), the average and the usual range start "
     "again from that month (a rebase). With fewer than 12 months the usual range is provisional (trial limits)."),
    ("Family group", "The partnership is compared with its most similar group by crimes per 1,000 residents; the "
     "group's average counts each member once. Where the populations come from is said on the strategic "
     "assessment."),
)  # fmt: skip


def _summary(fn) -> str:
    doc = inspect.getdoc(fn) or ""
    paragraphs = [p for p in doc.split("\n\n") if not p.lstrip().startswith(">>>")]
    return " ".join(" ".join(p.split()) for p in paragraphs).replace("``", "")


@SECTIONS
def statuses(data: QuarterData) -> Html:
    """What each status means, in the partnership's own words, and how it is decided."""
    rows = [[status_badge(c, STATUS_SHORT[c]), data.register.label(c), STATUS_MEANINGS[c]] for c in STATUS_CODES]
    steps = [
        "Add up the measure's figures for the year so far, from April to the latest month (or quarter) with a "
        "figure: the year to date. A rate or a percentage is averaged instead; a running total or a figure taken "
        "at a point in time is read at the latest month.",
        "Project the year to date to the end of the year, by the share of last year's total that had come in by "
        "the same point (last year's pattern), or at the pace so far when last year is incomplete: the forecast.",
        "Compare the forecast with the annual target, in the measure's direction (some targets are a floor to rise "
        "above, some a ceiling to stay under): on the right side, green; short of it by no more than the margin, "
        "amber; further off, red.",
    ]
    return section(
        "What a status means",
        paragraph(
            "Every measure with a target gets a status each quarter: a traffic light, always shown with a symbol "
            "and in words as well as in colour. It answers one question: on the figures so far, will the annual "
            "target be met?"
        ),
        table(["Status", "In this report's words", "What it means"], rows, numeric_from=99),
        element("h3", "How it is decided"),
        bullets(steps, "ol"),
        paragraph(
            "Some measures are judged on the year to date against the share of the target due by now (the "
            "profiled target) instead of the forecast; their pages say so."
        ),
        cls="statuses",
    )


@SECTIONS
def readings() -> Html:
    """The other readings beside the status, and the question each answers."""
    items = [
        [element("strong", "Is this different from last year beyond chance? "), "The year to date is compared "
         "with the same months last year, and an exact test of the counts says whether the difference is more "
         "than chance would give (for counts of events only)."],
        [element("strong", "Is there an unusual change in the pattern? "), "Each month's figure is charted with "
         "the average and the usual range of variation worked out from the measure's history (statistical "
         "process control, as NHS England's Making Data Count sets it out). A figure outside the range, or a run "
         "or trend that chance would rarely give, is an unusual change."],
        [element("strong", "How likely is the target? "), "Allowing for the chance ups and downs of the months "
         "still to come, the chance that the year ends on the right side of the target."],
        [element("strong", "Which measures come to the board? "), "The exception items: "
         + " ".join(exceptions.RULE)],
    ]  # fmt: skip
    return section(
        "Beside the status",
        paragraph(
            "Each measure's page answers three more questions. They can point different ways, and the page says "
            "why when they seem to."
        ),
        bullets(items),
        cls="readings",
    )


def rules() -> Html:
    """For reviewers: each rule of the method as the function that applies it states it (its docstring)."""
    rows = [[name, _summary(fn), element("code", f"{fn.__module__}.{fn.__name__}")] for name, fn in RULES]
    rule = "A measure is an exception item when it is one of these: " + " ".join(exceptions.RULE)
    fn = exceptions.exception_reasons
    rows.append(["Exception items", rule, element("code", f"{fn.__module__}.{fn.__name__}")])
    return section("The rules as the code applies them", table(["Step", "What it does", "Code"], rows, numeric_from=99))


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
    """The status of one measure of this quarter worked through in words, each figure computed by the method."""
    m = example_measure(data, measure_id)
    s = data.series[data.series["measure_id"] == m.id]
    series = {p: v for p, v in zip(s["period"], s["value"], strict=True) if not math.isnan(v)}
    q = data.quarter
    window = reporting_window(q, m.frequency)
    result = method.measure_status(m, series, q)
    unit = f" {m.unit}" if m.unit else ""
    intro = paragraph(f"This quarter's example: {m.title}.")
    if result.period_end is None:
        return section("An example from this quarter", intro, paragraph("No figure has come in this year yet."))
    k, n = result.periods_elapsed, result.periods_in_year
    used = [series[p] for p in window[:k] if p in series]
    span = f"{period_name(window[0])} to {period_name(result.period_end)}" if k > 1 else period_name(window[0])
    steps = []
    if m.aggregation == "sum":
        steps.append(
            f"From {span} there were {' + '.join(number(v) for v in used)} = {number(result.ytd_actual)}{unit}."
        )
    elif m.aggregation == "mean":
        steps.append(f"From {span} the figures averaged {number(result.ytd_actual)}{unit}.")
    else:
        steps.append(f"By {period_name(result.period_end)} the figure stood at {number(result.ytd_actual)}{unit}.")
    last = fy_short(q.fy - 1)
    seasonal = m.aggregation in (method.SUM, method.LAST) and result.last_year_total and result.last_year_ytd
    if seasonal:
        steps.append(
            f"In {last} the same months had {number(result.last_year_ytd)} of the year's {number(result.last_year_total)}, "
            f"so the same pattern gives a forecast of {number(result.ytd_actual)} × {number(result.last_year_total)} ÷ "
            f"{number(result.last_year_ytd)} = {number(result.forecast)} for the year."
        )
    elif m.aggregation == "mean":
        steps.append(f"For an average the forecast is the average so far: {number(result.forecast)}.")
    else:
        steps.append(
            f"At the pace so far, {number(result.ytd_actual)} in {k} of {n} periods, the year would end at "
            f"{number(result.forecast)}."
        )
    if result.annual_target is None:
        steps.append("There is no target this year, so the measure is monitored: no status is judged.")
    elif result.status in RAG:
        by_ytd = m.status_method == "ytd"
        value = result.ytd_actual if by_ytd else result.forecast
        target = result.ytd_target if by_ytd else result.annual_target
        margin = m.amber_tolerance * abs(target)
        bound = target - margin if m.polarity == "higher" else target + margin
        direction = "at least" if m.polarity == "higher" else "not more than"
        compared = "the year to date against the share of the target due by now" if by_ytd else "the forecast"
        steps.append(
            f"The target is {direction} {number(result.annual_target)}"
            + (f" for the year, {number(target)} by now" if by_ytd else "")
            + f". Judging {compared}: {number(value)} is {against(value, target, m.polarity)} it; the margin for "
            f"amber ({percent(m.amber_tolerance, 0, signed=False)} of the target) reaches {number(bound)}, so the "
            f"status is {result.status} ({data.register.label(result.status)})."
        )
    else:
        steps.append(f"The status is {result.status} ({data.register.label(result.status)}).")
    return section("An example from this quarter", intro, _ol(steps))


def _ol(items: list[str]) -> Html:
    return bullets(items, "ol")


@SECTIONS
def caveats() -> Html:
    """What to bear in mind when reading the figures."""
    return section("Things to bear in mind", table(["Topic", "What to bear in mind"], CAVEATS, numeric_from=99))


@SECTIONS
def more_detail() -> Html:
    """Where the code-level detail is: the notebook behind the page, for reviewers."""
    return section(
        "More detail",
        paragraph(
            "Each rule as the code applies it, and the list of the quarter's inputs with their fingerprints, are "
            "shown with the notebook behind this page (How this page was made, at the foot of the page), for "
            "reviewers. Every measure's page has its own, which works its status out again step by step."
        ),
    )


def data_log(data: QuarterData) -> Html:
    """For reviewers: every input the quarter was built from, with its SHA-256, from the manifest beside its tables."""
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
