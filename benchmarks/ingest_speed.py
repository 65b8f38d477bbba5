"""How fast the police.uk reader counts a national-size file, beside plain pandas.

Generates a file in police.uk's street-level schema (6 million rows by default,
about a year of England and Wales) in a temporary folder, then times, side by
side in one run:

- ``pyarrow``: the ingest's own path (``read_street_files``, ``split_by_area``,
  ``monthly_counts`` and ``count_by_month`` for seven measures);
- ``pandas``: plain ``pandas.read_csv`` of the three columns, the local
  authority taken off the LSOA name with ``str.replace``, then ``groupby``;
- ``pandas read_csv only``: the read alone, a floor for any pandas approach;
- ``pyarrow with small areas``: the ingest as it runs for a data folder with
  ``neighbourhoods/``: the LSOA code read as well, the same group-by with the
  code as a third key, and each measure counted by month and small area
  (``count_by_area``), beside the monthly counts.

Each is run ``--repeat`` times, in turns; the medians (and the best runs, less
disturbed by other work on the machine) and the ratio are printed. The goal is
for the ingest to be at least three times faster than the plain pandas way, and
for counting by small area to cost at most 1.5 times the ingest without it. The
CSV tokenizer bounds both: pyarrow's spreads over every CPU, pandas' uses one,
and pandas then spends most of its time taking the authority off 6 million LSOA
names, which the ingest does once per distinct name.

    python benchmarks/ingest_speed.py            # 6,000,000 rows
    python benchmarks/ingest_speed.py --rows 500000 --repeat 5
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pv

from analysis.ingest import count_by_month, find_area, load_lookup, read_street_files
from analysis.ingest.areas import LSOA_SUFFIX
from analysis.ingest.police_uk import ASB, COLUMNS, CRIME_TYPES, monthly_counts, split_by_area, wanted_types
from analysis.ingest.small_areas import count_by_area

PARTNERSHIP = "Newport"
MEASURES = (
    ["all-crime"], [ASB], ["Vehicle crime"], ["Burglary"], ["Violence and sexual offences"],
    ["Criminal damage and arson"], ["Shoplifting"],
)  # fmt: skip
# Roughly the national shares of police.uk records by type.
WEIGHTS = {
    "Anti-social behaviour": 17, "Bicycle theft": 1, "Burglary": 4, "Criminal damage and arson": 8, "Drugs": 3,
    "Other crime": 2, "Other theft": 7, "Possession of weapons": 1, "Public order": 9, "Robbery": 1,
    "Shoplifting": 7, "Theft from the person": 2, "Vehicle crime": 6, "Violence and sexual offences": 32,
}  # fmt: skip
OUTCOMES = (
    "Unable to prosecute suspect", "Investigation complete; no suspect identified", "Under investigation",
    "Awaiting court outcome", "Local resolution", "Offender given a caution", "Court result unavailable",
)  # fmt: skip


def _pick(rng: np.random.Generator, values: list[str], index: np.ndarray) -> pa.Array:
    return pa.array(values, pa.string()).take(pa.array(index))


def _crime_ids(rng: np.random.Generator, n: int) -> pa.Array:
    raw = np.frombuffer(rng.bytes(32 * n), np.uint8).reshape(n, 32)
    digits = np.frombuffer(b"0123456789abcdef", np.uint8)
    hexed = np.empty((n, 64), np.uint8)
    hexed[:, 0::2], hexed[:, 1::2] = digits[raw >> 4], digits[raw & 15]
    fixed = pa.FixedSizeBinaryArray.from_buffers(pa.binary(64), n, [None, pa.py_buffer(hexed.tobytes())])
    return fixed.cast(pa.binary()).cast(pa.string())


def _batch(rng: np.random.Generator, n: int, lsoas: list[str], codes: list[str]) -> pa.Table:
    types = list(WEIGHTS)
    p = np.array(list(WEIGHTS.values()), float)
    type_index = rng.choice(len(types), n, p=p / p.sum())
    crime_type = _pick(rng, types, type_index)
    asb = pa.array(type_index == types.index(ASB))
    lsoa = rng.integers(0, len(lsoas), n)
    located = rng.random(n) > 0.02
    lon = np.where(located, rng.uniform(-5.5, 1.7, n).round(6), np.nan)
    lat = np.where(located, rng.uniform(50.0, 55.8, n).round(6), np.nan)
    name = pa.array(np.array(lsoas, object)[lsoa], pa.string(), mask=~located)
    code = pa.array(np.array(codes, object)[lsoa], pa.string(), mask=~located)
    force = "Example Police"
    columns = {
        "Crime ID": pa.compute.if_else(asb, "", _crime_ids(rng, n)),
        "Month": _pick(rng, [f"2024-{m:02d}" for m in range(1, 13)], rng.integers(0, 12, n)),
        "Reported by": pa.array([force] * n),
        "Falls within": pa.array([force] * n),
        "Longitude": pa.array(lon, mask=~located),
        "Latitude": pa.array(lat, mask=~located),
        "Location": _pick(rng, [f"On or near Street {i}" for i in range(2000)], rng.integers(0, 2000, n)),
        "LSOA code": code,
        "LSOA name": name,
        "Crime type": crime_type,
        "Last outcome category": pa.compute.if_else(asb, "", _pick(rng, list(OUTCOMES), rng.integers(0, 7, n))),
        "Context": pa.array([""] * n),
    }
    return pa.table({c: columns[c] for c in COLUMNS})


def generate(path: Path, rows: int, seed: int = 2024) -> Path:
    """Write ``rows`` street-level records for every local authority of England and Wales."""
    rng = np.random.default_rng(seed)
    # LSOA names as police.uk writes them ("Bristol 001A"); commas dropped so that no value needs quotes,
    # as in police.uk's files (only "Bournemouth, Christchurch and Poole" would).
    bare = {r.lad_name.replace(", City of", "").replace(", County of", "") for r in load_lookup()}
    authorities = sorted(name.replace(",", "") for name in bare)
    lsoas = [f"{a} {i:03d}{'ABCDE'[j]}" for a in authorities for i in range(1, 23) for j in range(5)]
    codes = [f"E01{i:06d}" for i in range(len(lsoas))]
    options = pv.WriteOptions(include_header=False, quoting_style="none")  # police.uk quotes nothing
    with open(path, "wb") as sink:
        sink.write((",".join(COLUMNS) + "\n").encode())
        with pv.CSVWriter(sink, _batch(rng, 1, lsoas, codes).schema, write_options=options) as writer:
            for start in range(0, rows, 1_000_000):
                writer.write_table(_batch(rng, min(1_000_000, rows - start), lsoas, codes))
    return path


def with_pyarrow(path: Path) -> dict[str, int]:
    """The ingest's way: read three columns dictionary-encoded, match areas once per name, one group-by."""
    table = read_street_files([path])
    counts = monthly_counts(split_by_area(table, find_area(PARTNERSHIP).lsoa_authorities).table)
    return {m[0]: sum(count_by_month(counts, m).values()) for m in MEASURES}


