"""Reading the measure register, ``measures.yml``: safely, validated, every problem in one pass.

The YAML is read with the safe loader (no Python objects), fields given twice are
reported rather than silently dropped, and the measures are checked as one
table against a pandera schema so that every problem is found in one pass. The
records it returns are :class:`analysis.core.register.Register` and ``Measure``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from analysis.core import paths
from analysis.core.cells import (
    choices,
    frequency_words,
    is_tolerance,
    parse_number,
    period_words,
    text_problem,
    tolerance_words,
)
from analysis.core.files import MAX_REGISTER_BYTES, MAX_YAML_ALIASES, MAX_YAML_NODES, FileRefused, read_confined
from analysis.core.periods import (
    PeriodError,
    Quarter,
    fy_label,
    is_period,
    parse_financial_year,
    parse_quarter,
    quarter_of_period,
)
from analysis.core.problems import Problem, raise_if_any, suggest
from analysis.core.register import PRIORITY_KEYS, REPORT_KEYS, Measure, Priority, Register, ReportInfo, Source
from analysis.core.vocabulary import (
    FAMILY_GROUP_METHODS,
    FREQUENCIES,
    IN_DEVELOPMENT,
    MEASURE_STATUSES,
    REPORTED,
    SOURCE_STATUSES,
    STATUS_CODES,
    STATUS_METHODS,
)
from analysis.inputs.schemas import MEASURE_SCHEMA, failures

_MEASURE_KEYS = {
    "id", "title", "priority", "lead", "partner", "threads", "polarity", "frequency",
    "aggregation", "unit", "targets", "profile", "status_method", "amber_tolerance",
    "notebook", "source", "spc_baseline", "spc_screen_outliers", "small_count_threshold",
    "description", "lag", "status", "expected", "spc_rebase", "gap",
}  # fmt: skip
_TOP_KEYS = {
    "partnership", "amber_tolerance", "status_method", "status_labels", "measures",
    "family_group_method", "population_source", "report", "sources", "priorities",
}  # fmt: skip


_ENUMS = ("polarity", "frequency", "aggregation", "profile", "status_method", "status")
_TEXTS = ("id", "title", "priority", "lead", "partner", "unit", "description", "notebook", "expected", *_ENUMS)
_NOT_NEEDED_IN_DEVELOPMENT = ("polarity", "frequency")  # may be left out until the measure reports


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    return str(value).strip()


def _yaml_problem(err: yaml.YAMLError, file: str) -> Problem:
    """A YAML reading error in an analyst's words, at the line to look at.

    >>> print(_yaml_problem(_error("title: 'unclosed\\nlead: x\\n"), "measures.yml"))
    measures.yml, line 1: this is not valid YAML: the quote opened on this line is not closed
    """
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    line = mark.line + 1 if mark else None
    reason = getattr(err, "problem", None) or str(err)
    context, start = getattr(err, "context", None) or "", getattr(err, "context_mark", None)
    opened = start.line + 1 if start is not None else None
    if isinstance(err, _TooLarge):
        return Problem(file, line, None, err.message)
    tag = re.search(r"constructor for the tag '([^']*)'", reason)
    char = re.search(r"found character '(.+)' that cannot start any token", reason)
    if tag:
        shown = tag[1].replace("tag:yaml.org,2002:", "!!")
        return Problem(
            file,
            line,
            None,
            f"the tag {shown!r} is not allowed: the register holds only text, numbers, lists and mappings, "
            "so remove the tag",
        )
    if char and char[1] == "\\t":
        why = "this line is indented with a tab, and YAML needs spaces"
    elif char:
        why = f"a value cannot start with {char[1]}: put it in quotes"
    elif "mapping values are not allowed here" in reason:
        why = "this line has a ':' that cannot be placed: put text containing ': ' in quotes, and check the indentation"
    elif "quoted scalar" in context:
        line, why = opened, "the quote opened on this line is not closed"
    elif "flow sequence" in context:
        why = f"the list opened with '[' on line {opened} is not closed with ']'"
    elif "flow mapping" in context:
        why = f"the mapping opened with '{{' on line {opened} is not closed with '}}'"
    elif "expected <block end>" in reason:
        why = "the indentation of this line does not match the lines above it"
    elif "undefined alias" in reason:
        why = "text starting with * must be in quotes"
    else:
        why = reason
    return Problem(file, line, None, f"this is not valid YAML: {why}")


class _BoundedLoader(yaml.SafeLoader):
    """The safe loader, refusing a register that repeats content through aliases beyond a small bound.

    An alias (``*name``) repeats what an anchor (``&name``) marked; nested, a
    few lines can stand for billions of values (a "billion laughs"). Here at
    most ``MAX_YAML_ALIASES`` aliases are allowed, and the document, with every
    alias expanded, may hold at most ``MAX_YAML_NODES`` values.
    """

    def __init__(self, stream: str):
        super().__init__(stream)
        self.aliases = 0

    def compose_node(self, parent, index):  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_YAML_ALIASES:
                mark = self.peek_event().start_mark
                raise _TooLarge(
                    f"this uses more than {MAX_YAML_ALIASES} YAML aliases (*name): write the values out instead",
                    mark,
                )
        return super().compose_node(parent, index)


class _TooLarge(yaml.YAMLError):
    def __init__(self, message: str, mark):
        super().__init__(message)
        self.message, self.problem_mark = message, mark


def _expanded_size(root: yaml.Node) -> int:
    """How many values the document holds with every alias expanded; stops counting past the bound."""
    sizes: dict[int, int] = {}
    open_: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in open_:
            raise _TooLarge("an alias (*name) refers to the value that contains it", node.start_mark)
        open_.add(key)
        total = 1
        if isinstance(node, yaml.SequenceNode):
            children: list = node.value
        elif isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        else:
            children = []
        for child in children:
            total += size(child)
            if total > MAX_YAML_NODES:
                break
        open_.discard(key)
        sizes[key] = total
        return total

    return size(root)


def _load(text: str) -> tuple[Any, yaml.Node | None]:
    """The register's data and its node tree, read once with the bounded safe loader."""
    loader = _BoundedLoader(text)
    try:
        root = loader.get_single_node()
        if root is not None and _expanded_size(root) > MAX_YAML_NODES:
            raise _TooLarge(
                f"with its aliases (*name) expanded this holds more than {MAX_YAML_NODES:,} values: "
                "write the values out instead",
                root.start_mark,
            )
        data = loader.construct_document(root) if root is not None else None
    finally:
        loader.dispose()
    return data, root


