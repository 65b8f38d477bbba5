"""Financial years, quarters and months: parsing, ordering and reporting windows.

UK public bodies report on financial years that run April to March. A year is
written ``2015-16``, a quarter ``2015-16-Q1`` (Q1 = Apr-Jun) and a month
``2015-04``. Periods are kept as these strings everywhere so that every table
reads the same as the report it feeds.
"""

from __future__ import annotations

import re
from typing import Literal, NamedTuple

from analysis.errors import InvalidInputError

Frequency = Literal["monthly", "quarterly"]

PERIODS_PER_YEAR: dict[str, int] = {"monthly": 12, "quarterly": 4}

_FY = r"(?P<start>\d{4})\s*[-/]\s*(?P<end>\d{2}|\d{4})"
_QUARTER_FORMS = (
    re.compile(rf"^{_FY}\s*[- ]?\s*Q(?P<q>[1-4])$", re.IGNORECASE),
    re.compile(rf"^Q(?P<q>[1-4])\s*[- ]?\s*{_FY}$", re.IGNORECASE),
)
_MONTH = re.compile(r"^(?P<year>\d{4})-(?P<month>0[1-9]|1[0-2])$")
_QUARTER_NAMES = ("one", "two", "three", "four")
_MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


class PeriodError(InvalidInputError, ValueError):
    """A period, quarter or financial year that cannot be read."""


FIRST_YEAR, LAST_YEAR = 1900, 2999  # the financial years a report can cover (their months keep four-digit years)


