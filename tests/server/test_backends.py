"""The workspace API on both backends (SQLite file and team server), with the same tests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from transfer.workspace import Workspace, WorkspaceError
from transfer.workspace.monitoring import load_monitoring, monitoring_years, save_monitoring

HOSTILE = [
    "'; DROP TABLE transfer.scenarios; --",
    'Robert"); DELETE FROM shortlists; --',
    "$$ LANGUAGE plpgsql $$",
    "\\x00 %s %(name)s {0} ? ?",
    "<script>alert(1)</script> 郑州 & 航空港",
    "name\nwith\nlines\ttabs",
]


def test_scenario_versions(backend) -> None:
    first = backend.save_scenario("baseline", "name: baseline\n", comment="first")
    second = backend.save_scenario("baseline", "name: baseline\nweights: {labour: 0.5}\n")
    backend.save_scenario("other", "name: other\n")
    assert (first.version, second.version) == (1, 2)
    assert backend.get_scenario("baseline").yaml_text == second.yaml_text
    assert backend.get_scenario("baseline", 1).comment == "first"
    assert [(r.name, r.version) for r in backend.list_scenarios()] == [("baseline", 1), ("baseline", 2), ("other", 1)]
    assert [r.version for r in backend.list_scenarios(name="baseline")] == [1, 2]


def test_unknown_scenario_and_version(backend) -> None:
    backend.save_scenario("baseline", "name: baseline\n")
    with pytest.raises(WorkspaceError, match=r"no scenario named 'baselin'.*baseline"):
        backend.get_scenario("baselin")
    with pytest.raises(WorkspaceError, match="has no version 7"):
        backend.get_scenario("baseline", 7)


def test_runs_keep_results_in_order(backend) -> None:
    backend.save_scenario("s", "name: s\n")
    results = {"shortlist:z": "a,b\n1,2\n", "assignment": "[]", "m": "x"}
    run = backend.save_run("s", parameters={"top": 10}, results=results, summary={"jobs": 1200, "share": 0.5})
    listed = backend.list_runs()
    assert [r.id for r in listed] == [run.id]
    assert listed[0].result_names == ("shortlist:z", "assignment", "m")
    got = backend.get_run(run.id)
    assert dict(got.results) == results and got.summary["jobs"] == 1200 and got.parameters["top"] == 10
    with pytest.raises(WorkspaceError, match="no run with id"):
        backend.get_run(run.id + 1000)


def test_shortlist_statuses_and_history(backend) -> None:
    backend.save_scenario("s", "name: s\n")
    rows = [{"adcode": 360700, "name": "赣州", "score": 0.71}, {"adcode": 430500, "name": "邵阳", "score": 0.69}]
    sl = backend.save_shortlist("footwear", "industry_to_sites", rows, scenario_name="s")
    assert sl.scenario_version == 1 and [dict(r) for r in backend.get_shortlist(sl.id).rows] == rows
    backend.set_status(sl.id, 360700, "contacted", note="called the zone office")
    backend.set_status(sl.id, 360700, "visited", note="site visit in May")
    backend.set_status(sl.id, "430500", "dropped")
    history = backend.history(sl.id, 360700)
    assert [h.status for h in history] == ["contacted", "visited"]
    assert history[0].note == "called the zone office"
    current = backend.current_statuses(sl.id)
    assert {k: v.status for k, v in current.items()} == {"360700": "visited", "430500": "dropped"}
    with pytest.raises(WorkspaceError, match="status"):
        backend.set_status(sl.id, 360700, "visted")
    with pytest.raises(WorkspaceError, match="no shortlist with id"):
        backend.set_status(sl.id + 1000, 360700, "visited")


def test_monitoring_values(backend) -> None:
    values = pd.DataFrame(
        {
            "year": [2023, 2023, 2024],
            "adcode": [360700, 430500, 360700],
            "indicator": ["gdp", "gdp", "gdp"],
            "value": [4000.0, 2700.5, 4200.0],
            "source": ["yearbook 2024", "yearbook 2024", "yearbook 2025"],
        }
    )
    assert save_monitoring(backend, values) == 3
    save_monitoring(backend, values.iloc[[2]].assign(value=4300.0))  # the same key replaces
    stored = load_monitoring(backend)
    assert stored.shape == (3, 5)
    assert stored.loc[stored["year"] == 2024, "value"].tolist() == [4300.0]
    assert monitoring_years(backend) == [2023, 2024]
    assert load_monitoring(backend, years=[2023])["adcode"].tolist() == [360700, 430500]


def test_hostile_text_is_stored_verbatim(backend) -> None:
    for i, text in enumerate(HOSTILE):
        backend.save_scenario(text, f"name: x\n# {text}\n", comment=text, author=text)
        sl = backend.save_shortlist(text, "firms", [{"name": text, "note": text}])
        backend.set_status(sl.id, text, "contacted", note=text)
        assert backend.get_scenario(text).comment == text
        assert backend.get_shortlist(sl.id).rows[0]["name"] == text
        assert backend.history(sl.id, text)[-1].note == text
        assert len(backend.list_shortlists()) == i + 1
    assert {s.name for s in backend.list_scenarios()} == set(HOSTILE)


def test_export_then_import_on_both_backends(backend, tmp_path: Path, server) -> None:
    backend.save_scenario("s", "name: s\n")
    backend.save_scenario("s", "name: s\nv: 2\n")
    run = backend.save_run("s", scenario_version=1, results={"a": "1"})
    sl = backend.save_shortlist("list", "industry_to_sites", [{"adcode": 1}], scenario_name="s")
    backend.set_status(sl.id, 1, "signed", note="合同已签")
    out = backend.export(tmp_path / "export.sqlite")
    with Workspace.open(tmp_path / "fresh.sqlite") as fresh:
        summary = fresh.import_(out)
        assert (summary.scenarios, summary.runs, summary.shortlists, summary.statuses) == (2, 1, 1, 1)
        assert fresh.get_run(fresh.list_runs()[0].id).results["a"] == "1"
    with server.login(server.team().editor) as team_ws:
        team_ws.import_(out)
        assert [s.version for s in team_ws.list_scenarios()] == [1, 2]
        (imported,) = team_ws.list_shortlists()
        assert team_ws.current_statuses(imported.id)["1"].note == "合同已签"
        again = team_ws.import_(out)  # merging the same file twice adds nothing
        assert (again.scenarios, again.runs, again.shortlists, again.statuses) == (0, 0, 0, 0)
    del run
