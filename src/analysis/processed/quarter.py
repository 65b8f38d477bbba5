"""The one reader of a quarter's processed tables, for the notebooks, the site and the paper.

A notebook is handed the quarter's folder of built tables
(``data/processed/<quarter>/``, or a partnership's own folder in a force-wide
build) and reads only that, with :func:`load_quarter`; the site and the paper
read the same way (:func:`load_quarter`, or one table with :func:`read_table`).
A missing or malformed table stops the reader with
:class:`ProcessedTableError`, naming the file and saying to run
``csp-report build``: the pages never recompute the tables from the inputs.
What a table must hold comes from its declaration
(:mod:`analysis.processed.contract`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from analysis.core.paths import PROJECT_ROOT, OutputPaths
from analysis.core.periods import Quarter, parse_quarter
from analysis.core.register import Register
from analysis.processed.contract import (
    CHANGES,
    COMMENTARY,
    EXCEPTIONS,
    FAMILY_GROUP_FUNNEL,
    FAMILY_GROUP_POSITION,
    FAMILY_GROUP_RANK,
    MANIFEST,
    MAP_FILES,
    MEASURE_SERIES,
    MEASURE_STATUS,
    REGISTER,
    TABLES,
    Table,
)
from analysis.processed.contract import table as declared
from analysis.processed.schemas import ProcessedTableError, check_text

AGAIN = "Run `csp-report build` for this quarter again."


@dataclass(frozen=True)
class QuarterData:
    """The register and processed tables of one quarter."""

    quarter: Quarter
    register: Register
    tables: dict[str, pd.DataFrame]
    commentary: dict[str, str] = field(default_factory=dict)
    folder: Path | None = None
    manifest: dict | None = None  # the build's record: inputs and their hashes, code version
    geojson: dict[str, str] = field(default_factory=dict)  # the maps' boundaries (contract.MAP_FILES) by file name

    @property
    def status(self) -> pd.DataFrame:
        """``measure_status.csv``: one row per measure."""
        return self.table(MEASURE_STATUS)

    @property
    def series(self) -> pd.DataFrame:
        """``measure_series.csv``: each measure's periods of this year and last."""
        return self.table(MEASURE_SERIES)

    def table(self, name: str | Table) -> pd.DataFrame:
        """A processed table, by its declaration (:mod:`analysis.processed.contract`) or its file name."""
        name = name.name if isinstance(name, Table) else name
        if name not in self.tables:
            raise ProcessedTableError(f"{self._where(name)} was not read: no processed table has that name")
        return self.tables[name]

    def _where(self, name: str) -> Path | str:
        return self.folder / name if self.folder is not None else name

    @property
    def exceptions(self) -> pd.DataFrame:
        """The exception items: every amber and red measure, its status and the reason."""
        return self.table(EXCEPTIONS)

    @property
    def changes(self) -> pd.DataFrame:
        """Status changes and revised values since the previous quarter built for this partnership."""
        return self.table(CHANGES)

    def change_on_last_year(self, measure_id: str) -> dict | None:
        """The significance test of the change on last year as the build wrote it; None when not made."""
        row = self.status_row(measure_id)
        if row.get("change_verdict", "") == "":
            return None
        return {
            "verdict": row["change_verdict"],
            "significant": row["change_significant"] == "yes",
            "small_count": row["small_count"] == "yes",
        }

    def family_group_rank(self) -> pd.DataFrame:
        """The family group ranked by rate (1 = lowest), ``is_partnership`` as True/False."""
        ranked = self.table(FAMILY_GROUP_RANK)
        return ranked.assign(rank=ranked["rank"].astype(int), is_partnership=ranked["is_partnership"] == "yes")

    def family_group_position(self) -> pd.Series | None:
        """The partnership's position in its family group; None when no figures were supplied."""
        position = self.table(FAMILY_GROUP_POSITION)
        return None if position.empty else position.iloc[0]

    def family_group_funnel(self) -> pd.DataFrame:
        """The funnel plot's 95% and 99.8% limits around the family rate, by population."""
        return self.table(FAMILY_GROUP_FUNNEL)

    def status_row(self, measure_id: str) -> pd.Series:
        rows = self.status[self.status["measure_id"] == measure_id]
        if rows.empty:
            self.register.measure(measure_id)  # raises a KeyError naming the known ids
        return rows.iloc[0]

    @classmethod
    def from_files(cls, quarter: Quarter, files: dict[str, str], folder: Path | None = None) -> QuarterData:
        """Build from ``{file name: text}`` as :func:`analysis.processed.tables.quarter_tables` returns.

        Every declared table (:data:`analysis.processed.contract.TABLES`) is
        checked against its declaration; an optional one that is absent is read
        as an empty table.
        """
        where = folder if folder is not None else "the processed tables"
        missing = [t.name for t in TABLES if t.name not in files and not t.optional]
        if missing or REGISTER not in files:
            names = ", ".join(missing + ([] if REGISTER in files else [REGISTER]))
            raise ProcessedTableError(
                f"{where} lacks {names}: the quarter was not built, or by an older version of csp-report. "
                "Run `csp-report build` for this quarter."
            )
        tables = {
            t.name: check_text(t.name, files[t.name] if t.name in files else _empty_text(t), where) for t in TABLES
        }
        commentary = {
            name.removeprefix(f"{COMMENTARY}/").removesuffix(".md"): text
            for name, text in files.items()
            if name.startswith(f"{COMMENTARY}/")
        }
        geojson = {name: files[name] for name in MAP_FILES if name in files}
        return cls(quarter, _register(files[REGISTER], where), tables, commentary, folder, geojson=geojson)


