"""Numbers as a report prints them: thousands separators, sensible decimals, signed percentages.

Every figure shown (pages, paper, workbooks' messages, ``status``, ``verify``)
goes through :func:`rounded`: halves round away from zero, as spreadsheets do
(1,332.5 shows as 1,333 and -2.5 as -3), never to the even neighbour as
Python's ``round`` and ``format`` do. The tables keep the numbers unrounded.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal


def missing(value: object) -> bool:
    """Whether a figure is absent: ``None``, NaN, pandas' ``NA``, or empty text (a blank cell read as text).

    >>> missing(None), missing(float("nan")), missing(0), missing(""), missing("2015-06")
    (True, True, False, True, False)
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return True
    try:
        return bool(value != value)  # only NaN differs from itself
    except TypeError:  # pandas' NA refuses to be a bool
        return True


def present(value: object) -> bool:
    """Whether a figure is there (not :func:`missing`)."""
    return not missing(value)


def rounded(value: float, decimals: int = 0, scale: int = 0) -> Decimal:
    """``value`` x 10**``scale`` rounded to ``decimals`` places, halves away from zero, as a spreadsheet rounds.

    The rounding is worked in decimal on the figure as written (its shortest
    ``repr``), not on its binary value: 2.675 is stored as 2.67499999..., so
    Python's ``round(2.675, 2)`` gives 2.67, while a spreadsheet, and this,
    give 2.68. ``scale`` shifts the decimal point first (2 for a percentage),
    so that shifting adds no binary error of its own.

    >>> rounded(1332.5), rounded(310.5), rounded(-2.5), rounded(2.675, 2), rounded(-0.0615, 1, scale=2)
    (Decimal('1333'), Decimal('311'), Decimal('-3'), Decimal('2.68'), Decimal('-6.2'))
    """
    exact = Decimal(repr(float(value))).scaleb(scale)
    return exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def relative(value: float, base: float) -> float:
    """``value / base - 1``: how far ``value`` is from ``base``, as a fraction of it, worked in decimal on the figures as written, so that a half shows as a half when it is rounded.

    ``1035 / 1000 - 1`` is 0.03499999999999992 in binary and would show as 3.4% at one
    decimal of a hundredth more; worked in decimal it is 0.035, as a spreadsheet has it.

    >>> relative(1035, 1000), relative(1128, 960), relative(9375, 10064) < 0, relative(-5, -10)
    (0.035, 0.175, True, -0.5)
    """
    return float(Decimal(repr(float(value))) / Decimal(repr(float(base))) - 1)


def number(value: object, decimals: int | None = None) -> str:
    """A figure for prose and tables; whole numbers without decimals, ``–`` when missing.

    Halves round away from zero (:func:`rounded`).

    >>> number(10064.0), number(6181.74), number(19.32), number(None)
    ('10,064', '6,182', '19.3', '–')
    >>> number(77.3, 1), number(0.5), number(1332.5), number(310.5), number(-1332.5), number(2.675, 2)
    ('77.3', '0.5', '1,333', '311', '-1,333', '2.68')
    """
    if missing(value):
        return "–"
    x = float(value)  # type: ignore[arg-type]
    if decimals is None:
        decimals = 0 if x.is_integer() or abs(x) >= 100 else 1
    if not math.isfinite(x):
        return f"{x:,.{decimals}f}"
    return f"{rounded(x, decimals):,.{decimals}f}"


def percent(value: object, decimals: int = 1, signed: bool = True) -> str:
    """A fraction as a percentage: ``-0.0615`` -> ``-6.2%``; halves away from zero (:func:`rounded`).

    >>> percent(-0.0615), percent(0.171, 0), percent(None), percent(0.125, 0), percent(0.15, 0, signed=False)
    ('-6.2%', '+17%', '–', '+13%', '15%')
    """
    if missing(value):
        return "–"
    x = float(value)  # type: ignore[arg-type]
    sign = "+" if signed else ""
    if not math.isfinite(x):
        return f"{x:{sign}.{decimals}%}"
    return f"{rounded(x, decimals, scale=2):{sign}.{decimals}f}%"


def date_in_words(day: str) -> str:
    """An ISO date as a report writes it: ``2015-07-23`` -> ``23 July 2015`` (other text as it is).

    >>> date_in_words("2015-07-23"), date_in_words("2015-10-01"), date_in_words("soon")
    ('23 July 2015', '1 October 2015', 'soon')
    """
    import datetime as dt

    try:
        d = dt.date.fromisoformat(day)
    except ValueError:
        return day
    return f"{d.day} {d:%B %Y}"
