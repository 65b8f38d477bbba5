"""Starting a quarter's inputs: what is carried forward, what is due, and what nobody has updated yet.

``csp-report new-quarter`` copies the latest earlier quarter's action-plan
tasks, recommendations and family group to the new quarter so the analyst
updates them rather than types them again. A carried-forward row is valid as
it stands (a family-group count left empty is "not yet supplied"), so
:func:`unupdated_rows` is what tells the analyst, and ``readiness``, which rows
still read exactly as they were carried forward.

Nothing here writes a file; the writing is done by :mod:`analysis.ingest.returns`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from analysis.core.leads import ANALYST, recommendation_lead, task_lead
from analysis.core.periods import PeriodError, Quarter, parse_quarter, periods_of_year, quarter_of_period
from analysis.core.register import Measure, Register
from analysis.inputs.reading import read_table
from analysis.inputs.tables import Inputs

CARRIED_TABLES = ("action_plan", "recommendations", "family_group")


def _norm(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def _heading(cell: str) -> str:
    return _norm(cell.replace("\ufeff", "")).replace(" ", "_").replace("-", "_")


# How a row is recognised from one quarter to the next, and which cells start empty.
KEYS: dict[str, tuple[str, ...]] = {
    "action_plan": ("ref", "task"),
    "recommendations": ("number",),
    "family_group": ("partnership",),
}
EMPTIED: dict[str, tuple[str, ...]] = {"family_group": ("crimes",)}
# The cells that show a carried-forward row has been updated.
UPDATED_BY: dict[str, tuple[str, ...]] = {
    "action_plan": ("position", "status", "improvement", "deadline"),
    "recommendations": ("progress", "status"),
    "family_group": ("crimes",),
}


def quarter_or_none(text: str) -> Quarter | None:
    try:
        return parse_quarter(text)
    except PeriodError:
        return None


def row_key(table: str, cells: Mapping[str, object]) -> tuple[str, ...]:
    """How a row is recognised from one quarter to the next: its ref and task, number or partnership, loosely.

    >>> row_key("action_plan", {"ref": "DA1", "task": " Run a  Campaign"}), row_key("recommendations", {"number": 6})
    (('da1', 'run a campaign'), ('6',))
    """
    return tuple(_norm(str(cells.get(n) or "")) for n in KEYS[table])


def watched(table: str, cells: Mapping[str, object]) -> tuple[str, ...]:
    """The cells that show a row has been updated, loosely (:data:`UPDATED_BY`)."""
    return tuple(_norm(str(cells.get(n) or "")) for n in UPDATED_BY[table])


def latest_before(quarters: Sequence[str], quarter: Quarter) -> Quarter | None:
    """The latest of ``quarters`` before ``quarter``, or ``None``.

    >>> str(latest_before(["2014-15-Q4", "2015-16-Q1", "2015-16-Q3"], Quarter(2015, 3)))
    '2015-16-Q1'
    """
    earlier = [q for q in map(quarter_or_none, quarters) if q is not None and q < quarter]
    return max(earlier, default=None)


@dataclass(frozen=True)
class Carried:
    """The rows one table gets for a new quarter, and where they came from."""

    table: str
    source: Quarter | None
    rows: list[list[str]]
    already: int  # rows of the source quarter the new quarter already had


def carry_forward(table: str, header: Sequence[str], rows: Sequence[Sequence[str]], quarter: Quarter) -> Carried:
    """The rows of the latest earlier quarter that ``quarter`` does not have yet, re-dated to it.

    >>> header = ["quarter", "partnership", "crimes", "population"]
    >>> rows = [["2015-16-Q1", "A", "10", "100"], ["2015-16-Q2", "B", "", "50"], ["2015-16-Q1", "B", "5", "50"]]
    >>> c = carry_forward("family_group", header, rows, Quarter(2015, 2))
    >>> c.rows, c.already
    ([['2015-16-Q2', 'A', '', '100']], 1)
    """
    columns = {_heading(h): j for j, h in enumerate(header)}
    qi = columns["quarter"]
    key_of = _key(table, columns)
    source = latest_before([r[qi] for r in rows], quarter)
    if source is None:
        return Carried(table, None, [], 0)
    target = str(quarter)
    have = {key_of(r) for r in rows if quarter_or_none(r[qi]) == quarter}
    new: list[list[str]] = []
    already = 0
    for row in rows:
        if quarter_or_none(row[qi]) != source:
            continue
        key = key_of(row)
        if key in have:
            already += 1
            continue
        copy = list(row)
        copy[qi] = target
        for name in EMPTIED.get(table, ()):
            if name in columns:
                copy[columns[name]] = ""
        new.append(copy)
        have.add(key)
    return Carried(table, source, new, already)


def _key(table: str, columns: dict[str, int]) -> Callable[[Sequence[str]], tuple[str, ...]]:
    names = [n for n in KEYS[table] if n in columns]
    return lambda row: tuple(_norm(row[columns[n]]) for n in names)


def item_name(table: str, cells: dict[str, object]) -> str:
    """How ``reviews.csv`` names a task (``ref: task``) or a recommendation (its number).

    >>> item_name("action_plan", {"ref": "DA1", "task": "Run a campaign"}), item_name("recommendations", {"number": 6})
    ('DA1: Run a campaign', '6')
    """
    if table == "recommendations":
        number = str(cells.get("number", "")).strip()
        return number[:-2] if number.endswith(".0") else number
    ref, task = (" ".join(str(cells.get(n, "")).split()) for n in ("ref", "task"))
    return f"{ref}: {task}" if ref else task


def reviewed_items(data_dir: Path, quarter: Quarter) -> set[tuple[str, str]]:
    """The rows of ``quarter`` a lead has returned as "reviewed, no change": ``(table, item)``, compared loosely."""
    read = read_table(Path(data_dir), "reviews")
    if read is None or not {"quarter", "table", "item"} <= set(read[0].columns):
        return set()
    frame = read[0]
    return {
        (table.strip(), _norm(item))
        for q, table, item in zip(frame["quarter"], frame["table"], frame["item"], strict=True)
        if quarter_or_none(q) == quarter
    }


def row_lead(table: str, cells: dict[str, str], register: Register | None) -> str:
    """Whose return a row is (:mod:`analysis.core.leads`); ``""`` without a register."""
    if register is None:
        return ""
    if table == "action_plan":
        return task_lead(cells.get("lead", ""), cells.get("measure_id", ""), register)
    if table == "recommendations":
        return recommendation_lead(cells.get("recommendation", ""), register)
    return ANALYST


@dataclass(frozen=True, order=True)
class Pending:
    """A carried-forward row that still reads as it was carried forward, and whose return it is."""

    file: str
    row: int
    what: str
    lead: str = ""
    table: str = ""  # action_plan, recommendations or family_group

    def __str__(self) -> str:
        return f"{self.file}, row {self.row}: {self.what}"


def item_label(table: str, cells: Mapping[str, object]) -> str:
    """A row in words: ``task DA1 'Run a campaign'``, ``recommendation 6``, or the family-group member's name."""
    if table == "action_plan":
        ref = f"{cells.get('ref', '')} " if cells.get("ref") else ""
        return f"task {ref}{cells.get('task', '')!r}"
    if table == "recommendations":
        return f"recommendation {cells.get('number', '')}"
    return str(cells.get("partnership", ""))


