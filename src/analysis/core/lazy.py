"""Names a package exports but imports only when first used.

``csp-report`` decides an unchanged rebuild before pandas, SciPy or Altair are
imported; a package whose public names live in modules that import them
exports those names lazily, through the module ``__getattr__`` made here.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any


def lazy_exports(package: str, names: dict[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package`` importing each of ``names`` from its module on first use.

    >>> getter = lazy_exports("analysis.core", {"dedent": "textwrap"})
    >>> getter("dedent")("  a")
    'a'
    >>> getter("nothing")
    Traceback (most recent call last):
    ...
    AttributeError: module 'analysis.core' has no attribute 'nothing'
    """

    def __getattr__(name: str) -> Any:
        if name not in names:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(names[name]), name)
        setattr(sys.modules[package], name, value)  # later look-ups skip this function
        return value

    return __getattr__
