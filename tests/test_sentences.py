"""Every sentence a reader is shown about a measure agrees with its figures, over generated measures.

Each case is one measure made for it: a polarity, an aggregation, a status, a lag, complete or with a return
still due, and a frequency. Its two years of figures are generated with a seasonal shape, its target chosen so
that the real method (:func:`analysis.method.status.measure_status`, then the build's row of
``measure_status.csv``) gives the status the case names, and the words are then read back against the numbers:
the direction words against the sign of the difference and the measure's polarity, every percentage worked out
again here in decimal and rounded half away from zero, every figure as this file rounds it, and nothing said to
be on course, or the quarter's, while a return is still due.
"""

from __future__ import annotations

import dataclasses
import math
import re
from decimal import ROUND_HALF_UP, Decimal

import pytest

from analysis.core.periods import Quarter, fy_short, period_name, periods_of_year, reporting_window
from analysis.core.register import Measure, Register
from analysis.method.status import measure_status, quarter_periods
from analysis.processed.tables import beyond_the_light, status_row
from analysis.report.common import target_text
from analysis.report.narrative import draft
from analysis.report.returns import data_statement, quarter_figure
from analysis.report.verdict import QUESTIONS, reconcile, verdict

POLARITIES = ("higher", "lower", "monitor")
AGGREGATIONS = ("sum", "cumulative", "last", "mean")
STATUSES = ("achieved", "green", "amber", "red", "monitor", "no_data")
UNITS = {"sum": "incidents", "cumulative": "incidents", "last": "% closed", "mean": "% satisfied"}
NUMBER = r"-?[\d,]+(?:\.\d+)?"


# --- Rounding and percentages worked out here, independently of analysis.core.formatting ---------------------------


def half_up(value: float, decimals: int) -> Decimal:
    return Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def shown(value: float) -> str:
    """A figure as a spreadsheet shows it: whole numbers and anything from 100 without decimals, else one."""
    decimals = 0 if float(value).is_integer() or abs(value) >= 100 else 1
    return f"{half_up(value, decimals):,.{decimals}f}"


def shown_percent(numerator: float, denominator: float, decimals: int = 1, signed: bool = False) -> str:
    """``numerator / denominator`` as a percentage, worked in decimal from the figures as written."""
    exact = Decimal(repr(float(numerator))) / Decimal(repr(float(denominator))) * 100
    rounded = exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return f"{'+' if signed and rounded >= 0 else ''}{rounded:.{decimals}f}%"


def difference(a: float, b: float) -> float:
    return float(Decimal(repr(float(a))) - Decimal(repr(float(b))))


# --- The generated measures ------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Case:
    polarity: str
    aggregation: str
    status: str
    lag: int
    complete: bool
    frequency: str
    quarter: Quarter
    phase: int  # where last year's seasonal peak falls: its share by the period end is above or below an even spread
    method: str  # forecast | ytd

    @property
    def id(self) -> str:
        return (
            f"{self.polarity}-{self.aggregation}-{self.status}-lag{self.lag}-"
            f"{'complete' if self.complete else 'incomplete'}-{self.frequency}-q{self.quarter.q}-{self.method}"
        )


def _values(case: Case, fy: int) -> dict[str, float]:
    """One year of figures with a seasonal shape; a running total for ``cumulative``."""
    periods = periods_of_year(fy, case.frequency)  # type: ignore[arg-type]
    n = len(periods)
    shape = [1 + 0.35 * math.cos(2 * math.pi * (j - case.phase) / n) for j in range(n)]
    grow = 1.0 if fy < 2015 else 1.08
    if case.aggregation == "mean":
        raw = [round(70 * s * grow, 1) for s in shape]
    elif case.aggregation == "last":  # a point-in-time figure, rising through the year; a half to round at its end
        raw = [100 + 12 * j * grow + 0.5 for j in range(n)]
    else:
        raw = [float(round((300 if case.frequency == "monthly" else 900) * s * grow)) for s in shape]
    if case.aggregation == "cumulative":
        total, running = 0.0, []
        for v in raw:
            total += v
            running.append(total)
        raw = running
    return dict(zip(periods, raw, strict=True))


def _series(case: Case) -> dict[str, float]:
    series = _values(case, 2014)
    this_year = _values(case, 2015)
    window = reporting_window(case.quarter, case.frequency)  # type: ignore[arg-type]
    if case.status == "no_data":
        return series
    due = window[: len(window) - case.lag]
    kept = {p: this_year[p] for p in due}
    if not case.complete and due:  # a return still due: the quarter's last due period, or one inside the quarter
        inside = [p for p in quarter_periods(case.quarter, case.frequency) if p in due] or due[-1:]
        gone = inside[-1] if case.phase % 2 or len(inside) < 2 else inside[0]
        kept.pop(gone)
    return {**series, **kept}


