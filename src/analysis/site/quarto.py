"""Render a quarter with Quarto: stage a website project whose root is the quarter's folder, render it once.

The staging project is the quarter's folder of the site, so every link Quarto
writes (navbar, sidebar, its own ``site_libs/``) stays inside that folder and a
quarter copied on its own still works::

    _quarto.yml  _navigation.yml  home.qmd  src/analysis/templates/quarto/theme.scss
    index.ipynb                   (the dashboard)
    strategic-assessment.ipynb
    measures/<measure_id>.ipynb
    <other>.ipynb                 (any other notebook of the quarter, such as method.ipynb)

``_quarto.yml`` is the project's own, plus one line naming the generated
``_navigation.yml`` (the site's title, the quarter's pages, its measures by
priority with their statuses). The theme is Bootstrap's default with the site's
stylesheet (:func:`analysis.site.assets.stylesheet`) as a theme layer. ``home.qmd``
is the project's ``index.qmd``: the home page, rendered in the same run and kept
beside Quarto's libraries (:data:`HOME_TEMPLATE`) for :func:`home_page`.

The staged notebooks are the readers' copies made by
:func:`analysis.site.catalogue.display_notebook`, with a title (and a failure
banner where the notebook failed) first and, last, the links to the committee
paper, the page's notebook view and the executed notebook. Their HTML outputs
are handed to Quarto as Markdown outputs holding a raw HTML block
(:func:`quarto_output`): Quarto takes any ``text/html`` output for a JavaScript
widget and then loads require.js and jQuery from a CDN into the page. The block
holds a placeholder, and the output's HTML is put in its place in Quarto's page
(:func:`restore_outputs`), so that Pandoc and Quarto's HTML parser need not read
it. ``_quarto.yml`` turns execution off, so Quarto renders the outputs papermill
left and runs nothing.
"""

from __future__ import annotations

import contextlib
import functools
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import yaml

from analysis.core.paths import PROJECT_ROOT
from analysis.errors import QuartoNotFoundError, QuartoRenderError, QuartoVersionError, SiteError
from analysis.site.assets import stylesheet
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
from analysis.site.terms import glossary_links

# The oldest Quarto the site is made for: 1.7, the version tested (docs/rendering.md, "Rendering with Quarto").
SUPPORTED = (1, 7)
NAVIGATION_FILE = "_navigation.yml"
THEME = "src/analysis/templates/quarto/theme.scss"  # the theme layer _quarto.yml names, staged with the stylesheet
_STYLESHEET_MARK = "// @site-stylesheet@"
HOME_SOURCE = "home.qmd"  # the project's index.qmd in the staged project (the quarter's dashboard is index.html)
HOME_TEMPLATE = "site_libs/csp-report/home-page.template"  # Quarto's home page, kept with the quarter for home_page()
RENDER_LOG = "quarto-render.log"  # what `quarto render` said, kept in the site folder of a failed build

_MARKDOWN_SPECIALS = {c: f"&#{ord(c)};" for c in "\\`*_{}[]$@~^|"}
_SIDEBAR_SPECIALS = {c: f"\\{c}" for c in "\\`*_{}[]$@~^|'\""}
_BLOCK_START = re.compile(r"^(\s*)(?:([-+#>:])|(\d+)([.)]))")
_ASIDE = re.compile(r"<(/?)aside\b", re.IGNORECASE)
_BACKTICKS = re.compile(r"`+")
_RELATIVE_URL = re.compile(r"""(\s(?:href|src)=["'])(?![a-zA-Z][a-zA-Z0-9+.-]*:|/|#)""")
_OFFSET = re.compile(r'(<meta name="quarto:offset" content=")\./')
_QUARTERS = re.compile(r'(<div id="quarters"[^>]*>).*?(</div>)', re.DOTALL)
_TITLE = re.compile(r"<title>.*?</title>", re.DOTALL)


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


