"""Tests of transfer.network: a hand-computable toy graph, then planner checks on the default data."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from transfer import network as N
from transfer._paths import default_data_dir
from transfer.errors import NetworkError, UnknownNameError
from transfer.network.build import contract_chains, prune_leaves
from transfer.network.graph import _city_points
from transfer.network.snap import place_table

KM_PER_DEG = 111.195  # great-circle km per degree of longitude on the equator


def _params(rail_cost: float = 2.0) -> dict:
    """Road 2 CNY/TEU-km at 50 km/h; rail 100 CNY/TEU fixed + rail_cost per km at 25 km/h."""
    e = {"source": "test", "year": 2026, "flag": ""}
    return {
        "modes": {
            "road": {"cost_cny_teu_km": {"value": 2.0, **e}, "speed_kmh": {"value": 50.0, **e}},
            "rail": {
                "cost_cny_teu_km": {"value": rail_cost, **e},
                "speed_kmh": {"value": 25.0, **e},
                "fixed_cost_cny_teu": {"value": 100.0, **e},
                "enter_time_h": {"value": 0, **e},
            },
        },
        "hub_modes": {
            "value": {
                "dry_port": ["road", "rail"],
                "river_port": ["road", "rail", "waterway"],
                "sea_gateway": ["road", "rail"],
                "crex_centre": ["road", "rail"],
                "cargo_airport": ["road"],
            }
        },
        "value_of_time_cny_teu_h": {"value": 0},
        "market_access": {"tau_h": {"value": 2.0}, "max_h": {"value": 20.0}},
    }


def _toy(rail_cost: float = 2.0) -> tuple[N.LogisticsNetwork, pd.DataFrame]:
    """Road 0-1-2-3 (100, 300, 100 km), rail 4-5 (300 km) beside road nodes 1 and 2, island road 6-7.

    Site S (town) at road node 0, dry port H1 at node 1, sea gateway H2 at node 2, origin O at node 3,
    site U on the island (no road to anything else).
    """
    nodes = pd.DataFrame(
        {
            "node_id": range(8),
            "mode": ["road"] * 4 + ["rail"] * 2 + ["road"] * 2,
            "lon": [0.0, 1.0, 4.0, 5.0, 1.0, 4.0, 20.0, 21.0],
            "lat": [0.0] * 4 + [0.01] * 2 + [0.0] * 2,
        }
    )
    edges = pd.DataFrame(
        {
            "mode": ["road", "road", "road", "rail", "road"],
            "u": [0, 1, 2, 4, 6],
            "v": [1, 2, 3, 5, 7],
            "distance_km": [100.0, 300.0, 100.0, 300.0, 50.0],
        }
    )
    sites = pd.DataFrame(
        {
            "adcode": [100001, 100009],
            "name_zh": ["甲市", "岛市"],
            "name_en": ["Town", "Island"],
            "lon": [0.0, 20.0],
            "lat": [0.0, 0.0],
            "population": [1000, 500],
        }
    )
    origins = pd.DataFrame({"adcode": [200001], "name_zh": ["乙市"], "name_en": ["Coast"], "lon": [5.0], "lat": [0.0]})
    hubs = pd.DataFrame(
        {
            "hub_id": ["H1", "H2"],
            "name_zh": ["陆港", "海港"],
            "name_en": ["Dry port", "Seaport"],
            "hub_type": ["dry_port", "sea_gateway"],
            "city_adcode": [None, None],
            "lon": [1.0, 4.0],
            "lat": [0.0, 0.0],
        }
    )
    net = N.network_from_tables(nodes, edges, places=place_table(sites, origins, hubs), params=_params(rail_cost))
    return net, sites


def test_road_only_route_cost_is_hand_computable() -> None:
    net, _ = _toy(rail_cost=2.0)
    r = N.route(net, "100001", "H2")
    # road 400 km x 2 CNY = 800; rail would be 100 km road (200) + 100 fixed + 300 x 2 = 900
    assert list(r.legs["mode"]) == ["road"]
    assert r.cost_cny_teu == pytest.approx(800.0, abs=1.0)
    assert r.time_h == pytest.approx(400 / 50, abs=0.05)
    assert r.geometry.geom_type == "LineString"


def test_path_switches_to_rail_when_rail_cost_drops() -> None:
    net, _ = _toy(rail_cost=2.0)
    cheap = N.with_changes(net, params={"modes": {"rail": {"cost_cny_teu_km": 1.0}}})
    r = N.route(cheap, "100001", "H2")
    assert "rail" in set(r.legs["mode"])
    # 200 road + 100 fixed + 300 rail, plus drayage over the 1.1 km rail snaps at both yards
    assert r.cost_cny_teu == pytest.approx(600.0 + 4 * 0.01 * KM_PER_DEG, abs=1.0)
    assert N.route(net, "100001", "H2").cost_cny_teu == pytest.approx(800.0, abs=1.0)  # old network unchanged


def test_mode_changes_only_at_hubs() -> None:
    net, _ = _toy(rail_cost=1.0)
    gd = net.graph_data
    transfer = net.arcs[net.arcs["mode"] == "transfer"]
    touches_yard = (gd.node_layer[transfer["u"]] == "yard") | (gd.node_layer[transfer["v"]] == "yard")
    assert touches_yard.all()
    # no arc joins a road node directly to a rail node
    layers = list(zip(gd.node_layer[net.arcs["u"]], gd.node_layer[net.arcs["v"]], strict=True))
    assert ("road", "rail") not in layers and ("rail", "road") not in layers
    # without the dry port, the town cannot board the train: road all the way
    no_h1 = N.with_changes(net, remove_hubs=["H1"])
    assert list(N.route(no_h1, "100001", "H2").legs["mode"]) == ["road"]


def test_unreachable_site_is_explicit() -> None:
    net, sites = _toy()
    acc = N.accessibility(net, sites)
    assert acc.loc[100001, N.REACHABLE]
    assert acc.loc[100001, N.NEAREST_SEA] == "H2"
    assert acc.loc[100001, N.COST_TO_ORIGIN.format(adcode=200001)] == pytest.approx(1000.0, abs=1.0)
    assert not acc.loc[100009, N.REACHABLE]
    assert math.isnan(acc.loc[100009, N.COST_TO_SEA])
    assert "no path to any sea gateway" in acc.loc[100009, N.UNREACHABLE_REASON]
    with pytest.raises(NetworkError, match="no route"):
        N.route(net, "100009", "H2")


def test_engines_agree_on_toy_graph() -> None:
    net, sites = _toy(rail_cost=1.0)
    a = N.accessibility(net, sites, engine="scipy")
    b = N.accessibility(net, sites, engine="networkx")
    pd.testing.assert_frame_equal(a, b)


def test_market_access_formula() -> None:
    net, sites = _toy()
    three = pd.concat(
        [
            sites,
            pd.DataFrame(
                {
                    "adcode": [100002],
                    "name_zh": ["丙市"],
                    "name_en": ["Near"],
                    "lon": [1.0],
                    "lat": [0.0],
                    "population": [400],
                }
            ),
        ],
        ignore_index=True,
    )
    acc = N.accessibility(net, three)
    # Town <-> Near: 100 km road = 2 h, plus the 0 km snaps; tau 2 h -> 400 * exp(-1)
    assert acc.loc[100001, N.MARKET_ACCESS] == pytest.approx(round(400 * math.exp(-1.0)), abs=1)
    assert acc.loc[100009, N.MARKET_ACCESS] == 0


def test_missing_or_negative_parameters_fail_clearly() -> None:
    net, _ = _toy()
    p = _params()
    del p["modes"]["road"]["speed_kmh"]
    with pytest.raises(NetworkError, match="required transport parameter"):
        N.network_from_tables(net.inputs.nodes, net.inputs.edges, places=net.places, params=p)
    with pytest.raises(NetworkError, match="non-negative"):
        N.with_changes(net, params={"modes": {"rail": {"cost_cny_teu_km": -1}}})
    no_rail = _params()
    no_rail["modes"]["rail"]["speed_kmh"] = {"value": None, "flag": "unsourced"}
    n2 = N.network_from_tables(net.inputs.nodes, net.inputs.edges, places=net.places, params=no_rail)
    assert any(g.startswith("rail left out") for g in n2.param_gaps)


def test_with_changes_rejects_unknown_names_and_adds_links() -> None:
    net, _ = _toy()
    with pytest.raises(NetworkError, match="unknown hub"):
        N.with_changes(net, remove_hubs=["nope"])
    with pytest.raises(NetworkError, match="unknown corridor"):
        N.with_changes(net, remove_edges=["no_such_corridor"])
    with pytest.raises(NetworkError, match="unknown place"):
        N.with_changes(net, add_edges=[{"from": "H1", "to": "X9", "mode": "rail", "distance_km": 10}])
    linked = N.with_changes(net, add_edges=[{"from": "100009", "to": "100001", "mode": "road", "distance_km": 1000}])
    assert N.route(linked, "100009", "H2").cost_cny_teu == pytest.approx(2000 + 800, abs=1.0)
    assert len(net.arcs) < len(linked.arcs)


def test_resolve_place_names_codes_and_suggestions() -> None:
    _, sites = _toy()
    hubs = pd.DataFrame(
        {
            "hub_id": ["H1"],
            "name_zh": ["陆港"],
            "name_en": ["Dry port"],
            "hub_type": ["dry_port"],
            "lon": [1.0],
            "lat": [0.0],
        }
    )
    assert N.resolve_place("甲市", sites, None, hubs) == ("site", "100001")
    assert N.resolve_place("town", sites, None, hubs) == ("site", "100001")
    assert N.resolve_place(100009, sites, None, hubs) == ("site", "100009")
    assert N.resolve_place("H1", sites, None, hubs) == ("hub", "H1")
    with pytest.raises(UnknownNameError, match=r"unknown site, origin or hub 'Twn' \(did you mean 'Town'\?\)") as err:
        N.resolve_place("Twn", sites, None, hubs)
    assert "Town" in err.value.suggestions


def test_contraction_and_spur_pruning() -> None:
    # chain 0-1-2-3 with a spur 1-4; node 3 protected, 0 a leaf
    e = pd.DataFrame({"u": [0, 1, 2, 1], "v": [1, 2, 3, 4], "km": [1.0, 2.0, 3.0, 5.0]})
    protected = np.array([True, False, False, True, False])
    pruned = prune_leaves(e, protected)
    assert set(map(tuple, pruned[["u", "v"]].to_numpy())) == {(0, 1), (1, 2), (2, 3)}
    ce, seqs = contract_chains(pruned, protected)
    assert ce[["u", "v", "km"]].to_numpy().tolist() == [[0, 3, 6.0]]
    assert seqs == [[0, 1, 2, 3]]


def test_waterway_calibrated_on_rail_is_hand_computable() -> None:
    """Two river ports at Town (river km 0) and Coast (600); barge = half the rail trip Town-Coast."""
    net, _ = _toy(rail_cost=2.0)
    e = {"source": "test", "year": 2026, "flag": ""}
    trip = {"mode": "waterway", "from_adcode": 100001, "to_adcode": 200001}
    params = _params(rail_cost=2.0)
    params["modes"]["waterway"] = {
        "cost_cny_teu_km": {"trip": {**trip, "relative_to": "rail", "cost_ratio": 0.5}, **e},
        "speed_kmh": {"trip": {**trip, "total_h": 60}, **e},
        "fixed_cost_cny_teu": {"value": 20.0, **e},
    }
    hubs = pd.DataFrame(
        {
            "hub_id": ["R1", "R2"],
            "name_zh": ["甲港", "乙港"],
            "name_en": ["Town port", "Coast port"],
            "hub_type": ["river_port", "river_port"],
            "city_adcode": [100001, 200001],
            "lon": [0.0, 5.0],
            "lat": [0.0, 0.0],
        }
    )
    places = pd.concat([net.places, place_table(None, None, hubs)], ignore_index=True)
    ww = pd.DataFrame(
        {"waterway": "w", "port_zh": ["甲", "乙"], "city_adcode": [100001, 200001], "river_km": [0.0, 600.0]}
    )
    wnet = N.network_from_tables(net.inputs.nodes, net.inputs.edges, places=places, params=params, waterways=ww)
    rate = wnet.graph_data.rates["waterway"]
    # rail Town-Coast on the rail layer: 100 fixed + 300 km x 2 = 700; half = 350; minus 20 fixed over 600 km
    assert rate["calib_ref_cost"] == pytest.approx(700.0)
    assert rate["cost_cny_teu_km"] == pytest.approx((350.0 - 20.0) / 600.0)
    assert rate["speed_kmh"] == pytest.approx(10.0)
    r = N.route(wnet, "100001", "200001")
    barge = r.legs[r.legs["mode"] == "waterway"]
    assert list(barge[["from", "to", "km"]].itertuples(index=False, name=None)) == [("甲港", "乙", 600.0)]
    assert r.cost_cny_teu == pytest.approx(350.0, abs=0.5)  # road 500 km would cost 1000
    assert r.time_h == pytest.approx(60.0, abs=0.05)
    # without rail the calibration has no reference: the waterway is left out and says why
    no_rail = N.with_changes(wnet, params={"modes": {"rail": {"speed_kmh": {"value": None}}}})
    assert "waterway" not in no_rail.graph_data.rates
    assert any("calibrated on rail" in g for g in no_rail.param_gaps)


# ---- default data --------------------------------------------------------------------------------

NETWORK_DIR = default_data_dir() / "network"
needs_default = pytest.mark.skipif(
    not (NETWORK_DIR / "nodes.csv").exists(),
    reason="geodata/network not built yet (run the geodata build script)",
)


@pytest.fixture(scope="module")
def default_net() -> N.LogisticsNetwork:
    return N.load_network()


@pytest.fixture(scope="module")
def default_access(default_net: N.LogisticsNetwork) -> pd.DataFrame:
    sites = default_net.places[default_net.places["kind"] == "site"].assign(adcode=lambda d: d["place_id"].astype(int))
    return N.accessibility(default_net, sites)


def _without(net: N.LogisticsNetwork, *modes: str) -> N.LogisticsNetwork:
    """The network with whole modes left out (a trip-derived entry needs its trip removed too)."""
    gone = {"value": None, "trip": None, "flag": "left out by the test"}
    return N.with_changes(net, params={"modes": {m: {"speed_kmh": gone} for m in modes}})


@needs_default
def test_default_chongqing_yangtze_cheaper_than_road(default_net: N.LogisticsNetwork) -> None:
    assert "waterway" in default_net.graph_data.rates, default_net.param_gaps
    by_water = N.route(default_net, "500000", "310000")
    road_only = _without(default_net, "rail", "waterway")
    assert set(road_only.arcs["mode"]) <= {"road", "transfer", "corridor"}
    assert "waterway" in set(by_water.legs["mode"])
    assert by_water.cost_cny_teu < N.route(road_only, "500000", "310000").cost_cny_teu


# river km from Wusong in curated/waterway_yangtze.csv (published or derived there); consecutive ports with a
# distance are joined, ports without one are left out
YANGTZE_KM = {"上海(吴淞口)": 0, "安庆": 723, "武汉": 1125, "宜昌": 1749, "重庆": 2409, "泸州": 2693, "宜宾": 2793}


@needs_default
def test_default_waterway_edges_have_the_river_distances(default_net: N.LogisticsNetwork) -> None:
    gd = default_net.graph_data
    w = default_net.arcs[default_net.arcs["mode"] == "waterway"]
    got = {(gd.node_label[a.u], gd.node_label[a.v]): a.distance_km for a in w.itertuples(index=False)}
    ports = sorted(YANGTZE_KM, key=YANGTZE_KM.get)
    want = {}
    for a, b in itertools.pairwise(ports):
        want[(a, b)] = want[(b, a)] = YANGTZE_KM[b] - YANGTZE_KM[a]
    assert got == pytest.approx(want)
    # every waterway node is boarded from the yard of its own river port or sea gateway, at no distance
    tr = default_net.arcs[
        (default_net.arcs["mode"] == "transfer") & (gd.node_layer[default_net.arcs["v"]] == "waterway")
    ]
    boards = {gd.node_label[a.v]: gd.node_label[a.u] for a in tr.itertuples(index=False)}
    assert boards["重庆"] == "river_chongqing" and boards["上海(吴淞口)"] == "sea_shanghai"
    assert "river_wanzhou" not in boards.values()  # Wanzhou has no river km: not a waterway port
    assert (tr["distance_km"] == 0).all()


@needs_default
def test_default_waterway_calibration_reproduces_the_rail_ratio(default_net: N.LogisticsNetwork) -> None:
    from scipy import sparse
    from scipy.sparse.csgraph import dijkstra

    gd = default_net.graph_data
    rail, water = gd.rates["rail"], gd.rates["waterway"]
    arcs = default_net.arcs[default_net.arcs["mode"] == "rail"]
    m = sparse.csr_matrix((arcs["distance_km"], (arcs["u"], arcs["v"])), shape=(default_net.n_nodes,) * 2)
    pts = _city_points(default_net.places, default_net.inputs.city_points)
    lon, lat = zip(pts["500000"], pts["310000"], strict=True)
    ids, _ = gd.snappers["rail"](np.array(lon), np.array(lat))
    rail_km = dijkstra(m, indices=int(ids[0]))[int(ids[1])]
    rail_cost = rail["fixed"] + rail["cost_cny_teu_km"] * rail_km
    legs = N.route(default_net, "500000", "310000").legs
    barge = legs[legs["mode"] == "waterway"].iloc[0]
    assert (barge["from"], barge["to"], barge["km"]) == ("重庆港", "上海(吴淞口)", 2409.0)
    # the barge leg (boarding charge + per-km) costs half the network's own rail trip (SCMP: rail 'almost double')
    assert barge["cost_cny_teu"] + water["fixed"] == pytest.approx(rail_cost / 2, abs=0.2)
    assert water["calib_ref_cost"] == pytest.approx(rail_cost, rel=1e-6)
    # and sails in 7.5 days (Guoyuan terminal: 7-8 days to Shanghai)
    assert barge["hours"] + water["enter_time_h"] == pytest.approx(7.5 * 24, abs=0.01)
    assert water["speed_kmh"] == pytest.approx(2409 / 180)


@needs_default
def test_default_chongqing_ships_to_shanghai_by_waterway(default_access: pd.DataFrame) -> None:
    cq = default_access.loc[500000]
    assert cq[N.NEAREST_SEA] == "sea_shanghai"
    assert cq[N.TIME_TO_SEA] > 7.5 * 24  # the barge leg alone takes 7.5 days


@needs_default
@pytest.mark.parametrize("adcode", [650100, 450100])  # Urumqi, Nanning: far from the Yangtze
def test_default_site_far_from_the_river_does_not_change(default_net: N.LogisticsNetwork, adcode: int) -> None:
    sites = default_net.places
    one = sites[(sites["kind"] == "site") & (sites["place_id"].astype(str) == str(adcode))].assign(adcode=adcode)
    cols = [N.COST_TO_SEA, N.TIME_TO_SEA, N.NEAREST_SEA, N.COST_TO_CREX, N.NEAREST_CREX]
    with_river = N.accessibility(default_net, one)[cols]
    without = N.accessibility(_without(default_net, "waterway"), one)[cols]
    pd.testing.assert_frame_equal(with_river, without)


@needs_default
def test_default_urumqi_far_from_sea_close_to_crex(default_access: pd.DataFrame) -> None:
    urumqi = default_access.loc[650100]
    # time is reported along the least-cost route; about 60 sites whose cheapest way to the sea takes the 7.5-day
    # Yangtze barge now have longer times than Urumqi's land route, so the check is against the upper quartile
    assert urumqi[N.TIME_TO_SEA] > default_access[N.TIME_TO_SEA].quantile(0.75)
    assert urumqi[N.TIME_TO_CREX] < 2.0
    assert "urumqi" in str(urumqi[N.NEAREST_CREX]).lower()


# Nanning and Guiyang lie on the Chongqing-Guiyang-Nanning land-sea corridor; Chongqing itself, at the head of
# the Yangtze barge line, ships more cheaply by river to Shanghai (test above)
@needs_default
@pytest.mark.parametrize("adcode", [450100, 520100])  # Nanning, Guiyang
def test_default_land_sea_corridor_sends_southwest_to_qinzhou(default_access: pd.DataFrame, adcode: int) -> None:
    assert "qinzhou" in str(default_access.loc[adcode, N.NEAREST_SEA]).lower()


# Published line lengths: Jinghu railway Beijing-Shanghai 1,462 km; Lanxin railway Lanzhou-Urumqi 1,904 km
# (Wikipedia articles 'Beijing-Shanghai railway' and 'Lanzhou-Xinjiang railway'); Lanzhou-Urumqi high-
# speed line
# via Xining 1,786 km (ECNS 2024-07-03). The network may use either line, so the check is 15 percent.
RAIL_PAIRS = [(110000, 310000, 1462.0), (620100, 650100, 1904.0)]


@needs_default
@pytest.mark.parametrize(("a", "b", "published_km"), RAIL_PAIRS)
def test_default_rail_km_close_to_published(
    default_net: N.LogisticsNetwork, a: int, b: int, published_km: float
) -> None:
    from scipy.sparse.csgraph import dijkstra

    gd = default_net.graph_data
    rail = default_net.arcs[default_net.arcs["mode"] == "rail"]
    from scipy import sparse

    m = sparse.csr_matrix((rail["distance_km"], (rail["u"], rail["v"])), shape=(default_net.n_nodes,) * 2)
    pts = _city_points(default_net.places, default_net.inputs.city_points)
    lon, lat = zip(pts[str(a)], pts[str(b)], strict=True)
    ids, _ = gd.snappers["rail"](np.array(lon), np.array(lat))
    km = dijkstra(m, indices=int(ids[0]))[int(ids[1])]
    assert abs(km - published_km) / published_km < 0.15


@needs_default
def test_added_rail_link_needs_a_rail_hub_at_both_ends(default_net: N.LogisticsNetwork) -> None:
    # Lhasa has no rail freight hub in the default data: a rail link from it could never be boarded
    with pytest.raises(NetworkError, match=r"540100 has no rail freight hub.*add a hub in that city"):
        N.with_changes(default_net, add_edges=[{"from": "540100", "to": "450700", "mode": "rail", "distance_km": 100}])
    # with a dry port added in the same scenario the link is accepted and lowers Lhasa's cost to the sea
    hub = {"hub_id": "dry_lhasa", "hub_type": "dry_port", "name_zh": "拉萨陆港", "city_adcode": 540100}
    changed = N.with_changes(
        default_net,
        add_hubs=[hub],
        add_edges=[{"from": "dry_lhasa", "to": "450700", "mode": "rail", "distance_km": 2500}],
    )
    sites = default_net.inputs.places
    lhasa = sites[(sites["kind"] == "site") & (sites["place_id"].astype(str) == "540100")].assign(adcode=540100)
    before = N.accessibility(default_net, lhasa)
    after = N.accessibility(changed, lhasa)
    assert after[N.COST_TO_SEA].iloc[0] < before[N.COST_TO_SEA].iloc[0]


@pytest.mark.parametrize(
    ("a", "b"),
    [("450200", "350200"), ("411600", "440300"), ("南宁", "440300"), ("重庆", "上海"), ("410100", "350500")],
)
def test_route_legs_name_places_not_graph_ids(default_net: N.LogisticsNetwork, a: str, b: str) -> None:
    """Every leg starts and ends at a named place (city, hub or port), never at a raw node id or a blank."""
    legs = N.route(default_net, a, b).legs
    for col in ("from", "to"):
        names = legs[col].astype(str)
        assert names.str.len().gt(0).all(), legs
        assert not names.str.contains(r"[_:]|^\d+$", regex=True).any(), legs
    assert legs["from"].iloc[1:].tolist() == legs["to"].iloc[:-1].tolist()  # legs chain end to start
    # a change of mode happens at one place, and a line haul runs between two different places
    inner = legs.iloc[:-1]
    assert (inner.loc[inner["mode"] == "transfer", "from"] == inner.loc[inner["mode"] == "transfer", "to"]).all(), legs
    haul = legs[legs["mode"].isin(["rail", "waterway", "corridor"])]
    assert (haul["from"] != haul["to"]).all(), legs
