"""Warm kernels: one long-lived kernel per worker, a fresh namespace for every notebook.

A notebook's own work takes a fraction of a second; starting a kernel and
importing pandas, scipy and Altair, and drawing the first chart with
vl-convert, takes seconds. With ``--kernel warm`` each worker process (a local
pool process or a Dask worker) starts one kernel, does those imports and draws
one chart once, and then executes its notebooks on it through papermill (the
``warm`` engine, registered under the ``papermill.engine`` entry point group).

Before each notebook the kernel is put back to the state a fresh kernel would
be in: the user namespace is emptied and the execution count set back to 1
(``InteractiveShell.reset(new_session=True)``), and the earlier notebooks'
cell sources (kept for the input history and for tracebacks) are dropped, so
the kernel does not grow with the notebooks it has run; modules imported since the
warm-up from outside the Python installation (the notebook's own modules) are
forgotten; ``sys.path``, ``os.environ`` (and the time zone), the warning filters
and the warnings already shown, pandas' and NumPy's options, Altair's theme, data
transformer and renderer, the builtins, ``sys.stdout`` and its siblings, the
recursion limit, the decimal context and the root logger are restored; the
global random generators are seeded afresh; and the working directory is the
notebook's. The modules imported during the warm-up stay loaded: that is the
point. Module level caches in :mod:`analysis` are keyed by what they read (see
``tests/test_kernels.py``), so none carries one notebook's data into another.

A forked process (a pool worker started by a process that holds a kernel)
starts with no kernel: it never stops or signals one its parent is using.

A kernel that dies or times out is shut down and replaced, and its notebook is
executed once more on the new kernel. ``--kernel fresh`` starts a kernel per
notebook, as papermill does by default.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any

# Run once in a new kernel: every module of the package a notebook can reach (an
# editable install's modules imported later would be forgotten and imported again
# after every notebook), the libraries they use, and one chart, so vl-convert's
# engine is started. Nothing it defines survives: the namespace is reset before each notebook.
WARM_UP = """
import importlib, pkgutil
import analysis.core, analysis.method, analysis.processed, analysis.report
for _package in (analysis.core, analysis.method, analysis.processed, analysis.report):
    for _module in pkgutil.iter_modules(_package.__path__, _package.__name__ + "."):
        importlib.import_module(_module.name)
import pandera.pandas
import altair as _alt, pandas as _pd, scipy.stats as _stats
analysis.report.charts.to_svg(
    _alt.Chart(_pd.DataFrame({"x": [1, 2], "y": [1, 2]})).mark_line().encode(x="x:Q", y="y:Q")
)
"""

# Run once after the warm-up: what a notebook may change and the next must not see.
SNAPSHOT = """
def __csp_snapshot():
    import builtins, copy, decimal, gc, logging, os, sys, types, warnings
    import numpy
    from altair.utils.plugin_registry import PluginRegistry
    state = types.ModuleType("__csp_warm_state__")
    state.modules = set(sys.modules) | {{"__csp_warm_state__"}}
    state.path = list(sys.path)
    state.environ = dict(os.environ)
    state.filters = list(warnings.filters)
    state.launch_dir = {launch_dir!r}
    roots = {{os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix)}}
    state.roots = tuple(sorted(roots))
    try:
        from pandas._config import config as _config
        state.pandas = copy.deepcopy(_config._global_config)
    except Exception:
        state.pandas = None
    state.builtins = dict(vars(builtins))
    state.streams = (sys.stdout, sys.stderr, sys.stdin, sys.displayhook, sys.excepthook)
    state.recursion = sys.getrecursionlimit()
    state.decimal = decimal.getcontext().copy()
    state.numpy = (numpy.get_printoptions(), numpy.geterr())
    state.logging = (logging.root.level, list(logging.root.handlers), logging.root.manager.disable)
    registries = {{}}
    for name in [m for m in sys.modules if m == "altair" or m.startswith("altair.")]:
        for value in list(vars(sys.modules[name]).values()):
            if isinstance(value, PluginRegistry):
                registries[id(value)] = value
    state.altair = [(r, r.active, dict(r.options)) for r in registries.values()]
    sys.modules["__csp_warm_state__"] = state
    gc.collect()
    gc.freeze()  # what the warm-up made stays: the collection run by every reset need not walk it again
