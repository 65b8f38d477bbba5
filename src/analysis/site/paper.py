"""The committee paper: ``_site/<quarter>/committee-paper.pdf``, the quarter's report laid out for the board.

The paper has no content of its own beyond its cover and executive summary: it
takes the HTML sections of the quarter's executed notebooks in
``reports/<quarter>/`` (:mod:`analysis.site.notebook_sections`: each section
known by its ``data-section`` mark, cells for the notebook's reader left out,
as on the site) and lays them out for A4 with a print stylesheet
(``templates/paper/``). It carries what seed 003's board received, in its
order, each part laid out on its own (:func:`paper_parts`, one macro of
``parts.html.j2`` each):

1. a cover: partnership, board, the quarter's own meeting (or "to be confirmed"), author, quarter, version (the
   register's ``report:`` block), the status of each input (``sources:``) and the contents;
2. an executive summary: how many measures have each status, in words; each
   exception in one line; sign-off; what changed since last quarter; returns still due;
3. at quarter four, the year's report (the dashboard's ``year_end`` section: each
   measure achieved or not over the year, its figures against target and last year,
   its quarters' statuses);
4. the dashboard's table of every priority and measure, measures in development
   among them (its ``measures`` and ``icon_summary`` sections), on landscape pages;
5. a page for each exception item (by the rule of ``exceptions.csv``): the verdict,
   sign-off and key figures, the evidence in words (change on last year, projection,
   SPC), the chart the traffic light is judged by (cumulative actual against the
   profiled target), the commentary and the actions. The period table and the
   period and SPC charts stay on the measure's page of the site. A notebook whose
   sections carry none of these names (a measure's own notebook) is printed whole;
6. the exception items' period tables, together (seed 003 gives every measure's);
7. every other measure: its headline, sign-off, key figures, period table, and
   commentary with the partners' notes;
8. the family group position this quarter and last, the strategic assessment's
   recommendations with their progress, and the action plan by priority with its
   summary box of actions by status for each priority (seed 000), from the
   strategic assessment's sections.

Each part that draws on an input the register calls provisional or illustrative
says so. ``csp-report paper --lead NAME`` writes one theme group's paper
(:func:`lead_paper_html`, seed 001): its page's sections and its measures.

The tables come from the notebooks' own reader
(:func:`analysis.processed.quarter.load_quarter`). Charts stay vector, printed
as images of their SVG (:mod:`analysis.site.print_charts`). Fonts are DejaVu
(chart text in the system's face for the charts' Helvetica and Arial),
embedded by WeasyPrint; nothing is fetched from the network, and no file is
read but the project's own assets (:func:`analysis.site.fetch.local_fetcher`).
"""

from __future__ import annotations

import functools
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nbformat

from analysis.core.formatting import date_in_words, number
from analysis.core.leads import find_lead, known_leads, lead_page_name
from analysis.core.paths import TEMPLATES
from analysis.core.periods import PeriodError, fy_short, parse_quarter, period_name
from analysis.core.vocabulary import (
    ACTION_STATUSES,
    NOT_SIGNED_OFF,
    OFFICIAL,
    SIGNED_BEFORE_REVISION,
    SIGNED_OFF,
    SOURCE_STATUS_WORDS,
    STATUS_CODES,
    STATUS_COUNTED,
    STATUS_SHORT,
    STATUS_WORDS,
)
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
YEAR_SECTIONS = ("year_end",)  # at quarter four, the dashboard's year-end report
COMPACT_SECTIONS = ("headline", "signoff", "figures", "year_end", "period_table", "narrative")
COMPACT_TOP = ("headline", "signoff", "figures")  # kept on one page with the measure's title
# An exception item's page (seed 003 gives each exception a few lines; the brief is a page each): the sections of the
# measure notebook it prints, in this order (the key figures and the chart in one column, the evidence beside them,
# then the words across the page), and the one chart among them (the SPC section keeps its words, not its chart).
# At quarter four the measure's year is on the year's pages at the front, so that the item keeps to its page.
EXCEPTION_SECTIONS = (
    "headline", "signoff", "figures", "cumulative_chart", "change", "projection", "spc", "narrative", "actions",
)  # fmt: skip
EXCEPTION_CHARTS = ("cumulative",)
# What the paper takes from the neighbourhoods notebook (a quarter with neighbourhoods/): the map and the gap areas.
NEIGHBOURHOOD_SECTIONS = ("area_map", "gap_areas")
# The strategic assessment's sections the paper prints, by part: (part, its heading, its sections, the inputs it uses).
ASSESSMENT_PARTS = (
    ("family-group", "Family group", ("family_group", "family_group_quarters"), ("family_group.csv",)),
    ("recommendations", "Strategic assessment", ("recommendations",), ("recommendations.csv",)),
    ("action-plan", "Action plan", ("action_summary", "action_plan", "year_end_actions"), ("action_plan.csv",)),
)  # fmt: skip
LEAD_SECTIONS = ("title", "year_end", "measures", "actions", "recommendations")  # a theme group's page (report/lead.py)

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
        return [
            Section(s.name, drop_charts(s.html, EXCEPTION_CHARTS)) for s in chosen(self.sections, EXCEPTION_SECTIONS)
        ]

    def compact(self) -> list[Section]:
        """The sections of :data:`COMPACT_SECTIONS` (the first two sections when none carries those names)."""
        return chosen(self.sections, COMPACT_SECTIONS) or self.sections[:2]

    def compact_top(self) -> list[Section]:
        """The sections kept on one page with the measure's title: its headline, sign-off and key figures."""
        shown = self.compact()
        top = [s for s in shown if s.name in COMPACT_TOP]
        return top if top else shown

    def compact_rest(self) -> list[Section]:
        """The sections that follow, which may run on: the year, the period table, the commentary."""
        top = self.compact_top()
        return [s for s in self.compact() if s not in top]


