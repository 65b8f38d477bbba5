"""Publishing a quarter: one complete version folder, made current by one atomic switch; and cleaning up after a crash.

The steps, each safe to be killed after (``analysis.pipeline.faults`` names them):

1. A folder made by an older csp-report at a contract path (``data/processed/<q>``
   a real folder) is first adopted: hard-linked into a version of its own, made
   current, and each folder replaced by its link; every path shows that same
   build throughout.
2. The new version is assembled under ``.versions/[<partnership>/]<q>/<version>/``
   (the staged parts moved in by renames, parts carried from the current
   version hard-linked) and its record written last.
3. The contract's links are made where they are missing (they lead nowhere until
   the switch, which is the same as not being there).
4. ``current`` is replaced by a freshly made link with ``os.replace``: the one
   atomic switch. Readers see the old build or the new one, whole.
5. The home page is written again from what is now current (a marker left
   before the switch makes the next command do it when a kill comes between).
6. Versions beyond ``keep`` are removed, oldest first, never the current one.

Every writing command first cleans what an interrupted one left (:func:`tidy`),
under the folder's lock. Where the file system cannot make symbolic links
(probed once per folder), publishing falls back to renaming each folder into
place, as before versions, under the same lock.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sys
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from analysis.core.files import linked_folder
from analysis.core.paths import VERSIONS, OutputPaths
from analysis.core.problems import InputError, OutputError, Problem
from analysis.pipeline.faults import point
from analysis.processed.atomic import FILE_MODE, FOLDER_MODE, discard, mark, replace_path, scratch_folder
from analysis.processed.versions import (
    CURRENT,
    HOME_PENDING,
    PARTS,
    RECORD,
    RECORD_FORMAT,
    Leftover,
    contract_paths,
    current_version,
    files_of,
    find_leftovers,
    has_pages,
    link_text,
    read_record,
    stores,
    tables_digest,
)

DEFAULT_KEEP = 3
_SYMLINKS: dict[str, bool] = {}


def symlinks_supported(root: Path) -> bool:
    """Whether links can be made under ``root`` (not on Windows without developer mode, say); probed once."""
    key = os.path.realpath(root)
    if key not in _SYMLINKS:
        folder = scratch_folder(Path(root), "temporary link")
        try:
            os.symlink("probe", folder / "probe")
            _SYMLINKS[key] = True
        except (OSError, NotImplementedError):
            _SYMLINKS[key] = False
        finally:
            discard(folder)
    return _SYMLINKS[key]


def _token() -> str:
    return f"{os.getpid()}-{secrets.token_hex(4)}"


def _sync(folder: Path) -> None:
    """Ask the disk to keep a folder's entries (a rename or a new link) across a power cut; best effort."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _mkdirs(folder: Path) -> None:
    """Make ``folder`` and its missing parents, each readable by all (a web server's account)."""
    missing = []
    for parent in (folder, *folder.parents):
        if parent.exists():
            break
        missing.append(parent)
    folder.mkdir(parents=True, exist_ok=True)
    for made in missing:
        os.chmod(made, FOLDER_MODE)


def version_name() -> str:
    """A new version's folder name: the time it was made (so names sort oldest first) and a few random letters."""
    return f"{datetime.now(UTC):%Y%m%d-%H%M%S-%f}-{secrets.token_hex(2)}"


def _new_version(out: OutputPaths, quarter: str) -> Path:
    store = out.versions(quarter)
    _mkdirs(store)
    version = store / version_name()
    version.mkdir()
    os.chmod(version, FOLDER_MODE)
    mark(version, "incomplete version")  # the project's own: a crash before its record leaves it to be removed
    return version