__csp_snapshot()
del __csp_snapshot
"""

# Run before every notebook: the state of a fresh kernel started in ``cwd``. What a fresh kernel draws at random
# (the seeds of ``random`` and NumPy's global generator) is drawn again.
PREPARE = """
def __csp_prepare(cwd):
    import builtins, decimal, logging, os, random, sys, time, warnings
    import numpy
    state = sys.modules["__csp_warm_state__"]
    for name in [m for m in sys.modules if m not in state.modules]:
        where = getattr(sys.modules.get(name), "__file__", None)
        if where and not os.path.realpath(where).startswith(state.roots):
            del sys.modules[name]
    sys.path[:] = [cwd if p == state.launch_dir else p for p in state.path]
    os.environ.clear()
    os.environ.update(state.environ)
    time.tzset()  # the C library's time zone follows TZ only when told
    warnings.filters[:] = state.filters
    warnings.onceregistry.clear()  # "once" warnings are shown again, as in a new process
    getattr(warnings, "_filters_mutated", lambda: None)()  # and the "default" ones: every module's registry is stale
    if state.pandas is not None:
        import copy
        from pandas._config import config as _config
        _config._global_config.clear()
        _config._global_config.update(copy.deepcopy(state.pandas))
    kept = vars(builtins)
    for name in [n for n in kept if n not in state.builtins]:
        del kept[name]
    kept.update(state.builtins)
    sys.stdout, sys.stderr, sys.stdin, sys.displayhook, sys.excepthook = state.streams
    sys.setrecursionlimit(state.recursion)
    decimal.setcontext(state.decimal.copy())
    numpy.set_printoptions(**state.numpy[0])
    numpy.seterr(**state.numpy[1])
    random.seed()
    numpy.random.seed()
    logging.root.setLevel(state.logging[0])
    logging.root.handlers[:] = state.logging[1]
    logging.disable(state.logging[2])
    for registry, active, options in state.altair:
        if registry.active != active or registry.options != options:
            registry.enable(active, **options)
    os.chdir(cwd)
    shell = get_ipython()
    shell.reset(new_session=True)
    history = shell.history_manager  # it writes nothing (KERNEL_OPTIONS), so what it kept for writing goes
    history.db_input_cache.clear()
    history.db_output_cache.clear()
    import linecache
    cells = getattr(shell.compile, "_filename_map", {{}})  # each cell's source, kept for tracebacks
    for name in list(cells):
        linecache.cache.pop(name, None)
    cells.clear()
