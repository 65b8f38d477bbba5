"""Stop every process a command started: pool workers, Dask workers, kernels, and whatever they started.

A build's processes form a tree under the ``csp-report`` process: pool (or
Dask) workers, and under each worker its kernels. Two things make the tree hard
to stop with one signal to a process group:

- jupyter_client starts every kernel in a session of its own (so that
  interrupting a cell reaches only that kernel), so a signal to the command's
  process group, Ctrl-C included, never reaches a kernel;
- a worker that dies first leaves its kernel to the init process, out of reach
  of anyone looking for the command's descendants.

So :func:`stop_processes` finds the whole tree first and freezes it
(``SIGSTOP``: a frozen process starts nothing more and keeps its children), looks
again until nothing new appears, then asks every process to end (``SIGTERM``,
then ``SIGCONT`` so that a frozen one can), waits a moment and kills
(``SIGKILL``) what is left. The connection file of every kernel stopped
(``-f FILE.json`` on its command line) is removed, as the kernel's own
shutdown would.

A ``kill -9`` of the ``csp-report`` process leaves no one to stop the tree, so
each process forked from it also ends itself when its parent is gone
(:func:`end_with_parent`): a thread in every forked process (pool and
rendering workers) looks at its parent a few times a second and, once the
parent has ended, kills what it started (its kernels) and exits. A kernel does
the same for its worker (ipykernel's parent poller, which jupyter_client turns
on). Nothing of a command outlives it by more than a second or two, however it
ends; the lock it held is the kernel's to release (:mod:`analysis.pipeline.lock`).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterable
from pathlib import Path

GRACE = 3.0  # seconds a process has to end after SIGTERM before it is killed
PARENT_POLL = 0.2  # seconds between a forked process's looks at whether its parent is still there
_watching = False
_forking_parent = 0  # the process that is forking, as it was just before the fork (read in the child)


def end_with_parent() -> None:
    """From now on, every process forked from this one ends itself (and what it started) when this one ends.

    Idempotent. Processes started by ``exec`` (a kernel, ``quarto``, ``git``) are
    not forked copies and are not affected: a kernel watches its own parent.
    """
    global _watching
    if not _watching and hasattr(os, "register_at_fork"):
        os.register_at_fork(before=_note_parent, after_in_child=_watch_parent)
        _watching = True


def _note_parent() -> None:
    global _forking_parent
    _forking_parent = os.getpid()


def _watch_parent() -> None:
    """In a process just forked: a thread that ends this process soon after its parent ends."""
    parent = _forking_parent
    threading.Thread(target=_watch, args=(parent,), name="csp-report-parent-watch", daemon=True).start()


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_POLL)
    with contextlib.suppress(BaseException):  # the kernels this worker started, in sessions of their own
        stop_processes(grace=0)
    os._exit(1)


def _tree(processes: Iterable) -> dict:
    """``processes`` and all their descendants, by process id."""
    import psutil

    found = {}
    for process in processes:
        found[process.pid] = process
        with contextlib.suppress(psutil.Error):
            for child in process.children(recursive=True):
                found[child.pid] = child
    return found


def _connection_file(process) -> Path | None:
    """The connection file of a kernel process (``... ipykernel_launcher -f FILE.json``), or None."""
    import psutil

    try:
        args = process.cmdline()
    except psutil.Error:
        return None
    if not any("ipykernel" in a for a in args) or "-f" not in args[:-1]:
        return None
    path = Path(args[args.index("-f") + 1])
    return path if path.suffix == ".json" else None


def stop_processes(pids: Iterable[int] | None = None, *, grace: float = GRACE) -> int:
    """Stop the processes ``pids`` and all their descendants (``None``: every descendant of this process).

    Returns how many processes were stopped. ``grace=0`` kills at once, for a
    second signal while stopping. Never raises for a process that has already
    gone; this process itself is never stopped.
    """
    import psutil

    me = psutil.Process()
    if pids is None:
        top = [me]
    else:
        top = []
        for pid in pids:
            with contextlib.suppress(psutil.Error):
                top.append(psutil.Process(pid))
    frozen: dict = {}
    for _ in range(20):  # until a look finds nothing new; a frozen process starts nothing
        new = {pid: p for pid, p in _tree([*top, *frozen.values()]).items() if pid != me.pid and pid not in frozen}
        if not new:
            break
        for process in new.values():
            with contextlib.suppress(psutil.Error):
                if grace > 0:
                    process.suspend()
                else:
                    process.kill()
        frozen.update(new)
    processes = list(frozen.values())
    files = [f for f in map(_connection_file, processes) if f is not None]
    left = processes
    if grace > 0:
        for process in processes:
            with contextlib.suppress(psutil.Error):
                process.terminate()
                process.resume()
        left = _wait(processes, grace)
    for process in left:
        with contextlib.suppress(psutil.Error):
            process.kill()
    _wait(left, max(grace, 1.0))
    for path in files:
        with contextlib.suppress(OSError):
            os.unlink(path)
    return len(processes)


def _wait(processes: list, timeout: float) -> list:
    """Wait until every process has ended or ``timeout`` passed; return those still running.

    A process that has ended but not been reaped (a zombie) counts as ended, and
    is left to its parent to reap: ``psutil.wait_procs`` would reap this
    process's own children, and a pool that then asks after its worker would
    never learn that it ended (and wait for it for ever).
    """
    deadline = time.monotonic() + timeout
    running = alive(processes)
    while running and time.monotonic() < deadline:
        time.sleep(0.02)
        running = alive(running)
    return running


def alive(processes: Iterable) -> list:
    """The processes (``psutil.Process``) still running: not gone, not a zombie waiting to be reaped."""
    import psutil

    running = []
    for process in processes:
        with contextlib.suppress(psutil.Error):
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                running.append(process)
    return running
