"""One lock per folder, so that two commands never write the same outputs at once.

``build``, ``status``, ``paper`` and ``build-all`` lock their ``--out`` folder;
``new-quarter`` and ``ingest`` lock the data folder they write (the folder
itself, so that no file is added to the partnership's inputs). A second command
waits, saying what it waits for, or with ``wait=False`` refuses at once
(:class:`LockBusy`, its own exit status). The lock is ``flock`` on a file in the
folder, so the kernel releases it when its holder dies, however it dies: a
``kill -9`` never leaves a folder locked.

Only the command's own process holds it. Its descriptor is closed on ``exec``
(a kernel never has it), and a process forked while it is held (a pool
worker) lets go of its copy at once, so a worker that outlives a killed
command could not keep the folder locked either. A lock file that names a
process of this machine that has ended, and is still held (by a process that
inherited it from an older csp-report, say), is taken over: the file is
replaced, and the new holder says so.

Within one process the lock is re-entrant: the command line holds ``--out`` for
the whole command, and ``build_quarter`` (which also locks, so that the Python
API is safe called on its own) then finds it held and goes on. The lock is
released when the outermost holder ends. :func:`once` lets the first of several
nested holders do a job (cleaning up after an interrupted command) once per hold.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from analysis.errors import LockBusy

LOCK_FILE = ".csp-report.lock"
STALE_PAUSE = 0.3  # seconds to look again before a lock naming an ended process is taken over

_GUARD = threading.Lock()
_HELD: dict[Path, dict] = {}  # folders this process holds: how many holders, and the jobs done once
_DESCRIPTORS: set[int] = set()  # the descriptors of the locks this process holds


def _let_go_in_child() -> None:
    """In a process just forked: drop its copies of the lock descriptors (the parent keeps its locks).

    Each is pointed at ``/dev/null`` rather than closed, so that the copied file
    objects never close a number that has come to mean another file.
    """
    if not _DESCRIPTORS:
        return
    null = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
    for fd in list(_DESCRIPTORS):
        with contextlib.suppress(OSError):
            os.dup2(null, fd, inheritable=False)
    os.close(null)
    _DESCRIPTORS.clear()
    _HELD.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_let_go_in_child)


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


def _holder(info: dict) -> str:
    """Who holds the lock, as its holder wrote it: ``csp-report build 2015-16-Q1 (pid 42, since 10:01:02)``."""
    what = info.get("what") or "another csp-report command"
    if "pid" not in info:
        return what
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
    handle = _take(folder, folder / LOCK_FILE, wait, say or _stderr)
    try:
        handle.seek(0)
        handle.truncate()
        since = dt.datetime.now().strftime("%H:%M:%S")
        handle.write(json.dumps({"what": what, "pid": os.getpid(), "host": socket.gethostname(), "since": since}))
        handle.flush()
        with _GUARD:
            _HELD[key] = {"holders": 1, "done": set()}
        yield
    finally:
        with _GUARD:
            _HELD.pop(key, None)
        with contextlib.suppress(OSError):
            handle.seek(0)
            handle.truncate()
            handle.flush()
            fcntl.flock(handle, fcntl.LOCK_UN)  # for every copy of the descriptor, wherever one may be
        _DESCRIPTORS.discard(handle.fileno())
        handle.close()


def _take(folder: Path, path: Path, wait: bool, say: Callable[[str], None]):
    """Open the lock file and lock it (waiting, or raising :class:`LockBusy`); return the open file.

    The file locked must still be the one at ``path`` once locked: a command
    that took over a stale lock replaces the file, and whoever locked the old
    one then tries again.
    """
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        _DESCRIPTORS.add(fd)
        handle = os.fdopen(fd, "r+", encoding="utf-8")
        try:
            if not _try(handle):
                info = _info(handle)
                taken = False
                if _stale(info):
                    time.sleep(STALE_PAUSE)  # a command that has just taken it writes its own name at once
                    taken = _try(handle)
                    if not taken and _info(handle) == info:  # held by a process that never wrote to it: an heir
                        _replace_stale(path, handle)
                        say(f"{folder} was locked by {_holder(info)}, which has ended; its lock is taken over")
                        raise _Retry
                if not taken:
                    if not wait:
                        raise LockBusy(f"{folder} is in use by {_holder(info)}; try again when it has finished")
                    say(f"Waiting for {_holder(info)} to finish with {folder} ...")
                    fcntl.flock(handle, fcntl.LOCK_EX)
            if _same_file(path, handle):
                return handle
        except _Retry:
            pass
        except BaseException:
            _DESCRIPTORS.discard(fd)
            handle.close()
            raise
        _DESCRIPTORS.discard(fd)
        handle.close()


class _Retry(Exception):
    pass


def _try(handle) -> bool:
    """Lock without waiting; whether it was taken."""
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _info(handle) -> dict:
    """What the holder wrote in the lock file (``what``, ``pid``, ``host``, ``since``); ``{}`` when unreadable."""
    try:
        handle.seek(0)
        info = json.loads(handle.read() or "{}")
    except (OSError, ValueError):
        return {}
    return info if isinstance(info, dict) else {}


def _stale(info: dict) -> bool:
    """Whether the lock file names a process of this machine (or of no machine named) that has ended."""
    pid = info.get("pid")
    if not isinstance(pid, int) or pid <= 0 or info.get("host", socket.gethostname()) != socket.gethostname():
        return False
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # it exists (another user's process)
        return False
    return False


def _replace_stale(path: Path, handle) -> None:
    """Remove the lock file ``handle`` has open, if it is still the one at ``path`` (a new one is made on opening)."""
    if _same_file(path, handle):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _same_file(path: Path, handle) -> bool:
    try:
        now = os.stat(path)
    except FileNotFoundError:
        return False
    opened = os.fstat(handle.fileno())
    return (now.st_dev, now.st_ino) == (opened.st_dev, opened.st_ino)


def _lock_folder_itself(folder: Path, wait: bool, say: Callable[[str], None]) -> Iterator[None]:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    _DESCRIPTORS.add(fd)
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
        _DESCRIPTORS.discard(fd)
        os.close(fd)  # closing the descriptor releases the lock


def _stderr(text: str) -> None:
    print(text, file=sys.stderr, flush=True)
