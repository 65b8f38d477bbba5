"""police.uk street-level crime into ``actuals.csv``: read, keep the partnership's area, count by month.

data.police.uk publishes one CSV per force and month (``2024-01-gwent-street.csv``),
one row per crime or anti-social behaviour incident. The files are read with
pyarrow's multi-threaded CSV reader, only the three columns the counts need, as
dictionary-encoded text, so that a national year (millions of rows) is matched
to areas once per distinct LSOA name and counted in one group-by.

A register measure takes its series from here when its ``source`` names
police.uk crime types (``source: {police_uk: [Burglary]}``); ``all-crime`` is
every crime type except anti-social behaviour, as police recorded crime is.
When the data folder has ``neighbourhoods/``, the LSOA code is read too and the
same group-by counts each measure by small area (:mod:`analysis.ingest.small_areas`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pv

from analysis.core.files import not_a_file
from analysis.core.periods import quarter_of_period
from analysis.core.problems import InputError, Problem, raise_if_any
from analysis.core.register import Measure, Register
from analysis.ingest.areas import close_names, find_area, local_authority_of, lsoa_authority_names
from analysis.ingest.report import IngestReport
from analysis.ingest.tables import Merge, merge_rows, number_text, place, read_csv_table, write_csv_table
from analysis.inputs.register import read_register

COLUMNS = (
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
    "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context",
)  # fmt: skip
MONTH, LSOA_NAME, CRIME_TYPE, LSOA_CODE = "Month", "LSOA name", "Crime type", "LSOA code"
USED = (MONTH, LSOA_NAME, CRIME_TYPE)
ASB = "Anti-social behaviour"
ALL_CRIME = "all-crime"
CRIME_TYPES = (
    "Anti-social behaviour", "Bicycle theft", "Burglary", "Criminal damage and arson", "Drugs",
    "Other crime", "Other theft", "Possession of weapons", "Public order", "Robbery", "Shoplifting",
    "Theft from the person", "Vehicle crime", "Violence and sexual offences",
)  # fmt: skip
ACTUALS_HEADER = ("measure_id", "period", "value")
_TEXT = pa.dictionary(pa.int32(), pa.string())
_BLOCK = 4 << 20  # bytes per parallel block: fewer dictionaries to unify than the 1 MB default, same CPU


def street_files(paths: Iterable[Path | str]) -> list[Path]:
    """The street files named, folders expanded to every ``*-street.csv`` inside them.

    Outcomes and stop-and-search files in a police.uk download are left out; the
    same file named twice is read once, two files with one name is an error.
    """
    found: list[Path] = []
    problems: list[Problem] = []
    for item in map(Path, paths):
        if item.is_dir():
            inside = sorted(item.rglob("*-street.csv"))
            if not inside:
                problems.append(
                    Problem(str(item), None, None, "the folder holds no police.uk street files (*-street.csv)")
                )
            found += inside
        elif item.is_file():
            found.append(item)
        else:
            why = not_a_file(item) if item.exists() else ""
            problems.append(Problem(str(item), None, None, why or "there is no such file or folder"))
    problems += [Problem(str(p), None, None, not_a_file(p)) for p in found if not_a_file(p)]  # a FIFO: never opened
    found = [p for p in found if not not_a_file(p)]
    unique = list({p.resolve(): p for p in found}.values())
    names: dict[str, Path] = {}
    for path in unique:
        if path.name in names:
            problems.append(
                Problem(str(path), None, None, f"the same month and force twice (also {names[path.name]}); read one")
            )
        names.setdefault(path.name, path)
    if not unique and not problems:
        problems.append(Problem("police-uk", None, None, "no files were given"))
    raise_if_any(problems)
    return unique


def header_problems(path: Path, used: Sequence[str] = USED) -> list[Problem]:
    """Problems with a file's header row: empty, or a column the counts need is missing."""
    with open(path, "rb") as handle:
        first = handle.readline(1 << 16)
    text = first.decode("utf-8-sig", errors="replace")
    header = next(csv.reader(io.StringIO(text)), [])
    if not [h for h in header if h.strip()]:
        return [Problem(path.name, None, None, "the file is empty; expected a police.uk street-level CSV")]
    have = {h.strip() for h in header}
    return [
        Problem(path.name, 1, column, f"the column is missing; police.uk street files have {', '.join(COLUMNS)}")
        for column in used
        if column not in have
    ]


def _month_problems(table: pa.Table, file: str) -> list[Problem]:
    months = pc.unique(table[MONTH].combine_chunks().dictionary).to_pylist()
    bad = [Problem(file, None, MONTH, f"{m!r} is not a month like 2024-01") for m in months if not _is_month(m)]
    if table[MONTH].null_count:
        bad.append(Problem(file, None, MONTH, f"{table[MONTH].null_count} records have no month"))
    return bad[:4]


