"""The cache's files: written whole, checked before use, marked when used, pruned by age and size.

The cache under ``--out`` (``.cache/csp-report/``) holds one folder per kind of
entry: ``notebooks/`` (executed notebooks), ``pages/`` (pages rendered by the
built-in renderer) and ``builds/`` (the stamps of unchanged rebuilds). An entry
is one file, ``<key><suffix>``; beside it ``<key><suffix>.record.json`` records
the SHA-256 and size of the bytes written and what they are for. Both are
written to a temporary file and renamed into place, so a reader never sees half
of either.

Reading an entry (:func:`fetch`) checks it before anything uses it: the
caller's own check of the content (it parses, it is for this job), then the
hash recorded when it was written. A bad entry is removed, and the caller makes
it again. An entry's modification time says when it was last used: it is set
when the entry is written and again each time it is served, so pruning
(:func:`choose`) removes what no build has used for a while, the oldest-used
first. Only the standard library is used, so both the pipeline's notebook cache
and the site's page cache share this module.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import stat
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

RECORD_SUFFIX = ".record.json"
RECORD_VERSION = 1
LEFTOVER_SECONDS = 3600  # a temporary file or a record without its entry, this old, is left by a stopped build


@dataclass(frozen=True)
class Entry:
    """One file of the cache as pruning sees it: its kind, path, bytes (with its record) and when it was last used."""

    kind: str
    path: Path
    size: int
    used: float  # seconds since the epoch


def record_path(path: Path) -> Path:
    """Where an entry's record is kept: beside it.

    >>> record_path(Path("notebooks/ab12.ipynb")).as_posix()
    'notebooks/ab12.ipynb.record.json'
    """
    return path.with_name(path.name + RECORD_SUFFIX)


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        if err.filename is None and err.errno is not None:  # a full disk names no file: this one
            raise OSError(err.errno, err.strerror, str(path)) from err
        raise
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def store(folder: Path, key: str, suffix: str, data: bytes, about: dict) -> Path:
    """Put ``data`` in the cache as ``<key><suffix>`` with the record of its hash; return the entry's path.

    ``about`` says what the entry is for (``{"name": "measures/asb-incidents.ipynb"}``),
    for anyone reading the cache folder.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{key}{suffix}"
    record = {
        "version": RECORD_VERSION,
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
        "written": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        **about,
    }
    _write_atomic(path, data)
    _write_atomic(record_path(path), json.dumps(record, indent=1, sort_keys=True).encode())
    return path


def hash_problem(data: bytes, record: dict | None) -> str:
    """Why ``data`` is not what was recorded when it was written; ``""`` when it is.

    >>> record = {"sha256": hashlib.sha256(b"page").hexdigest(), "size": 4}
    >>> hash_problem(b"page", record), hash_problem(b"page!", record)
    ('', 'was changed after it was cached (its hash is not the one recorded)')
    >>> hash_problem(b"page", None)
    'has no record of its hash'
    """
    if not isinstance(record, dict) or not isinstance(record.get("sha256"), str):
        return "has no record of its hash"
    if record.get("size") != len(data) or record["sha256"] != hashlib.sha256(data).hexdigest():
        return "was changed after it was cached (its hash is not the one recorded)"
    return ""


