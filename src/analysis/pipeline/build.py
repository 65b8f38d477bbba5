"""The quarter's pipeline: validate, compute, execute the notebooks, render, publish atomically.

Each command that writes a quarter (``build``, ``status``, ``paper``) holds the
output folder's lock, first cleans what an interrupted command left, and
publishes a new whole version of the quarter with one atomic switch
(:mod:`analysis.pipeline.publish`).
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import time
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from analysis.core.files import recording
from analysis.core.formatting import number, percent
from analysis.core.leads import lead_page_name, theme_groups
from analysis.core.paths import NOTEBOOKS, PROJECT_ROOT, OutputPaths
from analysis.core.periods import Quarter, parse_quarter
from analysis.errors import QuartoRenderError
from analysis.inputs.tables import Inputs, load_inputs
from analysis.pipeline import interrupt
from analysis.pipeline.execute import NotebookJob, NotebookResult, early_pool, execute_all
from analysis.pipeline.faults import point
from analysis.pipeline.lock import folder_lock, once
from analysis.pipeline.publish import DEFAULT_KEEP, check_folders, publish_quarter, tidy
from analysis.processed.atomic import replace_path, staging
from analysis.processed.contract import MANIFEST, MEASURE_STATUS, NEIGHBOURHOODS, REGISTER, measure_slice
from analysis.processed.manifest import manifest, manifest_text
from analysis.processed.tables import compute_tables, write_tables


def resolve_renderer(renderer: str) -> str:
    """``quarto`` or ``builtin``: auto picks Quarto when one new enough is on PATH; ``quarto`` checks it is."""
    from analysis.site.quarto import choose_renderer

    return choose_renderer(renderer)


def choose_quarter(inputs: Inputs, quarter: str | Quarter | None) -> Quarter:
    """The quarter asked for, or the latest quarter with data."""
    return parse_quarter(quarter) if quarter else inputs.latest_quarter()


def status_summary(files: dict[str, str]) -> str:
    """The status table as the command line prints it."""
    frame = pd.read_csv(io.StringIO(files[MEASURE_STATUS.name]), dtype=str, keep_default_na=False)
    shown = frame[["measure_id", "period_end", "ytd_actual", "ytd_target", "annual_target",
                   "last_year_ytd", "change_vs_last_year", "forecast", "status"]].copy()  # fmt: skip
    for column in ("ytd_actual", "ytd_target", "annual_target", "last_year_ytd", "forecast"):
        shown[column] = [number(v, 1).removesuffix(".0") if v else "" for v in shown[column]]
    shown["change_vs_last_year"] = [percent(v) if v else "" for v in shown["change_vs_last_year"]]
    return shown.to_string(index=False)


def warn_returns_due(inputs: Inputs, q: Quarter) -> str:
    """Print the returns still due for the quarter as warnings on stderr; return the text."""
    from analysis.method.readiness import readiness_warnings, returns_due

    text = readiness_warnings(q, returns_due(inputs.register, inputs.series, q))
    if text:
        print(text, file=sys.stderr, flush=True)
    return text


def warn_stale_text(files: dict[str, str]) -> str:
    """Print, as warnings on stderr, each text written before one of its figures changed; return the text."""
    from analysis.processed.stale import stale_in, stale_lines

    text = "\n".join(f"warning: {line}" for line in stale_lines(stale_in(files)))
    if text:
        print(text, file=sys.stderr, flush=True)
    return text


def start_writing(
    out_dir: Path, *, keep: int | None = None, data_dir: Path | None = None, partnership: str = ""
) -> None:
    """At the start of a command that writes under ``out_dir`` (its lock held): check the folders it will use
    (:func:`~analysis.pipeline.publish.check_folders`), and clean what a crash left, once."""
    check_folders(out_dir, data_dir, partnership)
    if once(out_dir, "tidy"):
        tidy(out_dir, keep=keep)


def write_status(data_dir: Path, out_dir: Path, quarter: str | None) -> tuple[str, Path]:
    """Compute a quarter's processed tables and publish them; return the printed table.

    The tables are published as a new version of the quarter that carries the
    current version's notebooks and pages unchanged (hard links). When the
    tables differ from those the pages were made from, a warning says so, the
    version's record says so, and ``verify`` reports it until the next build.
    """
    data_dir, out_dir = Path(data_dir).resolve(), Path(out_dir).resolve()
    with folder_lock(out_dir, f"csp-report status {quarter or ''}".strip()):
        start_writing(out_dir, data_dir=data_dir)
        with recording() as read:  # each input's hash as it is read
            inputs = load_inputs(data_dir)
        q = choose_quarter(inputs, quarter)
        out = OutputPaths(out_dir)
        files = compute_tables(inputs, q, out)
        warn_stale_text(files)
        with staging(out_dir) as stage:
            write_tables(files, stage / "processed")
            (stage / "processed" / MANIFEST).write_text(
                manifest_text(manifest(str(q), data_dir, list(inputs.files), files, read=read)), encoding="utf-8"
            )
            record = publish_quarter(
                out, str(q), made_by="status", moved={"processed": stage / "processed"}, carried=("reports", "site")
            )
    if record and record["pages_from"] and record["pages_from"] != record["tables"]:
        print(
            f"warning: the published pages of {q} were made from other tables than these; "
            f"run `csp-report build --quarter {q}` to make them agree (`csp-report verify` reports it until then)",
            file=sys.stderr,
            flush=True,
        )
    from analysis.method.readiness import plan_lines

    lines = plan_lines(inputs.register, q)  # measures in development, priorities with none reported
    notes = "\n\n" + "\n".join(lines) if lines else ""
    return f"{inputs.register.partnership}, {q}\n\n{status_summary(files)}{notes}", out.processed(str(q))


def publish_paper(out_dir: Path, quarter: str, lead: str = "") -> Path:
    """Write the quarter's committee paper again from its published tables and notebooks, as a new version; with
    ``lead``, that theme group's paper (seed 001) instead.

    The new version carries everything else of the current one (hard links);
    the switch to it is atomic like a build's. Returns the paper's published path.
    """
    from analysis.site.paper import PAPER_NAME, lead_name, lead_paper_path, write_paper

    out_dir = Path(out_dir).resolve()
    out = OutputPaths(out_dir)
    if lead:
        lead = lead_name(lead, out.processed(str(quarter)))  # UnknownLead, before anything is written
    with folder_lock(out_dir, f"csp-report paper {quarter}"):
        start_writing(out_dir)

        def finish(folders: dict[str, Path]) -> None:
            write_paper(str(quarter), folders["reports"], folders["processed"], folders["site"], lead=lead)

        publish_quarter(out, str(quarter), made_by="paper", carried=("processed", "reports", "site"), finish=finish)
    site = out.site_quarter(str(quarter))
    return lead_paper_path(site, lead) if lead else site / PAPER_NAME


# ---------------------------------------------------------------------------
# The whole quarter: notebooks and site


@dataclass(frozen=True)
class BuildResult:
    """What a build did: the quarter, each notebook's result, and where the outputs went."""

    quarter: str
    notebooks: list[NotebookResult]
    published: bool
    failed_dir: Path | None = None

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.notebooks)

    @property
    def failures(self) -> list[NotebookResult]:
        return [r for r in self.notebooks if not r.ok]


