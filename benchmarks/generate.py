"""Generate a partnership of N measures with two years of monthly counts, for benchmarks and scale tests."""

from __future__ import annotations

import argparse
import random
from pathlib import Path

import yaml

PRIORITIES = ["Violence", "Domestic abuse", "Anti-social behaviour", "Acquisitive crime", "Hate crime", "Reoffending"]


def months(fy: int) -> list[str]:
    return [f"{fy + (m < 4)}-{m:02d}" for m in (*range(4, 13), 1, 2, 3)]


def generate(folder: Path, measures: int, *, seed: int = 1, name: str = "Generated Partnership") -> Path:
    """Write ``measures.yml`` and ``actuals.csv`` for a partnership with ``measures`` monthly measures."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    register = {"partnership": name, "measures": []}
    lines = ["measure_id,period,value"]
    for i in range(measures):
        level = rng.randint(20, 900)
        polarity = rng.choice(["lower", "lower", "higher", "monitor"])
        mid = f"measure-{i + 1:03d}"
        entry = {
            "id": mid,
            "title": f"Measure {i + 1}",
            "priority": PRIORITIES[i % len(PRIORITIES)],
            "lead": f"Delivery group {i % 5 + 1}",
            "polarity": polarity,
            "frequency": "monthly",
            "unit": "incidents",
        }
        if polarity != "monitor":
            entry["targets"] = {"2015-16": round(level * 12 * (0.95 if polarity == "lower" else 1.05))}
        register["measures"].append(entry)
        for period in months(2014) + months(2015)[:3]:
            value = max(0, round(rng.gauss(level, level**0.5)))
            lines.append(f"{mid},{period},{value}")
    (folder / "measures.yml").write_text(yaml.safe_dump(register, sort_keys=False), encoding="utf-8")
    (folder / "actuals.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--measures", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(generate(args.folder, args.measures, seed=args.seed))
