"""Team layers on the server: a team publishes its own versions of layer files (sites, parks, bonded zones, hubs,
firms ...) over the embedded default data; every member's CLI and app can run on any published version.

A published *layer set* is versioned per team (1, 2, ...). It holds only the files the team replaces, by their
path in a data folder (``sites.geojson``, ``curated/bonded_zones.csv``, ``firms.csv`` ...). GeoJSON layers are
stored as features with their geometry in PostGIS (SRID 4326, GiST index), so the team's GIS staff can open
them in any GIS; table files are stored as given, and those with ``lon``/``lat`` columns also as point features.
Before anything is stored, the embedded data with the team's files in place is loaded with the same readers and
checks as a data folder, so a bad file is refused with the same file, row and field message.

Running on a version materialises the data folder (the embedded layers plus the team's files) once in the cache
folder, named by team and version, and uses it like ``--data FOLDER``.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from transfer._paths import default_data_dir
from transfer.errors import WorkspaceError
from transfer.workspace.server import ServerWorkspace

__all__ = ["LayerSet", "fetch_layers", "list_layer_sets", "publish_layers", "split_data_url"]

_MAX_FILE_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True)
class LayerSet:
    """One published version of a team's layers."""

    version: int
    created_at: datetime
    created_by: str | None
    comment: str | None
    paths: tuple[str, ...]


def split_data_url(url: str) -> tuple[str, int | None]:
    """``postgresql://.../db?layers=3`` → (the URL without ``layers``, 3); ``layers=latest`` or none → None."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    version: int | None = None
    rest = []
    for key, value in query:
        if key == "layers":
            if value not in ("", "latest"):
                if not value.isdigit() or int(value) < 1:
                    raise WorkspaceError(
                        f"layers={value!r} is not a version number",
                        where="--data",
                        fix="use ?layers=N with a published version (transfer layers list), or ?layers=latest",
                    )
                version = int(value)
        else:
            rest.append((key, value))
    return urlunsplit(parts._replace(query=urlencode(rest))), version


def _relative(path: str) -> str:
    pure = PurePosixPath(path.replace(os.sep, "/"))
    if pure.is_absolute() or ".." in pure.parts or not pure.parts:
        raise WorkspaceError(
            f"the layer path {path!r} leaves the data folder",
            where="publish_layers(files=...)",
            fix="name files by their path inside a data folder, e.g. sites.geojson or curated/hubs.csv",
        )
    return str(pure)


def _overlay(folder: Path, files: Mapping[str, bytes]) -> None:
    shutil.copytree(default_data_dir(), folder, dirs_exist_ok=True)
    for path, content in files.items():
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)


def _validate(files: Mapping[str, bytes]) -> None:
    """Load the embedded data with the team's files in place, with the readers and checks of a data folder."""
    from transfer.pipeline import load_base

    with tempfile.TemporaryDirectory(prefix="transfer-layers-") as tmp:
        _overlay(Path(tmp), files)
        base = load_base(tmp, with_network=False)
        for path in files:
            if PurePosixPath(path).name.startswith("firms"):
                from transfer.pipeline import load_firms

                load_firms(Path(tmp) / path, base.catalogue, base.layers)


def _features(path: str, content: bytes) -> list[tuple[int, str, str | None, float | None, float | None]]:
    """(feature number, properties JSON, geometry GeoJSON or None, lon, lat) of a layer file."""
    out: list[tuple[int, str, str | None, float | None, float | None]] = []
    if path.endswith((".geojson", ".json")):
        data = json.loads(content.decode("utf-8-sig"))
        for number, feature in enumerate(data.get("features", [])):
            geometry = feature.get("geometry")
            props = json.dumps(feature.get("properties") or {}, ensure_ascii=False)
            out.append((number, props, json.dumps(geometry) if geometry else None, None, None))
    elif path.endswith(".csv"):
        reader = csv.DictReader(io.StringIO(content.decode("utf-8-sig")))
        for number, row in enumerate(reader):
            lon, lat = row.get("lon"), row.get("lat")
            try:
                point = (float(lon), float(lat)) if lon and lat else (None, None)
            except ValueError:
                point = (None, None)
            out.append((number, json.dumps(row, ensure_ascii=False), None, *point))
    return out