def notebook_jobs(
    inputs: Inputs,
    quarter: Quarter,
    files: dict[str, str],
    processed_dir: Path,
    stage_root: Path,
    input_hashes: dict,
) -> list[NotebookJob]:
    """The dashboard, the strategic assessment, the method page, the glossary, one notebook per theme group and one
    per measure.

    Every notebook is handed ``processed_dir``, the folder of this quarter's
    built tables (a partnership's own folder in a force-wide build), and reads
    nothing else. It runs on the staging copy; the executed notebooks record
    the folder relative to the output root, as published.
    """
    q = str(quarter)
    common = {"quarter": q, "processed_dir": str(processed_dir)}
    published = {**common, "processed_dir": Path(processed_dir).relative_to(stage_root).as_posix()}
    everything = "\n".join(f"{k}\n{v}" for k, v in sorted(files.items())).encode()
    jobs = [
        NotebookJob("dashboard.ipynb", NOTEBOOKS / "dashboard.ipynb", common, everything, published),
        NotebookJob(
            "strategic-assessment.ipynb", NOTEBOOKS / "strategic-assessment.ipynb", common, everything, published
        ),
        NotebookJob(
            "method.ipynb",
            NOTEBOOKS / "method.ipynb",
            common,
            everything + json.dumps(input_hashes, sort_keys=True).encode(),
            published,
        ),
        NotebookJob("glossary.ipynb", NOTEBOOKS / "glossary.ipynb", common, files[REGISTER].encode(), published),
    ]
    if NEIGHBOURHOODS.name in files:  # the data folder has neighbourhoods/: a page of the small areas
        jobs.append(
            NotebookJob("neighbourhoods.ipynb", NOTEBOOKS / "neighbourhoods.ipynb", common, everything, published)
        )
    for lead in theme_groups(inputs.register):  # seed 001: a report per theme group
        jobs.append(
            NotebookJob(f"{lead_page_name(lead)}.ipynb", NOTEBOOKS / "lead.ipynb", {**common, "lead": lead},
                        everything, {**published, "lead": lead})
        )  # fmt: skip
    for m in inputs.register.measures:
        source = PROJECT_ROOT / m.notebook if m.notebook else NOTEBOOKS / "measure.ipynb"
        params = {**common, "measure_id": m.id}
        jobs.append(
            NotebookJob(
                f"measures/{m.id}.ipynb", source, params, measure_slice(files, m.id), {**published, "measure_id": m.id}
            )
        )
    return jobs


