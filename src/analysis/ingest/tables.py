"""Update an input table in place: replace the rows an ingest owns, keep every other row.

An ingest writes into files the analyst also edits by hand, so it must leave
their rows, column order, byte-order mark and line endings as they were, and a
second run with the same data must give the same bytes. Rows are matched on a
key (measure and period, or quarter and partnership); a matched row is replaced
where it stands, a new row goes after the last row of its group (the same
measure, the same quarter) or at the end.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import uuid
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path

from analysis.core.files import MAX_TABLE_BYTES, FileRefused, read_confined
from analysis.core.problems import InputError, Problem


@dataclass
class CsvTable:
    """A CSV file as header and rows of text, with how it was written."""

    header: list[str]
    rows: list[list[str]]
    bom: bool = False
    newline: str = "\n"

    def column(self, name: str, file: str) -> int:
        """The index of a column, matched as the validator matches it (case and spaces ignored)."""
        wanted = name.strip().lower()
        for i, title in enumerate(self.header):
            if title.replace("\ufeff", "").strip().lower() == wanted:
                return i
        raise InputError([Problem(file, 1, name, "the column is missing; the ingest needs it")])


def parse_csv_table(raw: bytes, default_header: Sequence[str]) -> CsvTable:
    """Parse a CSV file's bytes; an empty file gets ``default_header``.

    >>> t = parse_csv_table(b"\\xef\\xbb\\xbfa,b\\r\\n1,2\\r\\n,\\r\\n", ["x"])
    >>> t.header, t.rows, t.bom, t.newline
    (['a', 'b'], [['1', '2']], True, '\\r\\n')
    """
    bom = raw.startswith(b"\xef\xbb\xbf")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    newline = "\r\n" if "\r\n" in text else "\n"
    records = list(csv.reader(io.StringIO(text, newline="")))
    if not records:
        return CsvTable(list(default_header), [], bom, newline)
    width = len(records[0])
    rows = [(r + [""] * width)[:width] for r in records[1:] if any(c.strip() for c in r)]
    return CsvTable(records[0], rows, bom, newline)


def read_csv_table(path: Path, default_header: Sequence[str]) -> CsvTable:
    """Read ``path``, or start an empty table with ``default_header`` when it does not exist.

    Only a regular file of its folder is read, within the size cap (a FIFO or device is refused, never opened).
    """
    if not path.exists() and not path.is_symlink():
        return CsvTable(list(default_header), [])
    try:
        raw = read_confined(path, path.parent, MAX_TABLE_BYTES)
    except FileRefused as err:
        raise InputError([Problem(path.name, None, None, str(err))]) from err
    return parse_csv_table(raw, default_header)


def to_bytes(table: CsvTable) -> bytes:
    """The table as the bytes of a CSV file.

    >>> to_bytes(CsvTable(["a", "b"], [["1", "x,y"]], bom=False, newline="\\n"))
    b'a,b\\n1,"x,y"\\n'
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=table.newline)
    writer.writerow(table.header)
    writer.writerows(table.rows)
    return (b"\xef\xbb\xbf" if table.bom else b"") + out.getvalue().encode("utf-8")


def replace_file(path: Path, write: Callable[[Path], object]) -> None:
    """Write ``path`` by a rename, so a reader never sees half a file; ``write`` fills a temporary file beside it.

    The file keeps its permissions; a new one is created as any new file is (umask), unlike ``mkstemp``'s 0600.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        write(temp)
        if path.exists():
            shutil.copymode(path, temp)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def write_csv_table(table: CsvTable, path: Path) -> None:
    """Write the table in place of ``path`` by a rename (:func:`replace_file`)."""
    replace_file(path, lambda temp: temp.write_bytes(to_bytes(table)))


@dataclass(frozen=True)
class Merge:
    """What a merge did: the rows written, how many replaced rows already there, how many were removed."""

    written: int
    replaced: int
    removed: int = 0


def merge_rows(
    rows: list[list[str]],
    new: list[list[str]],
    key: Callable[[list[str]], Hashable],
    group: Callable[[list[str]], Hashable],
    drop: Callable[[list[str]], bool] = lambda row: False,
) -> tuple[list[list[str]], Merge]:
    """Merge ``new`` rows into ``rows``: replace by ``key`` in place, never twice.

    Rows for which ``drop`` is true, and further rows with a key already replaced,
    are removed. A new row with no match goes after the last row of its ``group``
    (kept or removed), else at the end.

    >>> old = [["a", "1", "5"], ["b", "1", "7"], ["a", "2", "6"], ["a", "2", "6"]]
    >>> new = [["a", "2", "9"], ["a", "3", "4"], ["c", "1", "1"]]
    >>> merged, how = merge_rows(old, new, key=lambda r: (r[0], r[1]), group=lambda r: r[0])
    >>> merged
    [['a', '1', '5'], ['b', '1', '7'], ['a', '2', '9'], ['a', '3', '4'], ['c', '1', '1']]
    >>> how
    Merge(written=3, replaced=1, removed=1)
    >>> merge_rows(old, [["b", "2", "0"]], key=tuple, group=lambda r: r[0], drop=lambda r: r[0] == "b")[0]
    [['a', '1', '5'], ['b', '2', '0'], ['a', '2', '6'], ['a', '2', '6']]
    """
    incoming = {key(r): r for r in new}
    done: set[Hashable] = set()
    slots: list[tuple[list[str], bool]] = []  # (row, removed): removed rows hold their group's place
    for row in rows:
        k = key(row)
        if k in incoming and k not in done:
            slots.append((incoming[k], False))
            done.add(k)
        else:
            slots.append((row, k in incoming or drop(row)))
    replaced = len(done)
    for row in new:
        if key(row) in done:
            continue
        last = max((i for i, (r, _) in enumerate(slots) if group(r) == group(row)), default=len(slots) - 1)
        slots.insert(last + 1, (row, False))
        done.add(key(row))
    kept = [row for row, removed in slots if not removed]
    return kept, Merge(written=len(incoming), replaced=replaced, removed=len(slots) - len(kept))


def place(table: CsvTable, values: dict[str, str], file: str) -> list[str]:
    """A new row for ``table`` with ``values`` under their columns and other cells empty.

    >>> table = CsvTable(["Value", "note", "measure_id", "period"], [])
    >>> place(table, {"measure_id": "asb", "period": "2024-01", "value": "5"}, "a.csv")
    ['5', '', 'asb', '2024-01']
    """
    row = [""] * len(table.header)
    for name, value in values.items():
        row[table.column(name, file)] = value
    return row
