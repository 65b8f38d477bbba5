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

from analysis.core.lazy import lazy_exports
from analysis.core.periods import Quarter, parse_quarter
from analysis.core.problems import InputError, Problem
from analysis.core.register import Measure, Register

# Loaded on first use: the method imports pandas, which an unchanged rebuild never needs.
__getattr__ = lazy_exports(__name__, {name: "analysis.method.status" for name in ("MeasureStatus", "measure_status")})

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
