"""The words of a partnership's cells: numbers, ids, periods and settings, checked and explained.

These checks need no schema library, so the records the notebooks read
(:mod:`analysis.core.register`) can use them without loading one; the pandera
schemas in :mod:`analysis.inputs.schemas` are built from them.
"""

from __future__ import annotations

import math
import re
import unicodedata

from analysis.core.files import MAX_CELL_CHARS, MAX_NUMBER
from analysis.core.periods import FIRST_YEAR, LAST_YEAR, PeriodError, fy_label, is_period, parse_quarter

MAX_ID_LENGTH = 64
ID_PATTERN = re.compile(rf"^(?=.{{1,{MAX_ID_LENGTH}}}$)[a-z0-9]+(?:-[a-z0-9]+)*$")
_THOUSANDS = re.compile(r"^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$")
_WINDOWS_NAMES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def parse_number(text: object) -> float | None:
    """Read a number as analysts type it; ``None`` when it is not one.

    A number beyond :data:`~analysis.core.files.MAX_NUMBER` either way (a
    million million) is not one either: no count or rate of a partnership comes
    near it, and arithmetic on figures like ``1e308`` overflows.

    >>> parse_number("10,064"), parse_number(" 2.5 "), parse_number("1e3")
    (10064.0, 2.5, 1000.0)
    >>> parse_number("12a"), parse_number("nan"), parse_number(""), parse_number(True)
    (None, None, None, None)
    >>> parse_number("1E999"), parse_number("1e308"), parse_number(-2e12), parse_number(1e12)
    (None, None, None, 1000000000000.0)
    """
    if isinstance(text, bool):
        return None
    if isinstance(text, int | float):
        value = float(text)
    else:
        cleaned = str(text).strip().replace("\u00a0", "")
        if _THOUSANDS.match(cleaned):
            cleaned = cleaned.replace(",", "")
        try:
            value = float(cleaned)
        except ValueError:
            return None
    return value if math.isfinite(value) and abs(value) <= MAX_NUMBER else None


def number_problem(value: object) -> str:
    """Why a cell's number cannot be a count or rate (not finite, or beyond the bound); ``""`` when it can.

    >>> number_problem(12.5), number_problem(float("inf"))
    ('', 'inf is not a number that can be reported: the value must be finite')
    >>> number_problem(1e308)
    '1e+308 is beyond what a count or rate can be (at most 1,000,000,000,000 either way): check the figure'
    """
    number = float(value)
    if not math.isfinite(number):
        return f"{number!r} is not a number that can be reported: the value must be finite"
    if abs(number) > MAX_NUMBER:
        return (
            f"{number!r} is beyond what a count or rate can be (at most {MAX_NUMBER:,.0f} either way): check the figure"
        )
    return ""


CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def text_problem(text: str) -> str:
    """Why a piece of text cannot go into a cell of a workbook or table; ``""`` when it can.

    Control characters (other than tab and line ends) cannot be written into an
    Excel workbook at all, and are never typed on purpose; a cell longer than
    :data:`~analysis.core.files.MAX_CELL_CHARS` characters does not fit in one.

    >>> text_problem("Safer Plymouth"), text_problem("Two\\nlines")
    ('', '')
    >>> text_problem("Safer\\x07Plymouth")
    'this text has a control character (BEL, U+0007) at character 6, which a spreadsheet cannot hold: delete it'
    """
    if len(text) > MAX_CELL_CHARS:
        return (
            f"this text is {len(text):,} characters long, more than the {MAX_CELL_CHARS:,} a cell may hold: "
            "shorten it (a longer explanation belongs in the commentary)"
        )
    found = CONTROL_CHARACTERS.search(text)
    if found is None:
        return ""
    char = found[0]
    name = _CONTROL_NAMES.get(ord(char)) or unicodedata.name(char, "control")
    return (
        f"this text has a control character ({name}, U+{ord(char):04X}) at character {found.start() + 1}, "
        "which a spreadsheet cannot hold: delete it"
    )