def sidebar_text(text: str) -> str:
    """A sidebar item's text for Quarto: as :func:`quarto_text` makes it, with backslash escapes for references.

    Quarto puts a sidebar item's Markdown in place by finding the item's text again
    in its page as the browser's parser writes it back, which keeps ``&amp;``,
    ``&lt;`` and ``&gt;`` but not a numeric reference: an item with one (an
    apostrophe, ``&#x27;``) would lose its Markdown, the status badge, and show it as
    written. A sidebar item is only ever read as Markdown, so a backslash escape is
    safe there; quotes are escaped too, as Pandoc would curl them.

    >>> print(sidebar_text("The partnership's *rate* & <b>"), sidebar_text("1. Reduce"), sep=" | ")
    The partnership\\'s \\*rate\\* &amp; &lt;b&gt; | 1\\. Reduce
    """
    escaped = "".join(_SIDEBAR_SPECIALS.get(c, c) for c in html.escape(text, quote=False))
    lead = _BLOCK_START.match(escaped)
    if lead is None:
        return escaped
    at = lead.start(2) if lead[2] else lead.start(4)
    return f"{escaped[:at]}\\{escaped[at:]}"


# --- Which Quarto -------------------------------------------------------------------------------------------------


def installed_quarto() -> tuple[str, str] | None:
    """The ``quarto`` on PATH and what its ``--version`` says (asked once per process), or ``None`` without one."""
    found = shutil.which("quarto")
    if not found:
        return None
    return found, _reported_version(found, Path(found).stat().st_mtime)


@functools.cache
def _reported_version(binary: str, modified: float) -> str:
    """What ``quarto --version`` prints, asked once per binary (and per change of it) in a process; ``""`` when
    it cannot say (:func:`check_version` then refuses it)."""
    try:
        done = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout if done.returncode == 0 else ""


def check_version(reported: str) -> str:
    """The version ``quarto --version`` reported, once it is one the site is made for.

    >>> check_version("1.7.34\\n")
    '1.7.34'
    >>> check_version("1.4.550")
    Traceback (most recent call last):
    ...
    analysis.errors.QuartoVersionError: the site needs Quarto 1.7 or later, and the `quarto` on PATH is 1.4.550; \
install a newer Quarto (https://quarto.org/docs/get-started/) or build with --renderer builtin
    """
    version = reported.strip().splitlines()[0].strip() if reported.strip() else ""
    numbers = re.match(r"(\d+)\.(\d+)", version)
    if numbers is None or tuple(int(n) for n in numbers.groups()) < SUPPORTED:
        raise QuartoVersionError(
            f"the site needs Quarto {_supported()} or later, and the `quarto` on PATH is "
            f"{version or 'of no version it would say'}; install a newer Quarto "
            "(https://quarto.org/docs/get-started/) or build with --renderer builtin"
        )
    return version


def _supported() -> str:
    return ".".join(map(str, SUPPORTED))


def require_quarto() -> tuple[str, str]:
    """The ``quarto`` command and its version, or :class:`QuartoNotFoundError` / :class:`QuartoVersionError`."""
    found = installed_quarto()
    if found is None:
        raise QuartoNotFoundError(
            f"the Quarto renderer was asked for but `quarto` is not on PATH; install Quarto {_supported()} or later "
            "(https://quarto.org/docs/get-started/) or build with --renderer builtin"
        )
    return found[0], check_version(found[1])


def choose_renderer(renderer: str) -> str:
    """``quarto`` or ``builtin`` for a ``--renderer`` choice.

    ``quarto`` must find a Quarto that is new enough (or raise); ``auto`` takes Quarto
    when one is on PATH and new enough, and otherwise the built-in renderer, saying
    so in one line when the Quarto it found is too old.
    """
    if renderer == "builtin":
        return "builtin"
    if renderer == "quarto":
        require_quarto()
        return "quarto"
    found = installed_quarto()
    if found is None:
        return "builtin"
    try:
        check_version(found[1])
    except QuartoVersionError as err:
        _warn_once(f"warning: {err}; the built-in renderer renders the site")
        return "builtin"
    return "quarto"


