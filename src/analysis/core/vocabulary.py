"""Every code the report shows and the words, symbols and colours it shows them with, defined once.

The register, the notebooks' badges, the site's navigation, the home page and the
stylesheet all read these, so a status is spelt the same everywhere.

>>> [f"{STATUS_SYMBOLS[c]} {STATUS_SHORT[c]}" for c in STATUS_CODES[:4]]
['★ Achieved', '● Green', '▲ Amber', '■ Red']
>>> set(STATUS_LABELS) == set(STATUS_SHORT) == set(STATUS_COLOURS) == set(STATUS_CODES)
True
"""

from __future__ import annotations

# --- Measure statuses (the traffic light), in the report's order -------------------------

STATUS_CODES = ("achieved", "green", "amber", "red", "monitor", "no_data")

# The default wording of each status; a register may give its own (``status_labels``).
STATUS_LABELS: dict[str, str] = {
    "achieved": "Target achieved",
    "green": "On track to meet the target",
    "amber": "Some concern: may not meet the target",
    "red": "Significant concern: not on track",
    "monitor": "Monitoring only",
    "no_data": "No data for this period",
}

# One or two words, for badges, tables and navigation.
STATUS_SHORT: dict[str, str] = {
    "achieved": "Achieved",
    "green": "Green",
    "amber": "Amber",
    "red": "Red",
    "monitor": "Monitoring",
    "no_data": "No data",
}

# How a count of measures with each status reads in a sentence ("4 green and 2 monitoring only").
STATUS_COUNTED: dict[str, str] = {
    "achieved": "achieved",
    "green": "green",
    "amber": "amber",
    "red": "red",
    "monitor": "monitoring only",
    "no_data": "with no data",
}

# A symbol for each status, so colour is never the only cue; "failed" marks a page that did not build.
STATUS_SYMBOLS: dict[str, str] = {
    "achieved": "★",
    "green": "●",
    "amber": "▲",
    "red": "■",
    "monitor": "◆",
    "no_data": "○",
    "failed": "✖",
}

# (background, text) colours: an Okabe-Ito palette, safe for the common colour-vision
# deficiencies, each with a text colour of at least 4.5:1 contrast.
STATUS_COLOURS: dict[str, tuple[str, str]] = {
    "achieved": ("#0072b2", "#ffffff"),
    "green": ("#009e73", "#000000"),
    "amber": ("#e69f00", "#000000"),
    "red": ("#d55e00", "#000000"),
    "monitor": ("#dddddd", "#000000"),
    "no_data": ("#ffffff", "#000000"),
}


def status_css() -> str:
    """The stylesheet's colour variables for the statuses (``--red-bg``, ``--no-data-fg``, ...).

    >>> status_css().splitlines()[1]
    '  --achieved-bg: #0072b2;'
    """
    lines = [":root {"]
    for code, (bg, fg) in STATUS_COLOURS.items():
        name = code.replace("_", "-")
        lines += [f"  --{name}-bg: {bg};", f"  --{name}-fg: {fg};"]
    return "\n".join([*lines, "}", ""])


# --- The register's measures --------------------------------------------------------------

# How a measure's period values combine into the year to date (contract section 3): ``sum`` adds counts,
# ``cumulative`` values are already the year's running total, ``last`` is a point-in-time figure and
# ``mean`` averages rates and percentages.
AGGREGATIONS = ("sum", "cumulative", "last", "mean")

# Whether a measure reports yet (the register's ``status:``): an ``in_development`` measure needs no target or
# data; it is listed, with the quarter it is ``expected`` to report, but no figure is computed for it.
MEASURE_STATUSES = ("reported", "in_development")

# --- Action plans ------------------------------------------------------------------------

# The RAG an action plan's row may carry (no "monitor" or "no_data": an action is either on course or not).
ACTION_STATUSES = ("achieved", "green", "amber", "red")

# What an action's or a recommendation's status means, in the Gloucester template's words: an action is
# judged against its own stated target, not the measure's.
ACTION_STATUS_LABELS: dict[str, str] = {
    "achieved": "Target has been achieved",
    "green": "Performance on track against the stated target",
    "amber": "Performance may not reach the stated target, and therefore requires close monitoring and if "
    "necessary corrective action may be required",
    "red": "Performance is not on track to reach the stated target, and immediate corrective action is required",
}

ACTION_TERMS = ("S", "M", "L")
ACTION_TERM_WORDS: dict[str, str] = {  # the S/M/L term of an action
    "S": "Short term (within 3 months)",
    "M": "Medium term (3-6 months)",
    "L": "Long term (6-12 months or ongoing)",
}

# --- Inputs ---------------------------------------------------------------------------------

# How far each input file's figures can be relied on (the register's ``sources:``), in words for the reader.
SOURCE_STATUS_WORDS: dict[str, str] = {
    "official": "official figures",
    "provisional": "PROVISIONAL: figures may change",
    "illustrative": "ILLUSTRATIVE: not real figures, made up for the demonstration",
}

# --- Statistical process control (Making Data Count's icons) --------------------------------

# code -> (symbol, words); the keys are the codes method/spc.py gives each point and each chart.
VARIATION: dict[str, tuple[str, str]] = {
    "common_cause": ("~", "Common cause variation: no significant change"),
    "special_cause_improvement": ("⬆", "Special cause variation: improvement"),
    "special_cause_concern": ("⬇", "Special cause variation: concern"),
    "special_cause_neutral_high": ("↑", "Special cause variation: unusually high (neither better nor worse)"),
    "special_cause_neutral_low": ("↓", "Special cause variation: unusually low (neither better nor worse)"),
}
VARIATION_SHORT: dict[str, str] = {
    "common_cause": "Common cause",
    "special_cause_improvement": "Improvement",
    "special_cause_concern": "Concern",
    "special_cause_neutral_high": "Unusually high",
    "special_cause_neutral_low": "Unusually low",
}
ASSURANCE: dict[str, tuple[str, str]] = {
    "pass": ("✔", "Assurance: the target is consistently met"),
    "fail": ("✘", "Assurance: the target will not be met without change to the process"),
    "hit_and_miss": ("±", "Assurance: the target will be met only some of the time (hit and miss)"),
}
# The four special-cause rules, by the names spc.csv's ``rules`` writes (alphabetical, ``;``-joined), in words.
SPC_RULES: dict[str, str] = {
    "beyond_limits": "a point beyond a process limit",
    "shift": "a run of seven or more points on one side of the average",
    "trend": "seven or more points each rising, or each falling",
    "two_of_three": "two of three points close to a limit, on one side of the average",
}

# Making Data Count's icons, as the icon summary draws them: (fill, glyph) colours of each variation and assurance,
# in MDC's convention (common cause grey, improvement blue, concern orange, neutral purple; assurance pass blue,
# fail orange, hit and miss grey), each glyph at least 4.5:1 on its fill. Words are always shown beside them.
SPC_ICON_COLOURS: dict[str, tuple[str, str]] = {
    "common_cause": ("#a6a6a6", "#000000"),
    "improvement": ("#0072b2", "#ffffff"),
    "concern": ("#e69f00", "#000000"),
    "neutral": ("#6a3d9a", "#ffffff"),
    "pass": ("#0072b2", "#ffffff"),
    "fail": ("#e69f00", "#000000"),
    "hit_and_miss": ("#a6a6a6", "#000000"),
}
ASSURANCE_SHORT: dict[str, str] = {
    "pass": "Pass: the target is consistently met",
    "fail": "Fail: the target will not be met without change",
    "hit_and_miss": "Hit and miss: the target is met only some of the time",
}
