"""A measure's sign-off in words: who signed it off for the quarter and when, or that no one has yet.

From the processed ``signoff.csv`` (:data:`analysis.processed.contract.SIGNOFF`):
a partnership that does not ask for sign-off has no rows, and nothing is said.
A sign-off made before one of the measure's figures was revised is shown as
such (the lead signed off what they saw), never as a sign-off of the figure
now shown. The dashboard, the measure page and the paper use these words.
"""

from __future__ import annotations

from analysis.core.formatting import date_in_words
from analysis.core.vocabulary import NOT_SIGNED_OFF, SIGNED_BEFORE_REVISION, SIGNOFF_SHORT
from analysis.processed.contract import SIGNOFF
from analysis.processed.quarter import QuarterData
from analysis.report.html import Html, element, paragraph
from analysis.report.returns import in_words


def signoff_row(data: QuarterData, measure_id: str) -> dict | None:
    """The measure's row of ``signoff.csv``; ``None`` when the partnership does not ask for sign-off."""
    table = data.table(SIGNOFF)
    rows = table[table["measure_id"] == measure_id] if not table.empty else table
    return None if rows.empty else rows.iloc[0].to_dict()


def signoff_words(row: dict, quarter_label: str) -> str:
    """The sign-off in a sentence.

    >>> row = {"state": "signed_off", "signed_by": "Sam Taylor", "signed_on": "2015-10-06", "lead": "DA group",
    ...        "revised_periods": "", "revised_on": ""}
    >>> signoff_words(row, "quarter two 2015/16")
    'Signed off for quarter two 2015/16 by Sam Taylor (DA group) on 6 October 2015.'
    >>> print(signoff_words({**row, "state": "signed_off_before_revision", "revised_periods": "2015-08",
    ...                      "revised_on": "2015-10-12"}, "quarter two 2015/16").split(", before ")[1])
    a revision: the figure for August 2015 was revised on 12 October 2015, and the revised figure is not signed off.
    >>> signoff_words({**row, "state": "not_signed_off"}, "quarter two 2015/16")
    'Not yet signed off for quarter two 2015/16 by its lead (DA group).'
    """
    lead = f" ({row['lead']})" if row.get("lead") else ""
    if row["state"] == NOT_SIGNED_OFF:
        return f"Not yet signed off for {quarter_label} by its lead{lead}."
    text = f"Signed off for {quarter_label} by {row['signed_by']}{lead} on {date_in_words(row['signed_on'])}"
    if row["state"] != SIGNED_BEFORE_REVISION:
        return text + "."
    periods = [p for p in str(row["revised_periods"]).split(";") if p]
    figures = "figure" if len(periods) == 1 else "figures"
    return (
        f"{text}, before a revision: the {figures} for {in_words(periods)} "
        f"{'was' if len(periods) == 1 else 'were'} revised on {date_in_words(row['revised_on'])}, "
        f"and the revised {figures} {'is' if len(periods) == 1 else 'are'} not signed off."
    )


def signoff_short(row: dict) -> str:
    """The sign-off in a few words, for a table cell.

    >>> signoff_short({"state": "signed_off", "signed_by": "Sam Taylor", "signed_on": "2015-10-06"})
    'Signed off: Sam Taylor, 6 October 2015'
    >>> signoff_short({"state": "not_signed_off"})
    'Not yet signed off'
    """
    if row["state"] == NOT_SIGNED_OFF:
        return SIGNOFF_SHORT[NOT_SIGNED_OFF]
    return f"{SIGNOFF_SHORT[row['state']]}: {row['signed_by']}, {date_in_words(row['signed_on'])}"


def signoff_note(data: QuarterData, measure_id: str, *, short: bool = False) -> Html | None:
    """The sign-off as a paragraph marked with its state (``signoff signoff-not_signed_off``); ``None`` when the
    partnership does not ask for sign-off. A sign-off still to come or made before a revision is in bold."""
    row = signoff_row(data, measure_id)
    if row is None:
        return None
    words = signoff_short(row) if short else signoff_words(row, data.quarter.label)
    flagged = row["state"] in (NOT_SIGNED_OFF, SIGNED_BEFORE_REVISION)
    return paragraph(element("strong", words) if flagged else words, class_=f"signoff signoff-{row['state']}")