_CONTROL_NAMES = {
    0: "NUL", 7: "BEL", 8: "BS", 11: "VT", 12: "FF", 27: "ESC", 127: "DEL",
    **{i: f"control {i}" for i in (*range(1, 7), *range(14, 27), *range(28, 32))},
}  # fmt: skip


def id_problem(text: str) -> str | None:
    """Why ``text`` cannot be a measure id, or ``None`` when it can.

    Ids become file names (``measures/<id>.html``), so only lower-case letters,
    digits and single hyphens are allowed, at most 64 characters, and not a name
    Windows reserves for devices.

    >>> id_problem("asb-incidents") is None
    True
    >>> id_problem("ASB Incidents")
    "'ASB Incidents' cannot be a measure id: it has capital letters and spaces; ids become file names, \
so use only lower-case letters, digits and single hyphens (for example 'asb-incidents')"
    >>> id_problem("con")
    "'con' cannot be a measure id: Windows does not allow a file called con"
    """
    if text == "":
        return "the measure id is empty"
    if len(text) > MAX_ID_LENGTH:
        return f"{text!r} is too long for a measure id ({len(text)} characters; at most {MAX_ID_LENGTH})"
    if text in _WINDOWS_NAMES:
        return f"{text!r} cannot be a measure id: Windows does not allow a file called {text}"
    if ID_PATTERN.match(text):
        return None
    reasons = []
    if text != text.lower():
        reasons.append("capital letters")
    if re.search(r"\s", text):
        reasons.append("spaces")
    if re.search(r"[/\\]", text):
        reasons.append("a slash")
    if "." in text:
        reasons.append("a full stop")
    others = sorted(set(re.sub(r"[a-zA-Z0-9\s/\\.-]", "", text)))
    if others:
        reasons.append(f"the character{'s' if len(others) > 1 else ''} {' '.join(others)}")
    if not reasons:
        reasons.append("a hyphen at its start or end, or two together")
    example = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    hint = f" (for example {example!r})" if ID_PATTERN.match(example) else ""
    return (
        f"{text!r} cannot be a measure id: it has {' and '.join(reasons)}; ids become file names, "
        f"so use only lower-case letters, digits and single hyphens{hint}"
    )


def period_words(text: str) -> str:
    """What is wrong with a period cell, and how to write it.

    >>> period_words("2015-13")
    "'2015-13' is not a month: months run from 01 to 12, like 2015-04"
    >>> period_words("9999-12")
    "'9999-12' is not a month a report can cover: financial years run from 1900-01 to 2999-00"
    >>> period_words("Apr-15")
    "'Apr-15' is not written as a month like 2015-04 (Excel may have changed it): write it as 2015-04"
    >>> period_words("Q1 2015-16")
    "'Q1 2015-16' is not written as a quarter like 2015-16-Q1: write it as 2015-16-Q1"
    """
    if re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
        return (
            f"{text!r} is not a month a report can cover: financial years run from {fy_label(FIRST_YEAR)} "
            f"to {fy_label(LAST_YEAR)}"
        )
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})", text):
        return f"{text!r} is not a month: months run from 01 to 12, like {m[1]}-04"
    if m := re.fullmatch(r"(\d{4})-(0[1-9]|1[0-2])-\d{2}(?:[ T].*)?", text):
        return f"{text!r} is a date: write the month alone, like {m[1]}-{m[2]}"
    if m := re.fullmatch(r"\d{1,2}/(\d{1,2})/(\d{4})", text):
        month = f"{m[2]}-{int(m[1]):02d}" if 1 <= int(m[1]) <= 12 else "2015-04"
        return f"{text!r} is a date: write the month alone, like {month}"
    if (m := re.fullmatch(r"([A-Za-z]{3})[a-z]*[-/ ]+(\d{2}|\d{4})", text)) and m[1].lower() in _MONTHS:
        year = m[2] if len(m[2]) == 4 else f"20{m[2]}"
        fixed = f"{year}-{_MONTHS.index(m[1].lower()) + 1:02d}"
        return f"{text!r} is not written as a month like 2015-04 (Excel may have changed it): write it as {fixed}"
    return quarter_words(text, "is not a period: give a month like 2015-04 or a quarter like 2015-16-Q1")


