"""One verdict per measure: the status, why, and the evidence that supports it without contradicting it.

A measure page answers three different questions besides the traffic light, and
each piece of evidence says which question it answers, so that a "significant
decrease" (on last year) and "no unusual change" (in the pattern) are read as
answers to different questions, not as two verdicts:

- *Is this different from last year beyond chance?* The exact test of the counts.
- *Is there an unusual change in the pattern?* Statistical process control.
- *How likely is the target?* The projection's odds.

Where two readings seem to pull apart, :func:`reconcile` says so and says why
(for example "ahead of the even profile, but last year's seasonal pattern puts
the year end 6% short"). Everything here is a pure function of one row of
``measure_status.csv``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from analysis.core.formatting import number, percent, present
from analysis.core.vocabulary import (
    ACHIEVED,
    AMBER,
    COMMON_CAUSE,
    EXCEPTION_STATUSES,
    GREEN,
    MONITOR,
    MONITORED,
    NO_DATA,
    SPECIAL_CAUSE,
    UNJUDGED,
    VARIATION_ANSWERS,
    disagreements,
)

QUESTIONS = {
    "change": "Is this different from last year beyond chance?",
    "pattern": "Is there an unusual change in the pattern?",
    "odds": "How likely is the target?",
}


@dataclass(frozen=True)
class Verdict:
    """The status in the partnership's words, one sentence why, and the evidence by question."""

    status: str
    label: str
    why: str
    evidence: tuple[tuple[str, str], ...]
    notes: tuple[str, ...]


def _get(row: Mapping, key: str) -> object:
    value = row.get(key)
    return value if present(value) and value != "" else None


def _float(row: Mapping, key: str) -> float | None:
    value = _get(row, key)
    return None if value is None else float(value)  # type: ignore[arg-type]


def _amount(value: float | None, unit: str) -> str:
    return f"{number(value)} {unit}".strip() if unit else number(value)


def gap(value: float, target: float, polarity: str) -> float:
    """How far ``value`` falls short of ``target`` in the measure's direction, as a fraction (<= 0: met).

    >>> round(gap(6181, 6587, "higher"), 4), round(gap(110, 100, "lower"), 2), gap(90, 100, "lower")
    (0.0616, 0.1, -0.1)
    """
    if target == 0:
        return 0.0 if (value >= 0 if polarity == "higher" else value <= 0) else 1.0
    short = (target - value) if polarity == "higher" else (value - target)
    return short / abs(target)


def why(row: Mapping) -> str:
    """One sentence saying why the measure has its status, naming the test that decided it.

    >>> why({"status": "amber", "polarity": "higher", "status_method": "forecast", "forecast": 6181.7,
    ...      "annual_target": 6587, "amber_tolerance": 0.15, "unit": "crimes and incidents"})
    'The forecast for the year end, 6,182 crimes and incidents, is 6.2% short of the annual target of 6,587, within the 15% tolerance for amber.'
    >>> why({"status": "monitor", "polarity": "monitor"})
    'This measure is monitored without a target: no status is judged.'
    """
    status = row.get("status")
    unit = str(row.get("unit") or "")
    polarity = str(row.get("polarity") or "")
    ytd, target = _float(row, "ytd_actual"), _float(row, "annual_target")
    if status == NO_DATA:
        return "No figures have been returned for this year yet, so no status can be judged."
    if status == MONITOR:
        if polarity == MONITORED:
            return "This measure is monitored without a target: no status is judged."
        return "There is no target for this year, so the measure is monitored: no status is judged."
    if status == ACHIEVED:
        if _float(row, "periods_elapsed") == _float(row, "periods_in_year"):
            return f"The year's figure, {_amount(ytd, unit)}, met the annual target of {number(target)}."
        return f"The year to date, {_amount(ytd, unit)}, has already reached the annual target of {number(target)}."
    by_ytd = row.get("status_method") == "ytd"
    value = ytd if by_ytd else _float(row, "forecast")
    goal = _float(row, "ytd_target") if by_ytd else target
    if value is None or goal is None:
        return f"The status is {status}."
    subject = f"The {'year to date' if by_ytd else 'forecast for the year end'}, {_amount(value, unit)},"
    what = "the profiled target to date" if by_ytd else "the annual target"
    short = gap(value, goal, polarity)
    tolerance = percent(_float(row, "amber_tolerance") or 0.15, 0, signed=False)
    if status == GREEN:
        return f"{subject} meets {what} of {number(goal)}."
    band = f"within the {tolerance} tolerance for amber" if status == AMBER else f"beyond the {tolerance} tolerance"
    return f"{subject} is {percent(short, signed=False)} short of {what} of {number(goal)}, {band}."


