"""SIGTERM and SIGINT stop a command cleanly: every process it started, its staging, one line, exit 128 + signal."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from concurrent.futures import Executor, Future
from pathlib import Path

import nbformat
import psutil
import pytest
from compare import assert_same
from partnership import NOTEBOOKS

from analysis.errors import Interrupted
from analysis.pipeline import interrupt
from analysis.pipeline.execute import NotebookJob, execute_all
from analysis.pipeline.processes import _connection_file, alive, stop_processes

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from generate import generate

ROOT = Path(__file__).resolve().parents[1]
Q = "2015-16-Q1"
EXIT = {"SIGINT": 130, "SIGTERM": 143}


def send(proc: subprocess.Popen, how: str) -> str:
    """Signal the command as a user or a service would; return the signal's name.

    ``ctrl-c`` is SIGINT to the whole process group, as a terminal sends it.
    """
    if how == "ctrl-c":
        os.killpg(proc.pid, signal.SIGINT)
        return "SIGINT"
    name = how.removesuffix("-twice").upper()
    os.kill(proc.pid, getattr(signal, name))
    if how.endswith("-twice"):  # again while the first is being handled
        time.sleep(0.5)
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, getattr(signal, name))
    return name


def wait_for(condition, proc: subprocess.Popen, log: Path, seconds: float = 240) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if proc.poll() is not None:
            pytest.fail(f"the command ended ({proc.returncode}) before it could be signalled:\n{log.read_text()}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"gave up waiting after {seconds}s:\n{log.read_text()}")
        time.sleep(0.1)


# ---------------------------------------------------------------------------
# Any command: a stand-in that starts a worker (in the command's process group,
# ignoring SIGTERM for the second-signal case) and under it a "kernel" in a
# session of its own, as jupyter_client starts kernels. Quick: nothing is built.

PRETEND = textwrap.dedent(
    """
    import subprocess, sys, time
    import analysis.cli as cli

    WORKER = (
        "import signal, subprocess, sys, time\\n"
        "signal.signal(signal.SIGINT, signal.SIG_IGN)\\n"  # as pool workers do
        "if sys.argv[1] == 'stubborn': signal.signal(signal.SIGTERM, signal.SIG_IGN)\\n"
        "k = subprocess.Popen(['sleep', '300'], start_new_session=True)\\n"
        "print(k.pid, flush=True)\\n"
        "time.sleep(300)\\n"
    )

    def pretend(args):
        worker = subprocess.Popen(
            [sys.executable, "-c", WORKER, sys.argv[1]], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        print(worker.pid, worker.stdout.readline().strip(), flush=True)
        time.sleep(300)
        return 0

    cli.COMMANDS["validate"] = pretend
    sys.exit(cli.main(["validate"]))
    """
)


@pytest.mark.parametrize(
    "how,worker",
    [("sigterm", "plain"), ("sigint", "plain"), ("ctrl-c", "plain"), ("sigterm-twice", "stubborn")],
    ids=["sigterm", "sigint", "ctrl-c-to-the-group", "second-signal-while-stopping"],
)
def test_any_command_stopped_by_a_signal_leaves_no_process_and_prints_one_line(tmp_path, how, worker):
    log = tmp_path / "stderr"
    with log.open("w") as err:
        proc = subprocess.Popen(
            [sys.executable, "-c", PRETEND, worker],
            stdout=subprocess.PIPE, stderr=err, text=True, cwd=tmp_path, start_new_session=True,
        )  # fmt: skip
    assert proc.stdout is not None
    pids = [int(p) for p in proc.stdout.readline().split()]
    started = [psutil.Process(pid) for pid in pids]
    assert len(alive(started)) == 2, log.read_text()
    name = send(proc, how)
    assert proc.wait(timeout=60) == EXIT[name]
    assert log.read_text() == f"interrupted by {name}\n"
    assert not alive(started), "the worker and its kernel (in a session of its own) are stopped"


def test_stop_processes_reaches_a_kernel_in_its_own_session_and_removes_its_connection_file(tmp_path):
    connection = tmp_path / "kernel-1234.json"
    connection.write_text("{}")
    kernel = f"import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)', 'ipykernel_launcher', '-f', {str(connection)!r}], start_new_session=True); time.sleep(300)"
    worker = subprocess.Popen([sys.executable, "-c", kernel])
    try:
        deadline = time.monotonic() + 30
        while not psutil.Process(worker.pid).children() and time.monotonic() < deadline:
            time.sleep(0.05)
        tree = [psutil.Process(worker.pid), *psutil.Process(worker.pid).children(recursive=True)]
        assert len(tree) == 2 and _connection_file(tree[1]) == connection
        assert stop_processes([worker.pid]) == 2
        assert not alive(tree)
        assert not connection.exists()
    finally:
        worker.kill()
        worker.wait()


class Hanging(Executor):
    """An executor whose tasks never finish, like notebooks running on a cluster."""

    def __init__(self) -> None:
        self.futures: list[Future] = []

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        self.futures.append(future)
        return future


def test_a_stop_seen_by_a_build_all_thread_cancels_its_cluster_tasks(tmp_path):
    source = tmp_path / "probe.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    first = nbformat.v4.new_code_cell("x = 1")
    first.metadata["tags"] = ["parameters"]
    nb.cells = [first]
    nbformat.write(nb, source)
    jobs = [NotebookJob(f"n{i}.ipynb", source, {"x": i}) for i in range(3)]
    cluster = Hanging()
    raised: list[BaseException] = []

    def run() -> None:
        try:
            execute_all(jobs, tmp_path / "out", workers=2, cache_dir=None, cwd=tmp_path, executor=cluster)
        except BaseException as err:
            raised.append(err)

    interrupt.reset()
    thread = threading.Thread(target=run)
    thread.start()
    try:
        while len(cluster.futures) < 3 and thread.is_alive():
            time.sleep(0.01)
        assert len(cluster.futures) == 3, raised
        interrupt.request(signal.SIGTERM)  # what the handler does first, in the main thread
        thread.join(timeout=10)
        assert not thread.is_alive()
        assert len(raised) == 1 and isinstance(raised[0], Interrupted) and raised[0].signum == signal.SIGTERM
        assert all(f.cancelled() for f in cluster.futures)
        assert interrupt.summary(signal.SIGTERM, "build-all").startswith("interrupted by SIGTERM: stopped 3 notebooks;")
    finally:
        interrupt.reset()


# ---------------------------------------------------------------------------
# A real build, on a small partnership: the dashboard and the strategic
# assessment are replaced (through CSP_REPORT_ROOT) by notebooks that say they
# have started and then wait, so the signal arrives while both pool workers
# and their kernels are busy and the other notebooks are still queued.

SLOW_NOTEBOOKS = ("dashboard", "strategic-assessment")


def slow_project(tmp_path: Path) -> tuple[Path, Path]:
    """A project root whose slow notebooks touch ``<markers>/<name>`` when they start; returns both folders."""
    project, markers = tmp_path / "project", tmp_path / "started"
    markers.mkdir()
    shutil.copytree(ROOT / "notebooks", project / "notebooks")
    for name in SLOW_NOTEBOOKS:
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        parameters = nbformat.v4.new_code_cell('quarter = ""\nprocessed_dir = ""')
        parameters.metadata["tags"] = ["parameters"]
        wait = f"import pathlib, time\npathlib.Path({str(markers / name)!r}).touch()\ntime.sleep(600)"
        nb.cells = [parameters, nbformat.v4.new_code_cell(wait)]
        nbformat.write(nb, project / "notebooks" / f"{name}.ipynb")
    return project, markers


def published(out: Path) -> dict[str, bytes]:
    """The published quarter, every file's bytes (links followed), and the home page."""
    files = {"_site/index.html": (out / "_site" / "index.html").read_bytes()}
    for top in (f"data/processed/{Q}", f"reports/{Q}", f"_site/{Q}"):
        for folder, _, names in os.walk(out / top, followlinks=True):
            for name in names:
                path = Path(folder) / name
                files[path.relative_to(out).as_posix()] = path.read_bytes()
    return files


@pytest.fixture(scope="module")
def earlier_build(small_partnership: Path, small_build: Path) -> tuple[Path, Path]:
    """A partnership and its quarter built and published once, for the interrupted builds: the session's small one."""
    return small_partnership, small_build


@pytest.fixture
def start(tmp_path: Path):
    """Start ``csp-report`` in a session of its own with the slow project; stop whatever is left at the end."""
    started: list[subprocess.Popen] = []

    def run(project: Path, *args: str) -> tuple[subprocess.Popen, Path]:
        log = tmp_path / "stderr"
        with log.open("w") as err:
            proc = subprocess.Popen(
                [sys.executable, "-m", "analysis.cli", *args],
                stdout=subprocess.DEVNULL, stderr=err, cwd=tmp_path, start_new_session=True,
                env={**os.environ, "CSP_REPORT_ROOT": str(project)},
            )  # fmt: skip
        started.append(proc)
        return proc, log

    yield run
    for proc in started:  # a failed test must not leave a build running
        if proc.poll() is None:
            stop_processes([proc.pid], grace=0)
            proc.wait()


def busy_build(earlier_build, start, tmp_path: Path, kernel: str) -> tuple:
    """A build of the earlier one's copy with both pool workers and their kernels busy on slow notebooks.

    Returns the data and output folders, what was published before, the process, its log and its processes.
    """
    data, built = earlier_build
    out = tmp_path / "out"
    shutil.copytree(built, out, symlinks=True)
    before = published(out)
    project, markers = slow_project(tmp_path)
    proc, log = start(
        project, "build", "--data", str(data), "--out", str(out), "--quarter", Q,
        "--jobs", "2", "--kernel", kernel, "--renderer", "builtin", "--force",
    )  # fmt: skip
    wait_for(lambda: all((markers / n).exists() for n in SLOW_NOTEBOOKS), proc, log)
    started = psutil.Process(proc.pid).children(recursive=True)
    kernels = [k for k in started if _connection_file(k) is not None]
    assert len(started) >= 4 and len(kernels) == 2, "two pool workers, each with a kernel"
    return data, out, before, proc, log, started


@pytest.mark.slow
@pytest.mark.parametrize(
    "kernel,how",
    [("warm", "sigterm"), ("fresh", "sigterm"), ("warm", "ctrl-c"), ("fresh", "ctrl-c")],
    ids=["warm-sigterm", "fresh-sigterm", "warm-ctrl-c", "fresh-ctrl-c"],
)
def test_a_signal_stops_a_build_with_its_workers_and_kernels_and_publishes_nothing(
    earlier_build, start, tmp_path, kernel, how
):
    _, out, before, proc, log, started = busy_build(earlier_build, start, tmp_path, kernel)
    connection_files = [f for f in map(_connection_file, started) if f is not None]
    name = send(proc, how)
    assert proc.wait(timeout=120) == EXIT[name], log.read_text()
    text = log.read_text()
    stopped = len(NOTEBOOKS)  # two running, the others queued
    assert (
        text.splitlines()[-1]
        == f"interrupted by {name}: stopped {stopped} notebooks; the published report is unchanged"
    )
    assert "Traceback" not in text, text
    assert not alive(started), "no pool worker or kernel outlives the build"
    assert not any(f.exists() for f in connection_files), "the kernels' connection files are removed"
    assert not list(out.glob(".csp-build-*")), "the staging folder is removed"
    assert_same(published(out), before, "the published report")


@pytest.mark.slow
def test_sigterm_stops_build_all_on_a_dask_cluster_it_started(start, tmp_path):
    root = tmp_path / "area"
    generate(root / "Echo Bay", 1, seed=5, name="Echo Bay")
    out = tmp_path / "out"
    project, markers = slow_project(tmp_path)
    proc, log = start(
        project, "build-all", "--data-root", str(root), "--out", str(out), "--quarter", Q,
        "--executor", "dask", "--renderer", "builtin",
    )  # fmt: skip
    wait_for(lambda: all((markers / n).exists() for n in SLOW_NOTEBOOKS), proc, log)
    started = psutil.Process(proc.pid).children(recursive=True)
    assert len([k for k in started if _connection_file(k) is not None]) == 2, "a kernel on each Dask worker"
    name = send(proc, "sigterm")
    assert proc.wait(timeout=120) == EXIT[name], log.read_text()
    text = log.read_text()
    assert text.splitlines()[-1].startswith("interrupted by SIGTERM: stopped "), text
    assert text.splitlines()[-1].endswith(" notebooks; the published reports are unchanged"), text
    assert "Traceback" not in text, text
    assert not alive(started), "no Dask worker or kernel outlives the build"
    assert not list(out.glob(".csp-build-*"))
    assert not (out / "_site" / "echo-bay").exists(), "nothing is published"


# ---------------------------------------------------------------------------
# kill -9 of the main process: nothing can stop the tree, so each process ends itself when its parent is gone


@pytest.mark.slow
@pytest.mark.parametrize("kernel", ["warm", "fresh"])
def test_a_build_killed_with_sigkill_leaves_no_process_and_no_lock(earlier_build, start, tmp_path, kernel):
    data, out, before, proc, _, started = busy_build(earlier_build, start, tmp_path, kernel)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 5
    while alive(started) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(started), "no pool worker or kernel outlives the killed build by more than a few seconds"
    assert published(out) == before
    mine = [out / ".env.old-2024", out / "_site" / ".drafts.link-ideas"]  # the user's, looking like leftovers
    mine[0].write_text("SECRET=1\n")
    mine[1].mkdir()
    # the next build finds the folder free (--no-wait) and cleans what the killed one left, and only that
    again = subprocess.run(
        [sys.executable, "-m", "analysis.cli", "build", "--data", str(data), "--out", str(out), "--quarter", Q,
         "--jobs", "2", "--renderer", "builtin", "--no-wait"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert f"Cleaned up what earlier commands left in {out}: 1 staging folder." in again.stderr
    assert not list(out.glob(".csp-build-*"))
    assert mine[0].read_text() == "SECRET=1\n" and mine[1].is_dir()
