"""Making Data Count's two icons in words and symbols, and what to say when they disagree with the RAG.

A traffic light says whether a target will be met; SPC says whether anything
changed. Readers get both, side by side, and a sentence when they tell
different stories (a red status on common-cause variation is a target problem,
not a change in the world).
"""

from __future__ import annotations

from analysis.core.vocabulary import ASSURANCE, VARIATION
from analysis.core.vocabulary import VARIATION_SHORT as SHORT
from analysis.report.html import Html, element


def _badge(kind: str, code: str, table: dict[str, tuple[str, str]], short: bool = False) -> Html:
    if not code or code not in table:
        return element("span", "–", class_="spc spc-none")
    symbol, words = table[code]
    if short:
        words = SHORT.get(code, words)
    return element(
        "span",
        element("span", symbol, class_="spc-symbol", aria_hidden="true"),
        " ",
        words,
        class_=f"spc spc-{kind} spc-{code.replace('_', '-')}",
    )


def variation_badge(code: str | None, short: bool = False) -> Html:
    """The variation icon in words and symbol (``short`` words for tables).

    >>> variation_badge("common_cause")
    '<span class="spc spc-variation spc-common-cause"><span class="spc-symbol" aria-hidden="true">~</span> Common cause variation: no significant change</span>'
    """
    return _badge("variation", code or "", VARIATION, short)


def assurance_badge(code: str | None) -> Html:
    """The assurance icon in words and symbol."""
    return _badge("assurance", code or "", ASSURANCE)


def disagreement(status: str, variation: str | None) -> str:
    """A sentence when the traffic light and SPC tell different stories; ``""`` when they agree.

    >>> disagreement("red", "common_cause")[:60]
    'The status is red but the variation is common cause: nothing'
    >>> disagreement("green", "common_cause")
    ''
    """
    if not variation:
        return ""
    if status in ("red", "amber") and variation == "common_cause":
        return (
            f"The status is {status} but the variation is common cause: nothing has significantly changed. "
            "This is a target problem (the target is out of reach of the current process), not a change in the world."
        )
    if status in ("green", "achieved") and variation == "special_cause_concern":
        return (
            f"The status is {status}, but SPC shows a significant change for the worse: "
            "on course for the target today, but the trend needs watching."
        )
    if status in ("red", "amber") and variation == "special_cause_improvement":
        return (
            f"The status is {status}, but SPC shows a significant improvement: "
            "the process is getting better, though not yet enough to meet the target."
        )
    return ""
