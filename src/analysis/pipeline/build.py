"""The quarter's pipeline: validate, compute, execute the notebooks, render, publish atomically.

Each command that writes a quarter (``build``, ``status``, ``paper``) holds the
output folder's lock, first cleans what an interrupted command left, and
publishes a new whole version of the quarter with one atomic switch
(:mod:`analysis.pipeline.publish`).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import sys
import time
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.core.paths import NOTEBOOKS, PROJECT_ROOT, OutputPaths
from analysis.core.periods import Quarter, parse_quarter
from analysis.errors import QuartoRenderError
from analysis.inputs.tables import Inputs, load_inputs
from analysis.pipeline import interrupt
from analysis.pipeline.execute import NotebookJob, NotebookResult, early_pool, execute_all
from analysis.pipeline.faults import point
from analysis.pipeline.lock import folder_lock, once
from analysis.pipeline.publish import DEFAULT_KEEP, publish_quarter, tidy
from analysis.processed.atomic import replace_path, staging
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
    frame = pd.read_csv(io.StringIO(files["measure_status.csv"]), dtype=str, keep_default_na=False)
    shown = frame[["measure_id", "period_end", "ytd_actual", "ytd_target", "annual_target",
                   "last_year_ytd", "change_vs_last_year", "forecast", "status"]].copy()  # fmt: skip
    for column in ("ytd_actual", "ytd_target", "annual_target", "last_year_ytd", "forecast"):
        shown[column] = [f"{float(v):,.1f}".removesuffix(".0") if v else "" for v in shown[column]]
    shown["change_vs_last_year"] = [f"{float(v):+.1%}" if v else "" for v in shown["change_vs_last_year"]]
    return shown.to_string(index=False)


def warn_returns_due(inputs: Inputs, q: Quarter) -> str:
    """Print the returns still due for the quarter as warnings on stderr; return the text."""
    from analysis.method.readiness import readiness_warnings, returns_due

    text = readiness_warnings(q, returns_due(inputs.register, inputs.series, q))
    if text:
        print(text, file=sys.stderr, flush=True)
    return text


def start_writing(out_dir: Path, *, keep: int | None = None) -> None:
    """At the start of a command that writes under ``out_dir`` (its lock held): clean what a crash left, once."""
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
        start_writing(out_dir)
        inputs = load_inputs(data_dir)
        q = choose_quarter(inputs, quarter)
        out = OutputPaths(out_dir)
        files = compute_tables(inputs, q, out)
        with staging(out_dir) as stage:
            write_tables(files, stage / "processed")
            (stage / "processed" / "manifest.json").write_text(
                manifest_text(manifest(str(q), data_dir, list(inputs.files), files)), encoding="utf-8"
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
    return f"{inputs.register.partnership}, {q}\n\n{status_summary(files)}", out.processed(str(q))


def publish_paper(out_dir: Path, quarter: str) -> Path:
    """Write the quarter's committee paper again from its published tables and notebooks, as a new version.

    The new version carries everything else of the current one (hard links);
    the switch to it is atomic like a build's. Returns the paper's published path.
    """
    from analysis.site.paper import PAPER_NAME, write_paper

    out_dir = Path(out_dir).resolve()
    out = OutputPaths(out_dir)
    with folder_lock(out_dir, f"csp-report paper {quarter}"):
        start_writing(out_dir)

        def finish(folders: dict[str, Path]) -> None:
            write_paper(str(quarter), folders["reports"], folders["processed"], folders["site"])

        publish_quarter(out, str(quarter), made_by="paper", carried=("processed", "reports", "site"), finish=finish)
    return out.site_quarter(str(quarter)) / PAPER_NAME


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


def measure_slice(files: dict[str, str], measure_id: str) -> bytes:
    """The part of a quarter's processed files that one measure's notebook reads.

    >>> files = {"a.csv": "measure_id,v\\nx,1\\ny,2\\n", "register.json": '{"partnership": "P", "measures": [{"id": "x"}]}'}
    >>> measure_slice(files, "x") == measure_slice({**files, "a.csv": "measure_id,v\\nx,1\\ny,3\\n"}, "x")
    True
    """
    parts: list[str] = []
    for name, text in sorted(files.items()):
        if name.endswith(".csv"):
            rows = list(csv.reader(io.StringIO(text)))
            if rows and "measure_id" in rows[0]:
                i = rows[0].index("measure_id")
                parts.append(name + json.dumps([rows[0], *[r for r in rows[1:] if len(r) > i and r[i] == measure_id]]))
            else:
                parts.append(name + text)
        elif name == "register.json":
            register = json.loads(text)
            register["measures"] = [m for m in register["measures"] if m.get("id") == measure_id]
            parts.append(json.dumps(register, sort_keys=True))
        elif name == f"commentary/{measure_id}.md":
            parts.append(name + text)
    return "\n".join(parts).encode()


def notebook_jobs(
    inputs: Inputs,
    quarter: Quarter,
    files: dict[str, str],
    processed_dir: Path,
    stage_root: Path,
    input_hashes: dict,
) -> list[NotebookJob]:
    """The dashboard, the strategic assessment, the method page and one notebook per measure.

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
    ]
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


