"""The committee paper: ``_site/<quarter>/committee-paper.pdf``, the quarter's report laid out for the board.

The paper has no content of its own beyond its cover and executive summary: it
takes the HTML sections of the quarter's executed notebooks in
``reports/<quarter>/`` (each code cell's ``text/html`` output, cells tagged
``parameters``/``remove-cell`` left out, as on the site) and lays them out for
A4 with a print stylesheet (``templates/paper/``):

1. a cover: partnership, board, meeting, author, quarter, version (the
   register's ``report:`` block) and the status of each input (``sources:``);
2. an executive summary: how many measures have each status, in words; each
   exception in one line; what changed since last quarter; returns still due;
3. the dashboard's table, on landscape pages;
4. a page for each exception item (by the rule of ``exceptions.csv``; a long one runs
   onto a second): the verdict and key figures, the evidence in words (change on
   last year, projection, SPC), the chart the traffic light is judged by
   (cumulative actual against the profiled target), the commentary and the
   actions. The period table and the period and SPC charts stay on the measure's
   page of the site. A notebook whose cells do not name these sections (a
   measure's own notebook) is printed whole;
5. a compact block for every other measure: its headline and figures.

Charts stay vector, but the paper does not give WeasyPrint the notebooks'
inline ``<svg>`` (the site's pages keep it): :func:`chart_for_print` makes each
chart an ``<img>`` of the same SVG as inline data. Inline, every element and
attribute of a chart (most of a paper's HTML) goes through WeasyPrint's HTML
parser, pure Python and slow, and is styled as HTML before the SVG is read
again; as an image the SVG is read once by the XML parser, and drawn the same
(the pages rasterise to the same pixels). On a 40-measure partnership (then 112
pages, 99 charts) that was about a quarter less time. The image's ``alt`` is
the figure's text alternative, so each chart is a tagged figure of the PDF
with its ``/Alt``, which the inline SVG did not give. Fonts are DejaVu (chart
text in the system's face for the charts' Helvetica and Arial), embedded by
WeasyPrint; nothing is fetched from the network (:func:`local_fetcher` refuses
every URL that is not a local file or inline data).
"""

from __future__ import annotations

import base64
import functools
import html
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from xml.etree import ElementTree

import nbformat

from analysis.core.paths import TEMPLATES
from analysis.core.periods import PeriodError, parse_quarter, period_name
from analysis.core.vocabulary import SOURCE_STATUS_WORDS, STATUS_CODES, STATUS_COUNTED, STATUS_WORDS
from analysis.errors import SiteError
from analysis.processed.atomic import FILE_MODE
from analysis.site.catalogue import PAPER_NAME

if TYPE_CHECKING:
    import pandas as pd

    from analysis.processed.quarter import QuarterData

PAPER_TEMPLATES = TEMPLATES / "paper"
COMPACT_SECTIONS = ("headline", "figures")
# An exception item's page (seed 003 gives each exception a few lines; the brief is a page each): the sections of the
# measure notebook it prints, in this order (the key figures beside the evidence, then the chart), and the one chart
# among them (the SPC section keeps its words and leaves its chart).
EXCEPTION_SECTIONS = ("headline", "figures", "change", "projection", "spc", "cumulative_chart", "narrative", "actions")
EXCEPTION_CHARTS = ("cumulative",)

# Cells that are for the notebook's reader, not the page's (the same tags the site leaves out).
_REMOVE_CELL_TAGS = frozenset(
    {"parameters", "injected-parameters", "papermill-error-cell-tag", "remove-cell", "reviewer"}
)
_REMOVE_OUTPUT_TAGS = frozenset({"remove-output"})

_NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


class PaperError(SiteError):
    """The paper cannot be written; the message says why and what to do."""


@dataclass(frozen=True)
class Section:
    """One HTML section of a notebook: the cell's last expression names it (``page.figures()`` -> figures)."""

    name: str
    html: str


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
        """Whether the exception item's page leaves sections out (the measure notebook's cells name them)."""
        return any(s.name in EXCEPTION_SECTIONS for s in self.sections)

    def page(self) -> list[Section]:
        """The exception item's sections (:data:`EXCEPTION_SECTIONS`, charts other than :data:`EXCEPTION_CHARTS` left
        out); every section of a notebook whose cells name none of them."""
        if not self.abridged:
            return self.sections
        chosen = sorted(
            (s for s in self.sections if s.name in EXCEPTION_SECTIONS), key=lambda s: EXCEPTION_SECTIONS.index(s.name)
        )
        return [Section(s.name, drop_charts(s.html, EXCEPTION_CHARTS)) for s in chosen]

    def compact(self) -> list[Section]:
        """The headline and figures sections (the first two sections when the cells do not name them)."""
        named = [s for s in self.sections if s.name in COMPACT_SECTIONS]
        return named or self.sections[:2]


