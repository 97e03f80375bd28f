"""The app on a team server: a login form first, then the same pages, saving to the team's records."""

from __future__ import annotations

from pathlib import Path

import pytest
from pgfixtures import PASSWORD, Server, Team
from streamlit.testing.v1 import AppTest

from transfer_app import core

REPO = Path(__file__).resolve().parents[2]
APP = str(REPO / "app.py")


@pytest.fixture(autouse=True)
def _on_server(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRANSFER_WORKSPACE", server.app_url)
    for name in ("TRANSFER_USER", "TRANSFER_PASSWORD", "TRANSFER_SESSION"):
        monkeypatch.delenv(name, raising=False)


def _login(at: AppTest, user: str, password: str) -> AppTest:
    at.text_input(key="login_user").set_value(user)
    at.text_input(key="login_password").set_value(password)
    next(b for b in at.button if b.label == core.tr("login.submit", "zh")).click()
    return at.run()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_login_form_first_then_the_app(server: Server, team: Team, lang: str) -> None:
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["lang"] = lang
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == [core.tr("login.title", lang)]
    assert not at.selectbox  # no industry, scenario or origin before the login
    assert "app-role-secret" not in "".join(c.value for c in at.caption)  # the server URL without its password
    if lang == "zh":
        _login(at, team.editor, "wrong password")
        assert [e.value for e in at.error] == ["用户名或密码错误。修改方法:检查两者后重试。"]
        _login(at, team.editor, PASSWORD)
    else:
        at.text_input(key="login_user").set_value(team.editor)
        at.text_input(key="login_password").set_value(PASSWORD)
        next(b for b in at.button if b.label == core.tr("login.submit", "en")).click()
        at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.session_state["server_login"]["username"] == team.editor
    badge = core.tr("login.badge", lang, user=team.editor, team=team.name, role=core.tr("login.role.editor", lang))
    assert badge in [c.value for c in at.caption]
    assert at.selectbox  # the sidebar's choices are there now


def test_saved_scenario_goes_to_the_team_and_logout_returns_to_the_form(server: Server, team: Team) -> None:
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    _login(at, team.editor, PASSWORD)
    token = at.session_state["server_login"]["token"]
    from transfer.workspace import ServerWorkspace

    with ServerWorkspace(server.app_url, token=token) as ws:
        ws.save_scenario("团队方案", "name: 团队方案\n")
    at.run()
    assert any("团队方案" in str(o) for s in at.selectbox for o in s.options)  # the team's scenario is offered
    next(b for b in at.button if b.label == core.tr("login.logout", "zh")).click()
    at.run()
    assert [t.value for t in at.title] == [core.tr("login.title", "zh")]
    with ServerWorkspace(server.app_url, token=token) as ws, pytest.raises(Exception, match="not logged in"):
        ws.list_scenarios()


def test_app_runs_on_the_team_layers(
    server: Server, team: Team, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import json

    from transfer._paths import default_data_dir
    from transfer.workspace import ServerWorkspace
    from transfer.workspace.team_layers import publish_layers

    data = json.loads((default_data_dir() / "sites.geojson").read_text(encoding="utf-8"))
    renamed = next(f for f in data["features"] if f["properties"]["adcode"] == 410100)
    renamed["properties"]["name_en"] = "Zhengzhou (team layer)"
    with ServerWorkspace.login(server.app_url, team.admin, PASSWORD) as ws:
        publish_layers(ws, {"sites.geojson": json.dumps(data, ensure_ascii=False).encode("utf-8")})
    monkeypatch.setenv("TRANSFER_DATA", server.app_url + "?layers=latest")
    monkeypatch.setenv("TRANSFER_CACHE_DIR", str(tmp_path))
    at = AppTest.from_file(APP, default_timeout=300)
    at.session_state["lang"] = "en"
    at.run()
    at.text_input(key="login_user").set_value(team.viewer)
    at.text_input(key="login_password").set_value(PASSWORD)
    next(b for b in at.button if b.label == core.tr("login.submit", "en")).click()
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert core.tr("sidebar.team_layers", "en", version=1) in [c.value for c in at.caption]
    options = [str(o) for s in at.selectbox for o in s.options]
    assert any("Zhengzhou (team layer)" in o for o in options)
