"""Returns still due: which measures are missing figures for a quarter, and what else is to come, by lead.

Before a quarter's report is written the analyst chases the partners whose
returns have not arrived. A return is due for every period from the start of
the financial year to the end of the quarter, less the last ``lag`` periods of
a measure whose data are normally behind (contract section 3,
``periods_missing``). The same list is printed by ``csp-report readiness``,
given as warnings by ``validate`` and ``build``, and can be shown on the
dashboard. ``readiness`` also lists, under each lead, the rest of their return
still to come (:class:`ToCome`): measures not signed off (or signed off before
a figure of theirs was revised), and tasks,
recommendations and family-group counts nobody has updated or reviewed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from analysis.core.formatting import date_in_words
from analysis.core.leads import ANALYST, known_leads
from analysis.core.periods import Quarter, parse_quarter, period_name
from analysis.core.register import Register
from analysis.core.vocabulary import NOT_SIGNED_OFF, SIGNED_BEFORE_REVISION
from analysis.method.signoff import SignOff, signoffs
from analysis.method.status import returns_due as measure_returns_due

if TYPE_CHECKING:  # the dashboard's kernel imports this module: no pandera or openpyxl there
    from analysis.inputs.quarter_start import Pending
    from analysis.inputs.tables import Inputs

NO_LEAD = "(no lead named)"


@dataclass(frozen=True)
class ToCome:
    """The rest of a lead's return still to come: a sign-off, a task's, a recommendation's or a count's update.

    ``kind`` is ``signoff`` (``count`` measures), ``action_plan``, ``recommendations`` or ``family_group``.
    """

    lead: str
    kind: str
    line: str
    count: int = 1


TO_COME_WORDS = {
    "signoff": ("sign-off", "sign-offs"),
    "action_plan": ("task", "tasks"),
    "recommendations": ("recommendation", "recommendations"),
    "family_group": ("family-group count", "family-group counts"),
}


def signoffs_missing(register: Register, signed: set[str]) -> list[ToCome]:
    """A line per lead naming their measures not signed off for the quarter (``signed``: the measure ids that are).

    >>> from analysis.core.register import Measure
    >>> reg = Register("P", (Measure("a", "A", "X", "lower", "monthly", lead="L"),
    ...                      Measure("b", "B", "X", "lower", "monthly", lead="L")), {})
    >>> signoffs_missing(reg, {"a"})
    [ToCome(lead='L', kind='signoff', line='not yet signed off: b', count=1)]
    """
    by: dict[str, list[str]] = {}
    for m in register.measures:
        if m.id not in signed:
            by.setdefault(m.lead or NO_LEAD, []).append(m.id)
    return [ToCome(lead, "signoff", f"not yet signed off: {', '.join(ids)}", len(ids)) for lead, ids in by.items()]


def signoffs_to_renew(found: Sequence[SignOff]) -> list[ToCome]:
    """A line per measure signed off before one of its figures was revised: its lead signs it off again.

    >>> signoffs_to_renew([SignOff("2015-16-Q2", "asb", "L", SIGNED_BEFORE_REVISION, "Sam", "2015-10-06",
    ...                            "2015-08", "2015-10-12")])
    [ToCome(lead='L', kind='signoff', line='to sign off again: asb (2015-08 revised on 12 October 2015)', count=1)]
    """
    return [
        ToCome(
            s.lead or NO_LEAD, "signoff",
            f"to sign off again: {s.measure_id} ({s.revised_periods.replace(';', ', ')} revised on "
            f"{date_in_words(s.revised_on)})",
        )
        for s in found
        if s.state == SIGNED_BEFORE_REVISION
    ]  # fmt: skip


def still_to_come(inputs: Inputs, quarter: Quarter, pending: list[Pending], signoff_collected: bool) -> list[ToCome]:
    """The rest of the quarter's returns, not figures: the measures not signed off, or signed off before a figure
    of theirs was revised (once the partnership collects sign-off, that is, has ``signoff.csv``: ``new-quarter``
    starts it), and the carried-forward rows nobody has updated or reviewed (``pending``,
    :func:`analysis.inputs.quarter_start.unupdated_rows`)."""
    missing: list[ToCome] = []
    if signoff_collected:
        found = signoffs(inputs.register, quarter, inputs.signoff, inputs.revisions)
        signed = {s.measure_id for s in found if s.state != NOT_SIGNED_OFF}
        missing = signoffs_missing(inputs.register, signed) + signoffs_to_renew(found)
    return missing + [ToCome(p.lead, p.table, str(p)) for p in pending]


def lead_order(register: Register) -> list[str]:
    """The order ``readiness`` lists leads in: as the register first names them, the analyst last."""
    return [*known_leads(register), ANALYST]


@dataclass(frozen=True)
class DueReturn:
    """One measure with returns still due for the quarter."""

    measure_id: str
    title: str
    lead: str
    periods: tuple[str, ...]

    def line(self) -> str:
        """The measure and each missing period, as written in ``actuals.csv`` and in words.

        >>> DueReturn("asb", "ASB", "ASB group", ("2015-08", "2015-09")).line()
        'asb: 2015-08 (August 2015), 2015-09 (September 2015)'
        """
        return f"{self.measure_id}: " + ", ".join(f"{p} ({period_name(p)})" for p in self.periods)


def returns_due(register: Register, series: Callable[[str], Mapping[str, float]], quarter: Quarter) -> list[DueReturn]:
    """Every measure with returns still due for ``quarter``, in register order.

    ``series`` gives a measure's values by period (``Inputs.series``).

    >>> from analysis.core.register import Measure
    >>> reg = Register("P", (Measure("asb", "ASB", "ASB", "lower", "monthly", lead="ASB group"),
    ...                      Measure("sac", "SAC", "SAC", "monitor", "monthly", lag=1)), {})
    >>> data = {"asb": {"2015-04": 1, "2015-06": 2}, "sac": {"2015-04": 5, "2015-05": 6}}
    >>> [d.line() for d in returns_due(reg, data.__getitem__, Quarter(2015, 1))]
    ['asb: 2015-05 (May 2015)']
    """
    due = []
    for m in register.measures:
        missing = measure_returns_due(m, series(m.id), quarter)
        if missing:
            due.append(DueReturn(m.id, m.title, m.lead, missing))
    return due


def by_lead(due: list[DueReturn]) -> dict[str, list[DueReturn]]:
    """The due returns grouped by lead, leads in the order the register first names them.

    >>> groups = by_lead([DueReturn("a", "A", "X", ("2015-04",)), DueReturn("b", "B", "", ("2015-04",)),
    ...                   DueReturn("c", "C", "X", ("2015-05",))])
    >>> {lead: [d.measure_id for d in items] for lead, items in groups.items()}
    {'X': ['a', 'c'], '(no lead named)': ['b']}
    """
    groups: dict[str, list[DueReturn]] = {}
    for d in due:
        groups.setdefault(d.lead or NO_LEAD, []).append(d)
    return groups


def readiness_lines(due: list[DueReturn]) -> list[str]:
    """The list by lead, one line per lead and one indented line per measure."""
    lines = []
    for lead, items in by_lead(due).items():
        lines.append(lead)
        lines += [f"  - {d.line()}" for d in items]
    return lines


def readiness_report(
    partnership: str,
    quarter: Quarter,
    due: list[DueReturn],
    to_come: Sequence[ToCome] = (),
    leads: Sequence[str] = (),
) -> str:
    """What ``csp-report readiness`` prints: by lead (in the order of ``leads``, then as they come), the
    figures due, then the rest of their return to come.

    >>> print(readiness_report("Safer Example", Quarter(2015, 1), []))
    Safer Example, 2015-16-Q1: every return is in.
    >>> print(readiness_report("Safer Example", Quarter(2015, 1), [DueReturn("a", "A", "X", ("2015-05",))]))
    Safer Example, 2015-16-Q1: 1 return still due, for 1 measure:
    X
      - a: 2015-05 (May 2015)
    >>> print(readiness_report("Safer Example", Quarter(2015, 1), [], [ToCome("Y", "signoff", "not yet signed off: b"),
    ...                                                              ToCome("X", "action_plan", "task T1")]))
    Safer Example, 2015-16-Q1: every return is in; 1 sign-off and 1 task still to come:
    Y
      - not yet signed off: b
    X
      - task T1
    """
    head = f"{partnership}, {quarter}: {_count(due) if due else 'every return is in'}"
    if not due and not to_come:
        return f"{head}."
    if to_come:
        counts: dict[str, int] = {}
        for t in to_come:
            counts[t.kind] = counts.get(t.kind, 0) + t.count
        parts = [f"{counts[k]} {TO_COME_WORDS[k][counts[k] != 1]}" for k in TO_COME_WORDS if k in counts]
        head += f"; {parts[0] if len(parts) == 1 else ', '.join(parts[:-1]) + ' and ' + parts[-1]} still to come"
    groups: dict[str, list[str]] = {lead: [] for lead in leads}
    for lead, items in by_lead(due).items():
        groups.setdefault(lead, []).extend(d.line() for d in items)
    for t in to_come:
        groups.setdefault(t.lead or NO_LEAD, []).append(t.line)
    groups = {lead: lines for lead, lines in groups.items() if lines}
    return "\n".join(
        [f"{head}:", *(line for lead, lines in groups.items() for line in [lead, *(f"  - {x}" for x in lines)])]
    )


def readiness_warnings(quarter: Quarter, due: list[DueReturn]) -> str:
    """The same list as warnings for ``validate`` and ``build``; ``""`` when every return is in.

    >>> print(readiness_warnings(Quarter(2015, 2), [DueReturn("a", "A", "X", ("2015-16-Q2",))]))
    warning: 2015-16-Q2: 1 return still due, for 1 measure; its figures are incomplete:
    warning: X
    warning:   - a: 2015-16-Q2 (quarter two 2015/16)
    """
    if not due:
        return ""
    its = "its" if len(due) == 1 else "their"
    head = f"{quarter}: {_count(due)}; {its} figures are incomplete:"
    return "\n".join(f"warning: {line}" for line in [head, *readiness_lines(due)])


def _count(due: list[DueReturn]) -> str:
    n = sum(len(d.periods) for d in due)
    returns = "return" if n == 1 else "returns"
    measures = "measure" if len(due) == 1 else "measures"
    return f"{n} {returns} still due, for {len(due)} {measures}"


def meeting_line(register: Register, quarter: Quarter) -> str:
    """The meeting the quarter's paper goes to, or that it is still to be confirmed (``readiness``, ``new-quarter``).

    >>> from analysis.core.register import ReportInfo
    >>> reg = Register("P", (), {}, report=ReportInfo(meetings={"2015-16-Q1": "2015-07-23"}))
    >>> meeting_line(reg, Quarter(2015, 1))
    'Meeting: 23 July 2015, for the 2015-16-Q1 paper.'
    >>> print(meeting_line(reg, Quarter(2015, 2)))
    Meeting: to be confirmed: measures.yml gives no date for 2015-16-Q2 under report: meetings:, so the paper's cover says the meeting is to be confirmed.
    """
    day = register.report.meeting(quarter)
    if day:
        return f"Meeting: {date_in_words(day)}, for the {quarter} paper."
    return (
        f"Meeting: to be confirmed: measures.yml gives no date for {quarter} under report: meetings:, "
        "so the paper's cover says the meeting is to be confirmed."
    )


def plan_lines(register: Register, quarter: Quarter) -> list[str]:
    """The measures in development and the plan's priorities with no measure reported yet (``status``,
    ``readiness``); none when there are neither.

    >>> from analysis.core.register import Measure, Priority
    >>> dev = Measure("victims", "Victims seen", "ASB", "higher", "quarterly", lead="ASB group",
    ...               status="in_development", expected="2015-16-Q2")
    >>> reg = Register("P", (Measure("asb", "ASB", "ASB", "lower", "monthly"),), {}, in_development=(dev,),
    ...                plan=(Priority("ASB"), Priority("Emerging issues", "Community Safety Manager")))
    >>> print("\\n".join(plan_lines(reg, Quarter(2015, 1))))
    In development, not reported yet (1; no figures or returns are due):
      - victims (ASB group; ASB): Victims seen; expected to report from 2015-16-Q2
    Priorities of the plan with no measure reported yet (1):
      - Emerging issues (Community Safety Manager)
    >>> plan_lines(reg, Quarter(2015, 2))[1].split("; ")[-1]
    'expected from 2015-16-Q2: set status: reported once figures come in'
    """
    lines = []
    if register.in_development:
        n = len(register.in_development)
        lines.append(f"In development, not reported yet ({n}; no figures or returns are due):")
        for m in register.in_development:
            if not m.expected:
                when = "no quarter expected yet"
            elif parse_quarter(m.expected) <= quarter:
                when = f"expected from {m.expected}: set status: reported once figures come in"
            else:
                when = f"expected to report from {m.expected}"
            lines.append(f"  - {m.id} ({m.lead or NO_LEAD}; {m.priority}): {m.title}; {when}")
    reported = {m.priority for m in register.measures}
    empty = [p for p in register.plan if p.name not in reported]
    if empty:
        lines.append(f"Priorities of the plan with no measure reported yet ({len(empty)}):")
        for p in empty:
            developing = sum(m.priority == p.name for m in register.in_development)
            notes = [p.lead] if p.lead else []
            notes += [f"{developing} in development"] if developing else []
            lines.append(f"  - {p.name}" + (f" ({'; '.join(notes)})" if notes else ""))
    return lines
