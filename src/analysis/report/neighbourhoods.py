"""The neighbourhoods page and the small-area section of each police.uk measure's page.

Each section is a pure function of the quarter's processed tables
(``neighbourhoods.csv``, ``neighbourhood_wards.csv``, ``boundaries.geojson`` and
``wards.geojson``), returning escaped :class:`Html` built with
:mod:`analysis.report.html`; the maps come from :mod:`analysis.report.maps`.
The neighbourhoods notebook makes a :class:`NeighbourhoodsPage` with
:func:`neighbourhoods_page` and calls its methods, one per section, each
declared once with ``@SECTIONS`` (which marks its HTML, so the paper can take
the map and the gap areas); the measure page's ``neighbourhoods`` section calls
:func:`measure_section`. A quarter whose data folder has no ``neighbourhoods/``
has no such page, and its measure pages no such section.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from analysis.core.formatting import number, percent, present
from analysis.core.periods import fy_short, months_of_year, period_name
from analysis.core.register import Measure
from analysis.processed.contract import BOUNDARIES, NEIGHBOURHOOD_WARDS, NEIGHBOURHOODS, WARD_BOUNDARIES
from analysis.processed.quarter import QuarterData, load_quarter
from analysis.report.html import Html, element, paragraph, section, table
from analysis.report.maps import choropleth
from analysis.report.sections import Sections

TOP = 10
PER = "per 1,000"
SMALL_MARK = "†"

SECTIONS = Sections("neighbourhoods")
"""The sections of the neighbourhoods page, each declared once by decorating its function."""


def has_small_areas(data: QuarterData) -> bool:
    """Whether the quarter's data folder has ``neighbourhoods/`` (the build then copies its boundaries)."""
    return BOUNDARIES in data.geojson


def _rows(data: QuarterData, measure_id: str) -> pd.DataFrame:
    table = data.table(NEIGHBOURHOODS)
    return table[table["measure_id"] == measure_id].reset_index(drop=True)


def police_measures(data: QuarterData) -> list[Measure]:
    """The measures counted by small area, in register order."""
    ids = set(data.table(NEIGHBOURHOODS)["measure_id"])
    return [m for m in data.register.measures if m.id in ids]


def main_measure(data: QuarterData) -> Measure | None:
    """The measure the page maps: the first police.uk measure of all crime, else the first police.uk measure
    (a gap measure only when there is no other)."""
    found = police_measures(data)
    plain = [m for m in found if not m.is_gap]
    every = [m for m in plain if "all-crime" in {s.casefold() for s in m.source.get("police_uk", ())}]
    return (every or plain or found or [None])[0]


def _gap_for(data: QuarterData, measure: Measure) -> Measure | None:
    """The gap measure whose counts are this measure's (the same police.uk source), if any."""
    if measure.is_gap:
        return measure
    same = [
        m
        for m in police_measures(data)
        if m.is_gap and set(m.source.get("police_uk", ())) == set(measure.source.get("police_uk", ()))
    ]
    return same[0] if same else None


def ranked(rows: pd.DataFrame) -> pd.DataFrame:
    """Areas from the highest rate to the lowest, ties by code; areas without a figure last."""
    return rows.sort_values(["rate_per_1000", "area_code"], ascending=[False, True], na_position="last", kind="stable")


def _span(data: QuarterData, measure: Measure) -> str:
    """The months counted, in words: "April to December 2024"."""
    row = data.status[data.status["measure_id"] == measure.id]
    end = row["period_end"].iloc[0] if not row.empty else ""
    if not present(end) or len(str(end)) != 7:
        end = data.quarter.last_month
    first = months_of_year(data.quarter.fy)[0]
    return period_name(first) if end == first else f"{period_name(first).split()[0]} to {period_name(end)}"


def _subject(measure: Measure) -> str:
    """What is counted, in words ("all crime", "burglary"), from the police.uk source."""
    words = ["all crime" if n.casefold() == "all-crime" else n.lower() for n in measure.source.get("police_uk", ())]
    return " and ".join(words) if words else measure.title.lower()


