"""Read and validate a partnership's input folder (``data/raw/``) in one pass.

Tables are read as text the way analysts save them: CSV in UTF-8 with or
without a byte-order mark, Windows-1252 from Excel, CRLF line ends, thousands
separators, header case, stray spaces and trailing blank rows; or sheets of an
``.xlsx`` workbook named as the CSV files, where a date typed into a period
column becomes its month. Each table is validated against its pandera schema
(:mod:`analysis.inputs.schemas`) and checked against the register. Every problem is
collected before anything is raised, so one run tells the analyst everything
to fix, each with its file (and sheet), row and column.
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
    MAX_COLUMNS,
    MAX_COMMENTARY_BYTES,
    MAX_ROWS,
    MAX_TABLE_BYTES,
    FileRefused,
    read_confined,
)
from analysis.core.periods import PeriodError, Quarter, is_period, parse_quarter, quarter_of_period
from analysis.core.problems import InputError, Problem, raise_if_any, suggest
from analysis.core.register import Measure, Register
from analysis.core.vocabulary import EXCEPTION_STATUSES
from analysis.inputs.register import check_register_file
from analysis.inputs.schemas import FREQUENCIES, TABLES, id_problem, parse_number, schema_problems

REQUIRED_TABLES = ("actuals",)
OPTIONAL_TABLES = ("action_plan", "recommendations", "family_group", "partner_notes")
WORKBOOKS = (".xlsx", ".xlsm")
PERIOD_COLUMNS = ("period",)
_IGNORED = ("Thumbs.db", "desktop.ini")


@dataclass(frozen=True)
class Inputs:
    """Everything a quarter is computed from, validated and typed."""

    register: Register
    actuals: pd.DataFrame  # measure_id, period, value (float)
    action_plan: pd.DataFrame
    recommendations: pd.DataFrame
    family_group: pd.DataFrame  # quarters whose counts are not all supplied yet are left out
    commentary: dict[tuple[str, str], str] = field(default_factory=dict)
    files: tuple[Path, ...] = ()
    partner_notes: pd.DataFrame = field(default_factory=lambda: _empty("partner_notes"))

    def series(self, measure_id: str) -> dict[str, float]:
        """One measure's values by period."""
        rows = self.actuals[self.actuals["measure_id"] == measure_id]
        return dict(zip(rows["period"], rows["value"], strict=True))

    def latest_quarter(self) -> Quarter:
        """The latest quarter in which any measure has a value."""
        if self.actuals.empty:
            raise InputError([Problem("actuals.csv", None, None, "there are no values to report on")])
        return max(quarter_of_period(p) for p in self.actuals["period"])


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
    delimiter = next((d for d in ("\t", ";") if "," not in first and d in first), ",")
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as err:
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


class _Folder:
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
    sources = _Folder(data_dir).sources(name)
    return sources[0] if sources else None


def read_table(data_dir: Path, name: str) -> tuple[pd.DataFrame, str, Path] | None:
    """Read one input table as text cells; ``None`` when the folder does not have it."""
    table = _Folder(data_dir).read(name)
    return None if table is None else (table.frame, table.file, table.path)


def _unknown(mid: str, known: Iterable[str]) -> str:
    return f"{mid!r} is not a measure in measures.yml{suggest(mid, known)}"


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
            problems.append(Problem(file, row, "measure_id", _unknown(mid, known)))
        some_period = is_period(period, "monthly") or is_period(period, "quarterly")
        checkable = measure is not None and measure.frequency in FREQUENCIES
        if checkable and some_period and not is_period(period, measure.frequency):
            if measure.frequency == "monthly":
                message = f"{period!r} is a quarter, but {mid} is a monthly measure: give a month like 2015-04"
            else:
                message = f"{period!r} is a month, but {mid} is a quarterly measure: give a quarter like 2015-16-Q1"
            problems.append(Problem(file, row, "period", message))
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
        known = [m.id for m in register.measures]
        for row, mid in zip(frame.index, frame["measure_id"], strict=True):
            if mid and id_problem(mid) is None and mid not in known:
                problems.append(Problem(file, row, "measure_id", _unknown(mid, known)))
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
            problems.append(Problem(file, row, "measure_id", _unknown(mid, known)))
        key = (quarter, mid, period)
        if all(key) and key in seen:
            message = f"{mid} has a second note for {period} in {quarter} (also row {seen[key]}): keep one"
            problems.append(Problem(file, row, "note", message))
        seen.setdefault(key, row)
    return problems


