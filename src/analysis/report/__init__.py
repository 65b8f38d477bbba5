"""Kernel side: the sections of the measure page, the dashboard, the strategic assessment and a theme group's page.

Reads the quarter's processed tables only; never the raw inputs. The sections
are pure functions in :mod:`analysis.report.measure`,
:mod:`analysis.report.dashboard`, :mod:`analysis.report.assessment`,
:mod:`analysis.report.lead` and :mod:`analysis.report.neighbourhoods` (shared
ones in :mod:`analysis.report.common`); the notebooks call the page objects that
:func:`measure_page`, :func:`dashboard`, :func:`strategic_assessment`,
:func:`lead_page` and :func:`neighbourhoods_page` return.
"""

from analysis.report.assessment import StrategicAssessment, strategic_assessment
from analysis.report.dashboard import Dashboard, dashboard
from analysis.report.lead import LeadPage, lead_measures, lead_page
from analysis.report.measure import MeasurePage, measure_page
from analysis.report.neighbourhoods import NeighbourhoodsPage, neighbourhoods_page

__all__ = [
    "Dashboard", "LeadPage", "MeasurePage", "NeighbourhoodsPage", "StrategicAssessment", "dashboard",
    "lead_measures", "lead_page", "measure_page", "neighbourhoods_page", "strategic_assessment",
]  # fmt: skip
