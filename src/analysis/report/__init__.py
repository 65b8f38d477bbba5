"""Kernel side: the sections of the measure page, the dashboard and the strategic assessment.

Reads the quarter's processed tables only; never the raw inputs. The sections
are pure functions in :mod:`analysis.report.measure`,
:mod:`analysis.report.dashboard` and :mod:`analysis.report.assessment` (shared
ones in :mod:`analysis.report.common`); the notebooks call the page objects
that :func:`measure_page`, :func:`dashboard`, :func:`strategic_assessment` and
:func:`neighbourhoods_page` return.
"""

from analysis.report.assessment import StrategicAssessment, strategic_assessment
from analysis.report.dashboard import Dashboard, dashboard
from analysis.report.measure import MeasurePage, measure_page
from analysis.report.neighbourhoods import NeighbourhoodsPage, neighbourhoods_page

__all__ = [
    "Dashboard", "MeasurePage", "NeighbourhoodsPage", "StrategicAssessment", "dashboard", "measure_page",
    "neighbourhoods_page", "strategic_assessment",
]  # fmt: skip