def _error(text: str) -> yaml.YAMLError:
    """The error PyYAML raises for ``text`` (for the examples above)."""
    try:
        yaml.safe_load(text)
    except yaml.YAMLError as err:
        return err
    raise ValueError("the text is valid YAML")


def _node_lines(root: yaml.Node | None, file: str) -> tuple[dict[str, int], list[dict[str, int]], list[Problem]]:
    """Line numbers of the top-level keys and of each measure's keys, and fields given twice.

    PyYAML keeps the last of two equal keys without a word, which would silently
    drop a measure's first target or a whole list of measures; here it is a problem.
    """
    top: dict[str, int] = {}
    entries: list[dict[str, int]] = []
    problems: list[Problem] = []

    def walk(node: yaml.Node, item: str | None) -> None:
        if isinstance(node, yaml.SequenceNode):
            for child in node.value:
                walk(child, item)
        if not isinstance(node, yaml.MappingNode):
            return
        ids = [v.value for k, v in node.value if k.value == "id" and isinstance(v, yaml.ScalarNode)]
        item = f"measure {ids[0]!r}" if ids else item
        seen: dict[str, int] = {}
        for key, value in node.value:
            line = key.start_mark.line + 1
            if isinstance(key, yaml.ScalarNode) and key.value in seen:
                twice = f"this is given twice (also line {seen[key.value]}): YAML keeps only the last, so remove one"
                problems.append(Problem(file, line, key.value, twice, item))
            seen.setdefault(key.value, line)
            walk(value, item)

    if isinstance(root, yaml.MappingNode):
        walk(root, None)
        for key, value in root.value:
            top.setdefault(key.value, key.start_mark.line + 1)
            if key.value == "measures" and isinstance(value, yaml.SequenceNode):
                for node in value.value:
                    lines = {"": node.start_mark.line + 1}
                    if isinstance(node, yaml.MappingNode):
                        for k, _ in node.value:
                            lines.setdefault(k.value, k.start_mark.line + 1)
                    entries.append(lines)
    return top, entries, problems


def _key_lines(root: yaml.Node | None) -> dict[tuple, int]:
    """The line of every key and list item, by its path from the top (``("report", "meetings", "2015-16-Q1")``,
    ``("priorities", 0, "lead")``), so that a problem inside a block names its own line."""
    lines: dict[tuple, int] = {}

    def walk(node: yaml.Node, path: tuple, depth: int) -> None:
        if depth > 4:  # the register nests no deeper; an alias cannot make this loop
            return
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                inner = (*path, key.value if isinstance(key, yaml.ScalarNode) else None)
                lines.setdefault(inner, key.start_mark.line + 1)
                walk(value, inner, depth + 1)
        elif isinstance(node, yaml.SequenceNode):
            for i, child in enumerate(node.value):
                lines.setdefault((*path, i), child.start_mark.line + 1)
                walk(child, (*path, i), depth + 1)

    if root is not None:
        walk(root, (), 0)
    return lines


