"""Official coastal-inland pairings (对口协作) and co-built parks (共建园区): load, validate, resolve an origin."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from transfer import columns as C
from transfer._paths import default_data_dir
from transfer._validate import LayerSchema, _cell_error, read_any, validate_frame
from transfer.errors import LayerError, ScenarioError
from transfer.names import Names
from transfer.regions import PROVINCES

if TYPE_CHECKING:
    from transfer.scenarios import PairingOption

__all__ = [
    "LEVELS",
    "PAIRS_SCHEMA",
    "PARKS_SCHEMA",
    "SCHEMES",
    "STATUSES",
    "PairMark",
    "PairingPlan",
    "Pairings",
    "load_pairings",
    "origin_names",
    "paired_sites",
    "pairing_plan",
    "pairs_of",
    "parks_of",
]

SCHEMES = ("east_west", "gd_counterpart", "js_north_south", "ne_counterpart", "interprovincial")
STATUSES = ("current", "unconfirmed", "superseded")
LEVELS = ("province", "city", "county")
PAIRS_FILE = "curated/pairings.csv"
PARKS_FILE = "curated/cobuilt_parks.csv"
_SOURCED = (C.SOURCE, C.SOURCE_YEAR)
_PAIR_KEYS = ("pair_id", "scheme", "level", "origin_adcode", "origin_zh", "partner_adcode", "partner_zh", "status")
_PARK_KEYS = ("park_id", C.NAME_ZH, "scheme", "origin_adcode", "origin_zh", "host_adcode", "host_zh", "status")
_VOCAB: dict[str, tuple[str, ...]] = {"scheme": SCHEMES, "status": STATUSES}

PAIRS_SCHEMA = LayerSchema(
    "pairings",
    required=(*_PAIR_KEYS, *_SOURCED),
    id_column="pair_id",
    integer=("origin_adcode", "partner_adcode", "since", C.SOURCE_YEAR),
    adcode_refs=("origin_adcode", "partner_adcode"),
    vocab={**_VOCAB, "level": LEVELS},
    optional={"partner_county_zh": None, "since": None, "flag": None},
)
PARKS_SCHEMA = LayerSchema(
    "cobuilt_parks",
    required=(*_PARK_KEYS, *_SOURCED),
    id_column="park_id",
    integer=("origin_adcode", "host_adcode", "host_county_adcode", "since", C.SOURCE_YEAR),
    numeric=(C.LON, C.LAT),
    signed=(C.LON, C.LAT),
    adcode_refs=("origin_adcode", "host_adcode"),
    vocab=_VOCAB,
    optional={C.NAME_EN: C.NAME_ZH}
    | dict.fromkeys(("origin_county_zh", "host_county_adcode", "host_county_zh", "since", C.LON, C.LAT), None)
    | dict.fromkeys(("point_source", "flag"), None),
)


@dataclass(frozen=True)
class Pairings:
    """The pairing relations (one row per origin-partner pair) and the co-built parks (one row per park)."""

    pairs: pd.DataFrame
    parks: pd.DataFrame


@dataclass(frozen=True)
class PairMark:
    """Why one site counts as paired with an origin: the most specific pairing or park that names it."""

    ref: str  # pair_id or park_id
    scheme: str
    via_zh: str  # who the site is paired with: the origin city, its province, or a park
    year: int | None  # the year the pairing began, else the year of its source
    level: str  # "city", "county", "province" or "park"
    status: str
    through_province: bool = False  # by a province-level pairing: with a whole province, or the origin province's


@dataclass(frozen=True)
class PairingPlan:
    """A scenario's pairing option resolved for one run: the origin and the sites it is paired with."""

    origin: int
    origin_zh: str
    mode: str  # "bonus" or "constraint"
    bonus: float
    marks: Mapping[int, PairMark] = field(default_factory=dict)
    province_share: float = 1.0  # share of the bonus for a site paired only through a province-level pairing

    def bonus_of(self, site: int) -> float:
        """The bonus of one site: ``bonus`` for the origin's own pairs and parks, ``province_share`` of it for a site
        paired only through a province-level pairing, 0 for an unpaired site."""
        mark = self.marks.get(int(site))
        if mark is None:
            return 0.0
        return self.bonus * (self.province_share if mark.through_province else 1.0)