__csp_prepare({cwd!r})
"""


# Notebooks a warm kernel runs before it is replaced by a new one. After its first round a kernel's memory still
# grows by about 0.06 MB a notebook (not IPython's history, nor cells kept for tracebacks, nor freed memory the
# allocators keep: see docs/scale.md), so a kernel that ran a national quarter's share would keep growing; a new
# kernel costs about 4 s of CPU, 0.02 s a notebook at this rate, and bounds it at about 12 MB.
NOTEBOOKS_PER_KERNEL = 200

# A warm kernel keeps no input history: IPython would write every cell of every notebook to its SQLite
# file from a thread of its own, and keep each cell's source in memory until the next reset.
KERNEL_OPTIONS = ("--HistoryManager.enabled=False",)


class KernelLost(RuntimeError):
    """The kernel died or stopped answering; it is replaced and the notebook retried."""


@dataclass
class WarmKernel:
    """One long-lived kernel, warmed once, owned by one worker process."""

    kernel_name: str = "python3"
    key: str = ""  # the environment it was started in; another environment needs another kernel
    launch_dir: str = field(default_factory=os.getcwd)
    startup_timeout: float = 120.0
    km: Any = None
    started: float = 0.0
    notebooks: int = 0

    def start(self) -> WarmKernel:
        from jupyter_client.manager import KernelManager

        self.launch_dir = os.path.realpath(self.launch_dir)
        self.km = KernelManager(kernel_name=self.kernel_name)
        self.km.start_kernel(cwd=self.launch_dir, extra_arguments=list(KERNEL_OPTIONS))
        self.started = time.time()
        self.run(WARM_UP, timeout=self.startup_timeout)
        self.run(SNAPSHOT.format(launch_dir=self.launch_dir))
        return self

    @property
    def pid(self) -> int | None:
        provisioner = getattr(self.km, "provisioner", None)
        process = getattr(provisioner, "process", None)
        return getattr(process, "pid", None)

    def alive(self) -> bool:
        return self.km is not None and self.km.is_alive()

    def connection_info(self) -> dict:
        return self.km.get_connection_info(session=True)

    def run(self, code: str, timeout: float = 60.0) -> None:
        """Run code silently (no history, no execution count); raise when it fails."""
        from queue import Empty

        kc = self.km.blocking_client()
        kc.start_channels(shell=True, iopub=False, stdin=False, hb=False, control=False)
        try:
            msg_id = kc.execute(code, silent=True, store_history=False, allow_stdin=False)
            deadline = time.monotonic() + timeout
            while True:
                try:
                    reply = kc.get_shell_msg(timeout=min(1.0, max(0.01, deadline - time.monotonic())))
                except Empty:
                    if not self.alive():
                        raise KernelLost("the kernel died") from None
                    if time.monotonic() > deadline:
                        raise KernelLost(f"the kernel did not answer in {timeout:.0f}s") from None
                    continue
                if reply["parent_header"].get("msg_id") == msg_id:
                    break
        finally:
            kc.stop_channels()
        content = reply["content"]
        if content.get("status") != "ok":
            raise RuntimeError(f"{content.get('ename')}: {content.get('evalue')}")

    def prepare(self, cwd: str) -> None:
        """Put the kernel in a fresh kernel's state, working in ``cwd``."""
        if not self.alive():
            raise KernelLost("the kernel is not running")
        self.run(PREPARE.format(cwd=os.path.realpath(cwd)))
        self.notebooks += 1

    def shutdown(self) -> None:
        if self.km is None:
            return
        with contextlib.suppress(Exception):  # already dead: only its files are left to remove
            self.km.shutdown_kernel(now=True)
        with contextlib.suppress(Exception):
            self.km.cleanup_resources()
        self.km = None


# The worker's kernel: one per worker process (and thread, for a Dask worker with several).
_kernels: dict[int, WarmKernel] = {}
_lock = threading.Lock()
_finaliser_registered = False


def _forget_the_parents_kernels() -> None:
    """In a forked child: the parent's kernels are the parent's. The child starts its own, and never stops (or
    signals, or removes the files of) one its parent is using; its exit handlers are its own to register."""
    global _lock, _finaliser_registered
    _lock = threading.Lock()
    _kernels.clear()
    _finaliser_registered = False


os.register_at_fork(after_in_child=_forget_the_parents_kernels)


def _shutdown_all() -> None:
    with _lock:
        kernels = list(_kernels.values())
        _kernels.clear()
    for kernel in kernels:
        kernel.shutdown()


def _register_finaliser() -> None:
    """Shut the kernels down when the worker exits, pool process or not."""
    global _finaliser_registered
    if _finaliser_registered:
        return
    import atexit
    from multiprocessing import util

    atexit.register(_shutdown_all)
    util.Finalize(None, _shutdown_all, exitpriority=100)  # pool processes skip atexit
    _finaliser_registered = True


def worker_kernel(kernel_name: str, key: str, cwd: str, *, replace: bool = False) -> WarmKernel:
    """This worker's warm kernel for ``key``, started (or replaced) when needed: none yet, another environment,
    a dead kernel, or one that has run :data:`NOTEBOOKS_PER_KERNEL` notebooks."""
    ident = threading.get_ident()
    with _lock:
        kernel = _kernels.pop(ident, None)
    if kernel is not None and (
        replace
        or kernel.key != key
        or kernel.kernel_name != kernel_name
        or kernel.notebooks >= NOTEBOOKS_PER_KERNEL
        or not kernel.alive()
    ):
        kernel.shutdown()
        kernel = None
    if kernel is None:
        _register_finaliser()
        kernel = WarmKernel(kernel_name=kernel_name, key=key, launch_dir=cwd)
        try:
            kernel.start()
        except BaseException:
            kernel.shutdown()
            raise
    with _lock:
        _kernels[ident] = kernel
    return kernel


