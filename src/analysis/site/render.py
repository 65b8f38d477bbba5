"""The published site: a quarter's executed notebooks rendered as pages readers open offline.

``render_quarter`` turns ``reports/<quarter>/`` into ``_site/<quarter>/``: the
dashboard as ``index.html``, ``strategic-assessment.html`` and
``measures/<measure_id>.html``, each with the site's navigation and a link to the
executed notebook it came from (copied into ``notebooks/``) so a reviewer can
trace every figure. ``render_index`` writes ``_site/index.html``, which lists
every quarter built so far.

Pages are rendered by Quarto when it is installed (see :mod:`analysis.site.quarto`)
and otherwise by nbconvert with the project's own template
(``templates/site/``): code hidden, parameter cells removed, the stylesheet
inlined, and nothing fetched from the network, so a page opened from a zip or an
e-mail attachment looks the same as on the intranet. A notebook that failed
still gets its page, which says that it failed and why.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import html.parser
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from analysis.core.paths import TEMPLATES
from analysis.core.periods import PeriodError, months_of_year, parse_quarter, period_name
from analysis.core.register import STATUS_CODES
from analysis.processed.atomic import write_text_atomic
from analysis.report.html import STATUS_SHORT
from analysis.report.html import STATUS_SYMBOLS as BADGE_SYMBOLS

SITE_TEMPLATES = TEMPLATES / "site"
RENDERERS = ("auto", "builtin", "quarto")

# The same words and symbols as the notebooks' badges, so navigation and pages agree.
STATUS_WORDS, STATUS_SYMBOLS = STATUS_SHORT, BADGE_SYMBOLS

# Cells that are for the notebook's reader, not the page's.
REMOVE_CELL_TAGS = frozenset({"parameters", "injected-parameters", "papermill-error-cell-tag", "remove-cell"})
REMOVE_OUTPUT_TAGS = frozenset({"remove-output"})

# The elements and attributes a browser fetches as a page opens (links, <a href>, are followed
# only when clicked, and XML namespaces are never fetched), and CSS that fetches.
_FETCHES: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("script", "img", "iframe", "frame", "embed", "source", "track", "audio", "input"), ("src",)),
    "img": ("src", "srcset"),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "link": ("href",),
    "object": ("data",),
    "image": ("href", "xlink:href"),
    "use": ("href", "xlink:href"),
    "feimage": ("href", "xlink:href"),
}
_OFFSITE = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)
_CSS_FETCHES = re.compile(
    r"""@import\s+(?:url\(\s*)?["']?\s*(?:[a-z][a-z0-9+.-]*:)?//[^\s"')]*"""
    r"""|url\(\s*["']?\s*(?:[a-z][a-z0-9+.-]*:)?//[^)"'\s]*""",
    re.IGNORECASE,
)


class _FetchFinder(html.parser.HTMLParser):
    """Collects what a page would fetch from elsewhere; text is never looked at, only markup and CSS."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in _FETCHES.get(tag, ()):
                urls = [u.strip().split()[0] for u in value.split(",") if u.strip()] if name == "srcset" else [value]
                self.found += [f'<{tag} {name}="{u.strip()}">' for u in urls if _OFFSITE.match(u)]
            elif name == "style":
                self.found += [m.group(0) for m in _CSS_FETCHES.finditer(value)]
        self._in_style = tag == "style"

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.found += [m.group(0) for m in _CSS_FETCHES.finditer(data)]


class SiteError(RuntimeError):
    """The site could not be rendered; the message says why and what to do."""


class QuartoNotFoundError(SiteError):
    """``renderer="quarto"`` was asked for but there is no ``quarto`` on PATH."""


class OffsiteContentError(SiteError):
    """A page would fetch a script, style, font or image from outside the site."""


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


@dataclass(frozen=True)
class QuarterContext:
    """What every page of a quarter shows around its notebook: who, when, which measures."""

    quarter: str
    partnership: str
    measures: tuple[MeasureEntry, ...]
    extra_pages: tuple[tuple[str, str], ...] = ()  # (page, title) of notebooks besides the usual ones
    provenance: tuple[tuple[str, str], ...] = ()  # (label, value) from the quarter's manifest, for footers

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


def offsite_fetches(page: str) -> list[str]:
    """What a page would fetch from outside the site: scripts, styles, fonts, images, frames.

    Only markup that a browser fetches counts: the ``src`` of an image, script
    or frame, a stylesheet ``<link href>``, and CSS ``url()`` or ``@import`` in a
    ``<style>`` element or ``style`` attribute. Links (``<a href>``), XML
    namespaces and text, such as an email address or an address written out in
    commentary, are not fetched and are not reported.

    >>> offsite_fetches('<svg xmlns="http://www.w3.org/2000/svg"></svg><a href="https://police.uk">x</a>')
    []
    >>> offsite_fetches('<p>Ask stats@import-export.gov.uk; see url(https://x.org) or &lt;img src="//x"&gt;</p>')
    []
    >>> offsite_fetches('<script src="https://cdn.example/x.js"></script><p style="background:url(//e.x/a.png)">')
    ['<script src="https://cdn.example/x.js">', 'url(//e.x/a.png']
    >>> offsite_fetches('<style>@import "https://fonts.example/f.css";</style><img src="chart.png">')
    ['@import "https://fonts.example/f.css']
    """
    finder = _FetchFinder()
    finder.feed(page)
    finder.close()
    return finder.found


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
    from analysis.processed.tables import read_processed, read_register_json

    statuses: dict[str, tuple[str, str, str, str]] = {}
    partnership = ""
    if (processed_dir / "measure_status.csv").exists():
        frame = read_processed(processed_dir, "measure_status.csv")
        for row in frame.to_dict("records"):
            statuses[str(row["measure_id"])] = (
                str(row.get("title", "")),
                str(row.get("priority", "")),
                str(row.get("status", "no_data")),
                str(row.get("status_label", "")),
            )
    measures: list[MeasureEntry] = []
    if (processed_dir / "register.json").exists():
        register = read_register_json(processed_dir)
        partnership = register.partnership
        for m in register.measures:
            status = statuses.get(m.id, ("", "", "no_data", ""))[2]
            label = statuses.get(m.id, ("", "", "", ""))[3] or register.label(
                status if status in STATUS_CODES else "no_data"
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
    )


def provenance(processed_dir: Path) -> tuple[tuple[str, str], ...]:
    """What the footer says about where a page came from, read from the quarter's ``manifest.json``.

    The build date is a date, not a time, so pages rebuilt from the same inputs on
    the same day are identical.
    """
    path = Path(processed_dir) / "manifest.json"
    if not path.is_file():
        return ()
    import json

    record = json.loads(path.read_text(encoding="utf-8"))
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
        Page("index.html", found.pop("dashboard.ipynb", None), "dashboard.ipynb", "dashboard"),
        Page(
            "strategic-assessment.html",
            found.pop("strategic-assessment.ipynb", None),
            "strategic-assessment.ipynb",
            "assessment",
        ),
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
    if page.kind == "dashboard":
        return "Performance dashboard", ""
    if page.kind == "assessment":
        return "Strategic assessment", ""
    if page.kind == "measure":
        m = context.measure(page.measure_id)
        if m is not None:
            return m.title, m.priority
        return page.measure_id, "Other measures"
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
    subject = {"measure": "this measure", "dashboard": "the dashboard", "assessment": "the strategic assessment"}
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


@functools.cache
def stylesheet() -> str:
    """The site's stylesheet, read once."""
    return (SITE_TEMPLATES / "report.css").read_text(encoding="utf-8")


def copy_notebooks(pages: list[Page], site_dir: Path) -> None:
    """Copy each executed notebook, byte for byte, to ``site_dir/notebooks/``."""
    for page in pages:
        if page.notebook is not None:
            target = site_dir / "notebooks" / page.notebook_rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(page.notebook, target)


def check_offline(pages: dict[Path, str]) -> None:
    """Raise :class:`OffsiteContentError` naming every page that would fetch from elsewhere."""
    problems = [f"{path.name}: {ref}" for path, text in pages.items() for ref in offsite_fetches(text)]
    if problems:
        raise OffsiteContentError(
            "these pages would load content from the network, which the published report must not do "
            "(make charts as inline SVG and keep images inside the notebook):\n  " + "\n  ".join(problems)
        )


def render_quarter(
    quarter: str,
    reports_dir: Path,
    processed_dir: Path,
    site_dir: Path,
    *,
    renderer: str = "auto",
    cache_dir: Path | None = None,
) -> list[Path]:
    """Render a quarter's executed notebooks into ``site_dir`` and return the pages written.

    ``renderer``: ``"auto"`` uses Quarto when ``quarto`` is on PATH and the built-in
    renderer otherwise; ``"quarto"`` without Quarto raises :class:`QuartoNotFoundError`.
    """
    if renderer not in RENDERERS:
        raise ValueError(f"renderer {renderer!r} is not one of {', '.join(RENDERERS)}")
    reports_dir, processed_dir, site_dir = Path(reports_dir), Path(processed_dir), Path(site_dir)
    context = load_context(str(quarter), processed_dir)
    pages = discover_pages(reports_dir, context)
    extra = [p for p in pages if p.kind == "other"]
    titles = [page_title(p, context, nbformat.read(p.notebook, as_version=4))[0] for p in extra if p.notebook]
    context = dataclasses.replace(context, extra_pages=tuple(zip((p.html for p in extra), titles, strict=True)))
    site_dir.mkdir(parents=True, exist_ok=True)
    if renderer == "quarto" or (renderer == "auto" and shutil.which("quarto")):
        from analysis.site.quarto import render_with_quarto

        written = render_with_quarto(context, pages, site_dir)
    else:
        written = [render_page(page, context, site_dir, cache_dir) for page in pages]
    copy_notebooks(pages, site_dir)
    if (processed_dir / "manifest.json").is_file():
        shutil.copyfile(processed_dir / "manifest.json", site_dir / "manifest.json")
    check_offline({p: p.read_text(encoding="utf-8") for p in written})
    return written


def render_index(processed_root: Path, site_root: Path, *, publishing: tuple[str, ...] = ()) -> Path:
    """Write ``site_root/index.html``: every quarter built so far, newest first, with its statuses.

    A quarter counts as built when ``processed_root/<quarter>/measure_status.csv``
    exists; it is linked when ``site_root/<quarter>/index.html`` exists or when it
    is named in ``publishing`` (a quarter whose site is about to be moved into place).
    """
    processed_root, site_root = Path(processed_root), Path(site_root)
    quarters = []
    for folder in processed_root.iterdir() if processed_root.is_dir() else []:
        if not (folder / "measure_status.csv").is_file():
            continue
        try:
            order = parse_quarter(folder.name)
        except PeriodError:
            continue
        quarters.append((order, _quarter_row(folder, site_root, set(publishing))))
    rows = [row for _, row in sorted(quarters, key=lambda item: item[0], reverse=True)]
    partnerships = list(dict.fromkeys(row["partnership"] for row in rows)) or ["Community Safety Partnership"]
    text = (
        _home_environment()
        .get_template("home.html.j2")
        .render(
            title="Quarterly performance reports",
            partnerships=partnerships,
            quarters=rows,
            statuses=[{"code": c, "word": STATUS_WORDS[c], "symbol": STATUS_SYMBOLS[c]} for c in STATUS_CODES],
            css=stylesheet(),
        )
    )
    check_offline({site_root / "index.html": text})
    target = site_root / "index.html"
    write_text_atomic(target, text)
    return target


def _quarter_row(folder: Path, site_root: Path, publishing: set[str]) -> dict[str, Any]:
    context = load_context(folder.name, folder)
    counts = {code: 0 for code in STATUS_CODES}
    for m in context.measures:
        counts[m.status if m.status in counts else "no_data"] += 1
    linked = folder.name in publishing or (site_root / folder.name / "index.html").is_file()
    return {
        "label": quarter_name(folder.name).split(" (")[0],
        "months": quarter_name(folder.name).partition(" (")[2].rstrip(")"),
        "href": f"{folder.name}/index.html" if linked else "",
        "partnership": context.partnership,
        "total": len(context.measures),
        "counts": counts,
        "summary": counts_in_words(counts),
    }


def counts_in_words(counts: dict[str, int]) -> str:
    """Status counts as a sentence, statuses with no measure left out.

    >>> counts_in_words({"achieved": 0, "green": 4, "amber": 1, "red": 1, "monitor": 2, "no_data": 0})
    '4 green, 1 amber, 1 red and 2 monitoring only'
    >>> counts_in_words({"green": 1}), counts_in_words({})
    ('1 green', 'no measures')
    """
    words = {"achieved": "achieved", "green": "green", "amber": "amber", "red": "red", "monitor": "monitoring only",
             "no_data": "with no data"}  # fmt: skip
    parts = [f"{counts[c]} {words[c]}" for c in STATUS_CODES if counts.get(c)]
    if not parts:
        return "no measures"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


@functools.cache
def _home_environment() -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(SITE_TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined
    )


@functools.cache
def exporter() -> Any:
    """The one nbconvert ``HTMLExporter`` of this process, with the site template loaded once.

    Code, prompts and anchor links are hidden; Pygments' stylesheet is not made,
    since no code is shown.
    """
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    config = Config({"CSSHTMLHeaderPreprocessor": {"enabled": False}})
    html_exporter = HTMLExporter(
        config=config,
        template_name="site",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        exclude_anchor_links=True,
        embed_images=True,
    )
    html_exporter.template  # noqa: B018 - load and compile the template now, once
    return html_exporter


def page_resources(page: Page, context: QuarterContext, nb: Any, failure: Failure | None) -> dict[str, Any]:
    """Everything the page template shows around the notebook's outputs, as plain text and relative links."""
    prefix = page.prefix
    title, kicker = page_title(page, context, nb)
    targets = [("All quarters", "../index.html"), ("Dashboard", "index.html"),
               ("Strategic assessment", "strategic-assessment.html")]  # fmt: skip
    targets += [(text, name) for name, text in context.extra_pages]
    links = [{"text": text, "href": prefix + name, "current": page.html == name} for text, name in targets]
    groups = [
        {
            "priority": priority,
            "measures": [
                {
                    "href": f"{prefix}measures/{m.id}.html",
                    "title": m.title,
                    "current": page.kind == "measure" and page.measure_id == m.id,
                    "status": m.status if m.status in STATUS_CODES else "no_data",
                    "symbol": STATUS_SYMBOLS.get(m.status, STATUS_SYMBOLS["no_data"]),
                    "status_text": STATUS_WORDS.get(m.status, STATUS_WORDS["no_data"])
                    + (f": {m.status_label}" if m.status_label else ""),
                }
                for m in measures
            ],
        }
        for priority, measures in context.groups()
    ]
    return {
        "kind": page.kind,
        "title": title,
        "kicker": kicker,
        "partnership": context.partnership,
        "quarter_name": context.quarter_name,
        "links": links,
        "groups": groups,
        "failure": failure_notice(page, failure),
        "notebook_href": f"{prefix}notebooks/{page.notebook_rel}" if page.notebook is not None else "",
        "provenance": [{"label": k, "value": v} for k, v in context.provenance],
        "manifest_href": f"{prefix}manifest.json" if context.provenance else "",
        "css": stylesheet(),
    }


def page_key(page: Page, context: QuarterContext) -> str:
    """What a page depends on: its executed notebook, the quarter's navigation and footer, and the templates."""
    import hashlib

    digest = hashlib.sha256(repr((page.html, page.notebook_rel, page.kind, page.measure_id, context)).encode())
    if page.notebook is not None:
        digest.update(page.notebook.read_bytes())
    for path in sorted(SITE_TEMPLATES.iterdir()):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def render_page(page: Page, context: QuarterContext, site_dir: Path, cache_dir: Path | None = None) -> Path:
    """Render one page with the built-in renderer and write it under ``site_dir``.

    With ``cache_dir``, a page whose notebook, navigation and templates are
    unchanged is copied from the last time it was rendered instead.
    """
    target = site_dir / page.html
    target.parent.mkdir(parents=True, exist_ok=True)
    cached = cache_dir / f"{page_key(page, context)}.html" if cache_dir is not None else None
    if cached is not None and cached.is_file():
        shutil.copyfile(cached, target)
        return target
    _render_page(page, context, target)
    if cached is not None:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_name(f".{cached.name}.{os.getpid()}.tmp")
        shutil.copyfile(target, tmp)
        tmp.replace(cached)
    return target


def _render_page(page: Page, context: QuarterContext, target: Path) -> None:
    if page.notebook is None:
        nb, failure = missing_notebook(page), None
    else:
        nb = nbformat.read(page.notebook, as_version=4)
        failure = notebook_failure(nb)
    resources = {
        "site": page_resources(page, context, nb, failure),
        "metadata": {"name": Path(page.html).stem},
    }
    body, _ = exporter().from_notebook_node(display_notebook(nb), resources=resources)
    target.write_text(body, encoding="utf-8", newline="\n")
