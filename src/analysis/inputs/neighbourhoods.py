"""The optional ``neighbourhoods/`` inputs: small areas, their residents, boundaries and police.uk counts by area.

A partnership's data folder may hold ``neighbourhoods/`` (written by ``csp-report
ingest neighbourhoods``, or by hand): ``population.csv`` (``area_code,population``),
``areas.csv`` (``area_code,area_name,ward_code,ward_name,msoa_code,msoa_name``),
``boundaries.geojson`` (one feature per small area, its code in the property
``code``), optionally ``wards.geojson`` and ``msoas.geojson`` likewise, and
``counts.csv`` (``measure_id,period,area_code,value``, written by ``ingest
police-uk``). Two optional tables are this project's additions where the contract
is silent (``docs/choices.md``): ``lsoa11.csv`` (``lsoa11_code,area_code``, the
2011 to 2021 LSOA lookup that maps older police.uk months) and ``deprivation.csv``
(``area_code,decile``). Every table is checked against its pandera schema and
against the others in one pass, each problem with its file, row and column.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from analysis.core.cells import parse_number
from analysis.core.files import MAX_TABLE_BYTES, FileRefused, read_confined
from analysis.core.periods import is_period
from analysis.core.problems import Problem, raise_if_any, suggest
from analysis.core.register import Register
from analysis.inputs.reading import Folder
from analysis.inputs.schemas import MEASURE_ID, rule, schema_problems

FOLDER = "neighbourhoods"
BOUNDARIES, WARDS, MSOAS = "boundaries.geojson", "wards.geojson", "msoas.geojson"
_CODE = re.compile(r"^[A-Za-z0-9]{1,16}$")


def required(column: str, words: str) -> pa.Check:
    """The cell must not be empty (a rule of its own name, so the other tables keep their words)."""
    return rule(f"neighbourhoods: required {column}", lambda v: v != "", lambda v: words)


def _column(*checks: pa.Check, required_column: bool = True) -> pa.Column:
    return pa.Column(str, checks=list(checks), nullable=False, required=required_column)


AREA_CODE = rule(
    "neighbourhoods: area code",
    lambda v: v == "" or bool(_CODE.match(v)),
    lambda v: f"{v!r} is not a small area's code: use the code as ONS writes it, like W01001649",
)
_WHOLE = rule(
    "neighbourhoods: count",
    lambda v: v == "" or (parse_number(v) is not None and parse_number(v) >= 0 and parse_number(v) % 1 == 0),
    lambda v: f"{v!r} is not a count: use a whole number, 0 or more",
)
_POSITIVE = rule(
    "neighbourhoods: residents",
    lambda v: v == "" or (parse_number(v) is not None and parse_number(v) > 0),
    lambda v: f"{v!r} is not a number of residents: it must be a number above 0",
)
_DECILE = rule(
    "neighbourhoods: decile",
    lambda v: v == "" or parse_number(v) in {float(d) for d in range(1, 11)},
    lambda v: f"{v!r} is not a decile: use a whole number from 1 (most deprived) to 10",
)
_MONTH = rule(
    "neighbourhoods: month",
    lambda v: v == "" or is_period(v, "monthly"),
    lambda v: f"{v!r} is not a month: write it like 2024-01",
)


def _code(column: str) -> pa.Column:
    return _column(required(column, "the area code is empty"), AREA_CODE)


SCHEMAS: dict[str, pa.DataFrameSchema] = {
    "population": pa.DataFrameSchema(
        {
            "area_code": _code("area_code"),
            "population": _column(required("population", "the population is empty"), _POSITIVE),
        },
        name="population",
    ),
    "areas": pa.DataFrameSchema(
        {
            "area_code": _code("area_code"),
            "area_name": _column(required("area_name", "the area's name is empty")),
            "ward_code": _column(AREA_CODE, required_column=False),
            "ward_name": _column(required_column=False),
            "msoa_code": _column(AREA_CODE, required_column=False),
            "msoa_name": _column(required_column=False),
        },
        name="areas",
    ),
    "counts": pa.DataFrameSchema(
        {
            "measure_id": _column(required("measure_id", "the measure id is empty"), MEASURE_ID),
            "period": _column(required("period", "the month is empty: write it like 2024-01"), _MONTH),
            "area_code": _code("area_code"),
            "value": _column(required("value", "the count is empty"), _WHOLE),
        },
        name="counts",
    ),
    "lsoa11": pa.DataFrameSchema(
        {"lsoa11_code": _code("lsoa11_code"), "area_code": _code("area_code")},
        name="lsoa11",
    ),
    "deprivation": pa.DataFrameSchema(
        {"area_code": _code("area_code"), "decile": _column(required("decile", "the decile is empty"), _DECILE)},
        name="deprivation",
    ),
}
"""Each table of ``neighbourhoods/`` by name (the file is ``<name>.csv``), every cell as text."""
REQUIRED = ("population", "areas")
AREAS_COLUMNS = ("area_code", "area_name", "ward_code", "ward_name", "msoa_code", "msoa_name")


def _empty(name: str) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=str) for c in SCHEMAS[name].columns})


@dataclass(frozen=True)
class Neighbourhoods:
    """A partnership's small areas, validated and typed; tables in their files' order."""

    population: pd.DataFrame  # area_code, population (float)
    areas: pd.DataFrame  # area_code, area_name, ward_code, ward_name, msoa_code, msoa_name (text, "" when absent)
    boundaries: str  # GeoJSON text: one feature per small area, its code in the property ``code``
    counts: pd.DataFrame = field(default_factory=lambda: _empty("counts"))  # measure_id, period, area_code, value
    wards: str = ""  # GeoJSON text of the wards, or ""
    msoas: str = ""
    lsoa11: pd.DataFrame = field(default_factory=lambda: _empty("lsoa11"))  # lsoa11_code, area_code
    deprivation: pd.DataFrame = field(default_factory=lambda: _empty("deprivation"))  # area_code, decile (float)
    files: tuple[Path, ...] = ()

    @property
    def residents(self) -> dict[str, float]:
        """Residents by small area."""
        return dict(zip(self.population["area_code"], self.population["population"], strict=True))

    def code_map(self) -> dict[str, str]:
        """Every code the records may carry -> the partnership's small area it is counted in.

        A 2021 code is itself. A 2011 code the 2021 revision split is counted once,
        against the first (lowest) 2021 code the lookup gives; merged codes map to
        their one 2021 code (contract, section 3).

        >>> n = Neighbourhoods(pd.DataFrame({"area_code": ["W2", "W3"], "population": [1.0, 1.0]}),
        ...                    pd.DataFrame({"area_code": ["W2", "W3"]}), "",
        ...                    lsoa11=pd.DataFrame({"lsoa11_code": ["W1", "W1", "W0"], "area_code": ["W3", "W2", "W2"]}))
        >>> n.code_map()
        {'W0': 'W2', 'W1': 'W2', 'W2': 'W2', 'W3': 'W3'}
        """
        out: dict[str, str] = {}
        for old, new in sorted(zip(self.lsoa11["lsoa11_code"], self.lsoa11["area_code"], strict=True)):
            out.setdefault(old, new)
        out.update({code: code for code in self.population["area_code"]})
        return dict(sorted(out.items()))


def _read_geojson(path: Path, root: Path, file: str, codes: set[str] | None) -> tuple[str, list[Problem]]:
    """A boundaries file's text, once every feature has a polygon and a ``code`` (and, with ``codes``, each is there)."""
    try:
        text = read_confined(path, root, MAX_TABLE_BYTES).decode("utf-8-sig")
        data = json.loads(text)
    except FileRefused as err:
        return "", [Problem(file, None, None, str(err))]
    except (UnicodeDecodeError, ValueError) as err:
        return "", [Problem(file, None, None, f"this cannot be read as GeoJSON ({err})")]
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list):
        return "", [Problem(file, None, None, "this is not a GeoJSON FeatureCollection: it has no list of features")]
    problems: list[Problem] = []
    found: set[str] = set()
    for i, feature in enumerate(features, start=1):
        props = feature.get("properties") if isinstance(feature, dict) else None
        props = props if isinstance(props, dict) else {}
        code = props.get("code")
        if code in (None, ""):
            near = [k for k in props if "code" in str(k).lower() or str(k).lower().endswith("cd")]
            hint = (
                f"; {near[0]!r} looks like it: run `csp-report ingest neighbourhoods`, which writes 'code'"
                if near
                else "; each feature needs its area's code in the property 'code'"
            )
            problems.append(Problem(file, None, "code", f"the feature has no property 'code'{hint}", f"feature {i}"))
            continue
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        kind = geometry.get("type") if isinstance(geometry, dict) else None
        if kind not in ("Polygon", "MultiPolygon"):
            message = f"the feature of {code} has no polygon (geometry {kind or 'missing'}): a map needs its outline"
            problems.append(Problem(file, None, "geometry", message, f"feature {i}"))
        found.add(str(code))
    if len(problems) > 5:
        problems = [*problems[:5], Problem(file, None, "code", f"and {len(problems) - 5} more features like these")]
    for code in sorted((codes or set()) - found)[:5]:
        problems.append(Problem(file, None, "code", f"{code} has no feature here, so the map would have a hole there"))
    return text, problems


