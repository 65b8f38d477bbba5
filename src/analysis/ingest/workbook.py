"""The partner returns workbook: how ``csp-report returns`` lays it out and ``ingest returns`` reads it.

One sheet of returns (``Returns``): a header row, then a row for every period
a lead's measures are due, with the measure's title and unit, the period as
``actuals.csv`` writes it and in words, last year's figure for the same period
and the value and note cells the partner fills in. Only the value and note
cells are unlocked (sheet protection without a password); a value cell accepts
only a number (a count: a number of 0 or more). The lead's tasks,
recommendations and sign-off, and the analyst's family group, are sheets of
their own (:mod:`analysis.ingest.lead_sheets`), there when they have rows. A
sheet of instructions, and a hidden sheet (``About``, also kept as the
workbook's custom properties) naming the partnership, quarter and lead so a
workbook returned for another quarter or partnership can be refused.
"""

from __future__ import annotations

import datetime as dt
import io
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from analysis.core.files import MAX_ROWS, MAX_TABLE_BYTES, FileRefused, read_regular, unzip_problem
from analysis.ingest import lead_sheets
from analysis.ingest.tables import replace_file

RETURNS_SHEET = "Returns"
INSTRUCTIONS_SHEET = "Instructions"
ABOUT_SHEET = "About"
FORMAT = "csp-report partner return"
COLUMNS = ("measure_id", "title", "unit", "period", "period_in_words", "last_year", "value", "note")
WIDTHS = {"measure_id": 24, "title": 48, "unit": 16, "period": 12, "period_in_words": 20, "last_year": 12}
WIDTHS |= {"value": 14, "note": 48}
FILLED = ("value", "note")


@dataclass(frozen=True)
class ReturnRow:
    """One period due from one measure."""

    measure_id: str
    title: str
    unit: str
    period: str
    period_in_words: str
    last_year: float | None
    value: float | None
    count: bool  # a count: the value must be 0 or more


@dataclass(frozen=True)
class About:
    """Whose return a workbook is."""

    partnership: str
    quarter: str
    lead: str


def _letter(name: str) -> str:
    return chr(ord("A") + COLUMNS.index(name))


LAST_LINE = "Do not add, remove or reorder rows or sheets; save as .xlsx and send the file back."


def _instructions(about: About, figures: bool = True) -> list[str]:
    head = [f"{about.partnership}: performance return for {about.quarter}", f"Lead: {about.lead}", ""]
    if not figures:
        return [*head, "How to fill in this return", "No figures are due from you this quarter.", LAST_LINE]
    return [
        *head,
        "How to fill in this return",
        f"1. On the sheet '{RETURNS_SHEET}', type each figure in the 'value' column, one row per measure and period.",
        "2. Type numbers only: no units, per cent signs or words. Counts cannot be below 0.",
        "3. Leave a value empty if the figure is not known yet; it can be sent later.",
        "4. A figure already filled in is the one the partnership holds: change it only to correct it.",
        "5. 'last_year' is the figure for the same period a year earlier, as a check.",
        "6. Use the 'note' column to explain a figure (for example a change in recording);",
        "   the note is shown with the measure in the report.",
        f"7. {LAST_LINE}",
    ]


