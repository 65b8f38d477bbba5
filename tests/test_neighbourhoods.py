"""Small areas in: ingest neighbourhoods, police.uk counts by small area, their checks, and the gap measure.

The fixtures in tests/data/neighbourhoods are a made-up "Newport" of ten small
areas laid out as the ONS files are; tests/data/police-uk-2022 has a street file
whose records carry 2011 codes (one split, two merged).
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from test_ingest import REGISTER  # police.uk measures, "acquisitive" being burglary and vehicle crime

from analysis.core.periods import months_of_year
from analysis.core.problems import InputError
from analysis.ingest import ingest_police_uk
from analysis.ingest.cli import add_parsers, run
from analysis.ingest.gap import counts_by_month, gap_areas, gap_series, gap_year, rank_by_rate
from analysis.ingest.neighbourhoods import ingest_neighbourhoods
from analysis.inputs.tables import load_inputs

DATA = Path(__file__).resolve().parent / "data"
FIXTURE = DATA / "neighbourhoods"
SLICE = DATA / "police-uk"
OLD_CODES = DATA / "police-uk-2022"
NEWPORT = {"W01001617", "W01001619", "W01001623", "W01001624", "W01001625", "W01001652", "W01001654",
           "W01002026", "W01002027", "W01002099"}  # fmt: skip


def _inputs(**changes: Path | None) -> dict[str, Path | None]:
    files = {
        "population": FIXTURE / "population.csv",
        "areas": FIXTURE / "lookup.csv",
        "boundaries": FIXTURE / "lsoas.geojson",
        "wards": FIXTURE / "wards.geojson",
        "lsoa_lookup": FIXTURE / "lsoa11.csv",
        "deprivation": FIXTURE / "wimd.csv",
    }
    return {**files, **changes}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A data folder with the register and the fixture's neighbourhoods/ ingested."""
    data = tmp_path / "newport"
    data.mkdir()
    (data / "measures.yml").write_text(REGISTER)
    ingest_neighbourhoods("Newport", data, **_inputs())
    return data


# ingest neighbourhoods ---------------------------------------------------------------------------


def test_ingest_neighbourhoods_keeps_the_partnerships_areas_and_writes_the_contract_files(folder):
    hood = folder / "neighbourhoods"
    population = pd.read_csv(hood / "population.csv", dtype={"area_code": str})
    areas = pd.read_csv(hood / "areas.csv", dtype=str, keep_default_na=False)
    assert list(population.columns) == ["area_code", "population"]
    assert set(population["area_code"]) == NEWPORT
    assert list(areas.columns) == ["area_code", "area_name", "ward_code", "ward_name", "msoa_code", "msoa_name"]
    assert areas.set_index("area_code").at["W01001623", "ward_name"] == "Bettws"
    features = json.loads((hood / "boundaries.geojson").read_text())["features"]
    assert sorted(f["properties"]["code"] for f in features) == sorted(NEWPORT)
    assert {f["properties"]["name"] for f in features} >= {"Newport 001A", "Newport 099A"}
    wards = json.loads((hood / "wards.geojson").read_text())["features"]
    assert sorted(f["properties"]["code"] for f in wards) == ["W05000001", "W05000002"]  # not Torfaen's


@pytest.mark.parametrize(
    ("area", "decile"),
    [("W01001617", 1), ("W01002026", 2), ("W01002027", 2), ("W01002099", 3)],
    ids=["unchanged", "split-first-part", "split-second-part", "merged-takes-the-more-deprived"],
)
def test_deprivation_deciles_are_mapped_from_2011_areas(folder, area, decile):
    deciles = pd.read_csv(folder / "neighbourhoods" / "deprivation.csv").set_index("area_code")["decile"]
    assert deciles[area] == decile


def test_reingesting_neighbourhoods_gives_the_same_bytes(folder):
    before = {p.name: p.read_bytes() for p in (folder / "neighbourhoods").iterdir()}
    ingest_neighbourhoods("Newport", folder, **_inputs())
    assert {p.name: p.read_bytes() for p in (folder / "neighbourhoods").iterdir()} == before


def _without_codes(tmp: Path) -> Path:
    (tmp / "pop.csv").write_text("name,population\nNewport 001A,1800\n")
    return tmp / "pop.csv"


