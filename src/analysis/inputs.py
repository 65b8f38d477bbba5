"""Read and validate a partnership's input folder (``data/raw/``) in one pass.

Tables are read as text the way analysts save them (UTF-8 with or without a
byte-order mark, Windows-1252 from Excel, thousands separators, trailing blank
rows, or sheets of one ``.xlsx`` workbook), validated against the schemas, and
checked against the register. Every problem is collected before anything is
raised, so one run tells the analyst everything to fix.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .periods import PeriodError, Quarter, is_period, parse_quarter, quarter_of_period
from .problems import InputError, Problem, raise_if_any
from .register import Register, read_register
from .schemas import ID_PATTERN, TABLES, parse_number, schema_problems

REQUIRED_TABLES = ("actuals",)
OPTIONAL_TABLES = ("action_plan", "recommendations", "family_group")


@dataclass(frozen=True)
class Inputs:
    """Everything a quarter is computed from, validated and typed."""

    register: Register
    actuals: pd.DataFrame  # measure_id, period, value (float)
    action_plan: pd.DataFrame
    recommendations: pd.DataFrame
    family_group: pd.DataFrame
    commentary: dict[tuple[str, str], str] = field(default_factory=dict)
    files: tuple[Path, ...] = ()

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
    """Text of a CSV file: UTF-8 (with or without BOM), else Windows-1252 as Excel saves it.

    >>> decode(b"\\xef\\xbb\\xbfa"), decode("caf\\u00e9".encode("cp1252"))
    ('a', 'café')
    """
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252")


def _frame_from_rows(header: list[str], rows: list[list[str]], first_row: int) -> pd.DataFrame:
    columns = [str(h).replace("\ufeff", "").strip().lower() for h in header]
    width = len(columns)
    cleaned = [([str(c).strip() for c in r] + [""] * width)[:width] for r in rows]
    index = pd.Index(range(first_row, first_row + len(cleaned)), name="row")
    frame = pd.DataFrame(cleaned, columns=columns, index=index, dtype=str)
    blank = (frame == "").all(axis=1) if width else pd.Series(dtype=bool)
    return frame[~blank]


def parse_csv(text: str) -> pd.DataFrame:
    """Parse CSV text into a frame of stripped text cells indexed by spreadsheet row.

    >>> parse_csv('measure_id,value\\nasb,"10,064"\\n,\\n').to_dict("index")
    {2: {'measure_id': 'asb', 'value': '10,064'}}
    """
    import csv

    records = list(csv.reader(io.StringIO(text)))
    if not records:
        return pd.DataFrame()
    return _frame_from_rows(records[0], records[1:], 2)


def _sheet_frame(book: Path, sheet: str) -> pd.DataFrame:
    raw = pd.read_excel(book, sheet_name=sheet, header=None, dtype=object)
    values = raw.map(_cell_text).values.tolist()
    if not values:
        return pd.DataFrame()
    return _frame_from_rows(values[0], values[1:], 2)


def _cell_text(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m")
    return str(value)


def _workbooks(data_dir: Path) -> list[Path]:
    return sorted(p for p in data_dir.glob("*.xlsx") if not p.name.startswith("~$"))


def locate_table(data_dir: Path, name: str) -> tuple[Path, str | None] | None:
    """Where a table lives: ``name.csv``, or a sheet called ``name`` of a workbook in the folder."""
    csv_path = data_dir / f"{name}.csv"
    if csv_path.exists():
        return csv_path, None
    for book in _workbooks(data_dir):
        sheets = pd.ExcelFile(book).sheet_names
        for sheet in sheets:
            if sheet.strip().lower() in (name, f"{name}.csv"):
                return book, sheet
    return None


def read_table(data_dir: Path, name: str) -> tuple[pd.DataFrame, str, Path] | None:
    """Read one input table as text cells; ``None`` when the folder does not have it."""
    found = locate_table(data_dir, name)
    if found is None:
        return None
    path, sheet = found
    if sheet is None:
        return parse_csv(decode(path.read_bytes())), path.name, path
    return _sheet_frame(path, sheet), f"{path.name} (sheet {sheet})", path


def _typed_actuals(frame: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "measure_id": frame["measure_id"].astype(str),
            "period": frame["period"].astype(str),
            "value": [parse_number(v) for v in frame["value"]],
        }
    )
    return out.sort_values(["measure_id", "period"], kind="stable").reset_index(drop=True)


def _check_actuals(frame: pd.DataFrame, file: str, register: Register | None) -> list[Problem]:
    problems: list[Problem] = []
    if not {"measure_id", "period"} <= set(frame.columns):
        return problems
    known = {m.id: m for m in register.measures} if register else {}
    seen: dict[tuple[str, str], int] = {}
    for row, mid, period in zip(frame.index, frame["measure_id"], frame["period"], strict=True):
        if not mid or not period:
            continue
        measure = known.get(mid)
        if register is not None and measure is None and ID_PATTERN.match(mid):
            problems.append(Problem(file, row, "measure_id", f"{mid!r} is not a measure in measures.yml"))
        if measure is not None and not is_period(period, measure.frequency):
            form = "a month like 2015-04" if measure.frequency == "monthly" else "a quarter like 2015-16-Q1"
            problems.append(Problem(file, row, "period", f"{period!r} is not {form} ({mid} is {measure.frequency})"))
        key = (mid, period)
        if key in seen:
            problems.append(Problem(file, row, "period", f"{mid} {period} appears twice (also row {seen[key]})"))
        else:
            seen[key] = row
    return problems


def _check_action_plan(frame: pd.DataFrame, file: str, register: Register | None) -> list[Problem]:
    problems: list[Problem] = []
    if {"status", "improvement"} <= set(frame.columns):
        for row, status, improvement in zip(frame.index, frame["status"], frame["improvement"], strict=True):
            if status.lower() in ("amber", "red") and not improvement:
                problems.append(
                    Problem(
                        file,
                        row,
                        "improvement",
                        f"the status is {status.lower()}, so the planned improvement "
                        "(action needed and deadline) is required",
                    )
                )
    problems += _check_measure_links(frame, file, register)
    return problems


def _check_measure_links(frame: pd.DataFrame, file: str, register: Register | None) -> list[Problem]:
    if register is None or "measure_id" not in frame.columns:
        return []
    known = {m.id for m in register.measures}
    return [
        Problem(file, row, "measure_id", f"{mid!r} is not a measure in measures.yml")
        for row, mid in zip(frame.index, frame["measure_id"], strict=True)
        if mid and ID_PATTERN.match(mid) and mid not in known
    ]


def _check_family_group(frame: pd.DataFrame, file: str, register: Register | None) -> list[Problem]:
    if not {"quarter", "partnership"} <= set(frame.columns):
        return []
    problems: list[Problem] = []
    seen: dict[tuple[str, str], int] = {}
    for row, quarter, name in zip(frame.index, frame["quarter"], frame["partnership"], strict=True):
        key = (quarter, name.casefold())
        if quarter and name and key in seen:
            problems.append(
                Problem(file, row, "partnership", f"{name!r} appears twice for {quarter} (also row {seen[key]})")
            )
        seen.setdefault(key, row)
    return problems


def _typed(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    schema = TABLES[name]
    out = frame.reindex(columns=list(schema.columns), fill_value="").reset_index(drop=True)
    if name == "family_group":
        out["crimes"] = [parse_number(v) for v in out["crimes"]]
        out["population"] = [parse_number(v) for v in out["population"]]
    if name == "recommendations":
        out["number"] = [int(parse_number(v)) for v in out["number"]]
        out["status"] = out["status"].str.lower()
    if name == "action_plan":
        out["status"] = out["status"].str.lower()
        out["term"] = out["term"].str.upper()
    return out


def _empty(name: str) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=str) for c in TABLES[name].columns})


_CHECKS = {
    "actuals": _check_actuals,
    "action_plan": _check_action_plan,
    "recommendations": lambda f, file, reg: [],
    "family_group": _check_family_group,
}


def _read_commentary(data_dir: Path, register: Register | None) -> tuple[dict, list[Problem], list[Path]]:
    root = data_dir / "commentary"
    notes: dict[tuple[str, str], str] = {}
    problems: list[Problem] = []
    files: list[Path] = []
    if not root.is_dir():
        return notes, problems, files
    known = {m.id for m in register.measures} if register else None
    for path in sorted(root.glob("*/*.md")):
        rel = f"commentary/{path.parent.name}/{path.name}"
        try:
            quarter = str(parse_quarter(path.parent.name))
        except PeriodError:
            problems.append(Problem(rel, None, None, f"{path.parent.name!r} is not a quarter folder like 2015-16-Q1"))
            continue
        if known is not None and path.stem not in known:
            problems.append(Problem(rel, None, None, f"{path.stem!r} is not a measure in measures.yml"))
            continue
        notes[(quarter, path.stem)] = decode(path.read_bytes())
        files.append(path)
    return notes, problems, files


def load_inputs(data_dir: Path) -> Inputs:
    """Read and validate every input in ``data_dir``; raise ``InputError`` listing all problems."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise InputError([Problem(str(data_dir), None, None, "the data folder does not exist")])
    problems: list[Problem] = []
    files: list[Path] = [data_dir / "measures.yml"]
    try:
        register: Register | None = read_register(data_dir / "measures.yml")
    except InputError as err:
        problems.extend(err.problems)
        register = None

    tables: dict[str, pd.DataFrame] = {}
    for name in (*REQUIRED_TABLES, *OPTIONAL_TABLES):
        found = read_table(data_dir, name)
        if found is None:
            if name in REQUIRED_TABLES:
                problems.append(Problem(f"{name}.csv", None, None, "the file is missing; it is required"))
            tables[name] = _empty(name)
            continue
        frame, file, path = found
        files.append(path)
        found_problems = schema_problems(TABLES[name], frame, file)
        found_problems += _CHECKS[name](frame, file, register)
        problems.extend(found_problems)
        tables[name] = frame
    commentary, comment_problems, comment_files = _read_commentary(data_dir, register)
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
    )
