"""Comparisons of large values (notebooks, pages, tables, bytes) that name their first difference in a few lines.

pytest explains a failed ``==`` by diffing the two sides whole, which for two
notebooks or two pages of megabytes takes minutes and prints pages. Here the
explanation is where they first differ: the path into the value (``cell 4,
output 1, text/html``), the line and column of a text, and a short piece of each
side around it.

>>> first_difference({"a": [1, 2, 3]}, {"a": [1, 2, 4]})
'a, item 2: 3 != 4'
>>> print(first_difference("one\\ntwo\\nthree", "one\\ntwo\\nthrice"))
line 3, column 4: 'three' != 'thrice'
>>> first_difference(b"same", b"same") is None
True
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

WIDTH = 60  # characters of each side shown around a difference


def _clip(text: str, at: int = 0) -> str:
    """The piece of ``text`` around position ``at``, at most about WIDTH characters, as a repr."""
    start = max(0, at - WIDTH // 3)
    piece = text[start : start + WIDTH]
    return ("…" if start else "") + repr(piece) + ("…" if start + WIDTH < len(text) else "")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= WIDTH else text[: WIDTH - 1] + "…"


def _join(path: str, step: str) -> str:
    return f"{path}, {step}" if path else step


def _text_difference(left: str, right: str, path: str) -> str:
    left_lines, right_lines = left.splitlines(keepends=True), right.splitlines(keepends=True)
    for number, (a, b) in enumerate(zip(left_lines, right_lines, strict=False), start=1):
        if a != b:
            column = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
            where = (
                _join(path, f"line {number}, column {column + 1}")
                if len(left_lines) > 1
                else _join(path, f"character {column + 1}")
            )
            return f"{where}: {_clip(a, column)} != {_clip(b, column)}"
    shorter = min(len(left_lines), len(right_lines))
    extra = left_lines[shorter:] or right_lines[shorter:]
    side = "left" if len(left_lines) > len(right_lines) else "right"
    return f"{_join(path, f'line {shorter + 1}')}: only the {side} side goes on ({len(extra)} more lines): {_clip(extra[0])}"


def first_difference(left: Any, right: Any, path: str = "") -> str | None:
    """Where ``left`` and ``right`` first differ, in a line; ``None`` when they are equal.

    Mappings are walked key by key, sequences item by item, texts line by line;
    bytes that are UTF-8 text are compared as text, others by offset.
    """
    if type(left) is type(right) and left == right:
        return None
    if isinstance(left, bytes) and isinstance(right, bytes):
        try:
            return _text_difference(left.decode("utf-8"), right.decode("utf-8"), path)
        except UnicodeDecodeError:
            offset = next(
                (i for i, (x, y) in enumerate(zip(left, right, strict=False)) if x != y), min(len(left), len(right))
            )
            return (
                f"{_join(path, f'byte {offset}')} of {len(left)} and {len(right)}: "
                f"{left[offset : offset + 16]!r} != {right[offset : offset + 16]!r}"
            )
    if isinstance(left, str) and isinstance(right, str):
        return _text_difference(left, right, path)
    if isinstance(left, dict) and isinstance(right, dict):
        for key in left:
            if key not in right:
                return f"{_join(path, str(key))}: only on the left side ({_short(left[key])})"
            found = first_difference(left[key], right[key], _join(path, str(key)))
            if found:
                return found
        extra = next(key for key in right if key not in left)
        return f"{_join(path, str(extra))}: only on the right side ({_short(right[extra])})"
    if isinstance(left, (list, tuple)) and isinstance(right, (list, tuple)):
        for index, (a, b) in enumerate(zip(left, right, strict=False)):
            found = first_difference(a, b, _join(path, f"item {index}"))
            if found:
                return found
        if len(left) != len(right):
            side, more = ("left", left) if len(left) > len(right) else ("right", right)
            shorter = min(len(left), len(right))
            return (
                f"{_join(path, f'item {shorter}')}: only the {side} side goes on "
                f"({len(more) - shorter} more): {_short(more[shorter])}"
            )
        return f"{path or 'the values'}: {_short(left)} != {_short(right)}"  # equal items, different types
    if left == right:
        return f"{path or 'the values'}: a {type(left).__name__} and a {type(right).__name__}"
    return f"{path or 'the values'}: {_short(left)} != {_short(right)}"


def assert_same(actual: Any, expected: Any, what: str = "the values") -> None:
    """Fail, naming the first difference, unless ``actual == expected``."""
    __tracebackhide__ = True
    found = first_difference(actual, expected)
    if found:
        raise AssertionError(f"{what} differ at {found}")


def assert_same_files(actual: Path, expected: Path) -> None:
    """Fail, naming the first difference of their contents, unless the two files hold the same bytes."""
    __tracebackhide__ = True
    assert_same(Path(actual).read_bytes(), Path(expected).read_bytes(), f"{actual} and {expected}")


def notebook_contents(path: Path) -> dict:
    """An executed notebook's metadata and code cells (source, count and outputs), labelled as a reader counts them.

    Timings and papermill's own metadata are left out: they differ between any two
    runs. The parameters papermill injects are sorted (it writes them in any order).
    """
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    contents: dict[str, Any] = {"metadata": {k: v for k, v in nb["metadata"].items() if k != "papermill"}}
    for number, cell in enumerate(nb["cells"], start=1):
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        if "injected-parameters" in cell["metadata"].get("tags", []):
            source = "\n".join(sorted(source.splitlines()))
        entry: dict[str, Any] = {"source": source, "execution count": cell["execution_count"]}
        for index, output in enumerate(cell["outputs"], start=1):
            entry[f"output {index}"] = {
                key: "".join(value) if isinstance(value, list) else _joined(value)
                for key, value in output.items()
                if key != "metadata"
            }
        contents[f"cell {number}"] = entry
    return contents


def _joined(value: Any) -> Any:
    """An output's mime bundle with each text as one string (nbformat may store it as a list of lines)."""
    if isinstance(value, dict):
        return {
            k: "".join(v) if isinstance(v, list) and all(isinstance(x, str) for x in v) else v for k, v in value.items()
        }
    return value
