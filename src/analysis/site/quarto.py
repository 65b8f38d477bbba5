"""Render a quarter with Quarto: stage a website project laid out as the site, render it, copy the quarter out.

The staging project holds a copy of the project's ``_quarto.yml`` (plus one line
naming the generated ``_navigation.yml``), ``index.qmd``, the stylesheet, and
the quarter's notebooks at their site paths::

    _quarto.yml  _navigation.yml  index.qmd  src/analysis/templates/site/report.css
    <quarter>/index.ipynb                   (the dashboard)
    <quarter>/strategic-assessment.ipynb
    <quarter>/measures/<measure_id>.ipynb
    <quarter>/<other>.ipynb                 (any other notebook of the quarter)

The staged notebooks are the readers' copies made by
:func:`analysis.site.catalogue.display_notebook` with a title cell (and a failure banner
where the notebook failed) put first and, last, links to the committee paper, the
page's notebook view ("How this page was made") and the executed notebook.
``_quarto.yml`` turns execution off, so Quarto renders the outputs papermill
left and runs nothing. ``quarto render`` writes ``_site/``; its ``<quarter>/``
folder is copied into the site folder with Quarto's ``site_libs`` beside the
pages, so the quarter's folder works on its own, like the built-in renderer's.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import nbformat
import yaml

from analysis.core.paths import PROJECT_ROOT
from analysis.errors import QuartoNotFoundError, QuartoRenderError, SiteError
from analysis.site.assets import SITE_TEMPLATES, stylesheet
from analysis.site.catalogue import (
    PAPER_NAME,
    Page,
    QuarterContext,
    display_notebook,
    failure_notice,
    missing_notebook,
    navigation_links,
    notebook_failure,
    page_title,
)

NAVIGATION_FILE = "_navigation.yml"
_MARKDOWN_SPECIALS = {c: f"&#{ord(c)};" for c in "\\`*_{}[]$@~^|"}
_BLOCK_START = re.compile(r"^(\s*)(?:([-+#>:])|(\d+)([.)]))")


def quarto_text(text: str) -> str:
    """Text safe to give Quarto where it expects Markdown or HTML (titles, navigation, banners).

    HTML's and Markdown's active characters become character references, which both
    show as the characters themselves; so does a start that Markdown reads as a list
    or a heading.

    >>> quarto_text("<script>alert(1)</script> & *Hate* crime")
    '&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#42;Hate&#42; crime'
    >>> quarto_text("- 2015-16"), quarto_text("1. Reduce"), quarto_text("Anti-social behaviour")
    ('&#45; 2015-16', '1&#46; Reduce', 'Anti-social behaviour')
    """
    escaped = "".join(_MARKDOWN_SPECIALS.get(c, c) for c in html.escape(text))
    return _BLOCK_START.sub(_escape_block_start, escaped, count=1)


def _escape_block_start(match: re.Match[str]) -> str:
    lead, mark, number, closer = match.groups()
    return f"{lead}&#{ord(mark)};" if mark else f"{lead}{number}&#{ord(closer)};"


def quarto_binary() -> str:
    """The ``quarto`` command, or :class:`QuartoNotFoundError` saying what to do instead."""
    found = shutil.which("quarto")
    if not found:
        raise QuartoNotFoundError(
            "the Quarto renderer was asked for but `quarto` is not on PATH; install Quarto "
            "(https://quarto.org/docs/get-started/) or build with --renderer builtin"
        )
    return found


def navigation(context: QuarterContext, pages: list[Page]) -> dict[str, Any]:
    """The generated part of the site's configuration: title, this quarter's navbar, measures by priority."""
    q = context.quarter
    sources = {page.html: f"{q}/{staged_name(page)}" for page in pages}
    sections = []
    for priority, measures in context.groups():
        items = [{"text": quarto_text(m.title), "href": sources[f"measures/{m.id}.html"]} for m in measures]
        sections.append({"section": quarto_text(priority), "contents": items})
    others = [p for p in pages if p.kind == "measure" and context.measure(p.measure_id) is None]
    if others:
        sections.append({"section": "Other measures", "contents": [sources[p.html] for p in others]})
    return {
        "website": {
            "title": quarto_text(f"{context.partnership} performance report"),
            "navbar": {
                "left": [
                    *({"text": text, "href": sources[name]} for text, name in navigation_links()),
                    *({"text": quarto_text(title), "href": sources[name]} for name, title in context.extra_pages),
                ]
            },
            "sidebar": {"title": "Measures by priority", "style": "docked", "contents": sections},
            "page-footer": {
                "left": quarto_text(f"{context.partnership} · {context.quarter_name}"),
                "right": quarto_text(" · ".join(f"{k}: {v}" for k, v in context.provenance)),
            },
        }
    }


def staged_name(page: Page) -> str:
    """The notebook's path in the staged project, relative to the quarter's folder.

    >>> staged_name(Page("index.html", None, "dashboard.ipynb", "dashboard"))
    'index.ipynb'
    >>> staged_name(Page("measures/asb.html", None, "measures/asb.ipynb", "measure", "asb"))
    'measures/asb.ipynb'
    """
    return page.html[: -len(".html")] + ".ipynb"


def staged_notebook(page: Page, context: QuarterContext) -> Any:
    """The notebook Quarto renders for a page: readers' cells between a title and the notebook link."""
    if page.notebook is None:
        nb, failure = missing_notebook(page), None
    else:
        nb = nbformat.read(page.notebook, as_version=4)
        failure = notebook_failure(nb)
    title, kicker = page_title(page, context, nb)
    shown = display_notebook(nb)
    front: dict[str, Any] = {}
    if shown.cells and shown.cells[0].cell_type == "raw" and shown.cells[0].source.lstrip().startswith("---"):
        loaded = yaml.safe_load(shown.cells.pop(0).source.strip().strip("-")) or {}
        front = loaded if isinstance(loaded, dict) else {}
    front.update({"title": quarto_text(title), "pagetitle": quarto_text(f"{title} – {context.partnership}")})
    if kicker:
        front["subtitle"] = quarto_text(kicker)
    cells = [nbformat.v4.new_raw_cell("---\n" + yaml.safe_dump(front, allow_unicode=True, sort_keys=False) + "---")]
    notice = failure_notice(page, failure)
    if notice:
        headline, detail = quarto_text(notice["headline"]), quarto_text(notice["detail"])
        banner = f'::: {{.failure role="alert"}}\n**{headline}**\n\n{detail}\n:::'
        cells.append(nbformat.v4.new_markdown_cell(banner))
    cells.extend(shown.cells)
    links = [f"[Committee paper (PDF)]({page.prefix}{PAPER_NAME}){{.paper-link}} (this quarter's report for the board)"]
    if page.notebook is not None:
        links += [
            f"[How this page was made]({page.prefix}{page.view_html}){{.view-link}} (the notebook behind this page, "
            "code and parameters shown)",
            f"[Executed notebook]({page.prefix}notebooks/{page.notebook_rel}){{.notebook-link}} (for reviewers: the "
            "parameters, code and outputs behind this page)",
        ]
    cells.append(nbformat.v4.new_markdown_cell(" · ".join(links)))
    shown.cells = cells
    return shown