def _check_sourced(df: pd.DataFrame, *, where: str, offset: int) -> None:
    """Every row names its source and that source's year; a start year is not after the source year."""
    fix = "every pairing or park needs the source it was read in and that source's year"
    checks = [
        (col, df[col].isna() | (df[col].astype("string").str.strip() == ""), f"field {col!r} is empty", fix)
        for col in _SOURCED
    ]
    late = df["since"].notna() & (df["since"] > df[C.SOURCE_YEAR])
    what = "the start year ('since') is after the year of the source that reports it"
    checks.append(("since", late, what, "correct 'since' or 'source_year'"))
    for col, bad, problem, how in checks:
        if bad.any():
            rows = np.flatnonzero(bad.to_numpy())
            code = "pairing.unsourced" if col in _SOURCED else "pairing.since_late"
            raise _cell_error(problem, how, code, where=where, rows=rows, offset=offset, field=col)


def _read(path: Path, schema: LayerSchema, known: set[int] | None) -> pd.DataFrame:
    if not path.exists():
        raise LayerError(
            f"the {schema.kind} table {path} does not exist",
            where=str(path),
            fix=f"put {path.name} in the data folder's curated/ folder (the embedded geodata/ has one)",
        )
    df, offset = read_any(path)
    out = validate_frame(df, schema, where=path.name, offset=offset, known_adcodes=known)
    _check_sourced(out, where=path.name, offset=offset)
    return pd.DataFrame(out)


def load_pairings(
    data_dir: str | Path | None = None,
    *,
    pairs_path: str | Path | None = None,
    parks_path: str | Path | None = None,
    known_adcodes: set[int] | None = None,
) -> Pairings:
    """Read and validate the pairing and co-built park tables.

    Parameters
    ----------
    data_dir
        The data folder (default: the embedded ``geodata/``); the tables are ``curated/pairings.csv`` and
        ``curated/cobuilt_parks.csv`` in it unless given as ``pairs_path`` / ``parks_path``.
    known_adcodes
        Adcodes the origin, partner and host codes must name (default: the data folder's ``cities.csv`` and the
        province codes; None there skips the check).

    Raises
    ------
    LayerError
        With the file, row and field at fault and how to fix it.
    """
    root = Path(data_dir) if data_dir is not None else default_data_dir()
    if known_adcodes is None and (root / "cities.csv").exists():
        cities = pd.read_csv(root / "cities.csv", usecols=[C.ADCODE])
        known_adcodes = set(cities[C.ADCODE].astype(int)) | set(PROVINCES)
    pairs = _read(Path(pairs_path) if pairs_path else root / PAIRS_FILE, PAIRS_SCHEMA, known_adcodes)
    parks = _read(Path(parks_path) if parks_path else root / PARKS_FILE, PARKS_SCHEMA, known_adcodes)
    return Pairings(pairs=pairs, parks=parks)


def _province(code: int) -> int:
    return int(code) // 10000 * 10000


def origin_names(origins: pd.DataFrame, pairings: Pairings) -> Names[int]:
    """Origins by adcode, Chinese and English name: the origins layer plus the cities named as origins in the
    pairing tables (e.g. 珠海, which pairs with 阳江 but is not an origin cluster)."""
    entries: dict[int, list[object]] = {}
    labels: dict[int, str] = {}
    for code, zh, en in origins[[C.ADCODE, C.NAME_ZH, C.NAME_EN]].itertuples(index=False, name=None):
        entries[int(code)] = [int(code), zh, en]
        labels[int(code)] = f"{zh} ({int(code)})"
    for table in (pairings.pairs, pairings.parks):
        for code, zh in table[["origin_adcode", "origin_zh"]].itertuples(index=False, name=None):
            if int(code) not in entries and int(code) not in PROVINCES:
                entries[int(code)] = [int(code), zh]
                labels[int(code)] = f"{zh} ({int(code)})"
    return Names(list(entries.items()), what="origin", labels=labels, ambiguous_fix="give the adcode", n=3, cutoff=0.5)


def _of_origin(table: pd.DataFrame, origin: int, *, include_superseded: bool) -> pd.DataFrame:
    codes = table["origin_adcode"].astype(int)
    keep = (codes == int(origin)) | (codes == _province(origin))
    if not include_superseded:
        keep &= table["status"] != "superseded"
    return table[keep.to_numpy()]


def pairs_of(pairings: Pairings, origin: int, *, include_superseded: bool = True) -> pd.DataFrame:
    """The pairing rows of one origin city: its own and those of its province (``via`` says which)."""
    rows = _of_origin(pairings.pairs, origin, include_superseded=include_superseded).copy()
    rows["via"] = np.where(rows["origin_adcode"].astype(int) == int(origin), "city", "province")
    return rows.sort_values(["status", "level", "pair_id"], key=_status_order, kind="mergesort")


def parks_of(pairings: Pairings, origin: int, *, include_superseded: bool = True) -> pd.DataFrame:
    """The co-built parks of one origin city (and of its province)."""
    return _of_origin(pairings.parks, origin, include_superseded=include_superseded).copy()


