"""The quarterly cycle's inputs: start a quarter, send partners their returns, read the returns back.

- :func:`start_quarter` (``csp-report new-quarter``) carries the latest earlier
  quarter's action plan, recommendations and family group forward and says what
  is left to fill in.
- :func:`write_returns` (``csp-report returns``) writes one workbook per lead
  (figures, tasks, recommendations, sign-off) and one for the analyst (the
  family group, and what no lead is named for); never over a filled-in one.
- :func:`ingest_returns` (``csp-report ingest returns``) reads filled workbooks
  into ``actuals.csv`` (and the rest through :mod:`analysis.ingest.updates`);
  every problem in every workbook is collected before anything is written, and
  nothing is written when there is one.

Every file is written by a rename (:func:`analysis.ingest.tables.write_csv_table`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from analysis.core.cells import number_problem, number_words, text_problem
from analysis.core.files import linked_folder
from analysis.core.formatting import date_in_words
from analysis.core.leads import ANALYST, lead_slug
from analysis.core.periods import Quarter, parse_quarter, period_name
from analysis.core.problems import InputError, OutputError, Problem, raise_if_any, suggest
from analysis.core.register import Measure
from analysis.ingest.issued import record_written, refuse_filled
from analysis.ingest.tables import CsvTable, merge_rows, number_text, place, read_csv_table, write_csv_table
from analysis.ingest.updates import Collector, UpdatesReport, held, sheets_for
from analysis.ingest.workbook import (
    ABOUT_SHEET,
    FORMAT,
    RETURNS_SHEET,
    About,
    NotAReturn,
    ReturnRow,
    read_workbook,
    write_workbook,
)
from analysis.inputs.quarter_start import (
    CARRIED_TABLES,
    Carried,
    carry_forward,
    collecting_quarter,
    figures_due,
    last_year_period,
    return_periods,
    unupdated_rows,
    window,
)
from analysis.inputs.schemas import TABLES, parse_number
from analysis.inputs.tables import Inputs, load_inputs, locate_table

ACTUALS_HEADER = ("measure_id", "period", "value")
NOTES_HEADER = tuple(TABLES["partner_notes"].columns)
REVISIONS_HEADER = ("measure_id", "period", "old", "new", "workbook", "date")
NO_LEAD = "No lead"


def _csv_only(data_dir: Path, name: str) -> None:
    """Refuse to write a table the analyst keeps as a workbook sheet."""
    where = locate_table(data_dir, name)
    if where is not None and where[1] is not None:
        message = (
            f"the {name} table is kept in sheet {where[1]!r} of {where[0].name}; move it to {name}.csv to use this"
        )
        raise_if_any([Problem(f"{name}.csv", None, None, message)])


# --- new-quarter -------------------------------------------------------------------------------


@dataclass
class QuarterStart:
    """What ``new-quarter`` carried forward and what is left to fill in."""

    partnership: str
    quarter: Quarter
    carried: list[Carried]
    due: dict[str, list[str]]
    leads: dict[str, str]
    pending: list = field(default_factory=list)
    meeting: str = ""  # the date of the meeting the quarter's paper goes to; "" while it is to be confirmed
    signoff_started: bool = False  # signoff.csv was made: the leads' sign-off is collected from now on

    def summary(self) -> str:
        words = {"action_plan": "tasks", "recommendations": "recommendations", "family_group": "partnerships"}
        lines = [f"{self.partnership}: started {self.quarter}."]
        for c in self.carried:
            if c.source is None:
                lines.append(f"  {c.table}.csv: no earlier quarter to carry forward")
                continue
            also = f" ({c.already} already there)" if c.already else ""
            empty = "; the crime counts are left empty to fill in" if c.table == "family_group" and c.rows else ""
            lines.append(
                f"  {c.table}.csv: {len(c.rows)} {words[c.table]} carried forward from {c.source}{also}{empty}"
            )
        if self.signoff_started:
            lines.append("  signoff.csv: started, for the leads' sign-off of each measure (in their returns workbooks)")
        lines.append("Left to fill in:")
        n = sum(len(p) for p in self.due.values())
        lines.append(f"  Figures due ({n}):" if n else "  Figures due: none")
        for mid, periods in self.due.items():
            lines.append(f"    {mid} ({self.leads[mid]}): {', '.join(periods)}")
        positions = [p for p in self.pending if not p.file.startswith("family_group")]
        counts = [p for p in self.pending if p.file.startswith("family_group")]
        lines.append(f"  Positions to update ({len(positions)}):" if positions else "  Positions to update: none")
        lines += [f"    {p}" for p in positions]
        lines.append(f"  Family group counts ({len(counts)}):" if counts else "  Family group counts: none")
        lines += [f"    {p}" for p in counts]
        if self.meeting:
            lines.append(f"  Meeting date: {date_in_words(self.meeting)} (given in measures.yml)")
        else:
            lines.append(
                f"  Meeting date: to be confirmed: add it to measures.yml under report: meetings:, "
                f"like '{self.quarter}: YYYY-MM-DD' (until then the paper's cover says 'to be confirmed')"
            )
        lines.append(f"Next: csp-report returns --quarter {self.quarter}")
        return "\n".join(lines)


def start_quarter(data_dir: Path, quarter: Quarter | str) -> QuarterStart:
    """Carry the latest earlier quarter's rows forward to ``quarter``; rows it already has are kept as they are."""
    data_dir, quarter = Path(data_dir), parse_quarter(quarter)
    inputs = load_inputs(data_dir)
    plans: list[tuple[Path, CsvTable, Carried]] = []
    for name in CARRIED_TABLES:
        _csv_only(data_dir, name)
        path = data_dir / f"{name}.csv"
        if not path.exists():
            continue
        table = read_csv_table(path, tuple(TABLES[name].columns))
        plans.append((path, table, carry_forward(name, table.header, table.rows, quarter)))
    for path, table, carried in plans:
        if carried.rows:
            _append_rows(path, table, carried.rows)
    signoff_started = locate_table(data_dir, "signoff") is None
    if signoff_started:  # from now on readiness lists the measures not signed off
        write_csv_table(CsvTable(list(TABLES["signoff"].columns), []), data_dir / "signoff.csv")
    return QuarterStart(
        inputs.register.partnership,
        quarter,
        [c for _, _, c in plans],
        figures_due(inputs, quarter),
        {m.id: m.lead or NO_LEAD for m in inputs.register.measures},
        unupdated_rows(data_dir, quarter),
        inputs.register.report.meeting(quarter),
        signoff_started,
    )


