"""The build's cache under ``--out``: executed notebooks checked before reuse, and ``csp-report cache info|prune``.

An executed notebook is taken from the cache only when it parses as a notebook,
its injected parameters (the ``injected-parameters`` cell and papermill's
metadata) are the job's (quarter, measure, processed folder), it records no
failed execution and its bytes are the ones whose hash was recorded when it was
cached. Otherwise it is removed and the notebook executed again, with one line
on stderr naming the notebook and why. The files themselves, and the pruning
rule, are :mod:`analysis.core.cachestore`'s, shared with the site's page cache.

After each ``build`` and ``build-all`` (under the ``--out`` lock, so no other
build is using the cache) the cache is pruned: entries unused for
:data:`KEEP_DAYS` days go, then the oldest-used beyond :data:`MAX_MB` MB, never
one the build has just used.
"""

from __future__ import annotations

import ast
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from analysis.core.cachestore import choose, fetch, remove, scan, store
from analysis.core.paths import OutputPaths

KEEP_DAYS = 30  # entries no build has used for this long are removed after each build
MAX_MB = 500  # beyond this, the oldest-used entries are removed after each build
MB = 1_000_000
DAY = 86_400
KIND_ORDER = ("notebooks", "pages", "builds")
_MISSING = object()


def say(text: str) -> None:
    """One line on stderr, at once: the cache's notices."""
    print(text, file=sys.stderr, flush=True)


def cache_root(out_dir: Path) -> Path:
    """The cache folder of an output folder: ``<out>/.cache/csp-report``."""
    return OutputPaths(Path(out_dir).resolve()).cache


# ---------------------------------------------------------------------------
# Executed notebooks


def injected_parameters(nb: dict) -> dict | None:
    """The parameters papermill wrote into the cell tagged ``injected-parameters``; ``None`` without one.

    >>> cell = {"metadata": {"tags": ["injected-parameters"]}, "source": '# Parameters\\nquarter = "2015-16-Q1"\\n'}
    >>> injected_parameters({"cells": [cell]})
    {'quarter': '2015-16-Q1'}
    """
    for cell in nb.get("cells", []):
        if "injected-parameters" in (cell.get("metadata", {}).get("tags") or []):
            source = cell.get("source", "")
            source = "".join(source) if isinstance(source, list) else source
            try:
                tree = ast.parse(source)
                return {
                    node.targets[0].id: ast.literal_eval(node.value)
                    for node in tree.body
                    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                }
            except (SyntaxError, ValueError):
                return None
    return None


def differences(expected: dict, found: object) -> str:
    """What ``found`` holds where it differs from the job's parameters, the measure first; ``""`` when the same.

    >>> job = {"quarter": "2015-16-Q1", "measure_id": "asb-incidents"}
    >>> differences(job, {"quarter": "2015-16-Q1", "measure_id": "all-crime"})
    'measure all-crime'
    >>> differences(job, {"quarter": "2014-15-Q4"})
    'measure none, quarter 2014-15-Q4'
    >>> differences(job, dict(job))
    ''
    """
    if not isinstance(found, dict):
        return "no parameters recorded"
    names = sorted(set(expected) | set(found), key=lambda n: (n != "measure_id", n))
    wrong = [n for n in names if expected.get(n, _MISSING) != found.get(n, _MISSING)]
    return ", ".join(f"{'measure' if n == 'measure_id' else n} {found.get(n, 'none')}" for n in wrong)


def notebook_problem(data: bytes, parameters: dict) -> str:
    """Why cached bytes are not the executed notebook of a job with these (published) parameters; ``""`` when they are."""
    import nbformat

    invalid: dict = {}
    try:
        nb = nbformat.reads(data.decode("utf-8"), as_version=4, capture_validation_error=invalid)
    except Exception as err:  # truncated, not JSON, not a notebook: whatever it is, it is not usable
        return f"could not be read as a notebook ({type(err).__name__})"
    if invalid:
        return "could not be read as a notebook (it does not follow the notebook format)"
    papermill = nb.get("metadata", {}).get("papermill")
    papermill = papermill if isinstance(papermill, dict) else {}
    if papermill.get("exception"):
        return "records a failed execution"
    found = injected_parameters(nb)
    if found is None:
        return "was not the notebook for this job (it has no injected-parameters cell)"
    wrong = differences(parameters, found) or differences(parameters, papermill.get("parameters"))
    return f"was not the notebook for this job ({wrong})" if wrong else ""


def cached_notebook(cache_dir: Path, key: str, name: str, parameters: dict) -> bytes | None:
    """The checked bytes of a job's executed notebook from the cache, or ``None`` to execute it.

    ``name`` is the notebook's path in the report (``measures/asb-incidents.ipynb``)
    and ``parameters`` the job's parameters as published. A bad entry is
    removed, with a notice on stderr.
    """
    data, problem = fetch(cache_dir, key, ".ipynb", lambda d: notebook_problem(d, parameters))
    if problem:
        say(f"cache: {name} {problem}; executing it again")
    return data


def cache_notebook(cache_dir: Path, key: str, name: str, executed: Path) -> None:
    """Put an executed notebook (as published) into the cache, with the record of its hash."""
    store(cache_dir, key, ".ipynb", Path(executed).read_bytes(), {"name": name})


