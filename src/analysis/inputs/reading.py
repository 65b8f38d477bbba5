"""Input tables read as text cells, from CSV files or sheets of a workbook, each problem of their layout named.

Tables are read as text the way analysts save them: CSV in UTF-8 with or
without a byte-order mark, Windows-1252 from Excel, CRLF line ends, header
case, stray spaces and trailing blank rows; or sheets of an ``.xlsx`` workbook
named as the CSV files, where a date typed into a period column becomes its
month. Every cell stays text, indexed by the row the analyst sees, so that the
schemas (:mod:`analysis.inputs.schemas`) can say which cell is wrong and why.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis.core.files import (
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_ROWS,
    MAX_TABLE_BYTES,
    FileRefused,
    read_confined,
    unzip_problem,
)
from analysis.core.problems import Problem

WORKBOOKS = (".xlsx", ".xlsm")
PERIOD_COLUMNS = ("period",)


def decode(raw: bytes) -> str:
    """Text of a CSV file: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252 as Excel saves it.

    >>> decode(b"\\xef\\xbb\\xbfa"), decode("caf\\u00e9 \\u00a3".encode("cp1252"))
    ('a', 'café £')
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


@dataclass
class Table:
    """One input table as text cells indexed by spreadsheet row, and what was wrong with its layout."""

    frame: pd.DataFrame
    file: str
    path: Path
    header_row: int = 1
    problems: list[Problem] = field(default_factory=list)
    readable: bool = True