def _boundaries_without_code(tmp: Path) -> Path:
    data = json.loads((FIXTURE / "lsoas.geojson").read_text())
    for f in data["features"]:
        f["properties"] = {"name": f["properties"]["lsoa21_name"]}
    (tmp / "b.geojson").write_text(json.dumps(data))
    return tmp / "b.geojson"


def _lookup_unplacing(tmp: Path) -> Path:
    lines = (FIXTURE / "lookup.csv").read_text().splitlines()
    lines[3] = lines[3].replace("W14000022,Newport", "W14000022,")  # Newport 001A's partnership left empty
    (tmp / "l.csv").write_text("\n".join(lines) + "\n")
    return tmp / "l.csv"


def _population_missing_one(tmp: Path) -> Path:
    text = (FIXTURE / "population.csv").read_text(encoding="utf-8-sig")
    (tmp / "p.csv").write_text("\n".join(line for line in text.splitlines() if not line.startswith("W01001625")))
    return tmp / "p.csv"


@pytest.mark.parametrize(
    ("key", "make", "expected"),
    [
        ("population", _without_codes, "pop.csv, row 1: no column holds the small areas' codes (like W01001617"),
        ("boundaries", _boundaries_without_code, "b.geojson, property 'code': no property of the features holds"),
        ("areas", _lookup_unplacing, "l.csv, row 4, column 'csp24_name': the lookup leaves W01001623 (Newport 001A) unplaced"),
        ("population", _population_missing_one, "p.csv, column 'lsoacd': 1 of the partnership's areas have no population"),
    ],
    ids=["population-without-area-codes", "boundaries-without-a-code-property", "lookup-leaves-an-area-unplaced",
         "an-area-without-population"],
)  # fmt: skip
def test_bad_neighbourhood_inputs_name_file_row_and_column_and_write_nothing(tmp_path, key, make, expected):
    (tmp_path / "measures.yml").write_text(REGISTER)
    with pytest.raises(InputError) as err:
        ingest_neighbourhoods("Newport", tmp_path, **_inputs(**{key: make(tmp_path)}))
    assert expected in str(err.value)
    assert not (tmp_path / "neighbourhoods").exists()


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_parsers(parser.add_subparsers(dest="command"))
    return parser.parse_args(["ingest", *argv])


def test_cli_ingest_neighbourhoods_exits_2_on_bad_input_and_0_on_good(tmp_path, capsys):
    (tmp_path / "measures.yml").write_text(REGISTER)
    common = ["--areas", str(FIXTURE / "lookup.csv"), "--partnership", "Newport", "--data", str(tmp_path)]
    bad = ["--population", str(_without_codes(tmp_path)), "--boundaries", str(FIXTURE / "lsoas.geojson")]
    assert run(_args("neighbourhoods", *bad, *common)) == 2
    assert "no column holds the small areas' codes" in capsys.readouterr().err
    good = ["--population", str(FIXTURE / "population.csv"), "--boundaries", str(FIXTURE / "lsoas.geojson")]
    assert run(_args("neighbourhoods", *good, *common)) == 0
    assert "Newport: 10 small areas, 16,000 residents." in capsys.readouterr().out


# ingest police-uk by small area ------------------------------------------------------------------


def _counts(folder: Path) -> pd.DataFrame:
    return pd.read_csv(folder / "neighbourhoods" / "counts.csv", dtype={"area_code": str})


def test_police_uk_counts_by_small_area_add_up_to_the_monthly_counts(folder):
    ingest_police_uk([SLICE], "Newport", folder)
    counts = _counts(folder)
    assert list(counts.columns) == ["measure_id", "period", "area_code", "value"]
    actuals = pd.read_csv(folder / "actuals.csv").set_index(["measure_id", "period"])["value"]
    by_area = counts.groupby(["measure_id", "period"])["value"].sum()
    pd.testing.assert_series_equal(by_area, actuals.loc[by_area.index], check_names=False)
    assert set(counts["area_code"]) <= NEWPORT