def _partnership_rate(rows: pd.DataFrame) -> float | None:
    if rows.empty or rows["crimes_ytd"].isna().all():
        return None
    return rows["crimes_ytd"].sum() / rows["population"].sum() * 1000


def _change_words(row: pd.Series) -> str:
    """The change on last year with its significance, in words."""
    if not present(row.get("change_vs_last_year")):
        return "none last year" if present(row.get("last_year_crimes_ytd")) else "–"
    change = percent(row["change_vs_last_year"], 0)
    if row.get("change_significant") == "yes":
        word = "significant rise" if row["change_vs_last_year"] > 0 else "significant fall"
    else:
        word = "not significant"
    if row.get("small_count") == "yes":
        word += ", small numbers"
    return f"{change} ({word})"


def _decile(value: object) -> str:
    if not present(value):
        return "–"
    d = int(value)
    return f"{d} (most deprived)" if d == 1 else (f"{d} (least deprived)" if d == 10 else str(d))


def _small(measure: Measure, count: object) -> bool:
    return present(count) and float(count) < measure.small_count_threshold


def _small_note(measure: Measure, rows: pd.DataFrame) -> Html | None:
    if not any(_small(measure, c) for c in rows["crimes_ytd"]):
        return None
    return paragraph(
        f"{SMALL_MARK} Fewer than {number(measure.small_count_threshold)} records: the rate of a small number moves a "
        "lot by chance, so read it with care.",
        class_="small-numbers",
    )


def _area_cell(row: pd.Series) -> Html:
    ward = row.get("ward_name", "")
    return element(
        "span",
        row["area_name"],
        element("span", f" {ward}", class_="ward") if ward else None,
        " ",
        element("span", row["area_code"], class_="code"),
    )


def rates_table(data: QuarterData, measure: Measure, n: int = TOP, caption: str = "") -> Html:
    """The ``n`` areas with the highest rates: count, residents, rate, change on last year and its test, decile."""
    rows = ranked(_rows(data, measure.id)).head(n)
    deprivation = rows["deprivation_decile"].notna().any()
    header = [
        "Rank",
        "Area (ward, code)",
        "Records",
        "Residents",
        f"Rate {PER}",
        "Same months last year",
        "Change on last year",
    ] + (["Deprivation decile (1 = most deprived)"] if deprivation else [])
    body = []
    for rank, (_, r) in enumerate(rows.iterrows(), start=1):
        mark = f" {SMALL_MARK}" if _small(measure, r["crimes_ytd"]) else ""
        cells = [
            str(rank),
            _area_cell(r),
            number(r["crimes_ytd"]) + mark,
            number(r["population"]),
            number(r["rate_per_1000"], 1),
            number(r["last_year_crimes_ytd"]),
            _change_words(r),
        ]
        body.append(cells + ([_decile(r["deprivation_decile"])] if deprivation else []))
    caption = caption or f"{measure.title}: the {len(rows)} small areas with the highest rates, {_span(data, measure)}"
    return element(
        "div",
        table(header, body, caption=caption, classes="report-table hood-table", row_headers=False, numeric_from=2),
        _small_note(measure, rows),
        class_="hood-rates",
    )


def _alt(data: QuarterData, measure: Measure, rows: pd.DataFrame, what: str, name: str) -> str:
    shown = ranked(rows.dropna(subset=["rate_per_1000"]))
    if shown.empty:
        return f"Map of {_subject(measure)} {PER} residents by {what}: no figures yet for {_span(data, measure)}."
    top, low = shown.iloc[0], shown.iloc[-1]
    rate = _partnership_rate(rows)
    return (
        f"Map of {_subject(measure)} {PER} residents by {what}, {_span(data, measure)}, {len(rows)} {what}s in "
        f"{data.register.partnership}"
        + (f" ({number(rate, 1)} {PER} overall)" if rate is not None else "")
        + f". Highest: {top[name]} at {number(top['rate_per_1000'], 1)} {PER}; lowest: {low[name]} at "
        f"{number(low['rate_per_1000'], 1)}. Darker shades are higher rates; the numbers mark the highest "
        f"{min(TOP, len(shown))}, as in the table."
    )


