"""Recorded panels (docs/dashboards.md): boards read the dashboard recording rules where a catalog entry
has a `recorded` query; `recorded_panels: false` in promql/config.yaml switches back to the raw queries."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from n9e_k8s.build import render_all
from n9e_k8s.errors import SourceErrors
from n9e_k8s.n9e.formats.board import iter_panels
from n9e_k8s.project import load_project
from n9e_k8s.selectors import load_selectors
from n9e_k8s.source import resolve_source


@pytest.fixture
def tree(repo_root: Path, tmp_path: Path) -> Path:
    for d in ("promql", "alerts", "dashboards"):
        shutil.copytree(repo_root / d, tmp_path / d)
    return tmp_path


def _targets(files: dict[str, str], ident: str) -> dict[str, str]:
    board = json.loads(files[f"dashboards/{ident}.json"])
    return {
        p["name"]: t["expr"]
        for _, p in iter_panels(board["configs"]["panels"], "panels")
        for t in p.get("targets", [])
    }


def _switch_off(tree: Path) -> None:
    config = tree / "promql" / "config.yaml"
    config.write_text(config.read_text().replace("recorded_panels: true", "recorded_panels: false", 1))


def test_heavy_panels_read_recordings_and_the_rest_stay_raw(repo_root: Path) -> None:
    targets = _targets(render_all(load_project(resolve_source(str(repo_root)))), "k8s-apiserver")
    assert targets["API QPS"].startswith("sum(instance_verb_resource_code:apiserver_request_total:rate5m{")
    assert "[$interval]" not in targets["API QPS"]
    assert (
        "rate(process_cpu_seconds_total" in targets["CPU usage (cores)"]
    )  # one series: not worth a recording


def test_recorded_panels_false_gives_the_raw_queries(tree: Path) -> None:
    _switch_off(tree)
    project = load_project(resolve_source(str(tree)))
    files = render_all(project)
    for ident in ("k8s-apiserver", "k8s-controller-manager", "k8s-scheduler", "k8s-etcd"):
        assert not [e for e in _targets(files, ident).values() if ":rate5m" in e], ident
    # and nothing evaluates or stores the recordings no panel reads; the other recordings stay
    rules = "".join(
        text for path, text in files.items() if path.startswith(("prometheus/", "recording-rules/"))
    )
    assert ":rate5m" not in rules and "apiserver_request:burnrate5m" in rules
    assert not [g for g in project.rules.groups if g.for_dashboards]


def test_recorded_panels_must_be_a_boolean(tree: Path) -> None:
    config = tree / "promql" / "config.yaml"
    config.write_text(config.read_text().replace("recorded_panels: true", 'recorded_panels: "yes"', 1))
    with pytest.raises(SourceErrors) as err:
        load_selectors(tree / "promql")
    text = str(err.value)
    assert "config.yaml" in text and "recorded_panels must be true or false" in text
    line = next(
        i for i, t in enumerate(config.read_text().splitlines(), 1) if t.startswith("recorded_panels")
    )
    assert f":{line}" in text


def test_a_recorded_query_that_does_not_parse_names_its_line(tree: Path) -> None:
    catalog = tree / "promql" / "apiserver.yaml"
    text = catalog.read_text()
    old = "    recorded: 'sum(instance_verb_resource_code:apiserver_request_total:rate5m{%(sel)s})'"
    assert old in text
    catalog.write_text(text.replace(old, old[:-2] + "'", 1))
    line = next(i for i, t in enumerate(catalog.read_text().splitlines(), 1) if t.startswith(old[:-2]))
    with pytest.raises(SourceErrors) as err:
        load_project(resolve_source(str(tree)))
    assert f"apiserver.yaml:{line}" in str(err.value) and "recorded" in str(err.value)
