"""How `csp-report build-all` scales with the number of partnerships, on the local pool and on Dask.

For each size in ``--partnerships`` it generates that many partnerships of
``--measures`` monthly measures each (``generate.py``; every one builds
``measures + 3`` notebooks: one per measure, the dashboard, the strategic
assessment and the method page) and builds them all, cold (``--force``, a fresh
``--out``), twice, side by side in one run:

each with every ``--kernels`` mode (``warm``: a long-lived kernel per pool process
or Dask worker; ``fresh``: a kernel per notebook):

- ``local``: ``csp-report build-all --executor local --jobs CORES``, the
  partnerships one after another, each on a process pool of CORES;
- ``dask``: ``csp-report build-all --executor dask --scheduler ADDRESS`` on a
  ``distributed.LocalCluster`` of ``--workers`` single-threaded worker processes
  on 127.0.0.1, started afresh for each size (its start-up is not timed).

It prints, for each: wall seconds, notebooks per minute, seconds per notebook,
CPU seconds per notebook (of the build-all command's processes; on Dask that is
the coordinating process alone, which validates, computes and renders, and
separately the workers and their kernels, which execute the notebooks), the
peak resident memory of the largest process (the build's own process tree,
measured as ``build_speed.py`` does; for Dask also the workers and the kernels
they started), and the size of the outputs per notebook. Then the scheduler
overhead per task, two ways: (Dask total - local total) / notebooks, and the
round trip of a no-op task on the cluster (one at a time, and many at once).

Before that, the floors of one notebook: a kernel started and a trivial notebook
executed with papermill in a process that has papermill loaded (as a pool or
Dask worker has), the same with the notebooks' one import (``from analysis
import report``), ``csp-report status`` of one generated partnership, and
``csp-report build --jobs 1`` of it, per notebook, split into executing the
notebook (the build's own per-notebook times) and the rest.

    .venv/bin/python benchmarks/scale.py                          # 2 and 5 partnerships: about 11 minutes on 2 cores
    .venv/bin/python benchmarks/scale.py --partnerships 10,50,300 # the full study: 300 takes hours on 2 cores
    .venv/bin/python benchmarks/scale.py --partnerships 1 --no-floors   # a quick look
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(HERE))

from build_speed import timed  # noqa: E402
from generate import generate  # noqa: E402

QUARTER = "2015-16-Q1"  # the latest quarter of generate.py's data


def _noop(x=None):
    return x


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _worker_usage() -> tuple[float, float, float]:
    """On a worker: its own peak and its largest finished child's (a kernel), MB; CPU seconds of both."""
    return (
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        _cpu(resource.RUSAGE_SELF) + _cpu(resource.RUSAGE_CHILDREN),
    )


def _stderr_to(path: str) -> None:
    """On a worker: send its standard error, and so its kernels', to a log file rather than this terminal."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 2)
    os.close(fd)


@contextmanager
def cluster(workers: int, log: Path) -> Iterator[str]:
    """A Dask LocalCluster of single-threaded workers on 127.0.0.1; yields the scheduler's address."""
    from distributed import Client, LocalCluster

    with LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address=None,
        silence_logs=logging.CRITICAL,
    ) as local:
        with Client(local.scheduler_address) as client:
            client.run(_stderr_to, str(log))
        yield local.scheduler_address


def load() -> str:
    return "load average " + ", ".join(f"{x:.1f}" for x in os.getloadavg())


def area(root: Path, partnerships: int, measures: int) -> Path:
    """``partnerships`` generated partnership folders under ``root``."""
    for i in range(partnerships):
        generate(root / f"p{i + 1:03d}", measures, seed=i + 1, name=f"Generated Partnership {i + 1}")
    return root


def notebooks_built(out: Path) -> int:
    """The executed notebooks published under ``reports/`` (each quarter there is a link to its version)."""
    from analysis.processed.versions import walk_files

    return sum(1 for p in walk_files(out / "reports") if p.suffix == ".ipynb")


def tree_mb(path: Path) -> float:
    """The size of every file under ``path``, each once (published quarters are counted in ``.versions/``)."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink()) / 1e6


def build_all(data_root: Path, out: Path, extra: list[str]) -> tuple[float, float, float]:
    """Wall seconds, peak MB (``timed``) and CPU seconds of the build-all command and the processes it started.

    The CPU is what this process's finished children used meanwhile: the ``timed`` wrapper, which
    has waited for build-all, which has waited for its pool and kernels. Dask workers are children
    too, but they finish only when their cluster closes, after this.
    """
    command = [str(BIN / "csp-report"), "build-all", "--data-root", str(data_root), "--out", str(out),
               "--renderer", "builtin"]  # fmt: skip
    before = _cpu(resource.RUSAGE_CHILDREN)
    seconds, peak = timed([*command, "--quarter", QUARTER, "--force", *extra])
    return seconds, peak, _cpu(resource.RUSAGE_CHILDREN) - before


# Run in a fresh process, as a pool or Dask worker does: papermill imported once, then notebooks one after another.
_IN_A_WORKER = """
import json, statistics, sys, time
import papermill
runs = {}
for source in sys.argv[3:]:
    papermill.execute_notebook(source, sys.argv[1], kernel_name="python3", progress_bar=False)  # warm-up
    seconds = []
    for _ in range(int(sys.argv[2])):
        start = time.perf_counter()
        papermill.execute_notebook(source, sys.argv[1], kernel_name="python3", progress_bar=False)
        seconds.append(time.perf_counter() - start)
    runs[source] = statistics.median(seconds)
