"""A whole year of the demo: 2015-16 to quarter four, for the year-end report's tests.

The demo has seed 003's figures to June 2015. This writes the rest of the year
as a partnership would have it by April 2016: each measure's later periods
from last year's same periods, scaled (plausible, invented figures: a little
better than last year for some measures and worse for others, so the year
ends with measures achieved and not); the action plan and the
recommendations carried through the quarters with their statuses moving on
(a task achieved in quarter three, one turning red); the meeting of each
quarter; and the next year's first quarter started with one task left out
(dropped) and the rest carried forward.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import yaml

from analysis.core.periods import months_of_year, quarters_of_year

DEMO = Path(__file__).resolve().parents[1] / "data" / "raw"
FY = 2015
Q4 = "2015-16-Q4"
NEXT_Q1 = "2016-17-Q1"
MEETINGS = {"2015-16-Q1": "2015-07-23", "2015-16-Q2": "2015-10-22", "2015-16-Q3": "2016-01-28", Q4: "2016-04-28"}
# Each measure's later periods as last year's same periods times this (running totals scaled as running totals).
SCALE = {
    "closing-the-gap": 1.04,  # the gap widens: not achieved (lower is better, target 77.3)
    "all-crime": 1.01,
    "da-reporting": 0.95,  # fewer reports: not achieved (higher is better, target 6,587)
    "da-referrals": 1.10,
    "dash-training": 1.0,  # 58 + 15 + 15 + 13 = 101: not achieved (target 200)
    "asb-incidents": 0.93,  # achieved (lower is better, target 10,064)
    "hate-incidents": 1.12,  # achieved early (higher is better, target 621)
    "serious-acquisitive-crime": 1.08,
}
DROPPED_TASK = "Promote third-party reporting centres"  # left out of the next year's first quarter
ACHIEVED_TASK = "Deliver DASH training to partner agencies"  # achieved from quarter three


def _rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))
    return list(reader.fieldnames or []), list(reader)


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def _figure(value: float, cumulative: bool) -> str:
    return f"{round(value, 1):g}" if cumulative else str(round(value))


def year_actuals(register: dict, actuals: list[dict[str, str]]) -> list[dict[str, str]]:
    """The demo's actuals with every later period of 2015-16 added (a lagged measure's last one not yet in)."""
    have = {(r["measure_id"], r["period"]) for r in actuals}
    values = {(r["measure_id"], r["period"]): float(r["value"]) for r in actuals}
    added = []
    for m in register["measures"]:
        if m.get("status") == "in_development":
            continue
        periods = months_of_year(FY) if m["frequency"] == "monthly" else quarters_of_year(FY)
        last_year = months_of_year(FY - 1) if m["frequency"] == "monthly" else quarters_of_year(FY - 1)
        due = periods[: len(periods) - int(m.get("lag", 0))]
        cumulative = m.get("aggregation") == "cumulative"
        for period, before in zip(due, last_year, strict=False):
            if (m["id"], period) in have:
                continue
            value = values[m["id"], before] * SCALE[m["id"]]
            added.append({"measure_id": m["id"], "period": period, "value": _figure(value, cumulative)})
    return actuals + added


def _quarter_rows(rows: list[dict[str, str]], quarter: str, source: str) -> list[dict[str, str]]:
    return [{**r, "quarter": quarter} for r in rows if r["quarter"] == source]


def year_plan(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """The action plan carried through the year: DASH training achieved from quarter three, vehicle crime red at
    quarter four; then the next year's first quarter without :data:`DROPPED_TASK`."""
    q1 = [r for r in rows if r["quarter"] == "2015-16-Q1"]
    out = list(rows)
    for quarter in quarters_of_year(FY)[1:]:
        for r in _quarter_rows(q1, quarter, "2015-16-Q1"):
            if r["task"] == ACHIEVED_TASK and quarter >= "2015-16-Q3":
                r.update(position="212 professionals trained by December", status="achieved", improvement="",
                         deadline="")  # fmt: skip
            if r["ref"] == "AC1" and quarter == Q4:
                r.update(position="Vehicle offences up 8% on last year", status="red",
                         improvement="A vehicle crime problem profile for the new plan", deadline="30 June 2016")  # fmt: skip
            out.append(r)
    out += [{**r, "quarter": NEXT_Q1} for r in out if r["quarter"] == Q4 and r["task"] != DROPPED_TASK]
    return out


def year_recommendations(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """The recommendations carried through the year, recommendation 17 done by quarter four."""
    q1 = [r for r in rows if r["quarter"] == "2015-16-Q1"]
    out = list(rows)
    for quarter in quarters_of_year(FY)[1:]:
        for r in _quarter_rows(q1, quarter, "2015-16-Q1"):
            if r["number"] == "17" and quarter == Q4:
                r.update(progress="The Plymouth Reducing Reoffending Group met quarterly from October",
                         status="achieved")  # fmt: skip
            out.append(r)
    return out


def write_year(folder: Path) -> Path:
    """The demo's inputs with the whole of 2015-16 in, written into ``folder`` (a new folder); returns it."""
    shutil.copytree(DEMO, folder)
    register_path = folder / "measures.yml"
    register = yaml.safe_load(register_path.read_text(encoding="utf-8"))
    register["report"]["meetings"] = dict(MEETINGS)
    register_path.write_text(yaml.safe_dump(register, sort_keys=False, allow_unicode=True), encoding="utf-8")
    header, actuals = _rows(folder / "actuals.csv")
    _write(folder / "actuals.csv", header, year_actuals(register, actuals))
    header, plan = _rows(folder / "action_plan.csv")
    _write(folder / "action_plan.csv", header, year_plan(plan))
    header, recs = _rows(folder / "recommendations.csv")
    _write(folder / "recommendations.csv", header, year_recommendations(recs))
    return folder
