"""``csp-report verify``: would today's inputs change a quarter already published?

Police data are revised after publication and partners send late returns.
Verify recomputes the quarter in memory from the current inputs and lists every
figure and status that would change; it writes nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path

from analysis.core.paths import OutputPaths
from analysis.core.problems import InputError, Problem
from analysis.inputs.tables import load_inputs
from analysis.processed.manifest import Change, late_returns, status_changes, value_revisions
from analysis.processed.tables import quarter_tables


def verify_quarter(data_dir: Path, out_dir: Path, quarter: str | None = None, *, echo: bool = True) -> list[Change]:
    """Every figure of the published quarter that the current inputs would change."""
    inputs = load_inputs(Path(data_dir).resolve())
    q = str(inputs.latest_quarter()) if quarter is None else quarter
    published = OutputPaths(Path(out_dir).resolve()).processed(q)
    if not (published / "measure_status.csv").exists():
        raise InputError([Problem(str(published), None, None, f"{q} has not been built here; nothing to verify")])
    from analysis.core.periods import parse_quarter

    tables = quarter_tables(inputs, parse_quarter(q))
    changes = status_changes(
        (published / "measure_status.csv").read_text(encoding="utf-8"), tables["measure_status.csv"]
    )
    series = (published / "measure_series.csv").read_text(encoding="utf-8")
    changes += value_revisions(series, tables["measure_series.csv"])
    late = late_returns(series, tables["measure_series.csv"], q)
    changes += late
    if echo:
        if changes:
            print(f"{q}: {len(changes)} figure(s) would change if the quarter were built again:")
            for change in changes:
                print(f"  - {change}" + (" (a late return)" if change in late else ""))
        else:
            print(f"{q}: the published figures match the current inputs.")
        sys.stdout.flush()
    return changes
