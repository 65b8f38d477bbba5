"""Choropleth maps drawn as inline SVG from GeoJSON boundaries: offline, in the kernel, no map library.

A map shows one figure per area (the rate per 1,000 residents) in a few shades
of a colour-blind-safe sequential palette (viridis: light yellow for the lowest
rates, dark purple for the highest, readable in grey too), with a legend in words
beside it and a text alternative written from the figures. Areas are numbered on
the map by their rank (1 = the highest rate), as in the table beside it, and
highlighted areas (a gap measure's gap areas) are outlined, so nothing is told
by colour alone.

The projection is equirectangular with longitude scaled by the cosine of the
middle latitude (for an area the size of a county the difference from a proper
projection is well under a pixel's worth of shape), fitted to the map's width;
outlines are simplified (Douglas-Peucker) to a fraction of a pixel, so the SVG
stays small. Projected shapes are kept per boundaries file, so each page's maps
cost a few milliseconds after the first.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from analysis.core.formatting import number
from analysis.report.html import Html, element

WIDTH = 720
MAX_HEIGHT = 640  # a tall area is drawn narrower, so the map fits a screen and half an A4 page
LABEL_RADIUS = 7.0
PAD = 8
TOLERANCE = 0.4  # pixels: what simplification may move an outline by
# viridis in five classes, lowest to highest (its light end for the lowest rate)
PALETTE = ("#fde725", "#5ec962", "#21918c", "#3b528b", "#440154")
NO_DATA = "#d9d9d9"
OUTLINE = "#e8590c"  # the highlighted areas' outline: orange, apart from every shade of the palette
SVG_NS = "http://www.w3.org/2000/svg"

Ring = list[tuple[float, float]]


@dataclass(frozen=True)
class Shape:
    """One area projected to the map: its code, name, outline path and a point inside it for its label."""

    code: str
    name: str
    path: str
    label_at: tuple[float, float]


@dataclass(frozen=True)
class Projected:
    """Every area of a boundaries file, projected and simplified, with the map's size."""

    shapes: tuple[Shape, ...]
    width: float
    height: float

    def shape(self, code: str) -> Shape | None:
        return next((s for s in self.shapes if s.code == code), None)


def simplify(ring: Ring, tolerance: float = TOLERANCE) -> Ring:
    """A ring with the points that move its outline by less than ``tolerance`` left out (Douglas-Peucker).

    >>> simplify([(0, 0), (1, 0.1), (2, 0), (2, 2), (0, 2), (0, 0)], 0.5)
    [(0, 0), (2, 0), (2, 2), (0, 2), (0, 0)]
    """
    if len(ring) <= 4:
        return ring
    keep = [False] * len(ring)
    keep[0] = keep[-1] = True
    # a closed ring starts and ends at one point: split it at the point farthest from there
    far = max(range(len(ring)), key=lambda i: (ring[i][0] - ring[0][0]) ** 2 + (ring[i][1] - ring[0][1]) ** 2)
    keep[far] = True
    stack = [(0, far), (far, len(ring) - 1)]
    while stack:
        start, end = stack.pop()
        (x1, y1), (x2, y2) = ring[start], ring[end]
        dx, dy = x2 - x1, y2 - y1
        length = math.hypot(dx, dy)
        best, at = 0.0, -1
        for i in range(start + 1, end):
            x, y = ring[i]
            d = abs(dy * (x - x1) - dx * (y - y1)) / length if length else math.hypot(x - x1, y - y1)
            if d > best:
                best, at = d, i
        if best > tolerance:
            keep[at] = True
            stack += [(start, at), (at, end)]
    out = [p for p, k in zip(ring, keep, strict=True) if k]
    return out if len(out) >= 4 else ring


def _polygons(geometry: dict) -> list[list[Ring]]:
    coords = geometry.get("coordinates") or []
    polygons = coords if geometry.get("type") == "MultiPolygon" else [coords]
    return [[[(float(x), float(y)) for x, y, *_ in ring] for ring in polygon] for polygon in polygons]


def _ring_area(ring: Ring) -> float:
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in itertools.pairwise(ring)) / 2