def current_kernel() -> WarmKernel | None:
    """The kernel this thread's worker holds, if any (for the benchmarks and tests)."""
    return _kernels.get(threading.get_ident())


def _client_class() -> type:
    from jupyter_client.asynchronous import AsyncKernelClient
    from nbclient.util import ensure_async, run_sync
    from papermill.clientwrap import PapermillNotebookClient

    class WarmNotebookClient(PapermillNotebookClient):
        """papermill's client, talking to a kernel it did not start and must not stop."""

        async def async_start_new_kernel_client(self):
            options = self.km.get_connection_info(session=True)  # the kernel's key and session
            kc = AsyncKernelClient(connection_file=self.km.connection_file, parent=self.km, **options)
            kc.start_channels()
            try:
                await ensure_async(kc.wait_for_ready(timeout=self.startup_timeout))
            except Exception as err:
                kc.stop_channels()
                raise KernelLost(f"the kernel did not answer: {err}") from err
            self.kc = kc
            self.kc.allow_stdin = False
            return kc

        # the base class binds its own coroutine here, so the override must be bound again
        start_new_kernel_client = run_sync(async_start_new_kernel_client)

    return WarmNotebookClient


_CLIENT: type | None = None


def _not_yet(**kwargs) -> None:
    """papermill's save after each cell, skipped: it re-validates and rewrites the whole notebook every time
    (a third of a short notebook's time); the notebook is written whole when papermill completes it, failed or not."""


def _make_engine() -> type:
    """The engine class, made on first use: papermill loads its entry point while it is being imported."""
    from papermill.engines import NBClientEngine

    class WarmEngine(NBClientEngine):
        """The papermill engine that executes on the worker's warm kernel (``engine_name="warm"``).

        Pass the kernel as ``warm_kernel=``; without one the worker's current kernel is used.
        """

        @classmethod
        def execute_managed_notebook(
            cls,
            nb_man,
            kernel_name,
            log_output=False,
            stdout_file=None,
            stderr_file=None,
            start_timeout=60,
            execution_timeout=None,
            warm_kernel: WarmKernel | None = None,
            **kwargs,
        ):
            from papermill.engines import logger

            global _CLIENT
            kernel = warm_kernel or current_kernel()
            if kernel is None or not kernel.alive():
                raise KernelLost("no warm kernel is running in this worker")
            if _CLIENT is None:
                _CLIENT = _client_class()
            for name in ("input_path", "timeout", "startup_timeout"):
                kwargs.pop(name, None)
            client = _CLIENT(
                nb_man,
                km=kernel.km,
                timeout=execution_timeout,
                startup_timeout=start_timeout,
                kernel_name=kernel_name,
                log=logger,
                log_output=log_output,
                stdout_file=stdout_file,
                stderr_file=stderr_file,
                **kwargs,
            )
            save, nb_man.save = nb_man.save, _not_yet  # written once, when papermill completes the notebook
            try:
                return client.execute()
            finally:
                nb_man.save = save
                if client.kc is not None:
                    client.kc.stop_channels()
                    client.kc = None

    return WarmEngine


_ENGINE: type | None = None


def __getattr__(name: str):
    global _ENGINE
    if name == "WarmEngine":  # the entry point papermill.engine: warm
        if _ENGINE is None:
            _ENGINE = _make_engine()
        return _ENGINE
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def kernel_rss(kernel: WarmKernel | None = None) -> int | None:
    """The resident memory of a warm kernel's process, in bytes (None without psutil or kernel)."""
    kernel = kernel or current_kernel()
    if kernel is None or kernel.pid is None:
        return None
    try:
        import psutil
    except ImportError:
        return None
    try:
        return psutil.Process(kernel.pid).memory_info().rss
    except psutil.Error:
        return None


def is_kernel_failure(err: BaseException) -> bool:
    """Whether an error means the kernel (not the notebook's code) failed: a death or a timeout."""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    return isinstance(err, (KernelLost, DeadKernelError, CellTimeoutError, TimeoutError))
