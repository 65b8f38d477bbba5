"""The page catalogue: which pages a quarter has, the notebook behind each, its title and its place in the navigation.

Both renderers (:mod:`analysis.site.builtin` and :mod:`analysis.site.quarto`) take
their pages from here, so the order notebook -> page -> title -> navigation is
written once. Also here: what a reader sees of a notebook (parameter cells and
warnings removed) and the banner a failed page opens with.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import nbformat

from analysis.core.leads import lead_page_name, theme_groups
from analysis.core.periods import PeriodError, months_of_year, parse_quarter, period_name
from analysis.core.vocabulary import NO_DATA, STATUS_CODES, STATUS_SHORT, STATUS_SYMBOLS
from analysis.processed.contract import MEASURE_STATUS, REGISTER
from analysis.processed.manifest import read_manifest
from analysis.processed.quarter import read_register, read_table


class FixedPage(NamedTuple):
    """A page every quarter has: its notebook, its page, its heading, its link in the navigation."""

    notebook: str
    html: str
    kind: str
    title: str
    nav: str
    subject: str  # what a failure banner calls it
    optional: bool = False  # a page only some quarters have: there when its notebook was executed


# The quarter's own pages, in navigation order; then one page per measure (``measures/<id>``),
# then any other notebook of the quarter, under the title in its metadata.
FIXED_PAGES = (
    FixedPage("dashboard.ipynb", "index.html", "dashboard", "Performance dashboard", "Dashboard", "the dashboard"),
    FixedPage(
        "strategic-assessment.ipynb",
        "strategic-assessment.html",
        "assessment",
        "Strategic assessment",
        "Strategic assessment",
        "the strategic assessment",
    ),
    FixedPage(  # a quarter whose data folder has neighbourhoods/
        "neighbourhoods.ipynb", "neighbourhoods.html", "neighbourhoods", "Neighbourhoods", "Neighbourhoods",
        "the neighbourhoods page", optional=True,
    ),
    FixedPage("method.ipynb", "method.html", "method", "How the figures are made", "How the figures are made",
              "the method page"),
    FixedPage("glossary.ipynb", "glossary.html", "glossary", "Glossary", "Glossary", "the glossary"),
)  # fmt: skip
_FIXED = {p.kind: p for p in FIXED_PAGES}
OPTIONAL_KINDS = frozenset(p.kind for p in FIXED_PAGES if p.optional)
GLOSSARY_PAGE = _FIXED["glossary"].html  # where the pages' first use of each term links to


PAPER_NAME = "committee-paper.pdf"  # the quarter's committee paper, beside its dashboard


def navigation_links() -> list[tuple[str, str]]:
    """(text, page) of the pages every quarter has, in the navigation's order, for both renderers (an optional
    page a quarter has follows them, among its ``extra_pages``)."""
    return [(p.nav, p.html) for p in FIXED_PAGES if not p.optional]


# Cells that are for the notebook's reader, not the page's (``reviewer``: the method worked out, the tables behind a page).
REMOVE_CELL_TAGS = frozenset(
    {"parameters", "injected-parameters", "papermill-error-cell-tag", "remove-cell", "reviewer"}
)
REMOVE_OUTPUT_TAGS = frozenset({"remove-output"})


@dataclass(frozen=True)
class Failure:
    """Why a notebook stopped: the exception's name and message."""

    ename: str
    evalue: str

    @property
    def text(self) -> str:
        return f"{self.ename}: {self.evalue}" if self.evalue else self.ename


@dataclass(frozen=True)
class MeasureEntry:
    """One measure as the navigation shows it."""

    id: str
    title: str
    priority: str
    status: str
    status_label: str

    @property
    def code(self) -> str:
        """The status code, ``no_data`` for anything the vocabulary does not know."""
        return self.status if self.status in STATUS_CODES else NO_DATA

    @property
    def symbol(self) -> str:
        return STATUS_SYMBOLS[self.code]

    @property
    def status_text(self) -> str:
        """The status in words, as the navigation gives it to screen readers.

        >>> MeasureEntry("asb", "ASB", "ASB", "amber", "Some concerns").status_text
        'Amber: Some concerns'
        """
        return STATUS_SHORT[self.code] + (f": {self.status_label}" if self.status_label else "")


