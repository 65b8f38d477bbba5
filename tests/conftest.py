"""Shared fixtures: the demo inputs and small fixture folders written on the fly."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "raw"
FIXTURES = Path(__file__).resolve().parent / "data"


# Fixtures that build a quarter (execute notebooks); a test that uses one must be marked slow.
BUILDING_FIXTURES = {"built_demo", "local_build", "hostile_site", "spoiled_rebuild", "fault_town", "earlier_build"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Refuse a test that builds a quarter without ``@pytest.mark.slow``, so `make quick` stays quick."""
    unmarked = [
        item.nodeid
        for item in items
        if BUILDING_FIXTURES & set(getattr(item, "fixturenames", ())) and item.get_closest_marker("slow") is None
    ]
    if unmarked:
        raise pytest.UsageError("these tests build a quarter but are not marked slow:\n  " + "\n  ".join(unmarked))


@pytest.fixture
def demo_copy(tmp_path: Path) -> Path:
    """A private copy of the demo inputs that a test may change."""
    target = tmp_path / "raw"
    shutil.copytree(DEMO, target)
    return target


@pytest.fixture(scope="session")
def built_demo(tmp_path_factory) -> Path:
    """The demo quarter built once for the session (notebooks, processed tables and site)."""
    from analysis.pipeline.build import build_quarter

    out = tmp_path_factory.mktemp("demo-build")
    result = build_quarter(DEMO, out, "2015-16-Q1", jobs=2, force=True, renderer="builtin", progress=False)
    assert result.ok, [f"{r.name}: {r.error}" for r in result.failures]
    return out