def _label_point(ring: Ring) -> tuple[float, float]:
    """The centroid of a ring (its vertices' mean where it has no area)."""
    a = _ring_area(ring)
    if abs(a) < 1e-9:
        return sum(x for x, _ in ring) / len(ring), sum(y for _, y in ring) / len(ring)
    cx = sum((x1 + x2) * (x1 * y2 - x2 * y1) for (x1, y1), (x2, y2) in itertools.pairwise(ring))
    cy = sum((y1 + y2) * (x1 * y2 - x2 * y1) for (x1, y1), (x2, y2) in itertools.pairwise(ring))
    return cx / (6 * a), cy / (6 * a)


@lru_cache(maxsize=8)
def project(geojson: str, width: float = WIDTH, max_height: float = MAX_HEIGHT) -> Projected:
    """Every feature of a GeoJSON text (its ``code`` and ``name`` properties) projected to fit a map ``width``
    wide and at most ``max_height`` tall.

    >>> square = {"type": "Polygon", "coordinates": [[[-3, 51.5], [-2.9, 51.5], [-2.9, 51.6], [-3, 51.6], [-3, 51.5]]]}
    >>> p = project(json.dumps({"type": "FeatureCollection", "features": [
    ...     {"type": "Feature", "properties": {"code": "A", "name": "Alpha"}, "geometry": square}]}), 100)
    >>> p.width, round(p.height), p.shapes[0].path
    (100, 152, 'M8,143.1L92,143.1L92,8L8,8Z')
    >>> tall = project(json.dumps({"type": "FeatureCollection", "features": [
    ...     {"type": "Feature", "properties": {"code": "A", "name": "Alpha"}, "geometry": square}]}), 100, 80)
    >>> tall.width, tall.height
    (56, 80)
    """
    features = json.loads(geojson).get("features", [])
    parsed = [(f.get("properties", {}), _polygons(f.get("geometry") or {})) for f in features]
    points = [p for _, polygons in parsed for polygon in polygons for ring in polygon for p in ring]
    if not points:
        return Projected((), width, 0)
    west, east = min(x for x, _ in points), max(x for x, _ in points)
    south, north = min(y for _, y in points), max(y for _, y in points)
    kx = math.cos(math.radians((south + north) / 2))
    scale = min((width - 2 * PAD) / max((east - west) * kx, 1e-9), (max_height - 2 * PAD) / max(north - south, 1e-9))
    width = math.ceil((east - west) * kx * scale + 2 * PAD)
    height = (north - south) * scale + 2 * PAD

    def xy(lon: float, lat: float) -> tuple[float, float]:
        return PAD + (lon - west) * kx * scale, PAD + (north - lat) * scale

    shapes = []
    for props, polygons in parsed:
        parts, biggest, best = [], None, -1.0
        for polygon in polygons:
            for i, ring in enumerate(polygon):
                drawn = simplify([xy(*p) for p in ring])
                parts.append("M" + "L".join(f"{_px(x)},{_px(y)}" for x, y in drawn[:-1]) + "Z")
                size = abs(_ring_area(drawn))
                if i == 0 and size > best:
                    biggest, best = drawn, size
        point = _label_point(biggest) if biggest else (0.0, 0.0)
        shapes.append(Shape(str(props.get("code", "")), str(props.get("name", "")), "".join(parts), point))
    return Projected(tuple(shapes), width, math.ceil(height))


def _px(value: float) -> str:
    """A coordinate to a tenth of a pixel, without a trailing ``.0``.

    >>> _px(12.04), _px(3.25), _px(-0.0)
    ('12', '3.2', '0')
    """
    text = f"{value:.1f}".removesuffix(".0")
    return "0" if text == "-0" else text


def nice(value: float) -> float:
    """A round number near ``value`` for a class boundary: 10 to 19 in ones, 20 to 45 in fives, 50 to 90 in tens
    (times a power of ten).

    >>> nice(37.2), nice(143), nice(0.46), nice(21), nice(336.8), nice(0)
    (35.0, 140.0, 0.45, 20.0, 350.0, 0.0)
    """
    if value <= 0:
        return 0.0
    step = 10 ** math.floor(math.log10(value))
    step = step / 10 if value / step < 2 else step / 2 if value / step < 5 else step
    return float(round(round(value / step) * step, 10))