def _describe(table: str, cells: dict[str, str], source: Quarter | None) -> str:
    since = f" as carried forward from {source}" if source else ""
    if table == "family_group":
        return f"{item_label(table, cells)}: the number of crimes is not yet supplied"
    what = "position" if table == "action_plan" else "progress"
    return f"{item_label(table, cells)}: {what} and status{since}"


def unupdated_rows(data_dir: Path, quarter: Quarter | str, register: Register | None = None) -> list[Pending]:
    """The rows of ``quarter`` nobody has updated since they were carried forward, in file and row order.

    An action-plan task whose position, status, improvement and deadline are
    those of the same task (same ref and task) in the latest earlier quarter; a
    recommendation whose progress and status are unchanged; a family-group
    member with no count of crimes. A task or recommendation a lead returned as
    "reviewed, no change" (``reviews.csv``) is not listed. With the register,
    each row names whose return it is.
    """
    quarter = parse_quarter(quarter)
    reviewed = reviewed_items(data_dir, quarter)
    found: list[Pending] = []
    for table in CARRIED_TABLES:
        read = read_table(Path(data_dir), table)
        if read is None:
            continue
        frame, file, _ = read
        if "quarter" not in frame.columns:
            continue
        quarters = [quarter_or_none(q) for q in frame["quarter"]]
        source = latest_before(list(frame["quarter"]), quarter)
        keys = [n for n in KEYS[table] if n in frame.columns]
        watched = [n for n in UPDATED_BY[table] if n in frame.columns]
        before = {
            tuple(_norm(cells[n]) for n in keys): tuple(_norm(cells[n]) for n in watched)
            for cells, q in zip(frame.to_dict("records"), quarters, strict=True)
            if q == source and source is not None
        }
        for row, cells, q in zip(frame.index, frame.to_dict("records"), quarters, strict=True):
            if q != quarter:
                continue
            if table == "family_group":
                stale = not cells.get("crimes", "")
            else:
                key = tuple(_norm(cells[n]) for n in keys)
                stale = before.get(key) == tuple(_norm(cells[n]) for n in watched)
                stale = stale and (table, _norm(item_name(table, cells))) not in reviewed
            if stale:
                found.append(
                    Pending(file, int(row), _describe(table, cells, source), row_lead(table, cells, register), table)
                )
    return sorted(found)


