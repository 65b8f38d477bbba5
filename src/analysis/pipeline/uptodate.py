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
import stat
from pathlib import Path

from analysis.core.paths import OutputPaths
from analysis.pipeline.execute import environment_fingerprint
from analysis.processed.manifest import sha256_file as file_digest
from analysis.processed.versions import find_leftovers, published

STAMP_VERSION = 2


def tree_digest(folder: Path) -> str:
    """A digest of every entry under ``folder``: names and bytes. ``""`` when there is no such folder.

    Only regular files are read (a link inside the folder by what it leads to); a FIFO, a device or a link
    leading out of the folder counts by its kind and name alone, so hashing never hangs or reads without end.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return ""
    root = folder.resolve()
    digest = hashlib.sha256()
    entries = []
    for base, folders, files in os.walk(folder):
        folders.sort()
        entries += [Path(base) / name for name in (*files, *(f for f in folders if Path(base, f).is_symlink()))]
    for path in sorted(entries):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(_entry_digest(path, root).encode())
    return digest.hexdigest()


def _entry_digest(path: Path, root: Path) -> str:
    try:
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode):
            target = path.resolve()
            if not target.is_relative_to(root):
                return f"link:{os.readlink(path)}"
            info = os.stat(target)
        if not stat.S_ISREG(info.st_mode):
            return f"kind:{stat.S_IFMT(info.st_mode)}"
        return file_digest(path)
    except (OSError, RuntimeError) as err:
        return f"unreadable:{type(err).__name__}"


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


def _state(
    data_dir: Path, out: OutputPaths, quarter: str, previous: str, notebooks: list[str], data: str | None = None
) -> dict:
    """Everything the published outputs of a build depend on, as hashes (``data``: the data folder's, if known)."""
    return {
        "version": STAMP_VERSION,
        "data": tree_digest(data_dir) if data is None else data,
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
    data_digest: str | None = None,
) -> Path:
    """After a published build: write the stamp of what it was built from. ``notebooks`` maps name to source.

    ``data_digest`` is the data folder's :func:`tree_digest` taken before the build read anything: a file
    changed while the build ran (a return read in meanwhile) then differs from the stamp, and the next
    build builds again instead of saying nothing changed. Without it, the folder is hashed now.
    """
    out = OutputPaths(Path(out_dir).resolve(), partnership)
    state = _state(Path(data_dir).resolve(), out, quarter, previous, list(set(notebooks.values())), data_digest)
    stamp = {
        "quarter": quarter,
        "previous_quarter": previous,
        "partnership_name": name,
        "notebook_names": list(notebooks),
        "state": state,
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