@pytest.mark.parametrize(
    ("measure_id", "area", "value"),
    [("acquisitive", "W01002026", 2), ("acquisitive", "W01002027", 0), ("all-crime", "W01002099", 2), ("asb", "W01001623", 1)],
    ids=["split-counted-once-against-the-lowest-code", "split-not-counted-twice", "merged-codes-to-their-one-code",
         "a-2021-code-is-itself"],
)  # fmt: skip
def test_2011_codes_are_mapped_to_2021_areas(folder, measure_id, area, value):
    report = ingest_police_uk([OLD_CODES], "Newport", folder)
    counts = _counts(folder).set_index(["measure_id", "period", "area_code"])["value"]
    assert counts.get((measure_id, "2022-12", area), 0) == value
    assert report.mapped == 4 and report.mapped_codes == ("W01001649", "W01009001", "W01009002")
    assert (
        "2011 LSOA codes mapped to 2021 areas: 4 records (3 codes: W01001649, W01009001, W01009002)" in report.summary()
    )


def test_a_month_with_no_record_of_a_measure_still_has_a_row(folder):
    ingest_police_uk([OLD_CODES], "Newport", folder)
    counts = _counts(folder)
    assert counts[counts["measure_id"] == "asb"].to_dict("records") == [
        {"measure_id": "asb", "period": "2022-12", "area_code": "W01001623", "value": 1}
    ]
    shoplifting = REGISTER + (
        "  - {id: shoplifting, title: Shoplifting, priority: Crime, polarity: lower, frequency: monthly,\n"
        "     source: {police_uk: [Shoplifting]}}\n"
    )
    (folder / "measures.yml").write_text(shoplifting)
    ingest_police_uk([OLD_CODES], "Newport", folder)
    rows = _counts(folder)
    assert rows[rows["measure_id"] == "shoplifting"][["period", "area_code", "value"]].values.tolist() == [
        ["2022-12", "W01001617", 0]  # the lowest area, so counts.csv says the month is covered
    ]


def test_reingesting_police_uk_gives_the_same_counts_and_keeps_other_months(folder):
    ingest_police_uk([SLICE], "Newport", folder)
    ingest_police_uk([OLD_CODES], "Newport", folder)
    first = (folder / "neighbourhoods" / "counts.csv").read_bytes()
    ingest_police_uk([SLICE / "2024-02-gwent-street.csv"], "Newport", folder)
    assert (folder / "neighbourhoods" / "counts.csv").read_bytes() == first
    assert set(_counts(folder)["period"]) == {"2022-12", "2024-01", "2024-02"}


def test_a_code_no_lookup_places_names_the_file_row_and_column(folder, tmp_path):
    street = tmp_path / "streets" / "2022-11-gwent-street.csv"
    street.parent.mkdir()
    text = (OLD_CODES / "2022-12-gwent-street.csv").read_text().replace("2022-12", "2022-11")
    street.write_text(text.replace("W01009002,Newport 099C", "W01009999,Newport 099Z"))
    with pytest.raises(InputError) as err:
        ingest_police_uk([street], "Newport", folder)
    assert str(err.value).startswith(
        "2022-11-gwent-street.csv, row 5, column 'LSOA code': W01009999 (Newport 099Z) is not one of the partnership's "
        "small areas in neighbourhoods/areas.csv, and neighbourhoods/lsoa11.csv does not map it to one (1 records): "
        "the lookup leaves it unplaced"
    )
    assert not (folder / "neighbourhoods" / "counts.csv").exists()


# neighbourhoods/ checked when the build reads it ---------------------------------------------------


def _counts_unknown_area(folder: Path) -> None:
    (folder / "neighbourhoods" / "counts.csv").write_text(
        "measure_id,period,area_code,value\nacquisitive,2024-01,W01001623,2\nacquisitive,2024-01,W01009999,1\n"
    )


def _population_header(folder: Path) -> None:
    path = folder / "neighbourhoods" / "population.csv"
    path.write_text(path.read_text().replace("area_code,population", "code,population"))


def _boundary_code(folder: Path) -> None:
    path = folder / "neighbourhoods" / "boundaries.geojson"
    path.write_text(path.read_text().replace('"code":"W01001654"', '"lsoa21cd":"W01001654"'))


