"""Published quarters as whole, versioned folders; what is published now, and how to read it in one piece.

Every publish of a quarter (``build``, ``status``, ``paper``) writes one complete
folder, ``<out>/.versions/[<partnership>/]<quarter>/<version>/``, holding
``processed/``, ``reports/`` and ``site/`` and, written last, ``record.json``: the
SHA-256 of every file in it and the digest of the tables the pages were made
from. A version without its record is incomplete and never published. The link
``<quarter>/current`` names the published version; it is replaced in one atomic
step (:mod:`analysis.pipeline.publish`). The contract's paths,
``data/processed/<quarter>``, ``reports/<quarter>`` and ``_site/<quarter>``, are
relative links through ``current``, made once, so whoever follows them sees one
whole build.

A reader that opens more than one file must resolve the quarter's folder once
(:func:`published`, or ``Path.resolve()``) and read everything from the resolved
folder, so that a switch between two reads cannot mix two builds.

This module is the reading side and names the leftovers an interrupted publish
can leave (:func:`find_leftovers`); it imports only the standard library and
the project's own stdlib-only modules, so the unchanged-rebuild check stays fast.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from analysis.core.paths import VERSIONS, OutputPaths
from analysis.core.periods import PeriodError, parse_quarter
from analysis.processed.atomic import SCRATCH_PREFIX, STAGING_PREFIX, marked
from analysis.processed.contract import MANIFEST  # carries the build's time, so it is not part of the tables' digest
from analysis.processed.manifest import sha256_file

PARTS = ("processed", "reports", "site")
CURRENT = "current"
RECORD = "record.json"
RECORD_FORMAT = 1
HOME_PENDING = ".home-pending"  # in the versions root: a quarter was switched, its home page not yet rewritten


def contract_paths(out: OutputPaths, quarter: str) -> dict[str, Path]:
    """The published paths of the contract for each part of a version.

    >>> {k: v.as_posix() for k, v in contract_paths(OutputPaths(Path("/o")), "2015-16-Q1").items()}
    {'processed': '/o/data/processed/2015-16-Q1', 'reports': '/o/reports/2015-16-Q1', 'site': '/o/_site/2015-16-Q1'}
    """
    q = str(quarter)
    return {"processed": out.processed(q), "reports": out.reports(q), "site": out.site_quarter(q)}


def link_text(out: OutputPaths, quarter: str, part: str) -> str:
    """What the contract path's link holds: a relative path through ``current``, valid wherever ``--out`` is moved.

    >>> link_text(OutputPaths(Path("/o")), "2015-16-Q1", "processed")
    '../../.versions/2015-16-Q1/current/processed'
    >>> link_text(OutputPaths(Path("/o"), "newport"), "2015-16-Q1", "site")
    '../../.versions/newport/2015-16-Q1/current/site'
    """
    path = contract_paths(out, quarter)[part]
    return os.path.relpath(out.versions(str(quarter)) / CURRENT / part, path.parent)


def current_version(out: OutputPaths, quarter: str) -> Path | None:
    """The published version's folder, resolved (the link followed once); ``None`` when there is none."""
    link = out.versions(str(quarter)) / CURRENT
    if not link.is_symlink():
        return None
    target = link.resolve()
    return target if target.is_dir() else None


@dataclass(frozen=True)
class Published:
    """What a reader of one quarter reads: each part's folder, resolved once, and the version they belong to.

    ``version`` is ``None`` for outputs laid out before versions (real folders at
    the contract's paths) or where the file system cannot make links; a part that
    was never published is a folder that does not exist.
    """

    version: Path | None
    folders: dict[str, Path]

    @property
    def processed(self) -> Path:
        return self.folders["processed"]

    @property
    def reports(self) -> Path:
        return self.folders["reports"]

    @property
    def site(self) -> Path:
        return self.folders["site"]


def published(out: OutputPaths, quarter: str) -> Published:
    """The quarter as published now, every folder taken from the same version."""
    version = current_version(out, quarter)
    if version is not None:
        return Published(version, {part: version / part for part in PARTS})
    return Published(None, {part: path.resolve() for part, path in contract_paths(out, quarter).items()})


