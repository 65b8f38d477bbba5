"""The sheets of a returns workbook beyond the figures: a lead's tasks, recommendations and sign-off; the family group.

Seed 000's sub-groups fill in their own action tables (task, target, position,
status, planned improvement and deadline); here each lead gets theirs in the
workbook of figures. Each sheet has a header row and a row per item: the item's
own cells and last quarter's position and status are locked, the cells the lead
fills in are unlocked and shaded. The status is a drop-down of the action-plan
statuses; amber and red need the planned improvement and its deadline, whose
cells are flagged (conditional formatting) until they are given, and
``reviewed_no_change`` (yes) returns a row as it was last quarter. The sign-off
sheet has a name and a date cell per measure; the analyst's family group sheet
a population and a count of crimes per partnership.

Every text the project writes goes through :func:`put`, so it is a plain text
cell, never a formula. :func:`sheet_rows` reads a sheet back as
``{column: value}`` per row; the checks are :mod:`analysis.ingest.updates`'.
"""

from __future__ import annotations

from dataclasses import dataclass

from analysis.core.vocabulary import ACTION_STATUSES, EXCEPTION_STATUSES

ACTIONS, RECOMMENDATIONS, SIGNOFF, FAMILY = "Actions", "Recommendations", "Sign-off", "Family group"
SHEETS = (ACTIONS, RECOMMENDATIONS, SIGNOFF, FAMILY)
NO_CHANGE = "reviewed_no_change"
YES_NO = ("yes", "no")
FORMULA_STARTS = ("=", "+", "-", "@")  # typed text Excel would take for a formula


@dataclass(frozen=True)
class Column:
    """One column of a sheet: its heading, width, whether the lead fills it in, and what it accepts."""

    name: str
    width: int
    filled: bool = False
    kind: str = "text"  # text | status | yes_no | date | count (whole, 0 or more) | positive


COLUMNS: dict[str, tuple[Column, ...]] = {
    ACTIONS: (
        Column("ref", 8),
        Column("action", 30),
        Column("task", 40),
        Column("target", 30),
        Column("last_position", 40),
        Column("last_status", 11),
        Column("position", 40, True),
        Column("status", 11, True, "status"),
        Column("improvement", 40, True),
        Column("deadline", 16, True),
        Column(NO_CHANGE, 13, True, "yes_no"),
    ),
    RECOMMENDATIONS: (
        Column("number", 8),
        Column("recommendation", 60),
        Column("last_progress", 40),
        Column("last_status", 11),
        Column("progress", 40, True),
        Column("status", 11, True, "status"),
        Column(NO_CHANGE, 13, True, "yes_no"),
    ),
    SIGNOFF: (
        Column("measure_id", 24),
        Column("title", 48),
        Column("signed_by", 28, True),
        Column("signed_on", 14, True, "date"),
    ),
    FAMILY: (
        Column("partnership", 28),
        Column("population", 14, True, "positive"),
        Column("last_crimes", 14),
        Column("crimes", 14, True, "count"),
    ),
}
KEYS = {ACTIONS: ("ref", "task"), RECOMMENDATIONS: ("number",), SIGNOFF: ("measure_id",), FAMILY: ("partnership",)}
# Cells flagged while empty, and the column whose value makes them needed.
NEEDED_WHEN = {
    ACTIONS: {"improvement": "status", "deadline": "status"},
    SIGNOFF: {"signed_by": "signed_on", "signed_on": "signed_by"},
}


def instructions(sheets: dict[str, list[dict]], last_quarter: str) -> list[str]:
    """The lines of the Instructions sheet for the sheets a workbook has."""
    last = f"last quarter ({last_quarter})" if last_quarter else "last quarter"
    statuses = ", ".join(ACTION_STATUSES[:-1]) + f" or {ACTION_STATUSES[-1]}"
    lines: list[str] = []
    named = [
        (title, what) for title, what in ((ACTIONS, "task"), (RECOMMENDATIONS, "recommendation")) if sheets.get(title)
    ]
    if named:
        on = " and ".join(f"'{title}'" for title, _ in named)
        lines += [
            "",
            "Action plan and recommendations" if len(named) == 2 else named[0][0],
            f"- On {on}, each row is a {' or '.join(what for _, what in named)} of yours, with its "
            f"position (progress) and status of {last} beside it.",
            f"- Type this quarter's position (progress) and choose its status from the list: {statuses}.",
            "- Amber or red: also give the planned improvement (the action needed) and its deadline; the cells "
            "are shaded until you do.",
            f"- Nothing changed since {last}? Choose 'yes' under {NO_CHANGE} and leave the other cells empty.",
            "- A row left empty is taken as not yet reviewed.",
        ]
    if sheets.get(SIGNOFF):
        lines += [
            "",
            "Sign-off",
            f"- On '{SIGNOFF}', when you have checked a measure's figures, notes and actions for the quarter, "
            "type your name and the date (like 05/10/2015) beside it.",
        ]
    if sheets.get(FAMILY):
        lines += [
            "",
            "Family group",
            f"- On '{FAMILY}', type each partnership's count of all recorded crime for the quarter under "
            f"'crimes' (a whole number); 'last_crimes' is {last}'s. Correct a population if it has changed.",
        ]
    return lines