print(json.dumps(runs))
"""
_PROGRESS = re.compile(r"\] ok\s+\S+ \(([0-9.]+)s\)")


def floors(tmp: Path, measures: int, repeat: int) -> dict[str, float]:
    """Seconds for one notebook: a kernel alone, with the notebooks' import, and the parts of a serial build."""
    import nbformat

    sources = []
    for i, code in enumerate(("pass", "from analysis import report")):
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, tmp / f"floor-{i}.ipynb")
        sources.append(str(tmp / f"floor-{i}.ipynb"))
    command = [sys.executable, "-c", _IN_A_WORKER, str(tmp / "floor-out.ipynb"), str(repeat), *sources]
    runs = json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)
    out = {
        "kernel started, trivial notebook run": runs[sources[0]],
        "the same with `from analysis import report`": runs[sources[1]],
    }
    data = generate(tmp / "one", measures, seed=1, name="Generated Partnership 1")
    status = [str(BIN / "csp-report"), "status", "--quarter", QUARTER, "--data", str(data)]
    out["csp-report status (validate, compute), per partnership"] = timed([*status, "--out", str(tmp / "status-out")])[
        0
    ]
    build = [str(BIN / "csp-report"), "build", "--quarter", QUARTER, "--data", str(data), "--jobs", "1", "--force",
             "--renderer", "builtin"]  # fmt: skip
    start = time.perf_counter()
    log = subprocess.run([*build, "--out", str(tmp / "one-out")], capture_output=True, text=True, check=True).stderr
    seconds = time.perf_counter() - start
    n = notebooks_built(tmp / "one-out")
    executing = sum(float(s) for s in _PROGRESS.findall(log))
    out["csp-report build --jobs 1, per notebook"] = seconds / n
    out["  of which executing the notebook"] = executing / n
    out["  of which the rest (start, compute, render)"] = (seconds - executing) / n
    return out