def _counts_bad_value(folder: Path) -> None:
    (folder / "neighbourhoods" / "counts.csv").write_text(
        "measure_id,period,area_code,value\nacquisitive,2024-1,W01001623,two\n"
    )


def _gap_without_folder(folder: Path) -> None:
    shutil.rmtree(folder / "neighbourhoods")
    (folder / "measures.yml").write_text(
        REGISTER + "  - {id: gap, title: Gap, priority: Crime, polarity: lower, frequency: monthly,\n"
        "     source: {police_uk: [all-crime]}, gap: {areas: 3}}\n"
    )


@pytest.mark.parametrize(
    ("spoil", "expected"),
    [
        (_counts_unknown_area, ["neighbourhoods/counts.csv, row 3, column 'area_code': W01009999 has no population in neighbourhoods/population.csv, so its count cannot be a rate: add its residents, or run `csp-report ingest police-uk` again"]),
        (_population_header, ["neighbourhoods/population.csv, row 1: the header row has no column 'area_code'; it needs area_code, population"]),
        (_boundary_code, ["neighbourhoods/boundaries.geojson, property 'code': W01001654 has no feature here, so the map would have a hole there",
                          "neighbourhoods/boundaries.geojson, feature 7, property 'code': the feature has no property 'code'; 'lsoa21cd' looks like it: run `csp-report ingest neighbourhoods`, which writes 'code'"]),
        (_counts_bad_value, ["neighbourhoods/counts.csv, row 2, column 'period': '2024-1' is not a month: write it like 2024-01",
                             "neighbourhoods/counts.csv, row 2, column 'value': 'two' is not a count: use a whole number, 0 or more"]),
        (_gap_without_folder, ["measures.yml, measure 'gap', field 'gap': this is a gap measure, computed from police.uk counts by small area: the data folder needs neighbourhoods/ (run `csp-report ingest neighbourhoods`, then `csp-report ingest police-uk`)"]),
    ],
    ids=["counts-area-without-population", "population-without-area-codes", "boundaries-without-code-property",
         "counts-cells", "gap-measure-without-neighbourhoods"],
)  # fmt: skip
def test_the_build_refuses_bad_neighbourhoods_with_file_row_and_column(folder, spoil, expected):
    ingest_police_uk([SLICE], "Newport", folder)
    spoil(folder)
    with pytest.raises(InputError) as err:
        load_inputs(folder)
    assert [str(p) for p in err.value.problems if "neighbourhoods" in p.file or p.column == "gap"] == expected


def test_validate_exits_2_on_bad_neighbourhoods(folder, capsys):
    from analysis.cli import main

    ingest_police_uk([SLICE], "Newport", folder)
    _counts_unknown_area(folder)
    assert main(["validate", "--data", str(folder)]) == 2
    assert "neighbourhoods/counts.csv, row 3, column 'area_code'" in capsys.readouterr().err


def test_the_build_reads_neighbourhoods_typed(folder):
    ingest_police_uk([SLICE, OLD_CODES], "Newport", folder)
    hoods = load_inputs(folder).neighbourhoods
    assert hoods is not None
    assert hoods.residents["W01002099"] == 2500.0
    assert hoods.code_map()["W01001649"] == "W01002026"
    assert hoods.counts["value"].dtype == float and len(hoods.counts) == len(_counts(folder))
    assert folder / "neighbourhoods" / "counts.csv" in load_inputs(folder).files  # hashed in the manifest


# The gap measure -----------------------------------------------------------------------------------

RESIDENTS = {"A": 1000, "B": 1000, "C": 2000, "D": 500}


def _year(fy: int, per_month: dict[str, float], months: int = 12) -> dict[str, dict[str, float]]:
    return {m: dict(per_month) for m in months_of_year(fy)[:months]}


