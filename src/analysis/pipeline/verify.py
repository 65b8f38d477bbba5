"""``csp-report verify``: would today's inputs change a quarter already published, and is its site still whole?

Police data are revised after publication and partners send late returns.
Verify recomputes the quarter in memory from the current inputs and lists every
figure and status that would change. It then checks the published version
itself: that it is complete, that every file still has the hash recorded when
it was published, and that its pages were made from the tables published with
them (``csp-report status`` writes new tables under the old pages). It writes
nothing.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from analysis.core.paths import OutputPaths
from analysis.core.problems import InputError, Problem
from analysis.inputs.tables import load_inputs
from analysis.processed.contract import MEASURE_SERIES, MEASURE_STATUS
from analysis.processed.manifest import Change, late_returns, status_changes, value_revisions
from analysis.processed.tables import quarter_tables
from analysis.processed.versions import Published, check_version, contract_paths, has_pages, published


@dataclass(frozen=True)
class SiteProblem:
    """One way the published quarter's files differ from what was published."""

    text: str

    def __str__(self) -> str:
        return f"site: {self.text}"


def site_problems(out: OutputPaths, quarter: str, folders: Published) -> list[SiteProblem]:
    """The published version's problems (:func:`analysis.processed.versions.check_version`); none without versions."""
    if folders.version is None:
        return []
    shown = {part: path.relative_to(out.root).as_posix() for part, path in contract_paths(out, quarter).items()}
    return [SiteProblem(text) for text in check_version(folders.version, shown)]


def verify_quarter(
    data_dir: Path, out_dir: Path, quarter: str | None = None, *, echo: bool = True
) -> list[Change | SiteProblem]:
    """Every figure of the published quarter that the current inputs would change, and every problem of its site."""
    inputs = load_inputs(Path(data_dir).resolve())
    q = str(inputs.latest_quarter()) if quarter is None else quarter
    out = OutputPaths(Path(out_dir).resolve())
    folders = published(out, q)  # every file below is read from this one version
    if not (folders.processed / MEASURE_STATUS.name).exists():
        raise InputError(
            [Problem(str(out.processed(q)), None, None, f"{q} has not been built here; nothing to verify")]
        )
    from analysis.core.periods import parse_quarter

    tables = quarter_tables(inputs, parse_quarter(q))
    changes = status_changes(
        (folders.processed / MEASURE_STATUS.name).read_text(encoding="utf-8"), tables[MEASURE_STATUS.name]
    )
    series = (folders.processed / MEASURE_SERIES.name).read_text(encoding="utf-8")
    changes += value_revisions(series, tables[MEASURE_SERIES.name])
    late = late_returns(series, tables[MEASURE_SERIES.name], q)
    changes += late
    problems = site_problems(out, q, folders)
    if echo:
        if changes:
            print(f"{q}: {len(changes)} figure(s) would change if the quarter were built again:")
            for change in changes:
                print(f"  - {change}" + (" (a late return)" if change in late else ""))
        else:
            print(f"{q}: the published figures match the current inputs.")
        if problems:
            print(f"{q}: the published site is not as it was published ({len(problems)} problem(s)):")
            for problem in problems:
                print(f"  - {problem}")
        elif folders.version is not None and has_pages(folders.version):
            print(f"{q}: the published notebooks and pages are as published and were made from these tables.")
        elif folders.version is None and folders.site.is_dir():
            print(
                f"{q}: the site was not checked (published without versions: by an older csp-report, "
                "or where links cannot be made)."
            )
        sys.stdout.flush()
    return [*changes, *problems]
