"""Warm kernels give the same notebooks as fresh ones; a dead kernel is replaced; an unchanged rebuild is free."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from compare import assert_same, assert_same_files, notebook_contents
from partnership import NOTEBOOKS

from analysis.cli import _parser
from analysis.pipeline.execute import _execute, _execute_warm, environment_fingerprint

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "raw"
QUARTER = "2015-16-Q1"


def write_notebook(path: Path, parameters: str, *cells: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    first = nbformat.v4.new_code_cell(parameters)
    first.metadata["tags"] = ["parameters"]
    nb.cells = [first, *(nbformat.v4.new_code_cell(c) for c in cells)]
    nbformat.write(nb, path)
    return path


@pytest.mark.parametrize("command", ["build", "build-all"], ids=["build", "build-all"])
@pytest.mark.parametrize("flag,expected", [([], "warm"), (["--kernel", "fresh"], "fresh"),
                                           (["--kernel", "warm"], "warm")], ids=["default", "fresh", "warm"])  # fmt: skip
def test_kernel_flag(command, flag, expected):
    extra = ["--data-root", "x"] if command == "build-all" else []
    assert _parser().parse_args([command, *extra, *flag]).kernel == expected


def test_kernel_flag_refuses_other_modes():
    with pytest.raises(SystemExit):
        _parser().parse_args(["build", "--kernel", "tepid"])


PROBE_PARAMETERS = 'step = 0\nmarker = ""'
PROBE = """
import os, sys, warnings, pathlib
import pandas as pd
leaked = sorted(n for n in ("left_behind", "localmod") if n in dir())
print("step", step, "leaked", leaked, "cwd", pathlib.Path.cwd().name)
print("env", os.environ.get("CSP_PROBE"), "option", pd.get_option("display.max_rows"), "mod", "localmod" in sys.modules)
if marker and pathlib.Path(marker).exists():
    pathlib.Path(marker).unlink()
    os.kill(os.getpid(), 9)
import linecache
history = get_ipython().history_manager
kept = ["".join(entry[2]) for entry in linecache.cache.values() if len(entry) > 2 and entry[2]]
kept += [source for _, source, _ in history.db_input_cache]
print("earlier notebook's cells kept", sum(f"step = {step - 1}" in source for source in kept))
left_behind = step
os.environ["CSP_PROBE"] = "leak"
pd.set_option("display.max_rows", 7)
import localmod
print(localmod.VALUE)
"""

# What else a notebook (a partnership's own measure notebook, say) may change for the whole process: it prints
# each, then changes it; the next notebook on a warm kernel must print what a fresh kernel prints.
PROCESS_STATE = """
import builtins, decimal, logging, random, sys, time, warnings
import altair as alt, numpy as np
print("time zone", time.strftime("%Z"), "recursion", sys.getrecursionlimit(), "decimal", decimal.getcontext().prec)
print("numpy", np.get_printoptions()["precision"], np.geterr()["divide"], "logging", logging.root.level,
      len(logging.root.handlers), "builtin", hasattr(builtins, "csp_probe"), "theme", alt.theme.active,
      "data", alt.data_transformers.active)
print("seeded by an earlier notebook", random.random() == random.Random(7).random(),
      np.random.random() == np.random.RandomState(7).random_sample())
warnings.filterwarnings("once", message="the probe's warning")
warnings.warn_explicit("the probe's warning", UserWarning, "probe.py", 1)  # named from a file, not the kernel's
os.environ["TZ"] = "Asia/Tokyo"
time.tzset()
sys.setrecursionlimit(1234)
decimal.getcontext().prec = 5
np.set_printoptions(precision=2)
np.seterr(all="raise")
logging.basicConfig(level=logging.DEBUG)
builtins.csp_probe = step
alt.theme.enable("dark")
alt.data_transformers.enable("json")
random.seed(7)
np.random.seed(7)

class Shouting:
    def __init__(self, stream):
        self.stream = stream
    def write(self, text):
        return self.stream.write(text.upper())
    def flush(self):
        self.stream.flush()

