"""How `make test` shares the suite between its two processes (pytest-xdist, ``--dist loadgroup``).

A file is handed to one process whole, so its module fixtures are made once (as with ``--dist loadfile``);
the files that read one of the session's builds (``built_demo``, ``small_build``) all go to one process, so each
quarter is still built once. The files that build are handed out first and the quick ones fill in behind them,
so neither process is left with a long build at the end. (pytest-xdist's own ``xdist_group`` marks do not
reach its scheduler under pytest 9, so the groups are found here, from each file's text.)
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from xdist.scheduler import LoadScopeScheduling

ROOT = Path(__file__).resolve().parents[1]
# The session fixtures that build a quarter, in the order a file naming more than one is grouped by.
SHARED = ("built_demo", "small_build")


@cache
def group_of(file: str) -> str:
    """The group of a test file (relative to the project): the first shared build it names, or else itself."""
    path = ROOT / file
    text = path.read_text(encoding="utf-8") if path.name.startswith("test_") else ""
    return next((name for name in SHARED if re.search(rf"\b{name}\b", text)), file)


def _file(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


def order(items: list[pytest.Item]) -> None:
    """Put the shared builds' files first, then the files with most slow tests (a file's order is kept)."""
    groups: dict[str, list[pytest.Item]] = {}
    for item in items:
        groups.setdefault(group_of(_file(item.nodeid)), []).append(item)

    def key(group: str) -> tuple[bool, int]:
        return group not in SHARED, -sum(item.get_closest_marker("slow") is not None for item in groups[group])

    items[:] = [item for group in sorted(groups, key=key) for item in groups[group]]


class GroupScheduling(LoadScopeScheduling):
    """pytest-xdist's scheduling by scope, with the groups above as the scopes."""

    def _split_scope(self, nodeid: str) -> str:
        return group_of(_file(nodeid))