def chosen(sections: list[Section], names: tuple[str, ...]) -> list[Section]:
    """The sections with these names, in the names' order; a section with nothing in it is left out."""
    found = [s for s in sections if s.name in names and not _empty(s.html)]
    return sorted(found, key=lambda s: names.index(s.name))


def _empty(html: str) -> bool:
    """Whether a section holds nothing: its marked element alone (a year-end section before quarter four)."""
    return re.fullmatch(r"\s*<(\w+)[^>]*>\s*</\1>\s*", html) is not None


@dataclass(frozen=True)
class Part:
    """One part of the paper, laid out on its own: its anchor, its line in the contents and its HTML."""

    anchor: str
    title: str
    html: str
    contents: tuple[tuple[str, str], ...] = ()  # (anchor, title) of the lines under it in the contents


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


def _joined(items: list[str]) -> str:
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else (items[0] if items else "none")


def _summary(data: QuarterData, parts: list[MeasurePart]) -> dict[str, Any]:
    """The executive summary from the processed tables: counts in words, exceptions, sign-off, changes, returns due."""
    counts = {code: sum(p.status == code for p in parts) for code in STATUS_CODES}
    shown = [f"{in_words(n)} {STATUS_COUNTED[code]}" for code, n in counts.items() if n]
    total = len(parts)
    counts_text = f"Of {in_words(total)} measure{'s' if total != 1 else ''}: " + _joined(shown)
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
    return {
        "counts": counts_text,
        "exceptions": exceptions,
        "signoff": _signoff_lines(data, {p.id: p for p in parts}),
        "developing": _developing(data),
        "actions": _actions_line(data),
        "changes": changes,
        "due": due,
    }


def _signoff_lines(data: QuarterData, parts: dict[str, MeasurePart]) -> list[dict[str, str]] | None:
    """Which measures are not yet signed off for the quarter, or were signed off before a revision; ``None`` when
    the partnership does not ask for sign-off."""
    from analysis.processed.contract import SIGNOFF

    table = data.table(SIGNOFF)
    if table.empty:
        return None
    signed = int((table["state"] == SIGNED_OFF).sum())  # a sign-off made before a revision is to be made again
    total = in_words(len(table))
    counted = f"{in_words(signed).capitalize()} of {total} measures" if signed else f"None of the {total} measures"
    lines = [{"text": f"{counted} signed off by their leads.", "anchor": ""}]
    for state, words in (
        (NOT_SIGNED_OFF, "Not yet signed off"),
        (SIGNED_BEFORE_REVISION, "Signed off before a revision of its figures"),
    ):
        ids = [r.measure_id for r in table.itertuples() if r.state == state and r.measure_id in parts]
        for mid in ids:
            lines.append({"text": f"{words}: ", "title": parts[mid].title, "anchor": parts[mid].anchor})
    return lines


def _developing(data: QuarterData) -> str:
    """The measures in development, in a sentence; ``""`` when there are none."""
    n = len(data.register.in_development)
    if not n:
        return ""
    return (
        f"{in_words(n).capitalize()} measure{'s are' if n != 1 else ' is'} still in development, with no figures "
        "yet; the dashboard lists each under its priority with the quarter it is expected."
    )