def round_trips(address: str, one_at_a_time: int = 200, at_once: int = 2000) -> tuple[float, float]:
    """Milliseconds of a no-op task: its round trip alone, and per task when many are in flight."""
    from distributed import Client

    with Client(address) as client:
        pool = client.get_executor(pure=False)  # as build-all submits its notebooks
        pool.submit(_noop).result()  # warm-up: the function shipped to the workers
        start = time.perf_counter()
        for i in range(one_at_a_time):
            pool.submit(_noop, i).result()
        latency = (time.perf_counter() - start) / one_at_a_time
        start = time.perf_counter()
        futures = [pool.submit(_noop, i) for i in range(at_once)]
        for f in futures:
            f.result()
        throughput = (time.perf_counter() - start) / at_once
    return latency * 1000, throughput * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--partnerships",
        default="2,5",
        help="numbers of partnerships to build (default 2,5: about 11 minutes on 2 cores; "
        "the study's 10,50,300 takes hours there)",
    )
    parser.add_argument("--measures", type=int, default=12, help="measures per partnership (default 12)")
    parser.add_argument("--workers", type=int, default=2, help="Dask worker processes (default 2)")
    parser.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 2, help="--jobs of the local pool (default: cores)"
    )
    parser.add_argument("--executors", default="local,dask", help="which to run (default local,dask)")
    parser.add_argument(
        "--kernels", default="warm,fresh", help="--kernel modes to compare on each executor (default warm,fresh)"
    )
    parser.add_argument("--no-floors", action="store_true", help="skip the one-notebook floors")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each floor (medians are printed)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument(
        "--worker-log", type=Path, help="keep the Dask workers' and their kernels' messages here (default: discarded)"
    )
    args = parser.parse_args()
    sizes = [int(n) for n in args.partnerships.split(",")]
    executors = args.executors.split(",")
    kernels = args.kernels.split(",")
    import distributed

    print(
        f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, distributed {distributed.__version__}; "
        f"{args.measures} measures ({args.measures + 3} notebooks) per partnership; local --jobs {args.jobs}; "
        f"Dask LocalCluster of {args.workers} workers x 1 thread",
        flush=True,
    )
    print(f"at the start: {load()}", flush=True)
    figures: dict = {"cores": os.cpu_count(), "measures": args.measures, "runs": [], "floors": {}, "round_trip_ms": {}}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="csp-scale-") as tmp_name:
        tmp = Path(tmp_name)
        log = (args.worker_log or tmp / "workers.log").resolve()
        if not args.no_floors:
            figures["floors"] = floors(tmp, args.measures, args.repeat)
            print(f"\none notebook (seconds; the first two are medians of {args.repeat}):", flush=True)
            for label, seconds in figures["floors"].items():
                print(f"  {label:<56}{seconds:6.2f}", flush=True)

        print(
            f"\n{'partnerships':>12}{'notebooks':>10}{'executor':>12}{'wall s':>9}{'nb/min':>8}{'s/nb':>7}"
            f"{'CPU/nb':>8}{'wCPU/nb':>8}"
            f"{'peak MB':>9}{'worker MB':>10}{'kernel MB':>10}{'MB/nb out':>10}",
            flush=True,
        )
        for size in sizes:
            root = area(tmp / f"area-{size}", size, args.measures)
            totals: dict[str, tuple[float, int]] = {}
            for kind, kernel in [(k, m) for k in executors for m in kernels]:
                label = f"{kind}/{kernel}"
                out = tmp / f"out-{size}-{kind}-{kernel}"
                workers_mb = kernels_mb = workers_cpu = float("nan")
                if kind == "local":
                    seconds, peak, cpu = build_all(
                        root, out, ["--executor", "local", "--jobs", str(args.jobs), "--kernel", kernel]
                    )
                else:
                    from distributed import Client

                    with cluster(args.workers, log) as address:
                        with Client(address) as client:
                            start_cpu = sum(u[2] for u in client.run(_worker_usage).values())
                        seconds, peak, cpu = build_all(
                            root, out, ["--executor", "dask", "--scheduler", address, "--kernel", kernel]
                        )
                        with Client(address) as client:
                            usage = list(client.run(_worker_usage).values())
                        workers_mb = max(u[0] for u in usage)
                        kernels_mb = max(u[1] for u in usage)
                        workers_cpu = sum(u[2] for u in usage) - start_cpu
                n = notebooks_built(out)
                if n != size * (args.measures + 3):
                    raise SystemExit(f"expected {size * (args.measures + 3)} notebooks, found {n} in {out}")
                per_nb_mb = tree_mb(out) / n
                totals[label] = (seconds, n)
                figures["runs"].append(
                    {
                        "partnerships": size, "notebooks": n, "executor": kind, "kernel": kernel, "seconds": seconds,
                        "notebooks_per_minute": n / seconds * 60, "seconds_per_notebook": seconds / n,
                        "cpu_seconds_per_notebook": cpu / n, "worker_cpu_seconds_per_notebook": workers_cpu / n,
                        "peak_mb": peak, "worker_peak_mb": workers_mb, "kernel_peak_mb": kernels_mb,
                        "output_mb_per_notebook": per_nb_mb,
                    }
                )  # fmt: skip
                print(
                    f"{size:>12}{n:>10}{label:>12}{seconds:>9.1f}{n / seconds * 60:>8.1f}{seconds / n:>7.2f}"
                    f"{cpu / n:>8.2f}{workers_cpu / n:>8.2f}{peak:>9.0f}{workers_mb:>10.0f}{kernels_mb:>10.0f}{per_nb_mb:>10.2f}",
                    flush=True,
                )
                shutil.rmtree(out, ignore_errors=True)
            local_key, dask_key = f"local/{kernels[0]}", f"dask/{kernels[0]}"
            if {local_key, dask_key} <= totals.keys():
                (local_s, n), (dask_s, _) = totals[local_key], totals[dask_key]
                overhead = (dask_s - local_s) / n
                figures.setdefault("dask_minus_local_per_notebook", {})[size] = overhead
                print(f"{'':>12}(dask - local) / notebooks = {overhead:+.2f} s per notebook", flush=True)
            shutil.rmtree(root, ignore_errors=True)

        if "dask" in executors:
            with cluster(args.workers, log) as address:
                latency, throughput = round_trips(address)
            figures["round_trip_ms"] = {"one_at_a_time": latency, "many_in_flight": throughput}
            print(
                f"\nno-op task on the cluster: {latency:.2f} ms round trip one at a time, "
                f"{throughput:.2f} ms per task with 2,000 in flight",
                flush=True,
            )
    print(
        "\nnb/min = notebooks per minute of the whole build-all (validation, computing, notebooks, rendering, "
        "overview); CPU/nb = CPU seconds per notebook of the build-all command and every process it started (for "
        "Dask: the coordinating process alone); wCPU/nb = the same of the Dask workers and their kernels; "
        "peak MB = the largest process of the build-all command's own tree; worker/kernel MB = the "
        "largest Dask worker process and the largest kernel a worker started"
    )
    print(f"took {time.perf_counter() - started:.0f} s; at the end: {load()}")
    if args.json:
        text = json.dumps(figures, indent=2).replace("NaN", "null")
        args.json.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