def _append_rows(path: Path, table: CsvTable, rows: list[list[str]]) -> None:
    """Add rows at the end of a CSV file, leaving every byte already there as it was; written by a rename."""
    raw = path.read_bytes()
    if raw and not raw.endswith(b"\n"):
        raw += table.newline.encode()
    try:
        raw.decode("utf-8")
        encoding = "utf-8"
    except UnicodeDecodeError:
        encoding = "cp1252"  # saved by Excel: new rows the same way
    out = io.StringIO()
    csv.writer(out, lineterminator=table.newline).writerows(rows)
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        temp.write_bytes(raw + out.getvalue().encode(encoding, errors="replace"))
        shutil.copymode(path, temp)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


# --- returns -----------------------------------------------------------------------------------


def is_count(measure: Measure) -> bool:
    """Whether a measure's values are counts, which cannot be below 0: those added up (aggregation sum)."""
    return measure.aggregation == "sum"


def return_rows(inputs: Inputs, quarter: Quarter, measures: list[Measure]) -> list[ReturnRow]:
    rows: list[ReturnRow] = []
    for m in measures:
        series = inputs.series(m.id)
        for period in return_periods(m, quarter, series):
            rows.append(
                ReturnRow(
                    m.id,
                    m.title,
                    m.unit,
                    period,
                    period_name(period),
                    series.get(last_year_period(period)),
                    series.get(period),
                    is_count(m),
                )
            )
    return rows


