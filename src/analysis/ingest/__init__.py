"""Public data into a partnership's input folder: police.uk street-level crime and ONS CSP tables.

``ingest_police_uk`` counts a partnership's police.uk records by month into
``actuals.csv``; ``ingest_ons_csp`` writes a family group's recorded crime and
population into ``family_group.csv``. Both replace what they wrote before and
keep every other row, so they can be run again whenever new data is published.
"""

from analysis.ingest.areas import Area, find_area, load_lookup, local_authority_of
from analysis.ingest.ons import ingest_ons_csp, read_csp_table, read_populations
from analysis.ingest.police_uk import count_by_month, ingest_police_uk, read_street_files
from analysis.ingest.report import IngestReport

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
