"""One quarter's processed tables, as the notebooks read them.

A notebook reads ``data/processed/<quarter>/`` written by the build. Opened on
its own in JupyterLab before any build, it computes the same tables in memory
from the inputs instead, so its defaults always run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis.core.paths import DEFAULT_DATA, PROJECT_ROOT, OutputPaths, resolve_dir
from analysis.core.periods import Quarter, parse_quarter
from analysis.core.register import Register
from analysis.errors import ProcessedTableError
from analysis.processed.tables import EXTRA_STATUS_COLUMNS, STATUS_COLUMNS, parse_processed

TABLE_FILES = ("measure_status.csv", "measure_series.csv", "action_plan.csv", "recommendations.csv", "family_group.csv")
OPTIONAL_FILES = ("spc.csv", "changes.csv")


@dataclass(frozen=True)
class QuarterData:
    """The register and processed tables of one quarter."""

    quarter: Quarter
    register: Register
    tables: dict[str, pd.DataFrame]
    commentary: dict[str, str] = field(default_factory=dict)
    folder: Path | None = None

    @property
    def status(self) -> pd.DataFrame:
        return self.tables["measure_status.csv"]

    @property
    def series(self) -> pd.DataFrame:
        return self.tables["measure_series.csv"]

    def table(self, name: str) -> pd.DataFrame:
        """A processed table by file name; an empty frame when the quarter has none."""
        return self.tables.get(name, pd.DataFrame())

    def status_row(self, measure_id: str) -> pd.Series:
        rows = self.status[self.status["measure_id"] == measure_id]
        if rows.empty:
            self.register.measure(measure_id)  # raises a KeyError naming the known ids
        return rows.iloc[0]

    @classmethod
    def from_files(cls, quarter: Quarter, files: dict[str, str], folder: Path | None = None) -> QuarterData:
        """Build from ``{file name: text}`` as :func:`analysis.processed.tables.quarter_tables` returns."""
        tables = {name: parse_processed(text) for name, text in files.items() if name.endswith(".csv")}
        commentary = {
            name.removeprefix("commentary/").removesuffix(".md"): text
            for name, text in files.items()
            if name.startswith("commentary/")
        }
        return cls(quarter, Register.from_json(files["register.json"]), tables, commentary, folder)


def load_quarter(quarter: str, *, data_dir: str | Path = "", out_dir: str | Path = "") -> QuarterData:
    """Read a quarter's processed tables, or compute them in memory when none were written.

    ``data_dir`` and ``out_dir`` are notebook parameters: empty means the
    project's ``data/raw`` and the project root.
    """
    q = parse_quarter(quarter)
    folder = OutputPaths(resolve_dir(out_dir, PROJECT_ROOT)).processed(str(q))
    if (folder / "register.json").exists():
        files = {
            name: (folder / name).read_text(encoding="utf-8")
            for name in (*TABLE_FILES, *OPTIONAL_FILES)
            if (folder / name).exists()
        }
        files["register.json"] = (folder / "register.json").read_text(encoding="utf-8")
        for path in sorted((folder / "commentary").glob("*.md")):
            files[f"commentary/{path.name}"] = path.read_text(encoding="utf-8")
        data = QuarterData.from_files(q, files, folder)
        missing = [c for c in (*STATUS_COLUMNS, *EXTRA_STATUS_COLUMNS) if c not in data.status.columns]
        if missing:
            raise ProcessedTableError(
                f"{folder} was written by an older version of csp-report (no {', '.join(missing)}): "
                "run `csp-report build` again"
            )
        return data
    from analysis.inputs.tables import load_inputs
    from analysis.processed.tables import quarter_tables

    inputs = load_inputs(resolve_dir(data_dir, DEFAULT_DATA))
    return QuarterData.from_files(q, quarter_tables(inputs, q))
