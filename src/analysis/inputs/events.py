"""Events (``events.csv``: ``measure_id,period,text``) and SPC rebases, checked against the register and the series.

An event is something that happened to a measure (a new recording rule, an
operation, a campaign): it is drawn on the measure's charts and listed with
them, and the event of a rebase period is the rebase's reason. The schema
(:data:`analysis.inputs.schemas.EVENTS`) checks each cell; here each row is
checked against the register (a known measure, a period of its frequency, one
event per measure and period), and each measure's ``spc_rebase`` against its
series in ``actuals.csv`` (a period of the series after its first, every
segment at least 2 points), so ``validate`` refuses what the build would.
"""

from __future__ import annotations

import pandas as pd

from analysis.core.cells import frequency_words, id_problem
from analysis.core.periods import is_period
from analysis.core.problems import Problem, suggest
from analysis.core.rebase import rebase_problem
from analysis.core.register import Measure, Register

REGISTER_FILE = "measures.yml"


def check_events(frame: pd.DataFrame, file: str, register: Register | None) -> list[Problem]:
    """Rows naming a measure the register lacks, a period of the other frequency, or a second event."""
    if not {"measure_id", "period"} <= set(frame.columns):
        return []
    problems: list[Problem] = []
    known: dict[str, Measure] = {}
    for m in register.measures if register else ():
        known.setdefault(m.id, m)
    seen: dict[tuple[str, str], int] = {}
    for row, mid, period in zip(frame.index, frame["measure_id"], frame["period"], strict=True):
        measure = known.get(mid)
        if register is not None and mid and measure is None and id_problem(mid) is None:
            problems.append(
                Problem(file, row, "measure_id", f"{mid!r} is not a measure in measures.yml{suggest(mid, known)}")
            )
        wrong = frequency_words(period, mid, measure.frequency) if measure is not None else ""
        if wrong:
            problems.append(Problem(file, row, "period", wrong))
        key = (mid, period)
        if mid and period and key in seen:
            message = f"{mid} already has an event in {period} (row {seen[key]}): put both in one row's text"
            problems.append(Problem(file, row, "period", message))
        seen.setdefault(key, row)
    return problems


def series_periods(measure: Measure, actuals: pd.DataFrame, until: str | None = None) -> list[str]:
    """The periods with a value of one measure's series, in time order, up to ``until`` when given."""
    rows = actuals[actuals["measure_id"] == measure.id]
    return sorted(
        p for p, v in zip(rows["period"], rows["value"], strict=True)
        if is_period(p, measure.frequency) and pd.notna(v) and (until is None or p <= until)
    )  # fmt: skip


def rebase_problems(
    register: Register, actuals: pd.DataFrame, lines: dict[str, dict[str, int]], file: str = REGISTER_FILE
) -> list[Problem]:
    """Each measure whose ``spc_rebase`` cannot split its series in ``actuals.csv``.

    The series is the whole of it: a rebase after its last period is left out,
    as a report leaves out a rebase after its period end.
    """
    problems = []
    for m in register.measures:
        periods = series_periods(m, actuals)
        rebases = [r for r in m.spc_rebase if periods and r <= periods[-1]]
        why = rebase_problem(periods, rebases) if len(periods) >= 2 else ""
        if why:
            problems.append(rebase_at(m.id, why, lines, file))
    return problems


def rebase_at(measure_id: str, why: str, lines: dict[str, dict[str, int]], file: str = REGISTER_FILE) -> Problem:
    """A rebase problem at the measure's ``spc_rebase`` line of the register."""
    where = lines.get(measure_id, {})
    return Problem(file, where.get("spc_rebase", where.get("")), "spc_rebase", why, f"measure {measure_id!r}")


def typed_events(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The events as a table of text, in measure and time order."""
    out = frame.reindex(columns=columns, fill_value="").astype(str).reset_index(drop=True)
    return out.sort_values(["measure_id", "period"], kind="stable").reset_index(drop=True)
