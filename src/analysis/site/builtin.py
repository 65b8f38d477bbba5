"""The built-in renderer: each page rendered by nbconvert with the site's template, and a cache of rendered pages.

Code hidden, parameter cells removed, the stylesheet inlined, and nothing fetched
from the network, so a page opened from a zip or an e-mail attachment looks the
same as on the intranet.

Each page also gets its notebook view (``notebooks/<page>.html``, "How this page
was made"): the executed notebook whole, with its parameters, code and the
reviewers' cells, in the same template and style, beside the ``.ipynb`` to
download. It is made with the same template as the pages, so it loads no
require.js, MathJax or widgets from a CDN either.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import hashlib
import html.parser
import re
import sys
from pathlib import Path
from typing import Any

import nbformat

from analysis.core.cachestore import fetch, store
from analysis.core.paths import TEMPLATES
from analysis.core.vocabulary import GLOSSARY, STATUS_SHORT, STATUS_SYMBOLS
from analysis.processed.contract import MANIFEST
from analysis.site.assets import SITE_TEMPLATES, stylesheet
from analysis.site.catalogue import (
    PAPER_NAME,
    Failure,
    Page,
    QuarterContext,
    display_notebook,
    failure_notice,
    missing_notebook,
    navigation_links,
    notebook_failure,
    page_title,
)
from analysis.site.terms import glossary_links

_IMAGE_WITHOUT_ALT = re.compile(r"<img(?![^>]*\balt=)")
NO_ALT = "No description has been provided for this image"


@functools.cache
def exporter(*, code: bool = False) -> Any:
    """The nbconvert exporter of this process for pages, or with ``code`` for notebook views.

    The site template is loaded and compiled once per kind. Pages hide code and
    prompts; the notebook views show both. Anchor links are hidden and
    Pygments' stylesheet is not made by nbconvert (the views scope their own).
    """
    from traitlets.config import Config

    hidden = {} if code else {"exclude_input": True, "exclude_input_prompt": True, "exclude_output_prompt": True}
    html_exporter = _site_exporter_class()(
        config=Config({"CSSHTMLHeaderPreprocessor": {"enabled": False}}),
        template_name="site",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_anchor_links=True,
        embed_images=True,
        **hidden,
    )
    html_exporter.template  # noqa: B018 - load and compile the template now, once
    return html_exporter


@functools.cache
def _site_exporter_class() -> type:
    """nbconvert's ``HTMLExporter`` without its last pass through BeautifulSoup.

    That pass parses and re-serialises the whole page (about a third of a page's
    rendering) to give images without alternative text a placeholder and make
    ``.jp-Notebook`` cells focusable; the site's template has no ``.jp-Notebook``,
    so only the placeholder is kept, put in by a regular expression.
    """
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class SiteExporter(HTMLExporter):
        def default_filters(self) -> Any:
            yield from super().default_filters()
            yield "highlight_code", Highlight2HTML(parent=self)  # the site template names it; replaced per notebook

        def from_notebook_node(self, nb: Any, resources: dict[str, Any] | None = None, **kw: Any) -> Any:
            language = nb.metadata.get("language_info", {})
            lexer = language.get("pygments_lexer", language.get("name", None))
            self.register_filter(
                "highlight_code", self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
            )
            resources = self._init_resources(resources)
            data_types = WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources)
            self.register_filter("filter_data_type", data_types)
            body, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            return _IMAGE_WITHOUT_ALT.sub(f'<img alt="{NO_ALT}"', body), resources

    return SiteExporter


@functools.cache
def code_stylesheet() -> str:
    """Pygments' colours for the code of the notebook views, scoped to the notebook views."""
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(style="default").get_style_defs(".page-notebook .highlight")


def notebook_view(page: Page) -> Page:
    """The page of a notebook's view: ``notebooks/<page>.html``, next to the copy of the notebook."""
    return dataclasses.replace(page, html=page.view_html)


def page_resources(page: Page, context: QuarterContext, nb: Any, failure: Failure | None) -> dict[str, Any]:
    """Everything the page template shows around the notebook's outputs, as plain text and relative links."""
    prefix = page.prefix
    title, kicker = page_title(page, context, nb)
    targets = [*([("All quarters", "../index.html")] if context.links_home else []), *navigation_links()]
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
                    "status": m.code,
                    "symbol": m.symbol,
                    "status_text": m.status_text,
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
        "view_href": f"{prefix}{page.view_html}" if page.notebook is not None else "",
        "page_href": "",
        "code_css": "",
        "provenance": [{"label": k, "value": v} for k, v in context.provenance],
        "manifest_href": f"{prefix}{MANIFEST}" if context.provenance else "",
        "paper_href": f"{prefix}{PAPER_NAME}",
        "css": stylesheet(),
    }


