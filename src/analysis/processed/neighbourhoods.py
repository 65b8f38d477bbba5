"""The quarter's small-area files, when the data folder has ``neighbourhoods/``.

``neighbourhoods.csv`` and ``neighbourhood_wards.csv`` (declared in
:mod:`analysis.processed.contract`, computed by :mod:`analysis.method.neighbourhoods`),
and the boundaries the maps are drawn from, copied as the inputs hold them
(``boundaries.geojson``, and ``wards.geojson`` when given), so that the notebooks
read only the quarter's processed folder. The gap areas of each gap measure are
those of the quarter's financial year (:func:`analysis.ingest.gap.gap_areas`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from analysis.core.periods import Quarter
from analysis.ingest.gap import counts_by_month, gap_areas
from analysis.method.neighbourhoods import neighbourhood_table, ward_table
from analysis.processed.contract import BOUNDARIES, NEIGHBOURHOOD_WARDS, NEIGHBOURHOODS, WARD_BOUNDARIES

if TYPE_CHECKING:  # the inputs module loads pandera, which the notebooks' kernels need not
    from analysis.inputs.tables import Inputs


def neighbourhood_files(inputs: Inputs, quarter: Quarter) -> dict[str, str]:
    """``{file name: text}`` of the quarter's small-area files; empty without ``neighbourhoods/``."""
    hoods = inputs.neighbourhoods
    if hoods is None:
        return {}
    measures = inputs.register.measures
    residents = hoods.residents
    counts = hoods.counts
    chosen = {}
    for m in measures:
        if m.is_gap:
            own = counts[counts["measure_id"] == m.id]
            by_month = counts_by_month(zip(own["period"], own["area_code"], own["value"], strict=True))
            chosen[m.id] = gap_areas(by_month, residents, quarter.fy, m.gap_areas)
    deciles = dict(zip(hoods.deprivation["area_code"], hoods.deprivation["decile"], strict=True))
    table = NEIGHBOURHOODS.frame(
        neighbourhood_table(counts, hoods.areas, residents, measures, quarter, chosen, deciles)
    )
    files = {
        NEIGHBOURHOODS.name: NEIGHBOURHOODS.text(table),
        NEIGHBOURHOOD_WARDS.name: NEIGHBOURHOOD_WARDS.text(NEIGHBOURHOOD_WARDS.frame(ward_table(table, measures))),
        BOUNDARIES: hoods.boundaries,
    }
    if hoods.wards:
        files[WARD_BOUNDARIES] = hoods.wards
    return files
