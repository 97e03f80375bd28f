"""Place tables (sites, origins, hubs as one table) and nearest-node snapping on the sphere."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from transfer import columns as C
from transfer.errors import NetworkError

__all__ = [
    "EARTH_RADIUS_KM",
    "PLACE_COLUMNS",
    "SNAP_FLAG_KM",
    "Snapper",
    "haversine_km",
    "place_table",
    "snap_points",
]

EARTH_RADIUS_KM = 6371.0088
SNAP_FLAG_KM = 5.0  # snaps farther than this are flagged in places.csv and in the accessibility reason
PLACE_COLUMNS = ["kind", "place_id", C.NAME_ZH, C.NAME_EN, C.HUB_TYPE, C.CITY_ADCODE, C.LON, C.LAT]


def _xyz(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> NDArray[np.float64]:
    lo, la = np.radians(lon), np.radians(lat)
    return np.column_stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)])


def haversine_km(
    lon1: NDArray[np.float64] | float,
    lat1: NDArray[np.float64] | float,
    lon2: NDArray[np.float64] | float,
    lat2: NDArray[np.float64] | float,
) -> NDArray[np.float64]:
    """Great-circle distance in km."""
    lo1, la1, lo2, la2 = (np.radians(np.asarray(x, dtype=float)) for x in (lon1, lat1, lon2, lat2))
    h = np.sin((la2 - la1) / 2) ** 2 + np.cos(la1) * np.cos(la2) * np.sin((lo2 - lo1) / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0, 1))))


def snap_points(
    lon: NDArray[np.float64],
    lat: NDArray[np.float64],
    node_lon: NDArray[np.float64],
    node_lat: NDArray[np.float64],
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Index of the nearest node and the great-circle distance to it (km) for each point."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    if len(node_lon) == 0:
        raise NetworkError(
            "there are no network nodes to snap to",
            where="snap_points",
            fix="rebuild geodata/network with the geodata build script",
        )
    bad = ~(np.isfinite(lon) & np.isfinite(lat))
    if bad.any():
        raise NetworkError(
            f"{int(bad.sum())} place(s) have no coordinates and cannot be snapped",
            where="snap_points",
            fix="give every site, origin and hub a lon/lat (WGS84)",
        )
    tree = cKDTree(_xyz(np.asarray(node_lon, float), np.asarray(node_lat, float)))
    _, idx = tree.query(_xyz(lon, lat))
    idx = np.asarray(idx, dtype=np.int64)
    km = haversine_km(lon, lat, np.asarray(node_lon)[idx], np.asarray(node_lat)[idx])
    return idx, km


class Snapper:
    """Nearest-node lookup over a fixed set of nodes (the KD-tree is built once)."""

    def __init__(self, node_ids: NDArray[np.int64], node_lon: NDArray[np.float64], node_lat: NDArray[np.float64]):
        if len(node_ids) == 0:
            raise NetworkError(
                "there are no network nodes to snap to",
                where="Snapper",
                fix="rebuild geodata/network with the geodata build script",
            )
        self.ids = np.asarray(node_ids, dtype=np.int64)
        self.lon = np.asarray(node_lon, dtype=float)
        self.lat = np.asarray(node_lat, dtype=float)
        self.tree = cKDTree(_xyz(self.lon, self.lat))

    def __call__(
        self, lon: NDArray[np.float64], lat: NDArray[np.float64]
    ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """Node ids and great-circle km of the nearest node to each point."""
        lon = np.atleast_1d(np.asarray(lon, dtype=float))
        lat = np.atleast_1d(np.asarray(lat, dtype=float))
        if not (np.isfinite(lon).all() and np.isfinite(lat).all()):
            raise NetworkError(
                "a place has no coordinates and cannot be snapped",
                where="snap",
                fix="give every site, origin and hub a lon/lat (WGS84)",
            )
        _, idx = self.tree.query(_xyz(lon, lat))
        idx = np.asarray(idx, dtype=np.int64)
        return self.ids[idx], haversine_km(lon, lat, self.lon[idx], self.lat[idx])


def _col(df: pd.DataFrame, name: str) -> pd.Series:
    return df[name] if name in df.columns else pd.Series([None] * len(df), index=df.index, dtype=object)


def place_table(
    sites: pd.DataFrame | None,
    origins: pd.DataFrame | None,
    hubs: pd.DataFrame | None,
    *,
    drop_unplaced: bool = False,
) -> pd.DataFrame:
    """One table of all places a route can start or end at (kind site/origin/hub, place_id as text).

    Hubs without lon/lat take the point of their city (``city_adcode``) from the sites or origins. A place
    that
    still has no point raises NetworkError, or with ``drop_unplaced`` is left out and listed in
    ``out.attrs["unplaced"]``.
    """
    frames = []
    city_pt: dict[str, tuple[float, float]] = {}
    for kind, df in (("site", sites), ("origin", origins)):
        if df is None or len(df) == 0:
            continue
        for col in (C.ADCODE, C.LON, C.LAT):
            if col not in df.columns:
                raise NetworkError(
                    f"the {kind} table has no '{col}' column",
                    where=f"{kind}s",
                    fix=f"give the {kind} table columns adcode, lon, lat",
                )
        ids = df[C.ADCODE].astype("int64").astype(str)
        f = pd.DataFrame(
            {
                "kind": kind,
                "place_id": ids.to_numpy(),
                C.NAME_ZH: _col(df, C.NAME_ZH).to_numpy(),
                C.NAME_EN: _col(df, C.NAME_EN).to_numpy(),
                C.HUB_TYPE: None,
                C.CITY_ADCODE: ids.to_numpy(),
                C.LON: df[C.LON].astype(float).to_numpy(),
                C.LAT: df[C.LAT].astype(float).to_numpy(),
            }
        )
        frames.append(f)
        city_pt.update({i: (x, y) for i, x, y in zip(f["place_id"], f[C.LON], f[C.LAT], strict=True)})
    if hubs is not None and len(hubs):
        for col in (C.HUB_ID, C.HUB_TYPE):
            if col not in hubs.columns:
                raise NetworkError(
                    f"the hub table has no '{col}' column",
                    where="hubs",
                    fix="give the hub table columns hub_id, hub_type, city_adcode, lon, lat",
                )
        city = _col(hubs, C.CITY_ADCODE)
        city_s = pd.to_numeric(city, errors="coerce").astype("Int64").astype(str).replace("<NA>", "")
        lon = np.array(pd.to_numeric(_col(hubs, C.LON), errors="coerce"), dtype=float)
        lat = np.array(pd.to_numeric(_col(hubs, C.LAT), errors="coerce"), dtype=float)
        for i, c in enumerate(city_s):
            if not (np.isfinite(lon[i]) and np.isfinite(lat[i])) and c in city_pt:
                lon[i], lat[i] = city_pt[c]
        frames.append(
            pd.DataFrame(
                {
                    "kind": "hub",
                    "place_id": hubs[C.HUB_ID].astype(str).to_numpy(),
                    C.NAME_ZH: _col(hubs, C.NAME_ZH).to_numpy(),
                    C.NAME_EN: _col(hubs, C.NAME_EN).to_numpy(),
                    C.HUB_TYPE: hubs[C.HUB_TYPE].astype(str).to_numpy(),
                    C.CITY_ADCODE: city_s.to_numpy(),
                    C.LON: lon,
                    C.LAT: lat,
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=PLACE_COLUMNS)
    for f in frames:
        if f[C.NAME_ZH].isna().all():
            f[C.NAME_ZH] = f[C.NAME_ZH].astype(object)
    out = pd.concat(frames, ignore_index=True)
    missing = ~(np.isfinite(out[C.LON].astype(float)) & np.isfinite(out[C.LAT].astype(float)))
    if missing.any() and drop_unplaced:
        dropped = out.loc[missing, ["kind", "place_id", C.NAME_ZH]].to_dict(orient="records")
        out = out.loc[~missing].reset_index(drop=True)
        out.attrs["unplaced"] = dropped
        return out
    if missing.any():
        bad = ", ".join(out.loc[missing, "place_id"].astype(str).head(5))
        raise NetworkError(
            f"{int(missing.sum())} place(s) have no coordinates and no known city point: {bad}",
            where="hubs (lon, lat, city_adcode)",
            fix="give the hub a lon/lat or a city_adcode that is a site or origin",
        )
    return out