def relative_paths(stage_root: Path) -> dict[str, str]:
    """What :func:`analysis.pipeline.execute.execute_all` rewrites in executed notebooks: machine paths to relative.

    The staging folder becomes the output root (so ``processed_dir`` reads
    ``data/processed/<quarter>``) and the project root the notebooks came from
    becomes the project's own relative paths (``notebooks/measure.ipynb``).
    """
    return {f"{stage_root}/": "", str(stage_root): ".", f"{PROJECT_ROOT}/": ""}


def _progress(result: NotebookResult, done: int, total: int) -> None:
    state = "cached" if result.cached else ("ok" if result.ok else "FAILED")
    print(
        f"[{done:>{len(str(total))}}/{total}] {state:<6} {result.name} ({result.seconds:.1f}s)",
        file=sys.stderr,
        flush=True,
    )


@dataclass(frozen=True)
class BuildOptions:
    """How a build runs: the command line's options, given once to :func:`build_quarter` (and ``build_all``).

    ``jobs`` notebooks run at once; ``force`` executes every notebook and renders
    every page again, ignoring the caches; ``renderer`` is ``auto``, ``quarto`` or
    ``builtin``; ``progress`` prints each notebook as it finishes and a summary;
    ``partnership`` puts every output in a sub-folder of that name (force-wide
    builds); ``executor`` runs the notebooks (a Dask client's executor, say)
    instead of a local process pool; ``kernel`` is ``warm`` (one long-lived kernel
    per worker) or ``fresh`` (a kernel per notebook), with the same outputs;
    ``keep`` versions of each quarter are kept under ``.versions/``.
    """

    jobs: int = 2
    force: bool = False
    renderer: str = "auto"
    progress: bool = True
    partnership: str = ""
    executor: Executor | None = None
    kernel: str = "warm"
    keep: int = DEFAULT_KEEP


def build_quarter(
    data_dir: Path,
    out_dir: Path,
    quarter: str | Quarter | None = None,
    options: BuildOptions | None = None,
    **settings: object,
) -> BuildResult:
    """Validate, compute, execute every notebook and render the site; publish only a complete build.

    ``options`` says how (:class:`BuildOptions`); ``settings`` change some of
    them (``build_quarter(data, out, jobs=2, force=True)``). Invalid inputs raise
    ``InputError`` before anything is written. When a notebook fails, the
    published quarter is left as it was and the failed build is kept under
    ``<out>/failed/<quarter>/`` for inspection (:func:`keep_failed`).

    The build holds the output folder's lock (the command line holds it
    already; called on its own, it takes it), so it is safe however it is called.
    """
    options = replace(options or BuildOptions(), **settings)
    out_dir = Path(out_dir).resolve()
    with folder_lock(out_dir, f"csp-report build {quarter or ''}".strip()):
        start_writing(out_dir, keep=options.keep, data_dir=data_dir, partnership=options.partnership)
        return _build_quarter(Path(data_dir).resolve(), out_dir, quarter, options)


