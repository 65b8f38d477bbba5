"""Exception items: which measures the board's attention is drawn to, by one stated rule.

The Safer Plymouth report treats as exceptions not only the measures off
target but also a monitored measure that is getting worse (serious acquisitive
crime, up 17%), and a measure whose figures are not in cannot be called on
track. The rule, in the order its reasons are given:
"""

from __future__ import annotations

from collections.abc import Mapping

from analysis.core.formatting import percent
from analysis.core.periods import periods_in_words
from analysis.core.vocabulary import CONCERN, EXCEPTION_STATUSES, MONITOR

RULE = (
    "every measure with an amber or red status;",
    "every monitored measure (no target) whose latest figure is an unusual change for the worse (special cause "
    "concern), or that has worsened on last year beyond chance, not down to small counts;",
    "every measure with a return still due for the quarter.",
)
__doc__ += "\n".join(f"\n- {line}" for line in RULE)


def _worse(polarity: str, change: float | None) -> bool:
    if change is None or polarity not in ("higher", "lower"):
        return False
    return change < 0 if polarity == "higher" else change > 0


def exception_reasons(row: Mapping) -> list[str]:
    """Why a measure is an exception item (``[]`` when it is not), from its row of ``measure_status.csv``.

    >>> exception_reasons({"status": "red"})
    ['status red']
    >>> exception_reasons({"status": "monitor", "polarity": "lower", "change_vs_last_year": 0.171,
    ...                    "change_significant": "yes", "small_count": "no"})
    ['a significant worsening on last year (+17.1%)']
    >>> exception_reasons({"status": "green", "periods_missing": "2015-08;2015-09"})
    ['returns still due: August 2015 and September 2015']
    >>> exception_reasons({"status": "monitor", "polarity": "monitor", "spc_variation": "special_cause_neutral_high"})
    []
    """
    reasons: list[str] = []
    status = row.get("status")
    if status in EXCEPTION_STATUSES:
        reasons.append(f"status {status}")
    if status == MONITOR:
        if row.get("spc_variation") == CONCERN:
            reasons.append("an unusual change for the worse (special cause concern)")
        change = row.get("change_vs_last_year")
        change = float(change) if change not in (None, "") and change == change else None
        if (
            row.get("change_significant") == "yes"
            and row.get("small_count") != "yes"
            and _worse(str(row.get("polarity") or ""), change)
        ):
            reasons.append(f"a significant worsening on last year ({percent(change)})")
    missing = str(row.get("periods_missing") or "")
    if missing:
        reasons.append(f"returns still due: {periods_in_words([p for p in missing.split(';') if p])}")
    return reasons
