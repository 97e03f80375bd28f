"""Team layers in PostGIS: publish (validated like files), versions, fetch, run the CLI on them, isolation."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pgfixtures import PASSWORD, Server, Team

from transfer._paths import default_data_dir
from transfer.errors import LayerError, WorkspaceError
from transfer.layers import load_layer
from transfer.workspace.team_layers import fetch_layers, list_layer_sets, publish_layers, split_data_url

REPO = Path(__file__).resolve().parents[2]
BAD = REPO / "tests" / "data" / "bad" / "layers"
HOSTILE = "'); DELETE FROM transfer.layer_features; -- <b>港</b>"


def _hubs_with_name(name: str) -> bytes:
    text = (default_data_dir() / "curated" / "hubs.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    rows[0]["name_en"] = name
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _sites_with_name(name: str) -> bytes:
    data = json.loads((default_data_dir() / "sites.geojson").read_text(encoding="utf-8"))
    data["features"][0]["properties"]["name_en"] = name
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


@pytest.fixture(scope="module")
def published(server: Server) -> Team:
    """A team with two published versions: v1 replaces the hubs, v2 also the sites (hostile names in both)."""
    team = server.team()
    with server.login(team.admin) as ws:
        publish_layers(ws, {"curated/hubs.csv": _hubs_with_name(HOSTILE)}, comment="our hubs")
        publish_layers(ws, {"curated/hubs.csv": _hubs_with_name(HOSTILE), "sites.geojson": _sites_with_name(HOSTILE)})
    return team


def test_versions_are_listed_with_their_files(server: Server, published: Team) -> None:
    with server.login(published.viewer) as ws:
        sets = list_layer_sets(ws)
    assert [(s.version, s.paths) for s in sets] == [
        (1, ("curated/hubs.csv",)),
        (2, ("curated/hubs.csv", "sites.geojson")),
    ]
    assert sets[0].comment == "our hubs" and sets[0].created_by == published.admin


def test_geometry_is_in_postgis_with_srid_4326_and_a_spatial_index(server: Server, published: Team) -> None:
    with server.owner() as conn:
        srids = conn.execute(
            "SELECT f.path, array_agg(DISTINCT ST_SRID(f.geom)), count(*), bool_and(ST_IsValid(f.geom)) "
            "FROM transfer.layer_features f JOIN transfer.teams t ON t.id = f.team_id "
            "WHERE t.name = %s AND f.geom IS NOT NULL GROUP BY f.path ORDER BY f.path",
            (published.name,),
        ).fetchall()
        index = conn.execute(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = 'transfer' AND indexname = 'layer_features_geom'"
        ).fetchone()[0]
        inside = conn.execute(  # a spatial query: the sites of version 2 that contain 赣州's seat
            "SELECT f.properties ->> 'name_zh' FROM transfer.layer_features f JOIN transfer.layer_sets s "
            "ON s.id = f.set_id JOIN transfer.teams t ON t.id = f.team_id WHERE t.name = %s AND s.version = 2 "
            "AND f.path = 'sites.geojson' AND ST_Contains(f.geom, ST_SetSRID(ST_MakePoint(114.93, 25.83), 4326))",
            (published.name,),
        ).fetchall()
    assert [(path, srid, valid) for path, srid, _, valid in srids] == [
        ("curated/hubs.csv", [4326], True),
        ("sites.geojson", [4326], True),
    ]
    assert "USING gist (geom)" in index
    assert inside == [("赣州市",)]


def test_fetch_gives_a_data_folder_with_the_team_files(server: Server, published: Team, tmp_path: Path) -> None:
    with server.login(published.viewer) as ws:
        v1 = fetch_layers(ws, 1, cache_dir=tmp_path)
        latest = fetch_layers(ws, cache_dir=tmp_path)
    assert v1 != latest and latest.name.endswith("_v2")
    hubs = load_layer(latest / "curated" / "hubs.csv", kind="hubs")
    assert HOSTILE in set(hubs["name_en"])
    sites = load_layer(latest / "sites.geojson", kind="sites")
    original = load_layer(default_data_dir() / "sites.geojson", kind="sites")
    assert HOSTILE in set(sites["name_en"]) and len(sites) == len(original)
    assert sites.geometry.iloc[5].equals_exact(original.geometry.iloc[5], 1e-12)  # geometry round trip
    assert (v1 / "sites.geojson").read_bytes() == (default_data_dir() / "sites.geojson").read_bytes()


def test_a_bad_layer_is_refused_with_the_file_message(server: Server, team: Team) -> None:
    bad = BAD / "hubs_outside_china.csv"
    with pytest.raises(LayerError) as from_file:
        load_layer(bad, kind="hubs")
    with server.login(team.admin) as ws:
        with pytest.raises(LayerError) as from_server:
            publish_layers(ws, {"curated/hubs.csv": bad})
        assert list_layer_sets(ws) == []  # nothing stored
    assert from_server.value.what == from_file.value.what


def test_only_admins_publish_and_other_teams_see_nothing(server: Server, published: Team, other_team: Team) -> None:
    with server.login(published.editor) as ws, pytest.raises(WorkspaceError, match="only an admin"):
        publish_layers(ws, {"curated/hubs.csv": _hubs_with_name("x")})
    with server.login(other_team.admin) as ws:
        assert list_layer_sets(ws) == []
        with pytest.raises(WorkspaceError, match="has published no layers"):
            fetch_layers(ws)


def test_a_path_outside_the_data_folder_is_refused(server: Server, team: Team) -> None:
    with server.login(team.admin) as ws, pytest.raises(WorkspaceError, match="leaves the data folder"):
        publish_layers(ws, {"../../etc/passwd": b"x"})


def test_cli_runs_on_a_published_version(server: Server, published: Team, tmp_path: Path) -> None:
    url = server.app_url + "?layers=2"
    assert split_data_url(url) == (server.app_url, 2)
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "TRANSFER_USER": published.viewer,
        "TRANSFER_PASSWORD": PASSWORD,
        "TRANSFER_CACHE_DIR": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, "-m", "transfer.cli", "--data", url, "sites", "--format", "csv"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert HOSTILE.replace('"', '""') in done.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "transfer.cli", "--data", server.app_url + "?layers=9", "sites"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert bad.returncode == 2 and "no layer version 9" in bad.stderr and "Traceback" not in bad.stderr