def publish_layers(
    ws: ServerWorkspace, files: Mapping[str, bytes | str | os.PathLike[str]], *, comment: str | None = None
) -> LayerSet:
    """Validate and publish a new version of the team's layers (admins only).

    Parameters
    ----------
    files
        Layer files keyed by their path in a data folder (``sites.geojson``, ``curated/bonded_zones.csv``,
        ``firms.csv`` ...): the file's bytes, or the path of a file to read.
    """
    contents: dict[str, bytes] = {}
    for path, value in files.items():
        rel = _relative(path)
        data = Path(value).read_bytes() if isinstance(value, (str, os.PathLike)) else bytes(value)
        if len(data) > _MAX_FILE_BYTES:
            raise WorkspaceError(
                f"the layer file {rel} is larger than 200 MB", where=rel, fix="split or simplify the layer"
            )
        contents[rel] = data
    if not contents:
        raise WorkspaceError("no layer files given", where="publish_layers", fix="give at least one layer file")
    if ws.whoami().role != "admin":  # a clear refusal before the (slow) validation; the server checks it again
        raise WorkspaceError(
            "only an admin of the team may publish layers",
            where=f"team server {ws.path}",
            fix="ask the team's admin to publish them, or for the admin role",
        )
    _validate(contents)
    features = {path: _features(path, data) for path, data in contents.items()}

    def save(conn: Any) -> LayerSet:
        conn.execute("SELECT pg_advisory_xact_lock(hashtextextended('layers/' || session_team()::text, 0))")
        (latest,) = conn.execute("SELECT coalesce(max(version), 0) FROM layer_sets").fetchone()
        set_id, created_at, created_by = conn.execute(
            "INSERT INTO layer_sets (version, comment, created_by) "
            "VALUES (%s, %s, (SELECT username FROM check_session(3))) RETURNING id, created_at, created_by",
            (latest + 1, comment),
        ).fetchone()
        with conn.cursor() as cur:
            for path, data in contents.items():
                is_geojson = path.endswith((".geojson", ".json"))
                cur.execute(
                    "INSERT INTO layer_files (set_id, path, content) VALUES (%s, %s, %s)",
                    (set_id, path, None if is_geojson else data),
                )
                cur.executemany(
                    "INSERT INTO layer_features (set_id, path, feature_no, properties, geom) VALUES (%s, %s, %s, "
                    "%s::jsonb, CASE WHEN %s::text IS NOT NULL THEN ST_SetSRID(ST_GeomFromGeoJSON(%s::text), 4326) "
                    "WHEN %s::float8 IS NOT NULL THEN ST_SetSRID(ST_MakePoint(%s::float8, %s::float8), 4326) END)",
                    [(set_id, path, n, pr, geom, geom, lon, lon, lat) for n, pr, geom, lon, lat in features[path]],
                )
        return LayerSet(latest + 1, created_at, created_by, comment, tuple(contents))

    return ws._transaction(save, rank=3)


def list_layer_sets(ws: ServerWorkspace) -> list[LayerSet]:
    """The team's published layer versions, oldest first."""
    rows = ws._transaction(
        lambda conn: conn.execute(
            "SELECT s.version, s.created_at, s.created_by, s.comment, "
            "coalesce(array_agg(f.path ORDER BY f.path) FILTER (WHERE f.path IS NOT NULL), '{}') "
            "FROM layer_sets s LEFT JOIN layer_files f ON f.set_id = s.id GROUP BY s.id ORDER BY s.version"
        ).fetchall(),
        write=False,
    )
    return [LayerSet(int(v), at, by, comment, tuple(paths)) for v, at, by, comment, paths in rows]


def _read_set(ws: ServerWorkspace, version: int | None) -> tuple[int, str, dict[str, bytes]]:
    def read(conn: Any) -> tuple[int, str, dict[str, bytes]]:
        versions = [v for (v,) in conn.execute("SELECT version FROM layer_sets ORDER BY version")]
        team = conn.execute("SELECT team_name FROM check_session(1)").fetchone()[0]
        if not versions:
            raise WorkspaceError(
                f"team {team} has published no layers",
                where=f"team server {ws.path}",
                fix="publish them first: transfer layers publish FILE ... (admins), or leave out ?layers",
            )
        chosen = versions[-1] if version is None else version
        if chosen not in versions:
            raise WorkspaceError(
                f"team {team} has no layer version {version}",
                where=f"team server {ws.path}",
                fix=f"use one of the published versions {versions}",
            )
        (set_id,) = conn.execute("SELECT id FROM layer_sets WHERE version = %s", (chosen,)).fetchone()
        files: dict[str, bytes] = {}
        for path, content in conn.execute("SELECT path, content FROM layer_files WHERE set_id = %s", (set_id,)):
            if content is not None:
                files[path] = bytes(content)
                continue
            features = [
                {"type": "Feature", "properties": props, "geometry": json.loads(geom) if geom else None}
                for props, geom in conn.execute(
                    "SELECT properties, ST_AsGeoJSON(geom, 15) FROM layer_features "
                    "WHERE set_id = %s AND path = %s ORDER BY feature_no",
                    (set_id, path),
                )
            ]
            collection = {"type": "FeatureCollection", "features": features}
            files[path] = json.dumps(collection, ensure_ascii=False).encode("utf-8")
        return chosen, team, files

    return ws._transaction(read, write=False)


def fetch_layers(ws: ServerWorkspace, version: int | None = None, *, cache_dir: Path | None = None) -> Path:
    """Materialise a published version (default: the latest) as a data folder and return it."""
    chosen, team, files = _read_set(ws, version)
    root = cache_dir or Path(os.environ.get("TRANSFER_CACHE_DIR") or Path("~/.cache/transfer").expanduser())
    if str(root) == "off":
        root = Path(tempfile.gettempdir()) / "transfer-layers"
    safe_team = "".join(ch if ch.isalnum() else "_" for ch in team)[:40]
    host = urlsplit(ws.path)
    folder = Path(root) / "team_layers" / f"{host.hostname}_{host.port}_{safe_team}_v{chosen}"
    done = folder / ".complete"
    if done.exists():
        return folder
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    _overlay(partial, files)
    (partial / ".complete").write_text(json.dumps(sorted(files)), encoding="utf-8")
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(partial, folder)
    return folder


def layer_files_from_folder(folder: Path, names: Sequence[str] | None = None) -> dict[str, Path]:
    """The files of a data folder to publish: the given paths, or every layer file in it."""
    if names:
        return {_relative(name): folder / name for name in names}
    return {
        str(p.relative_to(folder).as_posix()): p
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.suffix in (".geojson", ".csv") and not p.name.startswith(".")
    }