def _measure(case: Case, target: float | None) -> Measure:
    return Measure(
        "m",
        "Generated measure",
        "P",
        polarity=case.polarity,
        frequency=case.frequency,
        aggregation=case.aggregation,
        unit=UNITS[case.aggregation],
        targets={2015: target} if target is not None else {},
        profile="seasonal" if case.phase == 2 else "even",
        status_method=case.method,
        lag=case.lag,
    )


def _target(case: Case, series: dict[str, float]) -> float | None:
    """The annual target that gives the case its status under the real method."""
    if case.status in ("monitor", "no_data") or case.polarity == "monitor":
        return None if case.status == "monitor" or case.polarity == "monitor" else 100.0
    free = measure_status(_measure(case, 1.0), series, case.quarter)  # ytd_target for a target of 1: the profile
    ytd, forecast, profile = free.ytd_actual, free.forecast, free.ytd_target
    higher = case.polarity == "higher"
    if case.status == "achieved":
        return round(ytd * (0.9 if higher else 1.1), 1)
    value, per = (ytd, profile) if case.method == "ytd" else (forecast, 1.0)
    factor = {"green": 0.98, "amber": 1 / 0.93, "red": 1 / 0.7}[case.status] if higher else None
    if not higher:
        factor = {"green": 1.02, "amber": 1 / 1.07, "red": 1 / 1.3}[case.status]
    return value * factor / per


def _possible(case: Case) -> bool:
    window = reporting_window(case.quarter, case.frequency)  # type: ignore[arg-type]
    if case.status == "no_data":
        return case.complete and case.lag == 0
    if not case.complete and len(window) <= case.lag:  # nothing is due yet, so nothing can be missing
        return False
    if not any(p in _series(case) for p in window):  # nothing left this year: that is no data
        return False
    if case.polarity == "monitor":
        return case.status == "monitor"
    if case.status == "achieved":  # before the year end only a count (or total) that has to rise can be achieved
        year_end = case.quarter.q == 4 and case.lag == 0 and case.complete
        early = case.polarity == "higher" and case.aggregation != "mean"
        return year_end or (early and case.quarter.q < 4)
    return not (case.quarter.q == 4 and case.lag == 0 and case.complete)  # a complete year end is achieved or not


def cases() -> list[Case]:
    """A case for every polarity, aggregation, status, lag and completeness that can happen; frequency, quarter,
    seasonal shape and status method vary from case to case."""
    out = []
    i = 0
    for polarity in POLARITIES:
        for aggregation in AGGREGATIONS:
            for status in STATUSES:
                for lag in (0, 1):
                    for complete in (True, False):
                        i += 1
                        first = "quarterly" if i % 5 == 0 else "monthly"
                        tries = [(f, q) for f in dict.fromkeys((first, "monthly")) for q in (i % 3 + 1, 2, 3, 4)]
                        for frequency, q in tries:
                            case = Case(polarity, aggregation, status, lag, complete, frequency, Quarter(2015, q),
                                        phase=i % 4, method="ytd" if i % 7 == 0 else "forecast")  # fmt: skip
                            if _possible(case):
                                out.append(case)
                                break
    return out


CASES = cases()


def row_of(case: Case) -> dict:
    """The measure's row of ``measure_status.csv``, as the build makes it."""
    series = _series(case)
    m = _measure(case, _target(case, series))
    s = measure_status(m, series, case.quarter)
    extra, _ = beyond_the_light(m, s, series)
    register = Register("Generated", (m,), {})
    row = status_row(register, m, s, extra)
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}


ROWS = {case.id: row_of(case) for case in CASES}


def test_the_cases_cover_every_polarity_aggregation_status_lag_and_completeness():
    seen = {(c.polarity, c.aggregation, c.status, c.lag, c.complete) for c in CASES}
    assert {c.frequency for c in CASES} == {"monthly", "quarterly"} and {c.method for c in CASES} == {"forecast", "ytd"}
    for polarity in ("higher", "lower"):
        for aggregation in AGGREGATIONS:
            for status in ("green", "amber", "red", "monitor"):
                for lag in (0, 1):
                    for complete in (True, False):
                        assert (polarity, aggregation, status, lag, complete) in seen
            assert (polarity, aggregation, "achieved", 0, True) in seen
    assert {c.status for c in CASES if c.polarity == "monitor"} == {"monitor", "no_data"}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_the_method_gives_the_case_its_status(case: Case) -> None:
    row = ROWS[case.id]
    assert row["status"] == case.status
    assert bool(row["periods_missing"]) == (not case.complete or case.status == "no_data")