def write_returns(
    data_dir: Path, out_dir: Path, quarter: Quarter | str | None = None, *, force: bool = False
) -> list[Path]:
    """Write one workbook per lead, and the analyst's, under ``<out_dir>/returns/<quarter>/``; return their paths.

    A workbook already there that differs from the one ``returns`` wrote is refused (nothing is written)
    unless ``force``.
    """
    data_dir = Path(data_dir)
    inputs = load_inputs(data_dir)
    quarter = parse_quarter(quarter) if quarter else collecting_quarter(inputs)
    by_lead: dict[str, list[Measure]] = {}
    for m in inputs.register.measures:
        by_lead.setdefault(m.lead or NO_LEAD, []).append(m)
    h = held(data_dir, inputs, quarter)
    leads = list(dict.fromkeys([*by_lead, *(i.lead for table in h.items.values() for i in table.values())]))
    last = next((str(q) for q in h.sources.values() if q is not None), "")
    folder = Path(out_dir) / "returns" / str(quarter)
    link = linked_folder(Path(out_dir), "returns", str(quarter))
    if link is not None:  # the workbooks would go into someone else's folder
        raise OutputError(
            f"cannot write {link}: it is a link to {os.readlink(link)}, and csp-report writes the returns workbooks "
            "only into a folder of its own: remove the link, or choose another output folder (--out)"
        )
    books: list[tuple[Path, str, list[ReturnRow], dict[str, list[dict]]]] = []
    names: set[str] = set()
    for lead in sorted(leads, key=lambda lead: lead == ANALYST):  # the analyst's last
        measures = by_lead.get(lead, [])
        rows, sheets = return_rows(inputs, quarter, measures), sheets_for(h, lead, measures)
        if not rows and not any(sheets.values()):
            continue
        name = lead_slug(lead)
        while name in names:
            name += "-2"
        names.add(name)
        books.append((folder / f"{name}.xlsx", lead, rows, sheets))
    if not force:
        refuse_filled([path for path, *_ in books], Path(out_dir))
    for path, lead, rows, sheets in books:
        write_workbook(path, About(inputs.register.partnership, str(quarter), lead), rows, sheets, last)
    record_written([path for path, *_ in books])
    return [path for path, *_ in books]


# --- ingest returns ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Revision:
    measure_id: str
    period: str
    old: float
    new: float
    workbook: str

    def __str__(self) -> str:
        old, new = number_text(self.old), number_text(self.new)
        return f"{self.measure_id} {self.period}: {old} -> {new} ({self.workbook})"


@dataclass
class ReturnsReport:
    """What ``ingest returns`` read and wrote."""

    quarter: Quarter
    workbooks: list[Path]
    new: list[tuple[str, str, float]] = field(default_factory=list)
    unchanged: int = 0
    revised: list[Revision] = field(default_factory=list)
    notes: int = 0
    blank: int = 0
    updates: UpdatesReport = field(default_factory=UpdatesReport)

    def summary(self) -> str:
        n = len(self.workbooks)
        lines = [
            f"Read {n} returns workbook{'s' if n != 1 else ''} for {self.quarter}: {len(self.new)} new values, "
            f"{self.unchanged} already in, {len(self.revised)} revised, {self.blank} left blank; "
            f"{self.notes} notes written."
        ]
        lines += [f"  revised {r}" for r in self.revised]
        if self.revised:
            lines.append("  (each revision is logged in revisions.csv)")
        return "\n".join(lines + self.updates.lines())


def _about_problems(wb: str, about: dict[str, tuple[int, str]], partnership: str, quarter: Quarter) -> list[Problem]:
    where = f"{wb}, sheet {ABOUT_SHEET!r}"
    if about.get("format", (0, ""))[1] != FORMAT:
        return [Problem(where, None, None, "this is not a returns workbook from csp-report returns")]
    problems: list[Problem] = []
    row, theirs = about.get("partnership", (None, ""))
    if theirs != partnership:
        message = f"this workbook is a return for {theirs!r}, not for {partnership!r}, whose data folder this is"
        problems.append(Problem(where, row, "value", message))
    row, theirs = about.get("quarter", (None, ""))
    if theirs != str(quarter):
        message = (
            f"this workbook is the return for {theirs}, but the quarter being collected is {quarter}"
            f" (give --quarter {theirs} to read a late return)"
        )
        problems.append(Problem(where, row, "value", message))
    return problems