def _build_quarter(data_dir: Path, out_dir: Path, quarter: str | Quarter | None, options: BuildOptions) -> BuildResult:
    """The build, its lock held: unless nothing changed, compute and stage everything, then publish or keep it."""
    from analysis.pipeline import uptodate

    requested = str(quarter) if quarter else None
    if not options.force:
        stamp = uptodate.current(
            data_dir, out_dir, requested, partnership=options.partnership, renderer=options.renderer
        )
        if stamp is not None:
            if options.progress:
                print(unchanged_summary(stamp), file=sys.stderr)
            return unchanged_result(stamp)
    used = resolve_renderer(options.renderer)  # a Quarto asked for but missing or too old is refused before any work
    out = OutputPaths(out_dir, options.partnership)
    # Local warm kernels start now, while the tables they will read are computed (stopped if the build ends first),
    # when notebooks will surely run: with --force, or with nothing in the cache yet. Otherwise they start on demand.
    warm_now = options.kernel == "warm" and options.executor is None
    warm_now = warm_now and (options.force or not _has_entries(out.cache / "notebooks"))
    # What the data folder holds before anything is read: the stamp records this, so a change made while the
    # build runs (a return read in, a quarter started) is never taken for what the build published.
    data_before = uptodate.tree_digest(data_dir)
    with early_pool(options.jobs, out_dir) if warm_now else contextlib.nullcontext() as early, recording() as read:
        inputs = load_inputs(data_dir)
        q = choose_quarter(inputs, quarter)
        if options.progress:
            warn_returns_due(inputs, q)
        files = compute_tables(inputs, q, out)
        if options.progress:
            warn_stale_text(files)
        started = time.perf_counter()
        with staging(out_dir) as stage_root:
            stage = Staged(OutputPaths(stage_root, options.partnership), str(q))
            jobs = stage_tables(inputs, q, files, data_dir, stage, options, read, renderer=used)
            results = _execute(jobs, stage, out, options, early)
            published = all(r.ok for r in results)
            try:  # the paper, from the same sections as the pages
                _render(stage, out, options, paper=published, renderer=used)
            except QuartoRenderError as err:  # kept as a failed notebook's build is; the command exits 5
                kept = keep_failed(stage, out_dir, options.partnership)
                raise QuartoRenderError(
                    f"{err}\nThe failed build (notebooks, pages, Quarto's log) is kept in {kept}"
                ) from None
            if published:
                interrupt.check()  # a signal seen by a build-all thread: publish nothing
                point("staged")
                publish_quarter(out, str(q), made_by="build", moved=stage.parts, keep=options.keep)
                uptodate.record(
                    data_dir, out_dir, requested, quarter=str(q), previous=str(q.previous),
                    partnership=options.partnership, renderer=options.renderer,
                    notebooks={job.name: str(job.source) for job in jobs}, name=inputs.register.partnership,
                    data_digest=data_before,
                )  # fmt: skip
            failed_dir = None if published else keep_failed(stage, out_dir, options.partnership)
    result = BuildResult(str(q), results, published, failed_dir)
    if options.progress:
        print(build_summary(result, inputs, time.perf_counter() - started), file=sys.stderr)
    return result


@dataclass(frozen=True)
class Staged:
    """Where a build stages one quarter's outputs before they are published (or kept, when a notebook failed)."""

    paths: OutputPaths  # under the staging folder
    quarter: str

    @property
    def processed(self) -> Path:
        return self.paths.processed(self.quarter)

    @property
    def reports(self) -> Path:
        return self.paths.reports(self.quarter)

    @property
    def site(self) -> Path:
        return self.paths.site_quarter(self.quarter)

    @property
    def parts(self) -> dict[str, Path]:
        """Each part of a published version, by its name there."""
        return {"processed": self.processed, "reports": self.reports, "site": self.site}


