"""The two boundaries: an unexpected exception in the CLI or the app is one clear message and a log file."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from transfer import cli
from transfer_app import pages as app_pages

REPO = Path(__file__).resolve().parent.parent


def _boom(*_args: object, **_kwargs: object) -> str:
    raise KeyError("unexpected_column")


def test_cli_unexpected_error_is_one_line_and_a_log(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("TRANSFER_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setattr(cli, "cmd_industries", _boom)
    code = cli.main(["industries"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "unexpected error (KeyError: 'unexpected_column')" in err
    logs = list((tmp_path / "logs").glob("transfer-crash-*.log"))
    assert len(logs) == 1 and str(logs[0]) in err
    text = logs[0].read_text(encoding="utf-8")
    assert "Traceback" in text and "_boom" in text and "context: transfer industries" in text


def test_cli_expected_errors_stay_exit_2(tmp_path, capsys):
    (tmp_path / "afile").write_text("x")
    assert cli.main(["match", "--out", str(tmp_path / "afile")]) == 2
    assert "--out:" in capsys.readouterr().err
    assert cli.main(["--data", str(tmp_path / "nope"), "sites"]) == 2
    assert "--data:" in capsys.readouterr().err


@pytest.mark.parametrize("top", ["0", "-3", "x"])
def test_cli_top_must_be_positive(top, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["shortlist", "--industry", "toys", "--top", top])
    assert exc.value.code == 2
    assert "argument --top" in capsys.readouterr().err


def test_out_is_checked_before_computing(monkeypatch, tmp_path, capsys):
    """An unwritable --out fails at once: the command itself never runs."""
    monkeypatch.setattr(cli, "cmd_match", _boom)
    ro = tmp_path / "ro"
    ro.mkdir()
    (ro / "x").write_text("")
    assert cli.main(["match", "--out", str(ro / "x" / "sub")]) == 2
    assert "cannot write" in capsys.readouterr().err


def test_app_unexpected_error_is_an_error_box_with_a_log(monkeypatch, tmp_path):
    monkeypatch.setenv("TRANSFER_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setenv("TRANSFER_WORKSPACE", str(tmp_path / "ws.sqlite"))

    def broken(_ctx: object) -> None:
        raise ZeroDivisionError("division by zero in a page")

    path, title, icon, _render = app_pages.PAGES[0]
    monkeypatch.setattr(app_pages, "PAGES", ((path, title, icon, broken), *app_pages.PAGES[1:]))
    seen: set[Path] = set()
    for lang in ("zh", "en"):
        at = AppTest.from_file(str(REPO / "app.py"), default_timeout=180)
        at.session_state["lang"] = lang
        at.run()
        assert not at.exception
        assert len(at.error) == 1
        box = at.error[0].value
        assert "ZeroDivisionError" in box and ("意外错误" if lang == "zh" else "unexpected error") in box
        new = set((tmp_path / "logs").glob("transfer-crash-*.log")) - seen
        assert len(new) == 1
        (log,) = new
        seen |= new
        assert str(log) in box
        assert "division by zero in a page" in log.read_text(encoding="utf-8")
