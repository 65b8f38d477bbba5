"""Making Data Count's two icons in words and symbols.

A traffic light says whether a target will be met; SPC says whether anything
changed. Readers get both, side by side, and a sentence when they tell
different stories (:func:`analysis.core.vocabulary.disagreements`: a red status
on common-cause variation needs a change in the process, not just the usual ups
and downs).
"""

from __future__ import annotations

from itertools import pairwise

import pandas as pd

from analysis.core.vocabulary import ASSURANCE, BEYOND_LIMITS, SHIFT, TREND, TWO_OF_THREE, VARIATION
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
    '<span class="spc spc-variation spc-common-cause"><span class="spc-symbol" aria-hidden="true">~</span> No unusual change: within the usual range of variation (common cause)</span>'
    """
    return _badge("variation", code or "", VARIATION, short)


def assurance_badge(code: str | None) -> Html:
    """The assurance icon in words and symbol."""
    return _badge("assurance", code or "", ASSURANCE)


_ORDINALS = (
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "eleventh",
    "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth", "eighteenth", "nineteenth",
    "twentieth",
)  # fmt: skip


def ordinal(n: int) -> str:
    """``seventh`` for 7; ``21st``, ``22nd``, ``33rd`` from 21 on.

    >>> ordinal(7), ordinal(20), ordinal(21), ordinal(112), ordinal(43)
    ('seventh', 'twentieth', '21st', '112th', '43rd')
    """
    if 1 <= n <= len(_ORDINALS):
        return _ORDINALS[n - 1]
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _run_at_end(keys: list[int]) -> int:
    """How many of the last keys equal the last one."""
    n = 0
    for key in reversed(keys):
        if key != keys[-1]:
            break
        n += 1
    return n


def pattern_phrases(segment: pd.DataFrame, frequency: str) -> list[str]:
    """Which pattern the last point belongs to, one phrase per rule that flagged it (spc.csv's ``rules``).

    ``segment`` is the rows of ``spc.csv`` of the last segment, in time order.

    >>> rows = pd.DataFrame({"value": [5.0, 6, 7, 8, 9, 10, 11], "mean": 4.0, "lower_limit": 1.0,
    ...                      "upper_limit": 10.0, "rules": ["shift;trend"] * 6 + ["beyond_limits;shift;trend"]})
    >>> pattern_phrases(rows, "monthly")
    ['beyond the upper limit', 'the seventh month in a row above the average', 'the sixth rise in a row']
    >>> rows = pd.DataFrame({"value": [9.0, 4, 9], "mean": 4.0, "lower_limit": 1.0, "upper_limit": 10.0,
    ...                      "rules": ["two_of_three", "", "two_of_three"]})
    >>> pattern_phrases(rows, "quarterly")
    ['two of the last three quarters close to the upper limit']
    """
    from analysis.method.spc import LIMIT, NEAR, side

    last = segment.iloc[-1]
    rules = set(str(last["rules"]).split(";")) - {""}
    unit = "quarter" if frequency == "quarterly" else "month"
    mean, values = float(last["mean"]), [float(v) for v in segment["value"]]
    where = side(values[-1], mean)
    limit = "upper limit" if where > 0 else "lower limit"
    phrases = []
    if BEYOND_LIMITS in rules:
        phrases.append(f"beyond the {limit}")
    if SHIFT in rules:
        n = _run_at_end([side(v, mean) for v in values])
        phrases.append(f"the {ordinal(n)} {unit} in a row {'above' if where > 0 else 'below'} the average")
    if TREND in rules:
        steps = [(b > a) - (b < a) for a, b in pairwise(values)]
        phrases.append(f"the {ordinal(_run_at_end(steps))} {'rise' if steps[-1] > 0 else 'fall'} in a row")
    if TWO_OF_THREE in rules:
        high, low = float(last["upper_limit"]), float(last["lower_limit"])
        near = mean + (high - mean) * NEAR / LIMIT if where > 0 else mean - (mean - low) * NEAR / LIMIT
        beyond_near = [v > near if where > 0 else v < near for v in values[-3:]]
        beyond = any(v > high if where > 0 else v < low for v in values[-3:])
        what = f"{'two' if sum(beyond_near) == 2 else 'each'} of the last three {unit}s"
        phrases.append(f"{what} close to {'or beyond ' if beyond else ''}the {limit}")
    return phrases