def in_words(n: int) -> str:
    """A count as a committee paper writes it.

    >>> in_words(0), in_words(3), in_words(12)
    ('no', 'three', '12')
    """
    return _NUMBER_WORDS[n] if 0 <= n < len(_NUMBER_WORDS) else str(n)


def _section_name(source: str) -> str:
    """The section a cell shows, from its last line: ``page.figures()`` -> ``figures``.

    >>> _section_name("from analysis import report\\npage = report.measure_page(q, m)\\npage.headline()")
    'headline'
    >>> _section_name("show(figures(page))")
    'figures'
    """
    lines = [line for line in source.strip().splitlines() if line.strip()]
    last = lines[-1] if lines else ""
    names = re.findall(r"([A-Za-z_][A-Za-z0-9_]*)\s*\(", last)
    for name in names:
        if name in COMPACT_SECTIONS:
            return name
    return names[-1] if names else ""


def notebook_sections(nb: Any) -> list[Section]:
    """The HTML sections a notebook's page shows, in order: each code cell's ``text/html`` output."""
    sections = []
    for cell in nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if cell.get("cell_type") != "code" or tags & (_REMOVE_CELL_TAGS | _REMOVE_OUTPUT_TAGS):
            continue
        for output in cell.get("outputs", []):
            text = output.get("data", {}).get("text/html") if output.get("output_type") != "error" else None
            if text:
                text = "".join(text) if isinstance(text, list) else str(text)
                sections.append(Section(_section_name(str(cell.get("source", ""))), text))
    return sections


_HREF = re.compile(r"""<a\b([^>]*?)\shref\s*=\s*(["'])(.*?)\2([^>]*)>""", re.IGNORECASE | re.DOTALL)


def _local_links(text: str, measure_ids: set[str]) -> str:
    """Links between the site's pages become links inside the paper; other page links are dropped.

    >>> _local_links('<a href="measures/asb.html">ASB</a> <a href="x.html">X</a>', {"asb"})
    '<a href="#measure-asb">ASB</a> <a>X</a>'
    """

    def fix(match: re.Match) -> str:
        href = html.unescape(match[3])
        page = re.fullmatch(r"(?:\.\./)*(?:measures/)?([a-z0-9-]+)\.html(?:#.*)?", href)
        if page and page[1] in measure_ids:
            return f'<a{match[1]} href="#measure-{page[1]}"{match[4]}>'
        if href.startswith("#"):
            return match[0]
        return f"<a{match[1]}{match[4]}>"

    return _HREF.sub(fix, text)


_CHART = re.compile(r"<figure\b[^>]*>\s*<svg\b.*?</svg>.*?</figure>", re.IGNORECASE | re.DOTALL)
_CHART_PARTS = re.compile(r"(<figure\b[^>]*>)\s*(<svg\b.*?</svg>)(.*)", re.IGNORECASE | re.DOTALL)
_ATTRIBUTE = r"""\s{name}\s*=\s*(?:"([^"]*)"|'([^']*)')"""
_SVG = "{http://www.w3.org/2000/svg}"
# Attributes for a screen reader or a pointer: they cannot change what is drawn (the SVG has no stylesheet).
_NOT_DRAWN = re.compile(r"class|role|focusable|pointer-events|aria-.*")
# Elements by which what is drawn may depend on more than an element and its parents (with url() references).
_REFERRING = ("style", "marker", "use")