def write_workbook(
    path: Path, about: About, rows: list[ReturnRow], sheets: dict[str, list[dict]] | None = None, last_quarter: str = ""
) -> None:
    """Write a returns workbook to ``path`` by a rename, so a reader never sees half a file.

    ``sheets`` are the rows of the lead's other sheets (:mod:`analysis.ingest.lead_sheets`), whose position
    and status are ``last_quarter``'s. The figures' sheet is always there, with its header row only when no
    figure is due.
    """
    from openpyxl import Workbook
    from openpyxl.packaging.custom import StringProperty
    from openpyxl.styles import Font
    from openpyxl.workbook.protection import WorkbookProtection

    book = Workbook()
    _figures_sheet(book.active, rows)
    sheets = sheets or {}
    lead_sheets.add_sheets(book, sheets)
    notes = book.create_sheet(INSTRUCTIONS_SHEET)
    for line in _instructions(about, bool(rows)) + lead_sheets.instructions(sheets, last_quarter):
        notes.append([line])
    notes["A1"].font = Font(bold=True, size=14)
    notes["A4"].font = Font(bold=True)
    notes.column_dimensions["A"].width = 110
    notes.protection.sheet = True

    meta = book.create_sheet(ABOUT_SHEET)
    for pair in (
        ("field", "value"),
        ("format", FORMAT),
        ("partnership", about.partnership),
        ("quarter", about.quarter),
        ("lead", about.lead),
        ("written", dt.date.today().isoformat()),
    ):
        meta.append(list(pair))
    meta.sheet_state = "hidden"
    meta.protection.sheet = True
    book.security = WorkbookProtection(lockStructure=True)  # sheets cannot be unhidden, added or removed
    book.properties.title = f"{about.partnership} performance return {about.quarter}: {about.lead}"
    book.properties.subject = about.quarter
    for name, value in (("partnership", about.partnership), ("quarter", about.quarter), ("lead", about.lead)):
        book.custom_doc_props.append(StringProperty(name=f"csp-report {name}", value=value))  # File > Properties
    book.active = 0
    for worksheet in book.worksheets:
        as_text(worksheet)

    replace_file(path, book.save)


def _figures_sheet(sheet, rows: list[ReturnRow]) -> None:
    """The figures due, one row per measure and period: the value and note cells open, checked as numbers."""
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.worksheet.datavalidation import DataValidation

    sheet.title = RETURNS_SHEET
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    counts = DataValidation(
        type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True, showErrorMessage=True
    )
    counts.errorTitle, counts.error = "Not a count", "Type a number of 0 or more, or leave the cell empty."
    numbers = DataValidation(
        type="decimal", operator="between", formula1="-1000000000000", formula2="1000000000000", allow_blank=True
    )
    numbers.showErrorMessage = True
    numbers.errorTitle, numbers.error = "Not a number", "Type a number, or leave the cell empty."
    fill = PatternFill("solid", fgColor="FFF2CC")
    for r, row in enumerate(rows, start=2):
        sheet.append(
            [row.measure_id, row.title, row.unit, row.period, row.period_in_words, row.last_year, row.value, None]
        )
        (counts if row.count else numbers).add(f"{_letter('value')}{r}")
        for name in FILLED:
            cell = sheet[f"{_letter(name)}{r}"]
            cell.protection = Protection(locked=False)
            cell.fill = fill
        sheet[f"{_letter('title')}{r}"].alignment = Alignment(wrap_text=True, vertical="top")
    for validation in (counts, numbers):
        if validation.sqref.ranges:  # a validation of no cells is not valid OOXML
            sheet.add_data_validation(validation)
    for name, width in WIDTHS.items():
        sheet.column_dimensions[_letter(name)].width = width
    sheet.freeze_panes = "A2"
    sheet.protection.sheet = True  # no password: it guards against slips, not people


FORMULA_STARTS = ("=", "+", "-", "@")  # what makes Excel (or openpyxl) read typed text as a formula


def as_text(sheet) -> None:
    """Make every text cell of ``sheet`` a plain text cell, never a formula, whatever it starts with.

    openpyxl writes a string starting with ``=`` as a formula, so a title like
    ``=HYPERLINK("http://...", "Click")`` would become a live link in every
    lead's workbook; Excel treats ``+``, ``-`` and ``@`` the same when a cell is
    edited. Each such cell is stored as text and marked with Excel's quote
    prefix (as typing ``'`` before it does), so it stays text when edited.

    >>> from openpyxl import Workbook
    >>> sheet = Workbook().active
    >>> sheet.append(["=1+1", "-x", "Safer Plymouth", 3])
    >>> as_text(sheet)
    >>> [(c.value, c.data_type, bool(c.quotePrefix)) for c in sheet[1]]
    [('=1+1', 's', True), ('-x', 's', True), ('Safer Plymouth', 's', False), (3, 'n', False)]
    """
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
                if cell.value.startswith(FORMULA_STARTS):
                    cell.quotePrefix = True


