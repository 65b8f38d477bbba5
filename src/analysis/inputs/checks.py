"""The checks of each input table against the register and itself that a schema cannot make, in one pass.

A measure id that the register does not name, a period of the wrong frequency,
a value given twice, an amber or red action without its planned improvement, a
family group without the partnership, a measure signed off twice: each is a
:class:`Problem` naming the file, the row and the column. :data:`CHECKS` gives
each table's check; :func:`text_problems`, the cells of any table that no
workbook can hold.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from analysis.core.cells import CONTROL_CHARACTERS, frequency_words, text_problem
from analysis.core.files import MAX_CELL_CHARS
from analysis.core.problems import Problem, suggest
from analysis.core.register import Measure, Register
from analysis.core.vocabulary import EXCEPTION_STATUSES
from analysis.inputs.events import check_events
from analysis.inputs.schemas import id_problem, parse_number


def unknown_measure(mid: str, known: Iterable[str], register: Register | None = None) -> str:
    if register is not None and any(m.id == mid for m in register.in_development):
        return f"{mid!r} is a measure in development in measures.yml, which reports nothing yet: set its status to reported"
    return f"{mid!r} is not a measure in measures.yml{suggest(mid, known)}"


def text_problems(frame: pd.DataFrame, file: str) -> list[Problem]:
    """Cells whose text no workbook can hold (a control character, a cell too long), by row and column."""
    problems = []
    for column in frame.columns:
        cells = frame[column].astype(str)
        suspect = cells.str.contains(CONTROL_CHARACTERS.pattern, regex=True) | (cells.str.len() > MAX_CELL_CHARS)
        for row, value in cells[suspect].items():
            problems.append(Problem(file, row, column, text_problem(value)))
    return problems


def _check_actuals(frame: pd.DataFrame, file: str, register: Register | None) -> list[Problem]:
    problems: list[Problem] = []
    if not {"measure_id", "period"} <= set(frame.columns):
        return problems
    known: dict[str, Measure] = {}
    for m in register.measures if register else ():
        known.setdefault(m.id, m)  # an id used twice is reported with the register; the first counts
    seen: dict[tuple[str, str], int] = {}
    for row, mid, period in zip(frame.index, frame["measure_id"], frame["period"], strict=True):
        if not mid or not period:
            continue
        measure = known.get(mid)
        if register is not None and measure is None and id_problem(mid) is None:
            problems.append(Problem(file, row, "measure_id", unknown_measure(mid, known, register)))
        wrong = frequency_words(period, mid, measure.frequency) if measure is not None else ""
        if wrong:
            problems.append(Problem(file, row, "period", wrong))
        key = (mid, period)
        if key in seen:
            message = f"{mid} already has a value for {period} (row {seen[key]}): keep one of the two"
            problems.append(Problem(file, row, "period", message))
        seen.setdefault(key, row)
    return problems


def _check_action_plan(frame: pd.DataFrame, file: str, register: Register | None) -> list[Problem]:
    problems: list[Problem] = []
    if "status" in frame.columns:
        improvements = frame["improvement"] if "improvement" in frame.columns else [""] * len(frame)
        for row, status, improvement in zip(frame.index, frame["status"], improvements, strict=True):
            if status.lower() in EXCEPTION_STATUSES and not improvement:
                message = (
                    f"the status is {status.lower()}, so the planned improvement "
                    "(the action needed and its deadline) is required"
                )
                problems.append(Problem(file, row, "improvement", message))
    if register is not None and "measure_id" in frame.columns:
        known = [m.id for m in (*register.measures, *register.in_development)]  # an action may develop a measure
        for row, mid in zip(frame.index, frame["measure_id"], strict=True):
            if mid and id_problem(mid) is None and mid not in known:
                problems.append(Problem(file, row, "measure_id", unknown_measure(mid, known)))
    return problems


def _check_recommendations(frame: pd.DataFrame, file: str, register: Register | None) -> list[Problem]:
    if not {"quarter", "number"} <= set(frame.columns):
        return []
    problems: list[Problem] = []
    seen: dict[tuple[str, float], int] = {}
    for row, quarter, number in zip(frame.index, frame["quarter"], frame["number"], strict=True):
        n = parse_number(number)
        if quarter and n is not None:
            if (quarter, n) in seen:
                message = f"recommendation {number} of {quarter} is given twice (also row {seen[quarter, n]})"
                problems.append(Problem(file, row, "number", message))
            seen.setdefault((quarter, n), row)
    return problems


def _check_family_group(frame: pd.DataFrame, file: str, register: Register | None) -> list[Problem]:
    if not {"quarter", "partnership"} <= set(frame.columns):
        return []
    problems: list[Problem] = []
    seen: dict[tuple[str, str], int] = {}
    members: dict[str, dict[str, int]] = {}
    for row, quarter, name in zip(frame.index, frame["quarter"], frame["partnership"], strict=True):
        key = (quarter, name.casefold())
        if quarter and name and key in seen:
            message = f"{name!r} appears twice in the family group for {quarter} (also row {seen[key]})"
            problems.append(Problem(file, row, "partnership", message))
        seen.setdefault(key, row)
        if quarter and name:
            members.setdefault(quarter, {}).setdefault(name, row)
    own = register.partnership if register else ""
    for quarter, names in members.items():
        if own and own not in names:
            near = [(r, n) for n, r in names.items() if n.casefold() == own.casefold()]
            hint = f" (row {near[0][0]} has {near[0][1]!r}: spell it exactly as measures.yml does)" if near else ""
            message = f"the family group for {quarter} has no row for {own!r}, the partnership in measures.yml{hint}"
            problems.append(Problem(file, None, "partnership", message))
    return problems


def _check_partner_notes(frame: pd.DataFrame, file: str, register: Register | None) -> list[Problem]:
    if not {"quarter", "measure_id", "period"} <= set(frame.columns):
        return []
    problems: list[Problem] = []
    known = [m.id for m in register.measures] if register else []
    seen: dict[tuple[str, str, str], int] = {}
    for row, quarter, mid, period in zip(
        frame.index, frame["quarter"], frame["measure_id"], frame["period"], strict=True
    ):
        if register is not None and mid and id_problem(mid) is None and mid not in known:
            problems.append(Problem(file, row, "measure_id", unknown_measure(mid, known, register)))
        key = (quarter, mid, period)
        if all(key) and key in seen:
            message = f"{mid} has a second note for {period} in {quarter} (also row {seen[key]}): keep one"
            problems.append(Problem(file, row, "note", message))
        seen.setdefault(key, row)
    return problems


def _check_signoff(frame: pd.DataFrame, file: str, register: Register | None) -> list[Problem]:
    if not {"quarter", "measure_id"} <= set(frame.columns):
        return []
    problems: list[Problem] = []
    known = [m.id for m in register.measures] if register else []
    seen: dict[tuple[str, str], int] = {}
    for row, quarter, mid in zip(frame.index, frame["quarter"], frame["measure_id"], strict=True):
        if register is not None and mid and id_problem(mid) is None and mid not in known:
            problems.append(Problem(file, row, "measure_id", unknown_measure(mid, known, register)))
        elif quarter and mid and (quarter, mid) in seen:
            message = f"{mid} is signed off twice for {quarter} (also row {seen[quarter, mid]}): keep one"
            problems.append(Problem(file, row, "measure_id", message))
        seen.setdefault((quarter, mid), row)
    return problems


CHECKS = {
    "actuals": _check_actuals,
    "action_plan": _check_action_plan,
    "recommendations": _check_recommendations,
    "family_group": _check_family_group,
    "partner_notes": _check_partner_notes,
    "events": check_events,
    "signoff": _check_signoff,
    "reviews": lambda frame, file, register: [],  # written by ingest returns; its schema is the check
    "revisions": lambda frame, file, register: [],  # likewise: a log of what was replaced, kept as written
}
