"""Every code the report uses and the words, symbols and colours it shows them with, defined once.

The register, the method, the processed tables' declarations, the notebooks'
badges, the site, the paper and the stylesheet all read these, so a status is
spelt the same everywhere. Code elsewhere names a code by its constant here
(``AMBER``, ``COMMON_CAUSE``) or a group of them (``EXCEPTION_STATUSES``), never
by a string of its own (``tests/test_vocabulary.py`` checks).

>>> [f"{STATUS_SYMBOLS[c]} {STATUS_SHORT[c]}" for c in STATUS_CODES[:4]]
['★ Achieved', '● Green', '▲ Amber', '■ Red']
>>> set(STATUS_LABELS) == set(STATUS_SHORT) == set(STATUS_WORDS) == set(STATUS_MEANINGS) == set(STATUS_CODES)
True
"""

from __future__ import annotations

from itertools import combinations

# --- Measure statuses (the traffic light), in the report's order -------------------------

ACHIEVED, GREEN, AMBER, RED, MONITOR, NO_DATA = "achieved", "green", "amber", "red", "monitor", "no_data"
STATUS_CODES = (ACHIEVED, GREEN, AMBER, RED, MONITOR, NO_DATA)

# Named groups of statuses.
ON_COURSE = (ACHIEVED, GREEN)  # the target is met, or on course to be
EXCEPTION_STATUSES = (AMBER, RED)  # off course: an exception item, with a planned improvement required
UNJUDGED = (MONITOR, NO_DATA)  # no status is judged against a target
RAG = (GREEN, AMBER, RED)  # judged against the target, with the amber tolerance
JUDGED = (ACHIEVED, GREEN, AMBER, RED)  # best first: the direction of travel between two of them

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

# A status in a sentence ("Status: amber", "green in 2015-16-Q1, red now").
STATUS_WORDS: dict[str, str] = {
    "achieved": "achieved",
    "green": "green",
    "amber": "amber",
    "red": "red",
    "monitor": "monitoring only",
    "no_data": "no data",
}