def stage_project(context: QuarterContext, pages: list[Page], stage: Path, *, root: Path = PROJECT_ROOT) -> Path:
    """Write the Quarto project for one quarter into ``stage`` and return the staged ``_quarto.yml``."""
    source = root / "_quarto.yml"
    if not source.is_file():
        raise SiteError(f"there is no _quarto.yml in {root}, which the Quarto renderer needs")
    config = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    extra = [str(f) for f in config.get("metadata-files", [])]
    for name in extra:
        if (root / name).is_file():
            _copy(root / name, stage / name)
    config["metadata-files"] = [*extra, NAVIGATION_FILE]
    stage.mkdir(parents=True, exist_ok=True)
    staged = stage / "_quarto.yml"
    staged.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    (stage / NAVIGATION_FILE).write_text(
        yaml.safe_dump(navigation(context, pages), allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    css = config.get("format", {}).get("html", {}).get("css", [])
    for name in [css] if isinstance(css, str) else css:
        if Path(name).name == "report.css":  # the site's own stylesheet, with the status colours put first
            (stage / name).parent.mkdir(parents=True, exist_ok=True)
            (stage / name).write_text(stylesheet(), encoding="utf-8")
            continue
        found = root / name if (root / name).is_file() else SITE_TEMPLATES / Path(name).name
        _copy(found, stage / name)
    if (root / "index.qmd").is_file():
        _copy(root / "index.qmd", stage / "index.qmd")
    else:
        (stage / "index.qmd").write_text('---\ntitle: "Quarterly performance reports"\n---\n', encoding="utf-8")
    for page in pages:
        target = stage / context.quarter / staged_name(page)
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(staged_notebook(page, context), target)
    return staged


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


def run_quarto(quarto: str, stage: Path) -> None:
    """``quarto render`` in the staged project, with this interpreter as Quarto's Python."""
    env = dict(os.environ)
    env.setdefault("QUARTO_PYTHON", sys.executable)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    done = subprocess.run([quarto, "render"], cwd=stage, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-30:])
        raise QuartoRenderError(f"`quarto render` failed (exit {done.returncode}):\n{tail}")


def collect_output(stage: Path, context: QuarterContext, pages: list[Page], site_dir: Path) -> list[Path]:
    """Copy the rendered quarter into ``site_dir`` with Quarto's libraries beside it; return the pages."""
    output = stage / "_site"
    quarter_out = output / context.quarter
    if not quarter_out.is_dir():
        raise QuartoRenderError(f"`quarto render` wrote no {context.quarter}/ folder into {output}")
    shutil.copytree(quarter_out, site_dir, dirs_exist_ok=True)
    if (output / "site_libs").is_dir():
        shutil.copytree(output / "site_libs", site_dir / "site_libs", dirs_exist_ok=True)
        for page in site_dir.rglob("*.html"):
            rel = page.relative_to(site_dir)
            if rel.parts[0] == "site_libs":
                continue
            depth = len(rel.parts) - 1
            text = page.read_text(encoding="utf-8")
            text = text.replace('"' + "../" * (depth + 1) + "site_libs/", '"' + "../" * depth + "site_libs/")
            page.write_text(text, encoding="utf-8")
    written = [site_dir / page.html for page in pages]
    missing = [p.name for p in written if not p.is_file()]
    if missing:
        raise QuartoRenderError(f"`quarto render` did not write {', '.join(missing)}")
    return written


def render_with_quarto(context: QuarterContext, pages: list[Page], site_dir: Path) -> list[Path]:
    """Render a quarter's pages with Quarto into ``site_dir``."""
    quarto = quarto_binary()
    with tempfile.TemporaryDirectory(prefix="csp-quarto-") as tmp:
        stage = Path(tmp) / "project"
        stage_project(context, pages, stage)
        run_quarto(quarto, stage)
        return collect_output(stage, context, pages, site_dir)
