"""``csp-report ingest neighbourhoods``: a partnership's small areas from national or force-wide files.

ONS publishes LSOA population estimates for the whole of England and Wales, LSOA
-> MSOA -> ward -> local authority lookups and LSOA, MSOA and ward boundaries,
each with its own column names (``lsoacd``, ``lsoa21_code``, ``LSOA21CD`` ...).
This keeps the partnership's small areas from them and writes
``neighbourhoods/`` as the contract lays it out: ``population.csv``,
``areas.csv``, ``boundaries.geojson`` (and ``wards.geojson``, ``msoas.geojson``),
each feature's code in ``code`` and its name in ``name``. Which column or
property holds the codes is found from the values, not the names: the one whose
values are the areas' codes. Optionally, the 2011 -> 2021 LSOA lookup
(``lsoa11.csv``, for police.uk months that still carry 2011 codes) and a
deprivation index by area (``deprivation.csv``, its deciles mapped from 2011
LSOAs where it is published on them, as the Welsh index of 2019 is).

Nothing is written unless every file is right; each problem names its file, row
and column (or feature and property).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from analysis.core.cells import parse_number
from analysis.core.problems import InputError, Problem, raise_if_any
from analysis.ingest.areas import find_area, name_key
from analysis.ingest.tables import csv_text, number_text, replace_file
from analysis.inputs.neighbourhoods import AREAS_COLUMNS, BOUNDARIES, FOLDER, MSOAS, WARDS

# Header patterns of the lookup's columns, as ONS names them in any year (LSOA21CD, lsoa21_code, ward24_name ...).
_PATTERNS = {
    "area_code": r"(lsoa\d*_?(code|cd)|area_code)",
    "area_name": r"(lsoa\d*_?(name|nm)|area_name)",
    "ward_code": r"(ward|wd)\d*_?(code|cd)",
    "ward_name": r"(ward|wd)\d*_?(name|nm)",
    "msoa_code": r"msoa\d*_?(code|cd)",
    "msoa_name": r"msoa\d*_?(name|nm)",
}
_PARTNERSHIP = r"csp\d*_?(name|nm)|partnership"
_AUTHORITY = r"(lad|ltla|la|local_authority)\d*_?(name|nm)"


@dataclass(frozen=True)
class CsvFile:
    """A CSV file's header and rows as text (cells stripped); rows numbered as a spreadsheet numbers them."""

    name: str
    header: list[str]
    rows: list[tuple[int, list[str]]]

    def column(self, pattern: str) -> int | None:
        """The first column whose heading matches ``pattern`` (case ignored)."""
        return next((i for i, h in enumerate(self.header) if re.fullmatch(pattern, h, re.IGNORECASE)), None)

    def values(self, index: int) -> list[str]:
        return [cells[index] if index < len(cells) else "" for _, cells in self.rows]


def read_csv_file(path: Path) -> CsvFile:
    """A CSV file (UTF-8 with or without BOM, or Windows-1252); a missing or empty file is a problem."""
    path = Path(path)
    if not path.is_file():
        raise InputError([Problem(str(path), None, None, "there is no such file")])
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    records = [(n, [c.strip() for c in r]) for n, r in enumerate(csv.reader(io.StringIO(text, newline="")), start=1)]
    records = [(n, r) for n, r in records if any(r)]
    if not records:
        raise InputError([Problem(path.name, None, None, "the file is empty: the first row must name the columns")])
    return CsvFile(path.name, [h.replace("\ufeff", "").strip() for h in records[0][1]], records[1:])


def _code_column(table: CsvFile, codes: set[str]) -> int | None:
    """The column whose values hold the most of ``codes`` (None when no column holds any)."""
    best, hits = None, 0
    for i in range(len(table.header)):
        found = len(codes & set(table.values(i)))
        if found > hits:
            best, hits = i, found
    return best


def _example(codes: Iterable[str]) -> str:
    return ", ".join(sorted(codes)[:3])


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    ward_code: str = ""
    ward_name: str = ""
    msoa_code: str = ""
    msoa_name: str = ""


