"""The Gwent example: the five partnerships of a police force area, one input folder each.

Only the inputs are checked here (fast); building many partnerships at once is
covered by test_area.py.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd
import pytest

from analysis.ingest import load_lookup
from analysis.inputs.tables import load_inputs
from analysis.pipeline.area import partnership_folders, slug

ROOT = Path(__file__).resolve().parents[1]
GWENT = ROOT / "examples" / "gwent"
NEWPORT = ROOT / "examples" / "newport"
GWENT_CSPS = ("Blaenau Gwent", "Caerphilly", "Monmouthshire", "Newport", "Torfaen")
FOLDERS = {slug(name): name for name in GWENT_CSPS}


@functools.cache
def _inputs(folder: str):
    """One folder's validated inputs, read once for the module (the tests only read them)."""
    return load_inputs(GWENT / folder)


def test_there_is_one_folder_per_gwent_partnership():
    assert [p.name for p in partnership_folders(GWENT)] == sorted(FOLDERS)


@pytest.mark.parametrize("folder", sorted(FOLDERS))
def test_folder_validates_and_names_its_partnership_as_the_ons_lookup_does(folder):
    inputs = _inputs(folder)
    name = inputs.register.partnership
    assert name == FOLDERS[folder]
    forces = {r.pfa_name for r in load_lookup() if r.csp_name == name}  # the exact spelling, not any case
    assert forces == {"Gwent"}, f"{name!r} is not a Gwent partnership in the ONS lookup"


@pytest.mark.parametrize("folder", sorted(FOLDERS))
def test_measures_are_newports_seven_police_uk_measures(folder):
    newport = {m.id: m.source for m in load_inputs(NEWPORT).register.measures}
    mine = {m.id: m.source for m in _inputs(folder).register.measures}
    assert mine == newport
    assert all(source.get("police_uk") for source in mine.values())


@pytest.mark.parametrize("folder", sorted(FOLDERS))
def test_targets_are_the_illustrative_2_percent_reduction_on_the_readme_basis(folder):
    inputs = _inputs(folder)
    actuals = inputs.actuals
    base = actuals[(actuals["period"] >= "2023-10") & (actuals["period"] <= "2024-03")]
    for measure in inputs.register.measures:
        if measure.is_gap:
            continue
        six_months = base.loc[base["measure_id"] == measure.id, "value"]
        assert len(six_months) == 6, measure.id
        assert measure.targets == {2024: round(2 * six_months.sum() * 0.98)}, measure.id


@pytest.mark.parametrize("folder", sorted(FOLDERS))
def test_gap_target_is_last_years_gap_of_this_years_gap_areas_less_5_percent(folder):
    """Worked out in plain pandas from counts.csv and population.csv: the ten highest all-crime rates of 2023-24."""
    hood = GWENT / folder / "neighbourhoods"
    counts = pd.read_csv(hood / "counts.csv")
    people = pd.read_csv(hood / "population.csv").set_index("area_code")["population"]
    year = counts[(counts["measure_id"] == "neighbourhood-gap") & counts["period"].between("2023-04", "2024-03")]
    crimes = year.groupby("area_code")["value"].sum().reindex(people.index, fill_value=0)
    rates = pd.DataFrame({"rate": crimes / people, "code": people.index}).sort_values(
        ["rate", "code"], ascending=[False, True]
    )
    top = rates.index[:10]
    gap = crimes[top].sum() / people[top].sum() * 1000 - crimes.sum() / people.sum() * 1000
    gaps = [m for m in _inputs(folder).register.measures if m.is_gap]
    assert [(m.id, m.gap_areas, m.targets) for m in gaps] == [("neighbourhood-gap", 10, {2024: round(gap * 0.95, 1)})]


@pytest.mark.parametrize("folder", sorted(FOLDERS))
def test_actuals_cover_every_month_of_the_police_uk_files(folder):
    actuals = _inputs(folder).actuals
    months = [f"{y}-{m:02d}" for y in (2022, 2023, 2024) for m in range(1, 13)][6:]
    for measure_id, rows in actuals.groupby("measure_id"):
        # the gap has values from 2024-25, the first year whose year before is whole in the counts
        expected = months if measure_id != "neighbourhood-gap" else months[-9:]
        assert list(rows["period"]) == expected, measure_id
        assert (rows["value"] >= 0).all(), measure_id
    all_crime = actuals[actuals["measure_id"] == "all-crime"].set_index("period")["value"]
    parts = actuals[actuals["measure_id"].isin(["criminal-damage-arson", "violence-sexual-offences", "burglary"])]
    assert (parts.groupby("period")["value"].sum() <= all_crime).all()


@pytest.mark.parametrize("folder", sorted(FOLDERS))
def test_family_group_has_all_five_with_populations(folder):
    family = _inputs(folder).family_group
    assert set(family["quarter"]) == {"2024-25-Q3"}
    assert sorted(family["partnership"]) == sorted(GWENT_CSPS)
    assert family["partnership"].iloc[0] == FOLDERS[folder]  # the partnership's own row comes first
    assert (family["population"] > 0).all() and (family["crimes"] > 0).all()


def test_family_groups_agree_with_each_other():
    frames = [_inputs(folder).family_group.set_index("partnership").sort_index() for folder in FOLDERS]
    for frame in frames[1:]:
        pd.testing.assert_frame_equal(frame, frames[0])


@pytest.mark.parametrize("folder", sorted(FOLDERS))
def test_neighbourhoods_are_the_partnerships_small_areas(folder):
    hoods = _inputs(folder).neighbourhoods
    assert hoods is not None
    name = FOLDERS[folder]
    assert all(n.rsplit(" ", 1)[0] == name for n in hoods.areas["area_name"]), "an area of another authority"
    assert set(hoods.areas["area_code"]) == set(hoods.population["area_code"])
    assert hoods.deprivation["decile"].between(1, 10).all() and len(hoods.deprivation) == len(hoods.areas)
    assert hoods.wards, "the ward boundaries"


def test_the_five_partnerships_share_out_gwents_374_small_areas():
    codes = [c for folder in FOLDERS for c in _inputs(folder).neighbourhoods.areas["area_code"]]
    assert len(codes) == len(set(codes)) == 374


def test_newport_actuals_equal_the_newport_example():
    mine = pd.read_csv(GWENT / "newport" / "actuals.csv", dtype=str)
    example = pd.read_csv(NEWPORT / "actuals.csv", dtype=str)
    same = example[example["measure_id"].isin(set(mine["measure_id"]))]
    pd.testing.assert_frame_equal(mine.reset_index(drop=True), same.reset_index(drop=True))
    assert (GWENT / "newport" / "family_group.csv").read_bytes() == (NEWPORT / "family_group.csv").read_bytes()
    for path in sorted((NEWPORT / "neighbourhoods").iterdir()):
        assert (GWENT / "newport" / "neighbourhoods" / path.name).read_bytes() == path.read_bytes(), path.name
