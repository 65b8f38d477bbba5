"""The published site: a quarter's executed notebooks rendered as pages readers open offline.

``render_quarter`` turns ``reports/<quarter>/`` into ``_site/<quarter>/``: the
dashboard as ``index.html``, ``strategic-assessment.html`` and
``measures/<measure_id>.html``, each with the site's navigation and a link to the
executed notebook it came from (copied into ``notebooks/``) so a reviewer can
trace every figure, and its notebook view beside that copy (``notebooks/<page>.html``,
"How this page was made": the notebook with its code and parameters shown, made
by the built-in renderer whichever renderer made the pages). ``render_index`` writes ``_site/index.html``, which lists
every quarter built so far.

Pages are rendered by Quarto when it is installed (:mod:`analysis.site.quarto`)
and otherwise by nbconvert with the project's own template
(:mod:`analysis.site.builtin`, ``templates/site/``): code hidden, parameter cells removed, the stylesheet
inlined, and nothing fetched from the network, so a page opened from a zip or an
e-mail attachment looks the same as on the intranet. A notebook that failed
still gets its page, which says that it failed and why.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import multiprocessing
import shutil
import signal
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat

from analysis.processed.contract import MANIFEST
from analysis.site.assets import check_offline, offsite_problems
from analysis.site.builtin import exporter, render_page
from analysis.site.catalogue import OPTIONAL_KINDS, Page, discover_pages, load_context, page_title
from analysis.site.home import render_index
from analysis.site.paper import write_paper
from analysis.site.quarto import choose_renderer, quarto_rendering

__all__ = ["RENDERERS", "render_index", "render_quarter"]

RENDERERS = ("auto", "builtin", "quarto")


def copy_notebooks(pages: list[Page], site_dir: Path) -> None:
    """Copy each executed notebook, byte for byte, to ``site_dir/notebooks/``."""
    for page in pages:
        if page.notebook is not None:
            target = site_dir / "notebooks" / page.notebook_rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(page.notebook, target)


def render_quarter(
    quarter: str,
    reports_dir: Path,
    processed_dir: Path,
    site_dir: Path,
    *,
    renderer: str = "auto",
    cache_dir: Path | None = None,
    jobs: int = 1,
    paper: bool = False,
    quarto_cache: Path | None = None,
) -> list[Path]:
    """Render a quarter's executed notebooks into ``site_dir`` and return the pages written.

    ``renderer``: ``"auto"`` uses Quarto when a ``quarto`` new enough is on PATH and the
    built-in renderer otherwise; ``"quarto"`` without it raises :class:`QuartoNotFoundError`
    (or :class:`QuartoVersionError`), and a failed render :class:`QuartoRenderError`.
    With ``paper`` the committee paper is written too. ``jobs`` processes share the
    pages, the notebook views and the paper (each is independent of the others).
    ``quarto_cache``: where Quarto's own project cache is kept between builds.
    """
    if renderer not in RENDERERS:
        raise ValueError(f"renderer {renderer!r} is not one of {', '.join(RENDERERS)}")
    reports_dir, processed_dir, site_dir = Path(reports_dir), Path(processed_dir), Path(site_dir)
    context = load_context(str(quarter), processed_dir)
    pages = discover_pages(reports_dir, context)
    extra = [p for p in pages if p.kind == "other" or p.kind in OPTIONAL_KINDS]  # linked after the usual pages
    titles = [page_title(p, context, nbformat.read(p.notebook, as_version=4))[0] for p in extra if p.notebook]
    context = dataclasses.replace(context, extra_pages=tuple(zip((p.html for p in extra), titles, strict=True)))
    site_dir.mkdir(parents=True, exist_ok=True)
    quarto = choose_renderer(renderer) == "quarto"
    if quarto:  # the notebook views beside Quarto's pages keep every link inside the quarter's folder, as they do
        context = dataclasses.replace(context, links_home=False)
    tasks: list[tuple] = [("paper", str(quarter), reports_dir, processed_dir, site_dir)] if paper else []
    if not quarto:
        tasks += [("page", page, context, site_dir, cache_dir, False) for page in pages]
    tasks += [("page", page, context, site_dir, cache_dir, True) for page in pages if page.notebook is not None]
    # Quarto renders the pages while the paper and the notebook views are made beside it.
    rendering = quarto_rendering(context, pages, site_dir, cache=quarto_cache) if quarto else None
    with rendering or contextlib.nullcontext([]) as written:  # beside Quarto's one process, one job fewer
        done = _run(tasks, max(1, jobs - 1) if quarto else jobs)
    if not quarto:
        written = [path for path, _ in done[int(paper) : int(paper) + len(pages)]]
    copy_notebooks(pages, site_dir)
    if (processed_dir / MANIFEST).is_file():
        shutil.copyfile(processed_dir / MANIFEST, site_dir / MANIFEST)
    rendered = {path for path, _ in done}  # checked by the worker that wrote them
    found = [problem for _, problems in done for problem in problems]
    check_offline({p: p.read_text(encoding="utf-8") for p in written if p not in rendered}, found)
    return written


def _task(task: tuple) -> tuple[Path, list[str]]:
    """One piece of a quarter's site: a page or notebook view (``page``), or the committee paper (``paper``).

    A page comes back with what it would fetch from elsewhere (:func:`offsite_problems`), checked where it was written.
    """
    kind, *args = task
    try:
        if kind == "paper":
            return write_paper(*args), []
        page, context, site_dir, cache_dir, view = args
        path = render_page(page, context, site_dir, cache_dir, view=view)
        return path, offsite_problems({path: path.read_text(encoding="utf-8")})
    except OSError as err:  # a full disk says so without a path: name the folder being written
        if err.filename is None and err.errno is not None:
            raise OSError(err.errno, err.strerror, str(args[-1] if kind == "paper" else args[2])) from err
        raise


def _run(tasks: list[tuple], jobs: int) -> list[tuple[Path, list[str]]]:
    """Each task's result (:func:`_task`), in order: in this process, or forked workers that share the template compiled here.

    What a worker says on stderr (a cache notice) is passed back and said here, in order.
    """
    if jobs <= 1 or len(tasks) < 2:
        return [_task(task) for task in tasks]
    exporter(), exporter(code=True)  # compiled once here, inherited by every worker
    pool = ProcessPoolExecutor(
        max_workers=min(jobs, len(tasks)), mp_context=multiprocessing.get_context("fork"), initializer=_worker_signals
    )
    with pool:
        done = list(pool.map(_task_telling, tasks))
    for _, said in done:
        if said:
            print(said, end="", file=sys.stderr, flush=True)
    return [result for result, _ in done]


def _worker_signals() -> None:
    """A rendering worker ignores Ctrl-C (sent to the whole process group) and ends at once on SIGTERM:
    the command that started it stops it, rather than the handler a forked worker would otherwise inherit."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _task_telling(task: tuple) -> tuple[tuple[Path, list[str]], str]:
    """:func:`_task` in a worker, with what it printed on stderr."""
    said = io.StringIO()
    with contextlib.redirect_stderr(said):
        return _task(task), said.getvalue()
