"""The year-end report (quarter four): each measure's year against its target, its quarters' statuses and what
became of each task, checked against a calculation of its own, and the same however the year was built."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
import yaml
from year import DROPPED_TASK, FY, NEXT_Q1, Q4, write_year

from analysis.cli import main
from analysis.core.paths import OutputPaths
from analysis.core.periods import months_of_year, parse_quarter, quarter_of_period, quarters_of_year
from analysis.processed.contract import YEAR_ACTIONS, YEAR_END

ROOT = Path(__file__).resolve().parents[1]


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture(scope="module")
def year(tmp_path_factory) -> Path:
    """The demo's whole year 2015-16 (tests/year.py), read only."""
    return write_year(tmp_path_factory.mktemp("year") / "raw")


def _tables(data: Path, quarter: str = Q4) -> dict[str, str]:
    from analysis.inputs.tables import load_inputs
    from analysis.processed.tables import compute_tables

    inputs = load_inputs(data)
    return compute_tables(inputs, parse_quarter(quarter), OutputPaths(ROOT / "tests" / "data" / "no-builds"))


def _expected(measure: dict, values: dict[str, float]) -> tuple[float, str]:
    """The year's figure and result by the contract's method, worked out here from the register and the actuals."""
    periods = months_of_year(FY) if measure["frequency"] == "monthly" else quarters_of_year(FY)
    have = [values[p] for p in periods if p in values]
    figure = have[-1] if measure.get("aggregation") == "cumulative" else sum(have)
    target = (measure.get("targets") or {}).get(f"{FY}-{(FY + 1) % 100:02d}")
    if measure["polarity"] == "monitor" or target is None:
        return figure, "monitored"
    met = figure >= target if measure["polarity"] == "higher" else figure <= target
    if met:
        return figure, "achieved"
    complete = len(have) == len(periods)
    return figure, "not_achieved" if complete else "not_known"


def test_the_year_end_agrees_with_its_own_calculation(year):
    register = yaml.safe_load((year / "measures.yml").read_text(encoding="utf-8"))
    values: dict[str, dict[str, float]] = {}
    for r in _rows((year / "actuals.csv").read_text(encoding="utf-8")):
        values.setdefault(r["measure_id"], {})[r["period"]] = float(r["value"])
    shown = {r["measure_id"]: r for r in _rows(_tables(year)[YEAR_END.name])}
    reported = [m for m in register["measures"] if m.get("status") != "in_development"]
    assert list(shown) == [m["id"] for m in reported]
    for m in reported:
        figure, result = _expected(m, values[m["id"]])
        row = shown[m["id"]]
        assert float(row["year_actual"]) == pytest.approx(figure), m["id"]
        assert row["result"] == result, m["id"]
    results = {r["result"] for r in shown.values()}
    assert {"achieved", "not_achieved", "monitored"} <= results, "the year covers each result"


def test_each_quarters_status_is_the_one_that_quarter_gives(year):
    shown = {r["measure_id"]: r for r in _rows(_tables(year)[YEAR_END.name])}
    for n, quarter in enumerate(quarters_of_year(FY), 1):
        status = {r["measure_id"]: r["status"] for r in _rows(_tables(year, quarter)["measure_status.csv"])}
        assert {m: row[f"status_q{n}"] for m, row in shown.items()} == status, quarter


def test_the_year_end_is_the_same_built_quarter_by_quarter_or_once(year, tmp_path, capsys):
    by_quarter, once = tmp_path / "by-quarter", tmp_path / "once"
    for quarter in quarters_of_year(FY):
        assert main(["status", "--quarter", quarter, "--data", str(year), "--out", str(by_quarter)]) == 0
    assert main(["status", "--quarter", Q4, "--data", str(year), "--out", str(once)]) == 0
    capsys.readouterr()
    for table in (YEAR_END, YEAR_ACTIONS):
        built = [
            (out / "data" / "processed" / Q4 / table.name).read_text(encoding="utf-8") for out in (by_quarter, once)
        ]
        assert built[0] == built[1], table.name


def test_what_became_of_each_task_of_the_year(year, tmp_path):
    results = {r["task"]: r["result"] for r in _rows(_tables(year)[YEAR_ACTIONS.name])}
    assert results.pop(DROPPED_TASK) == "dropped", "left out of the next year's first quarter"
    assert results.pop("Deliver DASH training to partner agencies") == "achieved"
    assert set(results.values()) == {"carried_forward"} and len(results) == 5
    # before the next year is started, every open task is still open: carried forward, none dropped
    started = (year / "action_plan.csv").read_text(encoding="utf-8").splitlines()
    unstarted = tmp_path / "raw"
    shutil.copytree(year, unstarted)
    (unstarted / "action_plan.csv").write_text(
        "\n".join(line for line in started if not line.startswith(NEXT_Q1)) + "\n", encoding="utf-8"
    )
    results = [r["result"] for r in _rows(_tables(unstarted)[YEAR_ACTIONS.name])]
    assert results.count("carried_forward") == 6 and "dropped" not in results


def test_no_year_end_table_before_quarter_four(year):
    files = _tables(year, "2015-16-Q3")
    assert YEAR_END.name not in files and YEAR_ACTIONS.name not in files


def test_a_quarter_built_later_in_the_year_shows_no_value_after_its_end(year):
    """Q2 built once the whole year is in: its period tables stop at September, as the board saw them."""
    series = _rows(_tables(year, "2015-16-Q2")["measure_series.csv"])
    q2 = parse_quarter("2015-16-Q2")
    later = [r for r in series if quarter_of_period(r["period"]) > q2 and r["value"]]
    assert later == [], later[:2]
    assert any(quarter_of_period(r["period"]) > q2 for r in series), "the year's later periods are listed, empty"
    assert any(r["period"] == "2015-09" and r["value"] for r in series), "the quarter's own months are there"
