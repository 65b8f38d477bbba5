"""The rest of a lead's return: action-plan positions, recommendations' progress, sign-off and the family group.

:func:`held` gathers what the partnership holds for a quarter: its tasks,
recommendations and family group (with the rows ``new-quarter`` would carry
forward, when it has not been run), each beside its row of the quarter before,
and its sign-offs. :func:`sheets_for` lays out one lead's share of them for the
workbook. :class:`Collector` reads the sheets of the returned workbooks,
checking every cell (each problem names workbook, sheet, row and column), and
:meth:`Collector.write` merges what they say into ``action_plan.csv``,
``recommendations.csv``, ``family_group.csv``, ``signoff.csv`` and
``reviews.csv``, each file by a rename, only after every workbook has been read
without a problem. Reading the same workbooks twice changes nothing.

A row the lead updates this quarter is replaced: updating one's own account of
the quarter is the normal case, so it needs no ``--revise``, but a row that had
already been updated for the quarter and now reads differently is listed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from analysis.core.formatting import date_in_words
from analysis.core.leads import ANALYST
from analysis.core.periods import Quarter
from analysis.core.problems import Problem
from analysis.core.register import Measure
from analysis.core.vocabulary import ACTION_STATUSES, EXCEPTION_STATUSES
from analysis.ingest.lead_sheets import ACTIONS, FAMILY, NO_CHANGE, RECOMMENDATIONS, SIGNOFF, sheet_rows
from analysis.ingest.tables import CsvTable, merge_rows, read_csv_table, write_csv_table
from analysis.inputs.quarter_start import (
    EMPTIED,
    UPDATED_BY,
    item_label,
    item_name,
    latest_before,
    quarter_or_none,
    reviewed_items,
    row_key,
    row_lead,
    watched,
)
from analysis.inputs.reading import read_table
from analysis.inputs.schemas import REVIEWED_TABLES, TABLES, parse_number
from analysis.inputs.tables import Inputs

TABLE_OF = {ACTIONS: "action_plan", RECOMMENDATIONS: "recommendations", FAMILY: "family_group"}
SIGNOFF_HEADER = tuple(TABLES["signoff"].columns)
REVIEWS_HEADER = tuple(TABLES["reviews"].columns)


@dataclass(frozen=True)
class Item:
    """A task, recommendation or family-group member of the quarter, beside its row of the quarter before."""

    table: str
    cells: dict[str, str]  # the quarter's row, or the row new-quarter would carry forward
    last: dict[str, str] | None  # the same row of the quarter before; None when it is new this quarter
    in_file: bool  # False: carried forward here, not yet in the file
    lead: str

    @property
    def updated(self) -> bool:
        """Whether the quarter's row has been updated: it reads differently from the quarter before (or is new);
        a family-group member has its count."""
        if self.table == "family_group":
            return bool(self.cells.get("crimes"))
        return self.last is None or watched(self.table, self.cells) != watched(self.table, self.last)


@dataclass
class Held:
    """What the partnership holds for a quarter, as the returns see it."""

    quarter: Quarter
    items: dict[str, dict[tuple[str, ...], Item]]  # table -> row key -> item
    sources: dict[str, Quarter | None]  # table -> the quarter before that has rows
    signoff: dict[str, tuple[str, str]]  # measure id -> (signed by, signed on)
    reviewed: set[tuple[str, str]]


def held(data_dir: Path, inputs: Inputs, quarter: Quarter) -> Held:
    """The quarter's tasks, recommendations, family group and sign-offs, each row keyed as new-quarter keys it."""
    items: dict[str, dict[tuple[str, ...], Item]] = {}
    sources: dict[str, Quarter | None] = {}
    for table in TABLE_OF.values():
        read = read_table(Path(data_dir), table)
        rows = read[0].to_dict("records") if read is not None and "quarter" in read[0].columns else []
        source = latest_before([r["quarter"] for r in rows], quarter)
        last = {row_key(table, r): r for r in rows if source is not None and quarter_or_none(r["quarter"]) == source}
        found = {
            row_key(table, r): Item(table, r, last.get(row_key(table, r)), True, row_lead(table, r, inputs.register))
            for r in rows
            if quarter_or_none(r["quarter"]) == quarter
        }
        for key, r in last.items():
            if key not in found:
                carried = {**r, "quarter": str(quarter), **dict.fromkeys(EMPTIED.get(table, ()), "")}
                found[key] = Item(table, carried, r, False, row_lead(table, r, inputs.register))
        items[table], sources[table] = found, source
    signoff = inputs.signoff[inputs.signoff["quarter"] == str(quarter)]
    return Held(
        quarter,
        items,
        sources,
        {r["measure_id"]: (r["signed_by"], r["signed_on"]) for r in signoff.to_dict("records")},
        reviewed_items(data_dir, quarter),
    )


