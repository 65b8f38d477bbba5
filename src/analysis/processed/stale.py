"""Text written before its figures changed: commentary, positions and partner notes that a revision or a late
return has left stale.

The analyst writes a measure's commentary, and leads their positions and notes, beside the figures of the day.
When a figure is revised afterwards (``ingest returns --revise``, ``revisions.csv``) or a late return arrives,
the text still quotes the old figures ("2,743" beside a computed 2,761). Each build therefore records, in
``text_basis.csv``, every text of each measure by its hash together with the figures it was shown beside: the
quarter's periods, the quarter's own figure and the year to date. The next build of the same quarter compares:
a text whose hash is unchanged keeps the figures it was first shown beside, and when one of those differs from
today's the text is stale, until it is edited (a new hash is recorded beside today's figures). ``build``,
``status`` and ``readiness`` name each stale text with the figure, its old and its new value; the measure's
page marks it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from analysis.core.formatting import missing, number
from analysis.core.periods import Quarter, period_name, reporting_window
from analysis.processed.contract import TEXT_BASIS

if TYPE_CHECKING:
    import pandas as pd

    from analysis.inputs.tables import Inputs

COMMENTARY = "commentary"
POSITION = "position: "  # a task's position: "position: <task>"
NOTE = "note: "  # a partner's note: "note: <period>"
QUARTER_FIGURE, YEAR_TO_DATE = "quarter", "year to date"  # the figures besides the periods'


def text_hash(text: str) -> str:
    """The first 16 hex digits of the text's SHA-256: any edit, however small, changes it.

    >>> text_hash("In quarter two there were 2,743 incidents.")
    'b75c47be94101175'
    """
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def measure_texts(inputs: Inputs, quarter: Quarter) -> dict[str, dict[str, str]]:
    """Each measure's texts of the quarter, by label: its commentary, each linked task's position, each note."""
    q = str(quarter)
    texts: dict[str, dict[str, str]] = {}
    for (cq, mid), text in inputs.commentary.items():
        if cq == q:
            texts.setdefault(mid, {})[COMMENTARY] = text
    plan = inputs.action_plan
    if not plan.empty:
        for row in plan[(plan["quarter"] == q) & (plan["measure_id"] != "")].itertuples():
            if row.position:
                texts.setdefault(row.measure_id, {})[f"{POSITION}{row.task or row.ref}"] = row.position
    notes = inputs.partner_notes
    if not notes.empty:
        for row in notes[notes["quarter"] == q].itertuples():
            texts.setdefault(row.measure_id, {})[f"{NOTE}{row.period}"] = row.note
    return texts


def measure_figures(inputs: Inputs, quarter: Quarter) -> dict[str, dict[str, float | None]]:
    """The figures each measure's texts are shown beside: the value of each period of the year to the end of the
    quarter (``None`` where there is none yet), the quarter's own figure and the year to date (by the method)."""
    from analysis.method.status import measure_status

    figures: dict[str, dict[str, float | None]] = {}
    for m in inputs.register.measures:
        series = inputs.series(m.id)
        shown: dict[str, float | None] = {p: series.get(p) for p in reporting_window(quarter, m.frequency)}  # type: ignore[arg-type]
        s = measure_status(m, series, quarter)
        shown[QUARTER_FIGURE], shown[YEAR_TO_DATE] = s.quarter_actual, s.ytd_actual
        figures[m.id] = shown
    return figures


def basis_now(inputs: Inputs, quarter: Quarter, published: Path) -> pd.DataFrame:
    """``text_basis.csv`` for today's inputs, against the quarter as last built (its folder ``published``)."""
    from analysis.processed.quarter import read_table
    from analysis.processed.schemas import ProcessedTableError

    previous = None
    if (published / TEXT_BASIS.name).is_file():
        try:
            previous = read_table(published, TEXT_BASIS)
        except ProcessedTableError:  # written by another version: every text starts again beside today's figures
            previous = None
    return text_basis(measure_texts(inputs, quarter), measure_figures(inputs, quarter), previous)