def _actions_line(data: QuarterData) -> str:
    """The quarter's action plan by status, in a sentence; ``""`` without one."""
    from analysis.processed.contract import ACTION_PLAN

    plan = data.table(ACTION_PLAN)
    if plan.empty:
        return ""
    shown = [f"{n} {STATUS_SHORT[s].lower()}" for s in ACTION_STATUSES if (n := int((plan["status"] == s).sum()))]
    return f"Of {len(plan)} tasks of the action plan: {_joined(shown)}."


def _changes(changes: pd.DataFrame, titles: dict[str, str]) -> list[str]:
    """What changed since last quarter, one sentence each, from ``changes.csv``."""
    if changes.empty:
        return ["No comparison with last quarter was made."]
    previous = changes[changes["kind"] == "previous_build"]
    if previous.empty or _text(previous.iloc[0]["after"]) != "found":
        earlier = f" ({_quarter_words(_text(previous.iloc[0]['previous_quarter']))})" if not previous.empty else ""
        return [f"The previous quarter{earlier} has not been built here, so there is nothing to compare with."]
    earlier = _quarter_words(_text(previous.iloc[0]["previous_quarter"]))
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


def _sources(data: QuarterData, files: tuple[str, ...]) -> list[dict[str, str]]:
    """The inputs a part draws on whose figures are not official, with their source and status in words."""
    found = []
    for name in files:
        s = data.register.sources.get(name)
        if s is not None and s.status != OFFICIAL:
            found.append({"file": name, "source": s.source, "status": s.status, "words": SOURCE_STATUS_WORDS[s.status]})
    return found


@dataclass
class Material:
    """What the paper is made from: the quarter's tables and the executed notebooks' sections, read once."""

    quarter: str
    data: QuarterData
    reports_dir: Path

    @functools.cached_property
    def ids(self) -> set[str]:
        return {m.id for m in self.data.register.measures}

    def sections(self, rel: str) -> list[Section]:
        """The marked sections of an executed notebook of the quarter (none when it is missing)."""
        path = self.reports_dir / rel
        if not path.is_file():
            return []
        nb = nbformat.read(path, as_version=4)
        return [Section(s.name, local_links(s.html, self.ids)) for s in notebook_sections(nb)]

    @functools.cached_property
    def measures(self) -> list[MeasurePart]:
        register = self.data.register
        reasons = {str(r["measure_id"]): _text(r["reason"]) for r in self.data.exceptions.to_dict("records")}
        parts = []
        for m in register.measures:
            row = self.data.status_row(m.id)
            code = row["status"]
            label = _text(row["status_label"]) or register.label(code)
            sections = self.sections(f"measures/{m.id}.ipynb")
            parts.append(MeasurePart(m.id, m.title, m.priority, code, label, sections, reasons.get(m.id, "")))
        return parts

    @functools.cached_property
    def assessment(self) -> list[Section]:
        return self.sections("strategic-assessment.ipynb")

    @functools.cached_property
    def dashboard(self) -> list[Section]:
        return self.sections("dashboard.ipynb")

    @property
    def year_end(self) -> bool:
        return parse_quarter(self.quarter).q == 4


def _render(macro: str, **context: Any) -> str:
    """One part's HTML: a macro of ``parts.html.j2`` (autoescaped; the notebooks' sections are marked safe there)."""
    return str(getattr(_environment().get_template("parts.html.j2").module, macro)(**context))


def _common(material: Material) -> dict[str, Any]:
    return {"status_words": STATUS_WORDS, "year": fy_short(parse_quarter(material.quarter).fy)}


def summary_part(material: Material) -> Part:
    html = _render("summary", summary=_summary(material.data, material.measures), **_common(material))
    return Part("summary", "Executive summary", html)


def year_part(material: Material) -> Part | None:
    """At quarter four, the year's report: the dashboard's year-end section."""
    found = chosen(material.dashboard, YEAR_SECTIONS) if material.year_end else []
    if not found:
        return None
    title = f"The year {fy_short(parse_quarter(material.quarter).fy)}: achieved or not"
    html = _render("dashboard", anchor="year", title=title, sections=found, sources=_sources(material.data,
                   ("actuals.csv",)), cls="year-page")  # fmt: skip
    return Part("year", title, html)


