"""promtool on the generated rules: `check rules` on every Prometheus rule file the build writes, and
`test rules` on the cases of the source (every alert fires once and stays silent once; recording
rules have expression tests)."""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml
from n9e_k8s.alerts.render import RenderOptions, render_outputs
from n9e_k8s.project import load_project
from n9e_k8s.source import resolve_source

from tests.promtool_util import promtool as find_promtool

from .promtool_tests import promtool_files

pytestmark = pytest.mark.promtool


@pytest.fixture(scope="session")
def promtool() -> str:
    return find_promtool()


@pytest.fixture(scope="module")
def rules(repo_root: Path):
    return load_project(resolve_source(repo_root)).rules


def _write(files: dict[str, str], where: Path) -> None:
    for rel, text in files.items():
        (where / rel).parent.mkdir(parents=True, exist_ok=True)
        (where / rel).write_text(text, encoding="utf-8")


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False, timeout=600)


def test_check_rules_on_built_files(promtool: str, rules, tmp_path: Path) -> None:
    files = render_outputs(rules, RenderOptions())
    _write(files, tmp_path)
    rule_files = sorted(str(p) for p in (tmp_path / "prometheus").glob("*.rules.yaml"))
    assert len(rule_files) == len(rules.components) == len(rules.selectors.components)
    res = _run([promtool, "check", "rules", *rule_files], tmp_path)
    assert res.returncode == 0, res.stdout + res.stderr
    # The PrometheusRule carries the same groups: its spec must pass too.
    spec = yaml.safe_load(files["prometheus/prometheusrule.yaml"])["spec"]
    (tmp_path / "operator.yaml").write_text(yaml.safe_dump(spec))
    res = _run([promtool, "check", "rules", "operator.yaml"], tmp_path)
    assert res.returncode == 0, res.stdout + res.stderr


def test_every_alert_fires_and_stays_silent(promtool: str, rules, tmp_path: Path) -> None:
    files = promtool_files(rules)
    _write(files, tmp_path)
    tests = yaml.safe_load(files["tests.yaml"])["tests"]
    checked: dict[str, set[str]] = {}
    for test in tests:
        for art in test.get("alert_rule_test", []):
            kind = "fires" if art["exp_alerts"] else "silent"
            checked.setdefault(art["alertname"], set()).add(kind)
    assert rules.alerts and rules.records
    assert set(checked) == {a.name for a in rules.alerts}
    assert all(kinds == {"fires", "silent"} for kinds in checked.values()), checked
    records = {r.record for r in rules.records}
    tested = {
        t["expr"].split("(", 1)[1].split("{", 1)[0]
        for test in tests
        for t in test.get("promql_expr_test", [])
    }
    # The dashboard recordings are tested through the panels that read them: tests/test_catalog.py
    # evaluates every `recorded` catalog query over them and expects the raw query's values.
    dashboard = {r.record for g in rules.groups if g.for_dashboards for r in g.rules}
    assert dashboard and tested == records - dashboard
    # One promtool run per component, with only its rule files (and those of the records its alerts
    # read): every test re-evaluates every loaded group from time 0, so one run over all components costs
    # (tests x groups); two at a time, one per core.
    folders = []
    for component in rules.components:
        folder = tmp_path / component
        folder.mkdir()
        _write(promtool_files(rules, [component]), folder)
        folders.append(folder)
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(lambda f: (f, _run([promtool, "test", "rules", "tests.yaml"], f)), folders))
    failed = {f.name: r.stdout[-6000:] + r.stderr[-2000:] for f, r in runs if r.returncode != 0}
    assert not failed, failed
    per_component = sum(len(yaml.safe_load((f / "tests.yaml").read_text())["tests"]) for f in folders)
    assert per_component >= len(tests)  # no case lost in the split (a shared input may now run twice)


def test_a_wrong_expectation_fails(promtool: str, rules, tmp_path: Path) -> None:
    """The harness can fail: a wrong label, a wrong annotation value and a firing 'silent' case."""
    files = promtool_files(rules)
    data = yaml.safe_load(files["tests.yaml"])
    picked = []
    for test in data["tests"]:
        for art in test.get("alert_rule_test", []):
            if art["alertname"] == "KubeAPIErrorsHigh" and art["exp_alerts"]:
                picked.append(test)
                break
    assert picked
    wrong_label = yaml.safe_load(yaml.safe_dump(picked[0]))
    wrong_label["alert_rule_test"][0]["exp_alerts"][0]["exp_labels"]["cluster"] = "c2"
    wrong_value = yaml.safe_load(yaml.safe_dump(picked[0]))
    ann = wrong_value["alert_rule_test"][0]["exp_alerts"][0]["exp_annotations"]
    ann["description"] = ann["description"].replace("25%", "24%")
    not_silent = yaml.safe_load(yaml.safe_dump(picked[0]))
    not_silent["alert_rule_test"][0]["exp_alerts"] = []
    _write(files, tmp_path)
    for i, broken in enumerate((wrong_label, wrong_value, not_silent)):
        name = f"broken{i}.yaml"
        (tmp_path / name).write_text(yaml.safe_dump({**data, "tests": [broken]}))
        res = _run([promtool, "test", "rules", name], tmp_path)
        assert res.returncode != 0, f"{name} should fail:\n{res.stdout}"