# What each status means and how it is decided, for a reader (the method page and the glossary).
STATUS_MEANINGS: dict[str, str] = {
    "achieved": "The annual target has already been met: a figure that has to rise has reached it, or the year "
    "has ended on the right side of it.",
    "green": "The forecast for the year end meets the annual target.",
    "amber": "The forecast falls short of the annual target, but by no more than the margin for amber (the "
    "tolerance band, usually 15% of the target).",
    "red": "The forecast falls short of the annual target by more than the margin for amber.",
    "monitor": "The measure has no target this year, or is watched without one, so no status is judged.",
    "no_data": "No figure has come in for the year yet.",
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


# --- The processed tables ---------------------------------------------------------------

YES_NO = ("yes", "no")  # a flag of a processed table (a significant change, small counts)
TRUE_FALSE = ("true", "false")  # neighbourhoods.csv's gap_area, as the contract spells it
# What changes.csv records: whether the previous quarter was found, then each change since.
CHANGE_KINDS = ("previous_build", "status", "spc_variation", "late_return", "revision")


# --- Pages --------------------------------------------------------------------------------

# The attribute that names each page section on its outermost element (``<section data-section="figures">``):
# written by analysis.report.sections, read by whatever takes sections from the executed notebooks (the paper).
SECTION_MARK = "data-section"


# --- Action plans ------------------------------------------------------------------------

# The RAG an action plan's row may carry (no "monitor" or "no_data": an action is either on course or not).
ACTION_STATUSES = JUDGED

# What an action's or a recommendation's status means, in the Gloucester template's words: an action is
# judged against its own stated target, not the measure's.
ACTION_STATUS_LABELS: dict[str, str] = {
    "achieved": "Target has been achieved",
    "green": "Performance on track against the stated target",
    "amber": "Performance may not reach the stated target, and therefore requires close monitoring and if "
    "necessary corrective action may be required",
    "red": "Performance is not on track to reach the stated target, and immediate corrective action is required",
}

# What became of each task of the year's action plan at the year end: achieved (its quarter-four status), carried
# forward into the next year (its row is among the next year's first quarter's, or, before that quarter is started,
# it is still open) or dropped (the next year's first quarter was started without it).
CARRIED_FORWARD, DROPPED = "carried_forward", "dropped"
ACTION_RESULTS = (ACHIEVED, CARRIED_FORWARD, DROPPED)
ACTION_RESULT_WORDS: dict[str, str] = {
    "achieved": "Achieved",
    "carried_forward": "Carried forward to next year",
    "dropped": "Dropped",
}

ACTION_TERMS = ("S", "M", "L")
ACTION_TERM_WORDS: dict[str, str] = {  # the S/M/L term of an action
    "S": "Short term (within 3 months)",
    "M": "Medium term (3-6 months)",
    "L": "Long term (6-12 months or ongoing)",
}

# --- Sign-off and the year end -------------------------------------------------------------------

# A measure's sign-off for the quarter (signoff.csv): signed off by its lead; signed off, but a figure of it was
# revised afterwards (the lead signed off what they saw, not the figure now shown); or not yet signed off.
SIGNED_OFF, SIGNED_BEFORE_REVISION, NOT_SIGNED_OFF = "signed_off", "signed_off_before_revision", "not_signed_off"
SIGNOFF_STATES = (SIGNED_OFF, SIGNED_BEFORE_REVISION, NOT_SIGNED_OFF)
SIGNOFF_SHORT: dict[str, str] = {
    "signed_off": "Signed off",
    "signed_off_before_revision": "Signed off before a revision",
    "not_signed_off": "Not yet signed off",
}

# How each measure's year ended (year_end.csv, the quarter-four report): its target achieved or not over the year,
# monitored without a target, or not known yet (the year's figures are not all in).
NOT_ACHIEVED, MONITORED_YEAR, NOT_KNOWN = "not_achieved", "monitored", "not_known"
YEAR_RESULTS = (ACHIEVED, NOT_ACHIEVED, MONITORED_YEAR, NOT_KNOWN)
YEAR_RESULT_WORDS: dict[str, str] = {
    "achieved": "Achieved",
    "not_achieved": "Not achieved",
    "monitored": "Monitored: no target",
    "not_known": "Not known yet: the year's figures are not all in",
}
YEAR_RESULT_BADGES: dict[str, str] = {  # the status whose symbol and colour each result is shown with
    "achieved": ACHIEVED,
    "not_achieved": RED,
    "monitored": MONITOR,
    "not_known": NO_DATA,
}

# --- The register ---------------------------------------------------------------------------

# The words of the register's enumerated fields.
HIGHER, LOWER, MONITORED = "higher", "lower", "monitor"  # a measure's polarity: which way is better, or neither
POLARITIES = (HIGHER, LOWER, MONITORED)
POLARITY_WORDS: dict[str, str] = {
    "higher": "higher is better",
    "lower": "lower is better",
    "monitor": "monitoring only",
}
FREQUENCIES = ("monthly", "quarterly")
# How a measure's period values combine into the year to date (contract section 3): ``sum`` adds counts,
# ``cumulative`` values are already the year's running total, ``last`` is a point-in-time figure and
# ``mean`` averages rates and percentages.
SUM, CUMULATIVE, LAST, MEAN = "sum", "cumulative", "last", "mean"
AGGREGATIONS = (SUM, CUMULATIVE, LAST, MEAN)
PROFILES = ("even", "seasonal")
STATUS_METHODS = ("forecast", "ytd")

# Whether a measure reports yet (the register's ``status:``): an ``in_development`` measure needs no target or
# data; it is listed, with the quarter it is ``expected`` to report, but no figure is computed for it.
REPORTED, IN_DEVELOPMENT = "reported", "in_development"
MEASURE_STATUSES = (REPORTED, IN_DEVELOPMENT)

# How the partnership is compared with its family group (the register's ``family_group_method``).
FAMILY_GROUP_METHODS = ("msg_mean", "poisson", "iquanta")
FAMILY_GROUP_METHOD_WORDS: dict[str, str] = {
    "msg_mean": "against the average of the members' rates, each counted once",
    "poisson": "against the group's average, allowing for the chance ups and downs of the partnership's count "
    "(an exact Poisson 95% confidence interval)",
    "iquanta": "against the group mean plus or minus one standard deviation (as iQuanta shows it)",
}

FAMILY_GROUP_DIRECTIONS = ("above", "below", "equal")  # the partnership's rate against its family group's

# How far each input file's figures can be relied on (the register's ``sources:``), in words for the reader:
# the site's pages and the paper's cover say the same.
OFFICIAL, PROVISIONAL, ILLUSTRATIVE = "official", "provisional", "illustrative"
SOURCE_STATUSES = (OFFICIAL, PROVISIONAL, ILLUSTRATIVE)
SOURCE_STATUS_WORDS: dict[str, str] = {
    "official": "Official figures",
    "provisional": "Provisional: figures may be revised",
    "illustrative": "Illustrative: not real figures",
}

# A target's source status where it is not official, as the pages say it after the target.
TARGET_STATUS_WORDS: dict[str, str] = {
    "provisional": "a provisional target",
    "illustrative": "an illustrative target, not the partnership's own",
}

# What each input is, in a reader's words (the pages never name a file; the notebook views do). ``targets`` is the
# register's own entry for its targets (``sources: targets: {source: ..., status: illustrative}``).
TARGETS = "targets"
INPUT_WORDS: dict[str, str] = {
    "actuals.csv": "Figures",
    TARGETS: "Targets",
    "action_plan.csv": "Action plan",
    "recommendations.csv": "Recommendations and their progress",
    "family_group.csv": "Family group figures",
    "events.csv": "Events marked on the charts",
    "partner_notes.csv": "Partners' notes",
    "signoff.csv": "Sign-off",
    "measures.yml": "The register of measures",
}


def input_words(name: str) -> str:
    """An input in a reader's words: its name in :data:`INPUT_WORDS`, else its file name made into words.

    >>> input_words("actuals.csv"), input_words("neighbourhoods/population.csv")
    ('Figures', 'Neighbourhoods population')
    """
    if name in INPUT_WORDS:
        return INPUT_WORDS[name]
    words = name.rsplit(".", 1)[0].replace("/", " ").replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:]


