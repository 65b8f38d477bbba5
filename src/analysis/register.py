"""The measure register, ``measures.yml``: read safely, validated, and turned into records.

The register is the partnership's own statement of what it measures, who leads
it and what it is aiming for; every other input is checked against it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pandera.pandas as pa
import yaml

from .periods import PeriodError, parse_financial_year
from .problems import Problem, raise_if_any
from .schemas import ID_PATTERN, parse_number

STATUS_CODES = ("achieved", "green", "amber", "red", "monitor", "no_data")

DEFAULT_LABELS: dict[str, str] = {
    "achieved": "Target achieved",
    "green": "On track to meet the target",
    "amber": "Some concern: may not meet the target",
    "red": "Significant concern: not on track",
    "monitor": "Monitoring only",
    "no_data": "No data for this period",
}

FAMILY_GROUP_METHODS = ("msg_mean", "poisson", "iquanta")

_MEASURE_KEYS = {
    "id", "title", "priority", "lead", "partner", "threads", "polarity", "frequency",
    "aggregation", "unit", "targets", "profile", "status_method", "amber_tolerance",
    "notebook", "source", "spc_baseline", "spc_screen_outliers", "small_count_threshold",
    "description",
}  # fmt: skip
_TOP_KEYS = {
    "partnership", "amber_tolerance", "status_method", "status_labels", "measures",
    "family_group_method", "population_source",
}  # fmt: skip


@dataclass(frozen=True)
class Measure:
    """One performance measure of the register, with every default filled in."""

    id: str
    title: str
    priority: str
    polarity: str
    frequency: str
    aggregation: str = "sum"
    lead: str = ""
    partner: str = ""
    threads: tuple[str, ...] = ()
    unit: str = ""
    targets: dict[int, float] = field(default_factory=dict)
    profile: str = "even"
    status_method: str = "forecast"
    amber_tolerance: float = 0.15
    notebook: str = ""
    source: dict[str, tuple[str, ...]] = field(default_factory=dict)
    spc_baseline: int | None = None
    spc_screen_outliers: bool = True
    small_count_threshold: float = 10
    description: str = ""

    def target(self, fy: int) -> float | None:
        """The annual target for a financial year, or ``None`` when there is none."""
        return self.targets.get(fy)

    @property
    def unit_word(self) -> str:
        """The unit for prose; ``""`` when the register gives none."""
        return self.unit


@dataclass(frozen=True)
class Register:
    """The partnership and its measures, in register order."""

    partnership: str
    measures: tuple[Measure, ...]
    status_labels: dict[str, str]
    amber_tolerance: float = 0.15
    status_method: str = "forecast"
    family_group_method: str = "msg_mean"
    population_source: str = ""

    def measure(self, measure_id: str) -> Measure:
        """The measure with this id; ``KeyError`` naming the known ids otherwise."""
        for m in self.measures:
            if m.id == measure_id:
                return m
        known = ", ".join(m.id for m in self.measures)
        raise KeyError(f"no measure {measure_id!r} in the register (known: {known})")

    @property
    def priorities(self) -> list[str]:
        """Priorities in the order the register first names them."""
        return list(dict.fromkeys(m.priority for m in self.measures))

    def label(self, status: str) -> str:
        """The partnership's wording for a status code."""
        return self.status_labels.get(status, DEFAULT_LABELS[status])

    def to_json(self) -> str:
        """A stable JSON form, written beside the processed tables for the notebooks."""
        data = asdict(self)
        for m in data["measures"]:
            m["targets"] = {str(k): v for k, v in sorted(m["targets"].items())}
        return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Register:
        """Read back :meth:`to_json`."""
        data = json.loads(text)
        measures = []
        for m in data.pop("measures"):
            m["targets"] = {int(k): v for k, v in m["targets"].items()}
            m["threads"] = tuple(m["threads"])
            m["source"] = {k: tuple(v) for k, v in m["source"].items()}
            measures.append(Measure(**m))
        return cls(measures=tuple(measures), **data)


def _one_of(*allowed: str) -> pa.Check:
    return pa.Check(lambda v: v == "" or v in allowed, element_wise=True, error=f"is not one of {', '.join(allowed)}")


def _required() -> pa.Check:
    return pa.Check(lambda v: v != "", element_wise=True, error="is missing; it is required")


def _tolerance() -> pa.Check:
    def ok(v: str) -> bool:
        n = parse_number(v)
        return v == "" or (n is not None and 0 <= n <= 1)

    return pa.Check(ok, element_wise=True, error="is not a tolerance between 0 and 1 (0.15 means 15%)")


