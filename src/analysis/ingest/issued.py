"""What ``csp-report returns`` wrote, so that it never writes over a workbook a lead has filled in.

Beside the workbooks of a quarter, ``.csp-report-returns.json`` records the
SHA-256 of each workbook as it was written. Before writing, ``returns`` looks at
every workbook it is about to write: one already there that is not byte for
byte as recorded (filled in, saved again by Excel, copied in, or written when
there was no record) is refused, by name, and nothing is written, unless
``--force``. The record is written by a rename after the workbooks.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from analysis.core.problems import Problem, raise_if_any
from analysis.ingest.tables import replace_file

RECORD = ".csp-report-returns.json"
FORMAT = "csp-report returns record"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _recorded(folder: Path) -> dict[str, str]:
    """The record's workbook name -> SHA-256; empty when there is none or it cannot be read."""
    try:
        data = json.loads((folder / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    workbooks = data.get("workbooks") if isinstance(data, dict) and data.get("format") == FORMAT else None
    return {str(k): str(v) for k, v in workbooks.items()} if isinstance(workbooks, dict) else {}


def refuse_filled(paths: list[Path], shown_from: Path) -> None:
    """Raise :class:`~analysis.core.problems.InputError` naming every workbook of ``paths`` that is already
    there and differs from what ``returns`` wrote (paths shown relative to ``shown_from``)."""
    problems = []
    for path in paths:
        if not path.exists():
            continue
        written = _recorded(path.parent).get(path.name)
        if written == _digest(path):
            continue
        why = "has changed since csp-report returns wrote it" if written else "was not written by csp-report returns"
        message = (
            f"this workbook {why} (a lead may have filled it in), so it is not written over: read it with "
            "`csp-report ingest returns` and move it out of the folder, or give --force to replace it"
        )
        problems.append(Problem(_shown(path, shown_from), None, None, message))
    raise_if_any(problems)


def _shown(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def record_written(paths: list[Path]) -> None:
    """Record each workbook's SHA-256 as written, keeping the record of the folder's other workbooks."""
    for folder in dict.fromkeys(p.parent for p in paths):
        workbooks = _recorded(folder) | {p.name: _digest(p) for p in paths if p.parent == folder}
        text = json.dumps({"format": FORMAT, "workbooks": dict(sorted(workbooks.items()))}, indent=1) + "\n"
        replace_file(folder / RECORD, lambda temp, text=text: temp.write_text(text, encoding="utf-8"))
