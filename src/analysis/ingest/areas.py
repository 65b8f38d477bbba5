"""Which records belong to a partnership: local authorities, CSPs and police.uk LSOA names.

police.uk gives no local authority or partnership for a record, only its LSOA,
whose 2021 name begins with the local authority's name ("Newport 014B"). A
Community Safety Partnership (CSP) is one or more local authorities; the ONS
lookup shipped in ``data/`` says which. So a record belongs to a partnership when
its LSOA name, less the trailing LSOA number, is the name of one of the
partnership's authorities. Comparing the whole name rather than a prefix keeps
"Hart" apart from "Hartlepool" and "Wyre" apart from "Wyre Forest".
"""

from __future__ import annotations

import csv
import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from analysis.core.problems import InputError, Problem

DATA = Path(__file__).resolve().parent / "data"
LOOKUP_FILE = DATA / "LAD23_CSP23_PFA23_Dec2023_lookup.csv"
FORMER_FILE = DATA / "former_districts.csv"

#: The number at the end of an LSOA name: "Newport 014B" -> " 014B".
LSOA_SUFFIX = r"\s+\d{3,4}[A-Z]{1,2}$"
_TITLE_SUFFIX = re.compile(r",\s*(city|county) of$")


@dataclass(frozen=True)
class LookupRow:
    """One row of the ONS lookup: a local authority in a partnership in a force area."""

    lad_code: str
    lad_name: str
    csp_code: str
    csp_name: str
    pfa_name: str


@dataclass(frozen=True)
class Area:
    """A partnership's area as police.uk records can be matched to it.

    ``lsoa_authorities`` are the names that begin the LSOA names of the area
    (the authority as it was named in 2021); ``notes`` say where that is only
    approximate.
    """

    name: str
    code: str
    force: str
    local_authorities: tuple[str, ...]
    lsoa_authorities: tuple[str, ...]
    notes: tuple[str, ...] = ()


def name_key(name: str) -> str:
    """A name compared loosely: case, spacing and a trailing ", City of" ignored.

    >>> name_key("Bristol, City of"), name_key("  Blaenau   GWENT ")
    ('bristol', 'blaenau gwent')
    """
    key = " ".join(str(name).split()).casefold()
    return _TITLE_SUFFIX.sub("", key)


def _column(header: list[str], pattern: str, file: str) -> int:
    for i, name in enumerate(header):
        if re.fullmatch(pattern, name.strip(), re.IGNORECASE):
            return i
    raise InputError([Problem(file, 1, pattern, "the lookup has no such column")])


@lru_cache(maxsize=4)
def load_lookup(path: Path = LOOKUP_FILE) -> tuple[LookupRow, ...]:
    """Read the LAD -> CSP -> PFA lookup (any year's prefix: LAD23CD, LAD24CD, ...).

    >>> rows = load_lookup()
    >>> [r.csp_name for r in rows if r.lad_name == "Merthyr Tydfil"]
    ['Cwm Taf']
    """
    with open(path, encoding="utf-8-sig", newline="") as handle:
        records = list(csv.reader(handle))
    header, body = records[0], [r for r in records[1:] if any(r)]
    cols = [
        _column(header, p, path.name) for p in (r"LAD\d\dCD", r"LAD\d\dNM", r"CSP\d\dCD", r"CSP\d\dNM", r"PFA\d\dNM")
    ]
    return tuple(LookupRow(*(row[i].strip() for i in cols)) for row in body)


