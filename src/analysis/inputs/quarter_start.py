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

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from analysis.core.periods import PeriodError, Quarter, parse_quarter, periods_of_year, quarter_of_period
from analysis.core.register import Measure
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


def _quarter_or_none(text: str) -> Quarter | None:
    try:
        return parse_quarter(text)
    except PeriodError:
        return None


def latest_before(quarters: Sequence[str], quarter: Quarter) -> Quarter | None:
    """The latest of ``quarters`` before ``quarter``, or ``None``.

    >>> str(latest_before(["2014-15-Q4", "2015-16-Q1", "2015-16-Q3"], Quarter(2015, 3)))
    '2015-16-Q1'
    """
    earlier = [q for q in map(_quarter_or_none, quarters) if q is not None and q < quarter]
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
    have = {key_of(r) for r in rows if _quarter_or_none(r[qi]) == quarter}
    new: list[list[str]] = []
    already = 0
    for row in rows:
        if _quarter_or_none(row[qi]) != source:
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


@dataclass(frozen=True, order=True)
class Pending:
    """A carried-forward row that still reads as it was carried forward."""

    file: str
    row: int
    what: str

    def __str__(self) -> str:
        return f"{self.file}, row {self.row}: {self.what}"


def _describe(table: str, cells: dict[str, str], source: Quarter | None) -> str:
    since = f" as carried forward from {source}" if source else ""
    if table == "action_plan":
        ref = f"{cells.get('ref', '')} " if cells.get("ref") else ""
        return f"task {ref}{cells.get('task', '')!r}: position and status{since}"
    if table == "recommendations":
        return f"recommendation {cells.get('number', '')}: progress and status{since}"
    return f"{cells.get('partnership', '')}: the number of crimes is not yet supplied"


def unupdated_rows(data_dir: Path, quarter: Quarter | str) -> list[Pending]:
    """The rows of ``quarter`` nobody has updated since they were carried forward, in file and row order.

    An action-plan task whose position, status, improvement and deadline are
    those of the same task (same ref and task) in the latest earlier quarter; a
    recommendation whose progress and status are unchanged; a family-group
    member with no count of crimes.
    """
    quarter = parse_quarter(quarter)
    found: list[Pending] = []
    for table in CARRIED_TABLES:
        read = read_table(Path(data_dir), table)
        if read is None:
            continue
        frame, file, _ = read
        if "quarter" not in frame.columns:
            continue
        quarters = [_quarter_or_none(q) for q in frame["quarter"]]
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
            if stale:
                found.append(Pending(file, int(row), _describe(table, cells, source)))
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
        quarters += [q for q in map(_quarter_or_none, frame["quarter"]) if q is not None]
    if not quarters:
        return inputs.latest_quarter()  # raises: nothing to go on
    return max(quarters)