def map_by_area(data: QuarterData, measure: Measure, top: int = TOP) -> Html:
    """The rate by small area, the highest ``top`` numbered, and a gap measure's gap areas outlined."""
    rows = _rows(data, measure.id)
    geojson = data.geojson.get(BOUNDARIES, "")
    if rows.empty or not geojson:
        return paragraph("No small-area figures for this measure.")
    gap = _gap_for(data, measure)
    outlined = list(_gap_rows(data, gap)["area_code"]) if gap is not None else []
    year = fy_short(data.quarter.fy - 1)
    return choropleth(
        geojson,
        {r.area_code: (r.rate_per_1000 if present(r.rate_per_1000) else None) for r in rows.itertuples()},
        kind="map",
        what="areas",
        alt_text=_alt(data, measure, rows, "small area", "area_name")
        + (f" The {len(outlined)} gap areas are outlined." if outlined else ""),
        caption=f"{_subject(measure).capitalize()} {PER} residents by small area (2021 LSOA), {_span(data, measure)}",
        ranked=list(ranked(rows.dropna(subset=["rate_per_1000"]))["area_code"].head(top)),
        outlined=outlined,
        outlined_words=f"the {len(outlined)} gap areas (highest rates in {year}), outlined",
        names=dict(zip(rows["area_code"], rows["area_name"], strict=True)),
    )


def map_by_ward(data: QuarterData, measure: Measure) -> Html | None:
    """The rate by ward, when the data folder gives ward boundaries; ``None`` otherwise."""
    wards = data.table(NEIGHBOURHOOD_WARDS)
    geojson = data.geojson.get(WARD_BOUNDARIES, "")
    rows = wards[wards["measure_id"] == measure.id]
    if rows.empty or not geojson:
        return None
    rows = rows.rename(columns={"ward_code": "area_code"})
    return choropleth(
        geojson,
        {r.area_code: (r.rate_per_1000 if present(r.rate_per_1000) else None) for r in rows.itertuples()},
        kind="map",
        what="wards",
        alt_text=_alt(data, measure, rows, "ward", "ward_name"),
        caption=f"{_subject(measure).capitalize()} {PER} residents by ward, {_span(data, measure)}",
        ranked=list(ranked(rows.dropna(subset=["rate_per_1000"]))["area_code"].head(TOP)),
        names=dict(zip(rows["area_code"], rows["ward_name"], strict=True)),
    )


def _gap_rows(data: QuarterData, gap: Measure) -> pd.DataFrame:
    rows = _rows(data, gap.id)
    if rows.empty:
        return rows
    return rows[rows["gap_area"] == "true"].sort_values("gap_rank", kind="stable")


