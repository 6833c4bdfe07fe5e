"""Alert and recording rules: source loading and checks, n9e/Prometheus rendering, n9e rule
schemas (reference exports validate, malformed ones do not), template rendering for promtool."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from n9e_k8s.alerts.model import Record
from n9e_k8s.alerts.render import RenderOptions, n9e_alert_rules, render_outputs
from n9e_k8s.errors import SourceErrors, UsageError
from n9e_k8s.n9e.formats.rules import (
    is_alert_rule,
    is_recording_rule,
    validate_alert_rule,
    validate_recording_rule,
)
from n9e_k8s.project import load_project
from n9e_k8s.source import resolve_source
from n9e_k8s.validate import validate_files

from .promtool_tests import humanize, humanize_duration, render_template

MIXIN_CONTENT = {
    "KubeAPIDown", "KubeAPIInstanceUnreachable", "KubeAPIErrorBudgetBurn", "KubeAPITerminatedRequests",
    "KubeClientCertificateExpiration", "KubeAggregatedAPIErrors", "KubeAggregatedAPIDown",
    "KubeControllerManagerDown", "KubeControllerManagerInstanceUnreachable", "KubeSchedulerDown",
    "KubeSchedulerInstanceUnreachable",
}  # fmt: skip


@pytest.fixture(scope="module")
def rules(repo_root: Path):
    return load_project(resolve_source(repo_root)).rules


@pytest.fixture
def tree(rules_tree: Path) -> Path:
    """A writable copy of the source tree."""
    return rules_tree


def test_content_covers_the_issue(rules) -> None:
    names = {a.name for a in rules.alerts}
    assert names >= MIXIN_CONTENT
    assert {
        "KubeAPIErrorsHigh", "KubeAPILatencyHigh", "KubeAPIRejectedRequests", "KubeAPIInflightSaturation",
        "KubeControllerManagerWorkqueueDepthHigh", "KubeControllerManagerWorkqueueStuck",
        "KubeControllerManagerClientErrors", "KubeControllerManagerNoLeader", "KubeSchedulerPendingPodsStuck",
        "KubeSchedulerSchedulingErrors", "KubeSchedulerAttemptLatencyHigh",
    } <= names  # fmt: skip
    burn = [a for a in rules.alerts if a.name == "KubeAPIErrorBudgetBurn"]
    assert [(a.labels["long"], a.labels["short"], a.severity, a.for_) for a in burn] == [
        ("1h", "5m", "critical", "2m"),
        ("6h", "30m", "critical", "15m"),
        ("1d", "2h", "warning", "1h"),
        ("3d", "6h", "warning", "3h"),
    ]
    assert "14.4 * 0.01" in burn[0].expr
    windows = {r.record for r in rules.records if r.record.startswith("apiserver_request:burnrate")}
    assert windows == {f"apiserver_request:burnrate{w}" for w in ("5m", "30m", "1h", "2h", "6h", "1d", "3d")}


def test_every_alert_has_severity_component_and_both_languages(rules) -> None:
    for a in rules.alerts:
        assert a.labels["severity"] in ("critical", "warning", "info")
        assert a.labels["component"] == a.component
        assert a.summary.en and a.summary.zh and a.description.en and a.description.zh
        assert a.runbook_url.startswith("https://")
        assert "%(" not in a.expr and "$" not in a.expr.replace("$labels", "")


def test_selectors_come_from_config(tree: Path) -> None:
    config = tree / "promql" / "config.yaml"
    config.write_text(config.read_text().replace("job: apiserver", "job: kube-apiserver"))
    rules = load_project(resolve_source(tree)).rules
    down = next(a for a in rules.alerts if a.name == "KubeAPIDown")
    assert 'last_over_time(up{job="kube-apiserver"}[1d])' in down.expr
    assert 'max by (cluster) (up{job="kube-apiserver"}) == 1' in down.expr
    assert rules.records and all('job="apiserver"' not in r.expr for r in rules.records)
    assert any('job="kube-apiserver"' in r.expr for r in rules.records)


def test_slo_target_drives_the_burn_thresholds(tree: Path) -> None:
    src = tree / "alerts" / "apiserver.yaml"
    src.write_text(src.read_text().replace("target: 0.99", "target: 0.995"))
    burn = next(
        a for a in load_project(resolve_source(tree)).rules.alerts if a.name == "KubeAPIErrorBudgetBurn"
    )
    assert "(14.4 * 0.005)" in burn.expr


def _source_error(tree: Path, text: str) -> str:
    (tree / "alerts" / "extra.yaml").write_text(text)
    with pytest.raises(SourceErrors) as exc:
        load_project(resolve_source(tree), ("rules",))
    return str(exc.value)


ALERT = """\
component: scheduler
groups:
  - name: extra
    rules:
      - alert: Extra
        expr: {expr}
        for: 5m
        severity: warning
        summary: {{en: s, zh: s}}
        description: {{en: d, zh: d}}
        runbook_url: https://example.org/x
        tests:
          fires: {{eval_time: 10m, series: {{'up{{%(job)s}}': '0x20'}}, expect: [{{labels: {{}}}}]}}
          {silent}
