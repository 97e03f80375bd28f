"""Page 合作与境外 / Cooperation & abroad: the chosen origin's official pairings and co-built parks on a map, and
(behind a switch) the overseas cooperation zones and border zones, each in its own table with its own criteria."""

from __future__ import annotations

from typing import Any

import folium
import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from transfer import columns as C
from transfer._cli_overseas import overseas_for
from transfer._cli_pairs import pairs_table
from transfer.errors import TransferError
from transfer.escape import html_text
from transfer.i18n import error_text
from transfer.mapview import base_map, tooltip_text
from transfer.pairings import load_pairings, paired_sites
from transfer_app.core import tr
from transfer_app.state import Ctx, province_label

__all__ = ["render"]

# colour-blind-safe pair (Okabe–Ito): the origin's own pairs and parks, and pairs through its province
OWN, PROVINCE, ORIGIN, PARK = "#D55E00", "#56B4E9", "#000000", "#009E73"


def _name(row: pd.Series, lang: str) -> str:
    en = row.get(C.NAME_EN)
    return str(en) if lang == "en" and isinstance(en, str) and en else str(row[C.NAME_ZH])


def _pair_map(ctx: Ctx, marks: dict[int, Any], parks: pd.DataFrame) -> folium.Map:
    lang = ctx.lang
    m = base_map(ctx.provinces, lang=lang)
    sites = ctx.map_sites[ctx.map_sites[C.ADCODE].astype(int).isin(marks)]
    for wide, colour in ((True, PROVINCE), (False, OWN)):
        part = sites[[marks[int(a)].through_province == wide for a in sites[C.ADCODE]]]
        if part.empty:
            continue
        shown = gpd.GeoDataFrame(
            {
                "label": [
                    tooltip_text(f"{_name(r, lang)} — {tr(f'pairing.scheme.{marks[int(r[C.ADCODE])].scheme}', lang)}")
                    for _, r in part.iterrows()
                ]
            },
            geometry=part.geometry.to_numpy(),
            crs=part.crs,
        )
        folium.GeoJson(
            shown.__geo_interface__,
            style_function=lambda _f, c=colour: {"fillColor": c, "color": c, "weight": 1, "fillOpacity": 0.55},
            tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False),
        ).add_to(m)
    origin = ctx.base.layers.origins[ctx.base.layers.origins[C.ADCODE] == ctx.origin]
    if len(origin):
        o = origin.iloc[0]
        folium.CircleMarker(
            [float(o[C.LAT]), float(o[C.LON])], radius=7, color=ORIGIN, fill=True, fill_opacity=1,
            tooltip=html_text(_name(o, lang)),
        ).add_to(m)  # fmt: skip
        for _, r in sites[[not marks[int(a)].through_province for a in sites[C.ADCODE]]].iterrows():
            c = r.geometry.representative_point()
            line = [[float(o[C.LAT]), float(o[C.LON])], [c.y, c.x]]
            folium.PolyLine(line, color=OWN, weight=1.5, dash_array="4 4").add_to(m)
    for _, p in parks.dropna(subset=[C.LON, C.LAT]).iterrows():
        square = (  # a DivIcon is plain Leaflet (a polygon marker would need a plug-in from the internet)
            f'<div style="width:12px;height:12px;background:{PARK};border:1.5px solid #fff;'
            'box-shadow:0 0 2px #333"></div>'
        )
        folium.Marker(
            [float(p[C.LAT]), float(p[C.LON])],
            icon=folium.DivIcon(html=square, icon_size=(12, 12), icon_anchor=(6, 6)),
            tooltip=html_text(_name(p, lang)),
        ).add_to(m)
    return m


def _partner(ctx: Ctx, row: Any) -> str:
    """A partner (city, whole province or park host) in the page language; a county is added in Chinese only."""
    code = int(row.partner_adcode)
    sites = ctx.run.table.sites
    if row.level == "province":
        name = province_label(ctx, str(row.partner_zh))
    elif code in sites.index:
        name = str(sites.loc[code, C.NAME_ZH] if ctx.lang == "zh" else sites.loc[code, C.NAME_EN])
    else:
        name = str(row.partner_zh)
    county = str(row.partner_county_zh or "")
    return name + (f" · {county}" if county and ctx.lang == "zh" else "")


def _origin_label(ctx: Ctx) -> str:
    origins = ctx.base.layers.origins
    row = origins[origins[C.ADCODE] == ctx.origin]
    return _name(row.iloc[0], ctx.lang) if len(row) else str(ctx.origin)


def _legend(lang: str) -> str:
    chips = [(OWN, "coop.legend_own"), (PROVINCE, "coop.legend_province"), (PARK, "coop.legend_park")]
    return " ".join(
        f'<span style="display:inline-block;width:12px;height:12px;background:{c};margin:0 4px 0 10px;'
        f'vertical-align:middle"></span>{html_text(tr(k, lang))}'
        for c, k in chips
    )