def _reviewed(h: Held, table: str, item: Item) -> bool:
    return (table, " ".join(item_name(table, item.cells).split()).casefold()) in h.reviewed


def sheets_for(h: Held, lead: str, measures: list[Measure]) -> dict[str, list[dict]]:
    """One lead's rows of each sheet: their tasks, recommendations, sign-off of ``measures``, and for the
    analyst the family group. This quarter's cells are filled in where the row has been updated already."""

    def own(table: str) -> list[Item]:
        return [i for i in h.items[table].values() if i.lead == lead]

    def last(item: Item, name: str) -> str:
        return "" if item.last is None else item.last.get(name, "")

    tasks = []
    for i in own("action_plan"):
        now = {n: i.cells.get(n, "") for n in UPDATED_BY["action_plan"]} if i.updated else {}
        tasks.append(
            {n: i.cells.get(n, "") for n in ("ref", "action", "task", "target")}
            | {"last_position": last(i, "position"), "last_status": last(i, "status")}
            | now
            | {NO_CHANGE: "yes" if _reviewed(h, "action_plan", i) else None}
        )
    recommendations = []
    for i in own("recommendations"):
        now = {n: i.cells.get(n, "") for n in UPDATED_BY["recommendations"]} if i.updated else {}
        number = parse_number(i.cells.get("number", ""))
        recommendations.append(
            {"number": int(number) if number is not None else i.cells.get("number", "")}
            | {"recommendation": i.cells.get("recommendation", "")}
            | {"last_progress": last(i, "progress"), "last_status": last(i, "status")}
            | now
            | {NO_CHANGE: "yes" if _reviewed(h, "recommendations", i) else None}
        )
    signoff = []
    for m in measures:
        by, on = h.signoff.get(m.id, ("", ""))
        signoff.append({"measure_id": m.id, "title": m.title, "signed_by": by, "signed_on": _date(on)})
    family = [
        {
            "partnership": i.cells.get("partnership", ""),
            "population": parse_number(i.cells.get("population", "")),
            "last_crimes": parse_number(last(i, "crimes")),
            "crimes": parse_number(i.cells.get("crimes", "")),
        }
        for i in (h.items["family_group"].values() if lead == ANALYST else ())
    ]
    return {ACTIONS: tasks, RECOMMENDATIONS: recommendations, SIGNOFF: signoff, FAMILY: family}