def _text_problems(root: yaml.Node | None, file: str) -> list[Problem]:
    """Every text of the register that no workbook can hold (a control character, such as YAML's ``"\\a"``,
    or a text too long), at its line and field: titles and names go into the partners' workbooks."""
    problems: list[Problem] = []

    def walk(node: yaml.Node, field: str | None, item: str | None) -> None:
        if isinstance(node, yaml.ScalarNode):
            why = text_problem(str(node.value))
            if why:
                problems.append(Problem(file, node.start_mark.line + 1, field, why, item))
        elif isinstance(node, yaml.SequenceNode):
            for child in node.value:
                walk(child, field, item)
        elif isinstance(node, yaml.MappingNode):
            ids = [v.value for k, v in node.value if k.value == "id" and isinstance(v, yaml.ScalarNode)]
            item = f"measure {ids[0]!r}" if ids else item
            for key, value in node.value:
                walk(key, field, item)
                walk(value, str(key.value) if isinstance(key, yaml.ScalarNode) else field, item)

    if root is not None:
        walk(root, None, None)
    return problems


def parse_register(text: str, file: str = "measures.yml") -> Register:
    """Validate the register's text and return it; raise ``InputError`` with every problem.

    The YAML is read with the safe loader: tags such as ``!!python/object``
    are refused as problems, never constructed, and aliases are bounded.

    >>> reg = parse_register('''
    ... partnership: Safer Example
    ... measures:
    ...   - {id: asb, title: ASB, priority: ASB, polarity: lower, frequency: monthly,
    ...      targets: {2015-16: 100}}
    ... ''')
    >>> reg.measures[0].targets, reg.measures[0].aggregation
    ({2015: 100.0}, 'sum')
    >>> parse_register("partnership: [x\\nmeasures: []\\n")
    Traceback (most recent call last):
    analysis.core.problems.InputError: measures.yml, line 2: this is not valid YAML: the list opened with '[' on line 1 \
is not closed with ']'
    """
    register, problems = check_register(text, file)
    raise_if_any(problems)
    assert register is not None
    return register


