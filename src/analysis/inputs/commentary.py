"""The analyst's commentary, ``commentary/<quarter>/<measure_id>.md``: read, and every misplaced file named.

Commentary is Markdown the pages show as text (raw HTML never becomes markup);
an image in it is refused: from the network, since the published report works
offline, and from a file, since the report never reads a file named in text.
"""

from __future__ import annotations

from pathlib import Path

from analysis.core.files import MAX_COMMENTARY_BYTES, FileRefused, read_confined
from analysis.core.periods import PeriodError, parse_quarter
from analysis.core.problems import Problem
from analysis.core.register import Register
from analysis.inputs.checks import unknown_measure
from analysis.inputs.reading import decode

_IGNORED = ("Thumbs.db", "desktop.ini")


def read_commentary(data_dir: Path, register: Register | None) -> tuple[dict, list[Problem], list[Path]]:
    """Commentary as ``{(quarter, measure_id): text}``; misplaced or misnamed files are problems."""
    root = data_dir / "commentary"
    notes: dict[tuple[str, str], str] = {}
    where: dict[tuple[str, str], str] = {}
    problems: list[Problem] = []
    files: list[Path] = []
    if not root.is_dir():
        return notes, problems, files
    known = [m.id for m in register.measures] if register else None
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(data_dir).as_posix()
        if path.is_dir() and path.is_symlink() and not path.resolve().is_relative_to(data_dir.resolve()):
            message = "this is a link to a folder outside the data folder, which is not read: copy the folder in"
            problems.append(Problem(rel, None, None, message))
            continue
        if path.is_dir() or path.name.startswith((".", "~$")) or path.name in _IGNORED:
            continue
        if path.parent == root:
            message = f"commentary goes in a folder named after its quarter, like commentary/2015-16-Q1/{path.name}"
            problems.append(Problem(rel, None, None, message))
            continue
        if path.parent.parent != root or path.suffix.lower() != ".md":
            message = "this file is not read: commentary must be a Markdown file commentary/<quarter>/<measure_id>.md"
            problems.append(Problem(rel, None, None, message))
            continue
        try:
            quarter = str(parse_quarter(path.parent.name))
        except PeriodError:
            message = f"{path.parent.name!r} is not a quarter: name the folder like 2015-16-Q1"
            problems.append(Problem(rel, None, None, message))
            continue
        if known is not None and path.stem not in known:
            message = f"{unknown_measure(path.stem, known, register)}, so this commentary would not be shown"
            problems.append(Problem(rel, None, None, message))
            continue
        if (quarter, path.stem) in where:
            message = f"this is a second commentary for {path.stem} in {quarter} (also {where[quarter, path.stem]})"
            problems.append(Problem(rel, None, None, message))
            continue
        try:
            text = decode(read_confined(path, data_dir, MAX_COMMENTARY_BYTES))
        except FileRefused as err:
            problems.append(Problem(rel, None, None, str(err)))
            continue
        where[quarter, path.stem] = rel
        found = commentary_images(text)
        for line, src in found:
            shown = src if len(src) <= 60 else f"{src[:57]}..."
            if _fetched(src):
                message = (
                    f"the image {shown!r} would be loaded from the network whenever the page is opened, and the "
                    "published report must work offline: leave the image out, or link to it instead, like "
                    "[chart](address)"
                )
            else:  # a file of the machine that renders the pages or prints the paper, or inline data
                message = (
                    f"the image {shown!r} is not shown: the report never reads a file named in the text, and "
                    "images in commentary are left out: describe it in words, or link to it, like [chart](address)"
                )
            problems.append(Problem(rel, line, None, message))
        if found:
            continue
        notes[(quarter, path.stem)] = text
        files.append(path)
    return notes, problems, files


def commentary_images(text: str) -> list[tuple[int, str]]:
    """Every image in commentary Markdown, with its line: none is shown (see :func:`_fetched` for the words).

    Links are not loaded (a reader follows them or not), so they are fine; an
    image is loaded as the page opens or the paper is printed, from the network
    or from a file of the machine. Raw HTML in commentary is shown as text,
    never as markup, so only Markdown images count.

    >>> commentary_images("Up 5%.\\n\\n![chart](https://example.org/c.png) see [ONS](https://ons.gov.uk)")
    [(3, 'https://example.org/c.png')]
    >>> commentary_images("![x](../../secret.svg) and ![y](/etc/passwd)")
    [(1, '../../secret.svg'), (1, '/etc/passwd')]
    >>> commentary_images("Ask stats@import-export.gov.uk, or see <https://police.uk>.")
    []
    """
    from markdown_it import MarkdownIt

    lines = text.splitlines()
    found: list[tuple[int, str]] = []
    for block in MarkdownIt("commonmark", {"html": False}).parse(text):
        for token in block.children or ():
            if token.type != "image":
                continue
            src = str(token.attrs.get("src", ""))
            start, end = block.map or (0, len(lines))
            at = next((i for i in range(start, end) if src in lines[i]), None)
            if at is None:  # a reference-style image: its address is on its definition line
                at = next((i for i, line in enumerate(lines) if src in line), start)
            found.append((at + 1, src))
    return found


def _fetched(src: str) -> bool:
    """Whether an image address is loaded from outside the page: any scheme but data:, or ``//host``."""
    src = src.strip()
    scheme = src.split(":", 1)[0].lower() if ":" in src.split("/", 1)[0] else ""
    return src.startswith("//") or (bool(scheme) and scheme != "data")