def _value_problem(typed: object, number: object) -> str:
    """Why a value cell's content (``typed``, read as ``number``) is not a figure; ``""`` when it is.

    >>> _value_problem("12 incidents", None)
    "'12 incidents' is not a number: type the figure alone (no words or units), or leave it empty"
    >>> _value_problem(float("inf"), float("inf"))
    'inf is not a number that can be reported: the value must be finite'
    """
    if isinstance(number, int | float):
        return number_problem(number)
    words = number_words(typed) if isinstance(typed, str) else ""
    if words and not words.endswith(" is not a number"):
        return words
    return f"{typed!r} is not a number: type the figure alone (no words or units), or leave it empty"


# Over 80 lines on purpose: every row of every workbook is checked in one pass (against the register, the quarter's
# periods, the other workbooks and actuals.csv), so that all problems are listed before anything is written.
def ingest_returns(
    workbooks: list[Path], data_dir: Path, *, revise: bool = False, quarter: Quarter | str | None = None
) -> ReturnsReport:
    """Read filled returns workbooks into ``actuals.csv`` (and their notes into ``partner_notes.csv``), and
    their tasks, recommendations, sign-offs and family group into those tables.

    Raises :class:`InputError` listing every problem in every workbook, before anything is written.
    """
    data_dir = Path(data_dir)
    inputs = load_inputs(data_dir)
    quarter = parse_quarter(quarter) if quarter else collecting_quarter(inputs)
    measures = {m.id: m for m in inputs.register.measures}
    report = ReturnsReport(quarter, [Path(w) for w in workbooks])
    problems: list[Problem] = []
    values: dict[tuple[str, str], tuple[float, str, int]] = {}  # -> (value, workbook, row)
    notes: dict[tuple[str, str], tuple[str, str]] = {}  # -> (lead, note)
    others = Collector(held(data_dir, inputs, quarter), measures)  # tasks, recommendations, sign-off, family group
    for path in report.workbooks:
        wb = path.name
        try:
            returned = read_workbook(path)
        except NotAReturn as err:
            problems.append(Problem(wb, None, None, str(err)))
            continue
        about = _about_problems(wb, returned.about, inputs.register.partnership, quarter)
        if about:
            problems += about
            continue
        problems += others.read(wb, returned.sheets, returned.about.get("lead", (0, ""))[1])
        where = f"{wb}, sheet {RETURNS_SHEET!r}"
        if returned.missing_columns:
            missing = ", ".join(returned.missing_columns)
            problems.append(Problem(where, 1, None, f"the header row has lost its column(s) {missing}"))
            continue
        lead = returned.about.get("lead", (0, ""))[1]
        rows_seen: dict[tuple[str, str], int] = {}  # (measure, period) -> its row in this workbook
        for r in returned.rows:
            m = measures.get(r.measure_id)
            if m is None:
                message = f"{r.measure_id!r} is not a measure in measures.yml{suggest(r.measure_id, measures)}"
                problems.append(Problem(where, r.row, "measure_id", message))
                continue
            allowed = window(m, quarter)
            if r.period not in allowed:
                message = (
                    f"{r.period!r} is not a period due from {m.id} for {quarter}: "
                    f"give one of {allowed[0]} to {allowed[-1]}"
                )
                problems.append(Problem(where, r.row, "period", message))
                continue
            key = (m.id, r.period)
            if key in rows_seen:
                message = f"{m.id} {r.period} is given twice in this workbook (also row {rows_seen[key]}): keep one row"
                problems.append(Problem(where, r.row, "period", message))
                continue
            rows_seen[key] = r.row
            if r.note:
                why = text_problem(r.note)
                if why:
                    problems.append(Problem(where, r.row, "note", why))
                    continue
                notes[(m.id, r.period)] = (lead, r.note)
            if r.value is None:
                report.blank += 1
                continue
            number = None if isinstance(r.value, bool) else r.value
            if isinstance(number, str):
                number = parse_number(number)
            message = _value_problem(r.value, number)
            if message:
                problems.append(Problem(where, r.row, "value", message))
                continue
            number = float(number)
            if number < 0 and is_count(m):
                message = f"{number_text(number)} is below 0, but {m.id} is a count: give a number of 0 or more"
                problems.append(Problem(where, r.row, "value", message))
                continue
            if key in values and values[key][0] != number:
                other, other_row = values[key][1], values[key][2]
                message = (
                    f"{m.id} {r.period} is {number_text(number)} here but {number_text(values[key][0])} in "
                    f"{other}, row {other_row}: keep one"
                )
                problems.append(Problem(where, r.row, "value", message))
                continue
            if key in values:  # the same figure in two workbooks: one value
                continue
            values[key] = (number, wb, r.row)
            old = inputs.series(m.id).get(r.period)
            if old is None:
                report.new.append((m.id, r.period, number))
            elif old == number:
                report.unchanged += 1
            elif revise:
                report.revised.append(Revision(m.id, r.period, old, number, wb))
            else:
                message = (
                    f"actuals.csv has {number_text(old)} for {m.id} {r.period}, the workbook gives "
                    f"{number_text(number)}: use --revise to replace it"
                )
                problems.append(Problem(where, r.row, "value", message))
    raise_if_any(problems)
    if report.new or report.revised:
        _csv_only(data_dir, "actuals")
    if notes:
        _csv_only(data_dir, "partner_notes")
    for name in sorted(others.tables()):
        _csv_only(data_dir, name)
    _write_values(data_dir, report)
    report.notes = _write_notes(data_dir, quarter, notes)
    report.updates = others.write(data_dir)
    return report


