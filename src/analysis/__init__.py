"""Quarterly performance reporting for Community Safety Partnerships.

The public API is small: read and validate a partnership's inputs, compute a
quarter's figures and statuses, and build the published report.
"""

from .method import MeasureStatus, measure_status
from .periods import Quarter, parse_quarter
from .problems import InputError, Problem
from .register import Measure, Register

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