def with_small_areas(path: Path) -> dict[str, int]:
    """The ingest with ``neighbourhoods/``: the LSOA code read too, and every measure counted by small area."""
    table = read_street_files([path], codes=True)
    counts = monthly_counts(split_by_area(table, find_area(PARTNERSHIP).lsoa_authorities).table)
    months = sorted(m for m in counts["Month"].to_pylist() if m)
    codes = {c: c for c in counts["LSOA code"].to_pylist() if c}  # every code of the area is one of its small areas
    measures = [(m[0], wanted_types(counts, m)) for m in MEASURES]
    by_area, _ = count_by_area(counts, measures, sorted(set(months)), codes)
    monthly = {m[0]: sum(count_by_month(counts, m).values()) for m in MEASURES}
    per_area = {mid: 0 for mid, _ in measures}
    for mid, _, _, n in by_area.rows:
        per_area[mid] += n
    assert per_area == monthly, f"the small-area counts do not add up to the monthly ones: {per_area} != {monthly}"
    return monthly


def with_pandas(path: Path) -> dict[str, int]:
    """Plain pandas: read_csv, the authority off the LSOA name, groupby."""
    df = pd.read_csv(path, usecols=["Month", "LSOA name", "Crime type"])
    authority = df["LSOA name"].str.replace(LSOA_SUFFIX, "", regex=True)
    local = df[authority.isin(find_area(PARTNERSHIP).lsoa_authorities)]
    counts = local.groupby(["Month", "Crime type"]).size()
    by_type = counts.groupby(level="Crime type").sum()
    out = {}
    for m in MEASURES:
        types = [t for t in CRIME_TYPES if t != ASB] if m == ["all-crime"] else m
        out[m[0]] = int(by_type.reindex(types).fillna(0).sum())
    return out


