"""Each measure's sign-off for the quarter: who signed it off and when, and whether a figure changed after.

A lead signs off what they saw: the measure's figures, commentary and actions
as they stood when they signed. A figure of the measure revised later
(``revisions.csv``, written by ``ingest returns --revise``, dated the day it was
read) on a day after the sign-off's date means the lead has not seen the figure
now shown, so the sign-off is kept but marked ``signed_off_before_revision``
until the lead signs off again (a later date). A revision read on the day of
the sign-off counts as seen: a sign-off gives a day, not a time, and a lead who
revises a figure in their workbook signs it off in the same return. Revisions
of the periods the quarter's report shows count: this year's to the end of the
quarter and last year's, which its comparisons use.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis.core.periods import Quarter, fy_of_period, quarter_of_period
from analysis.core.register import Register
from analysis.core.vocabulary import NOT_SIGNED_OFF, SIGNED_BEFORE_REVISION, SIGNED_OFF


@dataclass(frozen=True)
class SignOff:
    """One measure's sign-off for a quarter (a row of the processed ``signoff.csv``)."""

    quarter: str
    measure_id: str
    lead: str
    state: str
    signed_by: str = ""
    signed_on: str = ""
    revised_periods: str = ""  # the periods revised after the sign-off, ";"-joined
    revised_on: str = ""  # the day of the latest of those revisions


def _shown(period: str, quarter: Quarter) -> bool:
    """Whether the quarter's report shows the period: this year's up to the quarter's end, and last year's."""
    try:
        return quarter_of_period(period) <= quarter and fy_of_period(period) >= quarter.fy - 1
    except ValueError:
        return False


def signoffs(register: Register, quarter: Quarter, signed: pd.DataFrame, revisions: pd.DataFrame) -> list[SignOff]:
    """Every reported measure's sign-off for the quarter, in register order.

    ``signed`` holds ``signoff.csv``'s rows (``quarter,measure_id,signed_by,signed_on``), ``revisions`` those of
    ``revisions.csv`` (``measure_id,period,...,date``).

    >>> from analysis.core.register import Measure
    >>> reg = Register("P", tuple(Measure(i, i.upper(), "P", "lower", "monthly", lead="L") for i in "abc"), {})
    >>> signed = pd.DataFrame({"quarter": ["2015-16-Q2"] * 2, "measure_id": ["a", "b"],
    ...                        "signed_by": ["Sam", "Jo"], "signed_on": ["2015-10-06", "2015-10-06"]})
    >>> revised = pd.DataFrame({"measure_id": ["b", "a"], "period": ["2015-08", "2015-08"],
    ...                         "date": ["2015-10-12", "2015-10-06"]})
    >>> [(s.measure_id, s.state, s.revised_periods) for s in signoffs(reg, Quarter(2015, 2), signed, revised)]
    [('a', 'signed_off', ''), ('b', 'signed_off_before_revision', '2015-08'), ('c', 'not_signed_off', '')]
    """
    q = str(quarter)
    rows = {r["measure_id"]: r for r in signed.to_dict("records") if r["quarter"] == q}
    found = []
    for m in register.measures:
        row = rows.get(m.id)
        if row is None:
            found.append(SignOff(q, m.id, m.lead, NOT_SIGNED_OFF))
            continue
        later = [
            r
            for r in revisions.to_dict("records")
            if r["measure_id"] == m.id and r["date"] > row["signed_on"] and _shown(r["period"], quarter)
        ]
        periods = ";".join(sorted({r["period"] for r in later}))
        state = SIGNED_BEFORE_REVISION if later else SIGNED_OFF
        revised_on = max((r["date"] for r in later), default="")
        found.append(SignOff(q, m.id, m.lead, state, row["signed_by"], row["signed_on"], periods, revised_on))
    return found
