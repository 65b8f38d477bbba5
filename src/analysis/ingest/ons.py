"""ONS Community Safety Partnership tables into ``family_group.csv``.

The ONS "Police force area data tables" workbook (for example
``policeforceareatablesyedecember2024.xlsx``) has one sheet per table: table C2
is police recorded crime by CSP for the 12 months to the workbook's date, C5 the
same a year earlier, C4 rates per 1,000 with mid-2022 populations. Each sheet
opens with title and notes rows; the header row has line breaks inside cells
("Community Safety\\nPartnership name"); force totals, "Unassigned" areas and
Manchester Airport sit between the partnerships; suppressed or unavailable
cells are ``[x]``, ``[u]``, ``[u1]``. A partnership's row is the one with a CSP code.

Which quarter the figures are filed under: the quarter that the year-ending
month closes, so "year ending December 2024" is ``2024-25-Q3`` and "year ending
March 2025" is ``2024-25-Q4``. The family group comparison then sits beside the
quarter whose performance it is read with, and each quarter's row is a rolling
12-month total, as ONS publishes it.

Population: from the table's own population column when it has one, else from
the ONS mid-year estimates workbook (``LAD23_Mid_Year_pop_2011_to_2023.xlsx``),
taking the latest mid-year (30 June) not after the year-ending month and adding
up the partnership's local authorities as the ONS lookup lists them.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from analysis.core.files import MAX_TABLE_BYTES, FileRefused, read_regular, unzip_problem
from analysis.core.periods import quarter_of_period
from analysis.core.problems import InputError, Problem, raise_if_any
from analysis.ingest.areas import load_lookup, name_key, unknown_name_error
from analysis.ingest.report import IngestReport
from analysis.ingest.tables import Merge, merge_rows, place, read_csv_table, write_csv_table
from analysis.inputs.register import read_register

FAMILY_HEADER = ("quarter", "partnership", "crimes", "population")
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")  # fmt: skip
_YEAR_ENDING = re.compile(rf"year ending ({'|'.join(_MONTHS)})\s+(\d{{4}})", re.IGNORECASE)
_CSP_CODE = re.compile(r"^[EW]\d{8}$")
_MID_YEAR = re.compile(r"^mid-(\d{4})$", re.IGNORECASE)


def cell_number(value: object) -> float | None:
    """A cell as a number; ``None`` for blanks and the ONS markers ``[x]``, ``[u]``, ``[z]``, ``[c]``.

    >>> cell_number(19614), cell_number(" 1,234 "), cell_number("[x]"), cell_number("[u1]"), cell_number(None)
    (19614.0, 1234.0, None, None, None)
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip().replace(",", "")
    if not text or text.startswith("["):
        return None
    try:
        return float(text)
    except ValueError:
        return None


def header_key(value: object) -> str:
    """A header cell compared loosely: line breaks, spacing, case and ``[note n]`` ignored.

    >>> header_key("Total recorded crime\\n (excluding fraud) \\n[note 2]")
    'total recorded crime (excluding fraud)'
    """
    text = re.sub(r"\[note[^\]]*\]", "", str(value or ""), flags=re.IGNORECASE)
    return " ".join(text.split()).casefold()


def year_ending(title: str) -> str | None:
    """The month a "year ending <Month> <year>" title ends on, as ``2024-12``.

    >>> year_ending("Table C2: ... year ending December 2024 [note 1]"), year_ending("no date")
    ('2024-12', None)
    """
    match = _YEAR_ENDING.search(title or "")
    if not match:
        return None
    return f"{match[2]}-{_MONTHS.index(match[1].casefold()) + 1:02d}"


@dataclass(frozen=True)
class CspRow:
    """One partnership's row of an ONS CSP table."""

    code: str
    name: str
    force: str
    crimes: float | None
    population: float | None