def put(cell, value: object) -> None:
    """Write ``value`` into ``cell``: text as a plain text cell (never a formula), numbers and dates as they are.

    >>> from openpyxl import Workbook
    >>> cell = Workbook().active["A1"]
    >>> put(cell, '=HYPERLINK("http://example.org")')
    >>> cell.data_type, bool(cell.quotePrefix)
    ('s', True)
    """
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        cell.quotePrefix = value.startswith(FORMULA_STARTS)


def _letter(sheet: str, name: str) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(1 + [c.name for c in COLUMNS[sheet]].index(name))


def _validation(kind: str):
    from openpyxl.worksheet.datavalidation import DataValidation

    if kind == "status":
        v = DataValidation(type="list", formula1='"' + ",".join(ACTION_STATUSES) + '"', allow_blank=True)
        v.errorTitle, v.error = "Not a status", "Choose achieved, green, amber or red from the list."
        v.promptTitle, v.prompt = "Status", "Amber or red: give the planned improvement and its deadline too."
        v.showInputMessage = True
    elif kind == "yes_no":
        v = DataValidation(type="list", formula1='"' + ",".join(YES_NO) + '"', allow_blank=True)
        v.errorTitle, v.error = "Yes or no", "Choose yes if nothing has changed since last quarter."
    elif kind == "date":
        v = DataValidation(type="date", operator="greaterThan", formula1="DATE(2000,1,1)", allow_blank=True)
        v.errorTitle, v.error = "Not a date", "Type the date you signed off, like 05/10/2015."
    elif kind == "count":
        v = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
        v.errorTitle, v.error = "Not a count", "Type a whole number of 0 or more, or leave the cell empty."
    else:  # positive
        v = DataValidation(type="decimal", operator="greaterThan", formula1="0", allow_blank=True)
        v.errorTitle, v.error = "Not a population", "Type a number above 0."
    v.showErrorMessage = True
    return v


def add_sheets(book, sheets: dict[str, list[dict]]) -> None:
    """Add a sheet for each non-empty list of ``sheets`` (rows as ``{column: value}``), after the first sheet."""
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.styles import Alignment, Font, PatternFill, Protection

    fill = PatternFill("solid", fgColor="FFF2CC")
    flag = PatternFill("solid", start_color="F4B6B6", end_color="F4B6B6")
    for index, title in enumerate((t for t in SHEETS if sheets.get(t)), start=1):
        rows, columns = sheets[title], COLUMNS[title]
        sheet = book.create_sheet(title, index)
        for j, column in enumerate(columns, start=1):
            put(sheet.cell(1, j), column.name)
            sheet.cell(1, j).font = Font(bold=True)
            sheet.column_dimensions[_letter(title, column.name)].width = column.width
        last = len(rows) + 1
        for r, row in enumerate(rows, start=2):
            for j, column in enumerate(columns, start=1):
                cell = sheet.cell(r, j)
                put(cell, row.get(column.name))
                cell.alignment = Alignment(wrap_text=column.width >= 30, vertical="top")
                if column.filled:
                    cell.protection = Protection(locked=False)
                    cell.fill = fill
                if column.kind == "date":
                    cell.number_format = "yyyy-mm-dd"
        for column in columns:
            if column.filled and column.kind != "text":
                validation = _validation(column.kind)
                validation.add(f"{_letter(title, column.name)}2:{_letter(title, column.name)}{last}")
                sheet.add_data_validation(validation)
        for needed, because in NEEDED_WHEN.get(title, {}).items():
            at, by = _letter(title, needed), _letter(title, because)
            if because == "status":
                off_course = ",".join(f'LOWER(${by}2)="{status}"' for status in EXCEPTION_STATUSES)  # amber, red
                formula = f"AND(OR({off_course}),LEN(TRIM({at}2))=0)"
            else:
                formula = f"AND(LEN(TRIM(${by}2))>0,LEN(TRIM({at}2))=0)"
            sheet.conditional_formatting.add(f"{at}2:{at}{last}", FormulaRule(formula=[formula], fill=flag))
        sheet.freeze_panes = "A2"
        sheet.protection.sheet = True  # no password: it guards against slips, not people


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def sheet_rows(title: str, rows: list[tuple]) -> tuple[list[tuple[int, dict[str, object]]], tuple[str, ...]]:
    """A returned sheet's rows that hold anything, as ``(row number, {column: value})``, and the columns its
    header has lost (then no rows)."""
    header = [_text(c).lower() for c in rows[0]] if rows else []
    wanted = [c.name for c in COLUMNS[title] if c.filled or c.name in KEYS[title]]
    missing = tuple(c for c in wanted if c not in header)
    if missing:
        return [], missing
    at = {name: header.index(name) for name in wanted}
    found = []
    for number, cells in enumerate(rows[1:], start=2):
        cells = tuple(cells) + (None,) * len(header)
        values = {name: cells[j] for name, j in at.items()}
        if any(_text(v) for v in values.values()):
            found.append((number, values))
    return found, ()