def page_key(page: Page, context: QuarterContext, view: bool = False) -> str:
    """What a page depends on: its executed notebook, the quarter's navigation and footer, and the templates."""
    digest = hashlib.sha256(repr((page.html, page.notebook_rel, page.kind, page.measure_id, context, view)).encode())
    if page.notebook is not None:
        digest.update(page.notebook.read_bytes())
    for path in sorted(SITE_TEMPLATES.iterdir()):
        digest.update(path.read_bytes())
    digest.update(repr((stylesheet(), STATUS_SHORT, STATUS_SYMBOLS, GLOSSARY)).encode())  # the terms linked too
    return digest.hexdigest()


def render_page(
    page: Page, context: QuarterContext, site_dir: Path, cache_dir: Path | None = None, *, view: bool = False
) -> Path:
    """Render one page with the built-in renderer and write it under ``site_dir``.

    With ``view``, the page's notebook view instead (``page.view_html``). With
    ``cache_dir``, a page whose notebook, navigation and templates are
    unchanged is copied from the last time it was rendered instead, once it is
    found whole and with the hash recorded when it was cached; a cached page
    that fails either check is rendered again, with a notice on stderr.
    """
    name = page.view_html if view else page.html
    target = site_dir / name
    target.parent.mkdir(parents=True, exist_ok=True)
    key = page_key(page, context, view) if cache_dir is not None else ""
    if cache_dir is not None:
        cached, problem = fetch(cache_dir, key, ".html", page_problem)
        if problem:
            print(f"cache: page {name} {problem}; rendering it again", file=sys.stderr, flush=True)
        if cached is not None:
            target.write_bytes(cached)  # the bytes checked, not the file again
            return target
    if view:
        _render_view(page, context, target)
    else:
        _render_page(page, context, target)
    if cache_dir is not None:
        store(cache_dir, key, ".html", target.read_bytes(), {"name": name})
    return target


class _Document(html.parser.HTMLParser):
    """Whether a page opens and closes its ``<html>`` element: a cut-off page does not."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.opened = self.closed = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.opened = self.opened or tag == "html"

    def handle_endtag(self, tag: str) -> None:
        self.closed = self.closed or (tag == "html" and self.opened)


def page_problem(data: bytes) -> str:
    """Why cached bytes are not a whole page; ``""`` when they are. Its hash is checked after this.

    >>> page_problem(b"<!DOCTYPE html>\\n<html><body><p>Fine</p></body></html>\\n")
    ''
    >>> page_problem(b"<!DOCTYPE html>\\n<html><body><p>Cut")
    'is not a whole page (it does not end with </html>)'
    >>> page_problem(b"\\xff\\xfe<html></html>")
    'could not be read (it is not UTF-8 text)'
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "could not be read (it is not UTF-8 text)"
    document = _Document()
    document.feed(text)
    document.close()
    if not (document.opened and document.closed and text.rstrip().endswith("</html>")):
        return "is not a whole page (it does not end with </html>)"
    return ""


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
    target.write_text(glossary_links(page, body), encoding="utf-8", newline="\n")


def _render_view(page: Page, context: QuarterContext, target: Path) -> None:
    """The executed notebook whole, code and parameters shown, in the site's template."""
    nb = nbformat.read(page.notebook, as_version=4)
    title, _ = page_title(page, context, nb)
    view = notebook_view(page)
    site = page_resources(view, context, nb, None)
    site.update(
        kind="notebook",
        title=f"How this page was made: {title}",
        kicker="The executed notebook, for reviewers",
        page_title=title,
        page_href=view.prefix + page.html,
        notebook_href=Path(page.notebook_rel).name,  # beside the view
        view_href="",
        code_css=code_stylesheet(),
        failure=failure_notice(page, notebook_failure(nb)),
    )
    resources = {"site": site, "metadata": {"name": Path(page.notebook_rel).stem}}
    shown = copy.deepcopy(nb)  # papermill's banner goes: the failure notice above says the same
    shown.cells = [c for c in shown.cells if "papermill-error-cell-tag" not in c.get("metadata", {}).get("tags", [])]
    for i, cell in enumerate(shown.cells, start=1):
        cell.id = f"cell-{i}"  # papermill gives its parameters cell a random id: the same view from the same build
        if cell.cell_type == "markdown":  # one <h1> a page: the view's own title
            cell.source = re.sub(r"^#(?=\s)", "##", cell.source, flags=re.MULTILINE)
    body, _ = exporter(code=True).from_notebook_node(shown, resources=resources)
    target.write_text(body, encoding="utf-8", newline="\n")