# --- Statistical process control (Making Data Count's icons) --------------------------------

COMMON_CAUSE = "common_cause"
IMPROVEMENT, CONCERN = "special_cause_improvement", "special_cause_concern"
NEUTRAL_HIGH, NEUTRAL_LOW = "special_cause_neutral_high", "special_cause_neutral_low"  # a measure with no better way
SPECIAL_CAUSE = (IMPROVEMENT, CONCERN, NEUTRAL_HIGH, NEUTRAL_LOW)
POINT_TYPES = (COMMON_CAUSE, *SPECIAL_CAUSE)
PASS, FAIL, HIT_AND_MISS = "pass", "fail", "hit_and_miss"  # assurance: will the process meet the target?
ASSURANCE_CODES = (PASS, FAIL, HIT_AND_MISS)

# code -> (symbol, words); the keys are the codes method/spc.py gives each point and each chart.
VARIATION: dict[str, tuple[str, str]] = {
    "common_cause": ("~", "No unusual change: within the usual range of variation (common cause)"),
    "special_cause_improvement": ("⬆", "An unusual change for the better (special cause improvement)"),
    "special_cause_concern": ("⬇", "An unusual change for the worse (special cause concern)"),
    "special_cause_neutral_high": ("↑", "Unusually high, neither better nor worse (special cause)"),
    "special_cause_neutral_low": ("↓", "Unusually low, neither better nor worse (special cause)"),
}
# In tables, chart legends and badges: plain words only (the long words above name the term).
VARIATION_SHORT: dict[str, str] = {
    "common_cause": "No unusual change",
    "special_cause_improvement": "Unusual improvement",
    "special_cause_concern": "Unusual worsening",
    "special_cause_neutral_high": "Unusually high",
    "special_cause_neutral_low": "Unusually low",
}
ASSURANCE: dict[str, tuple[str, str]] = {
    "pass": ("✔", "The target is consistently met: the usual range lies wholly on its right side (assurance: pass)"),
    "fail": (
        "✘",
        "The target will not be met without a change to the process: the usual range lies wholly on its wrong "
        "side (assurance: fail)",
    ),
    "hit_and_miss": (
        "±",
        "The target will be met only some of the time: it lies within the usual range (assurance: hit and miss)",
    ),
}