def _letter(j: int) -> str:
    """A spreadsheet column letter: 0 -> A, 26 -> AA."""
    return _letter(j // 26 - 1) + chr(65 + j % 26) if j >= 26 else chr(65 + j)


def _heading(cell: object) -> str:
    return " ".join(str(cell or "").replace("\ufeff", "").split()).lower().replace(" ", "_").replace("-", "_")


def _table(records: Iterable[tuple[int, list[str]]], file: str, path: Path) -> Table:
    """Build a table from numbered rows of text: the first non-blank row is the header.

    Blank rows are dropped but keep their numbers, so every problem names the
    row the analyst sees. A column named twice, and values in cells that no
    column heading covers, are problems.
    """
    problems: list[Problem] = []
    header: list[str] = []
    named: dict[int, str] = {}
    header_row, index, rows = 1, [], []
    for number, cells in records:
        cells = [c.strip() for c in cells]
        if not header:
            if any(cells):
                header_row, header = number, [_heading(c) for c in cells]
                first: dict[str, int] = {}  # each heading's first column: one pass, however wide the row
                for j, name in enumerate(header):
                    if name:
                        first.setdefault(name, j)
                if len(first) > MAX_COLUMNS:
                    message = (
                        f"the header row names {len(first):,} columns, more than the {MAX_COLUMNS} "
                        "an input table may have: check it is the right file"
                    )
                    return _unreadable(file, path, message)
                named = {j: name for name, j in first.items()}
                for j, name in enumerate(header):
                    if name and j not in named:
                        columns = f"columns {_letter(first[name])} and {_letter(j)}"
                        problems.append(Problem(file, number, None, f"{name!r} heads two columns ({columns})"))
            continue
        stray = [(j, c) for j, c in enumerate(cells) if c and j not in named]
        if stray:
            problems.append(Problem(file, number, None, _stray_words(cells, stray, len(header))))
        if any(cells[j] for j in named if j < len(cells)):
            index.append(number)
            rows.append([cells[j] if j < len(cells) else "" for j in named])
    if not header:
        return _unreadable(file, path, "this is empty: the first row must name the columns")
    frame = pd.DataFrame(rows, columns=list(named.values()), index=pd.Index(index, name="row"), dtype=str)
    return Table(frame, file, path, header_row, problems)


def _stray_words(cells: list[str], stray: list[tuple[int, str]], width: int) -> str:
    j, value = stray[0]
    if j == width and width and cells[j - 1].isdigit() and len(cells[j - 1]) <= 3 and len(value) == 3:
        joined = f"{cells[j - 1]},{value}"
        return (
            f"this row has more cells than the header row: {cells[j - 1]!r} and {value!r} look like {joined} "
            f'split at its comma; put the number in quotes ("{joined}") or leave out the comma'
        )
    shown = ", ".join(f"{v!r} in column {_letter(k)}" for k, v in stray[:5])
    more = f" and {len(stray) - 5:,} more" if len(stray) > 5 else ""
    return f"this row has values outside the columns named in the header row: {shown}{more}"


def parse_csv(text: str, file: str = "table.csv") -> pd.DataFrame:
    """Parse CSV text into a frame of stripped text cells indexed by spreadsheet row.

    >>> parse_csv('Measure_ID ,value\\r\\nasb,"10,064"  \\r\\n,\\r\\n').to_dict("index")
    {2: {'measure_id': 'asb', 'value': '10,064'}}
    """
    return _csv_table(text, file, Path(file)).frame


def _csv_table(text: str, file: str, path: Path) -> Table:
    first = next((line for line in text.splitlines() if line.strip()), "")
    if first.strip().lower().startswith("sep=") and len(first.strip()) <= 5:  # Excel's hint of the delimiter
        message = (
            f"the first line {first.strip()!r} is Excel's note of the separator, not the header row: "
            "delete that line, so that the first line names the columns (measure_id,period,value)"
        )
        return Table(pd.DataFrame(), file, path, 1, [Problem(file, 1, None, message)], readable=False)
    delimiter = next((d for d in ("\t", ";") if "," not in first and d in first), ",")
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as err:
        if "field larger than field limit" in str(err):
            return _unreadable(file, path, f"a cell is longer than the {MAX_CELL_CHARS:,} characters a cell may hold")
        return _unreadable(file, path, f"this cannot be read as CSV: {err}")
    return _table(enumerate(records, start=1), file, path)


def _unreadable(file: str, path: Path, message: str) -> Table:
    return Table(pd.DataFrame(), file, path, 1, [Problem(file, None, None, message)], readable=False)


def _read_csv(path: Path, root: Path) -> Table:
    try:
        raw = read_confined(path, root, MAX_TABLE_BYTES)
    except FileRefused as err:
        return _unreadable(path.name, path, str(err))
    if raw.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        message = "this is an Excel workbook with a .csv name: save it from Excel as CSV, or name it .xlsx"
        return _unreadable(path.name, path, message)
    if b"\x00" in raw and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        message = "this is not a text file: save the table from Excel as 'CSV UTF-8 (Comma delimited)'"
        return _unreadable(path.name, path, message)
    return _csv_table(decode(raw), path.name, path)


def _cell_text(value: object, column: str) -> str:
    """A workbook cell as the text a CSV would hold; a date in a period column is its month."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%Y-%m" if column in PERIOD_COLUMNS else "%Y-%m-%d")
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


class _TooBig(Exception):
    pass


def _sheet_table(sheet, file: str, path: Path) -> Table:
    """A workbook sheet (opened read-only) as a table; a sheet beyond the size caps is refused unread.

    The sheet's recorded size is checked before any row is read; a workbook that
    records none is still stopped at the caps while its rows are read.
    """
    rows, columns = sheet.max_row or 0, sheet.max_column or 0
    if rows > MAX_ROWS or columns > MAX_COLUMNS:
        return _unreadable(file, path, _too_big(rows, columns))
    sheet.reset_dimensions()  # read every row there is: a recorded size can be too small, and would cut rows off

    def records() -> Iterable[tuple[int, list[str]]]:
        header: list[str] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number > MAX_ROWS:
                raise _TooBig(_too_big(number, 0))
            if len(values) > MAX_COLUMNS:
                if any(v not in (None, "") for v in values[MAX_COLUMNS:]):
                    raise _TooBig(_too_big(0, len(values)))
                values = values[:MAX_COLUMNS]
            if not header and any(v not in (None, "") for v in values):
                header = [_heading(v) for v in values]
            yield number, [_cell_text(v, header[j] if j < len(header) else "") for j, v in enumerate(values)]

    try:
        return _table(records(), file, path)
    except _TooBig as err:
        return _unreadable(file, path, str(err))


def _too_big(rows: int, columns: int) -> str:
    if rows > MAX_ROWS:
        size = f"reaches row {rows:,}, more than the {MAX_ROWS:,} rows"
    else:
        size = f"reaches column {_letter(columns - 1)} ({columns:,} columns), more than the {MAX_COLUMNS} columns"
    return (
        f"this sheet {size} an input table may have: delete the rows and columns beyond the table "
        "(a stray value far below or to the right makes the sheet this big) and save it again"
    )


class Folder:
    """The input folder's files, with its workbooks opened once."""

    def __init__(self, data_dir: Path):
        self.dir = Path(data_dir)
        # every entry that is not a folder, so a link, FIFO or device named as an input is refused by name
        self.entries = sorted(p for p in self.dir.iterdir() if not p.is_dir()) if self.dir.is_dir() else []
        self.problems: list[Problem] = []
        self.books: dict[Path, object] = {}
        for path in self.entries:
            if path.name.startswith(("~$", ".")):
                continue
            if path.suffix.lower() == ".xls":
                message = "old-style .xls workbooks cannot be read: save it from Excel as an Excel Workbook (.xlsx)"
                self.problems.append(Problem(path.name, None, None, message))
            elif path.suffix.lower() in WORKBOOKS:
                self._open(path)

    def _open(self, path: Path) -> None:
        import openpyxl

        try:
            raw = read_confined(path, self.dir, MAX_TABLE_BYTES)
        except FileRefused as err:
            self.problems.append(Problem(path.name, None, None, str(err)))
            return
        refused = unzip_problem(raw)  # before openpyxl unpacks anything: a zip bomb is a few hundred KB
        if refused:
            self.problems.append(Problem(path.name, None, None, refused))
            return
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                # read-only: sheets are streamed row by row, and their recorded size is known before reading
                self.books[path] = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        except Exception as err:  # a damaged workbook is the analyst's problem to fix, not a crash
            message = f"this workbook cannot be opened ({type(err).__name__}): save it again from Excel as .xlsx"
            self.problems.append(Problem(path.name, None, None, message))

    def file(self, name: str) -> Path | None:
        """A file of the folder by name, ignoring case (as Windows does)."""
        return next((p for p in self.entries if p.name.lower() == name.lower()), None)

    def sources(self, name: str) -> list[tuple[Path, str | None]]:
        """Every place the table ``name`` is: ``name.csv``, and sheets called ``name`` of any workbook."""
        found: list[tuple[Path, str | None]] = []
        csv_path = self.file(f"{name}.csv")
        if csv_path is not None:
            found.append((csv_path, None))
        for book, workbook in self.books.items():
            found += [(book, s) for s in workbook.sheetnames if s.strip().lower() in (name, f"{name}.csv")]
        return found

    def read(self, name: str) -> Table | None:
        """The table ``name`` (CSV first), or ``None``; a table kept in two places is a problem."""
        sources = self.sources(name)
        if not sources:
            return None
        path, sheet = sources[0]
        if sheet is None:
            table = _read_csv(path, self.dir)
        else:
            table = _sheet_table(self.books[path][sheet], f"{path.name}, sheet {sheet!r}", path)
        if len(sources) > 1:
            places = " and ".join(p.name if s is None else f"sheet {s!r} of {p.name}" for p, s in sources)
            message = f"the {name} table is in {places}: keep only one, so it is clear which is used"
            table.problems.append(Problem(table.file, None, None, message))
        return table


def locate_table(data_dir: Path, name: str) -> tuple[Path, str | None] | None:
    """Where a table lives: ``name.csv``, or a sheet called ``name`` of a workbook in the folder."""
    sources = Folder(data_dir).sources(name)
    return sources[0] if sources else None


def read_table(data_dir: Path, name: str) -> tuple[pd.DataFrame, str, Path] | None:
    """Read one input table as text cells; ``None`` when the folder does not have it."""
    table = Folder(data_dir).read(name)
    return None if table is None else (table.frame, table.file, table.path)