# Over 80 lines on purpose: one pass over the register's settings, then its measures, collecting every problem with
# its line; each part reads what the one before found (the status method and tolerance, the lines of each entry).
def check_register(text: str, file: str = "measures.yml") -> tuple[Register | None, list[Problem]]:
    """The register as far as it can be read, and every problem with it.

    The register comes back even when some fields are wrong, so the other
    inputs can still be checked against the measures it does name; it is
    ``None`` only when the YAML cannot be read at all.
    """
    try:
        data, root = _load(text)
    except yaml.YAMLError as err:
        return None, [_yaml_problem(err, file)]
    if data is None:
        return None, [Problem(file, None, None, "the file is empty: it needs 'partnership:' and 'measures:'")]
    if not isinstance(data, dict):
        return None, [Problem(file, 1, None, "the register must be a mapping with 'partnership:' and 'measures:'")]
    top_lines, entry_lines, problems = _node_lines(root, file)
    key_lines = _key_lines(root)
    problems += _text_problems(root, file)

    def at(key: str, message: str) -> None:
        problems.append(Problem(file, top_lines.get(key), key, message))

    def within(path: tuple, column: str, message: str, item: str) -> None:
        """A problem inside a block (``report:``, ``priorities:``), at the line of the nearest key of ``path``."""
        line = next((key_lines[path[:i]] for i in range(len(path), 0, -1) if path[:i] in key_lines), None)
        problems.append(Problem(file, line, column, message, item))

    for key in sorted(set(data) - _TOP_KEYS, key=str):
        at(key, f"this is not a setting of the register{suggest(key, _TOP_KEYS)}")
    partnership = data.get("partnership")
    if isinstance(partnership, dict | list):
        at("partnership", "the partnership's name must be a single piece of text")
    elif not _text(partnership):
        at("partnership", "the partnership's name is missing: every register needs one")
    raw_tolerance = 0.15 if data.get("amber_tolerance") is None else data["amber_tolerance"]
    if not is_tolerance(_text(raw_tolerance)):
        at("amber_tolerance", tolerance_words(_text(raw_tolerance)))
    tolerance = parse_number(raw_tolerance)
    method = _text(data.get("status_method", "forecast")).lower()
    if method not in STATUS_METHODS:
        at("status_method", f"{method!r} is not a status method: use {choices(STATUS_METHODS)}")
    fg_method = _text(data.get("family_group_method", "msg_mean"))
    if fg_method not in FAMILY_GROUP_METHODS:
        at("family_group_method", f"{fg_method!r} is not a family group method: use {choices(FAMILY_GROUP_METHODS)}")
    labels = data.get("status_labels") or {}
    if not isinstance(labels, dict):
        at("status_labels", "must map status codes to the words the report uses, one per line like 'red: ...'")
        labels = {}
    for code in labels:
        if code not in STATUS_CODES:
            hint = suggest(code, STATUS_CODES)
            at("status_labels", f"{code!r} is not a status code: use {choices(STATUS_CODES)}{hint}")
    raw_measures = data.get("measures")
    if isinstance(raw_measures, dict):
        at("measures", "must be a list: start each measure with '- id: ...'")
        raw_measures = []
    elif not isinstance(raw_measures, list) or not raw_measures:
        at("measures", "the register lists no measures: add at least one under 'measures:'")
        raw_measures = []

    plan = _priorities(data.get("priorities"), at, within)
    plan_names = [p.name for p in plan]

    measures, rows, items, skip = [], [], [], set()
    seen: dict[str, int] = {}
    for i, entry in enumerate(raw_measures):
        lines = entry_lines[i] if i < len(entry_lines) else {"": None}
        if not isinstance(entry, dict):
            message = "this is not a set of fields: start each measure with '- id: ...'"
            problems.append(Problem(file, lines[""], None, message, f"measure {i + 1}"))
            continue
        mid = "" if isinstance(entry.get("id"), bool | dict | list) else _text(entry.get("id"))
        item = f"measure {mid!r}" if mid else f"measure {i + 1}"

        def bad(key: str, message: str, lines=lines, item=item) -> None:
            problems.append(Problem(file, lines.get(key, lines[""]), key, message, item))

        for key in sorted(set(entry) - _MEASURE_KEYS, key=str):
            bad(key, f"this is not a field of a measure{suggest(key, _MEASURE_KEYS)}")
        if mid and mid in seen:
            bad("id", f"another measure has this id (line {seen[mid]}): ids must be unique")
        seen.setdefault(mid, lines.get("id", lines[""]))
        row = {}
        for key in _TEXTS:
            value = entry.get(key)
            if isinstance(value, dict | list):
                bad(key, "must be a single piece of text, not a list or a mapping")
                skip.add((len(rows), key))
            elif isinstance(value, bool):
                bad(key, "YAML reads this word as true or false: put it in quotes, like 'no'")
                skip.add((len(rows), key))
            row[key] = _text(value).lower() if key in _ENUMS else _text(value)
        row["amber_tolerance"] = _text(entry.get("amber_tolerance"))
        row["lag"] = _text(entry.get("lag"))
        rows.append(row)
        items.append(item)
        if "priorities" in data and row["priority"] and plan_names and row["priority"] not in plan_names:
            bad(
                "priority",
                f"{row['priority']!r} is not one of the plan's priorities under 'priorities:' "
                f"({', '.join(plan_names)}){suggest(row['priority'], plan_names)}: name one of them, or add it there",
            )
        measures.append(_measure(entry, row, bad, method, tolerance))

    if rows:
        frame = pd.DataFrame(rows, index=pd.RangeIndex(len(rows)), dtype=str)
        for index, column, message in failures(MEASURE_SCHEMA, frame):
            if (index, column) in skip:
                continue
            developing = rows[index].get("status") == IN_DEVELOPMENT
            if developing and column in _NOT_NEEDED_IN_DEVELOPMENT and not rows[index][column]:
                continue  # not decided yet: a measure in development needs no polarity or frequency
            lines = entry_lines[index] if index < len(entry_lines) else {"": None}
            problems.append(Problem(file, lines.get(column, lines[""]), column, message, items[index]))
    if "priorities" not in data:  # the plan is the priorities the measures name, in the order they first name them
        plan = tuple(Priority(name) for name in dict.fromkeys(m.priority for m in measures if m.priority))
    register = Register(
        partnership=_text(partnership),
        measures=tuple(m for m in measures if m.status != IN_DEVELOPMENT),
        in_development=tuple(m for m in measures if m.status == IN_DEVELOPMENT),
        plan=plan,
        status_labels={k: _text(v) for k, v in labels.items()},
        amber_tolerance=tolerance if tolerance is not None else 0.15,
        status_method=method,
        family_group_method=fg_method,
        population_source=_text(data.get("population_source")),
        report=_report(data.get("report"), at, within),
        sources=_sources(data.get("sources"), at),
    )
    return register, problems


