"""The gap and the small-area rates checked against an independent count of the real police.uk records.

The hand count here reads Newport's police.uk street files with plain pandas,
maps the 2011 LSOA codes of 2022 with the ONS lookup, and works the gap areas,
the gap and the rates by small area out from first principles; the project's own
figures (the example's ``actuals.csv``, and the ``neighbourhoods.csv`` a build
writes) must agree. Skipped where the shared public data are not beside the
repository.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd
import pytest

from analysis.core.periods import months_of_year, parse_quarter
from analysis.ingest.gap import counts_by_month, rank_by_rate, year_totals
from analysis.inputs.tables import load_inputs
from analysis.processed.neighbourhoods import neighbourhood_files

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
STREETS = SHARED / "police-uk" / "gwent"
HOODS = SHARED / "neighbourhoods"
EXAMPLE = ROOT / "examples" / "newport"

pytestmark = pytest.mark.skipif(
    not STREETS.is_dir() or not HOODS.is_dir(), reason="the shared public data are not here"
)


@functools.cache
def hand_count() -> pd.DataFrame:
    """Newport's crimes (every police.uk type but anti-social behaviour) by month and 2021 LSOA, by hand."""
    frames = [
        pd.read_csv(p, usecols=["Month", "LSOA code", "LSOA name", "Crime type"]) for p in sorted(STREETS.glob("*.csv"))
    ]
    records = pd.concat(frames, ignore_index=True)
    newport = records[records["LSOA name"].str.startswith("Newport ", na=False)]
    crimes = newport[newport["Crime type"] != "Anti-social behaviour"]
    lookup = pd.read_csv(HOODS / "gwent_lsoa11_to_lsoa21_ltla22.csv")
    first_2021 = lookup.groupby("lsoa11_code")["lsoa21_code"].min()  # a split code counted against its lowest
    areas = set(residents().index)
    code = crimes["LSOA code"].where(crimes["LSOA code"].isin(areas), crimes["LSOA code"].map(first_2021))
    assert code.isin(areas).all()
    return crimes.assign(area=code).groupby(["Month", "area"]).size().rename("crimes").reset_index()


@functools.cache
def residents() -> pd.Series:
    people = pd.read_csv(HOODS / "gwent_lsoa21_population.csv")
    return people[people["ltla24_name"] == "Newport"].set_index("lsoa21_code")["population_mid2022"].astype(float)


def by_area(months: list[str]) -> pd.Series:
    counts = hand_count()
    chosen = counts[counts["Month"].isin(months)].groupby("area")["crimes"].sum()
    return chosen.reindex(residents().index, fill_value=0)


def hand_gap_areas(fy: int) -> list[str]:
    """The ten highest rates over the whole of FY-1, ties by code, by hand."""
    crimes = by_area(months_of_year(fy - 1))
    frame = pd.DataFrame({"rate": crimes / residents(), "code": crimes.index})
    return list(frame.sort_values(["rate", "code"], ascending=[False, True])["code"][:10])


def hand_gap(fy: int, month: str) -> float:
    year = months_of_year(fy)
    crimes = by_area(year[: year.index(month) + 1])
    top = hand_gap_areas(fy)
    people = residents()
    return crimes[top].sum() / people[top].sum() * 1000 - crimes.sum() / people.sum() * 1000


def test_the_examples_gap_is_the_hand_counts_every_month():
    actuals = pd.read_csv(EXAMPLE / "actuals.csv")
    gap = actuals[actuals["measure_id"] == "neighbourhood-gap"].set_index("period")["value"]
    months = [m for m in months_of_year(2024) if m <= "2024-12"]
    assert list(gap.index) == months  # 2023-24 has none: 2022-23 is not whole in the files
    for month in months:
        assert gap[month] == pytest.approx(hand_gap(2024, month), abs=1e-9), month


@functools.cache
def built(quarter: str) -> pd.DataFrame:
    import io

    files = neighbourhood_files(load_inputs(EXAMPLE), parse_quarter(quarter))
    return pd.read_csv(io.StringIO(files["neighbourhoods.csv"]), dtype={"gap_area": str})


@pytest.mark.parametrize(
    ("quarter", "last_month"), [("2024-25-Q1", "2024-06"), ("2024-25-Q2", "2024-09"), ("2024-25-Q3", "2024-12")]
)
def test_neighbourhoods_table_agrees_with_the_hand_count(quarter, last_month):
    table = built(quarter)
    gap = table[table["measure_id"] == "neighbourhood-gap"].set_index("area_code")
    chosen = gap[gap["gap_area"] == "true"].sort_values("gap_rank")
    assert list(chosen.index) == hand_gap_areas(2024)
    year = months_of_year(2024)
    crimes = by_area(year[: year.index(last_month) + 1])
    all_crime = table[table["measure_id"] == "all-crime"].set_index("area_code")
    pd.testing.assert_series_equal(all_crime["crimes_ytd"], crimes.astype(float), check_names=False, check_dtype=False)
    expected_rate = crimes / residents() * 1000
    pd.testing.assert_series_equal(all_crime["rate_per_1000"], expected_rate, check_names=False, check_dtype=False)
    last_year = by_area([f"{int(m[:4]) - 1}{m[4:]}" for m in year[: year.index(last_month) + 1]])
    pd.testing.assert_series_equal(
        all_crime["last_year_crimes_ytd"], last_year.astype(float), check_names=False, check_dtype=False
    )
    in_areas = chosen["crimes_ytd"].sum() / chosen["population"].sum() * 1000
    overall = gap["crimes_ytd"].sum() / gap["population"].sum() * 1000
    assert in_areas - overall == pytest.approx(hand_gap(2024, last_month), abs=1e-9)


def test_a_year_whose_year_before_is_incomplete_has_no_gap_areas():
    table = built("2023-24-Q4")
    assert (table.loc[table["measure_id"] == "neighbourhood-gap", "gap_area"] == "false").all()


def test_newports_ten_highest_rates_in_calendar_2024_as_the_data_notes_say():
    """The data's README: Newport's ten LSOAs with the most crime per 1,000 residents in 2024 had 336.8 against
    122.4 for Newport as a whole; worked out with the project's functions from the example's counts."""
    hoods = load_inputs(EXAMPLE).neighbourhoods
    counts = hoods.counts[hoods.counts["measure_id"] == "all-crime"]
    months = [f"2024-{m:02d}" for m in range(1, 13)]
    totals = year_totals(
        counts_by_month(zip(counts["period"], counts["area_code"], counts["value"], strict=True)),
        months,
        hoods.residents,
    )
    top = rank_by_rate(totals, hoods.residents)[:10]
    ten = sum(totals[a] for a in top) / sum(hoods.residents[a] for a in top) * 1000
    newport = sum(totals.values()) / sum(hoods.residents.values()) * 1000
    assert (round(ten, 1), round(newport, 1)) == (336.8, 122.4)
    assert top == hand_gap_areas_of(months)


def hand_gap_areas_of(months: list[str]) -> list[str]:
    crimes = by_area(months)
    frame = pd.DataFrame({"rate": crimes / residents(), "code": crimes.index})
    return list(frame.sort_values(["rate", "code"], ascending=[False, True])["code"][:10])
