"""Execute the quarter's notebooks with papermill, in separate processes, with a data-aware cache.

Papermill is not safe in threads, so notebooks run in worker processes
(``--jobs`` at a time). With ``kernel="warm"`` (the default) each worker keeps
one long-lived kernel and gives every notebook a fresh namespace on it
(:mod:`analysis.pipeline.kernels`); with ``kernel="fresh"`` each notebook
starts its own kernel. Both give the same executed notebooks, so the cache
key does not depend on the choice. A notebook is executed again
only when its source, its parameters, the processed data it reads, the
project's code or the installed packages changed, or when its cached copy fails
the checks of :mod:`analysis.pipeline.cache`; otherwise the executed copy from
the cache is reused.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import multiprocessing
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from analysis.errors import Interrupted
from analysis.pipeline import interrupt
from analysis.pipeline.cache import cache_notebook, cached_notebook
from analysis.pipeline.processes import end_with_parent

KERNEL_MODES = ("warm", "fresh")
DEFAULT_KERNEL = "warm"
POLL = 0.25  # seconds between looks at the stop flag while notebooks run


@dataclass(frozen=True)
class NotebookJob:
    """One notebook to execute: where from, where to, with which parameters."""

    name: str  # path inside reports/<quarter>/, e.g. measures/asb-incidents.ipynb
    source: Path
    parameters: dict
    data: bytes = b""  # the processed data this notebook reads, for the cache key
    key_parameters: dict = field(default_factory=dict)  # parameters as published (no staging paths)

    def cache_key(self, environment: str) -> str:
        digest = hashlib.sha256()
        for part in (
            self.source.read_bytes(),
            json.dumps(self.key_parameters or self.parameters, sort_keys=True).encode(),
            self.data,
            environment.encode(),
        ):
            digest.update(hashlib.sha256(part).digest())
        return digest.hexdigest()


@dataclass(frozen=True)
class NotebookResult:
    """How one notebook went."""

    name: str
    ok: bool
    seconds: float
    cached: bool = False
    error: str = ""


@lru_cache(maxsize=1)
def environment_fingerprint() -> str:
    """A digest of the Python version, every installed package's version and the project's code.

    The project is installed in editable mode, so its version number does not
    change when its code does: its source files are hashed as well.
    """
    digest = hashlib.sha256(sys.version.encode())
    versions = sorted(
        {f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions() if d.metadata["Name"]}
    )  # once each, however often sys.path shows it
    digest.update("\n".join(versions).encode())
    package = Path(__file__).resolve().parents[1]
    for path in sorted(package.rglob("*")):
        if (
            path.is_file()
            and path.suffix in (".py", ".j2", ".css", ".tpl", ".json")
            and "__pycache__" not in path.parts
        ):
            digest.update(path.relative_to(package).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _quiet_worker() -> None:
    """Start a pool worker: quiet, and stopped by the build rather than by signals of its own.

    Kernels' start-up chatter is kept off the terminal; errors come back in the
    results. Ctrl-C reaches the whole process group, workers included: they
    ignore it, and the build stops them (:mod:`analysis.pipeline.interrupt`).
    SIGTERM ends a worker at once, not through the build's handler, which a
    forked worker would otherwise inherit.
    """
    import os
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)


def _completed(futures: Iterable[Future]) -> Iterator[Future]:
    """Each future as it completes, like ``as_completed``, looking at the stop flag in between.

    A signal interrupts the main thread wherever it is; a ``build-all`` thread
    waiting here sees it within :data:`POLL` seconds.
    """
    waiting = set(futures)
    while waiting:
        done, waiting = wait(waiting, timeout=POLL, return_when=FIRST_COMPLETED)
        yield from done
        interrupt.check()


def _stop(pool: ProcessPoolExecutor | None, futures: Iterable[Future], unfinished: int, err: BaseException) -> None:
    """Stop the notebooks still to run when executing them ends early (a signal, Ctrl-C, a broken pool).

    Queued notebooks are cancelled (on a Dask cluster, running ones too); a local
    ``pool`` is stopped at once with its workers' kernels, so that none of them
    writes into the staging folder while it is removed. Raises
    :class:`~analysis.errors.Interrupted` for a worker that failed because the
    command is stopping.
    """
    if pool is not None:
        close_pool(pool)
    else:
        for future in futures:
            future.cancel()
    if interrupt.requested() or isinstance(err, (Interrupted, KeyboardInterrupt)):
        interrupt.note_stopped(unfinished)
    if interrupt.requested() and not isinstance(err, Interrupted):
        raise Interrupted(interrupt.signal_number()) from err


def close_pool(pool: ProcessPoolExecutor) -> None:
    """Stop a local pool at once, with its workers' kernels (nothing it runs writes anything after this)."""
    from analysis.pipeline.processes import stop_processes

    workers = [p.pid for p in (getattr(pool, "_processes", None) or {}).values()]
    pool.shutdown(wait=False, cancel_futures=True)  # its own thread cancels what is queued
    stop_processes(workers)


