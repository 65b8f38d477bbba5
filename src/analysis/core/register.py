"""The measure register's records: a partnership's measures, as the method and the notebooks use them.

The register is the partnership's own statement of what it measures, who leads
it and what it is aiming for. Reading and checking ``measures.yml`` is
:mod:`analysis.inputs.register`; this module holds only the records, which
notebooks read back from ``register.json`` without loading YAML or pandera.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from analysis.core.vocabulary import STATUS_LABELS

REPORT_KEYS = ("board", "meeting", "author", "contact", "version")


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
    lag: int = 0  # how many periods behind the measure's data normally are ("one month behind" = 1)

    def target(self, fy: int) -> float | None:
        """The annual target for a financial year, or ``None`` when there is none."""
        return self.targets.get(fy)


@dataclass(frozen=True)
class ReportInfo:
    """The committee paper's cover, from the register's optional ``report:`` block."""

    board: str = ""
    meeting: str = ""  # the date of the meeting, written 2015-07-23
    author: str = ""
    contact: str = ""
    version: str = ""


@dataclass(frozen=True)
class Source:
    """Where one input file comes from, and how far its figures can be relied on."""

    source: str
    status: str  # official | provisional | illustrative


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
    report: ReportInfo = field(default_factory=ReportInfo)
    sources: dict[str, Source] = field(default_factory=dict)

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
        return self.status_labels.get(status, STATUS_LABELS[status])

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
        data["report"] = ReportInfo(**data.get("report", {}))
        data["sources"] = {k: Source(**v) for k, v in data.get("sources", {}).items()}
        return cls(measures=tuple(measures), **data)
