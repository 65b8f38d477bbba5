"""An unchanged rebuild costs nothing: decide from hashes alone, before pandas, scipy or Altair load.

A successful build leaves a stamp under ``<out>/.cache/csp-report/builds/``,
one per request (inputs folder, quarter asked for, partnership, renderer). It
records the SHA-256 of every file in the inputs folder, of every notebook
executed, of the previous quarter's processed tables (``changes.csv`` reads
them), the environment fingerprint (Python, every installed package, the
project's code), whether Quarto was on PATH, and of every file the build
published (read from the published version, resolved once), and that no
interrupted command left anything to clean. A later build whose all of these
are still the same would publish the same outputs, and the outputs are still
there unchanged: it stops. Any
difference, a missing stamp, ``--force`` or a stamp that cannot be read falls
through to the normal build, which decides notebook by notebook from the cache.

This module imports only the standard library (and the project's stdlib-only
path and execution helpers).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from pathlib import Path

from analysis.core.paths import OutputPaths
from analysis.pipeline.execute import environment_fingerprint
from analysis.processed.manifest import sha256_file as file_digest
from analysis.processed.versions import find_leftovers, published

STAMP_VERSION = 2


def tree_digest(folder: Path) -> str:
    """A digest of every file under ``folder``: names and bytes. ``""`` when there is no such folder."""
    folder = Path(folder)
    if not folder.is_dir():
        return ""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(file_digest(path).encode())
    return digest.hexdigest()


def _request(data_dir: Path, quarter: str | None, partnership: str, renderer: str) -> dict:
    return {"data": str(Path(data_dir).resolve()), "quarter": quarter or "", "partnership": partnership,
            "renderer": renderer}  # fmt: skip


def stamp_path(data_dir: Path, out_dir: Path, quarter: str | None, partnership: str, renderer: str) -> Path:
    key = hashlib.sha256(json.dumps(_request(data_dir, quarter, partnership, renderer), sort_keys=True).encode())
    return OutputPaths(Path(out_dir).resolve(), partnership).cache / "builds" / f"{key.hexdigest()[:32]}.json"


def _outputs(out: OutputPaths, quarter: str) -> dict[str, str]:
    folders = published(out, quarter)  # one version, whatever is switched meanwhile
    return {
        "processed": tree_digest(folders.processed),
        "reports": tree_digest(folders.reports),
        "site": tree_digest(folders.site),
        "index": "yes" if (out.site / "index.html").is_file() else "",
        "clean": "no" if find_leftovers(out.root) else "yes",
    }


def _state(data_dir: Path, out: OutputPaths, quarter: str, previous: str, notebooks: list[str]) -> dict:
    """Everything the published outputs of a build depend on, as hashes."""
    return {
        "version": STAMP_VERSION,
        "data": tree_digest(data_dir),
        "environment": environment_fingerprint(),
        "quarto": shutil.which("quarto") or "",
        "notebooks": {path: file_digest(Path(path)) if Path(path).is_file() else "" for path in sorted(notebooks)},
        "previous": tree_digest(out.processed(previous).resolve()),
        "outputs": _outputs(out, quarter),
    }


def record(
    data_dir: Path,
    out_dir: Path,
    requested: str | None,
    *,
    quarter: str,
    previous: str,
    partnership: str,
    renderer: str,
    notebooks: dict[str, str],
    name: str,
) -> Path:
    """After a published build: write the stamp of what it was built from. ``notebooks`` maps name to source."""
    out = OutputPaths(Path(out_dir).resolve(), partnership)
    stamp = {
        "quarter": quarter,
        "previous_quarter": previous,
        "partnership_name": name,
        "notebook_names": list(notebooks),
        "state": _state(Path(data_dir).resolve(), out, quarter, previous, list(set(notebooks.values()))),
    }
    path = stamp_path(data_dir, out_dir, requested, partnership, renderer)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(stamp, indent=1, sort_keys=True), encoding="utf-8")
    tmp.replace(path)
    return path


def current(
    data_dir: Path, out_dir: Path, requested: str | None, *, partnership: str = "", renderer: str = "auto"
) -> dict | None:
    """The stamp of the last build when nothing it depends on has changed since; else ``None``."""
    path = stamp_path(data_dir, out_dir, requested, partnership, renderer)
    try:
        stamp = json.loads(path.read_text(encoding="utf-8"))
        quarter, previous = stamp["quarter"], stamp["previous_quarter"]
        recorded = stamp["state"]
        if recorded.get("version") != STAMP_VERSION:
            return None
        out = OutputPaths(Path(out_dir).resolve(), partnership)
        now = _state(Path(data_dir).resolve(), out, quarter, previous, list(recorded["notebooks"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if now != recorded:
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # used now: the cache's pruning keeps what is used (analysis.pipeline.cache)
    return stamp
