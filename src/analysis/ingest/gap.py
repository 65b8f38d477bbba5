"""The gap measure (contract, section 3): the highest-rate small areas against the whole partnership.

Seed 003's first measure is "closing the gap between the 10 neighbourhoods with
the highest crime rates and the city average per 1,000". For a financial year FY
the **gap areas** are the ``n`` small areas with the highest rate per 1,000
residents over the whole of FY-1 (ties broken by area code), fixed for the year;
for each period p of FY the gap is (crimes in the gap areas from the start of FY
to p) / (their residents) x 1000 less (crimes in the whole partnership over the
same months) / (its residents) x 1000. A year whose year before is not complete
in the counts has no gap areas and no values.

Pure functions of the counts, kept with the ingest because ``csp-report ingest
police-uk`` writes the values into ``actuals.csv`` (the stage before the method);
the build reads the gap areas from here for ``neighbourhoods.csv``. Rates are
ranked as exact fractions, so two areas with the same rate are always a tie.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from analysis.core.periods import fy_of_period, months_of_year, quarters_of_year

Counts = Mapping[str, Mapping[str, float]]
"""One measure's counts: month -> small area -> records (areas with none may be left out)."""


def counts_by_month(rows: Iterable[tuple[str, str, float]]) -> dict[str, dict[str, float]]:
    """``(period, area_code, value)`` rows as :data:`Counts`.

    >>> counts_by_month([("2024-01", "A", 2), ("2024-01", "B", 1), ("2024-02", "A", 0)])
    {'2024-01': {'A': 2, 'B': 1}, '2024-02': {'A': 0}}
    """
    out: dict[str, dict[str, float]] = {}
    for period, area, value in rows:
        month = out.setdefault(period, {})
        month[area] = month.get(area, 0) + value
    return out


def year_totals(counts: Counts, months: Iterable[str], areas: Iterable[str]) -> dict[str, float]:
    """Each area's records over ``months`` (0 where it had none)."""
    months = list(months)
    return {a: sum(counts.get(m, {}).get(a, 0) for m in months) for a in areas}


def rank_by_rate(totals: Mapping[str, float], residents: Mapping[str, float]) -> list[str]:
    """Areas from the highest rate per resident to the lowest, ties by area code.

    >>> rank_by_rate({"B": 2, "A": 1, "C": 5}, {"A": 100, "B": 200, "C": 1000})
    ['A', 'B', 'C']
    """

    def rate(area: str) -> Fraction:
        return Fraction(totals.get(area, 0)) / Fraction(residents[area])

    return sorted(residents, key=lambda a: (-rate(a), a))


def gap_areas(counts: Counts, residents: Mapping[str, float], fy: int, n: int) -> tuple[str, ...] | None:
    """The year's gap areas: the ``n`` highest rates over the whole of FY-1, highest first; ``None`` when
    FY-1 is not complete in the counts.

    >>> year = {m: {"A": 1} for m in months_of_year(2023)}
    >>> gap_areas(year, {"A": 10, "B": 10, "C": 50}, 2024, 2)
    ('A', 'B')
    >>> gap_areas({**year, "2023-04": None}, {"A": 10}, 2024, 1) is None
    True
    """
    months = months_of_year(fy - 1)
    if any(counts.get(m) is None for m in months):
        return None
    return tuple(rank_by_rate(year_totals(counts, months, residents), residents)[:n])


def rate_per_1000(records: float, residents: float) -> float:
    """Records per 1,000 residents.

    >>> rate_per_1000(3368, 10000)
    336.8
    """
    return records / residents * 1000


@dataclass(frozen=True)
class GapYear:
    """One financial year of a gap measure: its gap areas and the gap at each period with data."""

    fy: int
    areas: tuple[str, ...]
    values: dict[str, float]  # period -> the gap per 1,000 (areas' rate less the partnership's)
    area_rates: dict[str, float]  # period -> the gap areas' rate per 1,000, year to date
    partnership_rates: dict[str, float]  # period -> the partnership's rate per 1,000, year to date
    last_year_rates: dict[str, float]  # the gap areas' rates over the whole of FY-1, which chose them


def gap_year(
    counts: Counts, residents: Mapping[str, float], fy: int, n: int, frequency: str = "monthly"
) -> GapYear | None:
    """The gap of one financial year, or ``None`` when FY-1 is incomplete (no gap areas).

    The running figure at a period needs every month from the start of FY to
    that period's end; a quarterly measure has a value once its quarter's three
    months are in.

    >>> months = months_of_year(2023) + months_of_year(2024)[:2]
    >>> counts = {m: {"A": 2, "B": 1, "C": 1} for m in months}
    >>> y = gap_year(counts, {"A": 1000, "B": 1000, "C": 2000}, 2024, 1)
    >>> y.areas, y.values
    (('A',), {'2024-04': 1.0, '2024-05': 2.0})
    """
    areas = gap_areas(counts, residents, fy, n)
    if areas is None:
        return None
    people, all_people = sum(residents[a] for a in areas), sum(residents.values())
    last = year_totals(counts, months_of_year(fy - 1), areas)
    in_areas = in_all = 0.0
    values: dict[str, float] = {}
    area_rates: dict[str, float] = {}
    partnership_rates: dict[str, float] = {}
    for month in months_of_year(fy):
        records = counts.get(month)
        if records is None:
            break
        in_areas += sum(records.get(a, 0) for a in areas)
        in_all += sum(v for a, v in records.items() if a in residents)
        area_rates[month] = rate_per_1000(in_areas, people)
        partnership_rates[month] = rate_per_1000(in_all, all_people)
        values[month] = area_rates[month] - partnership_rates[month]
    if frequency == "quarterly":
        ends = dict(zip(months_of_year(fy)[2::3], quarters_of_year(fy), strict=True))
        values, area_rates, partnership_rates = (
            {ends[m]: v for m, v in series.items() if m in ends} for series in (values, area_rates, partnership_rates)
        )
    return GapYear(
        fy, areas, values, area_rates, partnership_rates, {a: rate_per_1000(last[a], residents[a]) for a in areas}
    )


def gap_years(counts: Counts, residents: Mapping[str, float], n: int, frequency: str = "monthly") -> list[GapYear]:
    """Every financial year the counts give a gap for, oldest first."""
    years = sorted({fy_of_period(m) for m in counts})
    found = (gap_year(counts, residents, fy, n, frequency) for fy in years)
    return [y for y in found if y is not None]


def gap_series(counts: Counts, residents: Mapping[str, float], n: int, frequency: str = "monthly") -> dict[str, float]:
    """The gap measure's values by period, every year the counts give one: what ``actuals.csv`` holds."""
    return {p: v for y in gap_years(counts, residents, n, frequency) for p, v in y.values.items()}
