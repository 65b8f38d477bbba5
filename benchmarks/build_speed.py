"""Time `csp-report build` against the loop an analyst writes by hand, side by side in one run.

The hand loop is `papermill` then `jupyter nbconvert --to html`, one notebook
after another, over the same notebooks the build executes. For each partnership
(the demo, and generated ones of 40 and 100 measures) it prints the median of
each, their ratio, the unchanged rebuild (cache) against the cold build, time
per notebook for each --jobs, and the peak memory of any one process.

    .venv/bin/python benchmarks/build_speed.py                 # demo, 40, 100 measures
    .venv/bin/python benchmarks/build_speed.py --sizes demo --repeat 3
    .venv/bin/python benchmarks/build_speed.py --sizes demo --jobs 2 --no-hand --long 5   # a smoke test
    .venv/bin/python benchmarks/build_speed.py --renderers-only --repeat 3     # --renderer quarto against builtin

Each size is timed with every ``--kernels`` mode (warm and fresh by default),
with CPU seconds per notebook (the build and every process it waited for,
kernels included); ``--long N`` then runs N notebooks on warm kernels, one after
another, and prints the kernel's resident memory after the first, after each of the
quarter's notebooks once (what they import is then loaded), at its most (a kernel is
replaced after its share of notebooks) and after the last.

Where ``quarto`` is on PATH it also times ``build --force --renderer quarto`` against
``--renderer builtin`` on the same partnership, one after the other in each round
(``--renderers``; the goal: Quarto's build within 1.5 times the built-in one's wall time).
Every build names its renderer, so the timings above are the built-in renderer's
wherever Quarto is installed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
QUARTER = "2015-16-Q1"
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402

_MEASURE = """
import resource, subprocess, sys, time
start = time.perf_counter()
run = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(time.perf_counter() - start, usage.ru_maxrss, run.returncode, usage.ru_utime + usage.ru_stime)
sys.stderr.write(run.stderr[-4000:] if run.returncode else "")
"""
CPU: list[float] = []  # CPU seconds of each timed command and every process it waited for (kernels too)


def timed(command: list[str]) -> tuple[float, float]:
    """Seconds and peak resident memory (MB) of the largest process the command ran."""
    run = subprocess.run([sys.executable, "-c", _MEASURE, *command], capture_output=True, text=True, check=True)
    seconds, rss_kb, code, cpu = run.stdout.split()
    if code != "0":  # with the end of what it said, to see why
        raise SystemExit(f"command failed ({code}): {' '.join(command)}\n{run.stderr}")
    CPU.append(float(cpu))
    return float(seconds), int(rss_kb) / 1024


def hand_loop(data: Path, out: Path) -> tuple[float, float]:
    """papermill then nbconvert, one notebook after another, as an analyst scripts it by hand."""
    subprocess.run(
        [str(BIN / "csp-report"), "status", "--quarter", QUARTER, "--data", str(data), "--out", str(out)],
        check=True,
        capture_output=True,
    )
    register = json.loads((out / "data" / "processed" / QUARTER / "register.json").read_text())
    notebooks = [("dashboard", {}), ("strategic-assessment", {}), ("method", {})]
    notebooks += [("measure", {"measure_id": m["id"]}) for m in register["measures"]]
    work = out / "hand"
    work.mkdir(exist_ok=True)
    total, peak = 0.0, 0.0
    for i, (name, extra) in enumerate(notebooks):
        params = {"quarter": QUARTER, "processed_dir": str(out / "data" / "processed" / QUARTER), **extra}
        target = work / f"{i:03d}-{name}.ipynb"
        args = [str(BIN / "papermill"), str(ROOT / "notebooks" / f"{name}.ipynb"), str(target), "-k", "python3"]
        for key, value in params.items():
            args += ["-r", key, value]
        seconds, rss = timed(args)
        total, peak = total + seconds, max(peak, rss)
        seconds, rss = timed([str(BIN / "jupyter"), "nbconvert", "--to", "html", str(target)])
        total, peak = total + seconds, max(peak, rss)
    return total, peak


def build(
    data: Path, out: Path, jobs: int, force: bool, kernel: str = "warm", renderer: str = "builtin"
) -> tuple[float, float]:
    command = [
        str(BIN / "csp-report"),
        "build",
        "--quarter",
        QUARTER,
        "--data",
        str(data),
        "--out",
        str(out),
        "--jobs",
        str(jobs),
        "--kernel",
        kernel,
        "--renderer",
        renderer,
    ]
    return timed(command + (["--force"] if force else []))


def notebooks_in(data: Path) -> int:
    import yaml

    return len(yaml.safe_load((data / "measures.yml").read_text())["measures"]) + 3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="demo,40,100", help="demo and/or numbers of generated measures")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each timing (medians are printed)")
    parser.add_argument("--jobs", default=f"1,{os.cpu_count() or 2}", help="--jobs values to compare")
    parser.add_argument("--no-hand", action="store_true", help="skip the hand-written loop")
    parser.add_argument("--kernels", default="warm,fresh", help="--kernel modes to compare (default warm,fresh)")
    parser.add_argument(
        "--long", type=int, default=300, help="notebooks run on one warm kernel for its memory (0: skip; default 300)"
    )
    parser.add_argument(
        "--renderers",
        default="builtin,quarto" if shutil.which("quarto") else "builtin",
        help="renderers to time side by side (default builtin,quarto where quarto is on PATH)",
    )
    parser.add_argument(
        "--renderer-sizes", default="demo", help="partnerships the renderers are timed on (default demo)"
    )
    parser.add_argument("--renderers-only", action="store_true", help="only the renderers side by side")
    args = parser.parse_args()
    jobs = sorted({int(j) for j in args.jobs.split(",")})
    renderers = args.renderers.split(",")
    if not args.renderers_only:
        for kernel in args.kernels.split(","):
            print(f"\n--kernel {kernel}", flush=True)
            run_sizes(args, jobs, kernel)
    if len(renderers) > 1:
        compare_renderers(args.renderer_sizes.split(","), renderers, args.repeat, max(jobs))
    elif args.renderers_only:
        print("no renderers to compare: Quarto is not on PATH (--renderers builtin,quarto needs it)")
    if args.long and not args.renderers_only:
        long_run(args.long)


def compare_renderers(sizes: list[str], renderers: list[str], repeat: int, jobs: int) -> None:
    """``build --force`` with each renderer, one after the other in each round: wall and CPU seconds, and the ratio.

    The notebooks are executed in every build (``--force``); what differs is the site's rendering: the built-in
    renderer's pages, or one ``quarto render`` of the quarter's project (the paper and the notebook views are
    made by the built-in renderer either way, beside Quarto's render).
    """
    base = renderers[0]
    print(f"\nrenderers side by side: build --force --jobs {jobs}, {repeat} round(s), medians in seconds")
    header = f"{'partnership':<14}" + "".join(f"{r + ' wall':>15}{r + ' CPU':>14}" for r in renderers)
    print(header + "".join(f"{r + '/' + base:>18}" for r in renderers[1:]) + f"{'goal':>7}", flush=True)
    with tempfile.TemporaryDirectory(prefix="csp-renderers-") as tmp:
        for size in sizes:
            data = ROOT / "data" / "raw" if size == "demo" else generate(Path(tmp) / f"data-{size}", int(size))
            wall: dict[str, list[float]] = {r: [] for r in renderers}
            cpu: dict[str, list[float]] = {r: [] for r in renderers}
            for _ in range(repeat):
                for renderer in renderers:
                    seconds, _ = build(data, Path(tmp) / f"out-{size}-{renderer}", jobs, True, "warm", renderer)
                    wall[renderer].append(seconds)
                    cpu[renderer].append(CPU[-1])
            row = f"{size:<14}" + "".join(
                f"{statistics.median(wall[r]):>15.1f}{statistics.median(cpu[r]):>14.1f}" for r in renderers
            )
            ratios = [statistics.median(wall[r]) / statistics.median(wall[base]) for r in renderers[1:]]
            print(row + "".join(f"{ratio:>17.2f}x" for ratio in ratios) + f"{'1.5x':>7}", flush=True)


def long_run(count: int) -> None:
    """The warm kernel's resident memory after its first notebook, at its most, and after ``count``: it must not grow.

    A kernel runs ``NOTEBOOKS_PER_KERNEL`` notebooks and is then replaced, so a long run also shows the most one
    kernel reaches (after its last notebook) and its successor's memory at the end.
    """
    sys.path.insert(0, str(ROOT / "src"))
    from analysis.pipeline.execute import _execute_warm
    from analysis.pipeline.kernels import NOTEBOOKS_PER_KERNEL, current_kernel, kernel_rss

    with tempfile.TemporaryDirectory(prefix="csp-long-") as tmp:
        out = Path(tmp) / "out"
        build(ROOT / "data" / "raw", out, 1, force=True, kernel="fresh")
        built = sorted((out / "reports" / QUARTER).rglob("*.ipynb"))
        jobs = [json.loads(p.read_text())["metadata"]["papermill"] for p in built]
        rss: dict[str, float] = {}
        cpu, kernels = [], set()
        for i in range(count):
            meta = jobs[i % len(jobs)]
            kernel = current_kernel()
            before = time.process_time(), _kernel_cpu(kernel)
            ok, error, _ = _execute_warm(meta["input_path"], str(Path(tmp) / "nb.ipynb"), meta["parameters"], str(out))
            if not ok:
                raise SystemExit(f"notebook {i} failed: {error}")
            if i > 0 and current_kernel() is kernel:  # not across a new kernel's start
                cpu.append(time.process_time() - before[0] + _kernel_cpu(kernel) - before[1])
            kernels.add(current_kernel().pid)
            megabytes = kernel_rss() / 2**20
            if i == 0:
                rss["first"] = megabytes
            if i == len(jobs) - 1:
                rss["round"] = megabytes
            if current_kernel().notebooks == NOTEBOOKS_PER_KERNEL and "most" not in rss:
                rss["most"] = megabytes
        rss["last"] = megabytes
    round_ = f", {rss['round']:.0f} MB after each of the {len(jobs)} notebooks once" if "round" in rss else ""
    most = f", {rss['most']:.0f} MB after its {NOTEBOOKS_PER_KERNEL}th (then replaced)" if "most" in rss else ""
    print(
        f"\nwarm kernels, {count} notebooks on {len(kernels)} kernel(s) one after another: kernel RSS "
        f"{rss['first']:.0f} MB after the first{round_}{most}, {rss['last']:.0f} MB after the last; "
        f"CPU s per notebook after the first (worker + kernel) {statistics.median(cpu or [0]):.2f}"
    )


def _kernel_cpu(kernel) -> float:
    import psutil

    times = psutil.Process(kernel.pid).cpu_times() if kernel and kernel.pid else None
    return times.user + times.system if times else 0.0


def run_sizes(args: argparse.Namespace, jobs: list[int], kernel: str) -> None:
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; repeat {args.repeat}; medians in seconds")
    header = f"{'partnership':<14}{'notebooks':>10}{'hand loop':>11}" + "".join(f"{f'build j{j}':>11}" for j in jobs)
    header += f"{'ratio':>8}{'rebuild':>9}{'cold/rebuild':>14}{'s/nb':>7}{'CPU/nb':>8}{'peak MB':>9}"
    print(header, flush=True)
    with tempfile.TemporaryDirectory(prefix="csp-bench-") as tmp:
        for size in args.sizes.split(","):
            data = ROOT / "data" / "raw" if size == "demo" else generate(Path(tmp) / f"data-{size}", int(size))
            n = notebooks_in(data)
            hand, cold, peak, cpu = [], {j: [] for j in jobs}, 0.0, []
            for r in range(args.repeat):
                if not args.no_hand:
                    out = Path(tmp) / f"hand-{size}-{r}"
                    seconds, rss = hand_loop(data, out)
                    hand.append(seconds)
                    peak = max(peak, rss)
                    shutil.rmtree(out, ignore_errors=True)
                for j in jobs:
                    seconds, rss = build(data, Path(tmp) / f"out-{size}", j, force=True, kernel=kernel)
                    cold[j].append(seconds)
                    cpu.append(CPU[-1])
                    peak = max(peak, rss)
            rebuild = [
                build(data, Path(tmp) / f"out-{size}", max(jobs), force=False, kernel=kernel)[0]
                for _ in range(max(3, args.repeat))
            ]
            best = statistics.median(cold[max(jobs)])
            hand_median = statistics.median(hand) if hand else float("nan")
            row = f"{size:<14}{n:>10}{hand_median:>11.1f}" + "".join(
                f"{statistics.median(cold[j]):>11.1f}" for j in jobs
            )
            row += f"{hand_median / best:>7.1f}x{statistics.median(rebuild):>9.2f}{best / statistics.median(rebuild):>13.0f}x"
            row += f"{best / n:>7.2f}{statistics.median(cpu) / n:>8.2f}{peak:>9.0f}"
            print(row, flush=True)
    print("\nratio = hand loop / build with the most jobs; rebuild = unchanged inputs (every notebook from the cache)")


if __name__ == "__main__":
    main()