def _date(text: str) -> dt.date | None:
    """A date as the tables hold it (``2015-10-05``), or ``None``."""
    try:
        return dt.date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def typed_date(value: object) -> dt.date | None:
    """A date typed into a sign-off cell: a date cell, ``2015-10-05``, or in the UK's order (``5/10/2015``,
    ``5 October 2015``, ``5 Oct 2015``); ``None`` when it is none of these.

    >>> [typed_date(v) for v in ("2015-10-05", "5/10/2015", "05.10.2015", "5 October 2015", "10/5/15", "Oct 5")]
    [datetime.date(2015, 10, 5), datetime.date(2015, 10, 5), datetime.date(2015, 10, 5), datetime.date(2015, 10, 5), None, None]
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = " ".join(cell_text(value).replace(".", "/").replace("-", "/").split()) if isinstance(value, str) else ""
    for form in ("%Y/%m/%d", "%d/%m/%Y", "%d %B %Y", "%d %b %Y"):
        try:
            return dt.datetime.strptime(text, form).date()
        except ValueError:
            continue
    return None


YES = ("yes", "y", "true", "x")  # "reviewed, no change" as a lead may type it; the drop-down gives yes or no
NO = ("no", "n", "false")


# --- reading ------------------------------------------------------------------------------------


def cell_text(value: object) -> str:
    """A text cell as the tables hold it: stripped; a date typed into it in words, as action plans write them.

    >>> cell_text("  Launched in August "), cell_text(dt.datetime(2015, 10, 31)), cell_text(6.0), cell_text(None)
    ('Launched in August', '31 October 2015', '6', '')
    """
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return date_in_words(value.strftime("%Y-%m-%d"))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@dataclass
class Update:
    """What one workbook row says of a task, recommendation or family-group member."""

    table: str
    item: Item
    cells: dict[str, str]  # the cells it sets
    reviewed: bool  # returned as it was the quarter before ("reviewed, no change", or typed the same)
    lead: str
    where: str
    row: int


WORDS = {"action_plan": "tasks", "recommendations": "recommendations", "family_group": "family-group counts"}
WORDS["signoff"] = "sign-offs"


@dataclass
class UpdatesReport:
    """What the returns said beyond the figures, per table, for the summary."""

    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # table -> updated/reviewed/unchanged/blank
    replaced: list[str] = field(default_factory=list)

    def add(self, table: str, what: str) -> None:
        counts = self.counts.setdefault(table, dict.fromkeys(("updated", "reviewed", "unchanged", "blank"), 0))
        counts[what] += 1

    def lines(self) -> list[str]:
        """``Tasks: 5 updated, 1 reviewed with no change, 0 already in, 1 left blank.``, a line per table read."""
        lines = []
        for table, word in WORDS.items():
            if table in self.counts:
                n = self.counts[table]
                reviewed = f" {n['reviewed']} reviewed with no change," if table in REVIEWED_TABLES else ""
                updated = "signed off" if table == "signoff" else "updated"
                lines.append(
                    f"{word[0].upper()}{word[1:]}: {n['updated']} {updated},{reviewed} {n['unchanged']} already in, "
                    f"{n['blank']} left blank."
                )
        return lines + [f"  replaced {r}" for r in self.replaced]


class Collector:
    """Reads the lead sheets of every workbook, collecting problems; writes nothing until :meth:`write`."""

    def __init__(self, h: Held, measures: dict[str, Measure], today: dt.date | None = None):
        self.held, self.measures, self.today = h, measures, today or dt.date.today()
        self.updates: dict[tuple[str, tuple[str, ...]], Update] = {}
        self.signoff: dict[str, tuple[str, str, str, int]] = {}  # measure -> (by, on, where, row)
        self.report = UpdatesReport()

    def read(self, wb: str, sheets: dict[str, list[tuple]], lead: str) -> list[Problem]:
        """Check one workbook's lead sheets; the problems found (none: its updates are kept for :meth:`write`)."""
        problems: list[Problem] = []
        for title, rows in sheets.items():
            where = f"{wb}, sheet {title!r}"
            found, missing = sheet_rows(title, rows)
            if missing:
                problems.append(Problem(where, 1, None, f"the header row has lost its column(s) {', '.join(missing)}"))
                continue
            for number, values in found:
                cells = {name: cell_text(v) for name, v in values.items() if name != "signed_on"}
                if title == SIGNOFF:
                    problems += self._signoff(where, number, cells, values.get("signed_on"))
                elif title == FAMILY:
                    problems += self._family(where, number, values, lead)
                else:
                    problems += self._row(TABLE_OF[title], where, number, cells, lead)
        return problems

    def _keep(self, update: Update) -> list[Problem]:
        key = (update.table, row_key(update.table, update.item.cells))
        other = self.updates.get(key)
        if other is not None and other.cells != update.cells:
            label = item_label(update.table, update.item.cells)
            message = f"{label} is updated differently in {other.where}, row {other.row}: keep one"
            return [Problem(update.where, update.row, None, message)]
        self.updates[key] = update
        return []

    def _row(self, table: str, where: str, number: int, cells: dict[str, str], lead: str) -> list[Problem]:
        item = self.held.items[table].get(row_key(table, cells))
        if item is None:
            column = "task" if table == "action_plan" else "number"
            message = (
                f"{item_label(table, cells)} is not in {table}.csv for {self.held.quarter}: "
                f"leave the {column} cells as they were written"
            )
            return [Problem(where, number, column, message)]
        fields = UPDATED_BY[table]
        given = {n: cells.get(n, "") for n in fields}
        given["status"] = given["status"].lower()
        typed_choice = cells.get(NO_CHANGE, "").lower()
        no_change = typed_choice in YES
        problems = []
        if typed_choice and typed_choice not in (*YES, *NO):
            message = f"{cells[NO_CHANGE]!r} is not yes or no: choose yes when nothing has changed since last quarter"
            problems.append(Problem(where, number, NO_CHANGE, message))
        if given["status"] and given["status"] not in ACTION_STATUSES:
            message = f"{cells['status']!r} is not a status: choose achieved, green, amber or red from the list"
            problems.append(Problem(where, number, "status", message))
        if problems:
            return problems
        before = item.last if item.last is not None else item.cells
        was = {n: before.get(n, "") for n in fields}
        typed = any(given.values())
        if no_change:
            if typed and watched(table, given) != watched(table, was):
                since = self.held.sources[table] or "last quarter"
                message = (
                    f"'yes' keeps {since}'s position and status, but this row also gives different ones: "
                    "clear them to keep the last quarter's, or choose no"
                )
                return [Problem(where, number, NO_CHANGE, message)]
            return self._keep(Update(table, item, was, True, lead, where, number))
        if not typed:
            self.report.add(table, "blank")
            return []
        text = "position" if table == "action_plan" else "progress"
        if not given[text]:
            message = f"the {text} is empty: describe the progress this quarter (or choose yes under {NO_CHANGE})"
            problems.append(Problem(where, number, text, message))
        if table == "action_plan" and not given["status"]:
            message = "the status is empty: choose achieved, green, amber or red from the list"
            problems.append(Problem(where, number, "status", message))
        if table == "action_plan" and given["status"] in EXCEPTION_STATUSES:
            for name, what in (("improvement", "planned improvement (the action needed)"), ("deadline", "deadline")):
                if not given[name]:
                    message = f"the status is {given['status']}, so the {what} is required"
                    problems.append(Problem(where, number, name, message))
        if problems:
            return problems
        reviewed = item.last is not None and watched(table, given) == watched(table, was)
        return self._keep(Update(table, item, given, reviewed, lead, where, number))

    def _signoff(self, where: str, number: int, cells: dict[str, str], on: object) -> list[Problem]:
        mid, by = cells.get("measure_id", ""), cells.get("signed_by", "")
        if mid not in self.measures:
            return [Problem(where, number, "measure_id", f"{mid!r} is not a measure reported in measures.yml")]
        day = typed_date(on)
        problems = []
        if on not in (None, "") and day is None:
            message = f"{cell_text(on)!r} is not a date: type the day you signed off, like 05/10/2015"
            problems.append(Problem(where, number, "signed_on", message))
        elif day is not None and day > self.today:
            message = f"{day.isoformat()} is after today: give the day you signed off"
            problems.append(Problem(where, number, "signed_on", message))
        elif by and day is None:
            problems.append(Problem(where, number, "signed_on", "the date is empty: give the day you signed off"))
        elif day is not None and not by:
            problems.append(Problem(where, number, "signed_by", "the name is empty: give who signed the measure off"))
        if problems or not by:
            if not problems:
                self.report.add("signoff", "blank")
            return problems
        other = self.signoff.get(mid)
        if other is not None and other[:2] != (by, day.isoformat()):
            message = f"{mid} is signed off differently in {other[2]}, row {other[3]}: keep one"
            return [Problem(where, number, "signed_by", message)]
        self.signoff[mid] = (by, day.isoformat(), where, number)
        return []

    def _family(self, where: str, number: int, values: dict[str, object], lead: str) -> list[Problem]:
        name = cell_text(values.get("partnership"))
        item = self.held.items["family_group"].get(row_key("family_group", {"partnership": name}))
        if item is None:
            message = (
                f"{name!r} is not in the family group for {self.held.quarter}: "
                "leave the partnership cells as they were written"
            )
            return [Problem(where, number, "partnership", message)]
        problems, given = [], {}
        for column in ("crimes", "population"):
            value = values.get(column)
            if value in (None, ""):
                continue
            n = (
                value
                if isinstance(value, int | float) and not isinstance(value, bool)
                else parse_number(cell_text(value))
            )
            if column == "crimes" and (n is None or n < 0 or not float(n).is_integer()):
                words = "a count of crimes: give a whole number, 0 or more"
            elif column == "population" and (n is None or n <= 0):
                words = "a population: give a number above 0"
            else:
                given[column] = str(int(n)) if float(n).is_integer() else repr(float(n))
                continue
            problems.append(Problem(where, number, column, f"{cell_text(value)!r} is not {words}"))
        if problems or "crimes" not in given:
            if not problems:
                self.report.add("family_group", "blank")
            return problems
        cells = {"crimes": given["crimes"], "population": given.get("population", item.cells.get("population", ""))}
        return self._keep(Update("family_group", item, cells, False, lead, where, number))

    # --- writing ---------------------------------------------------------------------------------

    def tables(self) -> set[str]:
        """The input tables :meth:`write` will change."""
        changed = {u.table for u in self.updates.values() if _changes(u)}
        if self._new_signoffs():
            changed.add("signoff")
        if self._new_reviews():
            changed.add("reviews")
        return changed

    def _new_reviews(self) -> list[Update]:
        return [u for u in self.updates.values() if u.reviewed and not _reviewed(self.held, u.table, u.item)]

    def _new_signoffs(self) -> list[list[str]]:
        q = str(self.held.quarter)
        return [[q, m, by, on] for m, (by, on, *_) in self.signoff.items() if self.held.signoff.get(m) != (by, on)]

    def write(self, data_dir: Path) -> UpdatesReport:
        """Merge every update into the input tables; each file is written by a rename, and only when it changes."""
        report = self.report
        by_table: dict[str, list[Update]] = {}
        new_reviews = self._new_reviews()
        for u in self.updates.values():
            changes = _changes(u)
            report.add(u.table, "reviewed" if u in new_reviews else "updated" if changes else "unchanged")
            if not changes:
                continue
            by_table.setdefault(u.table, []).append(u)
            if u.item.in_file and u.item.updated and u.item.last is not None:
                fields = ", ".join(n for n, v in u.cells.items() if cell_text(u.item.cells.get(n)) != v)
                report.replaced.append(
                    f"{item_label(u.table, u.item.cells)}, already updated for {self.held.quarter}: {fields}"
                )
        for table, updates in by_table.items():
            _merge(data_dir / f"{table}.csv", self.held, table, updates)
        signed = self._new_signoffs()
        for m, (by, on, *_) in self.signoff.items():
            held = self.held.signoff.get(m)
            report.add("signoff", "unchanged" if held == (by, on) else "updated")
            if held is not None and held != (by, on):
                report.replaced.append(
                    f"sign-off of {m}, already given for {self.held.quarter}: {held[0]} on {held[1]} -> {by} on {on}"
                )
        if signed:
            _merge_signoff(data_dir / "signoff.csv", signed)
        if new_reviews:
            today, q = self.today.isoformat(), str(self.held.quarter)
            rows = [
                {"quarter": q, "table": u.table, "item": item_name(u.table, u.item.cells), "lead": u.lead}
                | {"reviewed_on": today}
                for u in new_reviews
            ]
            _append(data_dir / "reviews.csv", REVIEWS_HEADER, rows)
        return report


