"""Acceptance: the demo reproduces what Safer Plymouth published for 2015-16 Q1 (seed 003)."""

import pandas as pd
import pytest

from analysis.cli import main

PUBLISHED = {
    "closing-the-gap": "green",
    "all-crime": "monitor",
    "da-reporting": "amber",
    "da-referrals": "red",
    "dash-training": "green",
    "asb-incidents": "green",
    "hate-incidents": "green",
    "serious-acquisitive-crime": "monitor",
}


@pytest.fixture(scope="module")
def status(tmp_path_factory) -> pd.DataFrame:
    out = tmp_path_factory.mktemp("out")
    assert main(["status", "--quarter", "2015-16 Q1", "--out", str(out)]) == 0
    return pd.read_csv(out / "data" / "processed" / "2015-16-Q1" / "measure_status.csv").set_index("measure_id")


CONTRACT_COLUMNS = [
    "measure_id",
    "title",
    "priority",
    "lead",
    "polarity",
    "frequency",
    "period_end",
    "ytd_actual",
    "ytd_target",
    "annual_target",
    "last_year_ytd",
    "last_year_total",
    "change_vs_last_year",
    "forecast",
    "status",
]


def test_leading_columns_are_the_contract(status):
    assert [status.index.name, *status.columns[: len(CONTRACT_COLUMNS) - 1]] == CONTRACT_COLUMNS


@pytest.mark.parametrize(("measure_id", "published"), PUBLISHED.items(), ids=PUBLISHED.keys())
def test_status_as_published(status, measure_id, published):
    assert status.loc[measure_id, "status"] == published


@pytest.mark.parametrize(
    ("measure_id", "ytd", "last_year", "change"),
    [
        ("da-reporting", 1632, 1739, -0.06),  # "an overall reduction of 6% (-107)"
        ("da-referrals", 525, 629, None),  # "104 referrals less than the same period"
        ("dash-training", 58, 15, None),
        ("asb-incidents", 2527, 2713, -0.07),  # "a reduction of 7% (-186)"
        ("hate-incidents", 174, 152, None),
        ("serious-acquisitive-crime", 391, 334, 0.171),  # "17% more" (to May: one month behind)
        ("all-crime", 4799, 4786, None),  # "4799 between April and June compared to 4786"
    ],
    ids=["da-reporting", "da-referrals", "dash", "asb", "hate", "sac", "all-crime"],
)
def test_figures_the_report_quotes(status, measure_id, ytd, last_year, change):
    row = status.loc[measure_id]
    assert row["ytd_actual"] == ytd
    assert row["last_year_ytd"] == last_year
    if change is not None:
        assert round(row["change_vs_last_year"], 3 if abs(change) != round(abs(change), 2) else 2) == change


def test_serious_acquisitive_crime_is_one_month_behind(status):
    assert status.loc["serious-acquisitive-crime", "period_end"] == "2015-05"


def test_gap_below_target_at_end_of_june(status):
    # "at the end of June the gap is 18"; 2015-16 target 77.3 for the year
    row = status.loc["closing-the-gap"]
    assert (row["ytd_actual"], row["annual_target"], row["period_end"]) == (18, 77.3, "2015-06")


def test_series_table_has_both_years(tmp_path):
    assert main(["status", "--out", str(tmp_path)]) == 0
    series = pd.read_csv(tmp_path / "data" / "processed" / "2015-16-Q1" / "measure_series.csv")
    asb = series[series["measure_id"] == "asb-incidents"]
    assert list(asb["financial_year"].unique()) == [2014, 2015]
    assert asb[asb["period"] == "2015-06"]["cumulative_value"].item() == 2527
    assert asb[asb["period"] == "2016-03"]["cumulative_target"].item() == 10064


def test_serious_acquisitive_crime_is_an_exception_item(status, tmp_path_factory):
    """Monitored without a target, but lower is better: its significant 17% rise makes it an exception item."""
    sac = status.loc["serious-acquisitive-crime"]
    assert (sac["polarity"], sac["status"], sac["change_significant"]) == ("lower", "monitor", "yes")
    out = tmp_path_factory.mktemp("exceptions")
    assert main(["status", "--quarter", "2015-16 Q1", "--out", str(out)]) == 0
    exceptions = pd.read_csv(out / "data" / "processed" / "2015-16-Q1" / "exceptions.csv").set_index("measure_id")
    assert "a significant worsening on last year (+17.1%)" in exceptions.loc["serious-acquisitive-crime", "reason"]
