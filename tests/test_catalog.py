"""The PromQL catalog: structure, selectors, and every query evaluated by promtool on made-up series."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml
from n9e_k8s.errors import SourceErrors
from n9e_k8s.project import load_project
from n9e_k8s.selectors import load_selectors
from n9e_k8s.source import init_tree, resolve_source

from .promtool_tests import recording_rule_file, rule_file, unit_test_file
from .promtool_util import promtool, unit_test_failures

ARTICLE_QUERIES = {
    # what the issue asks the catalog to cover, by catalog id. The article's success rates are now
    # availability (issue 11: 404/409 are not failures); its CPU/memory ratios to the container limit
    # are gone (issue 11: they need cAdvisor and kube-state-metrics, which our collection never scrapes).
    "apiserver": [
        "apiserver.qps", "apiserver.read_availability", "apiserver.write_availability",
        "apiserver.inflight_read", "apiserver.inflight_write", "apiserver.throttled_qps",
        "apiserver.cpu", "apiserver.memory",
        "apiserver.objects", "apiserver.qps_by_verb", "apiserver.qps_by_verb_resource",
        "apiserver.latency_by_verb", "apiserver.latency_by_verb_resource", "apiserver.read_errors",
        "apiserver.write_errors", "apiserver.admission_controller_latency",
        "apiserver.admission_webhook_latency", "apiserver.up",
    ],
    "controller-manager": [
        "controller-manager.workqueue_add_rate", "controller-manager.workqueue_depth",
        "controller-manager.workqueue_queue_latency", "controller-manager.cpu", "controller-manager.memory",
        "controller-manager.rest_client_qps", "controller-manager.rest_client_latency",
    ],
    "scheduler": [
        "scheduler.rest_client_qps", "scheduler.rest_client_latency", "scheduler.cpu", "scheduler.memory",
        "scheduler.pending_pods", "scheduler.attempts_by_result", "scheduler.attempt_latency",
        "scheduler.incoming_pods",
    ],
}  # fmt: skip


@pytest.fixture(scope="module")
def catalog():
    return load_project(resolve_source(), ("catalog",)).catalog


def test_covers_every_query_the_article_documents(catalog):
    for component, ids in ARTICLE_QUERIES.items():
        missing = [i for i in ids if i not in catalog.by_id]
        assert not missing, f"{component}: {missing}"
        assert all(catalog.get(i).component == component for i in ids)


def test_every_entry_is_complete_in_both_languages(catalog):
    for e in catalog.entries:
        assert e.title.en and e.title.zh and e.description.en and e.description.zh, e.id
        assert e.unit, e.id
        # a query that differs from the article says why
        if e.article and e.article.split()[0] not in ("up",) and e.expr != e.article:
            assert e.fixes or "listed" in e.article, f"{e.id}: differs from the article without a fixes note"


def test_no_job_name_is_hard_coded(catalog):
    for e in catalog.entries:
        assert "job=" not in e.expr, f"{e.id}: use %(sel)s / %(job)s, not a literal job"


def test_success_rates_are_ratios(catalog):
    for e in catalog.entries:
        if "success" in e.id or "availability" in e.id or e.id.endswith("_ratio"):
            assert e.unit == "percentUnit", e.id
            assert " / " in e.render(catalog.selectors, "rule"), e.id


def test_dashboard_mode_uses_the_dashboard_filters(catalog):
    e = catalog.get("apiserver.qps")
    assert e.render(catalog.selectors) == (
        'sum(rate(apiserver_request_total{job="apiserver", cluster=~"$cluster", instance=~"$instance"}[$interval]))'
    )
    assert e.render(catalog.selectors, "rule") == 'sum(rate(apiserver_request_total{job="apiserver"}[5m]))'


def test_job_names_come_from_one_place(tmp_path: Path):
    init_tree(tmp_path)
    config = tmp_path / "promql" / "config.yaml"
    text = config.read_text().replace("job: apiserver", "job: kube-apiserver")
    config.write_text(text)
    catalog = load_project(resolve_source(tmp_path), ("catalog",)).catalog
    assert 'job="kube-apiserver"' in catalog.get("apiserver.qps").render(catalog.selectors)
    assert 'job="controller-manager"' in catalog.get("controller-manager.up").render(catalog.selectors)


def test_source_errors_name_file_and_line(tmp_path: Path):
    init_tree(tmp_path)
    f = tmp_path / "promql" / "scheduler.yaml"
    text = f.read_text()
    f.write_text(text.replace("    expr: 'sum(up{%(sel)s})'", "    expr: 'sum(up{%(nope)s})'", 1))
    with pytest.raises(SourceErrors) as exc:
        load_project(resolve_source(tmp_path), ("catalog",))
    message = str(exc.value)
    assert "scheduler.yaml:" in message and "unknown placeholder %(nope)s" in message
    line = int(message.split("scheduler.yaml:")[1].split(":")[0])
    assert "%(nope)s" in f.read_text().splitlines()[line - 1]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("    expr: 'sum(up{%(sel)s})'", "    exp: 'sum(up{%(sel)s})'",
         r"entries\[0\]\.exp: unknown key 'exp' \(did you mean 'expr'\?\) \[additionalProperties\]"),
        ("    title: {en: Instances up, zh: 存活实例数}", "    title: Instances up",
         r"entries\[0\]\.title: needs both languages: \{en: \.\.\., zh: \.\.\.\} \[type\]"),
        ("    title: {en: Instances up, zh: 存活实例数}", "    title: {en: Instances up, zh: ''}",
         r"entries\[0\]\.title\.zh: '' should be non-empty \[minLength\]"),
        ("    expr: 'sum(up{%(sel)s})'", "    expr: '  '", r"entries\[0\]\.expr: must be a non-empty string \[pattern\]"),
        ("    expr: 'sum(up{%(sel)s})'", "    expr: 'sum(up{%(sel)s})'\n    fixes: [{rule: x}]",
         r"entries\[0\]\.fixes\[0\]: 'text' is a required property"),
        ("    expr: 'sum(up{%(sel)s})'", "    expr: 'sum(up{%(sel)s})'\n    lint: {ignore: {absent: ''}}",
         r"entries\[0\]\.lint\.ignore\.absent: '' should be non-empty"),
        ("  - id: scheduler.up\n", "  - id: apiserver.up\n", r"entries\[0\]\.id: id must start with 'scheduler\.'"),
    ],
)  # fmt: skip
def test_structure_errors_name_file_line_and_path(tmp_path: Path, old: str, new: str, message: str):
    """The catalog schema (schemas/catalog-source.schema.json) and the semantic checks after it."""
    init_tree(tmp_path)
    f = tmp_path / "promql" / "scheduler.yaml"
    text = f.read_text(encoding="utf-8")
    assert old in text
    f.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(SourceErrors) as exc:
        load_project(resolve_source(tmp_path), ("catalog",))
    matching = [e for e in exc.value.errors if re.search(message, str(e))]
    assert len(matching) == 1, str(exc.value)
    err = matching[0]
    assert err.file == f and err.line
    changed = new.split("\n")[-1].strip().split(":")[0]
    assert changed in text.replace(old, new, 1).splitlines()[err.line - 1]


def test_selector_config_errors_are_clear(tmp_path: Path):
    (tmp_path / "config.yaml").write_text("cluster_label: 'bad-label'\ncomponents: {}\n")
    with pytest.raises(
        Exception, match=r"config.yaml:1: cluster_label 'bad-label' is not a valid label name"
    ):
        load_selectors(tmp_path)


def test_a_variable_title_needs_both_languages(tmp_path: Path):
    config = (resolve_source().promql / "config.yaml").read_text(encoding="utf-8")
    assert "    title: {en: Quantile, zh: 分位数}\n" in config
    (tmp_path / "config.yaml").write_text(
        config.replace("    title: {en: Quantile, zh: 分位数}\n", "    title: Quantile\n"), encoding="utf-8"
    )
    with pytest.raises(
        SourceErrors,
        match=r"config.yaml:\d+: variables.quantile.title: title must have non-empty 'en' and 'zh'",
    ):
        load_selectors(tmp_path)


def test_every_entry_has_a_promtool_case(catalog):
    missing = [e.id for e in catalog.entries if e.test is None]
    assert not missing


@pytest.mark.promtool
def test_promtool_parses_every_query(catalog, tmp_path: Path):
    rules = tmp_path / "catalog.rules.yaml"
    rules.write_text(yaml.safe_dump(rule_file(catalog), sort_keys=False))
    out = subprocess.run([promtool(), "check", "rules", str(rules)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"SUCCESS: {len(catalog.entries)} rules found" in out.stdout


@pytest.mark.promtool
def test_promtool_evaluates_every_query_to_the_expected_value(catalog, tmp_path: Path):
    tests = tmp_path / "catalog.test.yaml"
    tests.write_text(yaml.safe_dump(unit_test_file(catalog), sort_keys=False, allow_unicode=True))
    assert unit_test_failures(tests) == []


@pytest.mark.promtool
def test_promtool_case_fails_on_a_wrong_expectation(catalog, tmp_path: Path):
    """The harness itself can fail: a wrong expected value must make promtool report it."""
    doc = unit_test_file(catalog)
    case = next(t for t in doc["tests"] if t["name"] == "apiserver.read_availability")
    case["promql_expr_test"][0]["exp_samples"][0]["value"] = 0.5
    tests = tmp_path / "wrong.test.yaml"
    tests.write_text(yaml.safe_dump({"rule_files": [], "tests": [case]}, sort_keys=False))
    failures = unit_test_failures(tests)
    assert len(failures) == 1
    got = re.search(r"got: \{\} (\S+)", failures[0])
    assert "exp: {} 5E-01" in failures[0] and got and float(got.group(1)) == pytest.approx(0.97), failures[0]


@pytest.fixture(scope="module")
def project():
    return load_project(resolve_source(), ("catalog", "rules"))


@pytest.mark.promtool
def test_recorded_queries_answer_as_the_raw_ones(project, tmp_path: Path):
    """Each `recorded` query, evaluated over the recording rules' output on the entry's own test series,
    gives the entry's expected values: a panel reading the recordings shows what the raw query shows
    (at the recordings' 5-minute window)."""
    rules = tmp_path / "recorded.rules.yaml"
    rules.write_text(yaml.safe_dump(recording_rule_file(project.rules), sort_keys=False))
    doc = unit_test_file(project.catalog, str(rules))
    assert len(doc["tests"]) >= sum(1 for e in project.catalog.entries if e.recorded) >= 30
    tests = tmp_path / "recorded.test.yaml"
    tests.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
    assert unit_test_failures(tests) == []


@pytest.mark.promtool
def test_a_recorded_query_that_drops_a_label_fails(project, tmp_path: Path):
    """The check can fail: a recording that sums the code label away leaves read availability at 1."""
    rules_doc = recording_rule_file(project.rules)
    for group in rules_doc["groups"]:
        for rule in group["rules"]:
            if rule["record"] == "instance_verb_resource_code:apiserver_request_total:rate5m":
                rule["expr"] = rule["expr"].replace(", code)", ")")
    rules = tmp_path / "broken.rules.yaml"
    rules.write_text(yaml.safe_dump(rules_doc, sort_keys=False))
    doc = unit_test_file(project.catalog, str(rules))
    doc["tests"] = [t for t in doc["tests"] if t["name"] == "apiserver.read_availability (recorded)"]
    tests = tmp_path / "broken.test.yaml"
    tests.write_text(yaml.safe_dump(doc, sort_keys=False))
    failures = unit_test_failures(tests)
    assert len(failures) == 1 and "exp: {} " in failures[0], failures


def test_every_recorded_series_a_query_reads_is_recorded(project):
    """A `recorded` query reads only recording-rule outputs the source defines (or raw series), and
    every dashboard recording is read by some panel: none is evaluated for nothing."""
    from n9e_k8s.analyze import metric_names

    sel = project.config
    records = {r.record for r in project.rules.records}
    read: set[str] = set()
    for entry in project.catalog.entries:
        if entry.recorded:
            names = metric_names(entry.render_recorded(sel, "rule") or "")
            read |= names
            assert {n for n in names if ":" in n} <= records, entry.id
    dashboard = {r.record for g in project.rules.groups if g.for_dashboards for r in g.rules}
    assert dashboard and dashboard <= read, sorted(dashboard - read)