@lru_cache(maxsize=4)
def load_former_districts(path: Path = FORMER_FILE) -> dict[str, tuple[str, ...]]:
    """The districts abolished in April 2023, by the authority that replaced them.

    >>> load_former_districts()["Somerset"]
    ('Mendip', 'Sedgemoor', 'South Somerset', 'Somerset West and Taunton')
    """
    out: dict[str, list[str]] = {}
    with open(path, encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            out.setdefault(row["local_authority"].strip(), []).append(row["former_district"].strip())
    return {k: tuple(v) for k, v in out.items()}


def close_names(name: str, candidates: Iterable[str], n: int = 5) -> list[str]:
    """The candidates nearest to a mistyped name, best first.

    >>> close_names("Newprot", ["Newport", "Newham", "Norwich"])
    ['Newport']
    """
    by_key = {name_key(c): c for c in candidates}
    found = difflib.get_close_matches(name_key(name), list(by_key), n=n, cutoff=0.6)
    return [by_key[k] for k in found]


def unknown_name_error(
    what: str, name: str, candidates: Iterable[str], hint: str = "", where: str = "--partnership"
) -> InputError:
    """An ``InputError`` for a name that is not known, listing the close ones.

    >>> print(unknown_name_error("partnership", "Newprot", ["Newport", "Torfaen"]).problems[0])
    --partnership: 'Newprot' is not a partnership; did you mean Newport?
    """
    candidates = list(candidates)
    near = close_names(name, candidates)
    message = f"{name!r} is not a {what}"
    if hint:
        message += f"; {hint}"
    elif near:
        message += f"; did you mean {', '.join(near)}?"
    else:
        message += f" ({len(candidates)} are known; names are as the ONS spells them)"
    return InputError([Problem(where, None, None, message)])


def find_area(name: str, lookup: Sequence[LookupRow] | None = None) -> Area:
    """The partnership called ``name`` (or with that CSP code), with its LSOA-name authorities.

    >>> area = find_area("cwm taf")
    >>> area.name, area.local_authorities
    ('Cwm Taf', ('Merthyr Tydfil', 'Rhondda Cynon Taf'))
    >>> find_area("Carlisle").lsoa_authorities
    ('Carlisle',)
    """
    rows = tuple(lookup) if lookup is not None else load_lookup()
    key = name_key(name)
    mine = [r for r in rows if name_key(r.csp_name) == key or r.csp_code.casefold() == key]
    if not mine:
        lads = [r for r in rows if name_key(r.lad_name) == key]
        hint = f"{lads[0].lad_name} is a local authority in the {lads[0].csp_name} partnership" if lads else ""
        raise unknown_name_error(
            "Community Safety Partnership in the ONS lookup", name, {r.csp_name for r in rows}, hint
        )
    csp = mine[0].csp_name
    former = load_former_districts()
    lsoa_names: list[str] = []
    notes: list[str] = []
    for row in mine:
        sharing = sorted({r.csp_name for r in rows if r.lad_code == row.lad_code})
        if len(sharing) == 1:
            lsoa_names += [row.lad_name, *former.get(row.lad_name, ())]
            continue
        parts = [d for d in former.get(row.lad_name, ()) if name_key(d) == key]
        if parts:
            lsoa_names += parts
        else:
            lsoa_names.append(row.lad_name)
            notes.append(
                f"{row.lad_name} is shared by the partnerships {', '.join(sharing)} and police.uk LSOA names "
                f"cannot tell them apart, so every {row.lad_name} record is counted"
            )
    return Area(
        name=csp,
        code=mine[0].csp_code,
        force=mine[0].pfa_name,
        local_authorities=tuple(sorted({r.lad_name for r in mine})),
        lsoa_authorities=tuple(dict.fromkeys(lsoa_names)),
        notes=tuple(notes),
    )


def lsoa_authority_names(lsoa_names: pa.Array) -> pa.Array:
    """The local authority part of LSOA names: the name less its trailing LSOA number.

    >>> lsoa_authority_names(pa.array(["Blaenau Gwent 001A", "Newport 014B", None])).to_pylist()
    ['Blaenau Gwent', 'Newport', None]
    """
    if isinstance(lsoa_names, pa.ChunkedArray):
        return pa.chunked_array([lsoa_authority_names(c) for c in lsoa_names.chunks], type=pa.string())
    if pa.types.is_dictionary(lsoa_names.type):
        return lsoa_authority_names(lsoa_names.dictionary).take(lsoa_names.indices)
    return pc.replace_substring_regex(lsoa_names, LSOA_SUFFIX, "")


def _match(names: pa.Array, authorities: Sequence[str]) -> pa.Array:
    by_key = {name_key(a): a for a in reversed(authorities)}  # the first of names that compare equal wins
    found = lsoa_authority_names(names)
    loose = pc.utf8_lower(pc.utf8_trim_whitespace(found))
    index = pc.index_in(loose, value_set=pa.array(list(by_key), type=pa.string()))
    return pa.array(list(by_key.values()), type=pa.string()).take(index)


def local_authority_of(
    lsoa_names: pa.Array | pa.ChunkedArray, authorities: Sequence[str]
) -> pa.Array | pa.ChunkedArray:
    """For each LSOA name, which of ``authorities`` it lies in; null for none of them.

    Vectorised: a dictionary-encoded column is matched once per distinct name.

    >>> names = pa.array(["Hartlepool 001A", "Hart 004B", "Wyre Forest 001A", "Rhondda Cynon Taf 010C", "", None])
    >>> local_authority_of(names, ["Hart", "Wyre", "Rhondda Cynon Taf"]).to_pylist()
    [None, 'Hart', None, 'Rhondda Cynon Taf', None, None]
    >>> local_authority_of(pa.array(["Bristol 023D"]), ["Bristol, City of"]).to_pylist()
    ['Bristol, City of']
    """
    if isinstance(lsoa_names, pa.ChunkedArray):
        chunks = [local_authority_of(c, authorities) for c in lsoa_names.chunks]
        return pa.chunked_array(chunks, type=pa.string())
    if pa.types.is_dictionary(lsoa_names.type):
        return _match(lsoa_names.dictionary, authorities).take(lsoa_names.indices)
    return _match(lsoa_names, authorities)