_TEXT = dict(dtype=str, nullable=False)
MEASURE_SCHEMA = pa.DataFrameSchema(
    {
        "id": pa.Column(
            checks=[
                _required(),
                pa.Check(
                    lambda v: v == "" or bool(ID_PATTERN.match(v)),
                    element_wise=True,
                    error="is not a valid id: use lower-case letters, digits and single hyphens",
                ),
            ],
            **_TEXT,
        ),
        "title": pa.Column(checks=[_required()], **_TEXT),
        "priority": pa.Column(checks=[_required()], **_TEXT),
        "polarity": pa.Column(checks=[_required(), _one_of("higher", "lower", "monitor")], **_TEXT),
        "frequency": pa.Column(checks=[_required(), _one_of("monthly", "quarterly")], **_TEXT),
        "aggregation": pa.Column(checks=[_one_of("sum", "last", "mean")], **_TEXT),
        "profile": pa.Column(checks=[_one_of("even", "seasonal")], **_TEXT),
        "status_method": pa.Column(checks=[_one_of("forecast", "ytd")], **_TEXT),
        "amber_tolerance": pa.Column(checks=[_tolerance()], **_TEXT),
    },
    name="measures",
)


def _lines(text: str) -> tuple[dict[str, int], list[dict[str, int]]]:
    """Line numbers of the top-level keys and of each measure's keys, for messages."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}, []
    top: dict[str, int] = {}
    entries: list[dict[str, int]] = []
    if not isinstance(root, yaml.MappingNode):
        return top, entries
    for key, value in root.value:
        top[key.value] = key.start_mark.line + 1
        if key.value == "measures" and isinstance(value, yaml.SequenceNode):
            for item in value.value:
                lines = {"": item.start_mark.line + 1}
                if isinstance(item, yaml.MappingNode):
                    lines.update({k.value: k.start_mark.line + 1 for k, _ in item.value})
                entries.append(lines)
    return top, entries


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    return str(value).strip()


def parse_register(text: str, file: str = "measures.yml") -> Register:
    """Validate the register's text and return it; raise ``InputError`` with every problem.

    >>> reg = parse_register('''
    ... partnership: Safer Example
    ... measures:
    ...   - {id: asb, title: ASB, priority: ASB, polarity: lower, frequency: monthly,
    ...      targets: {2015-16: 100}}
    ... ''')
    >>> reg.measures[0].targets, reg.measures[0].aggregation
    ({2015: 100.0}, 'sum')
    """
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 1 if mark else None
        reason = getattr(err, "problem", None) or str(err)
        raise_if_any([Problem(file, line, None, f"this is not valid YAML: {reason}")])
    top_lines, entry_lines = _lines(text)
    if not isinstance(data, dict):
        raise_if_any([Problem(file, None, None, "the register must be a mapping with 'partnership' and 'measures'")])

    problems: list[Problem] = []

    def at(key: str, message: str) -> None:
        problems.append(Problem(file, top_lines.get(key), key, message))

    for key in sorted(set(data) - _TOP_KEYS):
        at(key, f"unknown setting {key!r}; known settings are {', '.join(sorted(_TOP_KEYS))}")
    partnership = _text(data.get("partnership"))
    if not partnership:
        at("partnership", "the partnership's name is missing; it is required")
    tolerance = parse_number(data.get("amber_tolerance", 0.15))
    if tolerance is None or not 0 <= tolerance <= 1:
        at("amber_tolerance", "is not a tolerance between 0 and 1 (0.15 means 15%)")
    method = _text(data.get("status_method", "forecast"))
    if method not in ("forecast", "ytd"):
        at("status_method", f"{method!r} is not one of forecast, ytd")
    fg_method = _text(data.get("family_group_method", "msg_mean"))
    if fg_method not in FAMILY_GROUP_METHODS:
        at("family_group_method", f"{fg_method!r} is not one of {', '.join(FAMILY_GROUP_METHODS)}")
    labels = data.get("status_labels") or {}
    if not isinstance(labels, dict):
        at("status_labels", "must map status codes to the words the report uses")
        labels = {}
    for code in labels:
        if code not in STATUS_CODES:
            at("status_labels", f"{code!r} is not a status code; use {', '.join(STATUS_CODES)}")
    raw_measures = data.get("measures")
    if not isinstance(raw_measures, list) or not raw_measures:
        at("measures", "the register lists no measures")
        raw_measures = []

    measures: list[Measure] = []
    rows: list[dict[str, str]] = []
    seen: dict[str, int] = {}
    for i, entry in enumerate(raw_measures):
        lines = entry_lines[i] if i < len(entry_lines) else {"": None}
        if not isinstance(entry, dict):
            problems.append(Problem(file, lines.get(""), None, f"measure {i + 1} is not a mapping of fields"))
            continue
        mid = _text(entry.get("id"))
        name = f"measure {mid!r}" if mid else f"measure {i + 1}"

        def bad(key: str, message: str, lines=lines, name=name) -> None:
            problems.append(Problem(file, lines.get(key, lines.get("")), key, f"{name}: {message}"))

        for key in sorted(set(entry) - _MEASURE_KEYS):
            bad(key, f"unknown field {key!r}")
        if mid and mid in seen:
            bad("id", f"the id is used twice (also measure {seen[mid]})")
        seen.setdefault(mid, i + 1)
        row = {
            k: _text(entry.get(k))
            for k in ("id", "title", "priority", "polarity", "frequency", "aggregation", "profile")
        }
        row["status_method"] = _text(entry.get("status_method"))
        row["amber_tolerance"] = _text(entry.get("amber_tolerance"))
        rows.append(row)
        targets = _targets(entry.get("targets"), bad)
        threads = entry.get("threads") or []
        if isinstance(threads, str):
            threads = [threads]
        if not isinstance(threads, list):
            bad("threads", "must be a list of golden threads")
            threads = []
        source = _source(entry.get("source"), bad)
        notebook = _text(entry.get("notebook"))
        if notebook and (not notebook.endswith(".ipynb") or ".." in Path(notebook).parts):
            bad("notebook", f"{notebook!r} is not a notebook path inside the project (…/name.ipynb)")
        baseline = entry.get("spc_baseline")
        if baseline is not None and (not isinstance(baseline, int) or isinstance(baseline, bool) or baseline < 12):
            bad("spc_baseline", "must be a whole number of periods, 12 or more")
            baseline = None
        threshold = parse_number(entry.get("small_count_threshold", 10))
        if threshold is None or threshold < 0:
            bad("small_count_threshold", "must be a number of events, 0 or more")
            threshold = 10
        screen = entry.get("spc_screen_outliers", True)
        if not isinstance(screen, bool):
            bad("spc_screen_outliers", "must be true or false")
            screen = True
        own_tol = parse_number(entry["amber_tolerance"]) if "amber_tolerance" in entry else tolerance
        measures.append(
            Measure(
                id=mid,
                title=row["title"],
                priority=row["priority"],
                polarity=row["polarity"],
                frequency=row["frequency"],
                aggregation=row["aggregation"] or "sum",
                lead=_text(entry.get("lead")),
                partner=_text(entry.get("partner")),
                threads=tuple(_text(t) for t in threads),
                unit=_text(entry.get("unit")),
                targets=targets,
                profile=row["profile"] or "even",
                status_method=row["status_method"] or method,
                amber_tolerance=own_tol if own_tol is not None else 0.15,
                notebook=notebook,
                source=source,
                spc_baseline=baseline,
                spc_screen_outliers=screen,
                small_count_threshold=threshold,
                description=_text(entry.get("description")),
            )
        )

    if rows:
        frame = pd.DataFrame(rows, index=pd.RangeIndex(len(rows)))
        problems.extend(_schema_problems(frame, file, entry_lines, raw_measures))
    raise_if_any(problems)
    return Register(
        partnership=partnership,
        measures=tuple(measures),
        status_labels={k: _text(v) for k, v in labels.items()},
        amber_tolerance=tolerance if tolerance is not None else 0.15,
        status_method=method,
        family_group_method=fg_method,
        population_source=_text(data.get("population_source")),
    )


def _schema_problems(frame: pd.DataFrame, file: str, entry_lines: list, raw: list) -> list[Problem]:
    try:
        MEASURE_SCHEMA.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as err:
        problems = []
        for case in err.failure_cases.itertuples(index=False):
            i = int(case.index)
            lines = entry_lines[i] if i < len(entry_lines) else {}
            entry = raw[i] if isinstance(raw[i], dict) else {}
            mid = _text(entry.get("id"))
            name = f"measure {mid!r}" if mid else f"measure {i + 1}"
            shown = repr(case.failure_case) if case.failure_case != "" else "the field"
            line = lines.get(case.column, lines.get(""))
            problems.append(Problem(file, line, case.column, f"{name}: {shown} {case.check}"))
        return problems
    return []


def _targets(raw: Any, bad) -> dict[int, float]:
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
            bad("targets", f"{year!r} is not a financial year like 2015-16")
            continue
        number = parse_number(value)
        if number is None:
            bad("targets", f"the target for {year} ({value!r}) is not a number")
            continue
        targets[fy] = number
    return targets


def _source(raw: Any, bad) -> dict[str, tuple[str, ...]]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        bad("source", "must be a mapping such as {police_uk: [Burglary]}")
        return {}
    out: dict[str, tuple[str, ...]] = {}
    for key, value in raw.items():
        if key != "police_uk":
            bad("source", f"{key!r} is not a known source (police_uk)")
            continue
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not items:
            bad("source", "police_uk must list crime types, or all-crime")
            continue
        out[key] = tuple(_text(v) for v in items)
    return out


def read_register(path: Path) -> Register:
    """Read and validate ``measures.yml``."""
    if not path.exists():
        raise_if_any([Problem(path.name, None, None, "the measure register is missing; it is required")])
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    return parse_register(text, path.name)