def build_quarter(
    data_dir: Path,
    out_dir: Path,
    quarter: str | Quarter | None = None,
    *,
    jobs: int = 2,
    force: bool = False,
    renderer: str = "auto",
    progress: bool = True,
    partnership: str = "",
    executor: Executor | None = None,
    kernel: str = "warm",
    keep: int = DEFAULT_KEEP,
) -> BuildResult:
    """Validate, compute, execute every notebook and render the site; publish only a complete build.

    Invalid inputs raise ``InputError`` before anything is written. When a
    notebook fails, the published quarter is left as it was and the failed
    build is kept under ``<out>/failed/<quarter>/`` for inspection.
    ``partnership`` puts every output in a sub-folder of that name (force-wide
    builds); ``executor`` runs the notebooks (a Dask client's executor, say)
    instead of a local process pool. ``kernel`` is ``warm`` (one long-lived
    kernel per worker) or ``fresh`` (a kernel per notebook): the same outputs.
    ``keep`` versions of each quarter are kept under ``.versions/``.

    The build holds the output folder's lock (the command line holds it
    already; called on its own, it takes it), so it is safe however it is called.
    """
    out_dir = Path(out_dir).resolve()
    with folder_lock(out_dir, f"csp-report build {quarter or ''}".strip()):
        start_writing(out_dir, keep=keep)
        return _build_quarter(
            data_dir, out_dir, quarter, jobs=jobs, force=force, renderer=renderer, progress=progress,
            partnership=partnership, executor=executor, kernel=kernel, keep=keep,
        )  # fmt: skip