def chart_for_print(figure: str) -> str:
    """A chart's figure as the paper prints it: the SVG as an ``<img>`` of inline data, the text alternative its ``alt``.

    The figure's ``aria-label`` becomes the image's ``alt`` (WeasyPrint tags the
    image as a PDF figure with that text); the caption is kept. What cannot
    change the drawing is left out of the SVG: attributes for screen readers and
    pointers, paths that paint nothing (no outline, or neither fill nor stroke:
    Vega's group backgrounds) and groups left empty; nothing is left out of an
    SVG with a stylesheet, markers, ``<use>`` or ``url()`` references (a class,
    a marker, paints from elsewhere or a bounding box could then matter), nor an
    element with an ``id``. A figure
    that is not of that form (no text alternative, an SVG that is not
    well-formed XML) is returned as it is.

    >>> chart = chart_for_print(
    ...     '<figure class="chart" role="img" aria-label="Bars: 3 &amp; 4">'
    ...     '<svg aria-hidden="true" focusable="false" xmlns="http://www.w3.org/2000/svg" width="20" height="10">'
    ...     '<g fill="none" class="mark-group"><g><path class="background" aria-hidden="true" d="M0,0h20v10h-20Z"/>'
    ...     '<path class="foreground" d="" display="none"/></g><path d="M0,9h20" stroke="#ddd" pointer-events="none"/>'
    ...     '<rect class="mark" width="5" height="5" fill="#0072B2"/></g></svg>'
    ...     '<figcaption>Bars</figcaption></figure>')
    >>> re.sub('base64,[^"]*', "base64,...", chart)
    '<figure class="chart"><img src="data:image/svg+xml;base64,..." alt="Bars: 3 &amp; 4"><figcaption>Bars</figcaption></figure>'
    >>> print(base64.b64decode(re.search('base64,([^"]*)', chart)[1]).decode().replace("><", ">\\n<"))
    <ns0:svg xmlns:ns0="http://www.w3.org/2000/svg" width="20" height="10">
    <ns0:g fill="none">
    <ns0:path d="M0,9h20" stroke="#ddd" />
    <ns0:rect width="5" height="5" fill="#0072B2" />
    </ns0:g>
    </ns0:svg>
    >>> chart_for_print('<figure><svg width="20" height="10"></svg></figure>')  # no text alternative: as it is
    '<figure><svg width="20" height="10"></svg></figure>'
    """
    parts = _CHART_PARTS.fullmatch(figure)
    label = re.search(_ATTRIBUTE.format(name="aria-label"), parts[1], re.IGNORECASE) if parts else None
    if not parts or not label or not (label[1] or label[2] or "").strip():
        return figure
    try:
        svg = ElementTree.fromstring(parts[2])
    except ElementTree.ParseError:
        return figure
    elsewhere = "url(" in parts[2] or any(svg.find(f".//{_SVG}{tag}") is not None for tag in _REFERRING)
    if not elsewhere:  # nothing outside an element's own attributes and its parents' paints can change how it draws
        _strip(svg, _inherit(svg, "fill", "black"), _inherit(svg, "stroke", None))  # from SVG's initial paints
    data = base64.b64encode(ElementTree.tostring(svg))  # the same XML tree: names as ns0:svg, for the SVG namespace
    opening = re.sub(_ATTRIBUTE.format(name="(?:role|aria-label)"), "", parts[1], flags=re.IGNORECASE)
    alt = html.escape(html.unescape(label[1] or label[2]))
    return f'{opening}<img src="data:image/svg+xml;base64,{data.decode("ascii")}" alt="{alt}">{parts[3].lstrip()}'


def _strip(element: ElementTree.Element, fill: str | None, stroke: str | None) -> None:
    """Leave out of an SVG element what cannot change the drawing (see :func:`chart_for_print`).

    ``fill`` and ``stroke`` are what the element inherits ("?" when a ``style`` attribute may have set them).
    """
    for name in [name for name in element.attrib if _NOT_DRAWN.fullmatch(name)]:
        del element.attrib[name]
    for child in list(element):
        paints = [_inherit(child, name, value) for name, value in (("fill", fill), ("stroke", stroke))]
        _strip(child, *paints)
        if "id" in child.attrib:  # something may refer to it
            continue
        if child.tag == f"{_SVG}path":
            if not child.get("d", "").strip() or all(paint in (None, "none") for paint in paints):
                element.remove(child)  # no outline, or neither filled nor stroked
        elif child.tag == f"{_SVG}g" and not len(child):
            element.remove(child)  # a group left with nothing in it


def _inherit(element: ElementTree.Element, name: str, inherited: str | None) -> str | None:
    if "style" in element.attrib:
        return "?"
    own = element.get(name)
    return inherited if own in (None, "inherit") else own


