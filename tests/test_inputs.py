"""The corpus of broken inputs: what an analyst gets told, word for word.

Every case starts from the small valid folder ``tests/data/inputs/valid/``,
breaks it in one way (or a few), and asserts the complete list of problems
that ``csp-report validate`` prints: file (and sheet), row or line, column or
field, and message. The command must exit 2 and never print a traceback.
Workbooks are written here with openpyxl, so no binary file is committed.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from analysis.cli import main
from analysis.core.problems import InputError
from analysis.inputs.tables import load_inputs, parse_csv

VALID = Path(__file__).resolve().parent / "data" / "inputs" / "valid"
DEMO = Path(__file__).resolve().parents[1] / "data" / "raw"
TABLES = ("actuals", "action_plan", "recommendations", "family_group")
Change = str | bytes | None | Callable[[str], str] | dict


def replace(*pairs: str) -> Callable[[str], str]:
    """Replace text in the valid file; each old text must be there, so a case cannot silently miss."""

    def edit(text: str) -> str:
        for old, new in zip(pairs[::2], pairs[1::2], strict=True):
            assert old in text, old
            text = text.replace(old, new, 1)
        return text

    return edit


def append(extra: str) -> Callable[[str], str]:
    return lambda text: text + extra


def csv_rows(name: str) -> list[list[object]]:
    """A valid table as workbook rows: numbers as numbers and months as date cells, as Excel keeps them."""
    frame = parse_csv((VALID / f"{name}.csv").read_text(encoding="utf-8"))
    rows: list[list[object]] = [list(frame.columns)]
    for record in frame.itertuples(index=False):
        row: list[object] = []
        for column, cell in zip(frame.columns, record, strict=True):
            if column == "period" and len(cell) == 7:
                row.append(dt.datetime(int(cell[:4]), int(cell[5:]), 1))
            elif column in ("value", "number", "crimes", "population") and cell:
                row.append(float(cell) if "." in cell else int(cell))
            else:
                row.append(cell or None)
        rows.append(row)
    return rows


def write_workbook(path: Path, sheets: dict[str, list[list[object]]]) -> None:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for i, row in enumerate(rows, start=1):
            for j, value in enumerate(row, start=1):
                if value is not None:
                    sheet.cell(row=i, column=j, value=value)
    book.save(path)


def make(folder: Path, changes: dict[str, Change]) -> Path:
    """A copy of the valid inputs with ``changes``: new text or bytes, an edit, a workbook, or ``None`` to delete."""
    target = folder / "raw"
    shutil.copytree(VALID, target)
    for name, change in changes.items():
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if change is None:
            path.unlink()
        elif isinstance(change, bytes):
            path.write_bytes(change)
        elif isinstance(change, str):
            path.write_text(change, encoding="utf-8")
        elif isinstance(change, dict):
            write_workbook(path, change)
        else:
            path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")
    return target


def case(name: str, changes: dict[str, Change], *expected: str):
    return pytest.param(changes, list(expected), id=name)


LONG_ID = "a" * 65

CASES = [
    # --- the register, measures.yml
    case(
        "register-missing",
        {"measures.yml": None},
        "measures.yml: the measure register is missing: every input folder needs one",
    ),
    case(
        "register-yaml-syntax",
        {"measures.yml": replace("title: Overall crime", "title: [Overall crime")},
        "measures.yml, line 27: this is not valid YAML: the list opened with '[' on line 26 is not closed with ']'",
    ),
    case(
        "register-unsafe-tag",
        {"measures.yml": append("    description: !!python/object/apply:os.system ['echo unsafe']\n")},
        "measures.yml, line 36: the tag '!!python/object/apply:os.system' is not allowed: the register holds only text, numbers, lists and mappings, so remove the tag",
    ),
    case(
        "register-python-object-tag",
        {"measures.yml": replace("partnership: Safer Example", "partnership: !!python/object:builtins.dict {}")},
        "measures.yml, line 2: the tag '!!python/object:builtins.dict' is not allowed: the register holds only text, numbers, lists and mappings, so remove the tag",
    ),
    case(
        "register-tab-indent",
        {"measures.yml": replace("    lead: ASB", "\tlead: ASB")},
        "measures.yml, line 11: this is not valid YAML: this line is indented with a tab, and YAML needs spaces",
    ),
    case(
        "register-bad-indentation",
        {"measures.yml": replace("    priority: Overall crime", "     priority: Overall crime")},
        "measures.yml, line 27: this is not valid YAML: this line has a ':' that cannot be placed: put text containing ': ' in quotes, and check the indentation",
    ),
    case(
        "register-unclosed-quote",
        {"measures.yml": replace("title: Overall crime", "title: 'Overall crime")},
        "measures.yml, line 26: this is not valid YAML: the quote opened on this line is not closed",
    ),
    case(
        "register-colon-in-title",
        {"measures.yml": replace("title: Overall crime", "title: Crime: all types")},
        "measures.yml, line 26: this is not valid YAML: this line has a ':' that cannot be placed: put text containing ': ' in quotes, and check the indentation",
    ),
    case(
        "register-empty",
        {"measures.yml": ""},
        "measures.yml: the file is empty: it needs 'partnership:' and 'measures:'",
    ),
    case(
        "register-not-mapping",
        {"measures.yml": "- asb-incidents\n- da-referrals\n"},
        "measures.yml, line 1: the register must be a mapping with 'partnership:' and 'measures:'",
    ),
    case(
        "partnership-missing",
        {"measures.yml": replace("partnership: Safer Example\n", "")},
        "measures.yml, field 'partnership': the partnership's name is missing: every register needs one",
    ),
    case(
        "no-measures",
        {"measures.yml": lambda t: t[: t.index("measures:")] + "measures: []\n"},
        "measures.yml, line 7, field 'measures': the register lists no measures: add at least one under 'measures:'",
    ),
    case(
        "measures-not-a-list",
        {"measures.yml": lambda t: t[: t.index("measures:")] + "measures:\n  asb-incidents: {title: ASB}\n"},
        "measures.yml, line 7, field 'measures': must be a list: start each measure with '- id: ...'",
    ),
    case(
        "problems-in-several-files",
        {
            "measures.yml": replace("polarity: higher", "polarity: up"),
            "actuals.csv": replace("2015-05,790", "2015-05,79O"),
            "action_plan.csv": replace(",green,", ",gren,"),
            "commentary/2015-16-Q1/asb.md": "Text.\n",
        },
        "action_plan.csv, row 2, column 'status': 'gren' is not a status: use achieved, green, amber or red",
        "actuals.csv, row 5, column 'value': '79O' is not a number",
        "commentary/2015-16-Q1/asb.md: 'asb' is not a measure in measures.yml, so this commentary would not be shown",
        "measures.yml, line 20, measure 'da-referrals', field 'polarity': 'up' is not a polarity: use higher, lower or monitor",
    ),
    case(
        "measure-not-a-mapping",
        {"measures.yml": append("  - all-crime\n")},
        "measures.yml, line 36, measure 5: this is not a set of fields: start each measure with '- id: ...'",
    ),
    case(
        "duplicate-id",
        {"measures.yml": replace("id: hate-incidents", "id: asb-incidents")},
        "measures.yml, line 31, measure 'asb-incidents', field 'id': another measure has this id (line 8): ids must be unique",
    ),
    case(
        "id-upper-case",
        {"measures.yml": replace("id: hate-incidents", "id: Hate-Incidents")},
        "measures.yml, line 31, measure 'Hate-Incidents', field 'id': 'Hate-Incidents' cannot be a measure id: it has capital letters; ids become file names, so use only lower-case letters, digits and single hyphens (for example 'hate-incidents')",
    ),
    case(
        "id-with-spaces",
        {"measures.yml": replace("id: hate-incidents", "id: hate incidents")},
        "measures.yml, line 31, measure 'hate incidents', field 'id': 'hate incidents' cannot be a measure id: it has spaces; ids become file names, so use only lower-case letters, digits and single hyphens (for example 'hate-incidents')",
    ),
    case(
        "id-with-slash",
        {"measures.yml": replace("id: hate-incidents", "id: hate/incidents")},
        "measures.yml, line 31, measure 'hate/incidents', field 'id': 'hate/incidents' cannot be a measure id: it has a slash; ids become file names, so use only lower-case letters, digits and single hyphens (for example 'hate-incidents')",
    ),
    case(
        "id-with-dots",
        {"measures.yml": replace("id: hate-incidents", "id: ../hate-incidents")},
        "measures.yml, line 31, measure '../hate-incidents', field 'id': '../hate-incidents' cannot be a measure id: it has a slash and a full stop; ids become file names, so use only lower-case letters, digits and single hyphens (for example 'hate-incidents')",
    ),
    case(
        "id-too-long",
        {"measures.yml": replace("id: hate-incidents", f"id: {LONG_ID}")},
        "measures.yml, line 31, measure 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', field 'id': 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' is too long for a measure id (65 characters; at most 64)",
    ),
    case(
        "id-reserved-by-windows",
        {"measures.yml": replace("id: hate-incidents", "id: con")},
        "measures.yml, line 31, measure 'con', field 'id': 'con' cannot be a measure id: Windows does not allow a file called con",
    ),
    case(
        "id-missing",
        {"measures.yml": replace("  - id: hate-incidents\n    title", "  - title")},
        "measures.yml, line 31, measure 4, field 'id': the id is missing: every measure needs one, like asb-incidents",
    ),
    case(
        "title-missing",
        {"measures.yml": replace("    title: Overall crime\n", "")},
        "measures.yml, line 25, measure 'all-crime', field 'title': the title is missing: every measure needs one",
    ),
    case(
        "priority-missing",
        {"measures.yml": replace("    priority: Overall crime\n", "")},
        "measures.yml, line 25, measure 'all-crime', field 'priority': the priority is missing: name the plan's priority or theme it serves",
    ),
    case(
        "polarity-not-a-polarity",
        {"measures.yml": replace("polarity: higher", "polarity: up")},
        "measures.yml, line 20, measure 'da-referrals', field 'polarity': 'up' is not a polarity: use higher, lower or monitor",
    ),
    case(
        "frequency-not-a-frequency",
        {"measures.yml": replace("frequency: quarterly", "frequency: weekly")},
        "measures.yml, line 21, measure 'da-referrals', field 'frequency': 'weekly' is not a frequency: use monthly or quarterly",
    ),
    case(
        "aggregation-not-an-aggregation",
        {"measures.yml": append("    aggregation: total\n")},
        "measures.yml, line 36, measure 'hate-incidents', field 'aggregation': 'total' is not an aggregation: use sum, cumulative, last or mean",
    ),
    case(
        "single-meeting-refused",
        {
            "measures.yml": replace(
                "status_method: forecast\n",
                "status_method: forecast\nreport:\n  board: The Board\n  meeting: 2015-07-23\n",
            )
        },
        "measures.yml, line 7, report, field 'meeting': one meeting date for every quarter is no longer read, since "
        "each quarter's paper goes to its own meeting: write the meetings per quarter under 'meetings:', like "
        "'meetings: {2015-16-Q1: 2015-07-23}' (the quarter a paper reports on, then the date of the meeting)",
    ),
    case(
        "meetings-problems",
        {
            "measures.yml": replace(
                "status_method: forecast\n",
                "status_method: forecast\nreport:\n  meetings:\n    2015-16-Q1: 2015-07-23\n    Q2 2015-16: 2015-10-22\n"
                "    2015-16-Q3: 2015-07-23\n    2015-16-Q4: 23/04/2016\n",
            )
        },
        "measures.yml, line 8, report, field 'meetings': 'Q2 2015-16' is not a quarter as the register writes them: "
        "write it as 2015-16-Q2",
        "measures.yml, line 9, report, field 'meetings': the meeting for 2015-16-Q3 is on 2015-07-23, before the "
        "quarter ends (2015-12-31): a quarter's paper goes to a meeting after it (is the date another quarter's?)",
        "measures.yml, line 10, report, field 'meetings': the meeting date for 2015-16-Q4, '23/04/2016', is not a "
        "date: write it like 2015-07-23",
    ),
    case(
        "meetings-not-a-mapping",
        {
            "measures.yml": replace(
                "status_method: forecast\n", "status_method: forecast\nreport:\n  meetings: 2015-07-23\n"
            )
        },
        "measures.yml, line 6, report, field 'meetings': must map each quarter to its meeting's date, like "
        "'meetings: {2015-16-Q1: 2015-07-23, 2015-16-Q2: 2015-10-22}'",
    ),
    case(
        "measure-status-not-a-status",
        {"measures.yml": append("    status: in development\n")},
        "measures.yml, line 36, measure 'hate-incidents', field 'status': 'in development' is not a measure status: "
        "use reported or in_development (did you mean 'in_development'?)",
    ),
    case(
        "expected-needs-in-development",
        {"measures.yml": append("    expected: 2015-16-Q3\n")},
        "measures.yml, line 36, measure 'hate-incidents', field 'expected': only a measure in development has an "
        "expected quarter: add 'status: in_development', or remove this line",
    ),
    case(
        "expected-not-a-quarter",
        {"measures.yml": append("    status: in_development\n    expected: next board\n")},
        "measures.yml, line 37, measure 'hate-incidents', field 'expected': 'next board' is not a quarter: write the "
        "first quarter it will report, like 2015-16-Q3",
    ),
    case(
        "in-development-still-needs-its-priority-and-a-valid-polarity",
        {
            "measures.yml": replace(
                "    priority: Hate crime\n    polarity: higher\n    frequency: quarterly\n",
                "    polarity: up\n    status: in_development\n",
            )
        },
        "measures.yml, line 31, measure 'hate-incidents', field 'priority': the priority is missing: name the plan's "
        "priority or theme it serves",
        "measures.yml, line 33, measure 'hate-incidents', field 'polarity': 'up' is not a polarity: use higher, "
        "lower or monitor",
    ),
    case(
        "figures-for-a-measure-in-development",
        {
            "measures.yml": replace(
                "    priority: Domestic abuse\n", "    priority: Domestic abuse\n    status: in_development\n"
            ),
            "commentary/2015-16-Q1/da-referrals.md": "Not yet.\n",
        },
        "actuals.csv, row 7, column 'measure_id': 'da-referrals' is a measure in development in measures.yml, which "
        "reports nothing yet: set its status to reported",
        "actuals.csv, row 8, column 'measure_id': 'da-referrals' is a measure in development in measures.yml, which "
        "reports nothing yet: set its status to reported",
        "commentary/2015-16-Q1/da-referrals.md: 'da-referrals' is a measure in development in measures.yml, which "
        "reports nothing yet: set its status to reported, so this commentary would not be shown",
    ),
    case(
        "priorities-lacking-a-measures-priority",
        {
            "measures.yml": replace(
                "measures:\n",
                "priorities:\n  - {name: Anti-social behaviour, lead: ASB Delivery Group}\n  - Domestic abuse\n"
                "  - name: Overall crime\n  - name: Hate crimes\nmeasures:\n",
            )
        },
        "measures.yml, line 38, measure 'hate-incidents', field 'priority': 'Hate crime' is not one of the plan's "
        "priorities under 'priorities:' (Anti-social behaviour, Domestic abuse, Overall crime, Hate crimes) (did you "
        "mean 'Hate crimes'?): name one of them, or add it there",
    ),
    case(
        "priorities-problems",
        {
            "measures.yml": replace(
                "measures:\n",
                "priorities:\n  - name: Anti-social behaviour\n    leader: ASB Delivery Group\n  - lead: Someone\n"
                "  - name: anti-social behaviour\n  - [Domestic abuse]\n  - name: Overall crime\n  - name: Hate crime\n"
                "  - name: Domestic abuse\nmeasures:\n",
            )
        },
        "measures.yml, line 9, priority 1, field 'leader': this is not a field of a priority: use name and lead "
        "(did you mean 'lead'?)",
        "measures.yml, line 10, priority 2, field 'name': the priority's name is missing",
        "measures.yml, line 11, priority 'anti-social behaviour', field 'name': this priority is listed twice (also "
        "priority 1)",
        "measures.yml, line 12, priority 4, field 'priorities': give the priority's name and lead, like {name: Hate "
        "crime, lead: Hate Crime Delivery Group}",
    ),
    case(
        "priorities-not-a-list",
        {"measures.yml": replace("measures:\n", "priorities: Anti-social behaviour\nmeasures:\n")},
        "measures.yml, line 7, field 'priorities': must list the plan's priorities in order, one per line, like "
        "'- {name: Hate crime, lead: Hate Crime Delivery Group}'",
    ),
    case(
        "profile-not-a-profile",
        {"measures.yml": append("    profile: lumpy\n")},
        "measures.yml, line 36, measure 'hate-incidents', field 'profile': 'lumpy' is not a profile: use even or seasonal",
    ),
    case(
        "status-method-not-a-method",
        {"measures.yml": append("    status_method: hunch\n")},
        "measures.yml, line 36, measure 'hate-incidents', field 'status_method': 'hunch' is not a status method: use forecast or ytd",
    ),
    case(
        "target-not-a-number",
        {"measures.yml": replace("2015-16: 2665", "2015-16: lots")},
        "measures.yml, line 22, measure 'da-referrals', field 'targets': the target for 2015-16 ('lots') is not a number",
    ),
    case(
        "target-empty",
        {"measures.yml": replace("2015-16: 2665", "2015-16:")},
        "measures.yml, line 22, measure 'da-referrals', field 'targets': the target for 2015-16 is empty: give a number, or leave the year out",
    ),
    case(
        "target-year-not-a-financial-year",
        {"measures.yml": replace("{2015-16: 10064}", "{2015: 10064, 2015-17: 9000}")},
        "measures.yml, line 15, measure 'asb-incidents', field 'targets': '2015' is not a financial year like 2015-16",
        "measures.yml, line 15, measure 'asb-incidents', field 'targets': '2015-17' is not a financial year like 2015-16",
    ),
    case(
        "target-thousands-in-braces",
        {"measures.yml": replace("{2015-16: 10064}", "{2015-16: 10,064}")},
        "measures.yml, line 15, measure 'asb-incidents', field 'targets': a year has no target: inside { }, commas separate the years, so write 10,064 as 10064",
    ),
    case(
        "tolerance-out-of-range",
        {"measures.yml": replace("amber_tolerance: 0.15", "amber_tolerance: 1.5")},
        "measures.yml, line 3, field 'amber_tolerance': '1.5' is not a tolerance: give a fraction of the target between 0 and 1 (0.15 means 15%)",
    ),
    case(
        "tolerance-as-percent",
        {"measures.yml": append("    amber_tolerance: 15%\n")},
        "measures.yml, line 36, measure 'hate-incidents', field 'amber_tolerance': '15%' is not a tolerance: give a fraction of the target between 0 and 1 (0.15 means 15%)",
    ),
    case(
        "unknown-field-typo",
        {"measures.yml": replace("polarity: monitor", "polarty: monitor")},
        "measures.yml, line 25, measure 'all-crime', field 'polarity': the polarity is missing: use higher, lower or monitor",
        "measures.yml, line 28, measure 'all-crime', field 'polarty': this is not a field of a measure (did you mean 'polarity'?)",
    ),
    case(
        "unknown-setting-typo",
        {"measures.yml": replace("amber_tolerance:", "amber_tolerence:")},
        "measures.yml, line 3, field 'amber_tolerence': this is not a setting of the register (did you mean 'amber_tolerance'?)",
    ),
    case(
        "field-given-twice",
        {"measures.yml": replace("    unit: incidents\n", "    targets: {2014-15: 11000}\n")},
        "measures.yml, line 15, measure 'asb-incidents', field 'targets': this is given twice (also line 14): YAML keeps only the last, so remove one",
    ),
    case(
        "status-label-not-a-status",
        {"measures.yml": replace("  red: Area", "  rd: Area")},
        "measures.yml, line 5, field 'status_labels': 'rd' is not a status code: use achieved, green, amber, red, monitor or no_data (did you mean 'red'?)",
    ),
    case(
        "title-is-a-list",
        {"measures.yml": replace("title: Overall crime", "title: [Overall, crime]")},
        "measures.yml, line 26, measure 'all-crime', field 'title': must be a single piece of text, not a list or a mapping",
    ),
    # --- actuals
    case(
        "actuals-missing",
        {"actuals.csv": None},
        "actuals.csv: the actuals table is missing: add actuals.csv, or a sheet 'actuals' to an .xlsx workbook",
    ),
    case("actuals-empty-file", {"actuals.csv": ""}, "actuals.csv: this is empty: the first row must name the columns"),
    case(
        "actuals-missing-column",
        {"actuals.csv": "measure_id,period\nasb-incidents,2015-04\n"},
        "actuals.csv, row 1: the header row has no column 'value'; it needs measure_id, period, value",
    ),
    case(
        "actuals-header-typo",
        {"actuals.csv": replace("measure_id,period,value", "measure_id,period,vaule")},
        "actuals.csv, row 1: the header row has no column 'value' (is 'vaule' a misspelling of it?)",
    ),
    case(
        "actuals-column-twice",
        {"actuals.csv": replace("measure_id,period,value", "measure_id,period,value,value")},
        "actuals.csv, row 1: 'value' heads two columns (columns C and D)",
    ),
    case(
        "value-not-a-number",
        {"actuals.csv": replace("2015-05,790", "2015-05,79O")},
        "actuals.csv, row 5, column 'value': '79O' is not a number",
    ),
    case(
        "value-empty",
        {"actuals.csv": replace("2015-05,790", "2015-05,")},
        "actuals.csv, row 5, column 'value': the value is empty: give a number, or leave the row out until the figure is known",
    ),
    case(
        "value-infinite-or-nan",
        {"actuals.csv": replace("2015-05,790", "2015-05,inf", "2015-06,805", "2015-06,NaN")},
        "actuals.csv, row 5, column 'value': 'inf' is not a number that can be reported: the value must be finite",
        "actuals.csv, row 6, column 'value': 'NaN' is not a number that can be reported: the value must be finite",
    ),
    case(
        "value-excel-error",
        {"actuals.csv": replace("2015-05,790", "2015-05,#DIV/0!")},
        "actuals.csv, row 5, column 'value': '#DIV/0!' is an Excel error, not a number: check the formula that produced it",
    ),
    case(
        "value-per-cent",
        {"actuals.csv": replace("2015-05,790", "2015-05,79%")},
        "actuals.csv, row 5, column 'value': '79%' has a per cent sign: write the number alone, like 79",
    ),
    case(
        "value-unquoted-thousands",
        {"actuals.csv": append("asb-incidents,2015-07,1,020\n")},
        "actuals.csv, row 12: this row has more cells than the header row: '1' and '020' look like 1,020 split at its comma; put the number in quotes (\"1,020\") or leave out the comma",
    ),
    case(
        "value-outside-the-columns",
        {"actuals.csv": append("asb-incidents,2015-07,800,,checked\n")},
        "actuals.csv, row 12: this row has values outside the columns named in the header row: 'checked' in column E",
    ),
    case(
        "note-in-a-column-without-a-heading",
        {"actuals.csv": append(",,,,checked by JS\n")},
        "actuals.csv, row 12: this row has values outside the columns named in the header row: 'checked by JS' in column E",
    ),
    case(
        "unknown-measure-id",
        {"actuals.csv": replace("asb-incidents,2015-05", "asb-incident,2015-05")},
        "actuals.csv, row 5, column 'measure_id': 'asb-incident' is not a measure in measures.yml (did you mean 'asb-incidents'?)",
    ),
    case(
        "measure-id-not-an-id",
        {"actuals.csv": replace("asb-incidents,2015-05", "ASB Incidents,2015-05")},
        "actuals.csv, row 5, column 'measure_id': 'ASB Incidents' cannot be a measure id: it has capital letters and spaces; ids become file names, so use only lower-case letters, digits and single hyphens (for example 'asb-incidents')",
    ),
    case(
        "quarter-for-a-monthly-measure",
        {"actuals.csv": replace("asb-incidents,2015-05", "asb-incidents,2015-16-Q1")},
        "actuals.csv, row 5, column 'period': '2015-16-Q1' is a quarter, but asb-incidents is a monthly measure: give a month like 2015-04",
    ),
    case(
        "month-for-a-quarterly-measure",
        {"actuals.csv": replace("da-referrals,2015-16-Q1", "da-referrals,2015-04")},
        "actuals.csv, row 8, column 'period': '2015-04' is a month, but da-referrals is a quarterly measure: give a quarter like 2015-16-Q1",
    ),
    case(
        "month-13",
        {"actuals.csv": replace("asb-incidents,2015-05", "asb-incidents,2015-13")},
        "actuals.csv, row 5, column 'period': '2015-13' is not a month: months run from 01 to 12, like 2015-04",
    ),
    case(
        "month-reformatted-by-excel",
        {"actuals.csv": replace("asb-incidents,2015-05", "asb-incidents,May-15")},
        "actuals.csv, row 5, column 'period': 'May-15' is not written as a month like 2015-04 (Excel may have changed it): write it as 2015-05",
    ),
    case(
        "period-is-a-date",
        {"actuals.csv": replace("asb-incidents,2015-05", "asb-incidents,2015-05-01")},
        "actuals.csv, row 5, column 'period': '2015-05-01' is a date: write the month alone, like 2015-05",
    ),
    case(
        "period-empty",
        {"actuals.csv": replace("asb-incidents,2015-05", "asb-incidents,")},
        "actuals.csv, row 5, column 'period': the period is empty: give a month like 2015-04 or a quarter like 2015-16-Q1",
    ),
    case(
        "quarter-spelt-another-way",
        {"actuals.csv": replace("da-referrals,2015-16-Q1", "da-referrals,Q1 2015-16")},
        "actuals.csv, row 8, column 'period': 'Q1 2015-16' is not written as a quarter like 2015-16-Q1: write it as 2015-16-Q1",
    ),
    case(
        "duplicate-period",
        {"actuals.csv": append("asb-incidents,2015-05,791\n")},
        "actuals.csv, row 12, column 'period': asb-incidents already has a value for 2015-05 (row 5): keep one of the two",
    ),
    case(
        "actuals-is-a-workbook",
        {"actuals.csv": b"PK\x03\x04 not really a csv"},
        "actuals.csv: this is an Excel workbook with a .csv name: save it from Excel as CSV, or name it .xlsx",
    ),
    case(
        "several-problems-in-one-file",
        {
            "actuals.csv": replace(
                "2015-04,820", "2015-04,", "2015-05,790", "2015-05,lots", "all-crime,2015-06", "all-crim,2015-06"
            )
        },
        "actuals.csv, row 4, column 'value': the value is empty: give a number, or leave the row out until the figure is known",
        "actuals.csv, row 5, column 'value': 'lots' is not a number",
        "actuals.csv, row 11, column 'measure_id': 'all-crim' is not a measure in measures.yml (did you mean 'all-crime'?)",
    ),
    # --- action plan
    case(
        "action-status-not-a-status",
        {"action_plan.csv": replace(",green,", ",Completed,")},
        "action_plan.csv, row 2, column 'status': 'Completed' is not a status: use achieved, green, amber or red (achieved, if it is done)",
    ),
    case(
        "action-status-empty",
        {"action_plan.csv": replace(",green,", ",,")},
        "action_plan.csv, row 2, column 'status': the status is empty: use achieved, green, amber or red",
    ),
    case(
        "action-amber-without-improvement",
        {"action_plan.csv": replace("Extra outreach sessions by September", "")},
        "action_plan.csv, row 3, column 'improvement': the status is amber, so the planned improvement (the action needed and its deadline) is required",
    ),
    case(
        "action-red-without-improvement-column",
        {"action_plan.csv": "quarter,task,status\n2015-16-Q1,Patrols,red\n"},
        "action_plan.csv, row 2, column 'improvement': the status is red, so the planned improvement (the action needed and its deadline) is required",
    ),
    case(
        "action-term-not-s-m-l",
        {"action_plan.csv": replace(",Police,S,", ",Police,Short,")},
        "action_plan.csv, row 2, column 'term': 'Short' is not a term: use S (within 3 months), M (3-6 months) or L (6-12 months or ongoing), or leave it empty",
    ),
    case(
        "action-unknown-measure",
        {"action_plan.csv": replace(",m,da-referrals", ",m,da-referral")},
        "action_plan.csv, row 3, column 'measure_id': 'da-referral' is not a measure in measures.yml (did you mean 'da-referrals'?)",
    ),
    case(
        "action-quarter-not-a-quarter",
        {"action_plan.csv": replace("2015-16-Q1,Fewer", "Q1 2015-16,Fewer")},
        "action_plan.csv, row 2, column 'quarter': 'Q1 2015-16' is not written as a quarter like 2015-16-Q1: write it as 2015-16-Q1",
    ),
    case(
        "action-task-empty",
        {"action_plan.csv": replace("Patrols in the city centre", "")},
        "action_plan.csv, row 2, column 'task': the task is empty: describe the task or intervention",
    ),
    case(
        "action-header-typo-optional-column",
        {"action_plan.csv": replace(",term,measure_id", ",term,measure_ld")},
        "action_plan.csv, row 1, column 'measure_ld': this is not a column of the table (did you mean 'measure_id'?)",
    ),
    # --- recommendations
    case(
        "recommendation-number-not-whole",
        {"recommendations.csv": replace("2015-16-Q1,2,", "2015-16-Q1,1.5,")},
        "recommendations.csv, row 3, column 'number': '1.5' is not a recommendation number: use a whole number, 1 or more",
    ),
    case(
        "recommendation-number-words",
        {"recommendations.csv": replace("2015-16-Q1,2,", "2015-16-Q1,two,")},
        "recommendations.csv, row 3, column 'number': 'two' is not a recommendation number: use a whole number, 1 or more",
    ),
    case(
        "recommendation-number-twice",
        {"recommendations.csv": replace("2015-16-Q1,2,", "2015-16-Q1,1,")},
        "recommendations.csv, row 3, column 'number': recommendation 1 of 2015-16-Q1 is given twice (also row 2)",
    ),
    case(
        "recommendation-status-not-a-status",
        {"recommendations.csv": replace("agreed,green", "agreed,on track")},
        "recommendations.csv, row 2, column 'status': 'on track' is not a status: use achieved, green, amber or red",
    ),
    # --- family group
    case(
        "family-population-zero",
        {"family_group.csv": replace("5200,240100", "5200,0")},
        "family_group.csv, row 3, column 'population': '0' is not a population: it must be a number above 0",
    ),
    case(
        "family-population-negative",
        {"family_group.csv": replace("5200,240100", "5200,-240100")},
        "family_group.csv, row 3, column 'population': '-240100' is not a population: it must be a number above 0",
    ),
    case(
        "family-crimes-not-whole",
        {"family_group.csv": replace("6100,301000", "6100.5,301000")},
        "family_group.csv, row 4, column 'crimes': '6100.5' is not a count of crimes: use a whole number, 0 or more",
    ),
    case(
        "family-duplicate-member",
        {"family_group.csv": append("2015-16-Q1,peer town,5300,240100\n")},
        "family_group.csv, row 5, column 'partnership': 'peer town' appears twice in the family group for 2015-16-Q1 (also row 3)",
    ),
    case(
        "family-without-the-partnership",
        {"family_group.csv": replace("Safer Example", "safer example")},
        "family_group.csv, column 'partnership': the family group for 2015-16-Q1 has no row for 'Safer Example', the partnership in measures.yml (row 2 has 'safer example': spell it exactly as measures.yml does)",
    ),
    # --- the leads' sign-off and reviews, written by ingest returns
    case(
        "signoff-unknown-measure",
        {"signoff.csv": "quarter,measure_id,signed_by,signed_on\n2015-16-Q1,asb-incident,Sam Taylor,2015-07-10\n"},
        "signoff.csv, row 2, column 'measure_id': 'asb-incident' is not a measure in measures.yml "
        "(did you mean 'asb-incidents'?)",
    ),
    case(
        "signoff-twice",
        {
            "signoff.csv": "quarter,measure_id,signed_by,signed_on\n2015-16-Q1,all-crime,Sam Taylor,2015-07-10\n"
            "2015-16-Q1,all-crime,Jo Jones,2015-07-11\n"
        },
        "signoff.csv, row 3, column 'measure_id': all-crime is signed off twice for 2015-16-Q1 (also row 2): keep one",
    ),
    case(
        "signoff-date-and-name",
        {"signoff.csv": "quarter,measure_id,signed_by,signed_on\n2015-16-Q1,all-crime,,10/07/2015\n"},
        "signoff.csv, row 2, column 'signed_by': the name is empty: give who signed the measure off",
        "signoff.csv, row 2, column 'signed_on': '10/07/2015' is not a date: write it like 2015-10-05",
    ),
    case(
        "reviews-unknown-table",
        {"reviews.csv": "quarter,table,item,lead,reviewed_on\n2015-16-Q1,actions,ASB1: Patrols,ASB,2015-07-10\n"},
        "reviews.csv, row 2, column 'table': 'actions' is not action_plan or recommendations",
    ),
    # --- commentary
    case(
        "commentary-folder-not-a-quarter",
        {"commentary/June 2015/asb-incidents.md": "Text.\n"},
        "commentary/June 2015/asb-incidents.md: 'June 2015' is not a quarter: name the folder like 2015-16-Q1",
    ),
    case(
        "commentary-unknown-measure",
        {"commentary/2015-16-Q1/asb-incident.md": "Text.\n"},
        "commentary/2015-16-Q1/asb-incident.md: 'asb-incident' is not a measure in measures.yml (did you mean 'asb-incidents'?), so this commentary would not be shown",
    ),
    case(
        "commentary-outside-a-quarter-folder",
        {"commentary/asb-incidents.md": "Text.\n"},
        "commentary/asb-incidents.md: commentary goes in a folder named after its quarter, like commentary/2015-16-Q1/asb-incidents.md",
    ),
    case(
        "commentary-not-markdown",
        {"commentary/2015-16-Q1/asb-incidents.docx": b"PK\x03\x04"},
        "commentary/2015-16-Q1/asb-incidents.docx: this file is not read: commentary must be a Markdown file commentary/<quarter>/<measure_id>.md",
    ),
    case(
        "commentary-twice-for-a-quarter",
        {"commentary/Q1 2015-16/asb-incidents.md": "Text.\n"},
        "commentary/Q1 2015-16/asb-incidents.md: this is a second commentary for asb-incidents in 2015-16-Q1 (also commentary/2015-16-Q1/asb-incidents.md)",
    ),
    # --- workbooks
    case(
        "old-xls-workbook",
        {"inputs.xls": b"\xd0\xcf\x11\xe0"},
        "inputs.xls: old-style .xls workbooks cannot be read: save it from Excel as an Excel Workbook (.xlsx)",
    ),
    case(
        "damaged-workbook",
        {"inputs.xlsx": b"PK\x03\x04 damaged"},
        "inputs.xlsx: this workbook cannot be opened (BadZipFile): save it again from Excel as .xlsx",
    ),
    case(
        "table-in-csv-and-workbook",
        {"inputs.xlsx": {"actuals": csv_rows("actuals")}},
        "actuals.csv: the actuals table is in actuals.csv and sheet 'actuals' of inputs.xlsx: keep only one, so it is clear which is used",
    ),
    case(
        "xlsx-value-not-a-number",
        {
            "actuals.csv": None,
            "inputs.xlsx": {
                "actuals": [*csv_rows("actuals")[:4], [None], ["asb-incidents", dt.datetime(2015, 5, 1), "79O"]]
            },
        },
        "inputs.xlsx, sheet 'actuals', row 6, column 'value': '79O' is not a number",
    ),
    case(
        "xlsx-date-for-a-quarterly-measure",
        {
            "actuals.csv": None,
            "inputs.xlsx": {"actuals": [*csv_rows("actuals"), ["da-referrals", dt.datetime(2015, 7, 1), 540]]},
        },
        "inputs.xlsx, sheet 'actuals', row 12, column 'period': '2015-07' is a month, but da-referrals is a quarterly measure: give a quarter like 2015-16-Q1",
    ),
    case(
        "xlsx-excel-error-and-missing-column",
        {"actuals.csv": None, "inputs.xlsx": {"Actuals": [["measure_id", "value"], ["asb-incidents", "#DIV/0!"]]}},
        "inputs.xlsx, sheet 'Actuals', row 1: the header row has no column 'period'; it needs measure_id, period, value",
        "inputs.xlsx, sheet 'Actuals', row 2, column 'value': '#DIV/0!' is an Excel error, not a number: check the formula that produced it",
    ),
    case(
        "xlsx-action-plan-problems",
        {
            "action_plan.csv": None,
            "inputs.xlsx": {
                "action_plan": [
                    *csv_rows("action_plan")[:2],
                    [
                        "2015-16-Q1",
                        None,
                        None,
                        None,
                        "Campaign",
                        None,
                        None,
                        "red",
                        None,
                        dt.datetime(2015, 9, 30),
                        None,
                        "X",
                        None,
                    ],
                ]
            },
        },
        "inputs.xlsx, sheet 'action_plan', row 3, column 'improvement': the status is red, so the planned improvement (the action needed and its deadline) is required",
        "inputs.xlsx, sheet 'action_plan', row 3, column 'term': 'X' is not a term: use S (within 3 months), M (3-6 months) or L (6-12 months or ongoing), or leave it empty",
    ),
    # --- files that are not what an input may be (see also tests/test_confinement.py)
    case(
        "register-too-many-aliases",
        {
            "measures.yml": replace(
                "partnership: Safer Example", "partnership: &p Safer Example\nx: [" + "*p, " * 101 + "]"
            )
        },
        "measures.yml, line 3: this uses more than 100 YAML aliases (*name): write the values out instead",
    ),
    case(
        "register-notebook-in-data-folder",
        {
            "measures.yml": replace(
                "    polarity: higher\n", "    polarity: higher\n    notebook: data/raw/evil.ipynb\n"
            )
        },
        "measures.yml, line 21, measure 'da-referrals', field 'notebook': 'data/raw/evil.ipynb' is not a notebook of "
        "the project's notebooks/ folder, like notebooks/asb.ipynb: a measure's own notebook is kept with the "
        "project, not with the data",
    ),
    case(
        "register-notebook-missing",
        {
            "measures.yml": replace(
                "    polarity: higher\n", "    polarity: higher\n    notebook: notebooks/gone.ipynb\n"
            )
        },
        "measures.yml, line 21, measure 'da-referrals', field 'notebook': 'notebooks/gone.ipynb' does not exist: "
        "add it to the project's notebooks/ folder, or remove this line",
    ),
    # --- SPC rebases (the register's spc_rebase, checked against actuals.csv) and events.csv
    case(
        "rebase-not-a-month",
        {"measures.yml": replace("    unit: incidents\n", "    unit: incidents\n    spc_rebase: [Apr-15]\n")},
        "measures.yml, line 15, measure 'asb-incidents', field 'spc_rebase': 'Apr-15' is not written as a month like "
        "2015-04 (Excel may have changed it): write it as 2015-04",
    ),
    case(
        "rebase-of-the-other-frequency",
        {"measures.yml": replace("    unit: incidents\n", "    unit: incidents\n    spc_rebase: [2015-16-Q1]\n")},
        "measures.yml, line 15, measure 'asb-incidents', field 'spc_rebase': '2015-16-Q1' is a quarter, but "
        "asb-incidents is a monthly measure: give a month like 2015-04",
    ),
    case(
        "rebase-not-a-period-of-the-series",
        {"measures.yml": replace("    unit: incidents\n", "    unit: incidents\n    spc_rebase: [2014-09]\n")},
        "measures.yml, line 15, measure 'asb-incidents', field 'spc_rebase': the rebase September 2014 has no value "
        "in the series: a rebase must be a period of the series after its first",
    ),
    case(
        "rebase-at-the-first-period",
        {"measures.yml": replace("    unit: incidents\n", "    unit: incidents\n    spc_rebase: [2014-04]\n")},
        "measures.yml, line 15, measure 'asb-incidents', field 'spc_rebase': the rebase April 2014 is the first "
        "period of the series: a rebase must be a later period of it",
    ),
    case(
        "rebase-leaves-one-point",
        {"measures.yml": replace("    unit: incidents\n", "    unit: incidents\n    spc_rebase: [2015-06]\n")},
        "measures.yml, line 15, measure 'asb-incidents', field 'spc_rebase': the rebase June 2015 leaves the segment "
        "from June 2015 with one point: every segment needs at least 2",
    ),
    case(
        "events-unknown-measure-and-bad-period",
        {"events.csv": "measure_id,period,text\nasb-incident,2015-05,Operation\nall-crime,May-15,New rule\n"},
        "events.csv, row 2, column 'measure_id': 'asb-incident' is not a measure in measures.yml (did you mean "
        "'asb-incidents'?)",
        "events.csv, row 3, column 'period': 'May-15' is not written as a month like 2015-04 (Excel may have "
        "changed it): write it as 2015-05",
    ),
    case(
        "events-other-frequency-empty-text-and-twice",
        {
            "events.csv": "measure_id,period,text\nda-referrals,2015-05,Campaign\nall-crime,2015-05,\n"
            "asb-incidents,2015-05,Operation\nasb-incidents,2015-05,Campaign\n"
        },
        "events.csv, row 2, column 'period': '2015-05' is a month, but da-referrals is a quarterly measure: give a "
        "quarter like 2015-16-Q1",
        "events.csv, row 3, column 'text': the text is empty: say what happened, like 'New crime recording rules "
        "from today'",
        "events.csv, row 5, column 'period': asb-incidents already has an event in 2015-05 (row 4): put both in one "
        "row's text",
    ),
    case(
        "events-header-misspelt",
        {"events.csv": "measure_id,period,txt\nall-crime,2015-05,New rule\n"},
        "events.csv, row 1: the header row has no column 'text' (is 'txt' a misspelling of it?)",
    ),
    case(
        "csv-too-many-columns",
        {"family_group.csv": ",".join(f"c{j}" for j in range(201)) + "\n"},
        "family_group.csv: the header row names 201 columns, more than the 200 an input table may have: "
        "check it is the right file",
    ),
    case(
        "commentary-too-large",
        {"commentary/2015-16-Q1/asb-incidents.md": b"x" * (1024 * 1024 + 1)},
        "commentary/2015-16-Q1/asb-incidents.md: this file is bigger than the 1 MB an input may be: "
        "check it is the right file, or split it",
    ),
    case(
        "commentary-external-image",
        {"commentary/2015-16-Q1/asb-incidents.md": "Up 5%.\n\n![chart](https://example.org/chart.png)\n"},
        "commentary/2015-16-Q1/asb-incidents.md, line 3: the image 'https://example.org/chart.png' would be loaded "
        "from the network whenever the page is opened, and the published report must work offline: leave the image "
        "out, or link to it instead, like [chart](address)",
    ),
]


@pytest.mark.parametrize(("changes", "expected"), CASES)
def test_broken_input(tmp_path, capsys, changes, expected):
    folder = make(tmp_path, changes)
    with pytest.raises(InputError) as caught:
        load_inputs(folder)
    assert [str(p) for p in caught.value.problems] == expected
    assert main(["validate", "--data", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    for line in expected:
        assert f"  - {line}\n" in err + "\n"


def test_unsafe_yaml_is_refused_not_run(tmp_path):
    marker = tmp_path / "ran"
    folder = make(
        tmp_path, {"measures.yml": append(f"    description: !!python/object/apply:os.system ['touch {marker}']\n")}
    )
    with pytest.raises(InputError):
        load_inputs(folder)
    assert not marker.exists()


def test_the_demo_inputs_are_valid(capsys):
    assert main(["validate", "--data", str(DEMO)]) == 0
    assert "the inputs are valid" in capsys.readouterr().out


def test_the_valid_fixture_is_valid_and_typed(capsys):
    assert main(["validate", "--data", str(VALID)]) == 0
    inputs = load_inputs(VALID)
    assert [m.id for m in inputs.register.measures] == ["asb-incidents", "da-referrals", "all-crime", "hate-incidents"]
    assert inputs.series("all-crime") == {"2015-04": 1600.0, "2015-05": 1580.5, "2015-06": 1619.0}
    assert list(inputs.action_plan["status"]) == ["green", "amber"]
    assert list(inputs.action_plan["term"]) == ["S", "M"]
    assert list(inputs.recommendations["number"]) == [1, 2]
    assert list(inputs.family_group["population"]) == [256400.0, 240100.0, 301000.0]
    assert inputs.commentary == {
        ("2015-16-Q1", "asb-incidents"): "Incidents fell in June after the city-centre patrols began.\n"
    }
    assert str(inputs.latest_quarter()) == "2015-16-Q1"


def typed_tables(folder: Path) -> dict[str, pd.DataFrame]:
    inputs = load_inputs(folder)
    return {name: getattr(inputs, name) for name in TABLES}


def test_a_workbook_gives_the_same_tables_as_csv(tmp_path):
    sheets = {name: csv_rows(name) for name in TABLES}
    deadline = sheets["action_plan"][0].index("deadline")
    for row in sheets["action_plan"][1:]:
        row[deadline] = dt.datetime(2015, 9, 30)  # a date cell outside a period column keeps its day
    folder = make(tmp_path, {**{f"{name}.csv": None for name in TABLES}, "inputs.xlsx": sheets})
    assert isinstance(sheets["actuals"][1][1], dt.datetime)
    from_workbook, from_csv = typed_tables(folder), typed_tables(VALID)
    for name in TABLES:
        pd.testing.assert_frame_equal(from_workbook[name], from_csv[name], obj=name)


def test_workbook_sheets_and_csv_files_can_be_mixed(tmp_path):
    folder = make(tmp_path, {"actuals.csv": None, "Inputs 2015-16.xlsx": {"Actuals": csv_rows("actuals")}})
    pd.testing.assert_frame_equal(typed_tables(folder)["actuals"], typed_tables(VALID)["actuals"])


VALID_ACTUALS = (VALID / "actuals.csv").read_text(encoding="utf-8")


def padded(text: str) -> str:
    return "\n".join(",".join(f" {cell}  " for cell in line.split(",")) for line in text.splitlines()) + "\n"


QUIRKS = {
    "utf-8-with-bom": b"\xef\xbb\xbf" + VALID_ACTUALS.encode(),
    "crlf-line-ends": VALID_ACTUALS.replace("\n", "\r\n").encode(),
    "header-case": VALID_ACTUALS.replace("measure_id,period,value", "Measure_ID,Period,VALUE").encode(),
    "header-with-spaces": VALID_ACTUALS.replace("measure_id,period,value", "Measure ID , Period,Value ").encode(),
    "trailing-blank-rows": (VALID_ACTUALS + ",,\n,,\n\n\n").encode(),
    "leading-blank-row": ("\n" + VALID_ACTUALS).encode(),
    "spaces-around-cells": padded(VALID_ACTUALS).encode(),
    "thousands-separator": VALID_ACTUALS.replace(",1020\n", ',"1,020"\n').encode(),
    "windows-1252": VALID_ACTUALS.encode("cp1252"),
    "utf-16-tab-separated": ("\ufeff" + VALID_ACTUALS.replace(",", "\t")).encode("utf-16-le"),
    "all-at-once": b"\xef\xbb\xbf"
    + padded(VALID_ACTUALS.replace("measure_id,period,value", "Measure_ID,Period,Value"))
    .replace(" 1020  ", '"1,020"  ')
    .replace("\n", "\r\n")
    .encode()
    + b",,\r\n\r\n",
}


@pytest.mark.parametrize("raw", QUIRKS.values(), ids=QUIRKS.keys())
def test_csv_as_analysts_save_it(tmp_path, raw):
    folder = make(tmp_path, {"actuals.csv": raw})
    pd.testing.assert_frame_equal(typed_tables(folder)["actuals"], typed_tables(VALID)["actuals"])


def test_windows_1252_text_from_excel(tmp_path):
    text = (
        (VALID / "action_plan.csv").read_text(encoding="utf-8").replace("Patrols in the", "Café patrols (£5000) in the")
    )
    folder = make(tmp_path, {"action_plan.csv": text.encode("cp1252")})
    assert load_inputs(folder).action_plan.loc[0, "task"] == "Café patrols (£5000) in the city centre"


def test_rows_are_counted_as_a_spreadsheet_shows_them(tmp_path):
    """A quoted cell over two lines is one spreadsheet row, and blank rows keep their numbers."""
    text = 'quarter,number,recommendation,progress,status\n\n2015-16-Q1,1,"Two\nlines",,\n2015-16-Q1,x,Three,,\n'
    folder = make(tmp_path, {"recommendations.csv": text})
    with pytest.raises(InputError) as caught:
        load_inputs(folder)
    assert [str(p) for p in caught.value.problems] == [
        "recommendations.csv, row 4, column 'number': 'x' is not a recommendation number: use a whole number, 1 or more"
    ]