# The four special-cause rules, in SPC.md's order (rules 1 to 4), by the names spc.csv's ``rules`` writes.
BEYOND_LIMITS, TREND, TWO_OF_THREE, SHIFT = "beyond_limits", "trend", "two_of_three", "shift"
SPC_RULE_CODES = (BEYOND_LIMITS, TREND, TWO_OF_THREE, SHIFT)
SPC_RULES: dict[str, str] = {  # each rule in words
    "beyond_limits": "a point beyond a process limit",
    "trend": "seven or more points each rising, or each falling",
    "two_of_three": "two of three points close to a limit, on one side of the average",
    "shift": "a run of seven or more points on one side of the average",
}
# What spc.csv's ``rules`` may hold: the rules that flagged a point, alphabetical, ``;``-joined (or empty).
SPC_RULE_SETS = tuple(";".join(c) for n in range(1, 5) for c in combinations(sorted(SPC_RULE_CODES), n))

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
    "pass": "Consistently met (pass)",
    "fail": "Not met without a change (fail)",
    "hit_and_miss": "Met only some of the time (hit and miss)",
}

# The answer to "Is there an unusual change in the pattern?" that each variation gives (a measure page's evidence).
VARIATION_ANSWERS: dict[str, str] = {
    "common_cause": "No: the latest figure is within the usual range of variation (common cause).",
    "special_cause_improvement": "Yes: an unusual change for the better (special cause improvement).",
    "special_cause_concern": "Yes: an unusual change for the worse (special cause concern).",
    "special_cause_neutral_high": "Yes: unusually high (special cause); the measure has no better direction.",
    "special_cause_neutral_low": "Yes: unusually low (special cause); the measure has no better direction.",
}

# The glossary: each technical term a reader meets, with the plain words the pages put before it and what it means.
# (anchor, term, plain words, meaning). A page links the first use of each term, written after its plain words in
# brackets ("the usual range of variation (common cause)"), to its entry on the glossary page.
GLOSSARY: tuple[tuple[str, str, str, str], ...] = (
    ("status", "status", "the traffic light",
     "Green, amber or red (or achieved, or monitoring only): whether the measure is on track for its annual target, "
     "judged by the forecast for the year end against the target. Each status is shown in words and with a "
     "symbol as well as a colour."),
    ("tolerance-band", "tolerance band", "the margin for amber",
     "How far short of the target (usually 15% of it) a forecast may be and still be amber rather than red."),
    ("profiled-target", "profiled target", "the share of the annual target due by now",
     "The annual target spread across the year, evenly or following last year's pattern, so that the year to "
     "date can be compared with it part way through the year."),
    ("forecast", "forecast", "the projected figure for the year end",
     "The year to date scaled up to a whole year by last year's pattern (or, without one, at the pace so far)."),
    ("run-rate", "run rate", "the pace so far",
     "The year to date spread evenly over the rest of the year."),
    ("exception-item", "exception item", "a measure the board is asked to look at",
     "An amber or red measure, a monitored measure that has worsened unusually or significantly, or a measure "
     "with a return still due."),
    ("spc", "SPC", "the check for unusual changes",
     "Statistical process control: a chart of each period's figure with the average and the usual range of "
     "variation worked out from the history, which shows whether the latest figures have changed beyond the "
     "usual ups and downs. The report follows NHS England's Making Data Count."),
    ("spc-variation", "SPC variation", "whether the latest figure is an unusual change",
     "SPC's answer for the latest period: the usual ups and downs (common cause), or an unusual change (special "
     "cause) for the better, for the worse, or neither."),
    ("common-cause", "common cause", "the usual range of variation",
     "The ups and downs a steady process gives from period to period by chance: nothing has changed."),
    ("special-cause", "special cause", "an unusual change",
     "A figure outside the usual range, or a run, a trend or a cluster near its edge that chance would rarely "
     "give: something has changed."),
    ("process-limits", "process limits", "the edges of the usual range",
     "The lowest and highest figures the usual ups and downs give: the average plus or minus 2.66 times the "
     "average change from one period to the next."),
    ("trial-limits", "trial limits", "a provisional usual range",
     "Edges of the usual range worked out from fewer than 12 periods, to be read with care."),
    ("rebase", "rebase", "where the usual range was worked out afresh",
     "A period where the process changed (a new recording rule, a new service): the average and the usual range "
     "start again from there."),
    ("assurance", "assurance", "whether the target will reliably be met",
     "SPC's comparison of the usual range with the target: met every period (pass), met only some of the time "
     "(hit and miss), or not met without a change to the process (fail)."),
    ("hit-and-miss", "hit and miss", "met only some of the time",
     "The target lies within the usual range: the usual ups and downs will meet it in some periods and miss it "
     "in others."),
    ("xmr-chart", "XmR", "the chart of each period with its usual range",
     "The SPC chart: each period's figure (X) with the average and the process limits worked out from the "
     "moving range (mR), the change from one period to the next."),
    ("significant", "beyond chance", "a difference chance alone would rarely give",
     "A change on last year that an exact test of the counts finds would happen by chance less than one time "
     "in twenty (significant at 5%)."),
    ("rate-ratio", "rate ratio", "this year's count as a multiple of last year's",
     "This year's count to date divided by last year's for the same periods: 0.93 is 7% fewer."),
    ("confidence-interval", "confidence interval", "the range the true figure is likely to lie in",
     "A range worked out so that 95 times in 100 it contains the true figure: the wider it is, the less the "
     "figures can tell."),
    ("poisson", "Poisson", "the chance ups and downs of counted events",
     "The pattern of chance variation in counts of separate events, such as incidents: used for the range of the "
     "forecast and the family group's rates."),
    ("family-group", "family group", "similar partnerships to compare with",
     "The partnership's most similar group (iQuanta's): areas alike in population and make-up, compared by crimes "
     "per 1,000 residents."),
    ("illustrative", "illustrative", "not real figures",
     "Figures or targets made up for an example or a demonstration; every page that shows them says so."),
)  # fmt: skip