def drop_charts(text: str, kinds: tuple[str, ...]) -> str:
    """HTML without the chart figures whose kind (class ``chart-<kind>``) is not among ``kinds``.

    >>> drop_charts('<p>A</p><figure class="chart chart-spc"><svg></svg></figure><p>B</p>', ("cumulative",))
    '<p>A</p><p>B</p>'
    >>> drop_charts('<figure class="chart chart-cumulative"><svg></svg></figure>', ("cumulative",))
    '<figure class="chart chart-cumulative"><svg></svg></figure>'
    """

    def keep(match: re.Match) -> str:
        opening = _CHART_PARTS.fullmatch(match[0])[1]
        names = re.search(_ATTRIBUTE.format(name="class"), opening, re.IGNORECASE)
        kind = re.search(r"\bchart-([a-z0-9-]+)", (names[1] or names[2]) if names else "")
        return match[0] if kind is None or kind[1] in kinds else ""

    return _CHART.sub(keep, text)


def print_charts(text: str) -> str:
    """HTML with every chart's figure (a ``<figure>`` opening with an ``<svg>``) in print form (:func:`chart_for_print`)."""
    return _CHART.sub(lambda match: chart_for_print(match[0]), text)


def _refuse_remote(url: str) -> None:
    """Raise ``ValueError`` unless ``url`` is inline data or a file on this machine.

    >>> _refuse_remote("data:image/png;base64,AAAA"), _refuse_remote("file:///srv/site/chart.png")
    (None, None)
    >>> _refuse_remote("file://example.com/chart.png")
    Traceback (most recent call last):
    ...
    ValueError: the committee paper fetches nothing from the network (refused 'file://example.com/chart.png')
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "data" or (scheme == "file" and parts.netloc.lower() in ("", "localhost")):
        return
    raise ValueError(f"the committee paper fetches nothing from the network (refused {url[:80]!r})")


@functools.cache
def _local_fetcher_class() -> type:
    from weasyprint.urls import URLFetcher

    class LocalFetcher(URLFetcher):
        """WeasyPrint's URL fetcher, refusing every URL that is not inline data or a local file."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            _refuse_remote(url)
            return super().fetch(url, headers)

    return LocalFetcher


def local_fetcher() -> Any:
    """The paper's URL fetcher for WeasyPrint: local files and inline data only, never the network.

    A refused URL (``http:``, ``ftp:``, a ``file:`` URL naming another host, a
    scheme-relative ``//host/...``) raises ``ValueError``; WeasyPrint reports it
    as a warning and lays the paper out without that resource.
    """
    return _local_fetcher_class()(allowed_protocols=("file", "data"), allow_redirects=False, fail_on_errors=False)


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value).strip()


def _meeting(day: str) -> str:
    """``2015-07-23`` -> ``23 July 2015``."""
    import datetime as dt

    try:
        d = dt.date.fromisoformat(day)
    except ValueError:
        return day
    return f"{d.day} {d:%B %Y}"


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
                line += f": forecast {float(forecast):,.0f} against a target of {float(target):,.0f}"
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
        return [Section(s.name, _local_links(s.html, ids)) for s in notebook_sections(nb)]

    reasons = {str(r["measure_id"]): _text(r["reason"]) for r in data.exceptions.to_dict("records")}
    parts = []
    for m in register.measures:
        row = data.status_row(m.id)
        code = row["status"]
        label = _text(row["status_label"]) or register.label(code)
        sections = sections_of(f"measures/{m.id}.ipynb")
        parts.append(MeasurePart(m.id, m.title, m.priority, code, label, sections, reasons.get(m.id, "")))
    found = sections_of("dashboard.ipynb")
    dashboard = [s for s in found if s.name in ("measures", "table", "dashboard")]
    if not dashboard and found:  # the cells do not name it: the dashboard's table is its widest section
        dashboard = [max(found, key=lambda s: len(s.html))]
    report = register.report
    context = {
        "partnership": register.partnership,
        "quarter": quarter,
        "quarter_words": _quarter_words(quarter),
        "report": report,
        "meeting": _meeting(report.meeting) if report.meeting else "",
        "sources": [
            {"file": name, "source": s.source, "status": s.status, "status_words": SOURCE_STATUS_WORDS[s.status]}
            for name, s in register.sources.items()
        ],
        "summary": _summary(data, parts),
        "dashboard": dashboard,
        "exceptions": [p for p in parts if p.exception],
        "others": [p for p in parts if not p.exception],
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
        url_fetcher=local_fetcher(),
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
