"""Shared fixtures: the demo inputs, the small partnership and the Gwent quarters with small areas that the slow
tests share, and a short account of a failed comparison of large values."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "raw"
FIXTURES = Path(__file__).resolve().parent / "data"


# Fixtures that build a quarter (execute notebooks); a test that uses one must be marked slow.
BUILDING_FIXTURES = {
    "built_demo", "small_build", "local_build", "hostile_site", "spoiled_rebuild", "fault_town", "earlier_build",
    "gwent_build", "quarto_small_areas",
}  # fmt: skip


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Refuse a test that builds a quarter without ``@pytest.mark.slow``, so `make quick` stays quick; on two
    processes (`make test`), put the files that build first (tests/groups.py)."""
    unmarked = [
        item.nodeid
        for item in items
        if BUILDING_FIXTURES & set(getattr(item, "fixturenames", ())) and item.get_closest_marker("slow") is None
    ]
    if unmarked:
        raise pytest.UsageError("these tests build a quarter but are not marked slow:\n  " + "\n  ".join(unmarked))
    if getattr(config.option, "loadgroup", False):  # set in each pytest-xdist worker by ``--dist loadgroup``
        from groups import order

        order(items)


@pytest.hookimpl(optionalhook=True)  # pytest-xdist's hook: without it (``WORKERS=0``) the suite runs in one process
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """``--dist loadgroup`` hands out the groups of tests/groups.py (a file, or the files of one session build)."""
    if config.getvalue("dist") == "loadgroup":
        from groups import GroupScheduling

        return GroupScheduling(config, log)
    return None


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


@pytest.fixture(scope="session")
def small_partnership(tmp_path_factory) -> Path:
    """The inputs of the small partnership the slow tests share (tests/partnership.py); read only: copy to change."""
    from partnership import write_partnership

    return write_partnership(tmp_path_factory.mktemp("small") / "raw")


@pytest.fixture
def small_copy(small_partnership: Path, tmp_path: Path) -> Path:
    """A private copy of the small partnership's inputs that a test may change."""
    return Path(shutil.copytree(small_partnership, tmp_path / "small"))


@pytest.fixture(scope="session")
def small_build(small_partnership: Path, tmp_path_factory) -> Path:
    """The small partnership's quarter built once for the session on warm kernels; read only: copy to change."""
    from partnership import QUARTER

    from analysis.pipeline.build import build_quarter

    out = tmp_path_factory.mktemp("small-build")
    result = build_quarter(small_partnership, out, QUARTER, jobs=2, renderer="builtin", progress=False)
    assert result.ok, [f"{r.name}: {r.error}" for r in result.failures]
    return out


GWENT_QUARTERS = ["2024-25-Q2", "2024-25-Q3"]


@pytest.fixture(scope="session")
def gwent_build(tmp_path_factory) -> Path:
    """The Gwent example's smallest partnership, Blaenau Gwent, built by build-all over two quarters
    (:data:`GWENT_QUARTERS`): a quarter with small areas, its neighbourhoods page and the quarter before it. The
    output folder; the data folder beside it (``../data``). Read only: copy to change."""
    from analysis.pipeline.area import build_all

    root = tmp_path_factory.mktemp("gwent")
    shutil.copytree(ROOT / "examples" / "gwent" / "blaenau-gwent", root / "data" / "blaenau-gwent")
    outcomes = build_all(root / "data", root / "out", GWENT_QUARTERS, jobs=2, renderer="builtin", progress=False)
    assert [o.ok for o in outcomes] == [True], [o.error for o in outcomes]
    return root / "out"


# Above this many characters in either side's repr, a failed `==` is explained by its first difference only.
LARGE = 4000


def _large(value: object) -> bool:
    """Whether the value's repr is longer than LARGE (a long list's is cut short of being built whole)."""
    import reprlib

    if isinstance(value, (str, bytes)):
        return len(value) > LARGE
    cut = reprlib.Repr()
    cut.maxlevel, cut.maxstring, cut.maxother = 4, LARGE, LARGE
    cut.maxlist = cut.maxtuple = cut.maxdict = cut.maxset = LARGE
    return isinstance(value, (list, tuple, dict, set)) and len(cut.repr(value)) > LARGE


def pytest_assertrepr_compare(config: pytest.Config, op: str, left: object, right: object) -> list[str] | None:
    """A failed ``==`` between large values names where they first differ instead of diffing them whole."""
    if op != "==" or not (_large(left) or _large(right)):
        return None
    from compare import first_difference

    return [
        f"large {type(left).__name__} == {type(right).__name__} (not diffed whole)",
        f"first difference: {first_difference(left, right)}",
    ]