"""


def test_source_errors_name_file_line_and_path(tree: Path) -> None:
    message = _source_error(
        tree, ALERT.format(expr="up{%(jobb)s} == 0", silent="silent: {eval_time: 10m, series: {a: '1'}}")
    )
    assert "alerts/extra.yaml:" in message and "groups[0].rules[0](Extra).expr" in message
    assert "unknown placeholder %(jobb)s" in message
    message = _source_error(tree, ALERT.format(expr="up == 0", silent=""))
    assert "alerts/extra.yaml:" in message and "'silent' is a required property" in message


def test_unsupported_template_is_rejected(tree: Path) -> None:
    text = ALERT.format(expr="up == 0", silent="silent: {eval_time: 10m, series: {a: '1'}}")
    message = _source_error(
        tree, text.replace("description: {en: d, zh: d}", "description: {en: '{{ .Labels.x }}', zh: d}")
    )
    assert "not supported" in message


def test_query_refers_to_a_catalog_entry(tree: Path, repo_root: Path) -> None:
    from n9e_k8s.catalog import load_catalog
    from n9e_k8s.selectors import load_selectors

    source = resolve_source(tree)
    entry = load_catalog(source, load_selectors(source.promql)).for_component("scheduler")[0]
    text = ALERT.format(expr="x", silent="silent: {eval_time: 10m, series: {a: '1'}}")
    text = text.replace("expr: x", f"query: {entry.id}\n        op: '>'\n        threshold: 7")
    (tree / "alerts" / "extra.yaml").write_text(text)
    extra = next(a for a in load_project(source).rules.alerts if a.name == "Extra")
    rendered = entry.render(load_selectors(source.promql), "rule")
    assert extra.expr == f"({rendered}) > 7"
    assert "$" not in extra.expr


def test_unknown_query_id_names_file_line_and_a_close_match(tree: Path) -> None:
    text = ALERT.format(expr="x", silent="silent: {eval_time: 10m, series: {a: '1'}}")
    text = text.replace("expr: x", "query: scheduler.pending_pod\n        op: '>'\n        threshold: 7")
    message = _source_error(tree, text)
    assert "alerts/extra.yaml:6:" in message and "groups[0].rules[0](Extra).query" in message
    assert "unknown catalog id 'scheduler.pending_pod' (did you mean 'scheduler.pending_pods'?)" in message


def test_n9e_alert_rule_shape(rules) -> None:
    out = n9e_alert_rules(rules, "apiserver", RenderOptions(datasource_id=3, notify_rule_ids=(7,)))
    names = [r["name"] for r in out]
    assert len(names) == len(set(names))
    for r in out:
        assert r["prom_ql"] == ""
        assert r["rule_config"]["version"] == "v1" and len(r["rule_config"]["queries"]) == 1
        q = r["rule_config"]["queries"][0]
        assert (
            q["severity"] in (1, 2, 3)
            and q["prom_ql"]
            and q["recover_config"] == {"judge_type": 0, "recover_exp": ""}
        )
        assert r["datasource_queries"] == [{"match_type": 0, "op": "in", "values": [3]}]
        assert r["datasource_ids"] == [3]
        assert r["cron_pattern"] == f"@every {r['prom_eval_interval']}s"
        assert r["enable_stimes"] == ["00:00"] and r["enable_etimes"] == ["23:59"]
        assert r["enable_days_of_weeks"] == [["0", "1", "2", "3", "4", "5", "6"]]
        assert r["notify_version"] == 1 and r["notify_rule_ids"] == [7] and r["notify_channels"] == []
        tags = dict(t.split("=", 1) for t in r["append_tags"])
        assert tags["component"] == "apiserver" and tags["severity"] in ("critical", "warning", "info")
        assert {1: "critical", 2: "warning", 3: "info"}[q["severity"]] == tags["severity"]
        assert set(r["annotations"]) == {"summary", "description", "runbook_url"}
        assert r["note"] == r["annotations"]["summary"]
        assert validate_alert_rule(r, "out", "") == []
    burn = {r["name"]: r for r in out if r["name"].startswith("KubeAPIErrorBudgetBurn")}
    assert set(burn) == {f"KubeAPIErrorBudgetBurn-{x}" for x in ("1h-5m", "6h-30m", "1d-2h", "3d-6h")}
    assert burn["KubeAPIErrorBudgetBurn-1h-5m"]["prom_for_duration"] == 120


def test_n9e_v7_uses_channels_and_groups(rules) -> None:
    options = RenderOptions(n9e_version="v7", notify_channels=("email",), notify_groups=("4",), lang="zh")
    r = n9e_alert_rules(rules, "scheduler", options)[0]
    assert r["notify_version"] == 0 and r["notify_channels"] == ["email"] and r["notify_groups"] == ["4"]
    assert r["notify_rule_ids"] == []
    assert r["datasource_queries"] == [{"match_type": 2, "op": "in", "values": [0]}] and r[
        "datasource_ids"
    ] == [0]
    # the note is the summary in the asked language: Chinese, not the English text
    english = n9e_alert_rules(rules, "scheduler", replace(options, lang="en"))[0]["note"]
    assert re.search(r"[\u4e00-\u9fff]", r["note"]) and r["note"] != english, r["note"]
    with pytest.raises(UsageError):
        RenderOptions(n9e_version="v6").check()


def test_outputs_are_complete_and_deterministic(rules) -> None:
    a = render_outputs(rules, RenderOptions())
    b = render_outputs(rules, RenderOptions())
    assert a == b
    # per component of promql/config.yaml: n9e alert rules and a Prometheus rule file; n9e recording rules
    # for those that record
    components = rules.selectors.components
    assert sorted(rules.components) == sorted(components)
    recording = [
        c for c in components if any(isinstance(r, Record) for g in rules.groups_of(c) for r in g.rules)
    ]
    assert set(a) == {
        *(f"alerts/{c}.json" for c in components),
        *(f"prometheus/{c}.rules.yaml" for c in components),
        *(f"recording-rules/{c}.json" for c in recording),
        "prometheus/prometheusrule.yaml",
    }
    assert "recording-rules/apiserver.json" in a
    records = json.loads(a["recording-rules/apiserver.json"])
    for r in records:
        assert r["cluster"] == "0" and r["cron_pattern"] == f"@every {r['prom_eval_interval']}s"
        assert validate_recording_rule(r, "out", "") == []
    assert {r["prom_eval_interval"] for r in records} == {60, 180}
    resource = yaml.safe_load(a["prometheus/prometheusrule.yaml"])
    assert resource["apiVersion"] == "monitoring.coreos.com/v1" and resource["kind"] == "PrometheusRule"
    groups = [g["name"] for g in resource["spec"]["groups"]]
    per_file = [
        g["name"] for c in rules.components for g in yaml.safe_load(a[f"prometheus/{c}.rules.yaml"])["groups"]
    ]
    assert groups == per_file
    for g in resource["spec"]["groups"]:
        for r in g["rules"]:
            if "alert" in r:
                assert {"severity", "component"} <= set(r["labels"])


def test_reference_exports_validate(shared_dir: Path) -> None:
    base = shared_dir / "reference" / "n9e-integrations" / "Kubernetes"
    files = sorted((base / "alerts").glob("*.json")) + sorted((base / "record-rules").glob("*.json"))
    assert len(files) == 11
    for f in files:
        for i, obj in enumerate(json.loads(f.read_text())):
            assert is_alert_rule(obj) or is_recording_rule(obj), f"{f.name}[{i}]"
    problems = validate_files([base / "alerts", base / "record-rules"])
    assert [p for p in problems if p.severity == "error"] == []


BAD = [
    ({"prom_ql": "up", "severity": 2, "rule_config": None}, "[0]", "'name' is a required property"),
    ({"name": "x", "prom_ql": "", "severity": 2, "rule_config": None}, "[0].prom_ql", "non-empty"),
    ({"name": "x", "prom_ql": "", "rule_config": "q"}, "[0].rule_config", "null or object"),
    ({"name": "x", "rule_config": {"queries": [{"prom_ql": "up", "severity": 2}]}, "append_tags": ["team"]}, "[0].append_tags[0]", "does not match"),
    ({"name": "x", "rule_config": {"queries": [{"prom_ql": "up", "severity": 9}]}}, "[0].rule_config.queries[0].severity", "is not one of"),
    ({"name": "x", "prom_ql": "up", "severity": 7, "rule_config": None}, "[0].severity", "is not one of"),
    ({"name": "x", "rule_config": {"queries": [{"prom_ql": "up", "severity": 2}]}, "cron_pattern": "every 30s"}, "[0].cron_pattern", "does not match"),
    ({"name": "a<b", "rule_config": {"queries": [{"prom_ql": "up", "severity": 2}]}}, "[0].name", "must not match"),
]  # fmt: skip


@pytest.mark.parametrize(("rule", "path", "message"), BAD)
def test_malformed_alert_rules_are_rejected(tmp_path: Path, rule: dict, path: str, message: str) -> None:
    f = tmp_path / "rules.json"
    f.write_text(json.dumps([rule]))
    errors = [p for p in validate_files([f]) if p.severity == "error"]
    assert errors, rule
    assert any(p.path == path and message in p.message and p.file == str(f) for p in errors), [
        str(p) for p in errors
    ]


def test_malformed_recording_rule_is_rejected(tmp_path: Path) -> None:
    f = tmp_path / "records.json"
    f.write_text(json.dumps([{"name": "bad name", "prom_ql": "up", "append_tags": ["a-b=1"]}]))
    paths = {p.path for p in validate_files([f]) if p.severity == "error"}
    assert paths == {"[0].name", "[0].append_tags[0]"}


def test_template_functions_match_prometheus() -> None:
    # Values from Prometheus' template tests (template/template_test.go).
    assert humanize(127087) == "127.1k"
    assert humanize(0.0123) == "12.3m"
    assert humanize_duration(0.2) == "200ms"
    assert humanize_duration(42000) == "11h 40m 0s"
    assert humanize_duration(16790555) == "194d 8h 2m 35s"
    text = "{{ $labels.instance }} at {{ $value | humanizePercentage }} ({{ $value }})"
    assert render_template(text, {"instance": "a"}, 0.015) == "a at 1.5% (0.015)"
    assert render_template("{{ $value }}", {}, 250.0) == "250"


def _metric_names(expr: str) -> set[str]:
    import promql_parser as pp
    from n9e_k8s.lint.promql import selector_name, walk

    return {n for node, _ in walk(pp.parse(expr)) if isinstance(node, pp.VectorSelector | pp.MatrixSelector)
            for n in [selector_name(node.vector_selector if isinstance(node, pp.MatrixSelector) else node)] if n}  # fmt: skip


def test_alerts_read_only_what_the_manifests_collect(rules, repo_root: Path) -> None:
    """Issue 11 defect 13: the manifests scrape the components only (the kubelet's /metrics), never cAdvisor or
    kube-state-metrics; an alert on their series could never fire."""
    from n9e_k8s.registry import load_registry

    registry = load_registry(repo_root / "promql", "cluster")
    recorded = {r.record for r in rules.records}
    for rule in [*rules.alerts, *rules.records]:
        for name in _metric_names(rule.expr) - recorded:
            found = registry.lookup(name)
            assert found, f"{name} (in {getattr(rule, 'name', None) or rule.record}) is not in the registry"
            assert not {"cadvisor", "kube-state-metrics"} & set(found[0].components), name


def test_long_burn_windows_come_from_the_hourly_recordings(rules) -> None:
    """Issue 11 defect 11: the 1d and 3d burn rates must not re-read days of raw series."""
    recorded = {r.record for r in rules.records}
    long = [
        r
        for r in rules.records
        if r.record in ("apiserver_request:burnrate1d", "apiserver_request:burnrate3d")
    ]
    assert len(long) == 2
    for r in long:
        names = _metric_names(r.expr)
        assert names and names <= recorded, (r.record, names - recorded)


def test_only_the_burn_rate_and_outages_page(rules) -> None:
    """Issue 11 defects 6 and 12: latency and 5xx share are warnings, the burn rate pages for them."""
    critical = {a.name for a in rules.alerts if a.labels["severity"] == "critical"}
    assert critical == {
        "KubeAPIErrorBudgetBurn", "KubeAPIDown", "KubeClientCertificateExpiration",
        "KubeControllerManagerDown", "KubeControllerManagerNoLeader", "KubeSchedulerDown", "KubeSchedulerNoLeader",
        # etcd outages: no member, no quorum, no leader, or a full database (NOSPACE: read-only)
        "EtcdDown", "EtcdInsufficientMembers", "EtcdNoLeader", "EtcdDatabaseQuotaLowSpace",
        # no CoreDNS answers: no pod resolves a name
        "CoreDNSDown",
        # no kube-proxy up: Service changes reach no node
        "KubeProxyDown",
        # kubelet outages: every kubelet gone, a certificate that expires within a day (the node turns
        # NotReady), a volume (or its inodes) almost full (writes fail); as in kubernetes-mixin
        "KubeletDown", "KubeletClientCertificateExpiration", "KubeletServerCertificateExpiration",
        "KubePersistentVolumeFillingUp", "KubePersistentVolumeInodesFillingUp",
    }  # fmt: skip
