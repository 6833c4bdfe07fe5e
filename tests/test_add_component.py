"""Adding a component needs data only: a copy of the built-in source (`n9e-k8s init`) gets a made-up
component (examplecomp: no code or built-in source knows it) from a config.yaml entry, a catalog, registry
entries, a board and an alert file that uses the standard templates, and `n9e-k8s build` renders its board,
alerts, recording rules, scrape job and headless Service. No Python changes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from n9e_k8s.cli import _register_all, app
from typer.testing import CliRunner

EXAMPLE_CONFIG = """\
  examplecomp:
    job: examplecomp
    namespace: kube-system
    container: examplecomp
    target:
      namespace: kube-system
      service: examplecomp
      port_name: metrics
      port: 2381
      scheme: http
      headless_service: true
"""

EXAMPLE_METRICS = """\
  examplecomp_has_leader:
    type: gauge
    components: [examplecomp]
    labels: []
    stability: NONE
    origin: prometheus
    help: Whether or not a leader exists. 1 is existence, 0 is not.
  examplecomp_db_total_size_bytes:
    type: gauge
    components: [examplecomp]
    labels: []
    stability: NONE
    origin: prometheus
    help: Total size of the underlying database physically allocated in bytes.
"""

EXAMPLE_CATALOG = """\
component: examplecomp
entries:
  - id: examplecomp.has_leader
    group: key
    title: {en: Members with a leader, zh: 有 leader 的成员数}
    description: {en: Members that see a leader., zh: 能看到 leader 的成员数。}
    expr: 'sum(examplecomp_has_leader{%(sel)s})'
    unit: none
    legend: {en: members, zh: 成员}
    instant: true
    test:
      series:
        'examplecomp_has_leader{%(job)s, instance="a"}': '1x20'
        'examplecomp_has_leader{%(job)s, instance="b"}': '1x20'
      expect:
        - value: 2
  - id: examplecomp.db_size
    group: storage
    title: {en: Database size, zh: 数据库大小}
    description: {en: Size of the backend database per member., zh: 各成员后端数据库大小。}
    expr: 'max by (instance) (examplecomp_db_total_size_bytes{%(sel)s})'
    unit: bytesIEC
    legend: '{{instance}}'
    test:
      series:
        'examplecomp_db_total_size_bytes{%(job)s, instance="a"}': '1024x20'
      expect:
        - labels: '{instance="a"}'
          value: 1024
"""

EXAMPLE_BOARD = """\
ident: k8s-examplecomp
component: examplecomp
name: {en: "Kubernetes / examplecomp (n9e-k8s)", zh: "Kubernetes / examplecomp (n9e-k8s)"}
note: {en: examplecomp members., zh: examplecomp 成员。}
tags: [kubernetes, examplecomp, n9e-k8s]
rows:
  - id: key
    title: {en: Key metrics, zh: 关键指标}
    panels:
      - query: examplecomp.has_leader
      - query: examplecomp.db_size
"""

EXAMPLE_ALERTS = """\
component: examplecomp
template_params:
  prefix: Examplecomp
  name: {en: examplecomp member, zh: examplecomp 成员}
  article: An
  down_consequence: {en: the API server cannot read or write., zh: API Server 无法读写。}
  runbook_url: https://example.com/examplecomp/monitoring
  port: 2381
groups:
  - name: examplecomp.rules
    rules:
      - record: examplecomp:has_leader:min
        expr: min by (%(cluster)s) (examplecomp_has_leader{%(job)s})
  - name: kubernetes-system-examplecomp
    rules:
      - template: down
      - template: instance-unreachable
      - alert: ExamplecompNoLeader
        expr: max by (%(cluster)s, instance) (examplecomp_has_leader{%(job)s}) == 0
        for: 1m
        severity: critical
        summary: {en: An examplecomp member has no leader., zh: examplecomp 成员没有 leader。}
        description:
          en: "Member {{ $labels.instance }} on cluster {{ $labels.%(cluster)s }} has no leader."
          zh: "集群 {{ $labels.%(cluster)s }} 的成员 {{ $labels.instance }} 没有 leader。"
        runbook_url: https://example.com/examplecomp/monitoring
        tests:
          fires:
            eval_time: 10m
            series:
              'examplecomp_has_leader{%(job)s, cluster="c1", instance="10.0.0.1:2381"}': '0x20'
            expect:
              - {labels: {cluster: c1, instance: "10.0.0.1:2381"}}
          silent:
            eval_time: 10m
            series:
              'examplecomp_has_leader{%(job)s, cluster="c1", instance="10.0.0.1:2381"}': '1x20'
