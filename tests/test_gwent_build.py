"""The Gwent example built: build-all over a range of quarters publishes a neighbourhoods page each quarter.

One partnership (Blaenau Gwent, the smallest) and two quarters, so the suite stays
quick; the example's README builds all five over seven quarters the same way.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from conftest import GWENT_QUARTERS

QUARTERS = GWENT_QUARTERS  # the session's build of Blaenau Gwent (conftest.gwent_build)


@pytest.mark.slow
@pytest.mark.parametrize("quarter", QUARTERS)
def test_every_quarter_has_a_neighbourhoods_page_with_a_map_and_its_table(gwent_build, quarter):
    site = gwent_build / "_site" / "blaenau-gwent" / quarter
    page = (site / "neighbourhoods.html").read_text(encoding="utf-8")
    assert len(re.findall(r'<figure class="map chart-map" role="img" aria-label="Map of all crime', page)) == 2
    assert "The highest rates" in page and "Blaenau Gwent 0" in page
    assert '<a href="neighbourhoods.html"' in (site / "index.html").read_text(encoding="utf-8")  # in the navigation
    measure = (site / "measures" / "burglary.html").read_text(encoding="utf-8")
    assert "By small area" in measure and 'class="map chart-map"' in measure


@pytest.mark.slow
def test_the_gap_measures_page_names_its_gap_areas_and_why(gwent_build):
    processed = gwent_build / "data" / "processed" / "blaenau-gwent" / "2024-25-Q3"
    table = pd.read_csv(processed / "neighbourhoods.csv", dtype={"gap_area": str})
    chosen = table[(table["measure_id"] == "neighbourhood-gap") & (table["gap_area"] == "true")]
    page = (gwent_build / "_site" / "blaenau-gwent" / "2024-25-Q3" / "measures" / "neighbourhood-gap.html").read_text()
    assert (
        "the 10 small areas with the highest rates of all crime per 1,000 residents over the whole of 2023/24" in page
    )
    assert all(name in page for name in chosen["area_name"])
    status = pd.read_csv(processed / "measure_status.csv").set_index("measure_id")
    assert f"a gap of {status.at['neighbourhood-gap', 'ytd_actual']:.1f} per 1,000" in page


@pytest.mark.slow
def test_the_later_quarter_has_the_earlier_in_its_history_and_the_paper_has_the_map(gwent_build):
    from pypdf import PdfReader

    processed = gwent_build / "data" / "processed" / "blaenau-gwent" / "2024-25-Q3"
    history = pd.read_csv(processed / "status_history.csv")
    assert sorted(set(history["quarter"])) == QUARTERS
    paper = PdfReader(gwent_build / "_site" / "blaenau-gwent" / "2024-25-Q3" / "committee-paper.pdf")
    text = "\n".join(page.extract_text() for page in paper.pages)
    assert "Neighbourhoods" in text and "the gap areas of 2024/25" in text