def gap_areas_section(data: QuarterData, gap: Measure, level: int = 2) -> Html:
    """Which areas are the gap areas and why (last year's whole-year rates), with the gap to date."""
    fy = data.quarter.fy
    chosen = _gap_rows(data, gap)
    last, this = fy_short(fy - 1), fy_short(fy)
    title = f"{gap.title}: the gap areas of {this}"
    if chosen.empty:
        return section(
            title,
            paragraph(
                f"{this} has no gap areas: they are chosen on the whole of {last}, and {last} is not complete in the "
                "small-area counts, so the gap has no value this year.",
                class_="gap-none",
            ),
            level=level,
            cls="gap-areas",
        )
    rows = _rows(data, gap.id)
    why = paragraph(
        f"For {this} the gap areas are the {len(chosen)} small areas with the highest rates of {_subject(gap)} {PER} "
        f"residents over the whole of {last} (April {fy - 1} to March {fy}), ties broken by area code. They stay the "
        "same all year, so the year's figures compare like with like.",
        class_="gap-why",
    )
    area_rate = chosen["crimes_ytd"].sum() / chosen["population"].sum() * 1000
    all_rate = _partnership_rate(rows)
    figures = paragraph(
        f"{_span(data, gap)}: the gap areas had {number(area_rate, 1)} records {PER} residents and "
        f"{data.register.partnership} as a whole {number(all_rate, 1)}, a gap of {number(area_rate - all_rate, 1)} {PER}.",
        class_="gap-figures",
    )
    body = [
        [
            str(int(r["gap_rank"])),
            _area_cell(r),
            number(r["last_year_total"]),
            number(r["last_year_rate_per_1000"], 1),
            number(r["crimes_ytd"]),
            number(r["population"]),
            number(r["rate_per_1000"], 1),
            _decile(r["deprivation_decile"]),
        ]
        for _, r in chosen.iterrows()
    ]
    header = [
        "Rank",
        "Area (ward, code)",
        f"Records {last}",
        f"Rate {PER} {last}",
        f"Records {this} to date",
        "Residents",
        f"Rate {PER} {this} to date",
        "Deprivation decile (1 = most deprived)",
    ]
    if chosen["deprivation_decile"].isna().all():
        header, body = header[:-1], [b[:-1] for b in body]
    return section(
        title,
        why,
        figures,
        table(
            header,
            body,
            caption=f"The gap areas of {this}, by their rate in {last}",
            classes="report-table hood-table",
            row_headers=False,
            numeric_from=2,
        ),
        level=level,
        cls="gap-areas",
    )


def measures_table(data: QuarterData) -> Html:
    """Every police.uk measure: the partnership's rate and the highest small area, with the significant changes."""
    body = []
    for m in police_measures(data):
        if m.is_gap:
            continue
        rows = _rows(data, m.id)
        top = ranked(rows.dropna(subset=["rate_per_1000"]))
        first = top.iloc[0] if not top.empty else None
        ups = int(((rows["change_significant"] == "yes") & (rows["change_vs_last_year"] > 0)).sum())
        downs = int(((rows["change_significant"] == "yes") & (rows["change_vs_last_year"] < 0)).sum())
        tested = rows["change_significant"].isin(["yes", "no"]).any()
        body.append(
            [
                element("a", m.title, href=f"measures/{m.id}.html"),
                number(_partnership_rate(rows), 1),
                f"{first['area_name']} ({number(first['rate_per_1000'], 1)})" if first is not None else "–",
                f"{ups} up, {downs} down" if tested else "no comparison",
            ]
        )
    return section(
        "Every measure by small area",
        table(
            ["Measure", f"Partnership rate {PER}", "Highest small area (rate)", "Significant changes on last year"],
            body,
            caption=f"Police.uk measures by small area, {fy_short(data.quarter.fy)} to date",
        ),
        cls="hood-measures",
    )


@SECTIONS
def intro(data: QuarterData) -> Html:
    """What the page shows and where the figures come from."""
    if not has_small_areas(data):
        return paragraph(
            f"{data.register.partnership}, {data.quarter.label}: the data folder has no small areas "
            "(neighbourhoods/), so there is nothing to show by area. `csp-report ingest neighbourhoods` writes them.",
            class_="hood-none",
        )
    m = main_measure(data)
    rows = _rows(data, m.id) if m is not None else pd.DataFrame()
    people = rows["population"].sum() if not rows.empty else 0
    return element(
        "header",
        paragraph(
            f"{data.register.partnership}, {data.quarter.label}: police.uk records by small area (2021 LSOAs, "
            f"{len(rows)} areas, {number(people)} residents), year to date."
        ),
        paragraph(
            "Records are placed by the LSOA police.uk gives each one, not by their map points (which police.uk moves "
            "to anonymise them). Rates are records per 1,000 residents (ONS mid-year estimates). Changes on last year "
            "are tested with the exact test of two counts; a change marked significant is unlikely to be chance.",
            class_="method",
        ),
        class_="hood-intro",
    )