def text_basis(
    texts: Mapping[str, Mapping[str, str]],
    figures: Mapping[str, Mapping[str, float | None]],
    previous: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """``text_basis.csv``: each text by its hash, each figure it was shown beside (``shown``) and today's (``now``).

    ``previous`` is the table of the quarter's last build: a text of the same hash keeps the figures it was shown
    beside then; a new or edited text is shown beside today's.

    >>> first = text_basis({"asb": {"commentary": "2,743"}}, {"asb": {"2015-08": 902.0}})
    >>> later = text_basis({"asb": {"commentary": "2,743"}}, {"asb": {"2015-08": 920.0}}, first)
    >>> later[["figure", "shown", "now"]].values.tolist()
    [['2015-08', 902.0, 920.0]]
    >>> text_basis({"asb": {"commentary": "2,761"}}, {"asb": {"2015-08": 920.0}}, later)["shown"].tolist()
    [920.0]
    """
    before: dict[tuple[str, str, str], dict[str, float | None]] = {}
    if previous is not None and not previous.empty:
        for r in previous.itertuples():
            shown = None if missing(r.shown) else float(r.shown)
            before.setdefault((r.measure_id, r.text, r.text_hash), {})[r.figure] = shown
    rows = []
    for mid in sorted(texts):
        now = figures.get(mid, {})
        for label, text in sorted(texts[mid].items()):
            digest = text_hash(text)
            recorded = before.get((mid, label, digest))
            for figure, value in now.items():
                shown = recorded.get(figure, value) if recorded is not None else value
                rows.append({"measure_id": mid, "text": label, "text_hash": digest, "figure": figure,
                             "shown": shown, "now": value})  # fmt: skip
    return TEXT_BASIS.frame(rows)


@dataclass(frozen=True)
class Changed:
    """One figure a text was shown beside that has changed since."""

    figure: str
    shown: float | None
    now: float | None

    def __str__(self) -> str:
        """
        >>> str(Changed("2015-08", 902.0, 920.0)), str(Changed("2015-09", None, 891.0))
        ('August 2015 902 -> 920', 'September 2015 no value -> 891')
        """
        name = figure_name(self.figure)
        old = "no value" if self.shown is None else number(self.shown)
        new = "no value" if self.now is None else number(self.now)
        return f"{name} {old} -> {new}"


@dataclass(frozen=True)
class StaleText:
    """A text of a measure written before one or more of its figures changed."""

    measure_id: str
    text: str
    changes: tuple[Changed, ...]

    @property
    def what(self) -> str:
        """The text in words: "the commentary", "the position of 'Target hotspots'", "the note for August 2015"."""
        return text_name(self.text)

    def __str__(self) -> str:
        return f"{self.measure_id}: {self.what} was written beside figures since changed: " + "; ".join(
            map(str, self.changes)
        )


def figure_name(figure: str) -> str:
    """A figure of ``text_basis.csv`` in words.

    >>> figure_name("2015-08"), figure_name("quarter"), figure_name("year to date")
    ('August 2015', "the quarter's figure", 'the year to date')
    """
    if figure == QUARTER_FIGURE:
        return "the quarter's figure"
    if figure == YEAR_TO_DATE:
        return "the year to date"
    return period_name(figure)


def text_name(label: str) -> str:
    """A text's label in words.

    >>> text_name("commentary"), text_name("position: Target hotspots"), text_name("note: 2015-08")
    ('the commentary', "the position of 'Target hotspots'", 'the note for August 2015')
    """
    if label.startswith(POSITION):
        return f"the position of '{label.removeprefix(POSITION)}'"
    if label.startswith(NOTE):
        return f"the note for {period_name(label.removeprefix(NOTE))}"
    return f"the {label}"


def _same(a: object, b: object) -> bool:
    if missing(a) or missing(b):
        return missing(a) and missing(b)
    return float(a) == float(b)  # type: ignore[arg-type]


def stale_texts(frame: pd.DataFrame, measure_id: str | None = None) -> list[StaleText]:
    """The stale texts of ``text_basis.csv`` (of one measure, with ``measure_id``), in the table's order."""
    if frame.empty:
        return []
    rows = frame if measure_id is None else frame[frame["measure_id"] == measure_id]
    found: dict[tuple[str, str], list[Changed]] = {}
    for r in rows.itertuples():
        if not _same(r.shown, r.now):
            shown = None if missing(r.shown) else float(r.shown)
            now = None if missing(r.now) else float(r.now)
            found.setdefault((r.measure_id, r.text), []).append(Changed(r.figure, shown, now))
    return [StaleText(mid, text, tuple(changes)) for (mid, text), changes in found.items()]


def stale_in(files: Mapping[str, str]) -> list[StaleText]:
    """The stale texts of a quarter's processed files (``{file name: text}``, as the build computes them)."""
    from analysis.processed.schemas import check_text

    if TEXT_BASIS.name not in files:
        return []
    return stale_texts(check_text(TEXT_BASIS.name, files[TEXT_BASIS.name], "the text table"))


def stale_lines(stale: Iterable[StaleText]) -> list[str]:
    """What ``build``, ``status`` and ``readiness`` print: one line per stale text, and how to clear it."""
    lines = [str(s) for s in stale]
    if not lines:
        return []
    return [
        *lines,
        "(edit each text to agree with today's figures; the measure's page marks it until the text is changed)",
    ]