@functools.cache
def _warn_once(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- The staged project -------------------------------------------------------------------------------------------


def navigation(context: QuarterContext, pages: list[Page]) -> dict[str, Any]:
    """The generated part of the site's configuration: title, the quarter's navbar, measures by priority, footer.

    Every href is a path in the staged project, whose root is the quarter's folder, so Quarto writes each as a
    link inside that folder. The site's title follows each page's own in the browser's title bar, as the
    built-in pages have it ("Performance dashboard – Safer Plymouth, 2015-16 Q1 (April to June 2015)").
    """
    sources = {page.html: staged_name(page) for page in pages}
    sections = []
    for priority, measures in context.groups():
        items = [{"text": _measure_text(m), "href": sources[f"measures/{m.id}.html"]} for m in measures]
        sections.append({"section": quarto_text(priority), "contents": items})
    others = [p for p in pages if p.kind == "measure" and context.measure(p.measure_id) is None]
    if others:
        sections.append({"section": "Other measures", "contents": [sources[p.html] for p in others]})
    return {
        "website": {
            "title": quarto_text(f"{context.partnership}, {context.quarter_name}"),
            "navbar": {
                "left": [
                    *({"text": text, "href": sources[name]} for text, name in navigation_links()),
                    *({"text": quarto_text(title), "href": sources[name]} for name, title in context.extra_pages),
                ],
                "right": [{"text": "Committee paper (PDF)", "href": PAPER_NAME}],  # every page's header leads to it
            },
            # No title: a sidebar with a title gets an id and then shows only on the pages it lists.
            "sidebar": {"style": "docked", "contents": [{"text": "Measures by priority"}, *sections]},
            "page-footer": {"left": quarto_text(context.partnership)},
        }
    }


def _measure_text(m: Any) -> str:
    """A measure in the sidebar: its title, then its status symbol on a badge, with the status in words."""
    return (
        f'{sidebar_text(m.title)} [[{m.symbol}]{{.status-symbol aria-hidden="true"}}'
        f"[ ({sidebar_text(m.status_text)})]{{.visually-hidden}}]{{.status .status-mini .status-{m.code}}}"
    )


def staged_name(page: Page) -> str:
    """The notebook's path in the staged project (the quarter's folder).

    >>> staged_name(Page("index.html", None, "dashboard.ipynb", "dashboard"))
    'index.ipynb'
    >>> staged_name(Page("measures/asb.html", None, "measures/asb.ipynb", "measure", "asb"))
    'measures/asb.ipynb'
    """
    return page.html[: -len(".html")] + ".ipynb"


def raw_html(text: str) -> str:
    """HTML as Markdown for Quarto: a raw HTML block, which Pandoc passes through as it is.

    The fence is longer than any run of backticks inside.

    >>> print(raw_html('<p>``code``</p>'))
    ```{=html}
    <p>``code``</p>
    ```
    """
    fence = "`" * max(3, 1 + max((len(run) for run in _BACKTICKS.findall(text)), default=0))
    return f"{fence}{{=html}}\n{text.rstrip()}\n{fence}"


def out_of_the_margin(text: str) -> str:
    """An HTML output with each ``<aside>`` made a ``<div role="complementary">``, the same landmark.

    Quarto moves every ``aside`` of a page into its margin column, where the sources box read one word a line.

    >>> out_of_the_margin('<aside class="sources"><h2>Sources</h2></aside>')
    '<div role="complementary" class="sources"><h2>Sources</h2></div>'
    """
    return _ASIDE.sub(lambda m: "</div" if m.group(1) else '<div role="complementary"', text)


def quarto_output(output: Any, kept: dict[str, str]) -> Any:
    """A cell's output as Quarto is to render it: an HTML display as Markdown holding a placeholder, others as they are.

    Quarto (``src/core/jupyter/widgets.ts``) takes a notebook with any ``text/html`` output for one with
    JavaScript widgets and puts require.js and jQuery from cdnjs.cloudflare.com into its page; it renders
    ``text/markdown`` first when there is no HTML, and writes an HTML output as a raw block, as here. The
    block holds only a placeholder (:data:`PLACEHOLDER`): the HTML itself, kept in ``kept`` under the
    placeholder's number, is put into Quarto's page once it is rendered (:func:`restore_outputs`), as Quarto
    keeps HTML it must not touch (``removeAndPreserveHtml``), so Pandoc and Quarto's HTML parser read a few
    hundred bytes for each section rather than the section.
    """
    data = output.get("data", {}) if output.get("output_type") in ("display_data", "execute_result") else {}
    if "text/html" not in data:
        return output
    shown = nbformat.from_dict(dict(output))
    value = data["text/html"]
    key = str(len(kept) + 1)
    kept[key] = out_of_the_margin("".join(value) if isinstance(value, list) else str(value))
    shown.data = {"text/markdown": raw_html(PLACEHOLDER.format(key))}
    return shown


PLACEHOLDER = '<div data-csp-output="{}"></div>'
_PLACEHOLDERS = re.compile(r'<div data-csp-output="(\d+)"></div>')
OUTPUTS_FILE = ".csp-outputs.json"  # in the staged project: the HTML outputs its placeholders stand for


def restore_outputs(page: str, kept: dict[str, str]) -> tuple[str, set[str]]:
    """Quarto's page with each placeholder replaced by the HTML output it stands for, and the outputs put back.

    >>> restore_outputs('<main><div data-csp-output="2"></div></main>', {"2": "<p>Green</p>"})
    ('<main><p>Green</p></main>', {'2'})
    """
    found: set[str] = set()

    def output(match: re.Match[str]) -> str:
        found.add(match.group(1))
        return kept[match.group(1)]

    return _PLACEHOLDERS.sub(output, page), found


def staged_notebook(page: Page, context: QuarterContext, kept: dict[str, str]) -> Any:
    """The notebook Quarto renders for a page: readers' cells between a title and the page's links.

    Its HTML outputs are kept in ``kept`` and stand in the notebook as placeholders (:func:`quarto_output`).
    """
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
    front.pop("pagetitle", None)  # the title bar reads "<title> – <site title>", as on the built-in pages
    front["title"] = quarto_text(title)
    front["body-classes"] = f"page-{page.kind}" + (" page-has-failure" if failure or page.notebook is None else "")
    if kicker:
        front["subtitle"] = quarto_text(kicker)
    cells = [nbformat.v4.new_raw_cell("---\n" + yaml.safe_dump(front, allow_unicode=True, sort_keys=False) + "---")]
    notice = failure_notice(page, failure)
    if notice:
        headline, detail = quarto_text(notice["headline"]), quarto_text(notice["detail"])
        banner = f'::: {{.failure role="alert"}}\n**{headline}**\n\n{detail}\n:::'
        cells.append(nbformat.v4.new_markdown_cell(banner))
    for cell in shown.cells:
        if cell.cell_type == "code":
            cell.outputs = [quarto_output(o, kept) for o in cell.outputs]
        cells.append(cell)
    cells.append(nbformat.v4.new_markdown_cell(page_links(page, context)))
    shown.cells = cells
    return shown


def page_links(page: Page, context: QuarterContext) -> str:
    """The foot of a page, as on the built-in pages: the committee paper, how the page was made, the notebook."""
    prefix = page.prefix
    lines = [f"[Committee paper (PDF)]({prefix}{PAPER_NAME}){{.paper-link}} (this quarter's report for the board)"]
    if page.notebook is not None:
        lines += [
            f"[How this page was made]({prefix}{page.view_html}){{.view-link}} (the notebook behind this page, "
            "code and parameters shown) · "
            f"[Executed notebook]({prefix}notebooks/{page.notebook_rel}){{.notebook-link}} (for reviewers: the "
            "parameters, code and outputs behind this page)"
        ]
    if context.provenance:
        facts = " · ".join(f"{quarto_text(k)}: {quarto_text(v)}" for k, v in context.provenance)
        lines.append(
            f"{facts} · [Manifest]({prefix}manifest.json){{.manifest-link}} (the inputs' SHA-256, versions and "
            "parameters of this build)"
        )
    return "::: {.page-links}\n" + "\n\n".join(lines) + "\n:::"


def stage_project(context: QuarterContext, pages: list[Page], stage: Path, *, root: Path = PROJECT_ROOT) -> Path:
    """Write the Quarto project for one quarter into ``stage`` and return the staged ``_quarto.yml``."""
    source = root / "_quarto.yml"
    if not source.is_file():
        raise SiteError(f"there is no _quarto.yml in {root}, which the Quarto renderer needs")
    config = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    stage.mkdir(parents=True, exist_ok=True)
    extra = [str(f) for f in config.get("metadata-files", [])]
    for name in extra:
        if (root / name).is_file():
            _copy(root / name, stage / name)
    config["metadata-files"] = [*extra, NAVIGATION_FILE]
    staged = stage / "_quarto.yml"
    staged.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    (stage / NAVIGATION_FILE).write_text(
        yaml.safe_dump(navigation(context, pages), allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    html_format = config.get("format", {}).get("html", {})
    for key in ("theme", "css"):
        named = html_format.get(key, [])
        for name in [named] if isinstance(named, str) else named:
            if name == THEME:
                (stage / name).parent.mkdir(parents=True, exist_ok=True)
                (stage / name).write_text(theme(root / name), encoding="utf-8")
            elif (root / name).is_file():  # a file of the project's (not a Bootswatch theme's name)
                _copy(root / name, stage / name)
    home = root / "index.qmd"
    text = home.read_text(encoding="utf-8") if home.is_file() else '---\ntitle: "Quarterly performance reports"\n---\n'
    (stage / HOME_SOURCE).write_text(text, encoding="utf-8")
    kept: dict[str, str] = {}
    for page in pages:
        target = stage / staged_name(page)
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(staged_notebook(page, context, kept), target)
    (stage / OUTPUTS_FILE).write_text(json.dumps(kept, ensure_ascii=False), encoding="utf-8")
    return staged


def theme(template: Path) -> str:
    """The theme layer as staged: the template with the site's stylesheet (status colours, report.css) in its rules."""
    text = template.read_text(encoding="utf-8")
    if _STYLESHEET_MARK not in text:
        raise SiteError(f"{template} has no line {_STYLESHEET_MARK!r} to put the site's stylesheet at")
    return text.replace(_STYLESHEET_MARK, stylesheet(), 1)


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


# --- Rendering ----------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def quarto_rendering(
    context: QuarterContext, pages: list[Page], site_dir: Path, *, cache: Path | None = None
) -> Iterator[list[Path]]:
    """Render a quarter's pages with Quarto into ``site_dir`` while the ``with`` block does other work.

    Stages the project, starts one ``quarto render`` and yields a list that holds the pages
    written once the block has ended and Quarto has finished. A failure raises
    :class:`QuartoRenderError` with the end of what Quarto said; all of it is kept in
    ``site_dir/quarto-render.log``. Should the block fail, Quarto is stopped. With ``cache``,
    Quarto's own project cache is kept there between builds (:func:`restore_project_cache`).
    """
    binary, _ = require_quarto()
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="csp-quarto-") as tmp:
        stage = Path(tmp) / "project"
        stage_project(context, pages, stage)
        if cache is not None:
            restore_project_cache(cache, stage)
        log_path = Path(tmp) / RENDER_LOG
        with log_path.open("w", encoding="utf-8") as log:
            process = subprocess.Popen(
                [binary, "render"], cwd=stage, env=_quarto_env(), stdout=log, stderr=subprocess.STDOUT
            )
            try:
                yield written
            except BaseException:
                process.kill()
                process.wait()
                raise
            code = process.wait()
        said = log_path.read_text(encoding="utf-8", errors="replace")
        if code != 0:
            site_dir.mkdir(parents=True, exist_ok=True)
            (site_dir / RENDER_LOG).write_text(said, encoding="utf-8")
            tail = "\n".join(said.strip().splitlines()[-30:])
            raise QuartoRenderError(f"`quarto render` failed (exit {code}); its last words:\n{tail}")
        written.extend(collect_output(stage, context, pages, site_dir))
        if cache is not None:
            keep_project_cache(stage, cache)


PROJECT_CACHE = Path(".quarto") / "project-cache"  # Quarto's memos of a project (1.7: its theme's CSS variables)


def restore_project_cache(cache: Path, stage: Path) -> None:
    """Give the staged project the Quarto project cache kept by an earlier build, if there is one.

    Quarto 1.7 keeps there, by the hash of the theme's SCSS, the CSS variables it works out from
    the theme (about 2 s of CPU a render); an entry is never stale, since a changed theme has
    another hash. A cache that cannot be read is simply not used.
    """
    with contextlib.suppress(OSError, shutil.Error):
        if (cache / "project-cache").is_dir():
            shutil.copytree(cache / "project-cache", stage / PROJECT_CACHE)


def keep_project_cache(stage: Path, cache: Path) -> None:
    """Keep the staged project's Quarto cache for the next build when the render added to it.

    Written beside and renamed into place, so a build reading it meanwhile finds the old one whole,
    or none; a cache that cannot be written is left as it was.
    """
    made, kept = stage / PROJECT_CACHE, cache / "project-cache"
    if not made.is_dir():
        return
    names = {p.name for p in made.iterdir()}
    if kept.is_dir() and names <= {p.name for p in kept.iterdir()}:
        return
    fresh, old = cache / f".project-cache-{os.getpid()}", cache / f".project-cache-old-{os.getpid()}"
    with contextlib.suppress(OSError, shutil.Error):
        shutil.rmtree(fresh, ignore_errors=True)
        shutil.copytree(made, fresh)
        if kept.exists():
            kept.rename(old)
        fresh.rename(kept)
    shutil.rmtree(fresh, ignore_errors=True)
    shutil.rmtree(old, ignore_errors=True)


def _quarto_env() -> dict[str, str]:
    """Quarto's environment: this interpreter as its Python, no colour codes in what it says."""
    env = dict(os.environ)
    env.setdefault("QUARTO_PYTHON", sys.executable)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["NO_COLOR"] = "1"
    return env


def collect_output(stage: Path, context: QuarterContext, pages: list[Page], site_dir: Path) -> list[Path]:
    """Copy the rendered pages and Quarto's libraries into ``site_dir``, and the home page beside the libraries."""
    output = stage / "_site"
    missing = [page.html for page in pages if not (output / page.html).is_file()]
    if missing:
        raise QuartoRenderError(f"`quarto render` did not write {', '.join(missing)}")
    kept = json.loads((stage / OUTPUTS_FILE).read_text(encoding="utf-8"))
    written, restored = [], set()
    for page in pages:
        target = site_dir / page.html
        target.parent.mkdir(parents=True, exist_ok=True)
        text, found = restore_outputs((output / page.html).read_text(encoding="utf-8"), kept)
        target.write_text(glossary_links(page, text), encoding="utf-8")
        written.append(target)
        restored |= found
    if restored != set(kept):
        lost = sorted(set(kept) - restored, key=int)
        raise QuartoRenderError(
            f"Quarto's pages lost {len(lost)} of the notebooks' outputs (numbers {', '.join(lost)})"
        )
    if (output / "site_libs").is_dir():
        shutil.copytree(output / "site_libs", site_dir / "site_libs", dirs_exist_ok=True)
    home = output / (Path(HOME_SOURCE).stem + ".html")
    if home.is_file():
        (site_dir / HOME_TEMPLATE).parent.mkdir(parents=True, exist_ok=True)
        (site_dir / HOME_TEMPLATE).write_text(
            relocate(home.read_text(encoding="utf-8"), context.quarter), encoding="utf-8"
        )
    return written


def relocate(page: str, folder: str) -> str:
    """A page of the quarter's folder as it reads from the folder above: every relative link goes into ``folder``.

    >>> relocate('<a href="index.html">x</a><script src="site_libs/q.js"></script><a href="#top">', "2015-16-Q1")
    '<a href="2015-16-Q1/index.html">x</a><script src="2015-16-Q1/site_libs/q.js"></script><a href="#top">'
    >>> relocate('<meta name="quarto:offset" content="./"><a href="https://x.org">', "Q")
    '<meta name="quarto:offset" content="./Q/"><a href="https://x.org">'
    """
    page = _RELATIVE_URL.sub(lambda m: m.group(1) + folder + "/", page)
    return _OFFSET.sub(lambda m: m.group(1) + "./" + folder + "/", page)


def home_page(site_root: Path, quarter: str, listing: str, title: str) -> str | None:
    """The home page in the Quarto theme, made when ``quarter`` (the newest built) was rendered by Quarto.

    That render kept Quarto's page of ``index.qmd``, its links leading into the quarter's folder
    (:func:`relocate`); here the list of quarters (``listing``, HTML) fills its ``#quarters`` division and
    ``title`` is its title. ``None`` when the quarter was rendered by the built-in renderer.
    """
    template = site_root / quarter / HOME_TEMPLATE
    if not template.is_file():
        return None
    page = template.read_text(encoding="utf-8")
    page = _QUARTERS.sub(lambda m: m.group(1) + listing + m.group(2), page, count=1)
    return _TITLE.sub(lambda _: f"<title>{html.escape(title)}</title>", page, count=1)
