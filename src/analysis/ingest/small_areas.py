"""police.uk records by small area: ``neighbourhoods/counts.csv``, and the gap measures' values in ``actuals.csv``.

When a data folder has ``neighbourhoods/``, ``ingest police-uk`` also counts each
police.uk measure by month and 2021 LSOA. Records are placed by their ``LSOA
code``: a 2021 code is the area itself; a 2011 code (police.uk's months of 2022
mix the two) goes through ``neighbourhoods/lsoa11.csv``, a split code counted once
against the first (lowest) 2021 code, merged codes against their one code. A code
that neither places is refused, naming the street file, row and column. Every
(measure, month) the files cover gets rows, a zero row for the lowest area when no
record of the measure fell in any, so that ``counts.csv`` says which months it covers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from analysis.core.problems import Problem, raise_if_any
from analysis.core.register import Measure
from analysis.ingest.gap import counts_by_month, gap_series
from analysis.ingest.tables import csv_text, replace_file
from analysis.inputs.neighbourhoods import FOLDER, Neighbourhoods

COUNTS_FILE = "counts.csv"
COUNTS_HEADER = ("measure_id", "period", "area_code", "value")
Row = tuple[str, str, str, int]  # measure_id, month, area_code, records


@dataclass(frozen=True)
class AreaCounts:
    """Each measure's records by month and small area, and how the records' codes were placed."""

    rows: list[Row]
    mapped: int  # records whose 2011 code was mapped to a 2021 area
    mapped_codes: tuple[str, ...]  # the 2011 codes met
    no_code: int  # records of the area with an LSOA name but no code, left out of the counts


def count_by_area(
    grouped: pa.Table,
    measures: Sequence[tuple[str, set[str]]],
    months: Sequence[str],
    codes: Mapping[str, str],
    columns: tuple[str, str, str] = ("Month", "Crime type", "LSOA code"),
) -> tuple[AreaCounts, dict[str, int]]:
    """Records of each ``(measure_id, crime types)`` by month and area, from a table of counts by month, crime type
    and LSOA code (column ``count``); and the codes ``codes`` does not place, with their records.

    >>> t = pa.table({"Month": ["2022-07", "2022-07", "2022-08"], "Crime type": ["Drugs", "Drugs", "Robbery"],
    ...               "LSOA code": ["N1", "O1", "N2"], "count": [2, 1, 4]})
    >>> found, unplaced = count_by_area(t, [("drugs", {"Drugs"})], ["2022-07", "2022-08"], {"N1": "N1", "N2": "N2", "O1": "N2"})
    >>> found.rows, found.mapped, unplaced
    ([('drugs', '2022-07', 'N1', 2), ('drugs', '2022-07', 'N2', 1), ('drugs', '2022-08', 'N1', 0)], 1, {})
    """
    month_col, type_col, code_col = columns
    month = grouped[month_col].to_pylist()
    kind = grouped[type_col].to_pylist()
    code = grouped[code_col].to_pylist()
    count = grouped["count"].to_pylist()
    unplaced: dict[str, int] = {}
    mapped, no_code, seen_old = 0, 0, set()
    placed: list[str | None] = []
    for c, n in zip(code, count, strict=True):
        area = codes.get(c) if c else None
        if not c:
            no_code += n
        elif area is None:
            unplaced[c] = unplaced.get(c, 0) + n
        elif area != c:
            mapped += n
            seen_old.add(c)
        placed.append(area)
    first = min(codes.values()) if codes else ""
    rows: list[Row] = []
    for measure_id, wanted in measures:
        sums: dict[tuple[str, str], int] = {}
        for m, t, area, n in zip(month, kind, placed, count, strict=True):
            if area is not None and t in wanted:
                sums[(m, area)] = sums.get((m, area), 0) + n
        with_records = {m for m, _ in sums}
        sums.update({(m, first): 0 for m in months if m not in with_records})
        rows += [(measure_id, m, a, n) for (m, a), n in sorted(sums.items())]
    return AreaCounts(rows, mapped, tuple(sorted(seen_old)), no_code), unplaced


def unplaced_problems(unplaced: Mapping[str, int], files: Iterable[Path], column: str = "LSOA code") -> list[Problem]:
    """The codes no lookup places, each at the first street file and row that carries it."""
    wanted = dict(sorted(unplaced.items(), key=lambda item: -item[1])[:5])
    where: dict[str, tuple[str, int, str]] = {}
    for path in files:
        if len(where) == len(wanted):
            break
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, [])
            at = header.index(column) if column in header else None
            name_at = header.index("LSOA name") if "LSOA name" in header else None
            if at is None:
                continue
            for row, cells in enumerate(reader, start=2):
                code = cells[at] if at < len(cells) else ""
                if code in wanted and code not in where:
                    where[code] = (
                        path.name,
                        row,
                        cells[name_at] if name_at is not None and name_at < len(cells) else "",
                    )
    problems = []
    for code, n in wanted.items():
        file, row, name = where.get(code, ("police-uk", None, ""))
        message = (
            f"{code}{f' ({name})' if name else ''} is not one of the partnership's small areas in "
            f"{FOLDER}/areas.csv, and {FOLDER}/lsoa11.csv does not map it to one ({n:,} records): the lookup leaves "
            "it unplaced; give `csp-report ingest neighbourhoods` a 2011 to 2021 lookup (--lsoa-lookup) that covers it"
        )
        problems.append(Problem(file, row, column, message))
    return problems


def read_counts(folder: Path, known: set[str], residents: Mapping[str, float]) -> tuple[list[Row], int]:
    """The rows of ``counts.csv`` there are, of known measures and areas; and how many others were dropped."""
    path = folder / COUNTS_FILE
    if not path.exists():
        return [], 0
    text = path.read_text(encoding="utf-8-sig")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip() for h in next(reader, [])]
    if tuple(header) != COUNTS_HEADER:
        message = (
            f"the header row must be {','.join(COUNTS_HEADER)}: the ingest writes this file; remove it to start again"
        )
        raise_if_any([Problem(f"{FOLDER}/{COUNTS_FILE}", 1, None, message)])
    rows, dropped = [], 0
    for number, cells in enumerate(reader, start=2):
        if not any(cells):
            continue
        try:
            mid, period, area, value = (c.strip() for c in cells)
            row = (mid, period, area, int(value))
        except ValueError:
            raise_if_any(
                [Problem(f"{FOLDER}/{COUNTS_FILE}", number, None, "this row is not measure_id,period,area_code,count")]
            )
        if mid in known and area in residents:
            rows.append(row)
        else:
            dropped += 1
    return rows, dropped


def merge_counts(old: list[Row], new: list[Row], order: Sequence[str]) -> list[Row]:
    """``new`` in place of every (measure, month) it covers; other rows kept; sorted by measure (register order),
    month and area.

    >>> merge_counts([("a", "2024-01", "X", 5), ("a", "2024-02", "X", 1)], [("a", "2024-01", "Y", 2)], ["a"])
    [('a', '2024-01', 'Y', 2), ('a', '2024-02', 'X', 1)]
    """
    covered = {(m, p) for m, p, _, _ in new}
    rank = {mid: i for i, mid in enumerate(order)}
    kept = [r for r in old if (r[0], r[1]) not in covered]
    return sorted(kept + list(new), key=lambda r: (rank.get(r[0], len(rank)), r[0], r[1], r[2]))


def write_counts(folder: Path, rows: list[Row]) -> Path:
    """Write ``counts.csv`` whole, by a rename."""
    text = csv_text(COUNTS_HEADER, rows)
    path = folder / COUNTS_FILE
    replace_file(path, lambda temp: temp.write_text(text, encoding="utf-8", newline=""))
    return path


def gap_values(rows: list[Row], gaps: Sequence[Measure], hoods: Neighbourhoods) -> dict[str, dict[str, float]]:
    """Each gap measure's values by period, from every count held for it."""
    residents = hoods.residents
    out = {}
    for m in gaps:
        counts = counts_by_month((p, a, v) for mid, p, a, v in rows if mid == m.id)
        out[m.id] = gap_series(counts, residents, m.gap_areas, m.frequency)
    return out
