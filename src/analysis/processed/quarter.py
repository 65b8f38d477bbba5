"""One quarter's processed tables, as the notebooks read them.

A notebook is handed the quarter's folder of built tables
(``data/processed/<quarter>/``, or a partnership's own folder in a force-wide
build) and reads only that. A missing or malformed table stops it with
:class:`ProcessedTableError`, naming the file and saying to run
``csp-report build``: the pages never recompute the tables from the inputs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from analysis.core.paths import PROJECT_ROOT, OutputPaths
from analysis.core.periods import Quarter, parse_quarter
from analysis.core.register import Register
from analysis.processed.schemas import OPTIONAL_TABLE_NAMES, TABLE_NAMES, ProcessedTableError, check_text

TABLE_FILES = TABLE_NAMES
"""Every table a built quarter holds; all are required."""
OPTIONAL_FILES = (*OPTIONAL_TABLE_NAMES, "boundaries.geojson", "wards.geojson")
"""What a quarter whose data folder has ``neighbourhoods/`` holds besides: its small-area tables and boundaries."""


@dataclass(frozen=True)
class QuarterData:
    """The register and processed tables of one quarter."""

    quarter: Quarter
    register: Register
    tables: dict[str, pd.DataFrame]
    commentary: dict[str, str] = field(default_factory=dict)
    folder: Path | None = None
    manifest: dict | None = None  # the build's record: inputs and their hashes, code version
    geojson: dict[str, str] = field(default_factory=dict)  # the boundaries the maps are drawn from, by file name

    @property
    def status(self) -> pd.DataFrame:
        return self.tables["measure_status.csv"]

    @property
    def series(self) -> pd.DataFrame:
        return self.tables["measure_series.csv"]

    def table(self, name: str) -> pd.DataFrame:
        """A processed table by file name."""
        if name not in self.tables:
            raise ProcessedTableError(f"{self._where(name)} was not read: no processed table has that name")
        return self.tables[name]

    def _where(self, name: str) -> Path | str:
        return self.folder / name if self.folder is not None else name

    @property
    def neighbourhoods(self) -> pd.DataFrame | None:
        """Each police.uk measure by small area (``neighbourhoods.csv``); ``None`` without ``neighbourhoods/``."""
        return self.tables.get("neighbourhoods.csv")

    @property
    def exceptions(self) -> pd.DataFrame:
        """The exception items: every amber and red measure, its status and the reason."""
        return self.tables["exceptions.csv"]

    @property
    def changes(self) -> pd.DataFrame:
        """Status changes and revised values since the previous quarter built for this partnership."""
        return self.tables["changes.csv"]

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
        ranked = self.tables["family_group_rank.csv"]
        return ranked.assign(rank=ranked["rank"].astype(int), is_partnership=ranked["is_partnership"] == "yes")

    def family_group_position(self) -> pd.Series | None:
        """The partnership's position in its family group; None when no figures were supplied."""
        position = self.tables["family_group_position.csv"]
        return None if position.empty else position.iloc[0]

    def family_group_funnel(self) -> pd.DataFrame:
        """The funnel plot's 95% and 99.8% limits around the family rate, by population."""
        return self.tables["family_group_funnel.csv"]

    def status_row(self, measure_id: str) -> pd.Series:
        rows = self.status[self.status["measure_id"] == measure_id]
        if rows.empty:
            self.register.measure(measure_id)  # raises a KeyError naming the known ids
        return rows.iloc[0]

    @classmethod
    def from_files(cls, quarter: Quarter, files: dict[str, str], folder: Path | None = None) -> QuarterData:
        """Build from ``{file name: text}`` as :func:`analysis.processed.tables.quarter_tables` returns."""
        where = folder if folder is not None else "the processed tables"
        missing = sorted(set(TABLE_FILES) - set(files))
        if missing or "register.json" not in files:
            names = ", ".join(missing + ([] if "register.json" in files else ["register.json"]))
            raise ProcessedTableError(
                f"{where} lacks {names}: the quarter was not built, or by an older version of csp-report. "
                "Run `csp-report build` for this quarter."
            )
        tables = {name: check_text(name, text, where) for name, text in files.items() if name.endswith(".csv")}
        geojson = {name: text for name, text in files.items() if name.endswith(".geojson")}
        commentary = {
            name.removeprefix("commentary/").removesuffix(".md"): text
            for name, text in files.items()
            if name.startswith("commentary/")
        }
        try:
            register = Register.from_json(files["register.json"])
        except (ValueError, KeyError, TypeError) as err:
            raise ProcessedTableError(
                f"{where}: register.json cannot be read ({err}). Run `csp-report build` for this quarter again."
            ) from err
        return cls(quarter, register, tables, commentary, folder, geojson=geojson)


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
    files = {
        name: (folder / name).read_text(encoding="utf-8")
        for name in (*TABLE_FILES, *OPTIONAL_FILES)
        if (folder / name).is_file()
    }
    if (folder / "register.json").is_file():
        files["register.json"] = (folder / "register.json").read_text(encoding="utf-8")
    for path in sorted((folder / "commentary").glob("*.md")):
        files[f"commentary/{path.name}"] = path.read_text(encoding="utf-8")
    data = QuarterData.from_files(q, files, folder)
    try:
        record = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ProcessedTableError(
            f"{folder / 'manifest.json'} is missing or unreadable ({err}). Run `csp-report build` for this quarter."
        ) from err
    if record.get("quarter") != str(q):
        raise ProcessedTableError(f"{folder} holds the tables of {record.get('quarter')!r}, not {q}")
    return replace(data, manifest=record)


__all__ = ["OPTIONAL_FILES", "TABLE_FILES", "ProcessedTableError", "QuarterData", "load_quarter", "processed_folder"]
