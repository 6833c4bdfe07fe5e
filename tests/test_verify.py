"""`verify` logic against a fake Prometheus API (the real one is in test_controlplane_lab.py)."""

from __future__ import annotations

import json
import re
import socket

import pytest
from n9e_k8s.cli import _register_all, app
from n9e_k8s.project import load_project
from n9e_k8s.source import resolve_source
from n9e_k8s.verify import ApiError, condition_operands, count, regex_escape, verify
from typer.testing import CliRunner

INSTANCE = "127.0.0.1:6443"


class FakeApi:
    """Every query has one series unless it uses a metric in `missing`; label values are fixed."""

    def __init__(self, missing: tuple[str, ...] = (), failing: tuple[str, ...] = (), no_labels: bool = False):
        self.missing, self.failing, self.no_labels = missing, failing, no_labels
        self.queries: list[str] = []
        self.label_calls: list[tuple[str, str | None]] = []

    def query(self, expr: str) -> dict:
        self.queries.append(expr)
        if any(m in expr for m in self.failing):
            raise ApiError("HTTP 400: parse error")
        if any(re.search(rf"\b{m}\b", expr) for m in self.missing):
            return {"resultType": "vector", "result": []}
        return {"resultType": "vector", "result": [{"metric": {}, "value": [1, "1"]}]}

    def label_values(self, label: str, match: str | None) -> list[str]:
        self.label_calls.append((label, match))
        if self.no_labels:
            return []
        return {"instance": [INSTANCE, "127.0.0.1:7443"], "cluster": ["lab"]}.get(label, ["GET", "LIST"])


@pytest.fixture(scope="module")
def tree():
    return resolve_source(None)


def test_all_data_passes_and_every_kind_is_checked(tree):
    report = verify(load_project(tree), FakeApi())
    assert not report.failed
    counts = report.counts()
    assert counts["queries"] == counts["data"] > 0
    assert {r.kind for r in report.results} == {"catalog", "dashboard", "variable", "record", "alert"}


def test_unexpected_empty_fails_for_the_entry_and_its_panels(tree):
    report = verify(load_project(tree), FakeApi(missing=("scheduler_pending_pods",)))
    failed = {(r.kind, r.entry) for r in report.failed if r.kind in ("catalog", "dashboard")}
    assert ("catalog", "scheduler.pending_pods") in failed
    assert ("dashboard", "scheduler.pending_pods") in failed
    assert {entry for _, entry in failed} == {"scheduler.pending_pods"}


def test_expected_empty_entries_do_not_fail_and_keep_their_reason(tree):

    expected = {e.id: e.expected_empty for e in load_project(tree).catalog.entries if e.expected_empty}
    assert expected, "the catalog has expected-empty entries"
    report = verify(
        load_project(tree), FakeApi(missing=("apiserver_admission_webhook_admission_duration_seconds_count",))
    )
    result = next(r for r in report.results if r.name == "apiserver.admission_webhook_qps")
    assert result.status == "expected-empty"
    assert result.expected_empty == expected["apiserver.admission_webhook_qps"]
    assert not report.failed


def test_query_errors_fail(tree):
    report = verify(load_project(tree), FakeApi(failing=("workqueue_depth",)))
    assert report.failed
    assert all(r.status == "error" and "parse error" in r.error for r in report.failed)


def test_panels_use_real_variable_values_in_cascading_order(tree):
    api = FakeApi()
    report = verify(load_project(tree), api)
    dashboard_queries = [r.query for r in report.results if r.kind == "dashboard"]
    assert dashboard_queries
    assert not [q for q in dashboard_queries if "$" in q], "variables left unreplaced"
    escaped = regex_escape(INSTANCE)
    assert any("instance=~" in q for q in dashboard_queries)
    assert all(f'instance=~"{escaped}"' in q for q in dashboard_queries if "instance=~" in q)
    # $instance is listed with the $cluster value already chosen.
    assert any(label == "instance" and 'cluster=~"lab"' in (match or "") for label, match in api.label_calls)
    # $resource is listed among the series of the $verb chosen before it: a combination that exists.
    resource_matches = [match for label, match in api.label_calls if label == "resource"]
    assert resource_matches and all('verb="GET"' in m for m in resource_matches), resource_matches