@dataclass(frozen=True)
class CspTable:
    """A CSP table: where it came from, the 12 months it covers, and its partnerships."""

    file: str
    title: str
    year_ending: str | None
    rows: tuple[CspRow, ...]
    has_population: bool

    @property
    def is_rates(self) -> bool:
        """Whether the table gives rates (C4) or percentage changes (C3) rather than numbers of crimes."""
        return any(word in self.title.casefold() for word in ("rate", "percentage"))

    @property
    def quarter(self) -> str | None:
        """The quarter the year-ending month closes (see the module's docstring)."""
        return str(quarter_of_period(self.year_ending)) if self.year_ending else None

    def find(self, name: str, where: str) -> CspRow:
        """The row of the partnership with this name or code; a clear error listing close names."""
        key = name_key(name)
        for row in self.rows:
            if name_key(row.name) == key or row.code.casefold() == key:
                return row
        known = [r.name for r in self.rows]
        raise unknown_name_error(f"Community Safety Partnership in {self.file}", name, known, where=where)


def _open(path: Path):
    from openpyxl import load_workbook

    try:  # a regular file within the caps, whatever it is named: a FIFO or a zip bomb is refused unread
        raw = read_regular(Path(path), MAX_TABLE_BYTES)
    except FileRefused as err:
        raise InputError([Problem(Path(path).name, None, None, str(err))]) from err
    refused = unzip_problem(raw)
    if refused:
        raise InputError([Problem(Path(path).name, None, None, refused)])
    try:
        return load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as err:
        raise InputError(
            [Problem(path.name, None, None, f"cannot be read as an Excel workbook (.xlsx): {err}")]
        ) from err


def _sheet(book, wanted: str, file: str):
    keys = {name.strip().casefold(): name for name in book.sheetnames}
    for candidate in (wanted, f"Table {wanted}"):
        if candidate.strip().casefold() in keys:
            return book[keys[candidate.strip().casefold()]]
    raise InputError([Problem(file, None, None, f"has no sheet {wanted!r} (sheets: {', '.join(book.sheetnames)})")])


def _columns(header: Sequence[object]) -> dict[str, int]:
    wanted = {
        "code": lambda k: k == "community safety partnership code",
        "name": lambda k: k == "community safety partnership name",
        "force": lambda k: k == "police force area name",
        "crimes": lambda k: k.startswith("total recorded crime"),
        "population": lambda k: k.startswith("population"),
    }
    found: dict[str, int] = {}
    for i, cell in enumerate(header):
        key = header_key(cell)
        for column, test in wanted.items():
            if column not in found and test(key):
                found[column] = i
    return found


def read_csp_table(path: Path | str, sheet: str = "Table C2") -> CspTable:
    """Read a CSP table of the ONS workbook: every partnership's total recorded crime (and population)."""
    path = Path(path)
    book = _open(path)
    ws = _sheet(book, sheet, path.name)
    where = f"{path.name} ({ws.title.strip()})"
    rows = list(ws.iter_rows(values_only=True))
    title = next((str(c) for r in rows[:3] for c in r if c), "")
    at = next((i for i, r in enumerate(rows[:40]) if "name" in _columns(r)), None)
    if at is None:
        raise InputError([Problem(where, None, None, "no header row with 'Community Safety Partnership name'")])
    cols = _columns(rows[at])
    missing = [c for c in ("code", "name", "crimes") if c not in cols]
    raise_if_any([Problem(where, at + 1, c, "the column is missing") for c in missing])
    out = []
    for row in rows[at + 1 :]:
        code = str(row[cols["code"]] or "").strip() if len(row) > cols["code"] else ""
        if not _CSP_CODE.match(code):
            continue  # force totals, "Unassigned", Manchester Airport, blank rows
        out.append(
            CspRow(
                code=code,
                name=" ".join(str(row[cols["name"]]).split()),
                force=" ".join(str(row[cols["force"]] or "").split()) if "force" in cols else "",
                crimes=cell_number(row[cols["crimes"]]),
                population=cell_number(row[cols["population"]]) if "population" in cols else None,
            )
        )
    book.close()
    return CspTable(where, title, year_ending(title), tuple(out), "population" in cols)


