"""Alert templates (alerts/templates/*.yaml): the standard per-component alerts are written once and
placed by `- template: X` in each component's file; bad uses are errors that name file and line."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from n9e_k8s.errors import SourceErrors
from n9e_k8s.project import load_project
from n9e_k8s.selectors import load_selectors
from n9e_k8s.source import resolve_source

STANDARD = ("Down", "InstanceUnreachable")


@pytest.fixture
def tree(rules_tree: Path) -> Path:
    return rules_tree


def _scheduler(tree: Path, old: str, new: str) -> str:
    file = tree / "alerts" / "scheduler.yaml"
    text = file.read_text()
    assert old in text
    file.write_text(text.replace(old, new, 1))
    with pytest.raises(SourceErrors) as exc:
        load_project(resolve_source(tree), ("rules",))
    return str(exc.value)


def test_every_component_gets_the_standard_alerts_with_its_own_job(repo_root: Path) -> None:
    rules = load_project(resolve_source(repo_root)).rules
    selectors = load_selectors(repo_root / "promql")
    for component in selectors.components:
        alerts = {a.name: a for a in rules.alerts if a.component == component}
        down = [a for name, a in alerts.items() if name.endswith("Down") and "Aggregated" not in name]
        (unreachable,) = [a for name, a in alerts.items() if name.endswith("InstanceUnreachable")]
        assert len(down) == 1 and selectors.job_matcher(component) in down[0].expr
        assert unreachable.expr == f"up{{{selectors.job_matcher(component)}}} == 0"


def test_the_in_every_cluster_switch_adds_the_any_series_term(repo_root: Path) -> None:
    rules = load_project(resolve_source(repo_root)).rules
    down = {
        a.component: a.expr for a in rules.alerts if a.name.endswith("Down") and "Aggregated" not in a.name
    }
    switched = {
        c
        for c in down
        if (
            yaml.safe_load((repo_root / "alerts" / f"{c}.yaml").read_text()).get("template_params") or {}
        ).get("in_every_cluster")
    }
    assert switched and switched != set(down), "the switch is on for some components only"
    for component, expr in down.items():
        assert ("group by (cluster) (up)\n  or\n" in expr) == (component in switched), component


def test_a_component_overrides_the_template_tests(tree: Path) -> None:
    rules = load_project(resolve_source(tree)).rules
    no_leader = next(t for t in rules.alert_tests if t.name == "KubeSchedulerNoLeader")
    fires = next(c for c in no_leader.cases if c.kind == "fires")
    # scheduler.yaml brings its own firing case (one instance), the template has two
    assert len(fires.series) == 1


def test_unknown_template_names_file_line_and_a_close_match(tree: Path) -> None:
    message = _scheduler(tree, "      - template: no-leader\n", "      - template: no-leadr\n")
    assert "alerts/scheduler.yaml:" in message
    assert "unknown template 'no-leadr' (did you mean 'no-leader'?)" in message


def test_a_missing_parameter_is_an_error(tree: Path) -> None:
    message = _scheduler(tree, "  port: 10259\n", "")
    assert "alerts/scheduler.yaml:" in message and "template_params has no 'port'" in message


def test_an_unknown_parameter_is_an_error_with_a_close_match(tree: Path) -> None:
    message = _scheduler(tree, "  port: 10259\n", "  port: 10259\n  prefx: X\n")
    assert "template_params.prefx: unknown key 'prefx' (did you mean 'prefix'?)" in message


def test_a_switch_must_be_true_or_false(tree: Path) -> None:
    message = _scheduler(tree, "  port: 10259\n", "  port: 10259\n  in_every_cluster: maybe\n")
    assert "template_params.in_every_cluster: must be true or false" in message