@dataclass(frozen=True)
class QuarterContext:
    """What every page of a quarter shows around its notebook: who, when, which measures."""

    quarter: str
    partnership: str
    measures: tuple[MeasureEntry, ...]
    extra_pages: tuple[tuple[str, str], ...] = ()  # (page, title) of notebooks besides the usual ones
    provenance: tuple[tuple[str, str], ...] = ()  # (label, value) from the quarter's manifest, for footers
    links_home: bool = True  # pages lead to the site's home page; False: every link stays in the quarter's folder
    leads: tuple[tuple[str, str], ...] = ()  # (page, lead) of each theme group's page (seed 001)

    @property
    def quarter_name(self) -> str:
        return quarter_name(self.quarter)

    def groups(self) -> list[tuple[str, list[MeasureEntry]]]:
        """Measures grouped by priority, in the order the register first names each priority."""
        groups: dict[str, list[MeasureEntry]] = {}
        for m in self.measures:
            groups.setdefault(m.priority, []).append(m)
        return list(groups.items())

    def measure(self, measure_id: str) -> MeasureEntry | None:
        return next((m for m in self.measures if m.id == measure_id), None)


@dataclass(frozen=True)
class Page:
    """One page of a quarter's site and the executed notebook it comes from (``None``: missing)."""

    html: str
    notebook: Path | None
    notebook_rel: str
    kind: str
    measure_id: str = ""

    @property
    def depth(self) -> int:
        return self.html.count("/")

    @property
    def prefix(self) -> str:
        """The way back to the quarter's folder from this page."""
        return "../" * self.depth

    @property
    def view_html(self) -> str:
        """The notebook view of this page, beside the copy of its executed notebook.

        >>> Page("measures/asb.html", None, "measures/asb.ipynb", "measure", "asb").view_html
        'notebooks/measures/asb.html'
        """
        return "notebooks/" + self.notebook_rel.removesuffix(".ipynb") + ".html"


def quarter_name(quarter: str) -> str:
    """A quarter as the report's heading writes it; other text is returned as it is.

    >>> quarter_name("2015-16-Q1"), quarter_name("2015-16-Q4"), quarter_name("draft")
    ('2015-16 Q1 (April to June 2015)', '2015-16 Q4 (January to March 2016)', 'draft')
    """
    try:
        q = parse_quarter(quarter)
    except PeriodError:
        return quarter
    months = months_of_year(q.fy)[(q.q - 1) * 3 : q.q * 3]
    first, last = period_name(months[0]).split()[0], period_name(months[-1])
    return f"{str(q).rsplit('-', 1)[0]} Q{q.q} ({first} to {last})"


def notebook_failure(nb: Any) -> Failure | None:
    """Why an executed notebook stopped, as papermill decides it; ``None`` when it ran through.

    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(outputs=[
    ...     nbformat.v4.new_output("error", ename="KeyError", evalue="'asb'", traceback=[])])])
    >>> notebook_failure(nb)
    Failure(ename='KeyError', evalue="'asb'")
    """
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                if output.get("ename") == "SystemExit" and output.get("evalue") in ("", "0"):
                    continue
                return Failure(str(output.get("ename", "")), str(output.get("evalue", "")))
        if cell.get("metadata", {}).get("papermill", {}).get("exception") is True:
            return Failure("CellExecutionError", "the notebook stopped in a cell that gave no error message")
    if nb.get("metadata", {}).get("papermill", {}).get("exception") is True:
        return Failure("ExecutionError", "papermill recorded an exception")
    return None


def display_notebook(nb: Any) -> Any:
    """A copy of an executed notebook as readers see it.

    Removes the parameter cells, papermill's error banner, cells tagged
    ``remove-cell`` and warnings written to stderr; outputs of cells tagged
    ``remove-output`` are dropped. The notebook itself is not changed: reviewers
    get it whole.
    """
    shown = copy.deepcopy(nb)
    cells = []
    for cell in shown.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & REMOVE_CELL_TAGS:
            continue
        if cell.get("cell_type") == "code":
            if tags & REMOVE_OUTPUT_TAGS:
                cell.outputs = []
            cell.outputs = [o for o in cell.outputs if not (o.output_type == "stream" and o.name == "stderr")]
        cells.append(cell)
    shown.cells = cells
    return shown