def stage_tables(
    inputs: Inputs,
    q: Quarter,
    files: dict[str, str],
    data_dir: Path,
    stage: Staged,
    options: BuildOptions,
    read: dict[Path, str] | None = None,
    *,
    renderer: str,
) -> list[NotebookJob]:
    """Write the quarter's tables and manifest into the staging folder; the notebooks to execute on them.

    ``read`` is each input's hash as the build read it (:func:`analysis.core.files.recording`), for the manifest.
    """
    write_tables(files, stage.processed)
    record = manifest(str(q), data_dir, list(inputs.files), files, renderer=renderer, read=read)
    jobs = notebook_jobs(inputs, q, files, stage.processed, stage.paths.root, record["inputs"])
    record["notebooks"] = {job.name: job.key_parameters for job in jobs}
    (stage.processed / MANIFEST).write_text(manifest_text(record), encoding="utf-8")
    return jobs


def _execute(
    jobs: list[NotebookJob], stage: Staged, out: OutputPaths, options: BuildOptions, pool: Executor | None
) -> list[NotebookResult]:
    return execute_all(
        jobs,
        stage.reports,
        workers=options.jobs,
        cache_dir=out.cache / "notebooks",
        force=options.force,
        replacements=relative_paths(stage.paths.root),
        cwd=stage.paths.root,
        progress=_progress if options.progress else None,
        executor=options.executor,
        kernel=options.kernel,
        pool=pool,
    )


def _render(stage: Staged, out: OutputPaths, options: BuildOptions, *, paper: bool, renderer: str) -> None:
    """Render the staged quarter's pages (and its paper, when ``paper``) with ``renderer``, as resolved."""
    from analysis.site.render import render_quarter

    render_quarter(
        stage.quarter,
        stage.reports,
        stage.processed,
        stage.site,
        renderer=renderer,
        cache_dir=None if options.force else out.cache / "pages",
        jobs=options.jobs,
        paper=paper,
        quarto_cache=out.cache / "quarto",  # Quarto's own cache, keyed by what it compiles: kept with --force
    )


def keep_failed(stage: Staged, out_dir: Path, partnership: str = "") -> Path:
    """Keep a failed build's tables, notebooks and pages under ``<out>/failed/[<partnership>/]<quarter>/``.

    The folder replaces the failed build kept before it; the published quarter is not touched.
    """
    failed_dir = out_dir.joinpath("failed", *([partnership] if partnership else []), stage.quarter)
    failed_dir.parent.mkdir(parents=True, exist_ok=True)
    kept = stage.paths.root / "kept"
    kept.mkdir()
    for src, name in ((stage.processed, "data/processed"), (stage.reports, "reports"), (stage.site, "_site")):
        if src.exists():
            (kept / name).parent.mkdir(parents=True, exist_ok=True)
            src.rename(kept / name)
    replace_path(kept, failed_dir)
    return failed_dir


def _has_entries(folder: Path) -> bool:
    """Whether ``folder`` exists and holds anything."""
    try:
        return any(folder.iterdir())
    except OSError:
        return False


def unchanged_result(stamp: dict) -> BuildResult:
    """The result of a build that found nothing changed since the last one (see ``uptodate``)."""
    names = stamp["notebook_names"]
    return BuildResult(stamp["quarter"], [NotebookResult(n, True, 0.0, cached=True) for n in names], True)


def unchanged_summary(stamp: dict) -> str:
    return (
        f"{stamp['partnership_name']}, {stamp['quarter']}: nothing changed since the last build "
        "(inputs, notebooks, code, packages and published outputs); nothing to do."
    )


def build_summary(result: BuildResult, inputs: Inputs, seconds: float) -> str:
    """The table printed at the end of a build, naming each failure."""
    done = len(result.notebooks)
    cached = sum(r.cached for r in result.notebooks)
    lines = [
        "",
        f"{inputs.register.partnership}, {result.quarter}: {done} notebooks "
        f"({done - cached} executed, {cached} from the cache) in {seconds:.1f}s",
    ]
    if result.ok:
        lines.append("Published: data/processed, reports and _site for this quarter.")
    else:
        lines.append(f"{len(result.failures)} notebook(s) FAILED; the published report is unchanged:")
        lines += [f"  - {r.name}: {r.error}" for r in result.failures]
        lines.append(f"The failed build (executed notebooks and pages) is kept in {result.failed_dir}")
    return "\n".join(lines)