def partnership_areas(lookup: CsvFile, partnership: str) -> list[Area]:
    """The small areas the lookup places in the partnership, by code.

    A row is the partnership's when its partnership column (``CSP24NM``,
    ``csp24_name``) names it; a lookup without one places areas by their local
    authority (``LAD24NM``, ``ltla24_name``). An area whose name says it lies in
    one of the partnership's authorities ("Newport 014B") but which the
    partnership column leaves empty is unplaced: a problem.
    """
    area = find_area(partnership)
    cols = {key: lookup.column(p) for key, p in _PATTERNS.items()}
    if cols["area_code"] is None:
        heads = ", ".join(lookup.header)
        raise_if_any(
            [
                Problem(
                    lookup.name, 1, None, f"no column holds the small areas' codes (like lsoa21_code); it has {heads}"
                )
            ]
        )
    by_csp, by_la = lookup.column(_PARTNERSHIP), lookup.column(_AUTHORITY)
    authorities = {name_key(a) for a in (*area.local_authorities, *area.lsoa_authorities)}
    problems: list[Problem] = []
    found: dict[str, Area] = {}
    for row, cells in lookup.rows:
        cell = dict(enumerate(cells))
        code = cell.get(cols["area_code"], "")
        name = cell.get(cols["area_name"], "") if cols["area_name"] is not None else ""
        named_here = bool(name) and name_key(re.sub(r"\s+\d{3,4}[A-Z]{1,2}$", "", name)) in authorities
        if by_csp is not None:
            csp = cell.get(by_csp, "")
            mine = name_key(csp) == name_key(area.name)
            if not csp and named_here:
                message = f"the lookup leaves {code or name} ({name}) unplaced: its partnership is empty"
                problems.append(Problem(lookup.name, row, lookup.header[by_csp], message))
        elif by_la is not None:
            mine = name_key(cell.get(by_la, "")) in authorities
        else:
            mine = named_here
        if not mine:
            continue
        if not code:
            problems.append(
                Problem(lookup.name, row, lookup.header[cols["area_code"]], "the small area's code is empty")
            )
            continue
        values = {k: cell.get(i, "") if i is not None else "" for k, i in cols.items()}
        if code in found:
            continue  # a best-fit lookup may repeat an area; the first row places it
        found[code] = Area(code, values["area_name"] or code, values["ward_code"], values["ward_name"],
                           values["msoa_code"], values["msoa_name"])  # fmt: skip
    raise_if_any(problems)
    if not found:
        how = "partnership" if by_csp is not None else "local authority"
        raise_if_any([Problem(lookup.name, None, None, f"no row places a small area in {area.name} (by its {how})")])
    return [found[c] for c in sorted(found)]


def populations(table: CsvFile, areas: Sequence[Area]) -> dict[str, float]:
    """Residents of each area: the code column found by its values, the population column by its name."""
    codes = {a.code for a in areas}
    at = _code_column(table, codes)
    if at is None:
        message = (
            f"no column holds the small areas' codes (like {_example(codes)}): "
            f"the columns are {', '.join(table.header)}; give the population estimates by 2021 LSOA"
        )
        raise_if_any([Problem(table.name, 1, None, message)])
    heads = [h.lower() for h in table.header]
    pick = next((i for i, h in enumerate(heads) if h == "population"), None)
    pick = pick if pick is not None else next((i for i, h in enumerate(heads) if "population" in h), None)
    if pick is None:
        raise_if_any(
            [Problem(table.name, 1, None, f"no column is the population: the columns are {', '.join(table.header)}")]
        )
    out: dict[str, float] = {}
    problems, bad = [], set()
    for row, cells in table.rows:
        code = cells[at] if at < len(cells) else ""
        if code not in codes or code in out or code in bad:
            continue
        text = cells[pick] if pick < len(cells) else ""
        value = parse_number(text)
        if value is None or value <= 0:
            problems.append(Problem(table.name, row, table.header[pick], f"{code}: {text!r} is not a population"))
            bad.add(code)
            continue
        out[code] = value
    missing = sorted(codes - set(out) - bad)
    if missing:
        message = f"{len(missing)} of the partnership's areas have no population here ({_example(missing)})"
        problems.append(Problem(table.name, None, table.header[at], message))
    raise_if_any(problems)
    return out