def _report(raw: Any, at, within) -> ReportInfo:
    """The paper's cover: who it goes to, each quarter's meeting, and who wrote it; ``at`` and ``within``
    record each problem."""
    if raw is None:
        return ReportInfo()
    if not isinstance(raw, dict):
        at(
            "report",
            "must be a mapping such as {board: Safer Example Board, author: Analyst, "
            "meetings: {2015-16-Q1: 2015-07-23}}",
        )
        return ReportInfo()
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "meeting":
            within(("report", key), "meeting", _single_meeting(value), "report")
        elif key not in REPORT_KEYS:
            at("report", f"{key!r} is not a field of report: use {choices(REPORT_KEYS)}{suggest(key, REPORT_KEYS)}")
        elif key == "meetings":
            values[key] = _meetings(value, within)
        elif isinstance(value, dict | list):
            at("report", f"{key} must be a single piece of text, not a list or a mapping")
        else:
            values[key] = _text(value)
    return ReportInfo(**values)


MEETINGS_EXAMPLE = "meetings: {2015-16-Q1: 2015-07-23, 2015-16-Q2: 2015-10-22}"


def _single_meeting(value: Any) -> str:
    """Why ``meeting:`` (one date for every quarter) is refused, and how to write ``meetings:`` instead.

    >>> print(_single_meeting("2015-07-23"))
    one meeting date for every quarter is no longer read, since each quarter's paper goes to its own meeting: write the meetings per quarter under 'meetings:', like 'meetings: {2015-16-Q1: 2015-07-23}' (the quarter a paper reports on, then the date of the meeting)
    """
    day = _date(value)
    example = MEETINGS_EXAMPLE
    if day is not None:  # the quarter that ended before the meeting is the one its paper reported on
        example = f"meetings: {{{quarter_of_period(day[:7]).previous}: {day}}}"
    return (
        "one meeting date for every quarter is no longer read, since each quarter's paper goes to its own "
        f"meeting: write the meetings per quarter under 'meetings:', like {example!r} (the quarter a paper "
        "reports on, then the date of the meeting)"
    )


def _meetings(raw: Any, within) -> dict[str, str]:
    """``report: meetings:``, each quarter's meeting date, the quarter written 2015-16-Q1."""
    where = ("report", "meetings")
    if not isinstance(raw, dict):
        within(where, "meetings", f"must map each quarter to its meeting's date, like {MEETINGS_EXAMPLE!r}", "report")
        return {}
    out: dict[str, str] = {}
    for key, value in raw.items():
        text, path = _text(key), (*where, _text(key))
        try:
            quarter: Quarter | None = parse_quarter(text)
        except PeriodError:
            quarter = None
        if quarter is None or str(quarter) != text:
            fix = f"write it as {quarter}" if quarter is not None else "write it like 2015-16-Q1"
            within(path, "meetings", f"{text!r} is not a quarter as the register writes them: {fix}", "report")
            continue
        day = _date(value)
        if day is None:
            message = f"the meeting date for {text}, {_text(value)!r}, is not a date: write it like 2015-07-23"
            within(path, "meetings", message, "report")
            continue
        end = _quarter_end(quarter)
        if dt.date.fromisoformat(day) <= end:
            message = (
                f"the meeting for {text} is on {day}, before the quarter ends ({end.isoformat()}): a quarter's "
                "paper goes to a meeting after it (is the date another quarter's?)"
            )
            within(path, "meetings", message, "report")
            continue
        out[text] = day
    return out


def _quarter_end(quarter: Quarter) -> dt.date:
    """The last day of a quarter.

    >>> _quarter_end(Quarter(2015, 1)), _quarter_end(Quarter(2015, 3)), _quarter_end(Quarter(2015, 4))
    (datetime.date(2015, 6, 30), datetime.date(2015, 12, 31), datetime.date(2016, 3, 31))
    """
    year, month = map(int, quarter.last_month.split("-"))
    return dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)


