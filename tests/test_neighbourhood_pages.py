"""The neighbourhoods page's sections and a measure page's small-area section, snapshotted on a small quarter.

The quarter is made on the fly: the made-up "Newport" of tests/data/neighbourhoods
(ten square small areas in two wards), counts of two years following a fixed
pattern, a gap measure over three areas, and one area named in markup, which
must come out escaped. Update with ``pytest --snapshot-update``.
"""

from __future__ import annotations

import functools
import re
import tempfile
from pathlib import Path

import pytest

from analysis.core.paths import OutputPaths
from analysis.core.periods import months_of_year, parse_quarter
from analysis.ingest.gap import counts_by_month, gap_series
from analysis.ingest.neighbourhoods import ingest_neighbourhoods
from analysis.inputs.neighbourhoods import load_neighbourhoods
from analysis.inputs.tables import load_inputs
from analysis.processed.contract import NEIGHBOURHOODS
from analysis.processed.quarter import QuarterData
from analysis.processed.tables import compute_tables
from analysis.report import neighbourhoods as hoods
from analysis.report.measure import SECTIONS as MEASURE_SECTIONS

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "data" / "neighbourhoods"
QUARTER = "2024-25-Q2"
HOSTILE = "<script>alert(1)</script> & {{ x }}"

REGISTER = """\
partnership: Newport
measures:
  - {id: all-crime, title: All crime, priority: Crime, polarity: lower, frequency: monthly,
     targets: {2024-25: 600}, source: {police_uk: [all-crime]}}
  - {id: gap, title: Close the gap, priority: Crime, polarity: lower, frequency: monthly, unit: "per 1,000",
     targets: {2024-25: 40}, source: {police_uk: [all-crime]}, gap: {areas: 3}}
  - {id: burglary, title: Burglary, priority: Crime, polarity: lower, frequency: monthly,
     source: {police_uk: [Burglary]}}
  - {id: partner, title: A partner's measure, priority: Other, polarity: monitor, frequency: monthly}
"""


def _count(measure: str, i: int, j: int) -> int:
    """A fixed pattern: area i, month j (from April 2023)."""
    if measure == "burglary":
        return (i + j) % 3
    return (i * 7 + j * 3) % 11 + i + (4 if i == 3 and j >= 12 else 0)


@functools.cache
def quarter_files() -> dict[str, str]:
    folder = Path(tempfile.mkdtemp(prefix="hoods-")) / "newport"
    folder.mkdir()
    (folder / "measures.yml").write_text(REGISTER)
    ingest_neighbourhoods(
        "Newport", folder, population=FIXTURE / "population.csv", areas=FIXTURE / "lookup.csv",
        boundaries=FIXTURE / "lsoas.geojson", wards=FIXTURE / "wards.geojson", deprivation=FIXTURE / "wimd.csv",
        lsoa_lookup=FIXTURE / "lsoa11.csv",
    )  # fmt: skip
    areas_csv = folder / "neighbourhoods" / "areas.csv"
    areas_csv.write_text(areas_csv.read_text().replace("Newport 001B,", f'"{HOSTILE}",', 1))
    residents = load_neighbourhoods(folder).residents
    codes = sorted(residents)
    months = months_of_year(2023) + months_of_year(2024)[:6]
    rows = [(m, p, a, _count(m, i, j)) for m in ("all-crime", "gap", "burglary") for j, p in enumerate(months)
            for i, a in enumerate(codes)]  # fmt: skip
    lines = ["measure_id,period,area_code,value", *(f"{m},{p},{a},{v}" for m, p, a, v in rows)]
    (folder / "neighbourhoods" / "counts.csv").write_text("\n".join(lines) + "\n")
    gap = gap_series(counts_by_month((p, a, v) for m, p, a, v in rows if m == "gap"), residents, 3)
    actuals = ["measure_id,period,value"]
    for measure in ("all-crime", "burglary"):
        actuals += [f"{measure},{p},{sum(v for m, q, _, v in rows if m == measure and q == p)}" for p in months]
    actuals += [f"gap,{p},{v!r}" for p, v in gap.items()]
    actuals += [f"partner,{p},5" for p in months]
    (folder / "actuals.csv").write_text("\n".join(actuals) + "\n")
    q = parse_quarter(QUARTER)
    return compute_tables(load_inputs(folder), q, OutputPaths(ROOT / "tests" / "data" / "no-builds"))


@functools.cache
def quarter() -> QuarterData:
    return QuarterData.from_files(parse_quarter(QUARTER), quarter_files())


def test_the_quarter_has_its_small_area_tables():
    data = quarter()
    table = data.table(NEIGHBOURHOODS)
    assert set(table["measure_id"]) == {"all-crime", "gap", "burglary"}  # police.uk measures only
    assert (table.groupby("measure_id").size() == 10).all()
    assert set(data.geojson) == {"boundaries.geojson", "wards.geojson"}
    gap = table[table["measure_id"] == "gap"]
    assert sorted(gap.loc[gap["gap_area"] == "true", "gap_rank"]) == [1, 2, 3]
    assert (table.loc[table["measure_id"] != "gap", "gap_area"] == "false").all()


PAGE = [
    (name, lambda data, name=name: getattr(hoods.NeighbourhoodsPage(data), name)()) for name in hoods.SECTIONS.names
]
MEASURE = [
    (f"{mid}-{section.__name__}", lambda data, mid=mid, section=section: section(data, mid))
    for mid in ("all-crime", "gap", "partner")
    for section in MEASURE_SECTIONS
    if section.__name__ == "neighbourhoods"
]


@pytest.mark.parametrize(("name", "make"), PAGE + MEASURE, ids=[n for n, _ in PAGE + MEASURE])
def test_section_matches_snapshot(name, make, snapshot):
    html = str(make(quarter()))
    assert "<script>" not in html
    assert html == snapshot


def test_the_hostile_area_name_is_escaped_in_the_table_and_the_map():
    html = str(hoods.rates_table(quarter(), quarter().register.measure("all-crime"), n=10))
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; {{ x }}" in html
    svg_titles = re.findall(
        r"<title>([^<]*)</title>", str(hoods.map_by_area(quarter(), quarter().register.measure("all-crime")))
    )
    assert any(t.startswith("&lt;script&gt;") for t in svg_titles)


def test_the_gap_areas_section_says_why_and_gives_the_gap():
    data = quarter()
    gap = data.register.measure("gap")
    html = str(hoods.gap_areas_section(data, gap))
    assert "the 3 small areas with the highest rates of all crime per 1,000 residents over the whole of 2023/24" in html
    status = data.status_row("gap")
    assert f"a gap of {status['ytd_actual']:.1f} per 1,000" in html


def test_a_measure_not_counted_by_small_area_has_no_section():
    assert str(hoods.measure_section(quarter(), "partner")) == ""


def test_a_quarter_without_small_areas_gets_a_page_that_says_so():
    from test_report_sections import demo_data

    page = hoods.NeighbourhoodsPage(demo_data())
    assert "the data folder has no small areas (neighbourhoods/)" in str(page.intro())
    others = hoods.SECTIONS.names[1:]
    assert [str(getattr(page, name)()) for name in others] == [f'<div data-section="{name}"></div>' for name in others]
    assert page.table.empty and list(page.table.columns)[:3] == ["measure_id", "area_code", "area_name"]