def read_features(path: Path) -> list[dict]:
    """The features of a GeoJSON FeatureCollection."""
    path = Path(path)
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise InputError([Problem(str(path), None, None, "there is no such file")]) from None
    except (UnicodeDecodeError, ValueError) as err:
        raise InputError([Problem(path.name, None, None, f"this cannot be read as GeoJSON ({err})")]) from err
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list):
        raise InputError([Problem(path.name, None, None, "this is not a GeoJSON FeatureCollection")])
    return [f if isinstance(f, dict) else {} for f in features]


def _properties(feature: dict) -> dict:
    props = feature.get("properties")
    return props if isinstance(props, dict) else {}


def keep_features(path: Path, names: dict[str, str], what: str, complete: bool) -> str:
    """The features whose code is one of ``names`` (code -> name), as GeoJSON with ``code`` and ``name`` only.

    The code property is the one whose values are the codes (``lsoa21_code``,
    ``WD22CD``); a file with no such property is refused. With ``complete`` every
    code must have a feature.
    """
    path = Path(path)
    features = read_features(path)
    keys = sorted({k for f in features for k in _properties(f)}, key=str)
    hits = {k: sum(str(_properties(f).get(k, "")) in names for f in features) for k in keys}
    key = max(keys, key=lambda k: hits[k], default=None)
    if key is None or hits[key] == 0:
        message = (
            f"no property of the features holds the {what}' codes (like {_example(names)}): "
            f"the properties are {', '.join(map(str, keys)) or 'none'}"
        )
        raise_if_any([Problem(path.name, None, "code", message)])
    kept: dict[str, dict] = {}
    problems = []
    for i, feature in enumerate(features, start=1):
        code = str(_properties(feature).get(key, ""))
        if code not in names or code in kept:
            continue
        geometry = feature.get("geometry")
        if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
            problems.append(Problem(path.name, None, "geometry", f"{code} has no polygon", f"feature {i}"))
            continue
        kept[code] = {"type": "Feature", "properties": {"code": code, "name": names[code]}, "geometry": geometry}
    missing = sorted(set(names) - set(kept)) if complete else []
    if missing:
        problems.append(
            Problem(path.name, None, key, f"{len(missing)} of the {what} have no boundary here ({_example(missing)})")
        )
    raise_if_any(problems)
    lines = [json.dumps(kept[c], separators=(",", ":"), ensure_ascii=False) for c in sorted(kept)]
    return '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"


def lsoa11_rows(table: CsvFile, codes: set[str]) -> list[tuple[str, str]]:
    """``(lsoa11_code, area_code)`` of the lookup's rows that lead to one of the partnership's areas."""
    old = table.column(r"lsoa11_?(code|cd)")
    new = table.column(r"lsoa21_?(code|cd)|area_code")
    if old is None or new is None:
        message = (
            f"the 2011 to 2021 lookup needs columns like lsoa11_code and lsoa21_code; it has {', '.join(table.header)}"
        )
        raise_if_any([Problem(table.name, 1, None, message)])
    rows = {(cells[old], cells[new]) for _, cells in table.rows if max(old, new) < len(cells) and cells[new] in codes}
    if not rows:
        raise_if_any([Problem(table.name, None, table.header[new], "no row leads to one of the partnership's areas")])
    return sorted(rows)


def deprivation_deciles(table: CsvFile, codes: set[str], lsoa11: list[tuple[str, str]]) -> dict[str, int]:
    """Each area's deprivation decile (1 = most deprived); an index on 2011 LSOAs is mapped through the lookup.

    A 2021 area made of two 2011 areas (merged) takes the more deprived of their
    deciles; the parts of a split 2011 area each take its decile.
    """
    parts: dict[str, set[str]] = {c: {c} for c in codes}
    for old, new in lsoa11:
        parts[new].add(old)
    wanted = set().union(*parts.values())
    at = _code_column(table, wanted)
    heads = [h.lower() for h in table.header]
    decile = next((i for i, h in enumerate(heads) if h in ("decile", "imd_decile", "wimd_decile")), None)
    decile = decile if decile is not None else next((i for i, h in enumerate(heads) if "decile" in h), None)
    if at is None or decile is None:
        what = "the small areas' codes" if at is None else "a decile"
        raise_if_any(
            [Problem(table.name, 1, None, f"no column holds {what}: the columns are {', '.join(table.header)}")]
        )
    by_code: dict[str, int] = {}
    for _, cells in table.rows:
        value = parse_number(cells[decile]) if max(at, decile) < len(cells) else None
        if value is not None and 1 <= value <= 10:
            by_code.setdefault(cells[at], int(value))
    out = {c: min(by_code[p] for p in ps if p in by_code) for c, ps in parts.items() if any(p in by_code for p in ps)}
    missing = sorted(codes - set(out))
    if missing:
        hint = "" if lsoa11 else "; an index on 2011 LSOAs needs the 2011 to 2021 lookup (--lsoa-lookup)"
        message = f"{len(missing)} of the partnership's areas have no decile here ({_example(missing)}){hint}"
        raise_if_any([Problem(table.name, None, table.header[at], message)])
    return out