def _write_values(data_dir: Path, report: ReturnsReport) -> None:
    rows = [*report.new, *((r.measure_id, r.period, r.new) for r in report.revised)]
    if not rows:
        return
    path = data_dir / "actuals.csv"
    table = read_csv_table(path, ACTUALS_HEADER)
    mid, period = table.column("measure_id", path.name), table.column("period", path.name)
    new = [place(table, {"measure_id": m, "period": p, "value": number_text(v)}, path.name) for m, p, v in rows]
    table.rows, _ = merge_rows(
        table.rows, new, key=lambda r: (r[mid].strip(), r[period].strip()), group=lambda r: r[mid].strip()
    )
    if report.revised:
        log_path = data_dir / "revisions.csv"
        log = read_csv_table(log_path, REVISIONS_HEADER)
        today = dt.date.today().isoformat()
        log.rows += [
            [r.measure_id, r.period, number_text(r.old), number_text(r.new), r.workbook, today] for r in report.revised
        ]
        write_csv_table(log, log_path)
    write_csv_table(table, path)


def _write_notes(data_dir: Path, quarter: Quarter, notes: dict[tuple[str, str], tuple[str, str]]) -> int:
    """Merge the workbooks' notes into ``partner_notes.csv``; return how many were new or changed."""
    if not notes:
        return 0
    path = data_dir / "partner_notes.csv"
    table = read_csv_table(path, NOTES_HEADER)
    cols = {n: table.column(n, path.name) for n in NOTES_HEADER}

    def key(r: list[str]) -> tuple[str, str, str]:
        return (r[cols["quarter"]].strip(), r[cols["measure_id"]].strip(), r[cols["period"]].strip())

    have = {key(r): r[cols["note"]].strip() for r in table.rows}
    q = str(quarter)
    new = [
        place(table, {"quarter": q, "measure_id": m, "period": p, "lead": lead, "note": note}, path.name)
        for (m, p), (lead, note) in notes.items()
        if have.get((q, m, p)) != note
    ]
    if new:
        table.rows, _ = merge_rows(table.rows, new, key=key, group=lambda r: r[cols["quarter"]].strip())
        write_csv_table(table, path)
    return len(new)


__all__ = ["InputError", "ingest_returns", "start_quarter", "unupdated_rows", "write_returns"]
