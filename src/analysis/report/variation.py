"""Making Data Count's two icons in words and symbols.

A traffic light says whether a target will be met; SPC says whether anything
changed. Readers get both, side by side, and a sentence when they tell
different stories (:func:`analysis.core.vocabulary.disagreements`: a red status
on common-cause variation needs a change in the process, not just the usual ups
and downs).
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