@pytest.mark.parametrize(
    ("per_month", "n", "expected"),
    [
        ({"A": 3, "B": 1, "C": 2, "D": 1}, 2, ("A", "D")),  # D: 12/500 beats C: 24/2000
        ({"A": 2, "B": 2, "C": 4, "D": 1}, 2, ("A", "B")),  # A, B, C tie at 24 per 1,000: ties by code
        ({"A": 2, "B": 2, "C": 4, "D": 1}, 3, ("A", "B", "C")),
        ({"C": 1}, 1, ("C",)),  # areas with no record rank below any with one
        ({}, 2, ("A", "B")),  # nothing at all: every rate ties at 0
    ],
    ids=["highest-rates", "ties-by-code", "three-areas", "no-record-is-lowest", "all-zero"],
)
def test_gap_areas_are_the_highest_whole_year_rates_of_last_year(per_month, n, expected):
    assert gap_areas(_year(2023, per_month), RESIDENTS, 2024, n) == expected


@pytest.mark.parametrize("months", [0, 11], ids=["no-last-year", "last-year-one-month-short"])
def test_a_year_after_an_incomplete_year_has_no_gap(months):
    counts = {**_year(2023, {"A": 1}, months), **_year(2024, {"A": 1})}
    assert gap_areas(counts, RESIDENTS, 2024, 2) is None
    assert gap_year(counts, RESIDENTS, 2024, 2) is None
    assert not [p for p in gap_series(counts, RESIDENTS, 2) if p.startswith("2024")]


def test_gap_is_the_running_rate_of_the_gap_areas_less_the_partnerships():
    counts = {**_year(2023, {"A": 3, "B": 1, "C": 2, "D": 1}), **_year(2024, {"A": 1, "B": 2, "C": 2, "D": 1}, 3)}
    year = gap_year(counts, RESIDENTS, 2024, 2)
    assert year.areas == ("A", "D")
    # April: A and D had 2 records among 1,500 residents; the partnership 6 among 4,500.
    assert year.values["2024-04"] == pytest.approx(2 / 1500 * 1000 - 6 / 4500 * 1000)
    assert year.values["2024-06"] == pytest.approx(6 / 1500 * 1000 - 18 / 4500 * 1000)
    assert list(year.values) == ["2024-04", "2024-05", "2024-06"]
    assert year.last_year_rates == {"A": 36.0, "D": 24.0}


def test_quarterly_gap_has_a_value_once_a_quarters_months_are_in():
    counts = {**_year(2023, {"A": 3, "B": 1}), **_year(2024, {"A": 1, "B": 2}, 5)}
    assert list(gap_series(counts, RESIDENTS, 1, "quarterly")) == ["2024-25-Q1"]


def test_a_missing_month_stops_the_running_figure():
    counts = {**_year(2023, {"A": 3}), **_year(2024, {"A": 1}, 4)}
    del counts["2024-05"]
    assert list(gap_series(counts, RESIDENTS, 1)) == ["2024-04"]


def test_counts_rows_become_counts_by_month_and_rank_by_exact_rate():
    counts = counts_by_month([("2024-01", "A", 1), ("2024-01", "A", 2), ("2024-02", "B", 0)])
    assert counts == {"2024-01": {"A": 3}, "2024-02": {"B": 0}}
    assert rank_by_rate({"A": 1, "B": 3}, {"A": 3, "B": 9}) == ["A", "B"]  # equal rates, exactly


def test_gap_measure_values_go_into_actuals_and_nothing_typed_survives(folder):
    register = REGISTER + (
        "  - {id: gap, title: Gap, priority: Crime, polarity: lower, frequency: monthly,\n"
        "     source: {police_uk: [all-crime]}, gap: {areas: 3}}\n"
    )
    (folder / "measures.yml").write_text(register)
    (folder / "actuals.csv").write_text("measure_id,period,value\ngap,2024-01,99\n")
    hood = folder / "neighbourhoods"
    rows = ["measure_id,period,area_code,value"]
    for month in months_of_year(2023):
        rows += [f"gap,{month},W01001623,2", f"gap,{month},W01001654,1", f"gap,{month},W01002099,1"]
    (hood / "counts.csv").write_text("\n".join(rows) + "\n")
    report = ingest_police_uk([SLICE], "Newport", folder)  # 2024-01 and 2024-02 of 2023-24 replace their counts
    actuals = pd.read_csv(folder / "actuals.csv")
    gap = actuals[actuals["measure_id"] == "gap"]
    assert gap.empty  # 2023-24's year before is not in the counts: no value, and the typed 99 is gone
    assert any("no year has a whole year before it" in n for n in report.notes)