def _priorities(raw: Any, at, within) -> tuple[Priority, ...]:
    """``priorities:``, every priority of the plan in its order, each with its named lead (optional)."""
    if raw is None:
        return ()
    if not isinstance(raw, list) or not raw:
        at(
            "priorities",
            "must list the plan's priorities in order, one per line, like '- {name: Hate crime, lead: "
            "Hate Crime Delivery Group}'",
        )
        return ()
    plan: list[Priority] = []
    seen: dict[str, int] = {}
    for i, entry in enumerate(raw):
        item = f"priority {i + 1}"
        if isinstance(entry, str):
            entry = {"name": entry}
        if not isinstance(entry, dict):
            within(
                ("priorities", i),
                "priorities",
                "give the priority's name and lead, like {name: Hate crime, lead: Hate Crime Delivery Group}",
                item,
            )
            continue
        for key in sorted(set(entry) - set(PRIORITY_KEYS), key=str):
            within(
                ("priorities", i, key),
                str(key),
                f"this is not a field of a priority: use name and lead{suggest(key, PRIORITY_KEYS)}",
                item,
            )
        name = "" if isinstance(entry.get("name"), dict | list) else _text(entry.get("name"))
        lead = entry.get("lead")
        if isinstance(lead, dict | list):
            within(("priorities", i, "lead"), "lead", "must be a single piece of text: the priority's named lead", item)
            lead = ""
        if not name:
            within(("priorities", i, "name"), "name", "the priority's name is missing", item)
            continue
        item = f"priority {name!r}"
        if name.casefold() in seen:
            within(
                ("priorities", i, "name"),
                "name",
                f"this priority is listed twice (also priority {seen[name.casefold()]})",
                item,
            )
            continue
        seen[name.casefold()] = i + 1
        plan.append(Priority(name, _text(lead)))
    return tuple(plan)


def _date(value: Any) -> str | None:
    """An ISO date from YAML's date or a text like 2015-07-23; ``None`` when it is not one.

    >>> _date("2015-07-23"), _date("23/07/2015")
    ('2015-07-23', None)
    """
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return (
            dt.date.fromisoformat(_text(value)).isoformat()
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", _text(value))
            else None
        )
    except ValueError:
        return None


def _sources(raw: Any, at) -> dict[str, Source]:
    """Each input file's source and status (official, provisional or illustrative)."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        at("sources", "must map input files to their source, like actuals.csv: {source: ..., status: official}")
        return {}
    out: dict[str, Source] = {}
    for name, value in raw.items():
        file = _text(name)
        if not file or "/" in file or "\\" in file or file.startswith("."):
            at("sources", f"{file!r} is not the name of an input file, like actuals.csv")
            continue
        if not isinstance(value, dict):
            at(
                "sources",
                f"{file}: give its source and status, like {{source: Police recorded crime, status: official}}",
            )
            continue
        for key in sorted(set(value) - {"source", "status"}, key=str):
            at(
                "sources",
                f"{file}: {key!r} is not a field of a source: use source and status{suggest(key, ['source', 'status'])}",
            )
        text = "" if isinstance(value.get("source"), dict | list) else _text(value.get("source"))
        status = _text(value.get("status")).lower()
        if not text:
            at("sources", f"{file}: the source is missing: say where the file's figures come from")
        if status not in SOURCE_STATUSES:
            shown = f"{status!r} is not a status" if status else "the status is missing"
            at("sources", f"{file}: {shown}: use {choices(SOURCE_STATUSES)}{suggest(status, SOURCE_STATUSES)}")
            continue
        out[file] = Source(text, status)
    return out


def _measure(entry: dict, row: dict[str, str], bad, method: str, tolerance: float | None) -> Measure:
    """One measure with the register's defaults filled in; ``bad`` records each problem."""
    threads = entry.get("threads") or []
    if isinstance(threads, str):
        threads = [threads]
    if not isinstance(threads, list) or any(isinstance(t, dict | list) for t in threads):
        bad("threads", "must be a list of golden threads, like [reoffending, safeguarding]")
        threads = []
    notebook = row["notebook"]
    why = notebook_problem(notebook) if notebook else ""
    if why:
        bad("notebook", why)
    baseline = entry.get("spc_baseline")
    if baseline is not None and (not isinstance(baseline, int) or isinstance(baseline, bool) or baseline < 12):
        bad("spc_baseline", f"{_text(baseline)!r} is not a number of periods: use a whole number, 12 or more")
        baseline = None
    threshold = parse_number(entry.get("small_count_threshold", 10))
    if threshold is None or threshold < 0:
        bad("small_count_threshold", "must be a number of events, 0 or more")
        threshold = 10
    screen = entry.get("spc_screen_outliers", True)
    if not isinstance(screen, bool):
        bad("spc_screen_outliers", "must be true or false")
        screen = True
    own_tolerance = parse_number(entry["amber_tolerance"]) if "amber_tolerance" in entry else tolerance
    source = _source(entry.get("source"), bad)
    gap = _gap(entry, row, source, bad)
    status, expected = _development(row, bad)
    return Measure(
        id=row["id"],
        title=row["title"],
        priority=row["priority"],
        polarity=row["polarity"],
        frequency=row["frequency"],
        aggregation=row["aggregation"] or ("cumulative" if gap else "sum"),
        lead=row["lead"],
        partner=row["partner"],
        threads=tuple(_text(t) for t in threads),
        unit=row["unit"],
        targets=_targets(entry.get("targets"), bad),
        profile=row["profile"] or "even",
        status_method=row["status_method"] or method,
        amber_tolerance=own_tolerance if own_tolerance is not None else 0.15,
        notebook=notebook,
        source=source,
        spc_baseline=baseline,
        spc_screen_outliers=screen,
        spc_rebase=_rebases(entry.get("spc_rebase"), row["id"], row["frequency"], bad),
        small_count_threshold=threshold,
        description=row["description"],
        lag=_lag(row["lag"]),
        status=status,
        expected=expected,
        gap_areas=gap,
    )


