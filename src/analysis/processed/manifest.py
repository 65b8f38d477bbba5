"""Where every figure came from: the quarter's manifest, changes since the last quarter, and verify.

The manifest records the SHA-256 of every input used, the code and package
versions, each notebook's parameters and the renderer; the processed tables
carry no timestamps, so the same inputs always give the same bytes and only
the manifest's build time differs between two builds.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import platform
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from analysis.core.paths import PROJECT_ROOT

KEY_PACKAGES = ("pandas", "altair", "vl-convert-python", "papermill", "nbconvert", "pandera", "scipy", "pyarrow")
COMPARED_FIGURES = (
    "period_end", "ytd_actual", "ytd_target", "annual_target", "last_year_ytd", "last_year_total",
    "change_vs_last_year", "forecast", "status", "spc_variation", "spc_assurance",
)  # fmt: skip


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def data_fingerprint(hashes: dict[str, str]) -> str:
    """A short fingerprint of all the inputs together, for page footers.

    >>> data_fingerprint({"a.csv": "00", "b.csv": "11"}) == data_fingerprint({"b.csv": "11", "a.csv": "00"})
    True
    """
    joined = "\n".join(f"{k}={v}" for k, v in sorted(hashes.items()))
    return hashlib.sha256(joined.encode()).hexdigest()[:12]


def git_state(root: Path = PROJECT_ROOT) -> dict:
    """The project's commit and whether the working tree had uncommitted changes."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True, timeout=10
        ).stdout.strip()
        dirty = bool(
            subprocess.run(
                ["git", "status", "--porcelain", "--untracked-files=no"],
                cwd=root,
                capture_output=True,
                text=True,
                check=True,
                timeout=10,
            ).stdout.strip()
        )
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit, "dirty": dirty}


def package_versions() -> dict[str, str]:
    """Versions of the packages that shape the figures and pages."""
    versions = {"python": platform.python_version()}
    for name in ("csp-report", *KEY_PACKAGES):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def manifest(
    quarter: str,
    data_dir: Path,
    input_files: list[Path],
    tables: dict[str, str],
    *,
    notebooks: dict[str, dict] | None = None,
    renderer: str | None = None,
    built_at: datetime | None = None,
) -> dict:
    """The quarter's manifest as a dictionary (see the module's docstring)."""
    inputs = {
        p.relative_to(data_dir).as_posix() if p.is_relative_to(data_dir) else p.name: sha256_file(p)
        for p in input_files
        if p.exists()
    }
    outputs = {name: hashlib.sha256(text.encode()).hexdigest() for name, text in sorted(tables.items())}
    revisions_log = Path(data_dir) / "revisions.csv"  # values replaced by `ingest returns --revise`
    logged = revisions_log.read_text("utf-8-sig") if revisions_log.exists() else None
    return {
        **({"revisions": list(csv.DictReader(io.StringIO(logged)))} if logged is not None else {}),
        "quarter": quarter,
        "data_dir": str(data_dir),
        "inputs": dict(sorted(inputs.items())),
        "data_fingerprint": data_fingerprint(inputs),
        "processed": outputs,
        "code": {"version": package_versions()["csp-report"], **git_state()},
        "packages": package_versions(),
        "notebooks": notebooks or {},
        "renderer": renderer,
        "built_at": (built_at or datetime.now(UTC)).replace(microsecond=0).isoformat(),
    }


def manifest_text(data: dict) -> str:
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


# ---------------------------------------------------------------------------
# Comparing two versions of a quarter's tables


@dataclass(frozen=True, order=True)
class Change:
    """One figure that differs between two versions of the tables."""

    measure_id: str
    what: str  # a column of measure_status.csv, or "value <period>"
    before: str
    after: str

    def __str__(self) -> str:
        return f"{self.measure_id}: {self.what} {self.before or '(empty)'} -> {self.after or '(empty)'}"


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _same_number(a: str, b: str) -> bool:
    try:
        return a == b or abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(a)))
    except ValueError:
        return a == b


def status_changes(before: str, after: str) -> list[Change]:
    """Every figure and status of ``measure_status.csv`` that differs.

    >>> old = "measure_id,status,forecast\\nasb,green,10\\n"
    >>> [str(c) for c in status_changes(old, "measure_id,status,forecast\\nasb,amber,10\\n")]
    ['asb: status green -> amber']
    """
    old = {r["measure_id"]: r for r in _rows(before)}
    new = {r["measure_id"]: r for r in _rows(after)}
    changes = []
    for mid in sorted(set(old) | set(new)):
        if mid not in old or mid not in new:
            changes.append(
                Change(
                    mid, "measure", "absent" if mid not in old else "present", "absent" if mid not in new else "present"
                )
            )
            continue
        for column in COMPARED_FIGURES:
            a, b = old[mid].get(column, ""), new[mid].get(column, "")
            if column in old[mid] and column in new[mid] and not _same_number(a, b):
                changes.append(Change(mid, column, a, b))
    return changes


def value_revisions(before: str, after: str) -> list[Change]:
    """Period values of ``measure_series.csv`` present in both versions that differ (revised data).

    >>> old = "measure_id,period,value\\nasb,2015-04,864\\n"
    >>> [str(c) for c in value_revisions(old, "measure_id,period,value\\nasb,2015-04,870\\nasb,2015-05,1\\n")]
    ['asb: value 2015-04 864 -> 870']
    """
    old = {(r["measure_id"], r["period"]): r["value"] for r in _rows(before)}
    new = {(r["measure_id"], r["period"]): r["value"] for r in _rows(after)}
    return sorted(
        Change(mid, f"value {period}", old[(mid, period)], value)
        for (mid, period), value in new.items()
        if (mid, period) in old and old[(mid, period)] != "" and not _same_number(old[(mid, period)], value)
    )


def changes_since(previous_dir: Path, tables: dict[str, str], previous_quarter: str) -> str:
    """``changes.csv``: status changes and revised values since the previous quarter's build.

    The first row (kind ``previous_build``) says whether the previous quarter
    was found; comparisons follow when it was.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["kind", "measure_id", "what", "before", "after", "previous_quarter"])
    status_file, series_file = previous_dir / "measure_status.csv", previous_dir / "measure_series.csv"
    found = "found" if status_file.exists() else "not found"
    writer.writerow(["previous_build", "", "previous quarter", "", found, previous_quarter])
    if status_file.exists():
        for c in status_changes(status_file.read_text(encoding="utf-8"), tables["measure_status.csv"]):
            if c.what == "status":
                writer.writerow(["status", c.measure_id, c.what, c.before, c.after, previous_quarter])
    if series_file.exists():
        for c in value_revisions(series_file.read_text(encoding="utf-8"), tables["measure_series.csv"]):
            writer.writerow(["revision", c.measure_id, c.what, c.before, c.after, previous_quarter])
    return out.getvalue()
