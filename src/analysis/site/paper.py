"""The committee paper: ``_site/<quarter>/committee-paper.pdf``, the quarter's report laid out for the board.

The paper has no content of its own beyond its cover and executive summary: it
takes the HTML sections of the quarter's executed notebooks in
``reports/<quarter>/`` (:mod:`analysis.site.notebook_sections`: each section
known by its ``data-section`` mark, cells for the notebook's reader left out,
as on the site) and lays them out for A4 with a print stylesheet
(``templates/paper/``):

1. a cover: partnership, board, the quarter's own meeting (or "to be confirmed"), author, quarter, version (the
   register's ``report:`` block) and the status of each input (``sources:``);
2. an executive summary: how many measures have each status, in words; each
   exception in one line; what changed since last quarter; returns still due;
3. the dashboard's table of every measure (its ``measures`` section), on
   landscape pages;
4. a page for each exception item (by the rule of ``exceptions.csv``; a long one runs
   onto a second): the verdict and key figures, the evidence in words (change on
   last year, projection, SPC), the chart the traffic light is judged by
   (cumulative actual against the profiled target), the commentary and the
   actions. The period table and the period and SPC charts stay on the measure's
   page of the site. A notebook whose sections carry none of these names (a
   measure's own notebook) is printed whole;
5. a compact block for every other measure: its headline and figures.

The tables come from the notebooks' own reader
(:func:`analysis.processed.quarter.load_quarter`). Charts stay vector, printed
as images of their SVG (:mod:`analysis.site.print_charts`). Fonts are DejaVu
(chart text in the system's face for the charts' Helvetica and Arial),
embedded by WeasyPrint; nothing is fetched from the network, and no file is
read but the project's own assets (:func:`analysis.site.fetch.local_fetcher`).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nbformat

from analysis.core.formatting import date_in_words, number
from analysis.core.paths import TEMPLATES
from analysis.core.periods import PeriodError, parse_quarter, period_name
from analysis.core.vocabulary import SOURCE_STATUS_WORDS, STATUS_CODES, STATUS_COUNTED, STATUS_WORDS
from analysis.errors import SiteError
from analysis.processed.atomic import FILE_MODE
from analysis.site.catalogue import PAPER_NAME
from analysis.site.fetch import local_fetcher
from analysis.site.notebook_sections import Section, local_links, notebook_sections
from analysis.site.print_charts import drop_charts, print_charts

if TYPE_CHECKING:
    import pandas as pd

    from analysis.processed.quarter import QuarterData

PAPER_TEMPLATES = TEMPLATES / "paper"
DASHBOARD_SECTIONS = ("measures", "icon_summary")  # the dashboard's table of every measure, and their icons
COMPACT_SECTIONS = ("headline", "figures")
# An exception item's page (seed 003 gives each exception a few lines; the brief is a page each): the sections of the
# measure notebook it prints, in this order (the key figures beside the evidence, then the chart), and the one chart
# among them (the SPC section keeps its words and leaves its chart).
EXCEPTION_SECTIONS = ("headline", "figures", "change", "projection", "spc", "cumulative_chart", "narrative", "actions")
EXCEPTION_CHARTS = ("cumulative",)
# What the paper takes from the neighbourhoods notebook (a quarter with neighbourhoods/): the map and the gap areas.
NEIGHBOURHOOD_SECTIONS = ("area_map", "gap_areas")

_NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


class PaperError(SiteError):
    """The paper cannot be written; the message says why and what to do."""


@dataclass
class MeasurePart:
    id: str
    title: str
    priority: str
    status: str
    label: str
    sections: list[Section] = field(default_factory=list)
    reasons: str = ""  # why it is an exception item (exceptions.csv); "" when it is not one

    @property
    def anchor(self) -> str:
        return f"measure-{self.id}"

    @property
    def exception(self) -> bool:
        """An exception item by the stated rule (exceptions.csv)."""
        return bool(self.reasons)

    @property
    def abridged(self) -> bool:
        """Whether the exception item's page leaves sections out (the measure notebook's sections carry the names)."""
        return any(s.name in EXCEPTION_SECTIONS for s in self.sections)

    def page(self) -> list[Section]:
        """The exception item's sections (:data:`EXCEPTION_SECTIONS`, charts other than :data:`EXCEPTION_CHARTS` left
        out); every section of a notebook whose sections carry none of those names."""
        if not self.abridged:
            return self.sections
        chosen = sorted(
            (s for s in self.sections if s.name in EXCEPTION_SECTIONS), key=lambda s: EXCEPTION_SECTIONS.index(s.name)
        )
        return [Section(s.name, drop_charts(s.html, EXCEPTION_CHARTS)) for s in chosen]

    def compact(self) -> list[Section]:
        """The headline and figures sections (the first two sections when none carries those names)."""
        named = [s for s in self.sections if s.name in COMPACT_SECTIONS]
        return named or self.sections[:2]


def in_words(n: int) -> str:
    """A count as a committee paper writes it.

    >>> in_words(0), in_words(3), in_words(12)
    ('no', 'three', '12')
    """
    return _NUMBER_WORDS[n] if 0 <= n < len(_NUMBER_WORDS) else str(n)


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value).strip()


def _quarter_words(quarter: str) -> str:
    try:
        return parse_quarter(quarter).label
    except PeriodError:
        return quarter


def _periods(text: str) -> str:
    names = []
    for p in [p for p in text.split(";") if p.strip()]:
        try:
            names.append(period_name(p.strip()))
        except (PeriodError, ValueError, KeyError):
            names.append(p.strip())
    return ", ".join(names)


def _summary(data: QuarterData, parts: list[MeasurePart]) -> dict[str, Any]:
    """The executive summary from the processed tables: counts in words, exceptions, changes, returns due."""
    counts = {code: sum(p.status == code for p in parts) for code in STATUS_CODES}
    shown = [f"{in_words(n)} {STATUS_COUNTED[code]}" for code, n in counts.items() if n]
    total = len(parts)
    counts_text = f"Of {in_words(total)} measure{'s' if total != 1 else ''}: " + (
        ", ".join(shown[:-1]) + " and " + shown[-1] if len(shown) > 1 else (shown[0] if shown else "none")
    )
    rows = {str(r["measure_id"]): r for r in data.status.to_dict("records")}
    exceptions = []
    for p in parts:
        if p.exception:
            row = rows.get(p.id, {})
            line = p.label or data.register.label(p.status)
            forecast, target = row.get("forecast"), row.get("annual_target")
            if _text(forecast) and _text(target):
                line += f": forecast {number(forecast)} against a target of {number(target)}"
            elif p.reasons:
                line += f": {p.reasons}"
            exceptions.append({"anchor": p.anchor, "title": p.title, "status": p.status,
                               "word": STATUS_WORDS[p.status].capitalize(), "line": line})  # fmt: skip
    changes = _changes(data.changes, {p.id: p.title for p in parts})
    due = [
        {"title": p.title, "periods": _periods(_text(rows[p.id].get("periods_missing")))}
        for p in parts
        if p.id in rows and _text(rows[p.id].get("periods_missing"))
    ]
    return {"counts": counts_text, "exceptions": exceptions, "changes": changes, "due": due}


def _changes(changes: pd.DataFrame, titles: dict[str, str]) -> list[str]:
    """What changed since last quarter, one sentence each, from ``changes.csv``."""
    if changes.empty:
        return ["No comparison with last quarter was made."]
    previous = changes[changes["kind"] == "previous_build"]
    if previous.empty or _text(previous.iloc[0]["after"]) != "found":
        earlier = _text(previous.iloc[0]["previous_quarter"]) if not previous.empty else "the previous quarter"
        return [f"The previous quarter ({earlier}) has not been built here, so there is nothing to compare with."]
    earlier = _text(previous.iloc[0]["previous_quarter"])
    lines = []
    for r in changes[changes["kind"] == "status"].to_dict("records"):
        title = titles.get(_text(r["measure_id"]), _text(r["measure_id"]))
        before, after = (STATUS_WORDS.get(_text(r[k]), _text(r[k])) for k in ("before", "after"))
        lines.append(f"{title}: {before} in {earlier}, {after} now.")
    if not lines:
        lines.append(f"No measure changed status since {earlier}.")
    revised = changes[changes["kind"] == "revision"]
    if not revised.empty:
        n = len(revised)
        lines.append(f"{in_words(n).capitalize()} earlier value{'s were' if n != 1 else ' was'} revised.")
    return lines


def paper_html(quarter: str, reports_dir: Path, processed_dir: Path) -> str:
    """The paper as one HTML document (what WeasyPrint lays out), its charts in print form (:func:`print_charts`).

    The quarter's tables are read with the notebooks' reader (:func:`analysis.processed.quarter.load_quarter`):
    a table missing or malformed is an error, as it is for a page.
    """
    from analysis.processed.quarter import load_quarter

    reports_dir = Path(reports_dir)
    data = load_quarter(quarter, processed_dir=Path(processed_dir))
    register = data.register
    ids = {m.id for m in register.measures}

    def sections_of(rel: str) -> list[Section]:
        path = reports_dir / rel
        if not path.is_file():
            return []
        nb = nbformat.read(path, as_version=4)
        return [Section(s.name, local_links(s.html, ids)) for s in notebook_sections(nb)]

    reasons = {str(r["measure_id"]): _text(r["reason"]) for r in data.exceptions.to_dict("records")}
    parts = []
    for m in register.measures:
        row = data.status_row(m.id)
        code = row["status"]
        label = _text(row["status_label"]) or register.label(code)
        sections = sections_of(f"measures/{m.id}.ipynb")
        parts.append(MeasurePart(m.id, m.title, m.priority, code, label, sections, reasons.get(m.id, "")))
    found = sections_of("dashboard.ipynb")
    # A dashboard of the report's sections gives its table; one of other sections (unmarked) is printed whole.
    dashboard = [s for s in found if s.name in DASHBOARD_SECTIONS] if any(s.name for s in found) else found
    hoods = [s for s in sections_of("neighbourhoods.ipynb") if s.name in NEIGHBOURHOOD_SECTIONS]
    report = register.report
    context = {
        "partnership": register.partnership,
        "quarter": quarter,
        "quarter_words": _quarter_words(quarter),
        "report": report,
        "meeting": date_in_words(report.meeting(parse_quarter(quarter))),  # "": the meeting is to be confirmed
        "sources": [
            {"file": name, "source": s.source, "status": s.status, "status_words": SOURCE_STATUS_WORDS[s.status]}
            for name, s in register.sources.items()
        ],
        "summary": _summary(data, parts),
        "dashboard": dashboard,
        "exceptions": [p for p in parts if p.exception],
        "others": [p for p in parts if not p.exception],
        "neighbourhoods": hoods,
        "status_words": STATUS_WORDS,
        "css": (PAPER_TEMPLATES / "paper.css").read_text(encoding="utf-8"),
    }
    # The charts in print form once laid out: only those the paper shows, each once (see chart_for_print).
    return print_charts(_environment().get_template("paper.html.j2").render(**context))


def _environment():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(PAPER_TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def write_paper(quarter: str, reports_dir: Path, processed_dir: Path, site_dir: Path) -> Path:
    """Write ``<site_dir>/committee-paper.pdf`` (by a rename, so a reader never opens half of it)."""
    try:
        import weasyprint
    except OSError as err:  # WeasyPrint is installed but cannot load Pango
        raise PaperError(f"WeasyPrint cannot load Pango ({err}): install libpango-1.0-0 and libpangoft2-1.0-0") from err

    document = weasyprint.HTML(
        string=paper_html(str(quarter), reports_dir, processed_dir),
        base_url=Path(site_dir).resolve().as_uri() + "/",
        url_fetcher=local_fetcher(Path(site_dir)),
    )
    target = Path(site_dir) / PAPER_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{PAPER_NAME}.", dir=target.parent)
    os.close(fd)
    try:
        os.chmod(tmp, FILE_MODE)  # mkstemp makes it the owner's alone; a published file is readable by all
        document.write_pdf(tmp, pdf_variant="pdf/ua-1", uncompressed_pdf=False)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
