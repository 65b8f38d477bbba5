"""Public data into a partnership's input folder: police.uk street-level crime and ONS CSP tables.

``ingest_police_uk`` counts a partnership's police.uk records by month into
``actuals.csv``; ``ingest_ons_csp`` writes a family group's recorded crime and
population into ``family_group.csv``. Both replace what they wrote before and
keep every other row, so they can be run again whenever new data is published.
"""

from analysis.core.lazy import lazy_exports

# Loaded on first use, so that ``csp-report`` (whose parser names these commands) starts
# without pandas: an unchanged rebuild is decided before it is imported.
_LAZY = {
    "Area": "analysis.ingest.areas",
    "find_area": "analysis.ingest.areas",
    "load_lookup": "analysis.ingest.areas",
    "local_authority_of": "analysis.ingest.areas",
    "ingest_ons_csp": "analysis.ingest.ons",
    "read_csp_table": "analysis.ingest.ons",
    "read_populations": "analysis.ingest.ons",
    "count_by_month": "analysis.ingest.police_uk",
    "ingest_police_uk": "analysis.ingest.police_uk",
    "read_street_files": "analysis.ingest.police_uk",
    "IngestReport": "analysis.ingest.report",
}
__getattr__ = lazy_exports(__name__, _LAZY)

__all__ = [
    "Area",
    "IngestReport",
    "count_by_month",
    "find_area",
    "ingest_ons_csp",
    "ingest_police_uk",
    "load_lookup",
    "local_authority_of",
    "read_csp_table",
    "read_populations",
    "read_street_files",
]
