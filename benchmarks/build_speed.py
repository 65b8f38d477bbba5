"""Time `csp-report build` against the loop an analyst writes by hand, side by side in one run.

The hand loop is `papermill` then `jupyter nbconvert --to html`, one notebook
after another, over the same notebooks the build executes. For each partnership
(the demo, and generated ones of 40 and 100 measures) it prints the median of
each, their ratio, the unchanged rebuild (cache) against the cold build, time
per notebook for each --jobs, and the peak memory of any one process.

    .venv/bin/python benchmarks/build_speed.py                 # demo, 40, 100 measures
    .venv/bin/python benchmarks/build_speed.py --sizes demo --repeat 3
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
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code)
"""


def timed(command: list[str]) -> tuple[float, float]:
    """Seconds and peak resident memory (MB) of the largest process the command ran."""
    out = subprocess.run([sys.executable, "-c", _MEASURE, *command], capture_output=True, text=True, check=True).stdout
    seconds, rss_kb, code = out.split()
    if code != "0":
        raise SystemExit(f"command failed ({code}): {' '.join(command)}")
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


def build(data: Path, out: Path, jobs: int, force: bool) -> tuple[float, float]:
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
    args = parser.parse_args()
    jobs = sorted({int(j) for j in args.jobs.split(",")})
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; repeat {args.repeat}; medians in seconds")
    header = f"{'partnership':<14}{'notebooks':>10}{'hand loop':>11}" + "".join(f"{f'build j{j}':>11}" for j in jobs)
    header += f"{'ratio':>8}{'rebuild':>9}{'cold/rebuild':>14}{'s/nb':>7}{'peak MB':>9}"
    print(header, flush=True)
    with tempfile.TemporaryDirectory(prefix="csp-bench-") as tmp:
        for size in args.sizes.split(","):
            data = ROOT / "data" / "raw" if size == "demo" else generate(Path(tmp) / f"data-{size}", int(size))
            n = notebooks_in(data)
            hand, cold, peak = [], {j: [] for j in jobs}, 0.0
            for r in range(args.repeat):
                if not args.no_hand:
                    out = Path(tmp) / f"hand-{size}-{r}"
                    seconds, rss = hand_loop(data, out)
                    hand.append(seconds)
                    peak = max(peak, rss)
                    shutil.rmtree(out, ignore_errors=True)
                for j in jobs:
                    seconds, rss = build(data, Path(tmp) / f"out-{size}", j, force=True)
                    cold[j].append(seconds)
                    peak = max(peak, rss)
            rebuild = [
                build(data, Path(tmp) / f"out-{size}", max(jobs), force=False)[0] for _ in range(max(3, args.repeat))
            ]
            best = statistics.median(cold[max(jobs)])
            hand_median = statistics.median(hand) if hand else float("nan")
            row = f"{size:<14}{n:>10}{hand_median:>11.1f}" + "".join(
                f"{statistics.median(cold[j]):>11.1f}" for j in jobs
            )
            row += f"{hand_median / best:>7.1f}x{statistics.median(rebuild):>9.2f}{best / statistics.median(rebuild):>13.0f}x"
            row += f"{best / n:>7.2f}{peak:>9.0f}"
            print(row, flush=True)
    print("\nratio = hand loop / build with the most jobs; rebuild = unchanged inputs (every notebook from the cache)")


if __name__ == "__main__":
    main()