def check_neighbourhoods(
    data_dir: Path, register: Register | None, *, counts: bool = True
) -> tuple[Neighbourhoods | None, list[Problem]]:
    """The folder's ``neighbourhoods/`` (``None`` when it has none or it has problems), and every problem.

    Its tables are read as the other inputs are (:class:`analysis.inputs.reading.Folder`). A
    register with a gap measure needs the folder: the gap is computed from it. Without
    ``counts``, ``counts.csv`` is not read (the ingest that rewrites it reads it itself).
    """
    folder = Path(data_dir) / FOLDER
    gaps = [m for m in register.measures if m.is_gap] if register is not None else []
    if not folder.is_dir():
        message = (
            "this is a gap measure, computed from police.uk counts by small area: the data folder needs "
            "neighbourhoods/ (run `csp-report ingest neighbourhoods`, then `csp-report ingest police-uk`)"
        )
        return None, [Problem("measures.yml", None, "gap", message, f"measure {m.id!r}") for m in gaps]
    frames, files, problems = _read_tables(folder, register, counts)
    texts: dict[str, str] = {}
    for name, wanted in ((BOUNDARIES, set(frames["areas"]["area_code"]) - {""}), (WARDS, None), (MSOAS, None)):
        path = folder / name
        if not path.exists() and not path.is_symlink():
            if name == BOUNDARIES:
                message = "the boundaries are missing: run `csp-report ingest neighbourhoods`"
                problems.append(Problem(f"{FOLDER}/{name}", None, None, message))
            texts[name] = ""
            continue
        files.append(path)
        texts[name], found = _read_geojson(path, folder, f"{FOLDER}/{name}", wanted)
        problems += found
    if problems:
        return None, problems
    return _typed(frames, texts, tuple(files)), []