def frequency_words(period: str, measure_id: str, frequency: str) -> str:
    """What is wrong with a period written for the other frequency than its measure's; ``""`` when nothing is.

    >>> frequency_words("2015-16-Q1", "asb", "monthly")
    "'2015-16-Q1' is a quarter, but asb is a monthly measure: give a month like 2015-04"
    >>> frequency_words("2015-04", "asb", "monthly"), frequency_words("Apr-15", "asb", "monthly")
    ('', '')
    """
    kinds = {"monthly": ("month", "2015-04"), "quarterly": ("quarter", "2015-16-Q1")}
    if frequency not in kinds or is_period(period, frequency):
        return ""
    other = "quarterly" if frequency == "monthly" else "monthly"
    if not is_period(period, other):
        return ""  # not a period at all: the period's own check says so
    (kind, example), (written, _) = kinds[frequency], kinds[other]
    return f"{period!r} is a {written}, but {measure_id} is a {frequency} measure: give a {kind} like {example}"


def quarter_words(text: str, otherwise: str = "is not a quarter like 2015-16-Q1") -> str:
    """What is wrong with a quarter cell: another spelling of a quarter, or not one at all.

    >>> quarter_words("2015/16 Q3"), quarter_words("Q5")
    ("'2015/16 Q3' is not written as a quarter like 2015-16-Q1: write it as 2015-16-Q3", "'Q5' is not a quarter like \
2015-16-Q1")
    """
    try:
        canonical = str(parse_quarter(text))
    except PeriodError as err:
        return str(err) if "a report can cover" in str(err) else f"{text!r} {otherwise}"
    return f"{text!r} is not written as a quarter like 2015-16-Q1: write it as {canonical}"


def number_words(text: str) -> str:
    """What is wrong with a cell that should hold a number.

    >>> number_words("#DIV/0!")
    "'#DIV/0!' is an Excel error, not a number: check the formula that produced it"
    >>> number_words("45%")
    "'45%' has a per cent sign: write the number alone, like 45"
    >>> number_words("1E999")
    "'1E999' is beyond what a count or rate can be (at most 1,000,000,000,000 either way): check the figure"
    """
    low = text.strip().lower().lstrip("+-")
    if low in ("nan", "inf", "infinity"):
        return f"{text!r} is not a number that can be reported: the value must be finite"
    try:
        number = float(text.strip().replace(",", ""))
    except ValueError:
        number = None
    if number is not None and not math.isnan(number) and abs(number) > MAX_NUMBER:
        return (
            f"{text!r} is beyond what a count or rate can be (at most {MAX_NUMBER:,.0f} either way): check the figure"
        )
    if text.startswith("#"):
        return f"{text!r} is an Excel error, not a number: check the formula that produced it"
    if text.endswith("%") and parse_number(text[:-1]) is not None:
        return f"{text!r} has a per cent sign: write the number alone, like {text[:-1].strip()}"
    if re.fullmatch(r"-?\d+,\d{1,2}", text):
        return f"{text!r} is not a number: write decimals with a full stop, like {text.replace(',', '.')}"
    return f"{text!r} is not a number"


def choices(allowed: tuple[str, ...]) -> str:
    """Allowed words as a sentence ends them.

    >>> choices(("sum", "last", "mean"))
    'sum, last or mean'
    """
    return f"{', '.join(allowed[:-1])} or {allowed[-1]}"


def is_tolerance(v: str) -> bool:
    """An amber tolerance is a fraction of the target from 0 to 1 (or not given)."""
    n = parse_number(v)
    return v == "" or (n is not None and 0 <= n <= 1)


def tolerance_words(v: str) -> str:
    return f"{v!r} is not a tolerance: give a fraction of the target between 0 and 1 (0.15 means 15%)"
