"""Whose each item of a quarter is: a measure's, an action-plan task's and a recommendation's lead.

Figures and sign-offs come from a measure's lead. A task comes from the lead
its row names (spelt as the register spells that lead, whatever the case), else
from the lead of the measure it is linked to. ``recommendations.csv`` names no
lead, so a recommendation comes from the lead of the plan's priorities it names
(its text contains the priority's name) when they all have the same lead. The
rest - a task with neither, a recommendation naming no priority or priorities of
different leads, and the family group's counts - are the analyst's, in a
workbook of their own (:data:`ANALYST`).

The same rules say what a theme group's own report holds (seed 001), so a lead
reads there what their workbook asked them for. The rules read only the
register, so the returns, the pages and the paper share them.
"""

from __future__ import annotations

import re

from analysis.core.register import Measure, Register

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
        named = {m.lead for m in all_measures(register) if m.priority == p.name}
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
    named = [m.lead for m in all_measures(register)] + [p.lead for p in register.plan]
    return [lead for lead in dict.fromkeys(named) if lead]


def task_lead(lead: str, measure_id: str, register: Register) -> str:
    """The lead a task is returned by: its own ``lead`` cell, else its measure's lead, else the analyst.

    >>> from analysis.core.register import Measure
    >>> reg = Register("P", (Measure("asb", "ASB", "ASB", "lower", "monthly", lead="ASB Group"),), {})
    >>> task_lead("asb  group", "", reg), task_lead("", "asb", reg), task_lead("", "", reg), task_lead("Police", "", reg)
    ('ASB Group', 'ASB Group', 'Analyst', 'Police')
    """
    if lead.strip():
        return find_lead(lead, register) or " ".join(lead.split())
    measure = next((m for m in all_measures(register) if m.id == measure_id), None)
    return measure.lead if measure is not None and measure.lead else ANALYST


def lead_slug(name: str) -> str:
    """A lead's name as a file or page name (its returns workbook, its theme group page).

    >>> lead_slug("Domestic Abuse Partnership"), lead_slug("ASB & Nuisance / Police")
    ('domestic-abuse-partnership', 'asb-nuisance-police')
    """
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "lead"


LEADS_FOLDER = "leads"  # the theme groups' pages and notebooks: leads/<slug>.html, leads/<slug>.ipynb


def lead_page_name(lead: str) -> str:
    """Where a lead's page is in the quarter's site (its notebook among the reports, its paper), less the suffix.

    >>> lead_page_name("ASB Delivery Group")
    'leads/asb-delivery-group'
    """
    return f"{LEADS_FOLDER}/{lead_slug(lead)}"


def find_lead(name: str, register: Register) -> str:
    """The lead the register names, spelt as it spells it, for a name in any case and spacing; ``""`` if none.

    >>> from analysis.core.register import Priority
    >>> find_lead("asb  delivery GROUP", Register("P", (), {}, plan=(Priority("ASB", "ASB Delivery Group"),)))
    'ASB Delivery Group'
    """
    return {_words(lead): lead for lead in known_leads(register)}.get(_words(name), "")


def all_measures(register: Register) -> tuple[Measure, ...]:
    """The register's measures, reported first and then those in development."""
    return (*register.measures, *register.in_development)


def task_priority(lead: str, measure_id: str, register: Register) -> str:
    """The plan's priority an action-plan task belongs to: its measure's, else that of the one priority its lead
    leads; ``""`` when neither says (the task is listed apart).

    >>> from analysis.core.register import Priority
    >>> reg = Register("P", (Measure("asb", "ASB", "Anti-social behaviour", "lower", "monthly"),), {},
    ...                plan=(Priority("Anti-social behaviour", "ASB group"), Priority("Hate crime", "HC group"),
    ...                      Priority("Overall crime", "Board"), Priority("Acquisitive crime", "Board")))
    >>> task_priority("", "asb", reg), task_priority("hc  group", "", reg), task_priority("Board", "", reg)
    ('Anti-social behaviour', 'Hate crime', '')
    """
    measure = next((m for m in all_measures(register) if m.id == measure_id), None)
    if measure is not None:
        return measure.priority
    led = [name for name, who in priority_leads(register).items() if who and _words(who) == _words(lead)]
    return led[0] if len(led) == 1 else ""


def theme_groups(register: Register) -> list[str]:
    """The leads that have a page and a paper of their own (seed 001's theme groups): every lead the register names,
    one per page name (the first spelling of two that would share one).

    >>> from analysis.core.register import Priority
    >>> theme_groups(Register("P", (Measure("a", "A", "ASB", "lower", "monthly", lead="ASB group"),), {},
    ...                       plan=(Priority("ASB", "ASB Group"), Priority("Hate crime", "Hate crime group"))))
    ['ASB group', 'Hate crime group']
    """
    found: dict[str, str] = {}
    for lead in known_leads(register):
        found.setdefault(lead_slug(lead), lead)
    return list(found.values())
