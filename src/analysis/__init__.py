"""Quarterly performance reporting for Community Safety Partnerships.

The public API is small: read and validate a partnership's inputs, compute a
quarter's figures and statuses, and build the published report.
"""

import sys

# Altair and nbformat import jsonschema, which builds grammars for the optional
# `rfc3987_syntax` URI checker at import time: 1.5-3 s of every kernel's and every
# command's start, for a format check that chart specs and notebooks never need.
# Marking it absent (jsonschema then treats it as not installed) keeps both fast.
if "jsonschema" not in sys.modules:
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

from analysis.core.periods import Quarter, parse_quarter
from analysis.core.problems import InputError, Problem

# Loaded on first use: the register imports pandas, which an unchanged rebuild never needs.
_LAZY = {
    "Measure": "analysis.core.register",
    "Register": "analysis.core.register",
    "MeasureStatus": "analysis.method.status",
    "measure_status": "analysis.method.status",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'analysis' has no attribute {name!r}")


__all__ = [
    "InputError",
    "Measure",
    "MeasureStatus",
    "Problem",
    "Quarter",
    "Register",
    "measure_status",
    "parse_quarter",
]
__version__ = "0.1.0"
