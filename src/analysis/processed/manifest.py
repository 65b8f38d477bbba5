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

from analysis.core.files import MAX_TABLE_BYTES, FileRefused, read_confined
from analysis.core.formatting import number, percent
from analysis.core.paths import PROJECT_ROOT
from analysis.core.periods import PeriodError, parse_quarter, quarter_of_period
from analysis.processed.contract import CHANGES, MANIFEST, MEASURE_SERIES, MEASURE_STATUS

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
    read: dict[Path, str] | None = None,
) -> dict:
    """The quarter's manifest as a dictionary (see the module's docstring).

    ``read`` holds the SHA-256 of each input as it was read
    (:func:`analysis.core.files.recording`): the manifest then names exactly
    what the figures came from, even if a file changed while the build ran.
    """
    read = read or {}
    inputs = {
        p.relative_to(data_dir).as_posix() if p.is_relative_to(data_dir) else p.name: read.get(p) or sha256_file(p)
        for p in input_files
        if p in read or p.exists()
    }
    outputs = {name: hashlib.sha256(text.encode()).hexdigest() for name, text in sorted(tables.items())}
    logged = _revisions_log(Path(data_dir))
    return {
        **({"revisions": list(csv.DictReader(io.StringIO(logged)))} if logged is not None else {}),
        "quarter": quarter,
        "data_dir": Path(data_dir).name,  # the folder's name only: where it is on the analyst's machine is theirs
        "inputs": dict(sorted(inputs.items())),
        "data_fingerprint": data_fingerprint(inputs),
        "processed": outputs,
        "code": {"version": package_versions()["csp-report"], **git_state()},
        "packages": package_versions(),
        "notebooks": notebooks or {},
        "renderer": renderer,
        "built_at": (built_at or datetime.now(UTC)).replace(microsecond=0).isoformat(),
    }


def _revisions_log(data_dir: Path) -> str | None:
    """``revisions.csv`` (values replaced by ``ingest returns --revise``) as text; ``None`` without one.

    Read like any input: only a regular file of the data folder, within the cap (a FIFO would hang the build).
    """
    path = data_dir / "revisions.csv"
    if not path.exists() and not path.is_symlink():
        return None
    try:
        return read_confined(path, data_dir, MAX_TABLE_BYTES).decode("utf-8-sig", errors="replace")
    except FileRefused:
        return None


def manifest_text(data: dict) -> str:
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def read_manifest(folder: Path) -> dict | None:
    """The manifest a quarter's processed folder holds, or ``None`` when it has none (not built)."""
    path = Path(folder) / MANIFEST
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------
# Comparing two versions of a quarter's tables


@dataclass(frozen=True, order=True)
class Change:
    """One figure that differs between two versions of the tables."""

    measure_id: str
    what: str  # a column of measure_status.csv, or "value <period>"
    before: str
    after: str

    def shown(self) -> tuple[str, str]:
        """Before and after as the pages print them (``""`` where empty).

        >>> Change("asb", "change_vs_last_year", "0.1706586826347305", "0.2").shown()
        ('+17.1%', '+20.0%')
        >>> Change("asb", "ytd_actual", "6181.74", "6181.76").shown()
        ('6,181.74', '6,181.76')
        """
        return shown_pair(self.what, self.before, self.after)

    def __str__(self) -> str:
        before, after = self.shown()
        return f"{self.measure_id}: {self.what} {before or '(empty)'} -> {after or '(empty)'}"


_TEXT_FIGURES = ("measure", "period_end", "status", "spc_variation", "spc_assurance")


def shown_figure(what: str, text: str, decimals: int | None = None) -> str:
    """One figure of a change as the pages print it: numbers with :func:`number`, fractions with :func:`percent`.

    >>> shown_figure("forecast", "9374.9"), shown_figure("value 2015-05", "572"), shown_figure("status", "red")
    ('9,375', '572', 'red')
    """
    if text == "" or what in _TEXT_FIGURES:
        return text
    try:
        value = float(text)
    except ValueError:
        return text
    if what == "change_vs_last_year":
        return percent(value, 1 if decimals is None else decimals)
    return number(value, decimals)


def shown_pair(what: str, before: str, after: str) -> tuple[str, str]:
    """Before and after, with more decimals when the usual ones would print them the same."""
    pair = shown_figure(what, before), shown_figure(what, after)
    for decimals in range(2, 7):
        if pair[0] != pair[1] or before == after:
            break
        pair = shown_figure(what, before, decimals), shown_figure(what, after, decimals)
    return pair


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


def late_returns(before: str, after: str, previous_quarter: str) -> list[Change]:
    """Values that arrived after the previous quarter was built, for periods it had no value for.

    Only periods up to the end of the previous quarter count (later ones were not
    due yet); these are listed apart from revisions of values already published.

    >>> old = "measure_id,period,value\\nasb,2015-05,\\nasb,2015-07,\\n"
    >>> new = "measure_id,period,value\\nasb,2015-05,601\\nasb,2015-07,640\\n"
    >>> [str(c) for c in late_returns(old, new, "2015-16-Q1")]
    ['asb: value 2015-05 (empty) -> 601']
    """
    try:
        last = parse_quarter(previous_quarter)
    except PeriodError:
        return []
    old = {(r["measure_id"], r["period"]): r["value"] for r in _rows(before)}
    found = []
    for r in _rows(after):
        key = (r["measure_id"], r["period"])
        if r["value"] != "" and old.get(key) == "":
            try:
                due = quarter_of_period(r["period"]) <= last
            except PeriodError:
                continue
            if due:
                found.append(Change(r["measure_id"], f"value {r['period']}", "", r["value"]))
    return sorted(found)


def changes_since(previous_dir: Path, tables: dict[str, str], previous_quarter: str) -> str:
    """``changes.csv``: what changed since the previous quarter's build.

    The first row (kind ``previous_build``) says whether the previous quarter
    was found; when it was, the rows that follow are status changes
    (``status``), changes of SPC variation (``spc_variation``), late returns
    that filled periods which had no value (``late_return``) and revisions of
    values already published (``revision``), each with its figures before and
    after: ``before``/``after`` as written in the tables, ``before_shown``/
    ``after_shown`` as the pages print them.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CHANGES.names)
    status_file, series_file = previous_dir / MEASURE_STATUS.name, previous_dir / MEASURE_SERIES.name
    found = "found" if status_file.exists() else "not found"
    writer.writerow(["previous_build", "", "previous quarter", "", found, previous_quarter, "", ""])

    def write(kind: str, c: Change) -> None:
        before, after = c.shown()
        if kind == "late_return":
            before = "no value"
        writer.writerow([kind, c.measure_id, c.what, c.before, c.after, previous_quarter, before, after])

    if status_file.exists():
        for c in status_changes(status_file.read_text(encoding="utf-8"), tables[MEASURE_STATUS.name]):
            if c.what in ("status", "spc_variation"):
                write(c.what, c)
    if series_file.exists():
        old_series = series_file.read_text(encoding="utf-8")
        for c in late_returns(old_series, tables[MEASURE_SERIES.name], previous_quarter):
            write("late_return", c)
        for c in value_revisions(old_series, tables[MEASURE_SERIES.name]):
            write("revision", c)
    return out.getvalue()