def _read_tables(
    folder: Path, register: Register | None, counts: bool
) -> tuple[dict[str, pd.DataFrame], list[Path], list[Problem]]:
    """The folder's tables as text cells (each with its schema's columns), the files read, and every problem."""
    reader = Folder(folder)
    problems = [Problem(f"{FOLDER}/{p.file}", p.row, p.column, p.message) for p in reader.problems]
    files: list[Path] = []
    frames: dict[str, pd.DataFrame] = {}
    where: dict[str, str] = {}
    broken: set[str] = set()  # tables whose layout is wrong: not checked against the others (one problem, not many)
    for name, schema in SCHEMAS.items():
        table = reader.read(name) if counts or name != "counts" else None
        where[name] = f"{FOLDER}/{table.file if table is not None else name + '.csv'}"
        if table is None:
            if name in REQUIRED:
                message = f"the {name} table is missing: run `csp-report ingest neighbourhoods`, or add {name}.csv"
                problems.append(Problem(where[name], None, None, message))
            frames[name] = _empty(name)
            continue
        files.append(table.path)
        problems += [Problem(f"{FOLDER}/{p.file}", p.row, p.column, p.message) for p in table.problems]
        if not table.readable:
            frames[name] = _empty(name)
            broken.add(name)
            continue
        found = schema_problems(schema, table.frame, where[name], table.header_row)
        if any(p.row == table.header_row and p.column is None for p in found):
            broken.add(name)
        problems += found
        frames[name] = table.frame.reindex(columns=list(schema.columns), fill_value="")
    problems += _cross_checks(frames, where, register, broken)
    return frames, files, problems


