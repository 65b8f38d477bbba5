"""Many partnerships at once: a force-wide (or national) build, then the area overview page (:mod:`analysis.site.area`).

Every folder under ``--data-root`` laid out like ``data/raw/`` is one
partnership. Each is built into its own sub-folder of the outputs
(``_site/<partnership>/<quarter>/``); one failing never stops the others. The
notebooks run on the local process pool, or as tasks on a Dask distributed
cluster (``--executor dask --scheduler ADDRESS``) whose workers share the file
system with the machine that runs ``build-all``.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, replace
from pathlib import Path

from analysis.core.problems import InputError, Problem, raise_if_any
from analysis.pipeline import interrupt
from analysis.pipeline.build import BuildOptions, BuildResult, build_quarter, start_writing
from analysis.pipeline.lock import folder_lock
from analysis.processed.atomic import write_text_atomic
from analysis.site.area import AreaEntry, area_name, overview_page


@dataclass(frozen=True)
class PartnershipOutcome:
    """How one partnership's build went."""

    slug: str
    folder: Path
    result: BuildResult | None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.result is not None and self.result.ok


def slug(name: str) -> str:
    """A folder name as a safe, stable path segment.

    >>> slug("Blaenau Gwent"), slug("newport")
    ('blaenau-gwent', 'newport')
    """
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "partnership"


def slug_problems(folders: list[Path]) -> list[Problem]:
    """Folders whose names give the same output folder name: one would overwrite the other, so none is built.

    >>> [p.message for p in slug_problems([Path("r/Safer Town"), Path("r/newport"), Path("r/safer_town")])]
    ["the folders 'Safer Town' and 'safer_town' would both be published as 'safer-town' (_site/safer-town/): \
rename one of them so that every partnership has a folder of its own"]
    """
    first: dict[str, Path] = {}
    problems = []
    for folder in folders:
        name = slug(folder.name)
        if name in first:
            message = (
                f"the folders {first[name].name!r} and {folder.name!r} would both be published as {name!r} "
                f"(_site/{name}/): rename one of them so that every partnership has a folder of its own"
            )
            problems.append(Problem(str(folder.parent), None, None, message))
        first.setdefault(name, folder)
    return problems


def partnership_folders(data_root: Path) -> list[Path]:
    """The sub-folders of ``data_root`` that hold a measure register, in name order."""
    return sorted(p for p in Path(data_root).iterdir() if p.is_dir() and (p / "measures.yml").is_file())


@contextmanager
def notebook_executor(kind: str, scheduler: str | None) -> Iterator[Executor | None]:
    """``None`` for the local pool (each build makes its own), or a Dask client's executor.

    Without ``scheduler`` the build starts a local cluster of its own, and
    stops it with the build: on SIGINT or SIGTERM its workers are not restarted
    but stopped, kernels and all (see :mod:`analysis.pipeline.interrupt`, which
    is also their preload, so that Ctrl-C reaches the build alone). On a
    cluster of someone else's, a stopped build cancels its tasks; a notebook
    already running finishes on its worker and its result is dropped.
    """
    if kind == "local":
        yield None
        return
    from distributed import Client

    if scheduler:
        client, own = Client(scheduler), nullcontext()
    else:
        client = Client(processes=True, n_workers=2, threads_per_worker=1, preload=[interrupt.__name__])
        own = interrupt.on_stop(lambda: _no_restarts(client))
    try:
        with own:
            yield client.get_executor(pure=False)
    finally:
        client.close()


def _no_restarts(client) -> None:
    """Tell the nannies of a cluster the build started not to restart workers that are about to be stopped."""
    for nanny in list(getattr(client.cluster, "workers", {}).values()):
        close = getattr(nanny, "close_gracefully", None)
        if close is not None:
            close()