_CHECKS = {
    "actuals": _check_actuals,
    "action_plan": _check_action_plan,
    "recommendations": _check_recommendations,
    "family_group": _check_family_group,
    "partner_notes": _check_partner_notes,
}


def _read_commentary(data_dir: Path, register: Register | None) -> tuple[dict, list[Problem], list[Path]]:
    """Commentary as ``{(quarter, measure_id): text}``; misplaced or misnamed files are problems."""
    root = data_dir / "commentary"
    notes: dict[tuple[str, str], str] = {}
    where: dict[tuple[str, str], str] = {}
    problems: list[Problem] = []
    files: list[Path] = []
    if not root.is_dir():
        return notes, problems, files
    known = [m.id for m in register.measures] if register else None
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(data_dir).as_posix()
        if path.is_dir() and path.is_symlink() and not path.resolve().is_relative_to(data_dir.resolve()):
            message = "this is a link to a folder outside the data folder, which is not read: copy the folder in"
            problems.append(Problem(rel, None, None, message))
            continue
        if path.is_dir() or path.name.startswith((".", "~$")) or path.name in _IGNORED:
            continue
        if path.parent == root:
            message = f"commentary goes in a folder named after its quarter, like commentary/2015-16-Q1/{path.name}"
            problems.append(Problem(rel, None, None, message))
            continue
        if path.parent.parent != root or path.suffix.lower() != ".md":
            message = "this file is not read: commentary must be a Markdown file commentary/<quarter>/<measure_id>.md"
            problems.append(Problem(rel, None, None, message))
            continue
        try:
            quarter = str(parse_quarter(path.parent.name))
        except PeriodError:
            message = f"{path.parent.name!r} is not a quarter: name the folder like 2015-16-Q1"
            problems.append(Problem(rel, None, None, message))
            continue
        if known is not None and path.stem not in known:
            message = f"{_unknown(path.stem, known)}, so this commentary would not be shown"
            problems.append(Problem(rel, None, None, message))
            continue
        if (quarter, path.stem) in where:
            message = f"this is a second commentary for {path.stem} in {quarter} (also {where[quarter, path.stem]})"
            problems.append(Problem(rel, None, None, message))
            continue
        try:
            text = decode(read_confined(path, data_dir, MAX_COMMENTARY_BYTES))
        except FileRefused as err:
            problems.append(Problem(rel, None, None, str(err)))
            continue
        where[quarter, path.stem] = rel
        fetched = offsite_images(text)
        for line, src in fetched:
            message = (
                f"the image {src!r} would be loaded from the network whenever the page is opened, and the "
                "published report must work offline: leave the image out, or link to it instead, like [chart](address)"
            )
            problems.append(Problem(rel, line, None, message))
        if fetched:
            continue
        notes[(quarter, path.stem)] = text
        files.append(path)
    return notes, problems, files


def offsite_images(text: str) -> list[tuple[int, str]]:
    """Images in commentary Markdown that a browser would fetch from elsewhere, with their lines.

    Links are not fetched (a reader follows them or not), so they are fine; an
    image is loaded as the page opens. Raw HTML in commentary is shown as
    text, never as markup, so only Markdown images count.

    >>> offsite_images("Up 5%.\\n\\n![chart](https://example.org/c.png) see [ONS](https://ons.gov.uk)")
    [(3, 'https://example.org/c.png')]
    >>> offsite_images("Ask stats@import-export.gov.uk, or see <https://police.uk>.")
    []
    """
    from markdown_it import MarkdownIt

    lines = text.splitlines()
    found: list[tuple[int, str]] = []
    for block in MarkdownIt("commonmark", {"html": False}).parse(text):
        for token in block.children or ():
            src = str(token.attrs.get("src", "")) if token.type == "image" else ""
            if not _fetched(src):
                continue
            start, end = block.map or (0, len(lines))
            at = next((i for i in range(start, end) if src in lines[i]), None)
            if at is None:  # a reference-style image: its address is on its definition line
                at = next((i for i, line in enumerate(lines) if src in line), start)
            found.append((at + 1, src))
    return found