@dataclass(frozen=True)
class FilledRow:
    """One row of a returned workbook as typed: ``value`` is a number, text, or ``None`` when blank."""

    row: int
    measure_id: str
    period: str
    value: object
    note: str


@dataclass(frozen=True)
class Returned:
    """A returned workbook as read, before any checks against the inputs."""

    path: Path
    about: dict[str, tuple[int, str]]  # field -> (row of the About sheet, value)
    rows: list[FilledRow]
    missing_columns: tuple[str, ...] = ()
    sheets: dict[str, list[tuple]] = field(default_factory=dict)  # the other sheets' rows, as typed


class NotAReturn(Exception):
    """The file is not a returns workbook (it cannot be opened, or lacks the sheets)."""


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_workbook(path: Path) -> Returned:
    """Read a returned workbook's About sheet and rows; raise :class:`NotAReturn` with the reason.

    Only a regular file is opened (a FIFO or device named ``.xlsx`` is refused at
    once), within the size caps of :mod:`analysis.core.files`: its bytes, what
    its zip directory says it unpacks to, and its rows. It is read in read-only
    mode, row by row.
    """
    import openpyxl

    try:
        raw = read_regular(path, MAX_TABLE_BYTES)
    except FileRefused as err:
        raise NotAReturn(str(err)) from err
    problem = unzip_problem(raw)
    if problem:
        raise NotAReturn(problem)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as err:
        raise NotAReturn(f"this cannot be opened as an .xlsx workbook ({type(err).__name__})") from err
    try:
        if ABOUT_SHEET not in book.sheetnames or RETURNS_SHEET not in book.sheetnames:
            raise NotAReturn(
                f"this is not a returns workbook from csp-report returns (it has no {RETURNS_SHEET!r} and "
                f"{ABOUT_SHEET!r} sheets)"
            )
        about = {
            _text(name): (r, _text(value))
            for r, (name, value, *_) in enumerate(_rows(book[ABOUT_SHEET], 2), start=1)
            if name
        }
        others = {
            name: list(_rows(book[name], len(lead_sheets.COLUMNS[name]) + 8))
            for name in lead_sheets.SHEETS
            if name in book.sheetnames
        }
        rows = list(_rows(book[RETURNS_SHEET], len(COLUMNS) + 8))
    finally:
        book.close()
    header = [_text(c).lower() for c in rows[0]] if rows else []
    missing = tuple(c for c in ("measure_id", "period", "value", "note") if c not in header)
    if missing:
        return Returned(Path(path), about, [], missing, others)
    at = {name: header.index(name) for name in ("measure_id", "period", "value", "note")}
    filled: list[FilledRow] = []
    for number, cells in enumerate(rows[1:], start=2):
        cells = tuple(cells) + (None,) * len(header)
        value = cells[at["value"]]
        if isinstance(value, str) and not value.strip():
            value = None
        row = FilledRow(
            number, _text(cells[at["measure_id"]]), _text(cells[at["period"]]), value, _text(cells[at["note"]])
        )
        if row.measure_id or row.period or row.value is not None or row.note:
            filled.append(row)
    return Returned(Path(path), about, filled, (), others)


def _rows(sheet, columns: int):
    """A read-only sheet's rows as values, at most ``columns`` wide; a sheet beyond the row cap is refused."""
    sheet.reset_dimensions()  # every row there is, whatever size the sheet records
    for number, values in enumerate(sheet.iter_rows(values_only=True, max_col=columns), start=1):
        if number > MAX_ROWS:
            raise NotAReturn(f"the sheet {sheet.title!r} has more than {MAX_ROWS:,} rows: this is not a return")
        yield values
