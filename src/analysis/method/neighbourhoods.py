"""Rates by small area: each police.uk measure's year to date per 1,000 residents, against last year.

``neighbourhoods.csv`` (contract, section 4) has one row per police.uk measure
(gap measures under their own id) and small area, year to date at the quarter's
period end: the count, the residents, the rate per 1,000, last year's count over
the same months, the change, and whether the area is one of a gap measure's gap
areas; besides them, what the pages show: the exact test of the change
(:func:`analysis.method.stats.compare_counts`), last year's whole-year count and
rate (which chose the gap areas), the area's rank among the gap areas, its
deprivation decile and its ward. The same figures by ward are :func:`ward_table`.
Pure functions of the counts they are given; the columns' order and types are the
tables' declarations (:mod:`analysis.processed.contract`).

The months counted are those of the financial year up to the end of the quarter
that ``counts.csv`` covers for the measure (the ingest writes a row for every
month it read); last year's count needs every one of the same months a year
earlier, or it is empty.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from analysis.core.periods import Quarter, months_of_year
from analysis.core.register import Measure
from analysis.method.stats import compare_counts


def year_to_date_months(covered: set[str], quarter: Quarter) -> list[str]:
    """The months of the quarter's financial year up to its end that the counts cover.

    >>> year_to_date_months({"2024-04", "2024-05", "2024-07"}, Quarter(2024, 1))
    ['2024-04', '2024-05']
    """
    return [m for m in months_of_year(quarter.fy)[: quarter.q * 3] if m in covered]


def _last_year(month: str) -> str:
    return f"{int(month[:4]) - 1}{month[4:]}"


def _test(this: float, last: float | None, threshold: float) -> dict:
    """The change on last year and its exact test; empty where last year had no count (or none at all)."""
    if last is None:
        return {"change_vs_last_year": None, "change_p_value": None, "change_significant": "", "small_count": ""}
    c = compare_counts(this, last, threshold)
    return {
        "change_vs_last_year": this / last - 1 if last else None,
        "change_p_value": c.p_value,
        "change_significant": "yes" if c.significant else "no",
        "small_count": "yes" if c.small_count else "no",
    }


def neighbourhood_table(
    counts: pd.DataFrame,
    areas: pd.DataFrame,
    residents: Mapping[str, float],
    measures: Sequence[Measure],
    quarter: Quarter,
    gap_areas: Mapping[str, Sequence[str] | None] | None = None,
    deprivation: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """``neighbourhoods.csv``: every police.uk measure by small area, year to date at the quarter's end.

    ``counts`` has columns measure_id, period, area_code, value; ``areas`` the
    area_code, area_name, ward_code and ward_name of every area; ``gap_areas``
    the quarter's year's gap areas of each gap measure (highest rate first;
    ``None`` when the year has none).

    >>> m = Measure("burglary", "Burglary", "Crime", "lower", "monthly", source={"police_uk": ("Burglary",)})
    >>> counts = pd.DataFrame({"measure_id": ["burglary"] * 3, "period": ["2023-04", "2024-04", "2024-04"],
    ...                        "area_code": ["A", "A", "B"], "value": [4.0, 6.0, 1.0]})
    >>> areas = pd.DataFrame({"area_code": ["A", "B"], "area_name": ["Alpha", "Beta"], "ward_code": "", "ward_name": ""})
    >>> t = neighbourhood_table(counts, areas, {"A": 2000, "B": 1000}, [m], Quarter(2024, 1))
    >>> t[["area_code", "crimes_ytd", "rate_per_1000", "last_year_crimes_ytd", "change_vs_last_year"]].to_dict("records")
    [{'area_code': 'A', 'crimes_ytd': 6.0, 'rate_per_1000': 3.0, 'last_year_crimes_ytd': 4.0, 'change_vs_last_year': 0.5}, \
{'area_code': 'B', 'crimes_ytd': 1.0, 'rate_per_1000': 1.0, 'last_year_crimes_ytd': 0.0, 'change_vs_last_year': nan}]
    """
    gap_areas = gap_areas or {}
    deprivation = deprivation or {}
    place = areas.set_index("area_code")
    rows = []
    for m in measures:
        if not m.source.get("police_uk"):
            continue
        own = counts[counts["measure_id"] == m.id]
        by_month = own.groupby(["period", "area_code"])["value"].sum()
        covered = set(own["period"])
        months = year_to_date_months(covered, quarter)
        last_months = [_last_year(p) for p in months]
        last_complete = bool(months) and all(p in covered for p in last_months)
        whole = months_of_year(quarter.fy - 1)
        whole_complete = all(p in covered for p in whole)
        per_area = _sums(by_month, months)
        per_area_last = _sums(by_month, last_months)
        per_area_whole = _sums(by_month, whole)
        chosen = list(gap_areas.get(m.id) or ()) if m.is_gap else []
        for code in sorted(residents):
            crimes = float(per_area.get(code, 0.0)) if months else None
            last = float(per_area_last.get(code, 0.0)) if last_complete else None
            total = float(per_area_whole.get(code, 0.0)) if whole_complete else None
            row = {
                "measure_id": m.id,
                "area_code": code,
                "area_name": str(place.at[code, "area_name"]) if code in place.index else code,
                "crimes_ytd": crimes,
                "population": float(residents[code]),
                "rate_per_1000": crimes / residents[code] * 1000 if crimes is not None else None,
                "last_year_crimes_ytd": last,
                "gap_area": "true" if code in chosen else "false",
                **(_test(crimes, last, m.small_count_threshold) if crimes is not None else _test(0, None, 0)),
                "last_year_total": total,
                "last_year_rate_per_1000": total / residents[code] * 1000 if total is not None else None,
                "gap_rank": float(chosen.index(code) + 1) if code in chosen else None,
                "deprivation_decile": deprivation.get(code),
                "ward_code": _text(place, code, "ward_code"),
                "ward_name": _text(place, code, "ward_name"),
            }
            rows.append(row)
    return pd.DataFrame(rows)


def _sums(by_month: pd.Series, months: list[str]) -> dict[str, float]:
    if not months or by_month.empty:
        return {}
    chosen = by_month[by_month.index.get_level_values("period").isin(months)]
    return chosen.groupby(level="area_code").sum().to_dict()


def _text(place: pd.DataFrame, code: str, column: str) -> str:
    if column not in place.columns or code not in place.index:
        return ""
    value = place.at[code, column]
    return "" if pd.isna(value) else str(value)


def ward_table(table: pd.DataFrame, measures: Sequence[Measure]) -> pd.DataFrame:
    """The same figures by ward: the areas of each ward summed (areas without a ward left out).

    >>> t = pd.DataFrame({"measure_id": "x", "ward_code": ["W1", "W1", ""], "ward_name": ["One", "One", ""],
    ...                   "crimes_ytd": [3.0, 5.0, 1.0], "population": [1000.0, 1000.0, 500.0],
    ...                   "last_year_crimes_ytd": [4.0, 4.0, 0.0]})
    >>> ward_table(t, [Measure("x", "X", "P", "lower", "monthly")])[["ward_code", "crimes_ytd", "rate_per_1000"]].to_dict("records")
    [{'ward_code': 'W1', 'crimes_ytd': 8.0, 'rate_per_1000': 4.0}]
    """
    threshold = {m.id: m.small_count_threshold for m in measures}
    placed = table[table["ward_code"] != ""]
    rows = []
    for (mid, code), group in placed.groupby(["measure_id", "ward_code"], sort=False):
        crimes = group["crimes_ytd"].sum(min_count=1)
        last = group["last_year_crimes_ytd"].sum(min_count=1) if group["last_year_crimes_ytd"].notna().all() else None
        people = group["population"].sum()
        crimes = None if pd.isna(crimes) else float(crimes)
        last = None if last is None or pd.isna(last) else float(last)
        rows.append(
            {
                "measure_id": mid,
                "ward_code": code,
                "ward_name": group["ward_name"].iloc[0],
                "areas": float(len(group)),
                "crimes_ytd": crimes,
                "population": float(people),
                "rate_per_1000": crimes / people * 1000 if crimes is not None else None,
                "last_year_crimes_ytd": last,
                **(_test(crimes, last, threshold.get(mid, 10)) if crimes is not None else _test(0, None, 0)),
            }
        )
    if not rows:
        return pd.DataFrame()
    frame = pd.DataFrame(rows)
    return frame.sort_values(["measure_id", "ward_code"], key=_in_order(measures), kind="stable").reset_index(drop=True)


def _in_order(measures: Sequence[Measure]):
    rank = {m.id: i for i, m in enumerate(measures)}

    def key(column: pd.Series) -> pd.Series:
        return column.map(rank) if column.name == "measure_id" else column

    return key