# ---------------------------------------------------------------------------
# csp-report cache info | prune


def size_text(size: float) -> str:
    """Bytes in decimal units.

    >>> size_text(0), size_text(950), size_text(1_234_567), size_text(2_500_000_000)
    ('0 B', '950 B', '1.2 MB', '2.5 GB')
    """
    for unit, factor in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= factor:
            return f"{size / factor:.1f} {unit}"
    return f"{int(size)} B"


def _when(seconds: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(seconds))


def _count(n: int, one: str, many: str) -> str:
    """A number of things, in words.

    >>> _count(1, "entry", "entries"), _count(3, "entry", "entries")
    ('1 entry', '3 entries')
    """
    return f"{n} {one if n == 1 else many}"


def policy_text(keep_days: float = KEEP_DAYS, max_mb: float = MAX_MB) -> str:
    """The pruning rule in words.

    >>> policy_text()
    'unused for 30 days, then the oldest-used beyond 500 MB'
    """
    return f"unused for {keep_days:g} days, then the oldest-used beyond {max_mb:g} MB"


def cache_info(out_dir: Path) -> str:
    """``csp-report cache info``: entries, size and when they were last used, per kind."""
    root = cache_root(out_dir)
    entries, leftovers = scan(root)
    if not entries and not leftovers:
        return f"The cache {root} is empty."
    kinds = sorted({e.kind for e in entries}, key=lambda k: (KIND_ORDER.index(k) if k in KIND_ORDER else 99, k))
    lines = [
        f"The cache {root}: {_count(len(entries), 'entry', 'entries')}, "
        f"{size_text(sum(e.size for e in [*entries, *leftovers]))}",
        "",
        f"{'kind':<10} {'entries':>7} {'size':>9}  {'oldest used':<16}  {'newest used':<16}",
    ]
    for kind in kinds:
        some = [e for e in entries if e.kind == kind]
        lines.append(
            f"{kind:<10} {len(some):>7} {size_text(sum(e.size for e in some)):>9}  "
            f"{_when(min(e.used for e in some)):<16}  {_when(max(e.used for e in some)):<16}"
        )
    if leftovers:
        lines.append(
            f"\n{_count(len(leftovers), 'file', 'files')} ({size_text(sum(e.size for e in leftovers))}) "
            "left by stopped builds; pruning removes them once they are an hour old."
        )
    lines.append(f"\nAfter each build, entries are removed when {policy_text()}.")
    return "\n".join(line.rstrip() for line in lines)


@dataclass(frozen=True)
class Pruned:
    """What a prune removed and kept."""

    removed: int
    freed: int
    kept: int
    kept_size: int

    def summary(self) -> str:
        """What was removed and kept, as the commands print it.

        >>> Pruned(2, 1_500_000, 1, 20_000).summary()
        'removed 2 entries (1.5 MB) from the cache; kept 1 entry (20.0 kB)'
        """
        removed, kept = _count(self.removed, "entry", "entries"), _count(self.kept, "entry", "entries")
        return f"removed {removed} ({size_text(self.freed)}) from the cache; kept {kept} ({size_text(self.kept_size)})"


def prune(
    out_dir: Path,
    *,
    older_than_days: float | None = KEEP_DAYS,
    max_mb: float | None = MAX_MB,
    everything: bool = False,
    keep_since: float | None = None,
    now: float | None = None,
) -> Pruned:
    """Remove the entries unused for ``older_than_days`` days, then the oldest-used beyond ``max_mb`` MB.

    With ``everything``, the whole cache. Entries used at or after
    ``keep_since`` are not removed for size. Temporary files and records left
    by a stopped build go too. Run it only under the ``--out`` lock, so that
    no build is using an entry as it goes.
    """
    from analysis.pipeline.publish import check_folders

    check_folders(Path(out_dir).resolve())  # a cache folder that is a link to someone else's is refused, untouched
    now = time.time() if now is None else now
    entries, leftovers = scan(cache_root(out_dir))
    if everything:
        chosen, stale = entries, leftovers
    else:
        chosen = choose(
            entries,
            now=now,
            older_than=None if older_than_days is None else older_than_days * DAY,
            max_bytes=None if max_mb is None else int(max_mb * MB),
            keep_since=keep_since,
        )
        stale = [e for e in leftovers if e.used < now - 3600]
    freed = remove(chosen) + remove(stale)
    gone = {e.path for e in chosen}
    kept = [e for e in entries if e.path not in gone]
    return Pruned(len(chosen), freed, len(kept), sum(e.size for e in kept))


def prune_after_build(out_dir: Path, started: float) -> Pruned | None:
    """The pruning after a build: the defaults, keeping every entry the build (begun at ``started``) used.

    Prints one line when anything was removed. A cache that cannot be pruned
    (no permission, say) is reported and left: the build itself went well.
    """
    try:
        result = prune(out_dir, keep_since=started)
    except OSError as err:
        say(f"cache: could not prune {cache_root(out_dir)}: {err.strerror or err}")
        return None
    if result.removed:
        say(f"cache: {result.summary()} (entries {policy_text()} are removed after each build)")
    return result
