"""The quarter's pipeline: validate, compute, execute the notebooks, render, publish atomically."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .atomic import replace_path, staging
from .inputs import Inputs, load_inputs
from .paths import OutputPaths
from .periods import Quarter, parse_quarter
from .processed import quarter_tables, write_tables


def choose_quarter(inputs: Inputs, quarter: str | Quarter | None) -> Quarter:
    """The quarter asked for, or the latest quarter with data."""
    return parse_quarter(quarter) if quarter else inputs.latest_quarter()


def status_summary(files: dict[str, str]) -> str:
    """The status table as the command line prints it."""
    import io

    frame = pd.read_csv(io.StringIO(files["measure_status.csv"]), dtype=str, keep_default_na=False)
    shown = frame[["measure_id", "period_end", "ytd_actual", "ytd_target", "annual_target",
                   "last_year_ytd", "change_vs_last_year", "forecast", "status"]].copy()  # fmt: skip
    for column in ("ytd_actual", "ytd_target", "annual_target", "last_year_ytd", "forecast"):
        shown[column] = [f"{float(v):,.1f}".removesuffix(".0") if v else "" for v in shown[column]]
    shown["change_vs_last_year"] = [f"{float(v):+.1%}" if v else "" for v in shown["change_vs_last_year"]]
    return shown.to_string(index=False)


def write_status(data_dir: Path, out_dir: Path, quarter: str | None) -> tuple[str, Path]:
    """Compute a quarter's processed tables and put them in place; return the printed table."""
    inputs = load_inputs(data_dir)
    q = choose_quarter(inputs, quarter)
    files = quarter_tables(inputs, q)
    out = OutputPaths(out_dir)
    target = out.processed(str(q))
    with staging(target.parent) as stage:
        write_tables(files, stage / "tables")
        replace_path(stage / "tables", target)
    return f"{inputs.register.partnership}, {q}\n\n{status_summary(files)}", target
