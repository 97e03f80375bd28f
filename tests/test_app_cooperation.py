"""The Cooperation & abroad page: the origin's pairings on a map and in a table, overseas zones behind a switch."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from transfer_app import core

APP = str(Path(__file__).resolve().parent.parent / "app.py")
DONGGUAN = 441900


@pytest.fixture(autouse=True)
def _workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRANSFER_WORKSPACE", str(tmp_path / "workspace.sqlite"))


def _page(lang: str, **state: object) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["lang"] = lang
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    at._page_hash = calc_hash("cooperation")
    return at.run()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_pairings_of_the_origin_with_the_overseas_switch(lang: str) -> None:
    at = _page(lang, industry="textiles_garments", origin=DONGGUAN, origin_picked=True)
    assert not at.exception and not at.error, [e.value for e in at.error]
    table = at.dataframe[0].value
    partners = list(table[core.tr("coop.col_partner", lang)])
    own = {"铜仁市", "韶关市", "揭阳市"} if lang == "zh" else {"Tongren", "Shaoguan", "Jieyang"}
    assert own <= set(partners)
    status = dict(zip(partners, table[core.tr("coop.col_status", lang)], strict=False))
    assert status["昭通市" if lang == "zh" else "Zhaotong"] == core.tr("coop.status.superseded", lang)  # for the record
    assert len(at.dataframe) == 1  # overseas zones only behind the switch
    at.toggle(key="coop_overseas").set_value(True).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    zones, border = at.dataframe[1].value, at.dataframe[2].value
    countries = set(zones[core.tr("coop.col_country", lang)])
    assert {"KHM", "VNM", "ETH"} <= countries and "CHN" not in countries
    assert zones[core.tr("col.score", lang)].is_monotonic_decreasing
    assert core.tr("coop.zone_type.border_ecz", lang) in set(border[core.tr("coop.col_kind", lang)])