@dataclass(frozen=True)
class NeighbourhoodsReport:
    """What ``ingest neighbourhoods`` wrote."""

    partnership: str
    folder: Path
    areas: int
    residents: float
    files: tuple[str, ...]
    wards: int = 0
    msoas: int = 0

    def summary(self) -> str:
        """A few lines for the command line."""
        lines = [
            f"{self.partnership}: {self.areas:,} small areas, {self.residents:,.0f} residents"
            + (f", {self.wards} wards" if self.wards else "")
            + (f", {self.msoas} MSOAs" if self.msoas else "")
            + ".",
            f"Wrote {', '.join(self.files)} to {self.folder}.",
        ]
        return "\n".join(lines)


def ingest_neighbourhoods(
    partnership: str,
    data_dir: Path | str,
    *,
    population: Path,
    areas: Path,
    boundaries: Path,
    wards: Path | None = None,
    msoas: Path | None = None,
    lsoa_lookup: Path | None = None,
    deprivation: Path | None = None,
) -> NeighbourhoodsReport:
    """Keep the partnership's small areas from the files given and write ``neighbourhoods/`` (all or nothing).

    ``counts.csv``, which ``ingest police-uk`` writes, is left as it is.
    """
    data_dir = Path(data_dir)
    name = find_area(partnership).name
    found = partnership_areas(read_csv_file(areas), partnership)
    codes = {a.code for a in found}
    residents = populations(read_csv_file(population), found)
    files: dict[str, str] = {
        "population.csv": csv_text(
            ["area_code", "population"], [(a.code, number_text(residents[a.code])) for a in found]
        ),
        "areas.csv": csv_text(
            AREAS_COLUMNS, [(a.code, a.name, a.ward_code, a.ward_name, a.msoa_code, a.msoa_name) for a in found]
        ),
        BOUNDARIES: keep_features(boundaries, {a.code: a.name for a in found}, "small areas", complete=True),
    }
    ward_names = {a.ward_code: a.ward_name or a.ward_code for a in found if a.ward_code}
    msoa_names = {a.msoa_code: a.msoa_name or a.msoa_code for a in found if a.msoa_code}
    for path, names, file, what in ((wards, ward_names, WARDS, "wards"), (msoas, msoa_names, MSOAS, "MSOAs")):
        if path is None:
            continue
        if not names:
            raise_if_any([Problem(Path(areas).name, 1, None, f"the lookup gives no {what}, so {file} cannot be kept")])
        files[file] = keep_features(path, names, what, complete=True)
    mapped = lsoa11_rows(read_csv_file(lsoa_lookup), codes) if lsoa_lookup is not None else []
    if lsoa_lookup is not None:
        files["lsoa11.csv"] = csv_text(["lsoa11_code", "area_code"], mapped)
    if deprivation is not None:
        deciles = deprivation_deciles(read_csv_file(deprivation), codes, mapped)
        files["deprivation.csv"] = csv_text(["area_code", "decile"], sorted(deciles.items()))
    folder = data_dir / FOLDER
    for file, text in files.items():
        replace_file(folder / file, lambda temp, text=text: temp.write_text(text, encoding="utf-8", newline=""))
    return NeighbourhoodsReport(
        name, folder, len(found), sum(residents.values()), tuple(files), len(ward_names) if wards else 0,
        len(msoa_names) if msoas else 0,
    )  # fmt: skip