def _read_record(path: Path) -> dict | None:
    try:
        record = json.loads(record_path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def drop(path: Path) -> None:
    """Remove an entry and its record (either may already be gone)."""
    Path(path).unlink(missing_ok=True)
    record_path(Path(path)).unlink(missing_ok=True)


def fetch(folder: Path, key: str, suffix: str, check: Callable[[bytes], str]) -> tuple[bytes | None, str]:
    """An entry's bytes when it is there, ``check`` finds nothing wrong and its hash is the one recorded.

    Returns ``(data, "")`` for a good entry, which is then marked as used now;
    ``(None, "")`` when there is no entry; ``(None, why)`` for a bad one, which
    is removed. ``check`` returns why the content is wrong, or ``""``. The bytes
    returned are the ones checked: copy them, not the file, into the build.
    """
    path = Path(folder) / f"{key}{suffix}"
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None, ""
    except OSError as err:
        problem = f"could not be read ({err.strerror or err})"
    else:
        problem = check(data) or hash_problem(data, _read_record(path))
    if problem:
        drop(path)
        return None, problem
    with contextlib.suppress(OSError):  # a read-only cache still serves; it is pruned by when it was written
        os.utime(path)  # used now: pruning keeps what builds use
    return data, ""


# What the cache's own files are called: an entry is named by its key (hex digits) and kind, its record beside
# it, and a temporary file by the entry it becomes. Nothing else in the cache folder is ever counted or removed.
_ENTRY = re.compile(r"[0-9a-f]{16,64}\.[a-z]{2,8}")
_RECORD = re.compile(rf"{_ENTRY.pattern}{re.escape(RECORD_SUFFIX)}")
_TEMPORARY = re.compile(rf"\.{_ENTRY.pattern}(?:{re.escape(RECORD_SUFFIX)})?\.[A-Za-z0-9_]+(?:\.tmp)?")


def _is_own(path: Path) -> bool:
    """Whether a file of a cache folder is one the cache writes (an entry, a record, a temporary file of either).

    >>> [_is_own(Path(n)) for n in ("ab12cd34ef56ab78.ipynb", ".ab12cd34ef56ab78.ipynb.x1y2_z.tmp", "notes.txt")]
    [True, True, False]
    """
    return any(pattern.fullmatch(path.name) for pattern in (_ENTRY, _RECORD, _TEMPORARY))


def _is_leftover(path: Path) -> bool:
    """A temporary file, or a record whose entry is gone."""
    if path.name.startswith("."):
        return True
    return path.name.endswith(RECORD_SUFFIX) and not path.with_name(path.name[: -len(RECORD_SUFFIX)]).exists()


def scan(root: Path) -> tuple[list[Entry], list[Entry]]:
    """The entries under the cache folder ``root`` (a folder per kind), and the leftovers of stopped builds.

    An entry's size counts its record. Files that vanish while the folder is
    read (another command pruning) are skipped.
    """
    entries: list[Entry] = []
    leftovers: list[Entry] = []
    root = Path(root)
    if not root.is_dir() or root.is_symlink():
        return entries, leftovers
    for kind_dir in sorted(p for p in root.iterdir() if p.is_dir() and not p.is_symlink()):
        for path in sorted(kind_dir.iterdir()):
            try:
                info = path.lstat()
                if not stat.S_ISREG(info.st_mode) or not _is_own(path):
                    continue  # a link, a folder or a file the cache did not write: never counted, never removed
                if _is_leftover(path):
                    leftovers.append(Entry(kind_dir.name, path, info.st_size, info.st_mtime))
                    continue
                if path.name.endswith(RECORD_SUFFIX):
                    continue  # counted with its entry
                record = record_path(path)
                size = info.st_size + (record.stat().st_size if record.exists() else 0)
            except FileNotFoundError:
                continue
            entries.append(Entry(kind_dir.name, path, size, info.st_mtime))
    return entries, leftovers


def choose(
    entries: Iterable[Entry],
    *,
    now: float,
    older_than: float | None = None,
    max_bytes: int | None = None,
    keep_since: float | None = None,
) -> list[Entry]:
    """The entries to remove: those unused for ``older_than`` seconds, then the oldest-used beyond ``max_bytes``.

    Entries used at or after ``keep_since`` (the build that has just run) are
    never removed for size. Oldest-used first.

    >>> day = 86400.0
    >>> cache = [Entry("notebooks", Path(f"{n}.ipynb"), 100, 1000 * day - n * day) for n in (1, 10, 40, 50)]
    >>> [e.path.name for e in choose(cache, now=1000 * day, older_than=30 * day)]
    ['50.ipynb', '40.ipynb']
    >>> [e.path.name for e in choose(cache, now=1000 * day, max_bytes=150)]
    ['50.ipynb', '40.ipynb', '10.ipynb']
    >>> [e.path.name for e in choose(cache, now=1000 * day, max_bytes=150, keep_since=1000 * day - 20 * day)]
    ['50.ipynb', '40.ipynb']
    """
    by_use = sorted(entries, key=lambda e: (e.used, e.path.as_posix()))
    cut = 0 if older_than is None else sum(1 for e in by_use if e.used < now - older_than)
    removed, kept = by_use[:cut], by_use[cut:]
    if max_bytes is not None:
        size = sum(e.size for e in kept)
        for entry in kept:
            if size <= max_bytes:
                break
            if keep_since is not None and entry.used >= keep_since:
                continue
            removed.append(entry)
            size -= entry.size
    return removed


def remove(entries: Iterable[Entry]) -> int:
    """Remove entries (each with its record); return the bytes freed. Files already gone are skipped."""
    freed = 0
    for entry in entries:
        if entry.path.exists():
            freed += entry.size
        drop(entry.path)
    return freed
