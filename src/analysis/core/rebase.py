"""Where a measure's SPC series is split into segments (the register's ``spc_rebase``), and when it cannot be.

A rebase period starts a new segment with its own mean and limits. It must be a
period of the series after its first, and every segment needs at least two
points (one moving range). The input checks and the method both ask
:func:`rebase_problem`, so ``validate`` and ``build`` refuse the same rebases
with the same words.
"""

from __future__ import annotations

from collections.abc import Sequence

from analysis.core.periods import period_name


def segment_bounds(periods: Sequence[str], rebases: Sequence[str]) -> list[tuple[int, int]]:
    """``(start, stop)`` indices of each segment of ``periods`` (``stop`` excluded), in time order.

    Rebases that are not periods of the series are ignored here (:func:`rebase_problem` reports them).

    >>> segment_bounds(["2015-04", "2015-05", "2015-06", "2015-07"], ["2015-06"])
    [(0, 2), (2, 4)]
    >>> segment_bounds(["2015-04", "2015-05"], [])
    [(0, 2)]
    """
    index = {p: i for i, p in enumerate(periods)}
    starts = sorted({0, *(index[r] for r in rebases if r in index)})
    return list(zip(starts, [*starts[1:], len(periods)], strict=True))


def rebase_problem(periods: Sequence[str], rebases: Sequence[str]) -> str:
    """Why these rebases cannot split this series (periods with values, in time order); ``""`` when they can.

    >>> months = ["2015-04", "2015-05", "2015-06", "2015-07"]
    >>> rebase_problem(months, ["2015-06"])
    ''
    >>> rebase_problem(months, ["2015-04"])
    'the rebase April 2015 is the first period of the series: a rebase must be a later period of it'
    >>> rebase_problem(months, ["2015-09"])
    'the rebase September 2015 has no value in the series: a rebase must be a period of the series after its first'
    >>> rebase_problem(months, ["2015-07"])
    'the rebase July 2015 leaves the segment from July 2015 with one point: every segment needs at least 2'
    """
    if not periods:
        return ""
    known = set(periods)
    for r in sorted(set(rebases)):
        if r == periods[0]:
            return f"the rebase {_name(r)} is the first period of the series: a rebase must be a later period of it"
        if r < periods[0]:
            return (
                f"the rebase {_name(r)} is before the series starts ({_name(periods[0])}): a rebase must be a "
                "period of the series after its first"
            )
        if r not in known:
            return (
                f"the rebase {_name(r)} has no value in the series: a rebase must be a period of the series "
                "after its first"
            )
    for start, stop in segment_bounds(periods, rebases):
        if stop - start < 2:
            where = (
                f"the rebase {_name(periods[start])} leaves the segment from {_name(periods[start])}"
                if start
                else f"the rebase {_name(periods[stop])} leaves the segment before it"
            )
            return f"{where} with one point: every segment needs at least 2"
    return ""


def _name(period: str) -> str:
    try:
        return period_name(period)
    except ValueError:
        return period