def _empty_text(table: Table) -> str:
    """An absent optional table as the writer would write it empty: its header alone."""
    return table.text(table.frame())


def _register(text: str, where: Path | str) -> Register:
    try:
        return Register.from_json(text)
    except (ValueError, KeyError, TypeError) as err:
        raise ProcessedTableError(f"{where}: {REGISTER} cannot be read ({err}). {AGAIN}") from err


def read_table(folder: Path | str, table: Table | str) -> pd.DataFrame:
    """One processed table of a quarter's folder, checked as :func:`load_quarter` checks it.

    A missing table (unless it is optional: then it is empty), or one that does
    not match its declaration, raises :class:`ProcessedTableError`.
    """
    t = declared(table)
    path = Path(folder) / t.name
    if not path.is_file():
        if t.optional:
            return check_text(t.name, _empty_text(t), folder)
        raise ProcessedTableError(f"{path} is missing. Run `csp-report build` for this quarter.")
    return check_text(t.name, path.read_text(encoding="utf-8"), folder)


def read_register(folder: Path | str) -> Register:
    """The register as the build read it (``register.json`` of a quarter's folder)."""
    path = Path(folder) / REGISTER
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ProcessedTableError(f"{path} cannot be read ({err}). Run `csp-report build` for this quarter.") from err
    return _register(text, folder)


def processed_folder(quarter: str | Quarter, processed_dir: str | Path = "") -> Path:
    """The folder of a quarter's built tables: ``processed_dir``, or the project's ``data/processed/<quarter>``.

    A relative ``processed_dir`` (as a published notebook records it) is taken
    from the current folder, which a build sets to the output root; when it is
    not there, from the project root, so a published notebook re-run in
    JupyterLab from ``reports/<quarter>/`` still finds its tables.
    """
    if processed_dir in (None, ""):
        return OutputPaths(PROJECT_ROOT).processed(str(parse_quarter(str(quarter))))
    path = Path(processed_dir).expanduser()
    if not path.is_absolute() and not path.is_dir() and (PROJECT_ROOT / path).is_dir():
        return PROJECT_ROOT / path
    return path.resolve()


def load_quarter(quarter: str, *, processed_dir: str | Path = "") -> QuarterData:
    """Read and check a quarter's built tables from ``processed_dir`` (a notebook parameter).

    Every table is required and checked against its schema; anything missing or
    malformed raises :class:`ProcessedTableError` naming the folder or file. The
    folder is resolved once (``data/processed/<quarter>`` is a link to the
    published version) and every file read from there, so a build published
    meanwhile never mixes with this one.
    """
    q = parse_quarter(quarter)
    folder = processed_folder(q, processed_dir).resolve()
    if not folder.is_dir():
        raise ProcessedTableError(
            f"{folder} does not exist: {q} has not been built there. "
            f"Run `csp-report build --quarter {q}` (or `csp-report status`) first."
        )
    names = [*(t.name for t in TABLES), REGISTER, *MAP_FILES]
    files = {name: (folder / name).read_text(encoding="utf-8") for name in names if (folder / name).is_file()}
    for path in sorted((folder / COMMENTARY).glob("*.md")):
        files[f"{COMMENTARY}/{path.name}"] = path.read_text(encoding="utf-8")
    data = QuarterData.from_files(q, files, folder)
    try:
        record = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ProcessedTableError(
            f"{folder / MANIFEST} is missing or unreadable ({err}). Run `csp-report build` for this quarter."
        ) from err
    if record.get("quarter") != str(q):
        raise ProcessedTableError(f"{folder} holds the tables of {record.get('quarter')!r}, not {q}")
    return replace(data, manifest=record)


__all__ = ["ProcessedTableError", "QuarterData", "load_quarter", "processed_folder", "read_register", "read_table"]