def _gap(entry: dict, row: dict[str, str], source: dict, bad) -> int:
    """How many small areas a gap measure compares (``gap: {areas: 10}``), 0 for any other measure.

    A gap is computed from police.uk counts, so it needs a police.uk source; it is the year's running figure
    (aggregation ``cumulative``), and closing it is the aim (polarity lower, or monitor).
    """
    raw = entry.get("gap")
    if raw is None:
        return 0
    areas = raw.get("areas") if isinstance(raw, dict) else None
    unknown = sorted(set(raw) - {"areas"}, key=str) if isinstance(raw, dict) else []
    if unknown:
        bad("gap", f"{unknown[0]!r} is not a field of gap: use areas, like gap: {{areas: 10}}")
    if isinstance(areas, bool) or not isinstance(areas, int) or areas < 1:
        bad("gap", "must give the number of small areas compared, a whole number 1 or more, like gap: {areas: 10}")
        return 0
    if not source.get("police_uk"):
        bad(
            "gap",
            "a gap measure is computed from police.uk counts: give it a source, like source: {police_uk: [all-crime]}",
        )
    if row["aggregation"] not in ("", "cumulative"):
        bad("aggregation", "a gap measure is the year's running figure: use aggregation cumulative, or leave it out")
    if row["polarity"] == "higher":
        bad("polarity", "a gap measure aims to close the gap: use polarity lower (or monitor)")
    return areas


def _development(row: dict[str, str], bad) -> tuple[str, str]:
    """The measure's ``status`` (reported or in development) and the quarter it is ``expected`` to report."""
    status = row["status"] or REPORTED
    if status not in MEASURE_STATUSES:
        hint = suggest(status, MEASURE_STATUSES) or suggest(status.replace(" ", "_"), MEASURE_STATUSES)
        bad("status", f"{status!r} is not a measure status: use {choices(MEASURE_STATUSES)}{hint}")
        status = REPORTED
    expected = row["expected"]
    if not expected:
        return status, ""
    if status != IN_DEVELOPMENT:
        bad(
            "expected",
            "only a measure in development has an expected quarter: add 'status: in_development', or remove this line",
        )
        return status, ""
    try:
        quarter = parse_quarter(expected)
    except PeriodError:
        bad("expected", f"{expected!r} is not a quarter: write the first quarter it will report, like 2015-16-Q3")
        return status, ""
    if str(quarter) != expected:
        bad("expected", f"{expected!r}: write the quarter as {quarter}")
        return status, ""
    return status, expected


def _rebases(raw: Any, measure_id: str, frequency: str, bad) -> tuple[str, ...]:
    """The periods where the measure's process changed (``spc_rebase``), in time order; ``bad`` records problems.

    Each must be written as a period of the measure's frequency; whether it is a
    period of the series is checked against ``actuals.csv`` (:mod:`analysis.inputs.events`).
    """
    if raw is None:
        return ()
    out: list[str] = []
    for item in raw if isinstance(raw, list) else [raw]:
        text = _text(item)
        if isinstance(item, dict | list | bool) or not text:
            example = "2015-16-Q1" if frequency == "quarterly" else "2015-04"
            bad("spc_rebase", f"must list the periods where the process changed, like [{example}]")
        elif frequency in FREQUENCIES and not is_period(text, frequency):
            bad("spc_rebase", frequency_words(text, measure_id, frequency) or period_words(text))
        elif text in out:
            bad("spc_rebase", f"{text} is given twice")
        else:
            out.append(text)
    return tuple(sorted(out))


def _lag(text: str) -> int:
    """The lag as a whole number; 0 when absent or not one (the schema reports the latter).

    >>> _lag(""), _lag("1"), _lag("2.0"), _lag("one"), _lag("-1")
    (0, 1, 2, 0, 0)
    """
    number = parse_number(text) if text else None
    if number is None or number < 0 or number != int(number):
        return 0
    return int(number)