@st.cache_resource(show_spinner=False, max_entries=16)
def _pair_data(
    _base: Any, base_token: str, origin: int, lang: str
) -> tuple[pd.DataFrame, dict[int, Any], pd.DataFrame]:
    """The origin's pairings table, its paired sites and its co-built parks (read and resolved once per data set,
    origin and language, from the loaded layers)."""
    del base_token  # the cache key of ``_base``
    pairings = load_pairings(_base.layers.data_dir)
    sites = pd.DataFrame(_base.layers.sites.drop(columns="geometry"))
    _, table = pairs_table(
        _base.layers.data_dir, str(origin), lang=lang, origins=_base.layers.origins, sites=sites, pairings=pairings
    )
    marks = paired_sites(pairings, origin, sites)
    parks = pairings.parks[pairings.parks["origin_adcode"].astype(int).isin([origin, origin // 10000 * 10000])]
    return table, marks, parks[parks["status"] != "superseded"]


@st.cache_resource(show_spinner=False, max_entries=16)
def _overseas_data(_base: Any, base_token: str, industry: str, origin: int, lang: str) -> tuple[Any, Any, Any]:
    """The overseas zones scored for one industry and origin (20 sea routes) and the border zones, once per data
    set, industry, origin and language."""
    del base_token
    return overseas_for(_base, industry, str(origin), lang=lang)


def _pairings(ctx: Ctx) -> None:
    lang = ctx.lang
    try:
        table, marks, own = _pair_data(ctx.base, ctx.base_token, ctx.origin, lang)
    except TransferError as exc:
        st.error(error_text(exc, lang))
        return
    label = _origin_label(ctx)
    st.markdown(f"**{tr('coop.pairs_title', lang, origin=label)}**")
    if table.empty:
        st.info(tr("coop.no_pairs", lang, origin=label))
        return
    m = _pair_map(ctx, marks, own)
    st_folium(m, key="pair_map", height=440, use_container_width=True, returned_objects=[])
    st.markdown(_legend(lang), unsafe_allow_html=True)
    shown = pd.DataFrame(
        {
            tr("coop.col_partner", lang): [_partner(ctx, r) for r in table.itertuples()],
            tr("coop.col_scheme", lang): table["scheme_name"],
            tr("coop.col_level", lang): [tr(f"coop.level.{v}", lang) for v in table["level"]],
            tr("coop.col_since", lang): [("" if v is None or pd.isna(v) else str(int(v))) for v in table["since"]],
            tr("coop.col_status", lang): [tr(f"coop.status.{v}", lang) for v in table["status"]],
            tr("coop.col_sites", lang): table["n_sites"],
        }
    )
    st.dataframe(shown, hide_index=True, width="stretch", height=min(38 + 35 * len(shown), 400))
    st.caption(tr("coop.pairs_note", lang))
    with st.expander(tr("coop.sources", lang)):
        for r in table.itertuples():
            st.markdown(f"- `{html_text(str(r.ref))}` {html_text(str(r.source))} ({int(r.source_year)})")


def _overseas(ctx: Ctx) -> None:
    lang = ctx.lang
    try:
        zones, border, meta = _overseas_data(ctx.base, ctx.base_token, ctx.industry, ctx.origin, lang)
    except TransferError as exc:
        st.error(error_text(exc, lang))
        return
    profile = ctx.base.catalogue.get(ctx.industry)
    industry = profile.name_zh if lang == "zh" else profile.name_en
    st.markdown(f"**{tr('coop.overseas_title', lang, industry=industry)}**")
    wage = f"{meta['origin_wage_usd']:.0f} USD/{tr('coop.month', lang)}"
    gateway = meta["origin_gateway_name"][lang]
    st.caption(tr("coop.overseas_note", lang, origin=_origin_label(ctx), gateway=gateway,
                  knots=meta["ship_speed_knots"], wage=wage))  # fmt: skip
    st.dataframe(
        pd.DataFrame(
            {
                tr("col.rank", lang): zones["rank"],
                tr("coop.col_zone", lang): [_name(r, lang) for _, r in zones.iterrows()],
                tr("coop.col_country", lang): zones["country"],
                tr("col.score", lang): zones["score"],
                tr("coop.col_days", lang): zones["transport_days"].round(1),
                tr("coop.col_wage", lang): zones["wage_usd_month"].round(0),
                tr("coop.col_eu", lang): [tr(f"overseas.eu.{v}", lang) for v in zones["eu_access"]],
                tr("coop.col_why", lang): ["; ".join(r) for r in zones["reasons"]],
                tr("coop.col_caveats", lang): ["; ".join(c) for c in zones["caveats"]],
            }
        ),
        hide_index=True,
        width="stretch",
        height=380,
    )
    if border is not None and len(border):
        st.markdown(f"**{tr('coop.border_title', lang)}**")
        shown = ctx.result.shortlist(ctx.industry, top=len(ctx.base.layers.sites), eligible_only=False, lang=lang)
        rank = dict(zip(shown[C.ADCODE].astype(int), shown["rank"], strict=True))
        border = border.assign(_rank=[rank.get(int(a), 10**6) for a in border["city_adcode"]]).sort_values("_rank")
        st.dataframe(
            pd.DataFrame(
                {
                    tr("coop.col_zone", lang): [_name(r, lang) for _, r in border.iterrows()],
                    tr("coop.col_kind", lang): [tr(f"coop.zone_type.{v}", lang) for v in border["zone_type"]],
                    tr("coop.col_city_rank", lang): [rank.get(int(a)) for a in border["city_adcode"]],
                }
            ),
            hide_index=True,
            width="stretch",
            height=260,
        )


def render(ctx: Ctx) -> None:
    lang = ctx.lang
    st.caption(tr("coop.intro", lang))
    _pairings(ctx)
    if st.toggle(tr("coop.show_overseas", lang), key="coop_overseas"):
        _overseas(ctx)