def measure_section(data: QuarterData, measure_id: str) -> Html:
    """A police.uk measure's page: its map by small area and its highest rates (a gap measure: its gap areas).

    Empty for a measure not counted by small area, or a quarter without ``neighbourhoods/``."""
    m = data.register.measure(measure_id)
    if _rows(data, measure_id).empty:
        return Html("")
    parts = [
        map_by_area(data, m),
        rates_table(data, m, 5, f"The 5 small areas with the highest rates, {_span(data, m)}"),
    ]
    if m.is_gap:
        parts.append(gap_areas_section(data, m, level=3))
    parts.append(paragraph(element("a", "Every small area on the neighbourhoods page", href="../neighbourhoods.html")))
    return section("By small area", *parts, cls="hood-measure")


@SECTIONS
def area_map(data: QuarterData) -> Html:
    """The main measure's rate by small area (:func:`main_measure`), its highest rates numbered."""
    return _of_main_measure(data, "By small area", map_by_area, "hood-map")


@SECTIONS
def ward_map(data: QuarterData) -> Html:
    """The main measure's rate by ward, or why there is no such map."""
    m = main_measure(data)
    if m is None:
        return Html("")
    found = map_by_ward(data, m)
    if found is None:
        return section(
            "By ward", paragraph(f"No ward boundaries were given ({WARD_BOUNDARIES}), so there is no map by ward.")
        )
    return section("By ward", found, cls="hood-map")


@SECTIONS
def highest_rates(data: QuarterData) -> Html:
    """The small areas with the main measure's highest rates."""
    return _of_main_measure(data, "The highest rates", rates_table, "hood-highest")


def _of_main_measure(data: QuarterData, title: str, draw: Callable[[QuarterData, Measure], Html], cls: str) -> Html:
    """A section of the main measure (:func:`main_measure`), drawn by ``draw``; empty when there is none."""
    m = main_measure(data)
    return section(title, draw(data, m), cls=cls) if m else Html("")


@SECTIONS
def gap_areas(data: QuarterData) -> Html:
    """Each gap measure's gap areas and why they are the gap areas."""
    if not has_small_areas(data):
        return Html("")
    gaps = [m for m in police_measures(data) if m.is_gap]
    if not gaps:
        return section("Gap areas", paragraph("No measure of the register is a gap measure (gap: {areas: 10})."))
    return element("div", [gap_areas_section(data, g) for g in gaps], class_="gaps")


@SECTIONS
def measures(data: QuarterData) -> Html:
    """Every police.uk measure by small area."""
    return measures_table(data) if has_small_areas(data) else Html("")


@SECTIONS.methods
@dataclass(frozen=True)
class NeighbourhoodsPage:
    """The quarter's neighbourhoods page for a notebook: a method for each section (:data:`SECTIONS`), of the same name."""

    data: QuarterData

    @property
    def measure(self) -> Measure | None:
        return main_measure(self.data)

    @property
    def table(self) -> pd.DataFrame:
        """``neighbourhoods.csv`` as read (empty, with its columns, for a quarter without small areas)."""
        return self.data.table(NEIGHBOURHOODS)

    @property
    def has_areas(self) -> bool:
        return has_small_areas(self.data)

    def section_args(self) -> tuple:
        return (self.data,)


def neighbourhoods_page(quarter: str, **kwargs) -> NeighbourhoodsPage:
    """The neighbourhoods page of a quarter, from the notebook's parameters (passed to :func:`load_quarter`).

    A quarter without small areas (its data folder has no ``neighbourhoods/``) gets a page saying so; the build
    makes the page only for a quarter with them."""
    return NeighbourhoodsPage(load_quarter(quarter, **kwargs))