def load_context(quarter: str, processed_dir: Path) -> QuarterContext:
    """The partnership and the measures of a quarter, from its processed tables.

    Uses ``register.json`` for the order and the priorities and ``measure_status.csv``
    for the statuses; either may be missing (an empty context results), so that a
    broken build still gets pages that say what went wrong.
    """
    statuses: dict[str, tuple[str, str, str, str]] = {}
    partnership = ""
    if (processed_dir / MEASURE_STATUS.name).exists():
        frame = read_table(processed_dir, MEASURE_STATUS)
        for row in frame.to_dict("records"):
            statuses[str(row["measure_id"])] = (
                str(row.get("title", "")),
                str(row.get("priority", "")),
                str(row.get("status", NO_DATA)),
                str(row.get("status_label", "")),
            )
    measures: list[MeasureEntry] = []
    leads: tuple[tuple[str, str], ...] = ()
    if (processed_dir / REGISTER).exists():
        register = read_register(processed_dir)
        partnership = register.partnership
        leads = tuple((f"{lead_page_name(lead)}.html", lead) for lead in theme_groups(register))
        for m in register.measures:
            status = statuses.get(m.id, ("", "", NO_DATA, ""))[2]
            label = statuses.get(m.id, ("", "", "", ""))[3] or register.label(
                status if status in STATUS_CODES else NO_DATA
            )
            measures.append(MeasureEntry(m.id, m.title, m.priority, status, label))
    else:
        for mid, (title, priority, status, label) in statuses.items():
            measures.append(MeasureEntry(mid, title or mid, priority or "Measures", status, label))
    return QuarterContext(
        str(quarter),
        partnership or "Community Safety Partnership",
        tuple(measures),
        provenance=provenance(processed_dir),
        leads=leads,
    )


def provenance(processed_dir: Path) -> tuple[tuple[str, str], ...]:
    """What the footer says about where a page came from, read from the quarter's ``manifest.json``.

    The build date is a date, not a time, so pages rebuilt from the same inputs on
    the same day are identical.
    """
    record = read_manifest(processed_dir)
    if record is None:
        return ()
    code = record.get("code", {})
    version = str(code.get("version", ""))
    if code.get("commit"):
        version += f" ({str(code['commit'])[:10]}{', uncommitted changes' if code.get('dirty') else ''})"
    return (
        ("Data fingerprint", str(record.get("data_fingerprint", ""))),
        ("Code", version),
        ("Built", str(record.get("built_at", ""))[:10]),
    )


def discover_pages(reports_dir: Path, context: QuarterContext) -> list[Page]:
    """Every page of the quarter: the executed notebooks, and a page for each expected one that is missing.

    Order: dashboard, strategic assessment, measures in register order, then any other notebook.
    """
    found = {
        p.relative_to(reports_dir).as_posix(): p
        for p in sorted(reports_dir.rglob("*.ipynb"))
        if ".ipynb_checkpoints" not in p.parts
        and not any(part.startswith(".") for part in p.relative_to(reports_dir).parts)
    }
    pages = [
        Page(p.html, found.pop(p.notebook, None), p.notebook, p.kind)
        for p in FIXED_PAGES
        if not p.optional or p.notebook in found
    ]
    for m in context.measures:
        rel = f"measures/{m.id}.ipynb"
        pages.append(Page(f"measures/{m.id}.html", found.pop(rel, None), rel, "measure", m.id))
    for rel, path in found.items():
        if rel.startswith("measures/") and rel.count("/") == 1:
            pages.append(Page(rel[: -len(".ipynb")] + ".html", path, rel, "measure", Path(rel).stem))
        else:
            pages.append(Page(rel[: -len(".ipynb")] + ".html", path, rel, "other"))
    return pages


def page_title(page: Page, context: QuarterContext, nb: Any = None) -> tuple[str, str]:
    """The page's heading and the line above it (the measure's priority); plain text."""
    if page.kind in _FIXED:
        return _FIXED[page.kind].title, ""
    if page.kind == "measure":
        m = context.measure(page.measure_id)
        if m is not None:
            return m.title, m.priority
        return page.measure_id, "Other measures"
    lead = dict(context.leads).get(page.html)
    if lead:
        return f"{lead}: theme group report", "Theme groups"
    title = (nb.get("metadata", {}).get("title") if nb is not None else None) or Path(page.html).stem.replace("-", " ")
    return str(title)[:1].upper() + str(title)[1:], ""


def missing_notebook(page: Page) -> Any:
    """A stand-in notebook for a page whose executed notebook does not exist."""
    return nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell(
                f"No executed notebook was found at `reports/<quarter>/{page.notebook_rel}`, "
                "so this page has no content. Rebuild the quarter with `csp-report build --force`."
            )
        ]
    )


def failure_notice(page: Page, failure: Failure | None) -> dict[str, str] | None:
    """The banner a failed page opens with, in plain text (the template escapes it)."""
    subject = {"measure": "this measure", **{p.kind: p.subject for p in FIXED_PAGES}}
    what = subject.get(page.kind, "this page")
    if page.notebook is None:
        return {
            "headline": f"The page for {what} failed: its notebook is missing.",
            "detail": "No executed notebook was found.",
        }
    if failure is None:
        return None
    return {
        "headline": f"The notebook for {what} failed, so this page is incomplete.",
        "detail": f"It stopped with {failure.text}. Figures after that point are missing; "
        "the executed notebook linked at the foot of the page shows where and why.",
    }
