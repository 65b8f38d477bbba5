"""SIGINT and SIGTERM stop a command cleanly: every process it started, its staging, one line, exit 128 + signal.

Without this a ``kill PID`` (or a service stop) ended only the ``csp-report``
process: its pool workers carried on with the queued notebooks into a staging
folder nobody would publish, and their kernels were left behind. Now
:func:`handle_signals` (entered by :func:`analysis.cli.main`) handles both
signals in the main thread:

1. The first signal is recorded (:func:`requested` turns true, for the threads
   of ``build-all`` to see), logging is silenced (a cluster that loses its
   workers has much to say), the hooks registered with :func:`on_stop` run (a
   Dask cluster the build started is told not to restart its workers), every
   process the command started is stopped
   (:func:`analysis.pipeline.processes.stop_processes`), and then
   :class:`~analysis.errors.Interrupted` is raised where the main thread was.
   Stopping the processes first means that no worker writes into the staging
   folder while it is being removed on the way out.
2. On the way up, each ``with`` block undoes its own work as for any
   exception: the notebook pool cancels what is queued (and counts the
   notebooks it stopped, :func:`note_stopped`), the staging folder is removed,
   the lock released. Nothing is published.
3. :func:`analysis.cli.main` stops anything still running, prints one line
   (:func:`summary`) and returns 128 + the signal's number: 130 for SIGINT,
   143 for SIGTERM, as a shell reports a command that a signal ended.

A second signal while stopping kills every process the command started at once
(``SIGKILL``) and raises nothing, so the clean-up under way is never cut short;
once the line is printed, both signals are ignored while the process exits.

Ctrl-C in a terminal sends SIGINT to the whole process group: pool workers
ignore it (see ``analysis.pipeline.execute``), and so do the workers of a Dask
cluster the build starts (this module is their preload, :func:`dask_setup`);
kernels run in sessions of their own and never see it. The ``csp-report``
process alone acts on it, as on SIGTERM.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from analysis.errors import Interrupted

SIGNALS = (signal.SIGINT, signal.SIGTERM)


@dataclass
class _State:
    signum: int | None = None
    stopped: int = 0  # notebooks stopped before they finished (running or waiting to run)
    built: list[str] = field(default_factory=list)  # what build-all finished before the signal
    hooks: list[Callable[[], None]] = field(default_factory=list)


_state = _State()
_lock = threading.Lock()
_requested = threading.Event()


def request(signum: int) -> None:
    """Ask the command to stop, as ``signum`` does: :func:`requested` turns true and :func:`check` raises."""
    _state.signum = signum
    _requested.set()


def requested() -> bool:
    """Whether a signal has asked the command to stop (for threads, which no signal interrupts)."""
    return _requested.is_set()


def check() -> None:
    """Raise :class:`~analysis.errors.Interrupted` when a signal has asked the command to stop.

    The main thread is interrupted wherever it is; another thread (a partnership
    of ``build-all``) calls this where stopping is safe and waiting would waste work.
    """
    if _requested.is_set():
        raise Interrupted(signal_number())


def signal_number() -> int:
    """The signal that asked the command to stop (SIGTERM when none did, for a stop asked otherwise)."""
    return _state.signum or signal.SIGTERM


def note_stopped(notebooks: int) -> None:
    """Count notebooks stopped before they finished, for the line printed at the end."""
    with _lock:
        _state.stopped += notebooks


def note_built(what: str) -> None:
    """Record a partnership's quarter that ``build-all`` finished before the signal."""
    with _lock:
        _state.built.append(what)


@contextlib.contextmanager
def on_stop(hook: Callable[[], None]) -> Iterator[None]:
    """Run ``hook`` (quick, and from the main thread) when a signal arrives, before the processes are stopped."""
    with _lock:
        _state.hooks.append(hook)
    try:
        yield
    finally:
        with _lock, contextlib.suppress(ValueError):
            _state.hooks.remove(hook)


def _handle(signum: int, frame) -> None:
    from analysis.pipeline.processes import stop_processes

    if _state.signum is not None:  # a second signal while stopping: no more waiting, and nothing cut short
        stop_processes(grace=0)
        return
    request(signum)
    logging.disable(logging.CRITICAL)
    for hook in reversed(list(_state.hooks)):
        with contextlib.suppress(Exception):
            hook()
    stop_processes()
    raise Interrupted(signum)


@contextlib.contextmanager
def handle_signals() -> Iterator[None]:
    """Handle SIGINT and SIGTERM as described above for the block (in the main thread; elsewhere it does nothing).

    After an interruption both signals are ignored from the end of the block:
    everything the command started has been stopped, and a signal while the
    process exits should change neither that nor its exit status (Python would
    put back the default handlers as it shuts down, but leaves ignored signals
    ignored). Otherwise the previous handlers are restored.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    import psutil  # noqa: F401  (loaded now, not in the handler)

    reset()
    previous = {s: signal.signal(s, _handle) for s in SIGNALS}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler if _state.signum is None else signal.SIG_IGN)


def reset() -> None:
    """Forget an earlier interruption (a new command in the same process, as in the tests)."""
    with _lock:
        _state.signum, _state.stopped, _state.built = None, 0, []
    _requested.clear()


def summary(signum: int, command: str) -> str:
    """The one line printed when a signal stopped ``command``.

    >>> summary(signal.SIGTERM, "validate")
    'interrupted by SIGTERM'
    >>> _state.stopped = 2
    >>> summary(signal.SIGTERM, "build")
    'interrupted by SIGTERM: stopped 2 notebooks; the published report is unchanged'
    >>> _state.built = ["alpha-town 2015-16-Q1"]
    >>> summary(signal.SIGINT, "build-all")
    'interrupted by SIGINT: stopped 2 notebooks; alpha-town 2015-16-Q1 had been built, the other published reports are unchanged'
    >>> reset()
    """
    name = signal.Signals(signum).name
    if command not in ("build", "build-all"):
        return f"interrupted by {name}"
    n = _state.stopped
    text = f"interrupted by {name}: stopped {n} notebook{'' if n == 1 else 's'}; "
    if command == "build":
        return text + "the published report is unchanged"
    if not _state.built:
        return text + "the published reports are unchanged"
    return text + f"{', '.join(_state.built)} had been built, the other published reports are unchanged"


def dask_setup(worker) -> None:
    """Preload of the Dask workers a build starts: Ctrl-C reaches their process group, and the build stops them."""
    with contextlib.suppress(ValueError):  # only the main thread may set a handler
        signal.signal(signal.SIGINT, signal.SIG_IGN)
