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
    return here.parents[3]


PROJECT_ROOT = _find_root()
NOTEBOOKS = PROJECT_ROOT / "notebooks"
DEFAULT_DATA = PROJECT_ROOT / "data" / "raw"
TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
VERSIONS = ".versions"  # under --out: every published quarter's versions, whole


@dataclass(frozen=True)
class OutputPaths:
    """Where one build writes: processed tables, executed notebooks and the site.

    >>> p = OutputPaths(Path("/tmp/o"))
    >>> p.processed("2015-16-Q1").as_posix(), p.site_quarter("2015-16-Q1").as_posix()
    ('/tmp/o/data/processed/2015-16-Q1', '/tmp/o/_site/2015-16-Q1')

    A force-wide build gives each partnership its own folder in each of them:

    >>> OutputPaths(Path("/tmp/o"), "newport").site_quarter("2024-25-Q3").as_posix()
    '/tmp/o/_site/newport/2024-25-Q3'

    Each published quarter's builds are kept whole, one folder per version, under
    ``.versions/``; the three folders above are links into the current one
    (:mod:`analysis.processed.versions`):

    >>> OutputPaths(Path("/tmp/o"), "newport").versions("2024-25-Q3").as_posix()
    '/tmp/o/.versions/newport/2024-25-Q3'
    """

    root: Path
    partnership: str = ""

    def _under(self, *parts: str) -> Path:
        base = self.root.joinpath(*parts)
        return base / self.partnership if self.partnership else base

    @property
    def processed_root(self) -> Path:
        return self._under("data", "processed")

    def processed(self, quarter: str) -> Path:
        return self.processed_root / str(quarter)

    def reports(self, quarter: str) -> Path:
        return self._under("reports") / str(quarter)

    @property
    def site(self) -> Path:
        return self._under("_site")

    def site_quarter(self, quarter: str) -> Path:
        return self.site / str(quarter)

    @property
    def versions_root(self) -> Path:
        return self.root.joinpath(VERSIONS, *([self.partnership] if self.partnership else []))

    def versions(self, quarter: str) -> Path:
        """The folder of a quarter's versions and of the ``current`` link that names the published one."""
        return self.versions_root / str(quarter)

    @property
    def cache(self) -> Path:
        return self.root / ".cache" / "csp-report"


def resolve_dir(value: str | os.PathLike | None, default: Path) -> Path:
    """An absolute folder from a command-line or notebook value; ``default`` when empty."""
    if value in (None, ""):
        return default
    return Path(value).expanduser().resolve()