def _is_month(text: str | None) -> bool:
    return bool(text) and len(text) == 7 and text[4] == "-" and text[:4].isdigit() and "01" <= text[5:] <= "12"


def read_street_file(path: Path, codes: bool = False) -> pa.Table:
    """One street file's Month, LSOA name and Crime type (and with ``codes`` its LSOA code), dictionary-encoded;
    empty cells null."""
    used = (*USED, LSOA_CODE) if codes else USED
    raise_if_any(header_problems(path, used))
    try:
        table = pv.read_csv(
            path,
            read_options=pv.ReadOptions(block_size=_BLOCK),
            convert_options=pv.ConvertOptions(
                include_columns=list(used), column_types=dict.fromkeys(used, _TEXT), strings_can_be_null=True
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as err:
        raise InputError([Problem(path.name, None, None, f"cannot be read as a CSV file: {err}")]) from err
    raise_if_any(_month_problems(table, path.name))
    return table


def read_street_files(paths: Iterable[Path | str], codes: bool = False) -> pa.Table:
    """Every record of the files and folders given, as one table of Month, LSOA name, Crime type (and LSOA code)."""
    files = street_files(paths)
    tables = []
    problems: list[Problem] = []
    for path in files:
        try:
            tables.append(read_street_file(path, codes))
        except InputError as err:
            problems += err.problems
    raise_if_any(problems)
    return pa.concat_tables(tables).unify_dictionaries()


def crime_types_for(names: Sequence[str], where: str = "measures.yml") -> tuple[str, ...]:
    """The police.uk crime types a source names, spelt as police.uk spells them.

    >>> crime_types_for(["burglary", "Vehicle crime"])
    ('Burglary', 'Vehicle crime')
    >>> len(crime_types_for(["all-crime"])), ASB in crime_types_for(["all-crime"])
    (13, False)
    """
    known = {t.casefold(): t for t in CRIME_TYPES}
    out: list[str] = []
    problems = []
    for name in names:
        if name.casefold() == ALL_CRIME:
            out += [t for t in CRIME_TYPES if t != ASB]
        elif name.strip().casefold() in known:
            out.append(known[name.strip().casefold()])
        else:
            near = close_names(name, [*CRIME_TYPES, ALL_CRIME], n=3)
            hint = f"; did you mean {', '.join(near)}?" if near else f"; the types are {', '.join(CRIME_TYPES)}"
            problems.append(Problem(where, None, "source", f"{name!r} is not a police.uk crime type{hint}"))
    raise_if_any(problems)
    return tuple(dict.fromkeys(out))


@dataclass(frozen=True)
class AreaSplit:
    """A partnership's records, and how many of the rest had no LSOA or lay outside the area."""

    table: pa.Table
    no_lsoa: int
    outside: int
    outside_by_name: tuple[tuple[str, int], ...]


def split_by_area(table: pa.Table, authorities: Sequence[str], top: int = 5) -> AreaSplit:
    """Keep the records whose LSOA lies in one of ``authorities``; count the others."""
    names = table[LSOA_NAME].combine_chunks()
    inside = pc.is_valid(local_authority_of(names, authorities))
    missing = _blank(names)
    outside_mask = pc.and_(pc.invert(inside), pc.invert(missing))
    per_lsoa = pc.value_counts(names.filter(outside_mask))
    by_name: dict[str, int] = {}
    lsoas = per_lsoa.field("values")
    lsoa_names = lsoa_authority_names(lsoas) if len(lsoas) else pa.array([], pa.string())
    for name, n in zip(lsoa_names.to_pylist(), per_lsoa.field("counts").to_pylist(), strict=True):
        by_name[name] = by_name.get(name, 0) + n
    ranked = sorted(by_name.items(), key=lambda item: (-item[1], item[0]))[:top]
    return AreaSplit(
        table=table.filter(inside),
        no_lsoa=missing.true_count,
        outside=outside_mask.true_count,
        outside_by_name=tuple(ranked),
    )


def _blank(names: pa.Array) -> pa.Array:
    """Where an LSOA name is missing or empty (the files leave it empty when there is no location)."""
    if pa.types.is_dictionary(names.type):
        empty = pc.equal(pc.utf8_length(names.dictionary), 0).take(names.indices)
    else:
        empty = pc.equal(pc.utf8_length(names), 0)
    return pc.fill_null(empty, True)


def monthly_counts(table: pa.Table) -> pa.Table:
    """Records by month and crime type (and LSOA code, when the table has it), in one group-by: those columns
    and ``count``."""
    keys = [MONTH, CRIME_TYPE, *([LSOA_CODE] if LSOA_CODE in table.column_names else [])]
    grouped = table.select(keys).group_by(keys).aggregate([([], "count_all")])
    return grouped.rename_columns([*keys, "count"])


def wanted_types(table: pa.Table, crime_types: Sequence[str]) -> set[str]:
    """The crime types a measure counts, spelt as the table spells them (``all-crime``: every type but ASB present).

    >>> sorted(wanted_types(pa.table({"Crime type": ["Drugs", "Anti-social behaviour"]}), ["all-crime"]))[:3]
    ['Bicycle theft', 'Burglary', 'Criminal damage and arson']
    """
    wanted = set(crime_types_for(crime_types))
    if ALL_CRIME in {c.casefold() for c in crime_types}:
        present = pc.unique(table[CRIME_TYPE].combine_chunks()).to_pylist()
        wanted |= {t for t in present if t is not None and t != ASB}
    return wanted


def count_by_month(table: pa.Table, crime_types: Sequence[str], months: Sequence[str] | None = None) -> dict[str, int]:
    """Records of ``crime_types`` by month, every month of ``months`` (default: the table's) present.

    ``table`` has Month and Crime type columns, one row per record or, with a
    ``count`` column, one row per group (as :func:`monthly_counts` gives).

    >>> t = pa.table({"Month": ["2024-01", "2024-01", "2024-02", "2024-02"],
    ...               "Crime type": ["Burglary", "Anti-social behaviour", "Drugs", "Burglary"]})
    >>> count_by_month(t, ["Burglary"]), count_by_month(t, ["all-crime"], months=["2024-01", "2024-02", "2024-03"])
    ({'2024-01': 1, '2024-02': 1}, {'2024-01': 1, '2024-02': 2, '2024-03': 0})
    """
    wanted = wanted_types(table, crime_types)
    keep = table.filter(pc.is_in(table[CRIME_TYPE], value_set=pa.array(sorted(wanted), pa.string())))
    month = keep[MONTH]
    if pa.types.is_dictionary(month.type):
        month = month.cast(pa.string())
    if "count" in keep.column_names:
        sums = pa.table({MONTH: month, "n": keep["count"]}).group_by(MONTH).aggregate([("n", "sum")])
    else:
        sums = pa.table({MONTH: month}).group_by(MONTH).aggregate([([], "count_all")])
    found = dict(zip(sums[MONTH].to_pylist(), sums[sums.column_names[-1]].to_pylist(), strict=True))
    every = sorted(set(months) if months is not None else set(found))
    return {m: int(found.get(m) or 0) for m in every}


def to_quarters(counts: dict[str, int]) -> dict[str, int]:
    """Monthly counts summed into quarters; a quarter missing a month is left out.

    >>> to_quarters({"2024-01": 1, "2024-02": 2, "2024-03": 3, "2024-04": 4})
    {'2023-24-Q4': 6}
    """
    quarters: dict[str, list[int]] = {}
    for month, n in sorted(counts.items()):
        quarters.setdefault(str(quarter_of_period(month)), []).append(n)
    return {q: sum(ns) for q, ns in quarters.items() if len(ns) == 3}


def police_measures(register: Register) -> list[tuple[Measure, tuple[str, ...]]]:
    """The register's measures with a police.uk source, each with the crime types it names."""
    found = []
    problems: list[Problem] = []
    for m in register.measures:
        names = m.source.get("police_uk")
        if not names:
            continue
        try:
            crime_types_for(names)
        except InputError as err:
            problems += [Problem(p.file, p.row, p.column, f"measure {m.id!r}: {p.message}") for p in err.problems]
        found.append((m, tuple(names)))
    raise_if_any(problems)
    if not found:
        raise_if_any([Problem("measures.yml", None, "source", "no measure has a police_uk source to ingest")])
    return found


def _actuals_sheet(data_dir: Path) -> str | None:
    from openpyxl import load_workbook

    for book in sorted(data_dir.glob("*.xlsx")):
        if book.name.startswith("~$") or not book.is_file():  # a FIFO or device named .xlsx is never opened
            continue
        for sheet in load_workbook(book, read_only=True).sheetnames:
            if sheet.strip().lower() in ("actuals", "actuals.csv"):
                return f"sheet {sheet!r} of {book.name}"
    return None


def write_actuals(data_dir: Path, series: list[tuple[str, str, float]], computed: Iterable[str] = ()) -> Merge:
    """Merge ``(measure_id, period, value)`` rows into ``actuals.csv``; return the merge's figures.

    Every other row of a ``computed`` measure (a gap measure) is removed: its values are exactly what the ingest
    computes, never typed.
    """
    path = data_dir / "actuals.csv"
    if not path.exists():
        sheet = _actuals_sheet(data_dir)
        if sheet:
            message = f"the actuals are kept in {sheet}; move them to actuals.csv, which the ingest updates"
            raise_if_any([Problem("actuals.csv", None, None, message)])
    table = read_csv_table(path, ACTUALS_HEADER)
    mid, period = table.column("measure_id", path.name), table.column("period", path.name)
    new = [place(table, {"measure_id": m, "period": p, "value": number_text(v)}, path.name) for m, p, v in series]
    replaced = set(computed)
    table.rows, merge = merge_rows(
        table.rows,
        new,
        key=lambda r: (r[mid].strip(), r[period].strip()),
        group=lambda r: r[mid].strip(),
        drop=lambda r: r[mid].strip() in replaced,
    )
    write_csv_table(table, path)
    return merge


def ingest_police_uk(paths: Iterable[Path | str], partnership: str, data_dir: Path | str) -> IngestReport:
    """Count the partnership's police.uk records by month for every police.uk measure; update actuals.csv.

    Every month found in the files gets a value (0 when none of its records are
    of the measure's types); a month already in ``actuals.csv`` is replaced, so
    running again with the same files changes nothing. With ``neighbourhoods/``,
    each measure's counts by small area go into ``neighbourhoods/counts.csv`` and
    each gap measure's values, computed from them, into ``actuals.csv``.
    """
    from analysis.ingest import small_areas
    from analysis.inputs.neighbourhoods import load_neighbourhoods

    data_dir = Path(data_dir)
    register = read_register(data_dir / "measures.yml")
    measures = police_measures(register)
    area = find_area(partnership)
    hoods = load_neighbourhoods(data_dir, register, counts=False)
    files = street_files(paths)
    table = read_street_files(files, codes=hoods is not None)
    if table.num_rows == 0:
        raise_if_any([Problem(files[0].name, None, None, "the files hold no records")])
    months = sorted(m for m in pc.unique(table[MONTH].combine_chunks().dictionary).to_pylist() if m)
    split = split_by_area(table, area.lsoa_authorities)
    counts = monthly_counts(split.table)
    series: list[tuple[str, str, float]] = []
    totals: dict[str, float] = {}
    notes = list(area.notes)
    for measure, names in measures:
        if measure.is_gap:
            continue
        by_month = count_by_month(counts, names, months)
        values = to_quarters(by_month) if measure.frequency == "quarterly" else by_month
        if measure.frequency == "quarterly" and len(values) * 3 < len(by_month):
            notes.append(f"{measure.id} is quarterly: quarters the files cover only in part were not written")
        series += [(measure.id, period, n) for period, n in values.items()]
        totals[measure.id] = sum(values.values())
    small = None
    if hoods is not None:
        wanted = [(m.id, wanted_types(counts, names)) for m, names in measures]
        found, unplaced = small_areas.count_by_area(counts, wanted, months, hoods.code_map())
        raise_if_any(small_areas.unplaced_problems(unplaced, files))
        folder = data_dir / small_areas.FOLDER
        old, dropped = small_areas.read_counts(folder, {m.id for m, _ in measures}, hoods.residents)
        rows = small_areas.merge_counts(old, found.rows, [m.id for m, _ in measures])
        gaps = [m for m, _ in measures if m.is_gap]
        for measure_id, values in small_areas.gap_values(rows, gaps, hoods).items():
            series += [(measure_id, period, v) for period, v in values.items()]
            if values:
                notes.append(f"{measure_id}: the gap per 1,000 computed for {min(values)} to {max(values)}")
            else:
                notes.append(
                    f"{measure_id}: no year has a whole year before it in the counts, so the gap has no value yet"
                )
        if dropped:
            notes.append(f"{dropped:,} rows of counts.csv for measures or areas no longer known were dropped")
        small = (small_areas.write_counts(folder, rows), len(found.rows), found)
    merge = write_actuals(data_dir, series, computed=[m.id for m, _ in measures if m.is_gap])
    return IngestReport(
        partnership=area.name,
        target=data_dir / "actuals.csv",
        periods=tuple(sorted({p for _, p, _ in series})),
        written=merge.written,
        replaced=merge.replaced,
        files=tuple(files),
        records=table.num_rows,
        in_area=split.table.num_rows,
        no_lsoa=split.no_lsoa,
        outside_area=split.outside,
        outside_by_name=split.outside_by_name,
        totals=totals,
        notes=tuple(notes),
        area_counts=small[0] if small else None,
        area_rows=small[1] if small else 0,
        mapped=small[2].mapped if small else 0,
        mapped_codes=small[2].mapped_codes if small else (),
        no_code=small[2].no_code if small else 0,
    )
