"""The processed CSV files are safe to open in Excel: text that looks like a formula is neutralised."""

import csv

import pytest

from analysis.cli import main
from analysis.processed.quarter import load_quarter

Q = "2015-16-Q1"


@pytest.mark.parametrize(
    "title",
    ['=HYPERLINK("http://example.com","click")', "+SUM(A1:A9)", "-2+3", "@cmd"],
    ids=["equals", "plus", "minus", "at"],
)
def test_formula_like_text_is_neutralised_and_read_back_unchanged(tmp_path, demo_copy, title):
    register = demo_copy / "measures.yml"
    register.write_text(
        register.read_text().replace(
            "title: Reduce the rate of anti-social behaviour incidents",
            f"title: '{title.replace(chr(39), chr(39) * 2)}'",
        )
    )
    assert main(["status", "--quarter", Q, "--data", str(demo_copy), "--out", str(tmp_path)]) == 0
    with (tmp_path / "data" / "processed" / Q / "measure_status.csv").open(newline="") as handle:
        rows = {r["measure_id"]: r for r in csv.DictReader(handle)}
    assert rows["asb-incidents"]["title"] == "'" + title
    assert rows["asb-incidents"]["change_vs_last_year"].startswith("-")  # numbers stay numbers
    data = load_quarter(Q, processed_dir=tmp_path / "data" / "processed" / Q)
    assert data.status_row("asb-incidents")["title"] == title


def test_a_cumulative_measure_is_charted_by_its_increases(tmp_path):
    """spc.csv holds each month's own increase of a running total (hate incidents: 58, 122, 174 -> 58, 64, 52)."""
    assert main(["status", "--quarter", Q, "--out", str(tmp_path)]) == 0
    folder = tmp_path / "data" / "processed" / Q
    with (folder / "spc.csv").open(newline="") as handle:
        points = {(r["measure_id"], r["period"]): r["value"] for r in csv.DictReader(handle)}
    assert [points["hate-incidents", p] for p in ("2015-03", "2015-04", "2015-05", "2015-06")] == [
        "66",
        "58",
        "64",
        "52",
    ]
    assert [points["closing-the-gap", p] for p in ("2014-06", "2015-06")] == ["6.1", "5.4"]
    with (folder / "measure_series.csv").open(newline="") as handle:
        series = {(r["measure_id"], r["period"]): r for r in csv.DictReader(handle)}
    assert (
        series["hate-incidents", "2015-06"]["cumulative_value"] == series["hate-incidents", "2015-06"]["value"] == "174"
    )