"""


def _cli(*args: str) -> str:
    result = CliRunner().invoke(app, list(args), env={"N9E_K8S_SOURCE": ""})
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


def _append_to(file: Path, after: str, text: str) -> None:
    content = file.read_text()
    assert after in content
    file.write_text(content.replace(after, after + text, 1))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    _register_all()
    src = tmp_path_factory.mktemp("src")
    _cli("init", str(src / "tree"))
    tree = src / "tree"
    config = tree / "promql" / "config.yaml"
    content = config.read_text()
    # The new component goes last in `components:` (before the next top-level key).
    end = content.index("\n# Alerts to leave out")
    config.write_text(content[:end].rstrip("\n") + "\n" + EXAMPLE_CONFIG + content[end:])
    _append_to(tree / "promql" / "metrics.yaml", "metrics:\n", EXAMPLE_METRICS)
    (tree / "promql" / "examplecomp.yaml").write_text(EXAMPLE_CATALOG)
    (tree / "dashboards" / "examplecomp.yaml").write_text(EXAMPLE_BOARD)
    (tree / "alerts" / "examplecomp.yaml").write_text(EXAMPLE_ALERTS)
    out = src / "out"
    _cli("build", "--source", str(tree), "--out", str(out))
    _cli("validate", "--source", str(tree))
    return {str(p.relative_to(out)): p.read_text() for p in out.rglob("*") if p.is_file()}


def test_the_new_component_gets_its_board(built: dict[str, str]) -> None:
    board = json.loads(built["dashboards/k8s-examplecomp.json"])
    text = json.dumps(board)
    assert (
        'examplecomp_has_leader{job=\\"examplecomp\\"' in text and "examplecomp_db_total_size_bytes" in text
    )


def test_the_new_component_gets_the_standard_and_its_own_alerts(built: dict[str, str]) -> None:
    n9e = {r["name"]: r for r in json.loads(built["alerts/examplecomp.json"])}
    assert set(n9e) == {"ExamplecompDown", "ExamplecompInstanceUnreachable", "ExamplecompNoLeader"}
    rules = yaml.safe_load(built["prometheus/examplecomp.rules.yaml"])
    alerts = {r["alert"]: r for g in rules["groups"] for r in g["rules"] if "alert" in r}
    assert alerts["ExamplecompInstanceUnreachable"]["expr"] == 'up{job="examplecomp"} == 0'
    assert (
        'up{job="examplecomp"}' in alerts["ExamplecompDown"]["expr"]
        and "group by (cluster) (up)\n" not in alerts["ExamplecompDown"]["expr"]
    )
    assert alerts["ExamplecompDown"]["annotations"]["summary"] == "No examplecomp member instance is up."
    assert (
        alerts["ExamplecompInstanceUnreachable"]["annotations"]["summary"]
        == "An examplecomp member instance cannot be scraped."
    )


def test_the_new_component_gets_its_recording_rules(built: dict[str, str]) -> None:
    records = json.loads(built["recording-rules/examplecomp.json"])
    assert [r["name"] for r in records] == ["examplecomp:has_leader:min"]
    operator = yaml.safe_load(built["prometheus/prometheusrule.yaml"])
    recorded = {r.get("record") for g in operator["spec"]["groups"] for r in g["rules"]}
    assert "examplecomp:has_leader:min" in recorded


def test_the_new_component_gets_a_scrape_job_and_a_headless_service(built: dict[str, str]) -> None:
    config_map = yaml.safe_load(built["manifests/20-configmap.yaml"])
    jobs = {j["job_name"]: j for j in yaml.safe_load(config_map["data"]["prometheus.yml"])["scrape_configs"]}
    job = jobs["examplecomp"]
    assert job["relabel_configs"][0]["regex"] == "kube-system;examplecomp;metrics"
    assert job["scheme"] == "http" and "tls_config" not in job and "authorization" not in job
    # numbered after the built-in components' Services (config order)
    (name,) = [k for k in built if k.startswith("manifests/") and k.endswith("-service-examplecomp.yaml")]
    numbers = sorted(int(Path(k).name[:2]) for k in built if k.startswith("manifests/4"))
    assert int(Path(name).name[:2]) == numbers[-1]
    service = yaml.safe_load(built[name])
    assert service["spec"]["clusterIP"] == "None" and service["spec"]["ports"][0]["port"] == 2381
    assert service["spec"]["selector"] == {"component": "examplecomp"}