def _link_copy(source: Path, target: Path) -> None:
    """A copy of the folder ``source`` at ``target`` whose files are hard links (copies where links cannot be made).

    Published files are never written in place (always a new file and a
    rename), so a file shared by two versions stays as each recorded it.
    """

    def link(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    shutil.copytree(source, target, copy_function=link, symlinks=True)


def open_to_all(folder: Path) -> None:
    """Give every file under ``folder`` the published modes: files 0644, folders 0755 (never world-writable).

    What a build writes is created under the analyst's umask (0666 and 0777
    with ``umask 000``); published, it must be readable by a web server's
    account and writable by its owner alone. Links are left as they are.
    """
    os.chmod(folder, FOLDER_MODE)
    for base, folders, files in os.walk(folder):
        for name in folders:
            if not os.path.islink(os.path.join(base, name)):
                os.chmod(os.path.join(base, name), FOLDER_MODE)
        for name in files:
            if not os.path.islink(os.path.join(base, name)):
                os.chmod(os.path.join(base, name), FILE_MODE)


def _write_record(version: Path, out: OutputPaths, quarter: str, made_by: str, pages_from: str) -> dict:
    """Write ``record.json`` last (every file's hash, the tables the pages came from): the version is then complete."""
    record = {
        "format": RECORD_FORMAT,
        "quarter": str(quarter),
        "partnership": out.partnership,
        "version": version.name,
        "made_by": made_by,
        "made_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "tables": tables_digest(version / "processed"),
        "pages_from": pages_from,
        "files": files_of(version),
    }
    tmp = version / f".{RECORD}.{_token()}"
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(record, indent=1, sort_keys=True) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(tmp, FILE_MODE)
    os.replace(tmp, version / RECORD)
    _sync(version)
    return record


def _switch(out: OutputPaths, quarter: str, version: Path) -> None:
    """Make ``version`` the quarter's published one: a new link renamed over ``current``, one atomic step."""
    store = out.versions(quarter)
    folder = scratch_folder(store, "temporary link")
    try:
        os.symlink(version.name, folder / CURRENT)
        os.replace(folder / CURRENT, store / CURRENT)
    finally:
        discard(folder)
    _sync(store)


def _replace_folder_by_link(path: Path, text: str) -> None:
    """Put a link where a real folder is: the folder renamed aside, the link renamed in, the folder removed."""
    folder = scratch_folder(path.parent, "replaced folder")
    os.symlink(text, folder / "link")
    path.rename(folder / "old")
    os.replace(folder / "link", path)
    _sync(path.parent)
    discard(folder)


def _make_link(out: OutputPaths, quarter: str, part: str) -> bool:
    """Make the contract path of ``part`` the link through ``current``, unless it is one already. True if made."""
    path, text = contract_paths(out, quarter)[part], link_text(out, quarter, part)
    if path.is_symlink():
        if os.readlink(path) == text:
            return False
    elif path.is_dir():
        _replace_folder_by_link(path, text)
        return True
    _mkdirs(path.parent)
    folder = scratch_folder(path.parent, "temporary link")
    try:
        os.symlink(text, folder / "link")
        os.replace(folder / "link", path)
    finally:
        discard(folder)
    return True


def adopt(out: OutputPaths, quarter: str) -> bool:
    """Bring a quarter published by an older csp-report (real folders at the contract's paths) under versions.

    Its folders are hard-linked into a version of their own, made current, and
    then each replaced by its link, so each path shows that one build all along.
    True when there was something to adopt.
    """
    real = {part: p for part, p in contract_paths(out, quarter).items() if p.is_dir() and not p.is_symlink()}
    if not real:
        return False
    version = current_version(out, quarter)
    if version is None:
        version = _new_version(out, quarter)
        try:
            for part, path in real.items():
                _link_copy(path, version / part)
            pages = "reports" in real or "site" in real
            _write_record(version, out, quarter, "adopted", tables_digest(version / "processed") if pages else "")
        except BaseException:
            shutil.rmtree(version, ignore_errors=True)
            raise
        _switch(out, quarter, version)
    for part in real:
        if (version / part).is_dir():
            _make_link(out, quarter, part)
            point("migrating")
    return True


def publish_quarter(
    out: OutputPaths,
    quarter: str,
    *,
    made_by: str,
    moved: dict[str, Path] | None = None,
    carried: tuple[str, ...] = (),
    finish: Callable[[dict[str, Path]], None] | None = None,
    keep: int = DEFAULT_KEEP,
) -> dict | None:
    """Publish a new version of the quarter and return its record (``None`` where links cannot be made).

    ``moved``: staged folders (``processed``, ``reports``, ``site``) renamed into
    the new version. ``carried``: parts hard-linked from the current version
    (``status`` carries the pages, ``paper`` everything). ``finish`` is given the
    new version's folders to add to them before the record is written (the
    paper). The caller holds the output folder's lock.
    """
    moved = {part: path for part, path in (moved or {}).items() if path.exists()}
    if not symlinks_supported(out.root):
        return _publish_by_renames(out, quarter, moved, finish)
    adopt(out, quarter)
    before = current_version(out, quarter)
    before_record = read_record(before) if before is not None else None
    version = _new_version(out, quarter)
    try:
        for part in PARTS:
            if part in moved:
                moved[part].rename(version / part)  # the staging folder is under --out: the same file system
                point("version-partial")
            elif part in carried and before is not None and (before / part).is_dir():
                _link_copy(before / part, version / part)
        if finish is not None:
            finish({part: version / part for part in PARTS})
        open_to_all(version)
        if "reports" in moved or "site" in moved:  # pages made now, from the tables they are published with
            pages_from = tables_digest(version / "processed")
        elif has_pages(version) and before_record is not None:
            pages_from = before_record.get("pages_from", "")
        else:
            pages_from = ""
        record = _write_record(version, out, quarter, made_by, pages_from)
    except BaseException:
        shutil.rmtree(version, ignore_errors=True)
        raise
    point("version-written")
    for part in PARTS:
        if (version / part).is_dir():
            _make_link(out, quarter, part)
    point("links-made")
    home = (version / "site").is_dir() or (out.site / "index.html").exists()
    marker = out.versions_root / HOME_PENDING
    if home:
        marker.touch()
    _switch(out, quarter, version)
    point("switched")
    if home:
        write_home(out)
        marker.unlink(missing_ok=True)
    point("home-written")
    prune(out, quarter, keep)
    return record


def _publish_by_renames(
    out: OutputPaths, quarter: str, moved: dict[str, Path], finish: Callable[[dict[str, Path]], None] | None
) -> None:
    """Where links cannot be made: each staged folder renamed into place in turn, as before versions."""
    paths = contract_paths(out, quarter)
    for part, path in moved.items():
        open_to_all(path)
        replace_path(path, paths[part])
    if finish is not None:
        finish(paths)
    if "site" in moved or (out.site / "index.html").exists():
        write_home(out)
    return None


def write_home(out: OutputPaths) -> None:
    """``_site/index.html`` (a partnership's own in a force-wide build) from every quarter published now."""
    from analysis.site.home import render_index

    render_index(out.processed_root, out.site)


def versions_of(out: OutputPaths, quarter: str) -> list[Path]:
    """The quarter's complete versions (those with a record), oldest first."""
    store = out.versions(quarter)
    found = [
        v for v in (store.iterdir() if store.is_dir() else ())
        if not v.name.startswith(".") and v.name != CURRENT and v.is_dir() and not v.is_symlink()
        and (read_record(v) or {}).get("version") == v.name  # complete, and the project's own
    ]  # fmt: skip
    return sorted(found, key=lambda v: v.name)


def prune(out: OutputPaths, quarter: str, keep: int) -> int:
    """Remove the oldest complete versions beyond ``keep`` (never the current one); return how many went.

    Each is first renamed out of the versions' names, so a kill halfway through
    removing one never leaves a version that looks complete.
    """
    current = current_version(out, quarter)
    complete = versions_of(out, quarter)
    surplus = len(complete) - max(1, keep)
    removed = 0
    for version in complete:
        if removed >= surplus:
            break
        if current is not None and version.name == current.name:
            continue
        going = scratch_folder(version.parent, "version being removed")
        version.rename(going / version.name)
        discard(going)
        removed += 1
        point("pruning")
    return removed


# ---------------------------------------------------------------------------
# The folders a writing command may use

# Folders under --out that csp-report writes into (and cleans up in): each must be a folder of its own, never a link.
OWN_FOLDERS = (("data", "processed"), ("reports",), ("_site",), ("failed",), (VERSIONS,), (".cache", "csp-report"))
_OUTPUTS = (("data", "processed"), ("reports",), ("_site",), ("failed",), (VERSIONS,), (".cache",))


def check_folders(out_dir: Path, data_dir: Path | None = None, partnership: str = "") -> None:
    """Refuse to write where the outputs would reach someone else's folder, or would mix with the inputs.

    A folder csp-report writes under ``--out`` that is a link (``_site`` leading to
    a user's folder, a cache linked elsewhere) is an :class:`OutputError` (exit 3):
    the command would add files to it, and clean up in it. A data folder inside
    the published outputs (``--data <out>/data/processed/<quarter>``, which the
    build itself replaces), or an output folder inside the data folder, is an
    :class:`InputError` (exit 2).
    """
    root = Path(out_dir)
    for parts in OWN_FOLDERS:
        for folder in (parts, (*parts, partnership)) if partnership else (parts,):
            link = linked_folder(root, *folder)
            if link is not None:
                raise OutputError(
                    f"cannot write {link}: it is a link to {os.readlink(link)}, and csp-report writes its outputs "
                    "and its cache only into folders of its own (it would add files there, and clean up in it): "
                    "remove the link, or choose another output folder (--out)"
                )
    if data_dir is None:
        return
    data, out = Path(os.path.realpath(data_dir)), Path(os.path.realpath(root))
    inside = [out.joinpath(*parts) for parts in _OUTPUTS if data.is_relative_to(out.joinpath(*parts))]
    staged = data.is_relative_to(out) and data != out and data.relative_to(out).parts[0].startswith(".csp-")
    if inside or staged:
        where = inside[0] if inside else out / data.relative_to(out).parts[0]
        message = (
            f"this data folder is inside the outputs of {out} ({where}), which csp-report replaces as it "
            "publishes: give the partnership's own input folder, such as data/raw"
        )
        raise InputError([Problem(str(data_dir), None, None, message)])
    if out == data or out.is_relative_to(data):
        message = (
            f"the output folder {out} is inside this data folder: the outputs would be mixed with the partnership's "
            "inputs, which csp-report never writes; choose an output folder (--out) outside it"
        )
        raise InputError([Problem(str(data_dir), None, None, message)])


# ---------------------------------------------------------------------------
# Cleaning up after an interrupted command

_WORDS = {  # a kind of leftover as the summary line counts it: one, many
    "version never published": ("version never published", "versions never published"),
    "version being removed": ("version being removed", "versions being removed"),
    "link to nothing": ("link to nothing", "links to nothing"),
    "folder still to be linked": ("folder replaced by its link", "folders replaced by their links"),
    "link still to be made": ("link made again", "links made again"),
    "old version": ("old version beyond the number kept", "old versions beyond the number kept"),
}


def _counted(kind: str, n: int) -> str:
    """``3 temporary links``: a count of one kind of leftover.

    >>> _counted("temporary link", 1), _counted("temporary link", 2), _counted("version being removed", 2)
    ('1 temporary link', '2 temporary links', '2 versions being removed')
    """
    one, many = _WORDS.get(kind, (kind, kind + "s"))
    return f"{n} {one if n == 1 else many}"


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _repair_links(root: Path) -> Counter:
    """Make every missing link of a published quarter, and replace a folder left where its link should be."""
    done: Counter = Counter()
    for partnership, quarter in stores(root):
        out = OutputPaths(root, partnership)
        current = current_version(out, quarter)
        if current is None:
            continue
        for part, path in contract_paths(out, quarter).items():
            if not (current / part).is_dir():
                continue
            if path.is_dir() and not path.is_symlink():
                _make_link(out, quarter, part)
                done["folder still to be linked"] += 1
            elif not path.is_symlink():
                _make_link(out, quarter, part)
                done["link still to be made"] += 1
    return done


def tidy(root: Path, *, keep: int | None = None, say: Callable[[str], None] | None = None) -> Counter:
    """Clean what interrupted commands left under ``root`` (``--out``) and say so in one line; return the counts.

    Removes staging folders, folders set aside by a rename, temporary links and
    files, incomplete versions (no record) and versions half removed; makes the
    links a published quarter lacks; writes again a home page a kill left
    behind; with ``keep``, removes each quarter's oldest versions beyond it.
    The published version of a quarter is never touched. The caller holds the
    folder's lock.
    """
    root = Path(root)
    if not root.is_dir():
        return Counter()
    counts: Counter = Counter()
    homes: list[Leftover] = []
    for item in find_leftovers(root):
        if item.kind == "home page to write":
            homes.append(item)
        elif item.kind not in ("folder still to be linked", "link still to be made"):
            _remove(item.path)
            counts[item.kind] += 1
            point("tidying")
    counts += _repair_links(root)
    if keep is not None:
        for partnership, quarter in stores(root):
            counts["old version"] += prune(OutputPaths(root, partnership), quarter, keep)
    for marker in homes:
        partnership = "" if marker.path.parent.name == VERSIONS else marker.path.parent.name
        out = OutputPaths(root, partnership)
        if out.site.is_dir():
            write_home(out)
        marker.path.unlink(missing_ok=True)
    counts = Counter({k: n for k, n in counts.items() if n})
    if counts or homes:
        words = [_counted(kind, n) for kind, n in counts.items()]
        if homes:
            words.append("the home page written again")
        (say or _stderr)(f"Cleaned up what earlier commands left in {root}: {', '.join(words)}.")
    return counts


def _stderr(text: str) -> None:
    print(text, file=sys.stderr, flush=True)