def _change(row: Mapping) -> str:
    change = _float(row, "change_vs_last_year")
    if change is None:
        return "No comparison: last year's figures for the same periods are incomplete."
    polarity = str(row.get("polarity") or "")
    significant = row.get("change_significant")
    if significant not in ("yes", "no"):
        return f"{percent(change)} on last year; the test of chance applies to counts only."
    direction = "an increase" if change > 0 else "a decrease"
    better = ""
    if polarity in ("higher", "lower") and change != 0:
        better = " (better)" if (change > 0) == (polarity == "higher") else " (worse)"
    if significant == "yes":
        answer = f"Yes: {direction} of {percent(abs(change), signed=False)}{better}, beyond what chance explains."
    else:
        answer = f"No: {direction} of {percent(abs(change), signed=False)}, within what chance explains."
    if row.get("small_count") == "yes":
        answer += " The counts are small, so the percentage is not a concern on its own."
    return answer


def _odds(row: Mapping) -> str | None:
    """The chance of meeting the target, in words.

    >>> _odds({"p_meet_target": 0.84}), _odds({"p_meet_target": 0.5})[:5]
    ('An 84% chance of meeting the annual target, allowing for chance in the periods still to come.', 'A 50%')
    """
    p = _float(row, "p_meet_target")
    if p is None:
        return None
    shown = percent(p, 0, signed=False)
    article = "an" if shown.startswith(("8", "11%", "18%")) else "a"
    odds = "less than a 1%" if p < 0.005 else "more than a 99%" if p > 0.995 else f"{article} {shown}"
    return f"{odds[0].upper()}{odds[1:]} chance of meeting the annual target, allowing for chance in the periods still to come."


def reconcile(row: Mapping) -> tuple[str, ...]:
    """Sentences for where two readings seem to disagree, saying why they differ.

    >>> reconcile({"status": "amber", "polarity": "higher", "status_method": "forecast", "profile": "even",
    ...            "ytd_actual": 1700, "ytd_target": 1647, "forecast": 6181, "annual_target": 6587})[0]
    "Ahead of the even profile to date (1,700 against 1,647), but last year's seasonal pattern puts the year end 6.2% short of the target."
    """
    notes: list[str] = []
    status, polarity = row.get("status"), str(row.get("polarity") or "")
    ytd, ytd_target = _float(row, "ytd_actual"), _float(row, "ytd_target")
    forecast, target = _float(row, "forecast"), _float(row, "annual_target")
    profile = str(row.get("profile") or "even")
    if row.get("status_method", "forecast") == "forecast" and None not in (ytd, ytd_target, forecast, target):
        ahead = gap(ytd, ytd_target, polarity) <= 0  # type: ignore[arg-type]
        if status in EXCEPTION_STATUSES and ahead:
            notes.append(
                f"Ahead of the {profile} profile to date ({number(ytd)} against {number(ytd_target)}), but last "
                f"year's seasonal pattern puts the year end {percent(gap(forecast, target, polarity), signed=False)}"  # type: ignore[arg-type]
                " short of the target."
            )
        if status == GREEN and not ahead:
            notes.append(
                f"Behind the {profile} profile to date ({number(ytd)} against {number(ytd_target)}), but last "
                "year's seasonal pattern puts the year end on target: more of the year's activity falls later."
            )
    variation = row.get("spc_variation") or ""
    significant = row.get("change_significant")
    if significant == "yes" and variation == COMMON_CAUSE:
        notes.append(
            "The change on last year is beyond chance, yet the latest figure is within the usual range: the first "
            "compares this year to date with the same periods last year; the second asks whether the latest period "
            "stands out from the whole history."
        )
    if significant == "no" and variation in SPECIAL_CAUSE:
        notes.append(
            "The latest period stands out from the history, but the year to date is not significantly different "
            "from last year: the change is recent."
        )
    notes += disagreements(str(status or ""), variation, row.get("spc_assurance"))
    return tuple(notes)


def verdict(row: Mapping, label: str | None = None) -> Verdict:
    """The measure's one verdict: status words, why, the evidence by question, and any reconciling notes.

    >>> v = verdict({"status": "green", "status_label": "Generally satisfied with performance", "polarity": "lower",
    ...              "forecast": 9375, "annual_target": 10064, "change_vs_last_year": -0.069,
    ...              "change_significant": "yes", "spc_variation": "common_cause", "p_meet_target": 0.99})
    >>> v.label, v.why
    ('Generally satisfied with performance', 'The forecast for the year end, 9,375, meets the annual target of 10,064.')
    >>> [q for q, _ in v.evidence] == list(QUESTIONS.values())
    True
    """
    status = str(row.get("status") or NO_DATA)
    evidence = [(QUESTIONS["change"], _change(row))] if status != NO_DATA else []
    variation = row.get("spc_variation") or ""
    if variation in VARIATION_ANSWERS:
        evidence.append((QUESTIONS["pattern"], VARIATION_ANSWERS[variation]))
    odds = _odds(row) if status not in (*UNJUDGED, ACHIEVED) else None
    if odds:
        evidence.append((QUESTIONS["odds"], odds))
    return Verdict(
        status=status,
        label=label or str(row.get("status_label") or status),
        why=why(row),
        evidence=tuple(evidence),
        notes=reconcile(row),
    )