def read_populations(
    path: Path | str, year: int | None = None, not_after: str | None = None
) -> tuple[int, dict[str, float]]:
    """Mid-year population by local authority code from the ONS mid-year estimates workbook.

    Reads the sheet with a ``Mid-YYYY`` column per year (MYE4, header on row 8).
    ``year`` defaults to the latest mid-year not after the month ``not_after``
    (see :func:`population_year`), or the latest of all.
    """
    path = Path(path)
    book = _open(path)
    names = sorted(book.sheetnames, key=lambda n: n.strip() != "MYE4")
    for name in names:
        rows = list(book[name].iter_rows(values_only=True, max_row=20))
        at = next((i for i, r in enumerate(rows) if any(_MID_YEAR.match(str(c or "").strip()) for c in r)), None)
        if at is None:
            continue
        header = [str(c or "").strip() for c in rows[at]]
        years = {int(m[1]): i for i, h in enumerate(header) if (m := _MID_YEAR.match(h))}
        chosen = year if year is not None else population_year(not_after, list(years))
        if chosen not in years:
            raise InputError([Problem(f"{path.name} ({name})", at + 1, None, f"has no Mid-{chosen} column")])
        values = {}
        for row in book[name].iter_rows(min_row=at + 2, values_only=True):
            code, number = str(row[0] or "").strip(), cell_number(row[years[chosen]])
            if code and number is not None:
                values[code] = number
        book.close()
        return chosen, values
    book.close()
    raise InputError([Problem(path.name, None, None, "no sheet has mid-year columns like 'Mid-2023'")])


def population_year(year_end: str | None, available: Sequence[int]) -> int:
    """The latest mid-year (30 June) not after the year-ending month.

    >>> population_year("2024-12", [2021, 2022, 2023]), population_year("2023-03", [2021, 2022, 2023])
    (2023, 2022)
    """
    if year_end is None:
        return max(available)
    y, m = int(year_end[:4]), int(year_end[5:])
    fits = [a for a in available if (a, 6) <= (y, m)]
    return max(fits) if fits else min(available)


def csp_population(row: CspRow, populations: dict[str, float], source: str) -> float:
    """A partnership's population: its local authorities' mid-year estimates added up."""
    lookup = load_lookup()
    lads = [r for r in lookup if r.csp_code == row.code] or [
        r for r in lookup if name_key(r.csp_name) == name_key(row.name)
    ]
    if not lads:
        raise InputError([Problem(source, None, None, f"{row.name} ({row.code}) is not in the ONS lookup")])
    problems = []
    for lad in lads:
        shared = sorted({r.csp_name for r in lookup if r.lad_code == lad.lad_code})
        if len(shared) > 1:
            message = f"{lad.lad_name} is split between {', '.join(shared)}; its population cannot be divided"
            problems.append(Problem(source, None, None, message))
        elif lad.lad_code not in populations:
            problems.append(Problem(source, None, None, f"no population for {lad.lad_name} ({lad.lad_code})"))
    raise_if_any(problems)
    return sum(populations[lad.lad_code] for lad in lads)


def split_names(text: str) -> list[str]:
    """Names given as ``A,B,C``; ONS names with a comma ("Bristol, City of") stay whole.

    >>> split_names("Torfaen, Bristol, City of,Caerphilly")
    ['Torfaen', 'Bristol, City of', 'Caerphilly']
    """
    out: list[str] = []
    for part in (p.strip() for p in text.split(",")):
        if out and re.fullmatch(r"(city|county) of", part, re.IGNORECASE):
            out[-1] = f"{out[-1]}, {part}"
        elif part:
            out.append(part)
    return out