def walk_files(folder: Path) -> Iterator[Path]:
    """Every file under ``folder``, following links to folders (``Path.rglob`` does not on Python 3.11), sorted.

    Hidden folders (``.versions``, ``.cache``, staging) are left out, so walking
    ``--out`` lists each published file once, under the contract's path.
    """
    found = []
    for base, folders, files in os.walk(folder, followlinks=True):
        folders[:] = sorted(f for f in folders if not f.startswith("."))
        found += [Path(base) / name for name in files]
    yield from sorted(found)


def files_of(version: Path) -> dict[str, str]:
    """``{part/relative path: sha256}`` of every file in a version's parts."""
    hashes = {}
    for part in PARTS:
        folder = version / part
        if not folder.is_dir():
            continue
        for base, folders, files in os.walk(folder):
            folders.sort()
            for name in files:
                path = Path(base) / name
                hashes[path.relative_to(version).as_posix()] = sha256_file(path)
    return dict(sorted(hashes.items()))


def tables_digest(processed: Path) -> str:
    """One digest of a quarter's tables (every processed file but the manifest, which carries the build's time).

    ``""`` when there are no tables.
    """
    processed = Path(processed)
    if not processed.is_dir():
        return ""
    digest = hashlib.sha256()
    for base, folders, files in os.walk(processed):
        folders.sort()
        for name in sorted(files):
            path = Path(base) / name
            rel = path.relative_to(processed).as_posix()
            if rel != MANIFEST:
                digest.update(f"{rel}\0{sha256_file(path)}\n".encode())
    return digest.hexdigest()


