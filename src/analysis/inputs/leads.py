"""Whose return each item of a quarter is: a measure's, an action-plan task's and a recommendation's lead.

Figures and sign-offs come from a measure's lead. A task comes from the lead
its row names (spelt as the register spells that lead, whatever the case), else
from the lead of the measure it is linked to. ``recommendations.csv`` names no
lead, so a recommendation comes from the lead of the plan's priorities it names
(its text contains the priority's name) when they all have the same lead. The
rest - a task with neither, a recommendation naming no priority or priorities of
different leads, and the family group's counts - are the analyst's, in a
workbook of their own (:data:`ANALYST`).
"""

from __future__ import annotations

import re

from analysis.core.register import Register

ANALYST = "Analyst"


def _words(text: str) -> str:
    """Text as a run of lower-case words between spaces, for whole-word matching.

    >>> _words("Anti-Social Behaviour (ASB),")
    ' anti social behaviour asb '
    """
    return " " + " ".join(re.sub(r"[^0-9a-z]+", " ", str(text).casefold()).split()) + " "


def priority_leads(register: Register) -> dict[str, str]:
    """Each priority of the plan and its lead: the one ``priorities:`` names, else the one lead all its
    measures (reported or in development) share, else ``""``."""
    leads: dict[str, str] = {}
    for p in register.plan:
        if p.lead:
            leads[p.name] = p.lead
            continue
        named = {m.lead for m in (*register.measures, *register.in_development) if m.priority == p.name}
        leads[p.name] = named.pop() if len(named) == 1 else ""
    return leads


def recommendation_lead(text: str, register: Register) -> str:
    """The lead a recommendation is returned by: that of the priorities its text names, when one; else the analyst.

    >>> from analysis.core.register import Priority
    >>> reg = Register("P", (), {}, plan=(Priority("Domestic abuse", "DA group"), Priority("Hate crime", "HC group"),
    ...                                     Priority("Anti-social behaviour")))
    >>> recommendation_lead("Continue the increase in Domestic Abuse awareness", reg)
    'DA group'
    >>> recommendation_lead("Agree domestic abuse and hate crime as priorities", reg), recommendation_lead("Review", reg)
    ('Analyst', 'Analyst')
    >>> recommendation_lead("Tackle anti-social behaviour", reg)  # a priority with no lead named
    'Analyst'
    """
    words = _words(text)
    named = {lead for name, lead in priority_leads(register).items() if _words(name) in words}
    lead = named.pop() if len(named) == 1 else ""
    return lead or ANALYST


def known_leads(register: Register) -> list[str]:
    """Every lead the register names, for measures or priorities, in the order it first names them."""
    named = [m.lead for m in (*register.measures, *register.in_development)] + [p.lead for p in register.plan]
    return [lead for lead in dict.fromkeys(named) if lead]


def task_lead(lead: str, measure_id: str, register: Register) -> str:
    """The lead a task is returned by: its own ``lead`` cell, else its measure's lead, else the analyst.

    >>> from analysis.core.register import Measure
    >>> reg = Register("P", (Measure("asb", "ASB", "ASB", "lower", "monthly", lead="ASB Group"),), {})
    >>> task_lead("asb  group", "", reg), task_lead("", "asb", reg), task_lead("", "", reg), task_lead("Police", "", reg)
    ('ASB Group', 'ASB Group', 'Analyst', 'Police')
    """
    if lead.strip():
        spelt = {_words(name): name for name in known_leads(register)}
        return spelt.get(_words(lead), " ".join(lead.split()))
    measure = next((m for m in (*register.measures, *register.in_development) if m.id == measure_id), None)
    return measure.lead if measure is not None and measure.lead else ANALYST
