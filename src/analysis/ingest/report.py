"""What an ingest did, in figures and in words for the analyst who ran it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


def _n(value: int) -> str:
    return f"{value:,}"


@dataclass(frozen=True)
class IngestReport:
    """The outcome of one ingest.

    ``records`` counts what was read; ``in_area``, ``no_lsoa`` and ``outside_area``
    split it (police.uk only). ``written`` rows went to ``target``, of which
    ``replaced`` took the place of rows already there.

    >>> r = IngestReport("Newport", Path("actuals.csv"), ("2024-01", "2024-02"), written=4, replaced=2,
    ...                  records=10, in_area=6, no_lsoa=1, outside_area=3, outside_by_name=(("Cardiff", 2),))
    >>> print(r.summary())
    Newport: read 10 records.
      in the area: 6; no LSOA (no location): 1; outside the area: 3 (most: Cardiff 2)
    Wrote 4 rows for 2024-01 to 2024-02 to actuals.csv (2 replaced, 2 new).
    """

    partnership: str
    target: Path
    periods: tuple[str, ...]
    written: int
    replaced: int
    files: tuple[Path, ...] = ()
    records: int = 0
    in_area: int = 0
    no_lsoa: int = 0
    outside_area: int = 0
    outside_by_name: tuple[tuple[str, int], ...] = ()
    totals: dict[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    source: str = ""
    area_counts: Path | None = None  # neighbourhoods/counts.csv, when the folder has neighbourhoods/
    area_rows: int = 0
    mapped: int = 0  # records whose 2011 LSOA code was mapped to a 2021 one
    mapped_codes: tuple[str, ...] = ()
    no_code: int = 0

    @property
    def span(self) -> str:
        """The periods written, as ``first to last`` or the single period."""
        if not self.periods:
            return "no period"
        first, last = min(self.periods), max(self.periods)
        return first if first == last else f"{first} to {last}"

    def summary(self) -> str:
        """A few lines for the command line."""
        lines = [f"{self.partnership}: read {self.source}."] if self.source else []
        if self.records:
            files = f" from {len(self.files)} file{'s' if len(self.files) != 1 else ''}" if self.files else ""
            lines.append(f"{self.partnership}: read {_n(self.records)} records{files}.")
            most = ", ".join(f"{name} {_n(n)}" for name, n in self.outside_by_name)
            lines.append(
                f"  in the area: {_n(self.in_area)}; no LSOA (no location): {_n(self.no_lsoa)}; "
                f"outside the area: {_n(self.outside_area)}" + (f" (most: {most})" if most else "")
            )
        for name, total in self.totals.items():
            lines.append(f"  {name}: {_n(total)}")
        new = self.written - self.replaced
        lines.append(
            f"Wrote {self.written} rows for {self.span} to {self.target} ({self.replaced} replaced, {new} new)."
        )
        if self.area_counts is not None:
            lines.append(f"Wrote {self.area_rows:,} counts by month and small area to {self.area_counts}.")
            codes = len(self.mapped_codes)
            lines.append(
                f"  2011 LSOA codes mapped to 2021 areas: {_n(self.mapped)} records"
                + (
                    f" ({codes} code{'s' if codes != 1 else ''}: {', '.join(self.mapped_codes[:6])}"
                    f"{', ...' if codes > 6 else ''})"
                    if codes
                    else ""
                )
            )
            if self.no_code:
                lines.append(
                    f"  records with an LSOA name but no code, left out of the small-area counts: {_n(self.no_code)}"
                )
        lines += [f"Note: {note}" for note in self.notes]
        return "\n".join(lines)