@contextlib.contextmanager
def early_pool(workers: int, launch_dir: Path) -> Iterator[ProcessPoolExecutor]:
    """A local pool whose ``workers`` start their warm kernels now, while the command still computes the tables.

    Give it to :func:`execute_all` as ``pool``; if the command ends before that, the pool is stopped here.
    Starting a kernel and importing what the notebooks use takes seconds of each worker's time, which
    would otherwise wait for the tables.
    """
    end_with_parent()
    pool = ProcessPoolExecutor(
        max_workers=max(1, workers), mp_context=multiprocessing.get_context("fork"), initializer=_quiet_worker
    )
    try:
        environment = environment_fingerprint()
        for _ in range(max(1, workers)):  # each worker is busy seconds with one: the next goes to another worker
            pool.submit(_warm_kernel, environment, str(launch_dir))
        yield pool
    except BaseException:
        close_pool(pool)
        raise


def _warm_kernel(environment: str, cwd: str) -> None:
    """Start this worker's warm kernel (in a worker process); a kernel that cannot start says why at its first notebook."""
    from analysis.pipeline.kernels import worker_kernel

    with contextlib.suppress(Exception):
        worker_kernel("python3", environment, cwd)


def check_parameters(job: NotebookJob) -> str:
    """An error message when the notebook does not declare every parameter passed; else ``""``.

    Papermill only warns about an unknown parameter, which would silently run
    the notebook on its defaults.
    """
    import papermill

    declared = set(papermill.inspect_notebook(str(job.source)))
    unknown = sorted(set(job.parameters) - declared)
    if unknown:
        return f"{job.source.name} has no parameter {', '.join(unknown)} in its cell tagged 'parameters'"
    return ""


def _execute(
    source: str, output: str, parameters: dict, cwd: str, environment: str = "", timeout: float | None = None
) -> tuple[bool, str, float]:
    """Run one notebook with papermill on a kernel of its own (in a worker process); never raises."""
    import logging

    import papermill

    logging.getLogger("papermill").setLevel(logging.WARNING)
    start = time.perf_counter()
    try:
        papermill.execute_notebook(
            source,
            output,
            parameters=parameters,
            kernel_name="python3",
            progress_bar=False,
            log_output=False,
            cwd=cwd,
            execution_timeout=timeout,
        )
    except Exception as err:  # a failed notebook is reported, not raised: the others go on
        _raise_if_environment(err, output)
        return False, _failure(err), time.perf_counter() - start
    return True, "", time.perf_counter() - start


_ENVIRONMENT = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC), errno.EROFS}


def _raise_if_environment(err: BaseException, output: str) -> None:
    """Raise a full disk (or a read-only one) met while executing a notebook as the ``OSError`` of its output.

    It is the machine's failure, not the notebook's: the command stops with
    exit 3 and one line naming the file it could not write, rather than
    reporting the notebook as failed.
    """
    seen: BaseException | None = err
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno in _ENVIRONMENT:
            raise OSError(seen.errno, seen.strerror, seen.filename or output) from None
        seen = seen.__cause__ or seen.__context__


def _failure(err: BaseException) -> str:
    message = getattr(err, "evalue", "") or str(err).strip().splitlines()[-1:] or [type(err).__name__]
    ename = getattr(err, "ename", type(err).__name__)
    text = message if isinstance(message, str) else message[0]
    return f"{ename}: {text}"


def _execute_warm(
    source: str, output: str, parameters: dict, cwd: str, environment: str = "", timeout: float | None = None
) -> tuple[bool, str, float]:
    """Run one notebook on this worker's warm kernel (in a worker process); never raises.

    A kernel that dies or times out is replaced, and the notebook executed once
    more on the new kernel.
    """
    import logging

    import papermill

    from analysis.pipeline.kernels import is_kernel_failure, worker_kernel

    logging.getLogger("papermill").setLevel(logging.WARNING)
    start = time.perf_counter()
    replace = False
    for attempt in (1, 2):
        try:
            kernel = worker_kernel("python3", environment, cwd, replace=replace)
            kernel.prepare(cwd)
            papermill.execute_notebook(
                source,
                output,
                parameters=parameters,
                kernel_name="python3",
                engine_name="warm",
                progress_bar=False,
                log_output=False,
                cwd=cwd,
                execution_timeout=timeout,
                warm_kernel=kernel,
            )
        except Exception as err:
            if is_kernel_failure(err):
                replace = True
                if attempt == 1:
                    continue
            _raise_if_environment(err, output)
            return False, _failure(err), time.perf_counter() - start
        return True, "", time.perf_counter() - start
    raise AssertionError("unreachable")


def _relocate(path: Path, replacements: dict[str, str]) -> None:
    """Record the published paths, not the staging ones, in an executed notebook's parameters."""
    if not replacements:
        return
    text = path.read_text(encoding="utf-8")
    for old, new in replacements.items():
        text = text.replace(json.dumps(old)[1:-1], json.dumps(new)[1:-1])
    path.write_text(text, encoding="utf-8")