def build_all(
    data_root: Path,
    out_dir: Path,
    quarter: str | Sequence[str] | None = None,
    options: BuildOptions | None = None,
    *,
    executor: str = "local",
    scheduler: str | None = None,
    **settings: object,
) -> list[PartnershipOutcome]:
    """Build the quarter for every partnership under ``data_root`` and write the overview page.

    ``quarter`` may be several quarters (``--quarter 2023-24-Q1..2024-25-Q3``):
    each partnership builds them oldest first, so that each quarter has the ones
    before it (its history, and what changed since the previous one); a quarter
    that fails stops that partnership's later quarters. ``options`` (with
    ``settings`` changing some of them) is how each partnership is built
    (:class:`analysis.pipeline.build.BuildOptions`); its notebooks run on
    ``executor``, ``local`` or ``dask`` (at ``scheduler``, or on a local
    cluster). The output folder's lock is held throughout (taken here when the
    command line does not hold it already), leftovers of an interrupted command
    are cleaned before any partnership starts, and the overview is written from
    what is published, inside the same locked section.
    """
    options = replace(options or BuildOptions(), **settings)
    folders = partnership_folders(data_root)
    if not folders:
        raise InputError(
            [Problem(str(data_root), None, None, "no partnership folder (one holding measures.yml) is here")]
        )
    raise_if_any(slug_problems(folders))
    out_dir = Path(out_dir).resolve()
    with folder_lock(out_dir, "csp-report build-all"):
        start_writing(out_dir, keep=options.keep, data_dir=data_root)
        return _build_all(folders, out_dir, quarter, options, executor, scheduler)


def _build_all(
    folders: list[Path],
    out_dir: Path,
    quarter: str | Sequence[str] | None,
    options: BuildOptions,
    executor: str,
    scheduler: str | None,
) -> list[PartnershipOutcome]:
    """Each partnership's build, then the overview; the caller holds the lock."""

    quarters = [quarter] if quarter is None or isinstance(quarter, str) else list(quarter)

    def one_quarter(folder: Path, pool: Executor | None, q: str | None) -> PartnershipOutcome:
        name = slug(folder.name)
        interrupt.check()  # stopped by a signal: start no other partnership
        where = f"{q}: " if len(quarters) > 1 else ""
        try:
            result = build_quarter(folder, out_dir, q, replace(options, partnership=name, executor=pool))
        except InputError as err:
            return PartnershipOutcome(name, folder, None, where + err.report())
        except Exception as err:  # one partnership's failure must not stop the others
            return PartnershipOutcome(name, folder, None, f"{where}{type(err).__name__}: {err}")
        if result.published:
            interrupt.note_built(f"{name} {result.quarter}")
        return PartnershipOutcome(name, folder, result, "" if result.ok else f"{where}notebook(s) failed")

    def one(folder: Path, pool: Executor | None) -> PartnershipOutcome:
        for q in quarters:  # oldest first: each quarter's history and changes read the ones before it
            outcome = one_quarter(folder, pool, q)
            if not outcome.ok:
                break
        return outcome

    # Partnerships run side by side on a cluster so it is kept busy; each build's own work
    # happens in its notebooks' processes, so threads here only orchestrate.
    with notebook_executor(executor, scheduler) as pool, ThreadPoolExecutor(max_workers=4 if pool else 1) as threads:
        outcomes = list(threads.map(lambda f: one(f, pool), folders))
    entries = [AreaEntry(o.slug, o.folder.name, o.ok, o.error) for o in outcomes]
    area = area_name(folders[0].resolve().parent)  # the folder the partnerships are in names the area
    write_text_atomic(out_dir / "_site" / "index.html", overview_page(out_dir, entries, area))
    if options.progress:
        print(area_summary(outcomes, [q for q in quarters if q]), file=sys.stderr)
    return outcomes


def area_summary(outcomes: list[PartnershipOutcome], quarters: Sequence[str] = ()) -> str:
    """The lines printed at the end of ``build-all``, naming every failure.

    >>> print(area_summary([], ["2023-24-Q4", "2024-25-Q1"]))
    <BLANKLINE>
    0 of 0 partnerships built (2 quarters each, 2023-24-Q4 to 2024-25-Q1).
    """
    good = [o for o in outcomes if o.ok]
    each = f" ({len(quarters)} quarters each, {quarters[0]} to {quarters[-1]})" if len(quarters) > 1 else ""
    lines = [f"\n{len(good)} of {len(outcomes)} partnerships built{each}."]
    lines += [f"  - FAILED {o.slug} ({o.folder}): {o.error}" for o in outcomes if not o.ok]
    return "\n".join(lines)