def _build_quarter(
    data_dir: Path,
    out_dir: Path,
    quarter: str | Quarter | None,
    *,
    jobs: int,
    force: bool,
    renderer: str,
    progress: bool,
    partnership: str,
    executor: Executor | None,
    kernel: str,
    keep: int,
) -> BuildResult:
    from analysis.pipeline import uptodate
    from analysis.site.render import render_quarter

    data_dir, out_dir = Path(data_dir).resolve(), Path(out_dir).resolve()
    requested = str(quarter) if quarter else None
    if not force:
        stamp = uptodate.current(data_dir, out_dir, requested, partnership=partnership, renderer=renderer)
        if stamp is not None:
            if progress:
                print(unchanged_summary(stamp), file=sys.stderr)
            return unchanged_result(stamp)
    used = resolve_renderer(renderer)  # a Quarto asked for but missing or too old is refused before any work
    out = OutputPaths(out_dir, partnership)
    # Local warm kernels start now, while the tables they will read are computed (stopped if the build ends first),
    # when notebooks will surely run: with --force, or with nothing in the cache yet. Otherwise they start on demand.
    warm_now = kernel == "warm" and executor is None and (force or not _has_entries(out.cache / "notebooks"))
    with early_pool(jobs, out_dir) if warm_now else contextlib.nullcontext() as early:
        inputs = load_inputs(data_dir)
        q = choose_quarter(inputs, quarter)
        if progress:
            warn_returns_due(inputs, q)
        files = compute_tables(inputs, q, out)
        started = time.perf_counter()
        with staging(out_dir) as stage_root:
            stage = OutputPaths(stage_root, partnership)
            write_tables(files, stage.processed(str(q)))
            record = manifest(str(q), data_dir, list(inputs.files), files, renderer=used)
            job_list = notebook_jobs(inputs, q, files, stage.processed(str(q)), stage_root, record["inputs"])
            record["notebooks"] = {job.name: job.key_parameters for job in job_list}
            (stage.processed(str(q)) / "manifest.json").write_text(manifest_text(record), encoding="utf-8")
            results = execute_all(
                job_list,
                stage.reports(str(q)),
                workers=jobs,
                cache_dir=out.cache / "notebooks",
                force=force,
                replacements=relative_paths(stage_root),
                cwd=stage_root,
                progress=_progress if progress else None,
                executor=executor,
                kernel=kernel,
                pool=early,
            )
            result_ok = all(r.ok for r in results)
            try:
                render_quarter(
                    str(q),
                    stage.reports(str(q)),
                    stage.processed(str(q)),
                    stage.site_quarter(str(q)),
                    renderer=used,
                    cache_dir=None if force else out.cache / "pages",
                    jobs=jobs,
                    paper=result_ok,  # the committee paper, from the same sections as the pages, published with them
                    quarto_cache=out.cache
                    / "quarto",  # Quarto's own cache, keyed by what it compiles: kept with --force
                )
            except QuartoRenderError as err:  # kept as a failed notebook's build is; the command exits 5
                kept = keep_failed(out_dir, partnership, str(q), stage, stage_root)
                raise QuartoRenderError(
                    f"{err}\nThe failed build (notebooks, pages, Quarto's log) is kept in {kept}"
                ) from None
            if result_ok:
                interrupt.check()  # a signal seen by a build-all thread: publish nothing
                point("staged")
                publish_quarter(  # one whole version, made current by one atomic switch; the home page follows
                    out,
                    str(q),
                    made_by="build",
                    moved={
                        "processed": stage.processed(str(q)),
                        "reports": stage.reports(str(q)),
                        "site": stage.site_quarter(str(q)),
                    },
                    keep=keep,
                )
                failed_dir = None
                uptodate.record(
                    data_dir, out_dir, requested, quarter=str(q), previous=str(q.previous), partnership=partnership,
                    renderer=renderer, notebooks={job.name: str(job.source) for job in job_list},
                    name=inputs.register.partnership,
                )  # fmt: skip
            else:
                failed_dir = keep_failed(out_dir, partnership, str(q), stage, stage_root)
    result = BuildResult(str(q), results, result_ok, failed_dir)
    if progress:
        print(build_summary(result, inputs, time.perf_counter() - started), file=sys.stderr)
    return result


def keep_failed(out_dir: Path, partnership: str, quarter: str, stage: OutputPaths, stage_root: Path) -> Path:
    """Move a failed build's tables, notebooks and pages from the staging folder to ``failed/<quarter>/``."""
    failed_dir = out_dir.joinpath("failed", *([partnership] if partnership else []), quarter)
    failed_dir.parent.mkdir(parents=True, exist_ok=True)
    kept = stage_root / "kept"
    kept.mkdir()
    for src, name in (
        (stage.processed(quarter), "data/processed"),
        (stage.reports(quarter), "reports"),
        (stage.site_quarter(quarter), "_site"),
    ):
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