def dashboard_part(material: Material) -> Part:
    found = material.dashboard
    # A dashboard of the report's sections gives its table; one of other sections (unmarked) is printed whole.
    shown = chosen(found, DASHBOARD_SECTIONS) if any(s.name for s in found) else found
    title = "Dashboard: every priority and measure"
    html = _render("dashboard", anchor="dashboard", title=title, sections=shown,
                   sources=_sources(material.data, ("actuals.csv",)), cls="dashboard-page")  # fmt: skip
    return Part("dashboard", title, html)


def exception_part(material: Material, p: MeasurePart) -> Part:
    html = _render("exception", p=p, sources=_sources(material.data, ("actuals.csv",)), **_common(material))
    return Part(p.anchor, f"Exception ({STATUS_WORDS[p.status]}): {p.title}", html)


def period_tables_part(material: Material) -> Part | None:
    """The exception items' period tables (seed 003 gives every measure's), together after the items' pages so that
    each item keeps to its page."""
    items = [(p, chosen(p.sections, ("period_table",))) for p in material.measures if p.exception and p.abridged]
    items = [(p, found) for p, found in items if found]
    if not items:
        return None
    title = "Exception items: period by period"
    html = _render("period_tables", anchor="exception-periods", title=title, items=items)
    return Part("exception-periods", title, html)


def others_part(material: Material) -> Part | None:
    others = [p for p in material.measures if not p.exception]
    if not others:
        return None
    html = _render("others", others=others, sources=_sources(material.data, ("actuals.csv",)), **_common(material))
    lines = tuple((p.anchor, f"{p.title} ({STATUS_WORDS[p.status]})") for p in others)
    return Part("other-measures", "Other measures", html, lines)


def neighbourhoods_part(material: Material) -> Part | None:
    """The neighbourhoods notebook's map and gap areas (a quarter whose data has ``neighbourhoods/``), after the
    exception items."""
    found = chosen(material.sections("neighbourhoods.ipynb"), NEIGHBOURHOOD_SECTIONS)
    if not found:
        return None
    title = "Neighbourhoods: the map and the gap areas"
    html = _render("neighbourhoods", anchor="neighbourhoods", title="Neighbourhoods", sections=found,
                   sources=_sources(material.data, ("actuals.csv",)))  # fmt: skip
    return Part("neighbourhoods", title, html)


def assessment_parts(material: Material) -> list[Part]:
    """The family group, the recommendations and the action plan, from the strategic assessment's sections."""
    parts = []
    for anchor, title, names, files in ASSESSMENT_PARTS:
        found = chosen(material.assessment, names)
        if found:
            html = _render("assessment", anchor=anchor, title=title, sections=found,
                           sources=_sources(material.data, files))  # fmt: skip
            parts.append(Part(anchor, title, html))
    return parts


def paper_parts(material: Material) -> list[Part]:
    """The paper's parts after its cover, in seed 003's order; each is laid out from its own HTML."""
    parts: list[Part | None] = [summary_part(material), year_part(material), dashboard_part(material)]
    parts += [exception_part(material, p) for p in material.measures if p.exception]
    parts += [neighbourhoods_part(material), period_tables_part(material), others_part(material)]
    parts += assessment_parts(material)
    return [p for p in parts if p is not None]


def _cover(material: Material, parts: list[Part], title: str, board: str = "") -> str:
    data, quarter = material.data, material.quarter
    report = data.register.report
    sources = [
        {"file": name, "source": s.source, "status": s.status, "status_words": SOURCE_STATUS_WORDS[s.status]}
        for name, s in data.register.sources.items()
    ]
    return _render(
        "cover",
        partnership=data.register.partnership,
        quarter=quarter,
        quarter_words=_quarter_words(quarter),
        report=report,
        board=board or report.board or data.register.partnership,
        title=title,
        meeting=date_in_words(report.meeting(parse_quarter(quarter))),  # "": the meeting is to be confirmed
        sources=sources,
        parts=parts,
    )


def _document(material: Material, title: str, parts: list[Part], cover: str) -> str:
    """The whole paper (what WeasyPrint lays out): the cover and the parts in the document's shell, the charts in
    print form (:func:`print_charts`: only those the paper shows, each once)."""
    data = material.data
    html = (
        _environment()
        .get_template("paper.html.j2")
        .render(
            partnership=data.register.partnership,
            quarter=material.quarter,
            quarter_words=_quarter_words(material.quarter),
            title=title[0].lower() + title[1:] if title.startswith(("Performance", "Year-end")) else title,
            report=data.register.report,
            body=[cover, *(p.html for p in parts)],
            css=(PAPER_TEMPLATES / "paper.css").read_text(encoding="utf-8"),
        )
    )
    return print_charts(html)