# --- The sentences read back against the figures -------------------------------------------------------------------


def _direction(value: float, target: float, polarity: str) -> str:
    if value == target:
        return "exactly at"
    if polarity == "higher":
        return "above" if value > target else "short of"
    return "over" if value > target else "under"


def check_against(text: str, value: float, target: float, polarity: str) -> None:
    """``text`` places ``value`` against ``target`` with the right word and the right percentage."""
    word = _direction(value, target, polarity)
    if word == "exactly at":
        assert "exactly at" in text or " meets " in text, text
        return
    pct = shown_percent(abs(difference(value, target)), abs(target))
    said = f"just {word}" if pct == "0.0%" else f"{pct} {word}"
    assert f"{said} the" in text, f"expected {said!r} in {text!r}"
    for other in {"over", "under", "above", "short of"} - {word}:
        assert f"% {other} the" not in text and f"just {other} the" not in text, text


ON_COURSE = re.compile(r"\bon (course|track)\b", re.IGNORECASE)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_the_reason_for_the_status_agrees_with_the_figures(case: Case) -> None:
    row = ROWS[case.id]
    why = verdict(row).why
    judged = row["status"] not in ("no_data", "monitor")
    assert why.startswith("On the figures received so far") == (not case.complete and judged), why
    if row["status"] in ("green", "amber", "red"):
        by_ytd = case.method == "ytd"
        value = row["ytd_actual"] if by_ytd else row["forecast"]
        goal = row["ytd_target"] if by_ytd else row["annual_target"]
        assert f", {shown(value)} {UNITS[case.aggregation]}," in why, why
        assert f"target{' to date' if by_ytd else ''} of {shown(goal)}" in why, why
        check_against(why, value, goal, case.polarity)
        assert ("within the 15% tolerance band" in why) == (row["status"] == "amber"), why
        assert ("beyond the 15% tolerance band" in why) == (row["status"] == "red"), why
    if row["status"] == "achieved":
        assert shown(row["ytd_actual"]) in why and shown(row["annual_target"]) in why
    wanted = "at least" if case.polarity == "higher" else "not more than"
    if row["annual_target"] is not None and case.polarity != "monitor":
        assert wanted in target_text(_measure(case, row["annual_target"]), row, 2015)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_the_drafted_paragraph_agrees_with_the_figures(case: Case) -> None:
    row = ROWS[case.id]
    text = draft(row, case.quarter, UNITS[case.aggregation])
    if row["status"] == "no_data":
        assert text.startswith("No figures have been reported")
        return
    ytd, last = row["ytd_actual"], row["last_year_ytd"]
    year = fy_short(2014)
    unit = UNITS[case.aggregation]
    comparison = re.search(
        rf"(?:This is|year to date[^.]* is {NUMBER}[^,.]*,) (?P<n>{NUMBER})(?: {re.escape(unit)})? "
        rf"(?P<word>more|less|fewer|higher|lower) than the same period in {year}(?: \((?P<pct>[+-][\d.]+%)\))?",
        text,
    )
    if last is None:
        assert f"no figures for the same period in {year}" in text
    elif ytd == last:
        assert f"the same as the same period in {year}" in text
    else:
        assert comparison, text
        assert comparison["n"] == shown(abs(difference(ytd, last))), (comparison["n"], ytd, last)
        assert (comparison["word"] in ("more", "higher")) == (ytd > last), text
        if last:
            assert comparison["pct"] == shown_percent(difference(ytd, last), last, signed=True), (text, ytd, last)
    incomplete = not case.complete
    assert not (incomplete and ON_COURSE.search(text)), text
    if incomplete:
        assert "still to come" in text, text
        assert re.search(r"In quarter \w+ (there|the)", text) is None, f"a part of the quarter as the whole: {text}"
    elif row["status"] == "green":
        assert "on course to achieve the target" in text
    if row["status"] in ("amber", "red"):
        check_against(text, row["forecast"], row["annual_target"], case.polarity)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_readings_that_seem_to_disagree_are_reconciled_from_the_figures(case: Case) -> None:
    row = ROWS[case.id]
    notes = reconcile(row)
    text = " ".join([verdict(row).why, *notes, *(a for _, a in verdict(row).evidence)])
    if not case.complete:
        assert not ON_COURSE.search(text), text
    profile = [n for n in notes if n.startswith(("Better than the", "Worse than the"))]
    if row["status"] in ("green", "amber", "red") and row["ytd_target"] is not None:
        polarity = case.polarity
        meets = (lambda v, t: v >= t) if polarity == "higher" else (lambda v, t: v <= t)
        differ = meets(row["ytd_actual"], row["ytd_target"]) != meets(row["forecast"], row["annual_target"])
        assert bool(profile) == differ, (notes, row["ytd_actual"], row["ytd_target"], row["forecast"])
        if profile:
            note = profile[0]
            assert note.startswith("Better" if meets(row["ytd_actual"], row["ytd_target"]) else "Worse")
            assert f"({shown(row['ytd_actual'])} {UNITS[case.aggregation]} against {shown(row['ytd_target'])})" in note
            share = re.search(r"(?P<share>[\d.]+%) of the year's [^,]+ had happened, (?P<word>more|less) than the "
                              r"(?P<even>[\d.]+%) an even spread gives", note)  # fmt: skip
            if share:
                k, n = row["periods_elapsed"], row["periods_in_year"]
                exact = Decimal(repr(row["last_year_ytd"])) / Decimal(repr(row["last_year_total"]))
                assert (share["word"] == "more") == (exact > Decimal(k) / Decimal(n)), note
                decimals = len(share["share"].rstrip("%").partition(".")[2])
                assert share["share"] == shown_percent(row["last_year_ytd"], row["last_year_total"], decimals)
                assert share["even"] == shown_percent(k, n, decimals), note
                assert f"by {period_name(row['period_end']).split()[0]} last year" in note or "-Q" in row["period_end"]
            if meets(row["forecast"], row["annual_target"]):
                assert "puts the year end on target" in note, note
            else:
                check_against(note, row["forecast"], row["annual_target"], polarity)
    p = row.get("p_meet_target")
    odds = [n for n in notes if n.startswith(("Amber:", "Green:", "Red:"))]
    if row["status"] == "amber" and p is not None and p < 0.1:
        assert odds and "the target itself is" in odds[0] and "unlikely to be met" in odds[0], notes
    if row["status"] == "green" and p is not None and p < 0.5:
        assert odds and "only just" in odds[0], notes
    answers = dict(verdict(row).evidence)
    change = answers.get(QUESTIONS["change"], "")
    if row["change_vs_last_year"] is not None and change.startswith(("Yes", "No")):
        rise = row["change_vs_last_year"] > 0
        assert (" an increase of " in change) == rise and (" a decrease of " in change) == (not rise), change
        pct = shown_percent(abs(difference(row["ytd_actual"], row["last_year_ytd"])), row["last_year_ytd"])
        assert f"of {pct}" in change, (change, pct)
        if "(better)" in change or "(worse)" in change:
            assert ("(better)" in change) == (rise == (case.polarity == "higher")), change


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_how_far_the_figures_go_and_what_is_due_are_one_statement(case: Case) -> None:
    row = ROWS[case.id]
    statement = data_statement(row, case.quarter)
    missing = [p for p in row["periods_missing"].split(";") if p]
    for period in missing:
        assert period_name(period) in statement, (statement, missing)
    if missing:
        assert "still due" in statement and statement.count(".") == statement.count(". ") + 1 - statement.count(".5")
    if row["period_end"]:
        window = reporting_window(case.quarter, case.frequency)  # type: ignore[arg-type]
        lagging = row["period_end"] != window[-1]
        assert (f"Figures to the end of {period_name(row['period_end'])}" in statement) == (lagging or bool(missing))
        assert ("normally one" in statement) == (lagging and case.lag == 1 and row["period_end"] < window[-1]
                                                 and window[-1] not in missing), statement  # fmt: skip
    else:
        assert statement.startswith("No figures yet") == bool(missing)
    figure = quarter_figure(row)
    if row["quarter_actual"] is not None:
        assert figure == shown(row["quarter_actual"]) + ("" if case.complete else " so far"), figure
    else:
        assert figure == "no return yet"


def test_halves_round_away_from_zero_in_the_sentences() -> None:
    """A point-in-time figure ending in a half (this file's ``last`` measures end on x.5) shows rounded up."""
    rows = [(c, ROWS[c.id]) for c in CASES if c.aggregation == "last" and ROWS[c.id]["ytd_actual"] is not None]
    halves = [(c, r) for c, r in rows if str(r["ytd_actual"]).endswith(".5")]
    assert halves
    for case, row in halves:
        up = f"{int(row['ytd_actual']) + 1:,}"
        text = draft(row, case.quarter, UNITS[case.aggregation])
        assert f" {up} " in text or f" {up}." in text or f" {up}," in text, (up, text)