def test_a_variable_without_values_fails(tree):
    report = verify(load_project(tree), FakeApi(no_labels=True))
    assert any(r.kind == "variable" and r.status == "empty" for r in report.failed)


def test_count_and_escape():
    assert count({"resultType": "vector", "result": [{"value": [0, "NaN"]}, {"value": [0, "2"]}]}) == (2, 1)
    assert count({"resultType": "scalar", "result": [0, "1"]}) == (1, 0)
    assert count({"resultType": "matrix", "result": []}) == (0, 0)
    assert regex_escape("a.b:1(x)") == r"a\\.b:1\\(x\\)"
    # What PromQL reads from the string literal is a regex matching exactly the value.
    assert re.fullmatch(regex_escape(INSTANCE).replace("\\\\", "\\"), INSTANCE)


def test_cli_exits_1_when_prometheus_is_unreachable():
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    _register_all()
    result = CliRunner().invoke(
        app, ["verify", "--prometheus", f"http://127.0.0.1:{port}", "--output", "json"]
    )
    assert result.exit_code == 1, result.output
    summary = json.loads(result.stdout)["summary"]
    assert summary["error"] == summary["queries"] > 0


def test_cli_requires_a_url(monkeypatch):
    monkeypatch.delenv("PROMETHEUS_URL", raising=False)
    _register_all()
    result = CliRunner().invoke(app, ["verify"])
    assert result.exit_code == 2


@pytest.mark.parametrize(
    ("expr", "operands"),
    [
        ("a > 0.1 and on (x) b < 5", ["a", "b"]),
        ('absent(up{job="x"})', ['up{job="x"}']),
        ("x > 0 unless on (c) y", ["x"]),
        ("(1 - max(a)) * 100 < 85", ["(1 - max(a)) * 100"]),
        ("a > (14.4 * 0.01)", ["a"]),
        ("a > bool 1", ["a > bool 1"]),
        ("a / b > 0.1", ["a / b"]),
    ],
)
def test_alert_condition_operands(expr, operands):
    assert condition_operands(expr) == operands


def test_rules_are_checked_with_their_expected_empty_reasons(tree):
    report = verify(
        load_project(tree),
        FakeApi(missing=("apiserver_request_terminations_total", "scheduler_pending_pods")),
    )
    by_name = {r.name: r for r in report.results if r.kind in ("alert", "record")}
    assert any(r.kind == "record" for r in report.results)
    assert by_name["KubeAPITerminatedRequests"].status == "expected-empty"
    assert "self-defense" in by_name["KubeAPITerminatedRequests"].expected_empty
    failed_alerts = {r.name for r in report.failed if r.kind == "alert"}
    assert failed_alerts == {"KubeSchedulerPendingPodsStuck", "KubeSchedulerUnschedulablePods"}


def test_expected_empty_must_name_existing_rules(tmp_path):
    import shutil

    from n9e_k8s.errors import SourceErrors
    from n9e_k8s.verify import VERIFY_PARTS

    repo = resolve_source(None).root
    for sub in ("promql", "dashboards", "alerts"):
        shutil.copytree(repo / sub, tmp_path / sub)
    file = tmp_path / "promql" / "expected-empty.yaml"
    file.write_text(file.read_text() + "  KubeNoSuchAlert: typo\n")
    with pytest.raises(SourceErrors, match="KubeNoSuchAlert"):
        load_project(resolve_source(str(tmp_path)), VERIFY_PARTS)


def test_variables_resolve_as_n9e_v9_opens_them(tree):
    """A custom list opens at its defaultValue (n9e sorts the options); a single-select variable
    without values is the empty value, a multi-select one "All"."""
    from n9e_k8s.selectors import load_selectors
    from n9e_k8s.verify import resolve_variables

    board = {
        "ident": "b",
        "configs": {
            "var": [
                {"name": "quantile", "type": "custom", "definition": "0.5,0.9,0.99", "defaultValue": "0.99"},
                {"name": "cluster", "type": "query", "definition": "label_values(up, cluster)",
                 "multi": False, "allOption": False},
                {"name": "instance", "type": "query", "definition": "label_values(up, instance)",
                 "multi": True, "allOption": True, "allValue": ".*"},
            ]
        },
    }  # fmt: skip
    values, _ = resolve_variables(board, lambda label, match: [], load_selectors(tree.promql))
    assert values == {"quantile": "0.99", "cluster": "", "instance": ".*"}