def _status_order(col: pd.Series) -> pd.Series:
    if col.name == "status":
        return col.map({s: i for i, s in enumerate(STATUSES)})
    return col


def _year(row: pd.Series) -> int | None:
    for col in ("since", C.SOURCE_YEAR):
        value = row.get(col)
        if value is not None and not pd.isna(value):
            return int(value)
    return None


# the most specific mark wins: a city or county pair, then a park, then the province's pair; current before
# unconfirmed
_RANK = {"city": 0, "county": 0, "park": 1, "province": 2}  # within the origin's own marks, then its province's


def paired_sites(
    pairings: Pairings,
    origin: int,
    sites: pd.DataFrame,
    *,
    include_province: bool = True,
    include_unconfirmed: bool = True,
) -> dict[int, PairMark]:
    """The sites (adcodes of ``sites``, which has ``adcode`` and ``province_adcode``) paired with one origin.

    A city or county pair names its partner city; a pair with a whole province names every site of that province;
    a co-built park names its host city. The origin's own pairs and parks count, and with ``include_province`` also
    those of its province (广东省's pairs for 东莞) and the pairs with whole provinces. Superseded pairings never
    count; unconfirmed ones (an old assignment not re-checked) count unless ``include_unconfirmed`` is False.
    """
    codes = sites[C.ADCODE].astype(int).to_numpy()
    provinces = pd.to_numeric(sites[C.PROVINCE_ADCODE], errors="coerce").to_numpy()
    allowed = {"current", "unconfirmed"} if include_unconfirmed else {"current"}
    candidates: list[tuple[int, PairMark]] = []
    for _, row in pairs_of(pairings, origin, include_superseded=False).iterrows():
        if row["status"] not in allowed or (row["via"] == "province" and not include_province):
            continue
        wide = row["via"] == "province" or row["level"] == "province"
        mark = PairMark(str(row["pair_id"]), str(row["scheme"]), str(row["origin_zh"]), _year(row),
                        str(row["level"]), str(row["status"]), wide)  # fmt: skip
        if row["level"] == "province":
            if include_province:
                candidates += [(int(c), mark) for c in codes[provinces == int(row["partner_adcode"])]]
        elif int(row["partner_adcode"]) in codes:
            candidates.append((int(row["partner_adcode"]), mark))
    for _, row in parks_of(pairings, origin, include_superseded=False).iterrows():
        own = int(row["origin_adcode"]) == int(origin)
        if row["status"] in allowed and (own or include_province) and int(row["host_adcode"]) in codes:
            mark = PairMark(str(row["park_id"]), str(row["scheme"]), str(row[C.NAME_ZH]), _year(row), "park",
                            str(row["status"]), not own)  # fmt: skip
            candidates.append((int(row["host_adcode"]), mark))
    out: dict[int, PairMark] = {}
    for code, mark in candidates:
        old = out.get(code)
        if old is None or _key(mark) < _key(old):
            out[code] = mark
    return out


def _key(mark: PairMark) -> tuple[int, int, int, int]:
    return (int(mark.through_province), _RANK[mark.level], STATUSES.index(mark.status), -(mark.year or 0))


def pairing_plan(
    option: PairingOption,
    *,
    origins: pd.DataFrame,
    sites: pd.DataFrame,
    data_dir: str | Path | None = None,
    where: str | None = None,
) -> PairingPlan:
    """Resolve a scenario's ``pairing`` option (:class:`transfer.scenarios.PairingOption`) for one run.

    Raises
    ------
    ScenarioError
        When the origin is unknown (with a did-you-mean hint) or pairs with no site of the run.
    """
    pairings = load_pairings(data_dir)
    at = f"{where or 'scenario'}, pairing.origin"
    name = option.origin
    origin = origin_names(origins, pairings).resolve(
        name, where=at, fix="name an origin city (e.g. 东莞, Suzhou or 441900); `transfer pairs` lists its pairs",
        error=ScenarioError,
    )  # fmt: skip
    marks = paired_sites(
        pairings,
        origin,
        sites,
        include_province=option.include_province,
        include_unconfirmed=option.include_unconfirmed,
    )
    if not marks:
        raise ScenarioError(
            f"origin {name!r} is paired with none of the sites of this run",
            where=at,
            fix="see `transfer pairs --origin ...`; allow province or unconfirmed pairs, or drop the pairing option",
        )
    zh = origins.set_index(C.ADCODE)[C.NAME_ZH].to_dict().get(origin)
    if zh is None:
        zh = str(pairings.pairs.set_index("origin_adcode")["origin_zh"].to_dict().get(origin, origin))
    return PairingPlan(origin, str(zh), option.mode, option.bonus, marks, option.province_share)
