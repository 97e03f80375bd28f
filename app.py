"""Streamlit app: regional transfer site matching (run with `make run`)."""

from __future__ import annotations

import geopandas as gpd
import streamlit as st
from streamlit_folium import st_folium

from transfer import columns as C
from transfer.errors import TransferError
from transfer.layers import Layers, load_default
from transfer.mapview import site_map, vendor_leaflet

st.set_page_config(page_title="承接地匹配 Transfer site matching", layout="wide")


@st.cache_resource(show_spinner=False)
def _layers() -> Layers:
    vendor_leaflet()
    return load_default()


@st.cache_resource(show_spinner=False)
def _provinces() -> gpd.GeoDataFrame:
    layers = _layers()
    assert layers.data_dir is not None
    return gpd.read_file(layers.data_dir / "provinces.geojson")


try:
    layers = _layers()
except TransferError as exc:
    st.error(str(exc))
    st.stop()

st.title("承接地 · Receiving sites")
st.caption(f"{len(layers.sites)} sites · {len(layers.bonded_zones)} bonded zones · {len(layers.hubs)} hubs")
m = site_map(
    layers.sites,
    provinces=_provinces(),
    bonded_zones=layers.bonded_zones,
    hubs=layers.hubs,
    origins=layers.origins,
    lines=layers.corridors,
)
st_folium(m, key="site_map", height=620, use_container_width=True, returned_objects=["last_object_clicked_tooltip"])
st.dataframe(
    layers.sites[[C.ADCODE, C.NAME_ZH, C.NAME_EN, C.PROVINCE, C.REGION]].sort_values(C.ADCODE),
    hide_index=True,
)