def _local_pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        max_workers=workers, mp_context=multiprocessing.get_context("fork"), initializer=_quiet_worker
    )


def _from_cache(
    jobs: list[NotebookJob],
    reports_dir: Path,
    cache_dir: Path | None,
    environment: str,
    record: Callable[[NotebookResult], None],
) -> list[tuple[NotebookJob, str]]:
    """Copy each job's cached notebook into ``reports_dir`` (checked first: :mod:`analysis.pipeline.cache`);
    the jobs still to run, with their cache keys."""
    pending = []
    for job in jobs:
        key = job.cache_key(environment)
        target = reports_dir / job.name
        target.parent.mkdir(parents=True, exist_ok=True)
        cached = None
        if cache_dir is not None:
            cached = cached_notebook(cache_dir, key, job.name, job.key_parameters or job.parameters)
        if cached is not None:
            target.write_bytes(cached)
            record(NotebookResult(job.name, True, 0.0, cached=True))
        else:
            pending.append((job, key))
    return pending


def _refused(job: NotebookJob, record: Callable[[NotebookResult], None]) -> bool:
    """Whether the job is refused before it runs (a parameter its notebook does not declare), recorded as failed."""
    problem = check_parameters(job)
    if problem:
        record(NotebookResult(job.name, False, 0.0, error=problem))
    return bool(problem)


def _run(
    pending: list[tuple[NotebookJob, str]],
    pool: Executor,
    run: Callable[..., tuple[bool, str, float]],
    where: tuple[str, str, float | None],
    reports_dir: Path,
    cache_dir: Path | None,
    replacements: dict[str, str] | None,
    record: Callable[[NotebookResult], None],
    owned: bool,
) -> None:
    """Run the pending notebooks on ``pool``, recording each as it finishes and caching those that succeed.

    ``where`` is the working folder, the environment's fingerprint and the cell
    timeout each notebook runs with. Ended early (a signal, a broken pool), the
    notebooks still to run are stopped (:func:`_stop`): an ``owned`` local pool at
    once, with its kernels.
    """
    futures: dict[Future, tuple[NotebookJob, str]] = {}
    done = 0
    try:
        futures = {
            pool.submit(run, str(job.source), str(reports_dir / job.name), job.parameters, *where): (job, key)
            for job, key in pending
        }
        for future in _completed(futures):
            job, key = futures[future]
            ok, error, seconds = future.result()
            target = reports_dir / job.name
            if target.exists():
                _relocate(target, replacements or {})
            if ok and cache_dir is not None:
                cache_notebook(cache_dir, key, job.name, target)
            record(NotebookResult(job.name, ok, seconds, error=error))
            done += 1
    except BaseException as err:
        _stop(pool if owned else None, futures, len(futures) - done, err)
        raise


def execute_all(
    jobs: Iterable[NotebookJob],
    reports_dir: Path,
    *,
    workers: int,
    cache_dir: Path | None,
    force: bool = False,
    replacements: dict[str, str] | None = None,
    cwd: Path,
    progress: Callable[[NotebookResult, int, int], None] | None = None,
    executor: Executor | None = None,
    kernel: str = DEFAULT_KERNEL,
    timeout: float | None = None,
    pool: ProcessPoolExecutor | None = None,
) -> list[NotebookResult]:
    """Execute every job into ``reports_dir``, reusing cached notebooks unless ``force``.

    Notebooks run in a local pool of ``workers`` processes, or on ``executor``
    when one is given (such as a Dask cluster's, whose workers share the file system).
    ``kernel`` is ``warm`` (one long-lived kernel per worker) or ``fresh`` (a
    kernel per notebook); ``timeout`` bounds each cell, in seconds. ``pool`` is a
    local pool started already (:func:`early_pool`), used instead of a new one and
    shut down here in the same way.
    """
    if kernel not in KERNEL_MODES:
        raise ValueError(f"kernel must be one of {', '.join(KERNEL_MODES)}, not {kernel!r}")
    end_with_parent()  # the workers (and the page renderers after them) end when this process does, however it ends
    jobs = list(jobs)
    environment = environment_fingerprint()
    results: list[NotebookResult] = []

    def record(result: NotebookResult) -> None:
        results.append(result)
        if progress:
            progress(result, len(results), len(jobs))

    pending = _from_cache(jobs, reports_dir, None if force else cache_dir, environment, record)
    pending = [(job, key) for job, key in pending if not _refused(job, record)]
    if pending:
        interrupt.check()
        owned = executor is None
        pool = executor or pool or _local_pool(max(1, min(workers, len(pending))))
        try:
            run = _execute_warm if kernel == "warm" else _execute
            where = (str(cwd), environment, timeout)
            _run(pending, pool, run, where, reports_dir, cache_dir, replacements, record, owned)
        finally:
            if owned:
                pool.shutdown()
    elif pool is not None:  # every notebook came from the cache: its kernels are not needed
        close_pool(pool)
    order = {job.name: i for i, job in enumerate(jobs)}
    return sorted(results, key=lambda r: order[r.name])
