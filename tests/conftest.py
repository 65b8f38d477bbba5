"""Shared fixtures: the demo inputs and small fixture folders written on the fly."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "raw"
FIXTURES = Path(__file__).resolve().parent / "data"


@pytest.fixture
def demo_copy(tmp_path: Path) -> Path:
    """A private copy of the demo inputs that a test may change."""
    target = tmp_path / "raw"
    shutil.copytree(DEMO, target)
    return target
