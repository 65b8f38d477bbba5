"""Maps as inline SVG: the projection, simplified outlines, classes in words, and a figure readers can use."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from xml.etree import ElementTree

import pytest

from analysis.report.maps import (
    NO_DATA,
    OUTLINE,
    PALETTE,
    choropleth,
    class_breaks,
    class_of,
    class_words,
    place_labels,
    project,
    simplify,
)

FIXTURE = Path(__file__).resolve().parent / "data" / "neighbourhoods"


def _boundaries() -> str:
    """The fixture's squares with ``code`` and ``name``, as ingest neighbourhoods writes them."""
    data = json.loads((FIXTURE / "lsoas.geojson").read_text())
    for f in data["features"]:
        props = f["properties"]
        f["properties"] = {"code": props["lsoa21_code"], "name": props["lsoa21_name"]}
    return json.dumps(data)


def _map(**options) -> str:
    values = {"W01001617": 10.0, "W01001619": 20.0, "W01001623": 30.0, "W01001624": 40.0, "W01001625": 50.0,
              "W01001652": 60.0, "W01001654": None}  # fmt: skip
    defaults = {"kind": "map", "what": "areas", "alt_text": "Map of crime <by> area", "caption": "Crime & disorder"}
    return str(choropleth(_boundaries(), values, **{**defaults, **options}))


def test_projection_keeps_the_shape_and_fits_the_width():
    projected = project(_boundaries(), 400)
    assert projected.width == 400
    # four squares across and three down, each 0.01 degrees: wider than tall by about 4 cos(51.6) / 3
    assert projected.height == pytest.approx(8 + 8 + (400 - 16) * 3 / (4 * 0.6217), abs=2)
    first = projected.shape("W01001617")
    assert first.name == "Newport 003A" and first.path.startswith("M8,") and first.path.endswith("Z")


@pytest.mark.parametrize(
    ("ring", "kept"),
    [
        ([(0, 0), (5, 0.1), (10, 0), (10, 10), (0, 10), (0, 0)], 5),
        ([(0, 0), (5, 3), (10, 0), (10, 10), (0, 10), (0, 0)], 6),
        ([(0, 0), (1, 0), (1, 1), (0, 0)], 4),
    ],
    ids=["a point off the edge by less than the tolerance goes", "a real corner stays", "a triangle is kept whole"],
)
def test_simplify_drops_only_what_does_not_move_the_outline(ring, kept):
    assert len(simplify(ring, 0.5)) == kept


@pytest.mark.parametrize(
    ("values", "breaks"),
    [
        (list(range(1, 101)), [20.0, 40.0, 60.0, 80.0]),
        ([5.0] * 10, []),  # one value: one class
        ([336.8, 122.4, 80.1, 60.0, 40.2], [60.0, 80.0, 120.0]),
    ],
    ids=["quantiles", "all-equal", "round-numbers"],
)
def test_class_breaks_are_round_distinct_and_inside_the_range(values, breaks):
    assert class_breaks(values) == breaks


def test_classes_in_words():
    breaks = [35.0, 70.0]
    assert [class_of(v, breaks) for v in (0, 35, 69.9, 700)] == [0, 1, 1, 2]
    assert [class_words(k, breaks, "per 1,000") for k in range(3)] == [
        "under 35 per 1,000",
        "35 to under 70 per 1,000",
        "70 or more per 1,000",
    ]


def test_labels_in_the_way_of_each_other_move_apart_and_stay_on_the_map():
    spots = place_labels([(50, 50), (50, 50), (51, 52), (2, 2)], 100, 100)
    assert spots[0] == (50, 50)
    assert all(math.dist(a, b) >= 15 for i, a in enumerate(spots) for b in spots[i + 1 :])
    assert all(7 <= x <= 93 and 7 <= y <= 93 for x, y in spots)


def test_the_map_is_an_accessible_figure_with_a_legend_in_words():
    html = _map(ranked=["W01001652", "W01001625"], outlined=["W01001652"], outlined_words="the gap areas, outlined")
    assert html.startswith('<figure class="map chart-map" role="img" aria-label="Map of crime &lt;by&gt; area">')
    svg = re.search(r"<svg\b.*?</svg>", html, re.S)[0]
    root = ElementTree.fromstring(svg)  # well-formed SVG, drawn in the browser and in the paper alike
    assert root.get("aria-hidden") == "true"
    legend = re.findall(r"<li>.*?</svg>([^<]*)</li>", html)
    assert legend[-3:] == ["no figure (1 areas)", "the gap areas, outlined", "numbered by rate, 1 = the highest"]
    assert any(text.startswith("under ") for text in legend) and any(" or more " in text for text in legend)
    assert "Crime &amp; disorder" in html
    assert f'stroke="{OUTLINE}"' in html and f'fill="{NO_DATA}"' in html
    assert re.findall(r"<text [^>]*>(\d+)</text>", html) == ["1", "2"]  # numbered, not told by colour alone
    assert "<title>Newport 002B: 60 per 1,000</title>" in html


def test_the_map_fetches_nothing_and_uses_the_palette_lightest_first():
    html = _map()
    assert not re.search(r"\b(href|src)=|url\(", html)
    fills = re.findall(r'<path d="[^"]*" fill="(#[0-9a-f]{6})"', html)
    shades = [f for f in fills if f != NO_DATA]
    assert set(shades) <= set(PALETTE)
    assert shades[0] == PALETTE[0] and shades[-1] == PALETTE[-1]  # the lowest rate lightest, the highest darkest