def _material(quarter: str, reports_dir: Path, processed_dir: Path) -> Material:
    from analysis.processed.quarter import load_quarter

    return Material(str(quarter), load_quarter(str(quarter), processed_dir=Path(processed_dir)), Path(reports_dir))


def _paper_title(material: Material) -> str:
    if material.year_end:
        return f"Year-end performance report {fy_short(parse_quarter(material.quarter).fy)}"
    return "Performance report"


def paper_html(quarter: str, reports_dir: Path, processed_dir: Path) -> str:
    """The paper as one HTML document (what WeasyPrint lays out), its charts in print form (:func:`print_charts`).

    The quarter's tables are read with the notebooks' reader (:func:`analysis.processed.quarter.load_quarter`):
    a table missing or malformed is an error, as it is for a page.
    """
    material = _material(quarter, reports_dir, processed_dir)
    parts = paper_parts(material)
    title = _paper_title(material)
    return _document(material, title, parts, _cover(material, parts, title))


class UnknownLead(PaperError):
    """``paper --lead`` names no lead of the register; the message lists those it knows."""


def lead_name(name: str, processed_dir: Path) -> str:
    """The lead as the quarter's register spells it; :class:`UnknownLead` listing the known leads when it names none."""
    from analysis.processed.quarter import read_register

    register = read_register(processed_dir)
    spelt = find_lead(name, register)
    if not spelt:
        known = known_leads(register)
        listed = "; ".join(known) if known else "the register names no lead"
        raise UnknownLead(
            f"no lead or theme group {name!r} in the register of {register.partnership} (known: {listed})"
        )
    return spelt


def lead_paper_html(quarter: str, lead: str, reports_dir: Path, processed_dir: Path) -> str:
    """One theme group's paper (seed 001): its page's sections (measures, actions, recommendations, the year at
    quarter four), then each of its measures as in the committee paper (an exception item on a page of its own)."""
    from analysis.report.lead import lead_measures

    material = _material(quarter, reports_dir, processed_dir)
    lead = lead_name(lead, processed_dir)
    page = chosen(material.sections(f"{lead_page_name(lead)}.ipynb"), LEAD_SECTIONS)
    theirs = {m.id for m in lead_measures(material.data, lead)}
    mine = [p for p in material.measures if p.id in theirs]
    title = f"{lead}: theme group report"
    # the page's title section names the inputs it draws on and their status
    parts = [Part("group", title, _render("assessment", anchor="group", title=title, sections=page, sources=[]))]
    parts += [exception_part(material, p) for p in mine if p.exception]
    others = [p for p in mine if not p.exception]
    if others:
        heading = "The group's other measures" if len(others) < len(mine) else "The group's measures"
        html = _render("others", others=others, sources=[], heading=heading, **_common(material))
        parts.append(Part("other-measures", heading, html, tuple((p.anchor, p.title) for p in others)))
    return _document(material, title, parts, _cover(material, parts, title, board=lead))


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


def lead_paper_path(site_dir: Path, lead: str) -> Path:
    """Where a theme group's paper is written: beside its page, ``leads/<lead>.pdf``."""
    return Path(site_dir) / f"{lead_page_name(lead)}.pdf"


def write_paper(quarter: str, reports_dir: Path, processed_dir: Path, site_dir: Path, lead: str = "") -> Path:
    """Write ``<site_dir>/committee-paper.pdf``, or with ``lead`` that theme group's paper (:func:`lead_paper_path`),
    by a rename, so a reader never opens half of it."""
    try:
        import weasyprint
    except OSError as err:  # WeasyPrint is installed but cannot load Pango
        raise PaperError(f"WeasyPrint cannot load Pango ({err}): install libpango-1.0-0 and libpangoft2-1.0-0") from err

    make: Callable[[], str]
    if lead:
        lead = lead_name(lead, Path(processed_dir))
        target = lead_paper_path(site_dir, lead)

        def make() -> str:
            return lead_paper_html(str(quarter), lead, reports_dir, processed_dir)
    else:
        target = Path(site_dir) / PAPER_NAME

        def make() -> str:
            return paper_html(str(quarter), reports_dir, processed_dir)

    document = weasyprint.HTML(
        string=make(),
        base_url=Path(site_dir).resolve().as_uri() + "/",
        url_fetcher=local_fetcher(Path(site_dir)),
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(fd)
    try:
        os.chmod(tmp, FILE_MODE)  # mkstemp makes it the owner's alone; a published file is readable by all
        document.write_pdf(tmp, pdf_variant="pdf/ua-1", uncompressed_pdf=False)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