def class_breaks(values: Sequence[float], classes: int = len(PALETTE)) -> list[float]:
    """Upper bounds of all but the last class: the values' quantiles, rounded to round numbers, each distinct.

    >>> class_breaks([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 5)
    [3.0, 5.0, 7.0, 9.0]
    """
    ordered = sorted(v for v in values if v is not None and not math.isnan(v))
    if not ordered:
        return []
    breaks: list[float] = []
    for k in range(1, classes):
        q = ordered[min(len(ordered) - 1, round(k * len(ordered) / classes))]
        b = nice(q)
        if b > (breaks[-1] if breaks else 0) and b < ordered[-1]:
            breaks.append(b)
    return breaks


def class_of(value: float | None, breaks: Sequence[float]) -> int | None:
    """The class of a value: the number of bounds at or below it (``None`` for no value).

    >>> [class_of(v, [10, 20]) for v in (5, 10, 25, None)]
    [0, 1, 2, None]
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return sum(value >= b for b in breaks)


def class_words(k: int, breaks: Sequence[float], unit: str) -> str:
    """A class in words.

    >>> [class_words(k, [10, 20], "per 1,000") for k in range(3)]
    ['under 10 per 1,000', '10 to under 20 per 1,000', '20 or more per 1,000']
    """
    if not breaks:
        return f"every area ({unit})"
    if k == 0:
        return f"under {number(breaks[0])} {unit}"
    if k == len(breaks):
        return f"{number(breaks[-1])} or more {unit}"
    return f"{number(breaks[k - 1])} to under {number(breaks[k])} {unit}"


def place_labels(
    points: Sequence[tuple[float, float]], width: float, height: float, r: float = LABEL_RADIUS
) -> list[tuple[float, float]]:
    """Where to draw each numbered label: at its point, or, where an earlier label is in the way, the nearest free
    place around it (a leader line then joins the two). Labels stay inside the map.

    >>> place_labels([(50, 50), (52, 50)], 200, 200)
    [(50, 50), (52.0, 34.0)]
    """
    placed: list[tuple[float, float]] = []
    clear = 2 * r + 1

    def free(x: float, y: float) -> bool:
        inside = r <= x <= width - r and r <= y <= height - r
        return inside and all(math.hypot(x - px, y - py) >= clear for px, py in placed)

    for x, y in points:
        spot = (x, y)
        if not free(x, y):
            rings = ((d, a) for d in range(16, 200, 8) for a in range(0, 360, 20))
            found = next(
                (
                    (x + d * math.sin(math.radians(a)), y - d * math.cos(math.radians(a)))
                    for d, a in rings
                    if free(x + d * math.sin(math.radians(a)), y - d * math.cos(math.radians(a)))
                ),
                None,
            )
            spot = (round(found[0], 1), round(found[1], 1)) if found else spot
        placed.append(spot)
    return placed


def _palette(n: int) -> tuple[str, ...]:
    """``n`` shades spread over the palette, lightest first."""
    if n >= len(PALETTE):
        return PALETTE
    return tuple(PALETTE[round(i * (len(PALETTE) - 1) / max(n - 1, 1))] for i in range(n))


def choropleth(
    geojson: str,
    values: Mapping[str, float | None],
    *,
    kind: str,
    what: str,
    alt_text: str,
    caption: str,
    unit: str = "per 1,000",
    ranked: Sequence[str] = (),
    outlined: Sequence[str] = (),
    outlined_words: str = "",
    names: Mapping[str, str] | None = None,
) -> Html:
    """A map of ``values`` by area code: shaded by class, ``ranked`` areas numbered 1, 2 ..., ``outlined`` areas
    outlined; a legend in words in the caption, the text alternative as the figure's label.

    ``kind`` names the figure's class (``chart-<kind>``); ``what`` names the areas in the legend ("small areas");
    ``names`` the areas in their tooltips (default: the boundaries' ``name``).
    """
    names = names or {}
    projected = project(geojson)
    drawn = [s for s in projected.shapes if s.code in values]
    breaks = class_breaks([values[s.code] for s in drawn if values[s.code] is not None])
    shades = _palette(len(breaks) + 1)
    counts = [0] * len(shades)
    paths = []
    for s in drawn:
        k = class_of(values[s.code], breaks)
        if k is not None:
            counts[k] += 1
        paths.append(
            element(
                "path",
                element("title", f"{names.get(s.code, s.name)}: {_value(values[s.code], unit)}"),
                d=s.path,
                fill=shades[k] if k is not None else NO_DATA,
            )
        )
    edges = [element("path", d=s.path) for s in drawn if s.code in set(outlined)]
    leaders, circles, texts = _numbers(projected, ranked)
    svg = element(
        "svg",
        element("g", paths, stroke="#ffffff", stroke_width="0.6", stroke_linejoin="round"),
        element("g", edges, fill="none", stroke=OUTLINE, stroke_width="2.2", stroke_linejoin="round")
        if edges
        else None,
        element("g", leaders, stroke="#222222", stroke_width="0.8") if leaders else None,
        element("g", circles, fill="#ffffff", stroke="#222222", stroke_width="1") if circles else None,
        element(
            "g",
            texts,
            font_size="9",
            font_weight="700",
            font_family="DejaVu Sans, Helvetica, Arial, sans-serif",
            fill="#222222",
            text_anchor="middle",
        )
        if texts
        else None,
        xmlns=SVG_NS,
        width=str(projected.width),
        height=str(projected.height),
        viewBox=f"0 0 {projected.width} {projected.height}",
        aria_hidden="true",
        focusable="false",
    )
    missing = sum(values[s.code] is None for s in drawn)
    legend = _legend(shades, breaks, counts, unit, what, missing, outlined_words if edges else "", bool(texts))
    return element(
        "figure",
        Html(svg),
        element("figcaption", element("span", caption, class_="map-title"), element("ul", legend, class_="map-legend")),
        class_=f"map chart-{kind}",
        role="img",
        aria_label=alt_text,
    )


def _legend(
    shades: Sequence[str],
    breaks: Sequence[float],
    counts: Sequence[int],
    unit: str,
    what: str,
    missing: int,
    outlined_words: str,
    numbered: bool,
) -> list[Html]:
    """The legend's lines: each class in words with its number of areas, then areas without a figure, the outlined
    areas and the numbers, where the map has them."""
    legend = [
        element("li", _swatch(shade), f"{class_words(k, breaks, unit)} ({counts[k]} {what})")
        for k, shade in enumerate(shades)
    ]
    if missing:
        legend.append(element("li", _swatch(NO_DATA), f"no figure ({missing} {what})"))
    if outlined_words:
        legend.append(element("li", _swatch("none", OUTLINE), outlined_words))
    if numbered:
        legend.append(element("li", _swatch("#ffffff", "#222222", circle=True), "numbered by rate, 1 = the highest"))
    return legend


def _numbers(projected: Projected, ranked: Sequence[str]) -> tuple[list[Html], list[Html], list[Html]]:
    """The numbered labels of the ``ranked`` areas: leader lines (for a label moved off its area), circles, numbers."""
    numbered = [(rank, s) for rank, s in enumerate((projected.shape(c) for c in ranked), start=1) if s is not None]
    spots = place_labels([s.label_at for _, s in numbered], projected.width, projected.height)
    leaders, circles, texts = [], [], []
    for (rank, s), (x, y) in zip(numbered, spots, strict=True):
        if (x, y) != s.label_at:
            leaders.append(element("line", x1=_px(s.label_at[0]), y1=_px(s.label_at[1]), x2=_px(x), y2=_px(y)))
        circles.append(element("circle", cx=_px(x), cy=_px(y), r=_px(LABEL_RADIUS)))
        texts.append(element("text", str(rank), x=_px(x), y=_px(y + 3.3)))
    return leaders, circles, texts


def _value(value: float | None, unit: str) -> str:
    return "no figure" if value is None else f"{number(value)} {unit}"


def _swatch(fill: str, stroke: str = "#666666", circle: bool = False) -> Html:
    shape = (
        element("circle", cx="7", cy="7", r="5.5", fill=fill, stroke=stroke, stroke_width="1.2")
        if circle
        else element(
            "rect",
            x="1",
            y="1",
            width="12",
            height="12",
            fill=fill,
            stroke=stroke,
            stroke_width="2" if fill == "none" else "0.6",
        )
    )
    return element(
        "svg",
        shape,
        xmlns=SVG_NS,
        width="14",
        height="14",
        viewBox="0 0 14 14",
        class_="swatch",
        aria_hidden="true",
        focusable="false",
    )