def _whole(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _populations(table: CspTable, chosen: list[CspRow], workbook: Path | str | None) -> tuple[dict[str, float], str]:
    """Each chosen partnership's population, and a note saying where it came from."""
    if table.has_population:
        return {r.code: r.population or 0 for r in chosen}, f"population from the population column of {table.file}"
    if workbook is None:
        message = "the table has no population column; give the ONS mid-year estimates workbook (--populations)"
        raise InputError([Problem(table.file, None, None, message)])
    year, by_lad = read_populations(workbook, not_after=table.year_ending)
    name = Path(workbook).name
    return {r.code: csp_population(r, by_lad, name) for r in chosen}, f"population: ONS mid-{year} estimates ({name})"


def _count_problems(table: CspTable, chosen: list[CspRow], pops: dict[str, float]) -> list[Problem]:
    problems = [
        Problem(table.file, None, None, f"{r.name}: the total recorded crime ({r.crimes}) is not a count of 0 or more")
        for r in chosen
        if r.crimes is None or r.crimes < 0 or not float(r.crimes).is_integer()
    ]
    return problems + [Problem(table.file, None, None, f"{r.name}: no population") for r in chosen if not pops[r.code]]


def write_family_group(data_dir: Path, quarter: str, rows: list[tuple[str, float, float]]) -> Merge:
    """Replace the quarter's rows of ``family_group.csv`` with ``(partnership, crimes, population)`` rows."""
    path = data_dir / "family_group.csv"
    table = read_csv_table(path, FAMILY_HEADER)
    q, who = table.column("quarter", path.name), table.column("partnership", path.name)
    values = [
        {"quarter": quarter, "partnership": name, "crimes": _whole(crimes), "population": _whole(pop)}
        for name, crimes, pop in rows
    ]
    new = [place(table, v, path.name) for v in values]
    table.rows, merge = merge_rows(
        table.rows,
        new,
        key=lambda r: (r[q].strip(), name_key(r[who])),
        group=lambda r: r[q].strip(),
        drop=lambda r: r[q].strip() == quarter,
    )
    write_csv_table(table, path)
    return merge


def ingest_ons_csp(
    workbook: Path | str,
    partnership: str,
    peers: Sequence[str],
    data_dir: Path | str,
    populations: Path | str | None = None,
    quarter: str | None = None,
    sheet: str = "Table C2",
) -> IngestReport:
    """Write the partnership's and its peers' recorded crime and population for one quarter.

    Every row of that quarter already in ``family_group.csv`` is replaced; other
    quarters are kept. The partnership's own row takes the name ``measures.yml``
    gives it, when there is one, so the report can tell it from its peers.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise InputError([Problem(str(data_dir), None, None, "the data folder does not exist")])
    table = read_csp_table(workbook, sheet)
    if table.is_rates:
        message = "gives rates or percentages, not numbers of crimes; use a table of numbers such as Table C2"
        raise InputError([Problem(table.file, 1, None, message)])
    label = quarter or table.quarter
    if label is None:
        raise_if_any([Problem(table.file, 1, None, "the title gives no 'year ending <month> <year>'; give --quarter")])
    label = str(quarter_of_period(label))
    own = table.find(partnership, "--partnership")
    chosen = [own, *(table.find(p, "--peers") for p in peers)]
    chosen = list({r.code: r for r in chosen}.values())
    pops, note = _populations(table, chosen, populations)
    notes = [note]
    raise_if_any(_count_problems(table, chosen, pops))
    names = {r.code: r.name for r in chosen}
    register_file = data_dir / "measures.yml"
    if register_file.exists():
        names[own.code] = read_register(register_file).partnership
        if name_key(names[own.code]) != name_key(own.name):
            notes.append(f"the partnership's row is named {names[own.code]!r} as in measures.yml (ONS: {own.name})")
    merge = write_family_group(data_dir, label, [(names[r.code], r.crimes or 0, pops[r.code]) for r in chosen])
    return IngestReport(
        partnership=names[own.code],
        target=data_dir / "family_group.csv",
        periods=(label,),
        written=merge.written,
        replaced=merge.replaced,
        totals={names[r.code]: int(r.crimes or 0) for r in chosen},
        notes=tuple(notes),
        source=f"{table.file}, total recorded crime"
        + (f", year ending {table.year_ending}" if table.year_ending else ""),
    )