sys.stdout = Shouting(sys.stdout)
"""


@pytest.mark.slow  # executes notebooks: not in `make quick`
def test_warm_kernel_gives_each_notebook_a_fresh_state(tmp_path):
    """Names, modules, environment, options, streams, seeds, warnings, the working directory and cells' sources
    do not cross notebooks."""
    source = write_notebook(tmp_path / "probe.ipynb", PROBE_PARAMETERS, PROBE, PROCESS_STATE)
    results = {}
    for mode, run in (("fresh", _execute), ("warm", _execute_warm)):
        for step in (1, 2):
            cwd = tmp_path / f"{mode}-{step}"
            cwd.mkdir()
            (cwd / "localmod.py").write_text(f"VALUE = 'local {step}'\n")
            target = tmp_path / f"{mode}-{step}.ipynb"
            ok, error, _ = run(str(source), str(target), {"step": step}, str(cwd), environment_fingerprint())
            assert ok, error
            contents = notebook_contents(target)
            del contents["metadata"]
            results[(mode, step)] = json.loads(json.dumps(contents).replace(mode, "MODE"))
    assert_same(results[("warm", 1)], results[("fresh", 1)], "the first notebook on a warm and a fresh kernel")
    assert_same(results[("warm", 2)], results[("fresh", 2)], "the second notebook on a warm and a fresh kernel")
    text = json.dumps(results[("warm", 2)])
    assert "leaked []" in text and "local 2" in text and "option 60" in text and "env None" in text
    assert "earlier notebook's cells kept 0" in text
    assert "time zone UTC" in text and "builtin False" in text and "seeded by an earlier notebook False False" in text
    assert text.count("UserWarning: the probe's warning") == 1, "a warning shown once in a process is shown again"
    counts = [cell["execution count"] for cell in results[("warm", 2)].values()]
    assert counts == [1, 2, 3, 4], "counted from 1 again: the parameters, papermill's, then the probe's two cells"


@pytest.mark.slow  # executes notebooks: not in `make quick`
def test_killed_kernel_is_replaced_and_the_notebook_retried(tmp_path):
    from analysis.pipeline.kernels import current_kernel

    source = write_notebook(tmp_path / "probe.ipynb", PROBE_PARAMETERS, PROBE)
    (tmp_path / "localmod.py").write_text("VALUE = 'local'\n")
    marker = tmp_path / "kill-me"
    ok, error, _ = _execute_warm(str(source), str(tmp_path / "a.ipynb"), {"step": 1}, str(tmp_path), "env")
    assert ok, error
    first = current_kernel()
    marker.write_text("once")
    ok, error, _ = _execute_warm(
        str(source), str(tmp_path / "b.ipynb"), {"step": 2, "marker": str(marker)}, str(tmp_path), "env"
    )
    assert ok, error
    assert not marker.exists()  # the first attempt killed its kernel; the retry ran on a new one
    assert current_kernel() is not first and current_kernel().alive()
    assert "step 2 leaked []" in json.dumps(notebook_contents(tmp_path / "b.ipynb"))
    # a kernel that dies between notebooks is replaced before the next one
    os.kill(current_kernel().pid, 9)
    for _ in range(100):
        if not current_kernel().alive():
            break
        time.sleep(0.1)
    ok, error, _ = _execute_warm(str(source), str(tmp_path / "c.ipynb"), {"step": 3}, str(tmp_path), "env")
    assert ok, error


@pytest.mark.slow  # executes notebooks: not in `make quick`
def test_a_kernel_is_replaced_once_it_has_run_its_share_of_notebooks(tmp_path, monkeypatch):
    """What a kernel keeps of each notebook stays bounded: it runs NOTEBOOKS_PER_KERNEL, then a new one takes over."""
    from analysis.pipeline import kernels

    kernels._shutdown_all()
    monkeypatch.setattr(kernels, "NOTEBOOKS_PER_KERNEL", 2)
    source = write_notebook(tmp_path / "probe.ipynb", PROBE_PARAMETERS, PROBE)
    (tmp_path / "localmod.py").write_text("VALUE = 'local'\n")
    pids = []
    for step in (1, 2, 3):
        target = tmp_path / f"{step}.ipynb"
        ok, error, _ = _execute_warm(str(source), str(target), {"step": step}, str(tmp_path), "env")
        assert ok, error
        assert f"step {step} leaked []" in json.dumps(notebook_contents(target))
        pids.append(kernels.current_kernel().pid)
    assert pids[0] == pids[1] != pids[2], pids
    assert kernels.current_kernel().notebooks == 1


def _kernel_of_a_forked_worker(cwd: str) -> tuple[int | None, int | None]:
    """In a pool worker: the kernel it found (its parent's, if it had inherited it) and the one it started."""
    from analysis.pipeline import kernels

    found = kernels.current_kernel()
    return (found.pid if found else None), kernels.worker_kernel("python3", "another environment", cwd).pid


@pytest.mark.slow  # executes notebooks: not in `make quick`
def test_a_forked_worker_starts_its_own_kernel_and_leaves_its_parents_alone(tmp_path):
    """A build's pool workers, forked by a process holding a warm kernel, neither use nor stop the parent's kernel,
    and stop their own when they exit."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    import psutil

    from analysis.pipeline import kernels

    parent = kernels.worker_kernel("python3", "env", str(tmp_path))
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
        found, started = pool.submit(_kernel_of_a_forked_worker, str(tmp_path)).result()
    assert found is None and started not in (None, parent.pid)
    assert parent.alive() and kernels.current_kernel() is parent, "the parent's kernel is still its own"
    deadline = time.monotonic() + 30
    while psutil.pid_exists(started) and psutil.Process(started).status() != psutil.STATUS_ZOMBIE:
        assert time.monotonic() < deadline, "the worker's own kernel outlived the worker"
        time.sleep(0.1)


@pytest.mark.slow  # executes notebooks: not in `make quick`
def test_a_kernel_that_fails_twice_fails_its_notebook(tmp_path):
    source = write_notebook(tmp_path / "die.ipynb", "x = 1", "import os\nos.kill(os.getpid(), 9)")
    ok, error, _ = _execute_warm(str(source), str(tmp_path / "out.ipynb"), {}, str(tmp_path), "env")
    assert not ok and "DeadKernelError" in error


# Module-level caches in the package, each keyed by everything it reads, so none carries
# one notebook's, partnership's or quarter's data into another in a long-lived kernel.
KEYED_CACHES = {
    ("ingest/areas.py", "load_lookup"): "package data file, keyed by its path",
    ("ingest/areas.py", "load_former_districts"): "package data file, keyed by its path",
    ("site/assets.py", "stylesheet"): "package template and vocabulary, the same for every build",
    ("site/assets.py", "environment"): "package templates, the same for every build",
    ("site/builtin.py", "exporter"): "package templates, the same for every build",
    ("site/builtin.py", "_site_exporter_class"): "a class made from nbconvert's, no data",
    ("site/fetch.py", "_local_fetcher_class"): "a class made from WeasyPrint's URL fetcher, no data",
    ("site/builtin.py", "code_stylesheet"): "the code highlighter's style, the same for every build",
    ("processed/schemas.py", "schemas"): "the schemas of the processed tables, code only",
    ("processed/schemas.py", "_checked_text"): "keyed by the table's name and whole text; callers get a copy",
    ("pipeline/execute.py", "environment_fingerprint"): "the code and packages of this process",
    ("report/maps.py", "project"): "keyed by the boundaries' whole text and the map's size; the shapes are frozen",
    ("site/quarto.py", "_reported_version"): "`quarto --version`, keyed by the binary's path and modification time",
    ("site/quarto.py", "_warn_once"): "a warning printed once per process, keyed by its text",
}


def test_every_module_level_cache_is_keyed_by_what_it_reads():
    package = ROOT / "src" / "analysis"
    found = set()
    for path in package.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                names = {ast.unparse(d).split("(")[0] for d in node.decorator_list}
                if names & {"lru_cache", "functools.lru_cache", "cache", "functools.cache"}:
                    found.add((path.relative_to(package).as_posix(), node.name))
    assert found <= set(KEYED_CACHES), f"a new module-level cache needs a key review: {found - set(KEYED_CACHES)}"


@pytest.mark.slow
def test_notebooks_on_one_warm_kernel_after_any_other_match_fresh_kernels(tmp_path, small_partnership, small_build):
    """The session's build (warm kernels) and a build on fresh kernels give the same pages; and its notebooks,
    executed one after another on this process's warm kernel in either order, each after a notebook that
    changes what it can of the process (as a partnership's own notebook may), are each what a fresh kernel gives."""
    from analysis.pipeline.build import build_quarter

    out = tmp_path / "out"
    result = build_quarter(
        small_partnership, out, QUARTER, jobs=2, force=True, renderer="builtin", progress=False, kernel="fresh"
    )
    assert result.ok, [f"{r.name}: {r.error}" for r in result.failures]
    warm_site, fresh_site = small_build / "_site" / QUARTER, out / "_site" / QUARTER
    pages = sorted(p.relative_to(warm_site) for p in warm_site.rglob("*") if p.suffix in (".html", ".pdf"))
    assert len(pages) >= 12 and Path("committee-paper.pdf") in pages
    assert_same(
        pages, sorted(p.relative_to(fresh_site) for p in fresh_site.rglob("*") if p.suffix in (".html", ".pdf"))
    )
    for page in pages:
        assert_same_files(fresh_site / page, warm_site / page)
    built = sorted((out / "reports" / QUARTER).rglob("*.ipynb"))
    assert_same([p.relative_to(out / "reports" / QUARTER).as_posix() for p in built], sorted(NOTEBOOKS))
    polluter = write_notebook(tmp_path / "polluter.ipynb", PROBE_PARAMETERS, PROBE, PROCESS_STATE)
    (out / "localmod.py").write_text('VALUE = "a module of the partnership"\n')
    for order, notebooks in (("forward", built), ("reversed", built[::-1])):
        ok, error, _ = _execute_warm(str(polluter), str(tmp_path / f"{order}.ipynb"), {"step": 1}, str(out), "env")
        assert ok, error
        for fresh in notebooks:
            meta = json.loads(fresh.read_text(encoding="utf-8"))["metadata"]["papermill"]
            target = tmp_path / order / fresh.relative_to(out / "reports")
            target.parent.mkdir(parents=True, exist_ok=True)
            source = ROOT / meta["input_path"]  # recorded relative to the project
            ok, error, _ = _execute_warm(str(source), str(target), meta["parameters"], str(out), "env")
            assert ok, f"{order} {fresh.name}: {error}"
            assert_same(
                notebook_contents(target),
                notebook_contents(fresh),
                f"{order}: {fresh.name} on a warm and a fresh kernel",
            )


@pytest.mark.slow
def test_unchanged_rebuild_decides_before_importing_pandas(tmp_path, small_copy):
    from analysis.pipeline import uptodate
    from analysis.pipeline.build import build_quarter

    data, out = small_copy, tmp_path / "out"
    result = build_quarter(data, out, None, jobs=2, renderer="builtin", progress=False)
    assert result.ok
    probe = (
        "import sys\nfrom analysis.cli import main\n"
        f"code = main(['build', '--data', {str(data)!r}, '--out', {str(out)!r}, '--renderer', 'builtin'])\n"
        "heavy = [m for m in ('pandas', 'scipy', 'altair', 'papermill') if m in sys.modules]\n"
        "print(code, heavy)\n"
    )
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert run.stdout.split("\n")[0] == "0 []", run.stdout + run.stderr
    assert "nothing changed" in run.stderr

    def current():
        return uptodate.current(data, out, None, renderer="builtin")

    assert current() is not None
    actuals = data / "actuals.csv"
    original = actuals.read_bytes()
    actuals.write_bytes(original + b"\n")
    assert current() is None  # an input changed: the normal build decides
    actuals.write_bytes(original)
    assert current() is not None
    report = next((out / "reports" / QUARTER).rglob("*.ipynb"))
    kept = report.read_bytes()
    report.unlink()
    assert current() is None  # a published output is missing
    report.write_bytes(kept)
    assert current() is not None
    assert uptodate.current(data, out, None, renderer="quarto") is None  # another request: no stamp


@pytest.mark.slow
def test_a_build_that_stops_before_its_notebooks_stops_the_kernels_it_started(tmp_path, monkeypatch):
    """Warm kernels start while the tables are computed; a build that ends there leaves no kernel behind."""
    import psutil

    from analysis.errors import InvalidInputError
    from analysis.pipeline import build
    from analysis.pipeline.processes import _connection_file, alive

    before = {p.pid for p in psutil.Process().children(recursive=True)}

    def started() -> list:
        return [p for p in psutil.Process().children(recursive=True) if p.pid not in before]

    running = []

    def inputs_refused(data_dir):
        deadline = time.monotonic() + 120
        while sum(_connection_file(p) is not None for p in started()) < 2:  # both workers' kernels are up
            assert time.monotonic() < deadline, "the build started no warm kernel before reading its inputs"
            time.sleep(0.1)
        running.extend(started())
        raise InvalidInputError(f"{data_dir}: refused by the test")

    monkeypatch.setattr(build, "load_inputs", inputs_refused)
    with pytest.raises(InvalidInputError, match="refused by the test"):
        build.build_quarter(DEMO, tmp_path / "out", QUARTER, jobs=2, renderer="builtin", progress=False)
    assert len(running) >= 4, "two pool workers, each with a kernel"
    assert not alive(running), "no pool worker or kernel outlives the build"
