"""The measure register's records: a partnership's measures, as the method and the notebooks use them.

The register is the partnership's own statement of what it measures, who leads
it and what it is aiming for. Reading and checking ``measures.yml`` is
:mod:`analysis.inputs.register`; this module holds only the records, which
notebooks read back from ``register.json`` without loading YAML or pandera.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from analysis.core.vocabulary import REPORTED, STATUS_LABELS

REPORT_KEYS = ("board", "meetings", "author", "contact", "version")
PRIORITY_KEYS = ("name", "lead")


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
    spc_rebase: tuple[str, ...] = ()  # periods where the process changed: each starts a new SPC segment
    small_count_threshold: float = 10
    description: str = ""
    lag: int = 0  # how many periods behind the measure's data normally are ("one month behind" = 1)
    status: str = REPORTED  # reported | in_development (MEASURE_STATUSES): whether the measure reports yet
    expected: str = ""  # in development: the first quarter it will report, written 2015-16-Q3, or ""
    gap_areas: int = 0  # a gap measure (``gap: {areas: 10}``): how many highest-rate small areas; 0 for any other

    @property
    def is_gap(self) -> bool:
        """Whether the measure is a gap between its highest-rate small areas and the partnership (contract 3)."""
        return self.gap_areas > 0

    def target(self, fy: int) -> float | None:
        """The annual target for a financial year, or ``None`` when there is none."""
        return self.targets.get(fy)


@dataclass(frozen=True)
class ReportInfo:
    """The committee paper's cover, from the register's optional ``report:`` block."""

    board: str = ""
    meetings: dict[str, str] = field(default_factory=dict)  # quarter (2015-16-Q1) -> meeting date (2015-07-23)
    author: str = ""
    contact: str = ""
    version: str = ""

    def meeting(self, quarter: object) -> str:
        """The date (``2015-07-23``) of the meeting a quarter's paper goes to; ``""`` when it is to be confirmed.

        >>> ReportInfo(meetings={"2015-16-Q1": "2015-07-23"}).meeting("2015-16-Q1"), ReportInfo().meeting("2015-16-Q2")
        ('2015-07-23', '')
        """
        return self.meetings.get(str(quarter), "")


@dataclass(frozen=True)
class Priority:
    """One priority of the partnership's plan, with its named lead (seed 004), whether or not it has a measure."""

    name: str
    lead: str = ""


@dataclass(frozen=True)
class Source:
    """Where one input file comes from, and how far its figures can be relied on."""

    source: str
    status: str  # official | provisional | illustrative


@dataclass(frozen=True)
class Register:
    """The partnership and its measures, in register order.

    ``measures`` are the measures that report (``status: reported``, the
    default): every figure, table and page is of these. Measures still in
    development are kept apart in ``in_development`` (no figures are computed
    for them) so that pages can list them. ``plan`` is every priority of the
    plan in its order: the register's ``priorities:``, or else the priorities
    its measures name, in the order they first name them.
    """

    partnership: str
    measures: tuple[Measure, ...]
    status_labels: dict[str, str]
    amber_tolerance: float = 0.15
    status_method: str = "forecast"
    family_group_method: str = "msg_mean"
    population_source: str = ""
    report: ReportInfo = field(default_factory=ReportInfo)
    sources: dict[str, Source] = field(default_factory=dict)
    in_development: tuple[Measure, ...] = ()
    plan: tuple[Priority, ...] = ()

    def measure(self, measure_id: str) -> Measure:
        """The measure with this id; ``KeyError`` naming the known ids otherwise."""
        for m in self.measures:
            if m.id == measure_id:
                return m
        known = ", ".join(m.id for m in self.measures)
        raise KeyError(f"no measure {measure_id!r} in the register (known: {known})")

    @property
    def priorities(self) -> list[str]:
        """The priorities that have a reported measure, in the plan's order (else the order the register
        first names them)."""
        named = {m.priority for m in self.measures}
        order = [p.name for p in self.plan] + [m.priority for m in self.measures]
        return [p for p in dict.fromkeys(order) if p in named]

    def lead_of(self, priority: str) -> str:
        """The named lead of a priority of the plan, or ``""``."""
        return next((p.lead for p in self.plan if p.name == priority), "")

    def label(self, status: str) -> str:
        """The partnership's wording for a status code."""
        return self.status_labels.get(status, STATUS_LABELS[status])

    def to_json(self) -> str:
        """A stable JSON form, written beside the processed tables for the notebooks."""
        data = asdict(self)
        for m in data["measures"] + data["in_development"]:
            m["targets"] = {str(k): v for k, v in sorted(m["targets"].items())}
        return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Register:
        """Read back :meth:`to_json`."""
        data = json.loads(text)
        measures = {key: tuple(_measure(m) for m in data.pop(key, [])) for key in ("measures", "in_development")}
        report = data.get("report", {})
        report.pop("meeting", None)  # written by an older csp-report: one date for every quarter, no longer read
        data["report"] = ReportInfo(**report)
        data["sources"] = {k: Source(**v) for k, v in data.get("sources", {}).items()}
        data["plan"] = tuple(Priority(**p) for p in data.get("plan", []))
        return cls(**measures, **data)


def _measure(m: dict) -> Measure:
    """One measure of :meth:`Register.to_json` read back."""
    m["targets"] = {int(k): v for k, v in m["targets"].items()}
    m["threads"] = tuple(m["threads"])
    m["source"] = {k: tuple(v) for k, v in m["source"].items()}
    m["spc_rebase"] = tuple(m.get("spc_rebase", ()))
    return Measure(**m)
