"""One lock per folder, so that two commands never write the same outputs at once.

``build``, ``status``, ``paper`` and ``build-all`` lock their ``--out`` folder;
``new-quarter`` and ``ingest`` lock the data folder they write (the folder
itself, so that no file is added to the partnership's inputs). A second command
waits, saying what it waits for, or with ``wait=False`` refuses at once
(:class:`LockBusy`, its own exit status). The lock is ``flock`` on a file in the
folder, so the kernel releases it when its holder dies, however it dies: a
``kill -9`` never leaves a folder locked.

Within one process the lock is re-entrant: the command line holds ``--out`` for
the whole command, and ``build_quarter`` (which also locks, so that the Python
API is safe called on its own) then finds it held and goes on. The lock is
released when the outermost holder ends. :func:`once` lets the first of several
nested holders do a job (cleaning up after an interrupted command) once per hold.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from analysis.errors import LockBusy

LOCK_FILE = ".csp-report.lock"

_GUARD = threading.Lock()
_HELD: dict[Path, dict] = {}  # folders this process holds: how many holders, and the jobs done once


def _key(folder: Path) -> Path:
    return Path(os.path.realpath(folder))


def once(folder: Path, job: str) -> bool:
    """True the first time ``job`` is asked for while this process holds ``folder``'s lock; after that, False.

    A folder this process does not hold always answers True.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d, folder_lock(Path(d), "a test"):
    ...     with folder_lock(Path(d), "the same process, nested"):
    ...         once(Path(d), "tidy"), once(Path(d), "tidy")
    (True, False)
    """
    with _GUARD:
        entry = _HELD.get(_key(folder))
        if entry is None:
            return True
        if job in entry["done"]:
            return False
        entry["done"].add(job)
        return True


def _holder(handle) -> str:
    """Who holds the lock, as its holder wrote it: ``csp-report build 2015-16-Q1 (pid 42, since 10:01:02)``."""
    try:
        handle.seek(0)
        info = json.loads(handle.read() or "{}")
    except (OSError, ValueError):
        return "another csp-report command"
    what = info.get("what") or "another csp-report command"
    return f"{what} (pid {info.get('pid', '?')}, since {info.get('since', '?')})"


@contextmanager
def folder_lock(
    folder: Path,
    what: str,
    *,
    wait: bool = True,
    say: Callable[[str], None] | None = None,
    record: bool = True,
) -> Iterator[None]:
    """Hold the folder's lock for the block; wait for it, or raise :class:`LockBusy` without ``wait``.

    ``what`` names the holder for anyone who has to wait (``csp-report build 2015-16-Q1``),
    written in a lock file in the folder; with ``record=False`` the folder itself is
    locked and nothing is written into it.

    Another process waits or is refused (``tests/test_lock.py``); this process,
    holding it already, goes on:

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d, folder_lock(Path(d), "a test"):
    ...     with folder_lock(Path(d), "the same process again", wait=False):
    ...         print("held twice")
    held twice
    """
    folder = Path(folder)
    if not record:
        yield from _lock_folder_itself(folder, wait, say or _stderr)
        return
    folder.mkdir(parents=True, exist_ok=True)
    key = _key(folder)
    with _GUARD:
        entry = _HELD.get(key)
        if entry is not None:
            entry["holders"] += 1
    if entry is not None:  # this process holds it already: nested, nothing to take
        try:
            yield
        finally:
            with _GUARD:
                entry["holders"] -= 1
        return
    path = folder / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    with os.fdopen(fd, "r+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(handle)
            if not wait:
                raise LockBusy(f"{folder} is in use by {holder}; try again when it has finished") from None
            (say or _stderr)(f"Waiting for {holder} to finish with {folder} ...")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            handle.seek(0)
            handle.truncate()
            since = dt.datetime.now().strftime("%H:%M:%S")
            handle.write(json.dumps({"what": what, "pid": os.getpid(), "since": since}))
            handle.flush()
            with _GUARD:
                _HELD[key] = {"holders": 1, "done": set()}
            yield
        finally:
            with _GUARD:
                _HELD.pop(key, None)
            handle.seek(0)
            handle.truncate()
            handle.flush()
            fcntl.flock(handle, fcntl.LOCK_UN)


def _lock_folder_itself(folder: Path, wait: bool, say: Callable[[str], None]) -> Iterator[None]:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                raise LockBusy(
                    f"{folder} is in use by another csp-report command; try again when it has finished"
                ) from None
            say(f"Waiting for another csp-report command to finish with {folder} ...")
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _stderr(text: str) -> None:
    print(text, file=sys.stderr, flush=True)
