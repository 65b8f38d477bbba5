"""Every path the project uses, anchored to the project root or to ``--out``.

Nothing here looks at the current directory: a build run from anywhere writes
to the same places.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def _find_root() -> Path:
    override = os.environ.get("CSP_REPORT_ROOT")
    if override:
        return Path(override).resolve()
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "_quarto.yml").exists() and (parent / "notebooks").is_dir():
            return parent
    return here.parents[2]


PROJECT_ROOT = _find_root()
NOTEBOOKS = PROJECT_ROOT / "notebooks"
DEFAULT_DATA = PROJECT_ROOT / "data" / "raw"
TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class OutputPaths:
    """Where one build writes: processed tables, executed notebooks and the site.

    >>> p = OutputPaths(Path("/tmp/o"))
    >>> p.processed("2015-16-Q1").as_posix(), p.site_quarter("2015-16-Q1").as_posix()
    ('/tmp/o/data/processed/2015-16-Q1', '/tmp/o/_site/2015-16-Q1')
    """

    root: Path

    def processed(self, quarter: str) -> Path:
        return self.root / "data" / "processed" / str(quarter)

    def reports(self, quarter: str) -> Path:
        return self.root / "reports" / str(quarter)

    @property
    def site(self) -> Path:
        return self.root / "_site"

    def site_quarter(self, quarter: str) -> Path:
        return self.site / str(quarter)

    @property
    def cache(self) -> Path:
        return self.root / ".cache" / "csp-report"


def resolve_dir(value: str | os.PathLike | None, default: Path) -> Path:
    """An absolute folder from a command-line or notebook value; ``default`` when empty."""
    if value in (None, ""):
        return default
    return Path(value).expanduser().resolve()
