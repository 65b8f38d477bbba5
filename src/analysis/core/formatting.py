"""Numbers as a report prints them: thousands separators, sensible decimals, signed percentages."""

from __future__ import annotations


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


def number(value: object, decimals: int | None = None) -> str:
    """A figure for prose and tables; whole numbers without decimals, ``–`` when missing.

    >>> number(10064.0), number(6181.74), number(19.32), number(None)
    ('10,064', '6,182', '19.3', '–')
    >>> number(77.3, 1), number(0.5)
    ('77.3', '0.5')
    """
    if missing(value):
        return "–"
    x = float(value)  # type: ignore[arg-type]
    if decimals is None:
        decimals = 0 if x.is_integer() or abs(x) >= 100 else 1
    return f"{x:,.{decimals}f}"


def percent(value: object, decimals: int = 1, signed: bool = True) -> str:
    """A fraction as a percentage: ``-0.0615`` -> ``-6.2%``.

    >>> percent(-0.0615), percent(0.171, 0), percent(None)
    ('-6.2%', '+17%', '–')
    """
    if missing(value):
        return "–"
    return f"{float(value):{'+' if signed else ''}.{decimals}%}"  # type: ignore[arg-type]