def read_only(path: Path) -> int:
    return len(pd.read_csv(path, usecols=["Month", "LSOA name", "Crime type"]))


def _interleaved(fns: dict[str, Callable[[Path], object]], path: Path, repeat: int) -> dict[str, tuple]:
    """Median and best wall seconds, median CPU seconds and the last result of each reader.

    The readers take turns, so that other work on the machine slows them alike.
    """
    wall: dict[str, list[float]] = {name: [] for name in fns}
    cpu: dict[str, list[float]] = {name: [] for name in fns}
    results: dict[str, object] = {}
    for fn in fns.values():
        fn(path)  # warm-up: the file in the page cache, lazy imports and the ONS lookup loaded
    for _ in range(repeat):
        for name, fn in fns.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            results[name] = fn(path)
            wall[name].append(time.perf_counter() - start)
            cpu[name].append(time.process_time() - start_cpu)
    return {
        name: (statistics.median(wall[name]), min(wall[name]), statistics.median(cpu[name]), results[name])
        for name in fns
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=6_000_000, help="rows to generate (default 6,000,000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each reader (default 3); medians are shown")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "2024-national-street.csv"
        start = time.perf_counter()
        generate(path, args.rows)
        size = path.stat().st_size / 1e6
        print(f"generated {args.rows:,} rows ({size:,.0f} MB) in {time.perf_counter() - start:.1f} s")
        runs = _interleaved(
            {
                "pyarrow (the ingest)": with_pyarrow,
                "pandas read_csv + groupby": with_pandas,
                "pandas read_csv only": read_only,
                "pyarrow with small areas": with_small_areas,
            },
            path,
            args.repeat,
        )
    (fast, fast_best, _, mine), (slow, slow_best, _, theirs), (floor, _, _, _), (areas, areas_best, _, by_area) = (
        runs.values()
    )
    assert mine == theirs == by_area, f"the ways disagree: {mine}, {theirs}, {by_area}"
    print(f"{'reader':28}{'median s':>10}{'best s':>8}{'CPU s':>8}{'rows/s':>14}")
    for name, (seconds, best, cpu, _) in runs.items():
        print(f"{name:28}{seconds:10.2f}{best:8.2f}{cpu:8.2f}{args.rows / seconds:14,.0f}")
    print(
        f"ratio (medians): the ingest is {slow / fast:.1f}x faster than pandas read_csv + groupby "
        f"(best runs: {slow_best / fast_best:.1f}x; goal: at least 3x); pandas read_csv alone takes "
        f"{floor / fast:.1f}x the ingest's whole time"
    )
    print(
        f"ratio (medians): counting by small area as well takes {areas / fast:.2f}x the ingest without it "
        f"(best runs: {areas_best / fast_best:.2f}x; goal: at most 1.5x)"
    )
    print(f"({os.cpu_count()} CPUs; CPU s counts every thread, and pyarrow reads on all of them)")
    print(f"counts agree for {PARTNERSHIP}: {mine}")


if __name__ == "__main__":
    main()