def last_year_period(period: str) -> str:
    """The same period a year earlier.

    >>> last_year_period("2015-07"), last_year_period("2016-02"), last_year_period("2015-16-Q2")
    ('2014-07', '2015-02', '2014-15-Q2')
    """
    if "Q" in period:
        q = parse_quarter(period)
        return str(Quarter(q.fy - 1, q.q))
    year, month = period.split("-")
    return f"{int(year) - 1}-{month}"


def quarter_periods(measure: Measure, quarter: Quarter) -> list[str]:
    """The quarter's own periods for a measure: its three months, or the quarter itself."""
    return [p for p in periods_of_year(quarter.fy, measure.frequency) if quarter_of_period(p) == quarter]


def window(measure: Measure, quarter: Quarter) -> list[str]:
    """The periods a return for ``quarter`` may give: the financial year's, up to the end of the quarter."""
    return [p for p in periods_of_year(quarter.fy, measure.frequency) if quarter_of_period(p) <= quarter]


def return_periods(measure: Measure, quarter: Quarter, series: dict[str, float]) -> list[str]:
    """The periods a return asks for: the quarter's own, and any earlier one of the year still without a value."""
    own = set(quarter_periods(measure, quarter))
    return [p for p in window(measure, quarter) if p in own or p not in series]


def figures_due(inputs: Inputs, quarter: Quarter) -> dict[str, list[str]]:
    """Every measure's periods of the return still without a value, by measure id (measures with none left out)."""
    due: dict[str, list[str]] = {}
    for m in inputs.register.measures:
        series = inputs.series(m.id)
        missing = [p for p in return_periods(m, quarter, series) if p not in series]
        if missing:
            due[m.id] = missing
    return due


def collecting_quarter(inputs: Inputs) -> Quarter:
    """The quarter the partnership is collecting: the latest started (any table has rows for it) or with data."""
    quarters = [inputs.latest_quarter()] if not inputs.actuals.empty else []
    for frame in (inputs.action_plan, inputs.recommendations, inputs.family_group, inputs.partner_notes):
        quarters += [q for q in map(quarter_or_none, frame["quarter"]) if q is not None]
    if not quarters:
        return inputs.latest_quarter()  # raises: nothing to go on
    return max(quarters)
