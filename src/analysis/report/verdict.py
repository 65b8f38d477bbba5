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
from decimal import Decimal

from analysis.core.formatting import number, percent, present, relative
from analysis.core.periods import period_name
from analysis.core.vocabulary import (
    ACHIEVED,
    AMBER,
    COMMON_CAUSE,
    EXCEPTION_STATUSES,
    GREEN,
    HIGHER,
    LAST,
    MONITOR,
    MONITORED,
    NO_DATA,
    RAG,
    SPECIAL_CAUSE,
    STATUS_WORDS,
    SUM,
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


def direction_word(value: float, target: float, polarity: str) -> str:
    """Where a value stands against a target, in the words of the measure's direction.

    A higher-is-better measure is *above* or *short of* its target; a lower-is-better one *under* or *over* it:
    1,128 crimes against a target of at most 960 is over, never short.

    >>> direction_word(6182, 6587, "higher"), direction_word(224, 200, "higher")
    ('short of', 'above')
    >>> direction_word(1128, 960, "lower"), direction_word(9375, 10064, "lower"), direction_word(5, 5, "lower")
    ('over', 'under', 'exactly at')
    """
    if value == target:
        return "exactly at"
    above = value > target
    if polarity == HIGHER:
        return "above" if above else "short of"
    return "over" if above else "under"


def against(value: float, target: float, polarity: str) -> str:
    """How far and which way a value stands from a target: "17.5% over", "6.2% short of", "exactly at".

    The percentage is worked in decimal on the figures (:func:`~analysis.core.formatting.relative`) and
    rounded half away from zero; a difference too small to show at one decimal is "just over".

    >>> against(1128, 960, "lower"), against(6181.7, 6587, "higher"), against(10064.2, 10064, "lower")
    ('17.5% over', '6.2% short of', 'just over')
    >>> against(3, 0, "lower"), against(0, 0, "lower")
    ('over', 'exactly at')
    """
    word = direction_word(value, target, polarity)
    if word == "exactly at" or target == 0:
        return word
    shown = percent(abs(relative(value, target)), signed=False)
    return f"just {word}" if shown == "0.0%" else f"{shown} {word}"


def incomplete(row: Mapping) -> bool:
    """Whether the measure still has returns due for the quarter (``periods_missing``)."""
    return bool(str(_get(row, "periods_missing") or "").strip(";"))


SO_FAR = "On the figures received so far"  # how a sentence opens when returns are still due


def why(row: Mapping) -> str:
    """One sentence saying why the measure has its status, naming the test that decided it.

    Over and short of follow the measure's direction; on incomplete figures the sentence says so first.

    >>> why({"status": "amber", "polarity": "higher", "status_method": "forecast", "forecast": 6181.7,
    ...      "annual_target": 6587, "amber_tolerance": 0.15, "unit": "crimes and incidents"})
    'The forecast for the year end, 6,182 crimes and incidents, is 6.2% short of the annual target of 6,587, within the 15% tolerance band for amber.'
    >>> why({"status": "red", "polarity": "lower", "status_method": "forecast", "forecast": 1128,
    ...      "annual_target": 960, "amber_tolerance": 0.15, "unit": "crimes", "periods_missing": "2024-12"})
    'On the figures received so far, the forecast for the year end, 1,128 crimes, is 17.5% over the annual target of 960, beyond the 15% tolerance band for amber.'
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
    so_far = incomplete(row)
    if status == ACHIEVED:
        if _float(row, "periods_elapsed") == _float(row, "periods_in_year"):
            said = f"The year's figure, {_amount(ytd, unit)}, met the annual target of {number(target)}."
        else:
            said = f"The year to date, {_amount(ytd, unit)}, has already reached the annual target of {number(target)}."
        return f"{SO_FAR}, t{said[1:]}" if so_far else said
    by_ytd = row.get("status_method") == "ytd"
    value = ytd if by_ytd else _float(row, "forecast")
    goal = _float(row, "ytd_target") if by_ytd else target
    if value is None or goal is None:
        return f"The status is {status}."
    subject = f"the {'year to date' if by_ytd else 'forecast for the year end'}, {_amount(value, unit)},"
    subject = f"{SO_FAR}, {subject}" if so_far else subject[0].upper() + subject[1:]
    what = "the profiled target to date" if by_ytd else "the annual target"
    where = against(value, goal, polarity)
    tolerance = percent(_float(row, "amber_tolerance") or 0.15, 0, signed=False)
    if status == GREEN:
        verb = "meets" if where == "exactly at" else f"is {where}"
        return f"{subject} {verb} {what} of {number(goal)}."
    band = "within" if status == AMBER else "beyond"
    return f"{subject} is {where} {what} of {number(goal)}, {band} the {tolerance} tolerance band for amber."


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
    odds = chance(p)
    return (
        f"{odds[0].upper()}{odds[1:]} of meeting the annual target, allowing for chance in the periods still to come."
    )


def seasonal_forecast(row: Mapping) -> bool:
    """Whether the forecast scales the year to date by last year's pattern (else it is the run rate, or a mean).

    >>> seasonal_forecast({"aggregation": "sum", "last_year_ytd": 2713, "last_year_total": 10065})
    True
    >>> seasonal_forecast({"aggregation": "cumulative", "last_year_ytd": 12.6, "last_year_total": 77.4})
    False
    """
    ly_ytd, ly_total = _float(row, "last_year_ytd"), _float(row, "last_year_total")
    aggregation = str(row.get("aggregation") or SUM)
    return aggregation in (SUM, LAST) and ly_total is not None and ly_ytd is not None and ly_ytd > 0


def _share_words(row: Mapping) -> str | None:
    """How much of last year had happened by the period end, against an even spread, in words.

    >>> _share_words({"last_year_ytd": 5666, "last_year_total": 10065, "periods_elapsed": 6, "periods_in_year": 12,
    ...               "period_end": "2015-09", "unit": "incidents"})
    "by September last year 56% of the year's incidents had happened, more than the 50% an even spread gives"
    """
    ly_ytd, ly_total = _float(row, "last_year_ytd"), _float(row, "last_year_total")
    k, n = _float(row, "periods_elapsed"), _float(row, "periods_in_year")
    end = str(row.get("period_end") or "")
    if ly_ytd is None or not ly_total or not k or not n or not end:
        return None
    share, even = float(Decimal(repr(ly_ytd)) / Decimal(repr(ly_total))), k / n
    decimals = 0
    while decimals < 3 and percent(share, decimals, signed=False) == percent(even, decimals, signed=False):
        decimals += 1  # shown so that the two differ
    more = "more" if share > even else "less"
    what = f"the year's {row.get('unit')}" if row.get("unit") else "the year's total"
    when = period_name(end).split()[0] if "-Q" not in end else period_name(end).rsplit(" ", 1)[0]
    return (
        f"by {when} last year {percent(share, decimals, signed=False)} of {what} had happened, "
        f"{more} than the {percent(even, decimals, signed=False)} an even spread gives"
    )


def _year_end(forecast: float, target: float, polarity: str) -> str:
    """Where the forecast puts the year end, against the annual target.

    >>> _year_end(9375, 10064, "lower"), _year_end(6182, 6587, "higher")
    ('the year end on target (a forecast of 9,375 against 10,064)', 'the year end 6.1% short of the target of 6,587 (a forecast of 6,182)')
    """
    if gap(forecast, target, polarity) <= 0:
        return f"the year end on target (a forecast of {number(forecast)} against {number(target)})"
    return f"the year end {against(forecast, target, polarity)} the target of {number(target)} (a forecast of {number(forecast)})"


def _profile_note(row: Mapping) -> str | None:
    """Where the year to date against its profiled target and the forecast against the annual target point
    different ways: one sentence saying so, and why, from last year's actual shape."""
    polarity = str(row.get("polarity") or "")
    ytd, ytd_target = _float(row, "ytd_actual"), _float(row, "ytd_target")
    forecast, target = _float(row, "forecast"), _float(row, "annual_target")
    if row.get("status") not in RAG or None in (ytd, ytd_target, forecast, target):
        return None
    profile_ok = gap(ytd, ytd_target, polarity) <= 0  # type: ignore[arg-type]
    forecast_ok = gap(forecast, target, polarity) <= 0  # type: ignore[arg-type]
    if profile_ok == forecast_ok:
        return None
    profile = str(row.get("profile") or "even")
    unit = f" {row['unit']}" if row.get("unit") else ""
    first = (
        f"{'Better' if profile_ok else 'Worse'} than the {profile} profiled target to date "
        f"({number(ytd)}{unit} against {number(ytd_target)})"
    )
    end = _year_end(forecast, target, polarity)  # type: ignore[arg-type]
    share = _share_words(row)
    if seasonal_forecast(row) and share:
        return f"{first}, but {share}, so last year's pattern puts {end}."
    if profile == "seasonal" and share:
        return f"{first}, which follows last year's pattern ({share}); the forecast goes by the run rate so far, which puts {end}."
    return f"{first}, but the forecast puts {end}."


def odds_words(p: float) -> str:
    """The chance of meeting a target, in words.

    >>> odds_words(0.003), odds_words(0.2), odds_words(0.45), odds_words(0.7), odds_words(0.97)
    ('very unlikely', 'unlikely', 'less likely than not', 'likely', 'very likely')
    """
    if p < 0.05:
        return "very unlikely"
    if p < 0.33:
        return "unlikely"
    if p < 0.5:
        return "less likely than not"
    return "likely" if p < 0.95 else "very likely"


def chance(p: float) -> str:
    """A probability as "a 45% chance", "an 84% chance", "less than a 1% chance".

    >>> chance(0.84), chance(0.5), chance(0.001), chance(0.999), chance(0.11)
    ('an 84% chance', 'a 50% chance', 'less than a 1% chance', 'more than a 99% chance', 'an 11% chance')
    """
    if p < 0.005:
        return "less than a 1% chance"
    if p > 0.995:
        return "more than a 99% chance"
    shown = percent(p, 0, signed=False)
    article = "an" if shown.startswith(("8", "11%", "18%")) else "a"
    return f"{article} {shown} chance"


def _odds_note(row: Mapping) -> str | None:
    """Where the status and the odds of meeting the target seem to disagree, one sentence reconciling them.

    Amber means the forecast is within the tolerance band; the odds are of meeting the target itself.

    >>> _odds_note({"status": "amber", "p_meet_target": 0.002, "status_method": "forecast"})
    'Amber: within the tolerance band, but the target itself is very unlikely to be met (less than a 1% chance).'
    >>> _odds_note({"status": "green", "p_meet_target": 0.41, "status_method": "forecast"})[:51]
    'Green: the forecast meets the target, but only just'
    """
    p, status = _float(row, "p_meet_target"), row.get("status")
    if p is None:
        return None
    by_ytd = row.get("status_method") == "ytd"
    if status == AMBER and p < 0.1:
        return f"Amber: within the tolerance band, but the target itself is {odds_words(p)} to be met ({chance(p)})."
    if status == GREEN and p < 0.5:
        basis = "the year to date meets its profiled target" if by_ytd else "the forecast meets the target"
        return (
            f"Green: {basis}, but only just: allowing for chance in the periods still to come, meeting the "
            f"target is {odds_words(p)} ({chance(p)})."
        )
    if status in EXCEPTION_STATUSES and p >= 0.5:
        word = STATUS_WORDS[str(status)].capitalize()
        basis = "the year to date is behind its profiled target" if by_ytd else "the forecast misses the target"
        return f"{word}: {basis}, yet meeting the target itself is {odds_words(p)} ({chance(p)})."
    return None


def reconcile(row: Mapping) -> tuple[str, ...]:
    """Sentences for where two readings seem to disagree, saying why they differ.

    >>> reconcile({"status": "amber", "polarity": "higher", "status_method": "forecast", "profile": "even",
    ...            "ytd_actual": 1700, "ytd_target": 1647, "forecast": 6181, "annual_target": 6587,
    ...            "last_year_ytd": 1812, "last_year_total": 6587, "periods_elapsed": 3, "periods_in_year": 12,
    ...            "period_end": "2015-06", "aggregation": "sum"})[0]
    "Better than the even profiled target to date (1,700 against 1,647), but by June last year 28% of the year's total had happened, more than the 25% an even spread gives, so last year's pattern puts the year end 6.2% short of the target of 6,587 (a forecast of 6,181)."
    """
    notes = [note for note in (_profile_note(row), _odds_note(row)) if note]
    status = row.get("status")
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
    ('Generally satisfied with performance', 'The forecast for the year end, 9,375, is 6.8% under the annual target of 10,064.')
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
