"""Kernel side: the sections of the measure page, the dashboard and the strategic assessment.

Reads the quarter's processed tables only; never the raw inputs.
"""

from analysis.report.pages import dashboard, measure_page, strategic_assessment

__all__ = ["dashboard", "measure_page", "strategic_assessment"]
