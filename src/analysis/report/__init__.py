"""Kernel side: the sections of the measure page, the dashboard, the strategic assessment and a theme group's page.

Reads the quarter's processed tables only; never the raw inputs. The sections
are pure functions in :mod:`analysis.report.measure`,
:mod:`analysis.report.dashboard`, :mod:`analysis.report.assessment` and
:mod:`analysis.report.lead` (shared ones in :mod:`analysis.report.common`); the
notebooks call the page objects that :func:`measure_page`, :func:`dashboard`,
:func:`strategic_assessment` and :func:`lead_page` return.
"""

from analysis.report.assessment import StrategicAssessment, strategic_assessment
from analysis.report.dashboard import Dashboard, dashboard
from analysis.report.lead import LeadPage, lead_measures, lead_page
from analysis.report.measure import MeasurePage, measure_page

__all__ = [
    "Dashboard", "LeadPage", "MeasurePage", "StrategicAssessment", "dashboard", "lead_measures", "lead_page",
    "measure_page", "strategic_assessment",
]  # fmt: skip