# Where the traffic light and SPC tell different stories, and why: (the statuses, "variation" or "assurance",
# the SPC code, the words; {status} is the status in a sentence).
DISAGREEMENTS: tuple[tuple[tuple[str, ...], str, str, str], ...] = (
    (
        EXCEPTION_STATUSES,
        "variation",
        COMMON_CAUSE,
        "The status is {status} while the figures stay within their usual range of variation (common cause): "
        "meeting the target needs a change in the process, not just the usual ups and downs.",
    ),
    (
        ON_COURSE,
        "variation",
        CONCERN,
        "The status is {status}, but the latest figure is an unusual change for the worse (special cause "
        "concern): the target is met on the figures to date, but the trend needs watching.",
    ),
    (
        EXCEPTION_STATUSES,
        "variation",
        IMPROVEMENT,
        "The status is {status}, but the latest figure is an unusual change for the better (special cause "
        "improvement): the process is getting better, though not yet enough to meet the target.",
    ),
    (
        ON_COURSE,
        "assurance",
        FAIL,
        "Past periods alone would not reach each period's share of the target (assurance: fail), but the year "
        "so far meets it: the recent figures are better than the history the usual range was worked out from.",
    ),
    (
        EXCEPTION_STATUSES,
        "assurance",
        PASS,
        "Past periods reached each period's share of the target every time (assurance: pass), but the year so "
        "far falls short: the recent figures are worse than the history the usual range was worked out from.",
    ),
)


def disagreements(status: str, variation: str | None = "", assurance: str | None = "") -> tuple[str, ...]:
    """Whether the traffic light and SPC disagree, and why: a sentence for each way they do; ``()`` when they agree.

    The SPC variation says whether anything changed, the assurance whether the process will meet the target;
    either can tell a different story from the status (:data:`DISAGREEMENTS`).

    >>> disagreements("red", "common_cause")[0][:59]
    'The status is red while the figures stay within their usual'
    >>> disagreements("green", "common_cause"), disagreements("green", assurance="fail")[0][:30]
    ((), 'Past periods alone would not r')
    """
    shown = {"variation": variation or "", "assurance": assurance or ""}
    return tuple(
        words.format(status=STATUS_WORDS[status])
        for statuses, kind, code, words in DISAGREEMENTS
        if status in statuses and shown[kind] == code
    )