def _fy_start(start: str, end: str, text: str) -> int:
    """The year a financial year starts in, from its two halves as written.

    >>> _fy_start("9999", "00", "9999-00-Q1")
    Traceback (most recent call last):
    ...
    analysis.core.periods.PeriodError: '9999-00-Q1' is not a financial year a report can cover: years run from 1900-01 to 2999-00
    """
    first = int(start)
    last = int(end) if len(end) == 4 else (first // 100) * 100 + int(end)
    if last % 100 != (first + 1) % 100:
        raise PeriodError(f"{text!r} is not a financial year: {start} is not followed by {end}")
    if not FIRST_YEAR <= first <= LAST_YEAR:
        raise PeriodError(
            f"{text!r} is not a financial year a report can cover: years run from "
            f"{fy_label(FIRST_YEAR)} to {fy_label(LAST_YEAR)}"
        )
    return first


def parse_financial_year(text: str) -> int:
    """Return the calendar year in which a financial year starts.

    >>> parse_financial_year("2015-16")
    2015
    >>> parse_financial_year("2099/2100")
    2099
    """
    match = re.fullmatch(_FY, str(text).strip())
    if not match:
        raise PeriodError(f"{text!r} is not a financial year like 2015-16")
    return _fy_start(match["start"], match["end"], text)


def fy_label(fy: int) -> str:
    """Write a financial year the way reports do.

    >>> fy_label(2015), fy_label(1999)
    ('2015-16', '1999-00')
    """
    return f"{fy}-{(fy + 1) % 100:02d}"


def fy_short(fy: int) -> str:
    """The short slash form used in report prose.

    >>> fy_short(2014)
    '2014/15'
    """
    return f"{fy}/{(fy + 1) % 100:02d}"


class Quarter(NamedTuple):
    """A quarter of a financial year; orders in time."""

    fy: int
    q: int

    def __str__(self) -> str:
        return f"{fy_label(self.fy)}-Q{self.q}"

    @property
    def label(self) -> str:
        """``quarter one 2015/16``, as reports say it."""
        return f"quarter {_QUARTER_NAMES[self.q - 1]} {fy_short(self.fy)}"

    @property
    def previous(self) -> Quarter:
        """The quarter before this one.

        >>> str(Quarter(2015, 1).previous)
        '2014-15-Q4'
        """
        return Quarter(self.fy - 1, 4) if self.q == 1 else Quarter(self.fy, self.q - 1)

    @property
    def last_month(self) -> str:
        """The last month of the quarter.

        >>> Quarter(2015, 4).last_month
        '2016-03'
        """
        return months_of_year(self.fy)[self.q * 3 - 1]


def parse_quarter(text: str | Quarter) -> Quarter:
    """Read a quarter in any of the accepted spellings.

    >>> [str(parse_quarter(t)) for t in ("2015-16-Q1", "2015-16 Q1", "Q1 2015-16", "q3 2015/16")]
    ['2015-16-Q1', '2015-16-Q1', '2015-16-Q1', '2015-16-Q3']
    """
    if isinstance(text, Quarter):
        return text
    cleaned = " ".join(str(text).split())
    for form in _QUARTER_FORMS:
        match = form.match(cleaned)
        if match:
            return Quarter(_fy_start(match["start"], match["end"], cleaned), int(match["q"]))
    raise PeriodError(f"{text!r} is not a quarter like 2015-16-Q1, '2015-16 Q1' or 'Q1 2015-16'")


def months_of_year(fy: int) -> list[str]:
    """The twelve months of a financial year, April first.

    >>> months_of_year(2015)[0], months_of_year(2015)[-1]
    ('2015-04', '2016-03')
    """
    return [f"{fy + (m < 4)}-{m:02d}" for m in (*range(4, 13), 1, 2, 3)]


def quarters_of_year(fy: int) -> list[str]:
    """The four quarters of a financial year.

    >>> quarters_of_year(2015)
    ['2015-16-Q1', '2015-16-Q2', '2015-16-Q3', '2015-16-Q4']
    """
    return [str(Quarter(fy, q)) for q in range(1, 5)]


def periods_of_year(fy: int, frequency: Frequency) -> list[str]:
    """Every period of a financial year at a measure's frequency."""
    return months_of_year(fy) if frequency == "monthly" else quarters_of_year(fy)


def reporting_window(quarter: Quarter, frequency: Frequency) -> list[str]:
    """The periods from the start of the quarter's year up to the end of the quarter.

    >>> reporting_window(Quarter(2015, 1), "monthly")
    ['2015-04', '2015-05', '2015-06']
    >>> reporting_window(Quarter(2015, 2), "quarterly")
    ['2015-16-Q1', '2015-16-Q2']
    """
    periods = periods_of_year(quarter.fy, frequency)
    per_quarter = PERIODS_PER_YEAR[frequency] // 4
    return periods[: quarter.q * per_quarter]


def is_period(text: str, frequency: Frequency) -> bool:
    """Whether ``text`` is a period written for this frequency.

    >>> is_period("2015-04", "monthly"), is_period("2015-16-Q1", "monthly")
    (True, False)
    >>> is_period("2015-16-Q1", "quarterly"), is_period("2015-16 Q1", "quarterly")
    (True, False)
    """
    if frequency == "monthly":
        match = _MONTH.match(text)
        return bool(match) and FIRST_YEAR <= quarter_of_period(text).fy <= LAST_YEAR
    try:
        return str(parse_quarter(text)) == text
    except PeriodError:
        return False


def quarter_of_period(period: str) -> Quarter:
    """The quarter a month or a quarter belongs to.

    >>> str(quarter_of_period("2016-02")), str(quarter_of_period("2015-16-Q2"))
    ('2015-16-Q4', '2015-16-Q2')
    """
    match = _MONTH.match(period)
    if not match:
        return parse_quarter(period)
    year, month = int(match["year"]), int(match["month"])
    fy = year if month >= 4 else year - 1
    return Quarter(fy, (month - 4) % 12 // 3 + 1)


def fy_of_period(period: str) -> int:
    """The financial year a month or quarter falls in.

    >>> fy_of_period("2016-03"), fy_of_period("2016-04")
    (2015, 2016)
    """
    return quarter_of_period(period).fy


def period_label(period: str) -> str:
    """A short column heading: ``Apr`` for a month, ``Q1`` for a quarter.

    >>> period_label("2015-04"), period_label("2015-16-Q3")
    ('Apr', 'Q3')
    """
    match = _MONTH.match(period)
    if match:
        return _MONTH_ABBR[int(match["month"]) - 1]
    return f"Q{parse_quarter(period).q}"


def period_name(period: str) -> str:
    """A period as prose: ``June 2015`` or ``quarter one 2015/16``.

    >>> period_name("2015-06"), period_name("2015-16-Q1")
    ('June 2015', 'quarter one 2015/16')
    """
    match = _MONTH.match(period)
    if match:
        return f"{_MONTH_NAMES[int(match['month']) - 1]} {match['year']}"
    return parse_quarter(period).label


def parse_quarter_range(text: str) -> list[Quarter]:
    """One quarter, or every quarter from the first to the last of ``first..last``, oldest first.

    >>> [str(q) for q in parse_quarter_range("2023-24-Q4..2024-25-Q2")]
    ['2023-24-Q4', '2024-25-Q1', '2024-25-Q2']
    >>> [str(q) for q in parse_quarter_range("Q3 2024-25")]
    ['2024-25-Q3']
    >>> parse_quarter_range("2024-25-Q2..2023-24-Q1")
    Traceback (most recent call last):
    analysis.core.periods.PeriodError: '2024-25-Q2..2023-24-Q1': the first quarter comes after the last; write the earlier one first
    """
    first, sep, last = str(text).partition("..")
    start = parse_quarter(first.strip())
    end = parse_quarter(last.strip()) if sep else start
    if end < start:
        raise PeriodError(f"{text!r}: the first quarter comes after the last; write the earlier one first")
    quarters = [start]
    while quarters[-1] < end:
        q = quarters[-1]
        quarters.append(Quarter(q.fy + 1, 1) if q.q == 4 else Quarter(q.fy, q.q + 1))
    return quarters


def periods_in_words(periods: list[str]) -> str:
    """Periods in prose, joined with commas and "and".

    >>> periods_in_words(["2015-07"]), periods_in_words(["2015-07", "2015-08", "2015-09"])
    ('July 2015', 'July 2015, August 2015 and September 2015')
    """
    names = [period_name(p) for p in periods]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
