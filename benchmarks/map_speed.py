"""What a map costs a page, beside a chart: the small-area map against the cumulative chart, side by side in one run.

Computes a quarter of the Newport example (``examples/newport``, 100 small areas
and 21 wards) in memory, as the build does, then times in turns, in one process
as a warm kernel runs them:

- ``chart``: a measure page's cumulative chart (Altair, drawn to SVG by vl-convert);
- ``map``: the same page's map by small area (:func:`analysis.report.neighbourhoods.map_by_area`:
  the GeoJSON projected and simplified once per boundaries file, then the classes,
  the numbered labels and the SVG);
- ``map, first``: the map with the projection's cache cleared each time, as the
  first map a kernel draws;
- ``ward map``: the neighbourhoods page's map by ward.

Prints each one's median and best wall time and the ratio of map to chart (the
goal: a map costs no more than a chart), and the size of each figure's HTML.

    .venv/bin/python benchmarks/map_speed.py
    .venv/bin/python benchmarks/map_speed.py --repeat 50 --quarter 2024-25-Q2
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from analysis.core.paths import OutputPaths
from analysis.core.periods import parse_quarter
from analysis.inputs.tables import load_inputs
from analysis.processed.quarter import QuarterData
from analysis.processed.tables import compute_tables
from analysis.report import maps, measure, neighbourhoods

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data", type=Path, default=ROOT / "examples" / "newport", help="a data folder with neighbourhoods/"
    )
    parser.add_argument("--quarter", default="2024-25-Q3")
    parser.add_argument("--measure", default="all-crime")
    parser.add_argument("--repeat", type=int, default=30, help="runs of each (default 30); medians are shown")
    args = parser.parse_args()
    q = parse_quarter(args.quarter)
    nothing_built = OutputPaths(ROOT / "tests" / "data" / "no-builds")
    data = QuarterData.from_files(q, compute_tables(load_inputs(args.data), q, nothing_built))
    m = data.register.measure(args.measure)

    def first_map() -> str:
        maps.project.cache_clear()
        return neighbourhoods.map_by_area(data, m)

    runs: dict[str, Callable[[], str]] = {
        "chart": lambda: measure.cumulative_chart(data, m.id),
        "map": lambda: neighbourhoods.map_by_area(data, m),
        "map, first": first_map,
        "ward map": lambda: neighbourhoods.map_by_ward(data, m),
    }
    for fn in runs.values():
        fn()  # warm-up: imports, vl-convert's first chart
    wall: dict[str, list[float]] = {name: [] for name in runs}
    size: dict[str, int] = {}
    for _ in range(args.repeat):
        for name, fn in runs.items():
            start = time.perf_counter()
            html = fn()
            wall[name].append(time.perf_counter() - start)
            size[name] = len(str(html))
    print(f"{args.data.name}, {q}, {args.measure}: {args.repeat} runs each")
    print(f"{'figure':14}{'median ms':>11}{'best ms':>9}{'HTML KB':>9}")
    for name, times in wall.items():
        print(f"{name:14}{statistics.median(times) * 1000:11.1f}{min(times) * 1000:9.1f}{size[name] / 1000:9.1f}")
    chart, area = statistics.median(wall["chart"]), statistics.median(wall["map"])
    first = statistics.median(wall["map, first"])
    print(
        f"ratio (medians): a map costs {area / chart:.2f}x a chart ({first / chart:.2f}x for a kernel's first map); "
        "goal: at most 1x"
    )


if __name__ == "__main__":
    main()