def _fetched(src: str) -> bool:
    """Whether an image address is loaded from outside the page: any scheme but data:, or ``//host``."""
    src = src.strip()
    scheme = src.split(":", 1)[0].lower() if ":" in src.split("/", 1)[0] else ""
    return src.startswith("//") or (bool(scheme) and scheme != "data")


def _register_path(folder: _Folder) -> Path:
    """``measures.yml`` in any letter case; a ``measures.yaml`` is read too (the register is the same)."""
    return folder.file("measures.yml") or folder.file("measures.yaml") or folder.dir / "measures.yml"


def _typed_actuals(frame: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "measure_id": frame["measure_id"].astype(str),
            "period": frame["period"].astype(str),
            "value": [parse_number(v) for v in frame["value"]],
        }
    )
    return out.sort_values(["measure_id", "period"], kind="stable").reset_index(drop=True)


def _typed(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    schema = TABLES[name]
    out = frame.reindex(columns=list(schema.columns), fill_value="").reset_index(drop=True)
    if name == "family_group":
        out["crimes"] = [parse_number(v) for v in out["crimes"]]
        out["population"] = [parse_number(v) for v in out["population"]]
        incomplete = set(out.loc[out["crimes"].isna(), "quarter"])  # counts not yet supplied for the quarter
        out = out[~out["quarter"].isin(incomplete)].reset_index(drop=True)
    if name == "recommendations":
        out["number"] = [int(parse_number(v)) for v in out["number"]]
        out["status"] = out["status"].str.lower()
    if name == "action_plan":
        out["status"] = out["status"].str.lower()
        out["term"] = out["term"].str.upper()
    return out


def _empty(name: str) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=str) for c in TABLES[name].columns})


def load_inputs(data_dir: Path) -> Inputs:
    """Read and validate every input in ``data_dir``; raise ``InputError`` listing all problems."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise InputError([Problem(str(data_dir), None, None, "the data folder does not exist")])
    folder = _Folder(data_dir)
    problems: list[Problem] = list(folder.problems)
    register_path = _register_path(folder)
    register, register_problems = check_register_file(register_path)
    problems += register_problems
    files: list[Path] = [register_path]
    checks = register if register is not None and register.measures else None  # nothing to check against

    tables: dict[str, pd.DataFrame] = {}
    for name in (*REQUIRED_TABLES, *OPTIONAL_TABLES):
        table = folder.read(name)
        if table is None:
            if name in REQUIRED_TABLES:
                message = f"the {name} table is missing: add {name}.csv, or a sheet {name!r} to an .xlsx workbook"
                problems.append(Problem(f"{name}.csv", None, None, message))
            tables[name] = _empty(name)
            continue
        files.append(table.path)
        problems += table.problems
        if not table.readable:
            tables[name] = _empty(name)
            continue
        problems += schema_problems(TABLES[name], table.frame, table.file, table.header_row)
        problems += _CHECKS[name](table.frame, table.file, checks)
        tables[name] = table.frame
    commentary, comment_problems, comment_files = _read_commentary(data_dir, checks)
    problems.extend(comment_problems)
    files.extend(comment_files)
    raise_if_any(problems)
    assert register is not None
    return Inputs(
        register=register,
        actuals=_typed_actuals(tables["actuals"]),
        action_plan=_typed(tables["action_plan"], "action_plan"),
        recommendations=_typed(tables["recommendations"], "recommendations"),
        family_group=_typed(tables["family_group"], "family_group"),
        commentary=commentary,
        files=tuple(dict.fromkeys(files)),
        partner_notes=_typed(tables["partner_notes"], "partner_notes"),
    )
