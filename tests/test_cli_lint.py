"""`n9e-k8s lint` and `n9e-k8s catalog` on the command line: output formats and exit codes."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import typer
from n9e_k8s.commands import catalog as catalog_cmd
from n9e_k8s.commands import lint as lint_cmd
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    # Only the commands under test, so that this does not depend on other commands' modules.
    app = typer.Typer()
    lint_cmd.register(app)
    catalog_cmd.register(app)
    return app


def run(app, *args: str):
    return CliRunner().invoke(app, list(args), env={"N9E_K8S_SOURCE": ""})


def test_source_tree_lints_clean(app):
    res = run(app, "lint")
    assert res.exit_code == 0, res.output
    # the summary line is always printed: what matters is that it is the only line (no finding, not even a
    # warning or info) and that the whole tree (catalog, dashboards, alert and recording rules) was linted
    (summary,) = res.output.splitlines()
    m = re.fullmatch(
        r"(\d+) queries linted for Kubernetes 1\.36: 0 error\(s\), 0 warning\(s\), 0 info", summary
    )
    assert m and int(m.group(1)) > 57, summary


def test_expr_with_an_error_exits_1_and_names_the_index(app):
    res = run(
        app, "lint", "--expr", "sum(rate(apiserver_request_total[5m]))", "--expr", "rate(workqueue_depth[5m])"
    )
    assert res.exit_code == 1, res.output
    assert "--expr[1]: error counter-rate:" in res.output
    assert "--expr[0]" not in res.output


def test_warning_only_exits_0(app):
    res = run(app, "lint", "--expr", 'sum(rate(apiserver_request_total{resource="pods|nodes"}[5m]))')
    assert res.exit_code == 0, res.output
    assert "warning regex-in-equality" in res.output


def test_json_format(app):
    res = run(app, "lint", "--format", "json", "-e", "apiserver_dropped_requests_total", "-e", "up")
    assert res.exit_code == 1
    doc = json.loads(res.output)
    assert doc["k8s_version"] == "1.36" and doc["queries"] == 2
    removed = [f for f in doc["findings"] if f["rule"] == "metric-removed"]
    assert removed and removed[0]["index"] == 0 and removed[0]["severity"] == "error"
    assert doc["summary"]["error"] >= 1


def test_unit_option(app):
    q = "histogram_quantile(0.99, sum by (le) (rate(apiserver_request_duration_seconds_bucket[5m])))"
    assert run(app, "lint", "-e", q, "--unit", "seconds").exit_code == 0
    res = run(app, "lint", "-e", q, "--unit", "milliseconds")
    assert res.exit_code == 1 and "unit-mismatch" in res.output


def test_k8s_version(app):
    q = 'sum(apiserver_storage_objects{job="apiserver"}) by (resource)'
    assert "metric-deprecated" not in run(app, "lint", "-e", q, "--k8s-version", "1.33").output
    assert "metric-deprecated" in run(app, "lint", "-e", q, "--k8s-version", "1.36").output


@pytest.mark.parametrize(
    "args",
    [
        ("lint", "--k8s-version", "1.27", "-e", "up"),
        ("lint", "--k8s-version", "1.37", "-e", "up"),
        ("lint", "--k8s-version", "banana", "-e", "up"),
        ("lint", "--format", "xml", "-e", "up"),
        ("lint", "--unit", "seconds"),
        ("lint", "--source", "/nonexistent/tree"),
    ],
)
def test_usage_errors_exit_2(app, args):
    res = run(app, *args)
    assert res.exit_code == 2, res.output


def test_broken_source_exits_2(app, tmp_path):
    shutil.copytree(REPO / "promql", tmp_path / "promql")
    (tmp_path / "promql" / "metrics.yaml").write_text(
        "metrics:\n  x:\n    type: nope\n    stability: ALPHA\n"
    )
    res = run(app, "lint", "--source", str(tmp_path))
    assert res.exit_code == 2
    assert "metrics.yaml:3" in res.output


def test_catalog_json_is_sorted_and_stable(app):
    a = run(app, "catalog", "--format", "json")
    b = run(app, "catalog", "--format", "json", "--mode", "dashboard")
    assert a.exit_code == 0, a.output
    assert a.output == b.output
    rows = json.loads(a.output)
    assert [r["id"] for r in rows] == sorted(r["id"] for r in rows)
    assert {"id", "component", "title", "unit", "expr"} <= set(rows[0])


def test_catalog_component_filter_and_rule_mode(app):
    rows = json.loads(
        run(app, "catalog", "--format", "json", "--component", "scheduler", "--mode", "rule").output
    )
    assert rows and all(r["component"] == "scheduler" for r in rows)
    assert not any("$" in r["expr"] for r in rows)
    assert run(app, "catalog", "--component", "examplecomp").exit_code == 2
    zh = run(app, "catalog", "--lang", "zh")
    assert zh.exit_code == 0


def test_series_recorded_by_the_source_are_known(app):
    res = run(app, "lint", "--expr", "sum(apiserver_request:burnrate1h)", "--expr", "sum(my:unknown:series)")
    assert res.exit_code == 0, res.output
    assert "--expr[0]" not in res.output
    assert "--expr[1]: info unknown-metric: my:unknown:series" in res.output


def test_whole_tree_is_clean_for_every_supported_version(app):
    for version in ("1.28", "1.31", "1.34", "1.36"):
        res = run(app, "lint", "--k8s-version", version, "--format", "json")
        assert res.exit_code == 0, res.output
        doc = json.loads(res.stdout)
        assert doc["summary"] == {"error": 0, "warning": 0, "info": 0}, (version, doc["findings"])
        assert doc["queries"] > 57


def test_an_alert_lint_ignore_switches_off_only_its_rule(app, tmp_path):
    """`lint.ignore` on an alert, as on a catalog entry: without it, the nftables side of
    KubeProxyRulesSyncFailing is a metric that 1.28 does not have."""
    for part in ("promql", "alerts", "dashboards"):
        shutil.copytree(REPO / part, tmp_path / part)
    alerts = tmp_path / "alerts" / "kube-proxy.yaml"
    text = alerts.read_text()
    start = text.index("        lint:\n          ignore:\n            metric-removed:")
    end = text.index("        summary:", start)
    alerts.write_text(text[:start] + text[end:])
    res = run(app, "lint", "--source", str(tmp_path), "--k8s-version", "1.28", "--format", "json")
    assert res.exit_code == 1, res.output
    findings = json.loads(res.stdout)["findings"]
    assert [(f["query_id"], f["rule"]) for f in findings] == [("KubeProxyRulesSyncFailing", "metric-removed")]
    assert findings[0]["file"].endswith("alerts/kube-proxy.yaml")


def test_node_label_is_allowed_only_on_series_of_node_discovery_jobs(app):
    """The kubelet's job (discovery: node) labels every series with `node`; other jobs' series have no such label."""
    kubelet = run(app, "lint", "--expr", "sum by (cluster, node) (kubelet_running_pods)")
    assert kubelet.exit_code == 0, kubelet.output
    shared = run(app, "lint", "--expr", "sum by (node) (process_resident_memory_bytes)")
    assert shared.exit_code == 0, shared.output
    apiserver = run(app, "lint", "--expr", "sum by (node) (apiserver_request_total)")
    assert apiserver.exit_code == 1 and "no label 'node'" in apiserver.output