def read_record(version: Path) -> dict | None:
    """A version's record, or ``None`` when it has none (the version is incomplete) or it cannot be read."""
    try:
        record = json.loads((Path(version) / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and isinstance(record.get("files"), dict) else None


def has_pages(version: Path) -> bool:
    return any((Path(version) / part).is_dir() for part in ("reports", "site"))


def check_version(version: Path, shown: dict[str, str]) -> list[str]:
    """Every way the published version differs from its record, one line each; ``[]`` when it is intact.

    ``shown`` maps a part to the path printed for it (``_site/2015-16-Q1``): the
    problems name the files as a reader knows them.
    """
    record = read_record(version)
    if record is None:
        return [f"version {version.name} has no record of its files: it is incomplete; run `csp-report build`"]
    problems = []

    def name(rel: str) -> str:
        part, _, rest = rel.partition("/")
        return f"{shown.get(part, part)}/{rest}"

    now = files_of(version)
    recorded = record["files"]
    for rel in sorted(set(recorded) | set(now)):
        if rel not in now:
            problems.append(f"{name(rel)} is missing since it was published")
        elif rel not in recorded:
            problems.append(f"{name(rel)} was added after the quarter was published")
        elif now[rel] != recorded[rel]:
            problems.append(f"{name(rel)} changed since it was published")
    tables = tables_digest(version / "processed")
    pages_from = record.get("pages_from", "")
    if pages_from and pages_from != tables:
        problems.append(
            f"the pages and notebooks of {shown.get('site', 'the site')} were made from other tables than "
            f"{shown.get('processed', 'the processed tables')} holds (`csp-report status` wrote new tables since); "
            "run `csp-report build` to make them agree"
        )
    return problems


# ---------------------------------------------------------------------------
# What an interrupted command leaves behind


@dataclass(frozen=True)
class Leftover:
    """Something an interrupted command left: what it is (a word for the summary line) and where."""

    kind: str  # "staging folder", "temporary link", "incomplete version", "home page to write", ...
    path: Path


def _is_quarter(name: str) -> bool:
    try:
        return str(parse_quarter(name)) == name
    except PeriodError:
        return False


def stores(root: Path) -> Iterator[tuple[str, str]]:
    """``(partnership, quarter)`` of every quarter that has versions under ``root``."""
    base = Path(root) / VERSIONS
    for entry in sorted(base.iterdir()) if base.is_dir() else ():
        if entry.name.startswith(".") or not entry.is_dir() or entry.is_symlink():
            continue
        if _is_quarter(entry.name):
            yield "", entry.name
        else:
            for sub in sorted(entry.iterdir()):
                if _is_quarter(sub.name) and sub.is_dir() and not sub.is_symlink():
                    yield entry.name, sub.name


def output_folders(root: Path) -> Iterator[Path]:
    """The folders that hold published quarters (and a force-wide build's partnership folders in them)."""
    for top in (("data", "processed"), ("reports",), ("_site",), ("failed",)):
        base = Path(root).joinpath(*top)
        if not base.is_dir() or base.is_symlink():
            continue
        yield base
        for entry in sorted(base.iterdir()):
            if (
                not entry.name.startswith(".")
                and entry.is_dir()
                and not entry.is_symlink()
                and not _is_quarter(entry.name)
            ):
                yield entry


def _scratch_kind(entry: Path, own: int) -> str:
    """The kind of leftover a folder is (from its marker), ``""`` when it is none: not marked, or this process's.

    Only a folder the project marked as its own counts (:func:`analysis.processed.atomic.marked`), whatever
    its name: a user's ``.env.old-2024`` or ``.drafts.link-ideas/`` is never one. Those of this process are
    not leftovers: another thread of it may be using them.
    """
    if not entry.name.startswith((STAGING_PREFIX, SCRATCH_PREFIX)):
        return ""
    record = marked(entry)
    if record is None or record.get("pid") == own:
        return ""
    return str(record.get("kind") or "temporary folder")


def _is_version(entry: Path) -> bool:
    """Whether a folder of a quarter's versions is one the project made: marked, or with its record."""
    record = read_record(entry)
    return marked(entry) is not None or (record is not None and record.get("version") == entry.name)


def find_leftovers(root: Path, *, pid: int | None = None) -> list[Leftover]:
    """Everything an interrupted command left under ``root`` (``--out``); none of it is published.

    Only what the project made and can tell it made (a marked folder, a version
    with its record, a link it would write itself) is ever one. Staging folders
    of this process (``pid``, by default this one) are not leftovers: another
    thread of it may be building. The published version of a quarter (what
    ``current`` names) is never one.
    """
    root = Path(root)
    own = os.getpid() if pid is None else pid
    found = []
    for folder in (root, *output_folders(root)):
        for entry in sorted(folder.iterdir()) if folder.is_dir() else ():
            kind = _scratch_kind(entry, own)
            if kind:
                found.append(Leftover(kind, entry))
    for partnership, quarter in stores(root):
        out = OutputPaths(root, partnership)
        store = out.versions(quarter)
        current = current_version(out, quarter)
        for entry in sorted(store.iterdir()):
            if entry.name.startswith("."):
                kind = _scratch_kind(entry, own)
                if kind:
                    found.append(Leftover(kind, entry))
            elif entry.name == CURRENT or (current is not None and entry.name == current.name):
                continue
            elif not entry.is_dir() or entry.is_symlink() or not _is_version(entry):
                continue  # not the project's: left alone
            elif read_record(entry) is None:
                found.append(Leftover("incomplete version", entry))
            elif current is None or entry.name > current.name:  # complete, but the switch to it never came
                found.append(Leftover("version never published", entry))
        for part, path in contract_paths(out, quarter).items():
            if path.is_symlink() and not path.exists():
                if os.readlink(path) == link_text(out, quarter, part):  # the project's own link, leading nowhere
                    found.append(Leftover("link to nothing", path))
            elif current is not None and (current / part).is_dir() and not path.is_symlink():
                found.append(Leftover("folder still to be linked" if path.is_dir() else "link still to be made", path))
    base = root / VERSIONS
    for marker in (base / HOME_PENDING, *sorted(base.glob(f"*/{HOME_PENDING}"))):
        if marker.is_file():
            found.append(Leftover("home page to write", marker))
    return found