def _typed(frames: dict[str, pd.DataFrame], texts: dict[str, str], files: tuple[Path, ...]) -> Neighbourhoods:
    """The checked tables and boundaries, numbers as numbers."""
    return Neighbourhoods(
        population=frames["population"]
        .assign(population=[parse_number(v) for v in frames["population"]["population"]])
        .reset_index(drop=True),
        areas=frames["areas"][list(AREAS_COLUMNS)].reset_index(drop=True),
        boundaries=texts[BOUNDARIES],
        counts=_typed_counts(frames["counts"]),
        wards=texts[WARDS],
        msoas=texts[MSOAS],
        lsoa11=frames["lsoa11"].reset_index(drop=True),
        deprivation=frames["deprivation"]
        .assign(decile=[parse_number(v) for v in frames["deprivation"]["decile"]])
        .reset_index(drop=True),
        files=files,
    )


def load_neighbourhoods(data_dir: Path, register: Register | None = None, counts: bool = True) -> Neighbourhoods | None:
    """Read and check a data folder's ``neighbourhoods/`` alone (``None`` when it has none); raise ``InputError``
    listing every problem. The ingest uses it (without ``counts``, which it rewrites); a build reads it with every
    other input (:func:`analysis.inputs.tables.load_inputs`)."""
    found, problems = check_neighbourhoods(Path(data_dir), register, counts=counts)
    raise_if_any(problems)
    return found


def _typed_counts(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "measure_id": frame["measure_id"].astype(str),
            "period": frame["period"].astype(str),
            "area_code": frame["area_code"].astype(str),
            "value": [parse_number(v) for v in frame["value"]],
        }
    ).reset_index(drop=True)


def _duplicates(frame: pd.DataFrame, columns: list[str], file: str, what: str) -> list[Problem]:
    problems = []
    seen: dict[tuple, int] = {}
    for row, key in zip(frame.index, frame[columns].itertuples(index=False, name=None), strict=True):
        if all(key) and key in seen:
            problems.append(
                Problem(file, row, columns[-1], f"{what} {' '.join(key)} is given twice (also row {seen[key]})")
            )
        seen.setdefault(key, row)
    return problems


def _cross_checks(
    frames: dict[str, pd.DataFrame], where: dict[str, str], register: Register | None, broken: set[str]
) -> list[Problem]:
    """Each table against the others: every area has residents and a place, counts only of known areas and measures.

    A table in ``broken`` (its header is wrong) is not compared: its own problem says what to fix."""
    if {"population", "areas"} & broken:
        return []
    population, areas, counts = frames["population"], frames["areas"], frames["counts"]
    problems = _duplicates(population, ["area_code"], where["population"], "the area")
    problems += _duplicates(areas, ["area_code"], where["areas"], "the area")
    problems += _duplicates(counts, ["measure_id", "period", "area_code"], where["counts"], "the count of")
    resident = set(population["area_code"]) - {""}
    placed = set(areas["area_code"]) - {""}
    for row, code in zip(areas.index, areas["area_code"], strict=True):
        if code and code not in resident:
            message = f"{code} has no population in {where['population']}, so no rate per 1,000 can be worked out"
            problems.append(Problem(where["areas"], row, "area_code", message))
    if placed:
        for row, code in zip(population.index, population["area_code"], strict=True):
            if code and code not in placed:
                message = f"{code} is not in {where['areas']}: the lookup leaves it unplaced; add its row there"
                problems.append(Problem(where["population"], row, "area_code", message))
    police = {m.id for m in register.measures if m.source.get("police_uk")} if register is not None else None
    unknown: set[str] = set()
    for row, mid, code in zip(counts.index, counts["measure_id"], counts["area_code"], strict=True):
        if code and resident and code not in resident and len(problems) < 50:
            message = (
                f"{code} has no population in {where['population']}, so its count cannot be a rate: "
                "add its residents, or run `csp-report ingest police-uk` again"
            )
            problems.append(Problem(where["counts"], row, "area_code", message))
        if police is not None and mid and mid not in police and mid not in unknown:
            unknown.add(mid)
            message = f"{mid!r} is not a measure with a police.uk source in measures.yml{suggest(mid, police)}"
            problems.append(Problem(where["counts"], row, "measure_id", message))
    for name in ("lsoa11", "deprivation"):
        frame = frames[name]
        for row, code in zip(frame.index, frame["area_code"], strict=True):
            if code and placed and code not in placed:
                problems.append(
                    Problem(where[name], row, "area_code", f"{code} is not one of the areas of {where['areas']}")
                )
    return problems