def notebook_problem(notebook: str) -> str:
    """Why a measure's ``notebook:`` cannot be run, or ``""``.

    A measure's own notebook must be a notebook of the project's ``notebooks/``
    folder, never a file of a data folder (which may come from elsewhere: its
    code would run), and it must exist and name the kernel it runs on.
    """
    where = f"{notebook!r} is not a notebook of the project's notebooks/ folder, like notebooks/asb.ipynb"
    relative = Path(notebook)
    if not notebook.endswith(".ipynb") or relative.is_absolute() or ".." in relative.parts:
        return where
    folder = paths.NOTEBOOKS.resolve()
    path = (paths.PROJECT_ROOT / relative).resolve()
    if not path.is_relative_to(folder):
        return f"{where}: a measure's own notebook is kept with the project, not with the data"
    if not path.is_file():
        return f"{notebook!r} does not exist: add it to the project's notebooks/ folder, or remove this line"
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as err:
        return f"{notebook!r} cannot be read as a Jupyter notebook ({type(err).__name__}): save it again from Jupyter"
    kernel = nb.get("metadata", {}).get("kernelspec") if isinstance(nb, dict) else None
    if not isinstance(kernel, dict) or not kernel.get("name"):
        return f"{notebook!r} names no kernel (metadata.kernelspec): open it in Jupyter, choose a kernel and save it"
    return ""


def _targets(raw: Any, bad) -> dict[int, float]:
    """Annual targets by the year a financial year starts in."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        bad("targets", "must map financial years to annual targets, like {2015-16: 10064}")
        return {}
    targets: dict[int, float] = {}
    for year, value in raw.items():
        try:
            fy = parse_financial_year(str(year))
        except PeriodError:
            if value is None and not isinstance(year, str):
                bad("targets", "a year has no target: inside { }, commas separate the years, so write 10,064 as 10064")
            else:
                bad("targets", f"{str(year)!r} is not a financial year like 2015-16")
            continue
        if fy in targets:
            bad("targets", f"the target for {fy_label(fy)} is given twice")
            continue
        number = parse_number(value)
        if value is None or value == "":
            bad("targets", f"the target for {year} is empty: give a number, or leave the year out")
        elif number is None:
            bad("targets", f"the target for {year} ({_text(value)!r}) is not a number")
        else:
            targets[fy] = number
    return targets


def _source(raw: Any, bad) -> dict[str, tuple[str, ...]]:
    """Where ``csp-report ingest`` gets the series: police.uk crime types."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        bad("source", "must be a mapping such as {police_uk: [Burglary]}")
        return {}
    out: dict[str, tuple[str, ...]] = {}
    for key, value in raw.items():
        if key != "police_uk":
            bad("source", f"{key!r} is not a known source: use police_uk{suggest(key, ['police_uk'])}")
            continue
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not items:
            bad("source", "police_uk must list crime types, or all-crime")
            continue
        out[key] = tuple(_text(v) for v in items)
    return out


def read_register(path: Path) -> Register:
    """Read and validate ``measures.yml``; raise ``InputError`` with every problem."""
    register, problems = check_register_file(path)
    raise_if_any(problems)
    assert register is not None
    return register


def check_register_file(path: Path, root: Path | None = None) -> tuple[Register | None, list[Problem]]:
    """:func:`check_register` for a file (UTF-8, or Windows-1252 as some editors save it).

    The file must be a regular file inside ``root`` (default: its own folder).
    """
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        return None, [Problem(path.name, None, None, "the measure register is missing: every input folder needs one")]
    try:
        text = _register_text(path, root)
    except FileRefused as err:
        return None, [Problem(path.name, None, None, str(err))]
    return check_register(text, path.name)


def _register_text(path: Path, root: Path | None) -> str:
    raw = read_confined(path, path.parent if root is None else root, MAX_REGISTER_BYTES)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def field_lines(path: Path) -> dict[str, dict[str, int]]:
    """The line of each field of each measure in the register file, by measure id (``""``: the entry's first line).

    For problems found once the other inputs are read, such as a rebase checked
    against ``actuals.csv``; empty when the file cannot be read.
    """
    try:
        _, root = _load(_register_text(Path(path), None))
    except (FileRefused, OSError, yaml.YAMLError):
        return {}
    lines: dict[str, dict[str, int]] = {}
    measures = (
        next((v for k, v in root.value if k.value == "measures"), None) if isinstance(root, yaml.MappingNode) else None
    )
    for node in measures.value if isinstance(measures, yaml.SequenceNode) else ():
        if isinstance(node, yaml.MappingNode):
            fields = {k.value: k.start_mark.line + 1 for k, _ in reversed(node.value)}
            ids = [v.value for k, v in node.value if k.value == "id" and isinstance(v, yaml.ScalarNode)]
            if ids:
                lines.setdefault(_text(ids[0]), {"": node.start_mark.line + 1, **fields})
    return lines