def _changes(u: Update) -> bool:
    return not u.item.in_file or any(cell_text(u.item.cells.get(n)) != v for n, v in u.cells.items())


def _names(table: CsvTable) -> list[str]:
    """The header's column names as the validator reads them: ``Planned-Improvement `` is ``planned_improvement``."""
    return ["_".join(h.replace("\ufeff", "").replace("-", " ").split()).lower() for h in table.header]


def _column(table: CsvTable, name: str) -> int:
    """The index of a column, added at the end (empty in every row) when the file has left it out."""
    names = _names(table)
    if name not in names:
        table.header.append(name)
        table.rows = [[*r, ""] for r in table.rows]
        names.append(name)
    return names.index(name)


def _row(table: CsvTable, values: dict[str, str]) -> list[str]:
    at = {name: _column(table, name) for name in values}
    row = [""] * len(table.header)
    for name, value in values.items():
        row[at[name]] = value
    return row


def _append(path: Path, header: tuple[str, ...], rows: list[dict[str, str]]) -> None:
    table = read_csv_table(path, header)
    table.rows += [_row(table, r) for r in rows]
    write_csv_table(table, path)


def _merge_signoff(path: Path, rows: list[list[str]]) -> None:
    """Each new or changed sign-off in place of the quarter's one for the measure, or after the quarter's rows."""
    table = read_csv_table(path, SIGNOFF_HEADER)
    new = [_row(table, dict(zip(SIGNOFF_HEADER, r, strict=True))) for r in rows]
    q, m = _column(table, "quarter"), _column(table, "measure_id")
    table.rows, _ = merge_rows(
        table.rows, new, key=lambda r: (r[q].strip(), r[m].strip()), group=lambda r: r[q].strip()
    )
    write_csv_table(table, path)


def _merge(path: Path, h: Held, name: str, updates: list[Update]) -> None:
    """Set each update's cells in its row of the quarter (the first, should a task be there twice), or add the
    carried-forward row after the quarter's rows; every other row is kept as it was."""
    table = read_csv_table(path, tuple(TABLES[name].columns))
    for u in updates:
        for column in u.cells:
            _column(table, column)
    header = _names(table)
    qi = header.index("quarter")

    def key(row: list[str]) -> tuple:
        return (quarter_or_none(row[qi]), row_key(name, dict(zip(header, row, strict=True))))

    carried = []
    for u in updates:
        at = (h.quarter if u.item.in_file else h.sources[name], row_key(name, u.item.cells))
        row = next(r for r in table.rows if key(r) == at)
        if not u.item.in_file:  # carried forward by this return, as new-quarter would have
            row = list(row)
            row[qi] = str(h.quarter)
            for column in EMPTIED.get(name, ()):
                if column in header:
                    row[header.index(column)] = ""
            carried.append(row)
        for column, value in u.cells.items():
            row[header.index(column)] = value
    table.rows, _ = merge_rows(table.rows, carried, key=key, group=lambda r: quarter_or_none(r[qi]))
    write_csv_table(table, path)
