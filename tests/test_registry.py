"""The metric registry (promql/metrics.yaml) and the life-cycle computation in registry.py."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from n9e_k8s.catalog import load_catalog
from n9e_k8s.errors import SourceError, SourceErrors
from n9e_k8s.lint.promql import selector_name, walk
from n9e_k8s.lint.variables import substitute
from n9e_k8s.registry import load_registry
from n9e_k8s.selectors import load_selectors
from n9e_k8s.source import SourceTree

from .k8s_facts import load_facts

REPO = Path(__file__).resolve().parents[1]
CONTROL_PLANE_PREFIXES = (
    "apiserver_", "scheduler_", "aggregator_", "node_collector_", "cronjob_controller_", "job_controller_",
    "statefulset_controller_",
)  # fmt: skip


@pytest.fixture(scope="module")
def registry():
    return load_registry(REPO / "promql", "cluster")


def stable_list(shared_dir: Path) -> list[dict]:
    return yaml.safe_load((shared_dir / "reference/kubernetes-metrics/stable-metrics-list.yaml").read_text())


def full_name(entry: dict) -> str:
    return "_".join(p for p in (entry.get("namespace"), entry.get("subsystem"), entry["name"]) if p)


def test_every_control_plane_metric_of_the_stable_list_is_registered(registry, shared_dir):
    facts = load_facts()
    checked = 0
    for entry in stable_list(shared_dir):
        name = full_name(entry)
        if not name.startswith(CONTROL_PLANE_PREFIXES):
            continue
        checked += 1
        info = registry.get(name)
        assert info is not None, f"{name} missing from promql/metrics.yaml"
        want = {"Custom": "gauge"}.get(entry["type"], entry["type"].lower())
        assert info.type == want, name
        if info.stability != entry["stabilityLevel"]:
            # The list (0004b14) is a master snapshot after 1.36: the registry follows the 1.36 sources.
            assert facts[name][(1, 36)]["stability"] == info.stability, name
        assert set(entry.get("labels") or []) == set(info.labels), name
    assert checked >= 45


@pytest.mark.parametrize(
    ("name", "mtype"),
    [
        ("apiserver_request_total", "counter"),
        ("apiserver_request_duration_seconds", "histogram"),
        ("apiserver_request_sli_duration_seconds", "histogram"),
        ("apiserver_dropped_requests_total", "counter"),
        ("etcd_object_counts", "gauge"),
        ("workqueue_depth", "gauge"),
        ("workqueue_adds_total", "counter"),
        ("workqueue_queue_duration_seconds", "histogram"),
        ("rest_client_request_duration_seconds", "histogram"),
        ("leader_election_master_status", "gauge"),
        ("scheduler_e2e_scheduling_duration_seconds", "histogram"),
        ("scheduler_binding_duration_seconds", "histogram"),
        ("scheduler_pod_scheduling_duration_seconds", "histogram"),
        ("apiserver_request_slo_duration_seconds", "histogram"),
        ("apiserver_admission_webhook_rejection_count", "counter"),
        ("apiserver_client_certificate_expiration_seconds", "histogram"),
        ("aggregator_unavailable_apiservice", "gauge"),
        ("etcd_request_duration_seconds", "histogram"),
        ("process_cpu_seconds_total", "counter"),
        ("go_goroutines", "gauge"),
        ("kubernetes_build_info", "gauge"),
        ("up", "gauge"),
    ],
)
def test_metric_types(registry, name, mtype):
    assert registry.get(name).type == mtype


@pytest.mark.parametrize(
    ("name", "version", "status"),
    [
        ("apiserver_dropped_requests_total", "1.28", "removed"),
        ("etcd_object_counts", "1.28", "removed"),
        ("scheduler_e2e_scheduling_duration_seconds", "1.28", "removed"),
        ("apiserver_request_slo_duration_seconds", "1.28", "hidden"),
        ("apiserver_request_slo_duration_seconds", "1.36", "hidden"),
        ("apiserver_storage_objects", "1.33", "ok"),
        ("apiserver_storage_objects", "1.34", "deprecated"),
        ("apiserver_storage_objects", "1.35", "deprecated"),
        ("apiserver_storage_objects", "1.36", "deprecated"),
        ("scheduler_pod_scheduling_duration_seconds", "1.29", "deprecated"),
        ("scheduler_pod_scheduling_duration_seconds", "1.30", "hidden"),
        ("scheduler_pod_scheduling_duration_seconds", "1.33", "removed"),
        ("apiserver_request_total", "1.36", "ok"),
    ],
)
def test_status_per_version(registry, name, version, status):
    assert registry.get(name).status(version) == status


def test_hiding_rule_changes_in_1_35(registry):
    storage = registry.get("apiserver_storage_objects")  # STABLE, deprecated 1.34
    assert storage.hidden_from((1, 36)) == (1, 37)  # new rule: +3 for STABLE
    assert storage.hidden_from((1, 34)) == (1, 35)  # old rule: +1
    slo = registry.get("apiserver_request_slo_duration_seconds")  # ALPHA, deprecated 1.27
    assert slo.hidden_from((1, 36)) == (1, 27)


def test_lookup_resolves_histogram_series(registry):
    info, suffix = registry.lookup("apiserver_request_duration_seconds_bucket")
    assert (info.name, suffix) == ("apiserver_request_duration_seconds", "_bucket")
    assert "le" in info.allowed_labels("_bucket")
    assert "le" not in info.allowed_labels("_count")
    assert registry.lookup("apiserver_request_total_bucket") is None  # a counter has no buckets
    assert registry.lookup("go_gc_duration_seconds")[0].type == "summary"
    assert "quantile" in registry.get("go_gc_duration_seconds").allowed_labels("")


def test_label_changes_by_version(registry):
    etcd = registry.get("etcd_request_duration_seconds")
    assert etcd.labels_at("1.33") == {"operation", "type"}
    assert etcd.labels_at("1.34") == {"operation", "group", "resource"}
    rest = registry.get("rest_client_request_duration_seconds")
    assert "url" not in rest.allowed_labels("_bucket", "1.28")


def test_stability_changes_by_version(registry):
    wq = registry.get("workqueue_depth")
    assert (wq.stability_at("1.35"), wq.stability_at("1.36"), wq.stability) == ("ALPHA", "BETA", "BETA")
    assert registry.get("kubernetes_healthcheck").stability_at("1.28") == "BETA"


def test_hiding_window_uses_the_stability_of_that_version():
    from n9e_k8s.registry import MetricInfo, StabilityChange

    info = MetricInfo(
        "m_total", "counter", frozenset(), "STABLE", deprecated=(1, 35),
        stability_changes=(StabilityChange((1, 36), "ALPHA"),),
    )  # fmt: skip
    assert info.status("1.35") == "hidden"  # ALPHA in 1.35: hidden at once
    assert info.status("1.36") == "deprecated"  # STABLE in 1.36: hidden from 1.35 + 3


@pytest.mark.parametrize(
    ("entry", "message", "path"),
    [
        ("    origin: cadvisr\n", "'cadvisr' is not one of", "metrics.m.origin"),
        ("    stability_changes:\n    - version: '1.30'\n      before: GA\n", "'GA' is not one of", "metrics.m.stability_changes[0].before"),
        ("    stability_changes:\n    - before: ALPHA\n", "'version' is a required property", "metrics.m.stability_changes[0]"),
    ],
)  # fmt: skip
def test_bad_origin_or_stability_change_is_reported(tmp_path, entry, message, path):
    (tmp_path / "metrics.yaml").write_text("metrics:\n  m:\n    type: gauge\n    stability: BETA\n" + entry)
    with pytest.raises(SourceErrors) as exc:
        load_registry(tmp_path, cluster_label="cluster")
    err = exc.value.errors[0]
    assert message in err.message and err.path == path and err.line


def test_always_allowed_labels_include_the_cluster_label(registry):
    allowed = registry.get("up").allowed_labels("")
    assert {"job", "instance", "__name__", "cluster"} <= allowed


def test_bad_registry_reports_file_and_line(tmp_path):
    (tmp_path / "metrics.yaml").write_text(
        "metrics:\n  a_total:\n    type: counter\n    stability: STABLE\n  b:\n    type: gaug\n    stability: STABLE\n"
    )
    with pytest.raises(SourceErrors) as exc:
        load_registry(tmp_path, cluster_label="cluster")
    err = exc.value.errors[0]
    assert err.line == 6 and err.path == "metrics.b.type" and "'gaug' is not one of" in err.message


@pytest.mark.parametrize(
    ("entry", "message", "path", "line"),
    [
        ("  bad-name:\n    type: gauge\n    stability: BETA\n", "not a valid metric name", "metrics.bad-name", 5),
        ("  b:\n    type: gauge\n    stability: BETA\n    lables: [x]\n",
         "unknown key 'lables' (did you mean 'labels'?)", "metrics.b.lables", 8),
        ("  b:\n    type: gauge\n    stability: BETA\n    labels: x\n", "must be of type array or null", "metrics.b.labels", 8),
        ("  b:\n    type: gauge\n    stability: BETA\n    labels: [x]\n    label_values: {x: []}\n",
         "should be non-empty", "metrics.b.label_values.x", 9),
        ("  b:\n    type: gauge\n    stability: BETA\n    label_changes:\n    - version: '1.30'\n      addded: [x]\n",
         "unknown key 'addded'", "metrics.b.label_changes[0].addded", 10),
        ("  b:\n    stability: BETA\n", "'type' is a required property", "metrics.b", 5),
    ],
)  # fmt: skip
def test_registry_structure_errors_name_line_and_path(tmp_path, entry, message, path, line):
    """The registry schema (schemas/metric-registry.schema.json): every error names line and JSON path."""
    (tmp_path / "metrics.yaml").write_text(
        "metrics:\n  a_total:\n    type: counter\n    stability: STABLE\n" + entry
    )
    with pytest.raises(SourceErrors) as exc:
        load_registry(tmp_path, cluster_label="cluster")
    (err,) = exc.value.errors
    assert message in err.message and (err.path, err.line) == (path, line), str(err)


def test_registry_semantic_checks_stay_after_the_schema(tmp_path):
    (tmp_path / "metrics.yaml").write_text(
        "metrics:\n  m:\n    type: gauge\n    stability: BETA\n    labels: [a]\n    label_values: {b: [x]}\n"
    )
    with pytest.raises(
        SourceErrors, match=r"metrics.m.label_values: label_values names 'b', which is not in labels"
    ):
        load_registry(tmp_path, cluster_label="cluster")


def test_missing_registry_is_a_source_error(tmp_path):
    with pytest.raises(SourceError):
        load_registry(tmp_path, cluster_label="cluster")


def test_every_metric_the_catalog_uses_is_registered(registry):
    """Fails when a catalog entry (promql/<component>.yaml) uses a metric missing from the registry."""
    tree = SourceTree(REPO)
    selectors = load_selectors(tree.promql)
    catalog = load_catalog(tree, selectors)
    assert catalog.entries, "the catalog is empty"
    import promql_parser as pp

    missing: dict[str, list[str]] = {}
    kinds = {n: v.kind for n, v in selectors.variables.items()}
    for entry in catalog.entries:
        text = substitute(entry.render(selectors, "dashboard"), kinds).text
        for node, _ in walk(pp.parse(text)):
            if isinstance(node, pp.VectorSelector):
                name = selector_name(node)
                if name and registry.lookup(name) is None:
                    missing.setdefault(name, []).append(entry.id)
    assert not missing, f"metrics used by the catalog but not in promql/metrics.yaml: {missing}"


def test_one_kubernetes_minor_parser_for_the_registry_lint_and_manifests():
    from n9e_k8s.k8s_validate import normalize_version
    from n9e_k8s.registry import parse_k8s_minor

    assert [parse_k8s_minor(v) for v in ("1.36", "v1.36", "1.36.2")] == [(1, 36)] * 3
    for bad in ("1", "1.x", "latest", "1.36.2.1"):
        with pytest.raises(ValueError, match="not a Kubernetes version"):
            parse_k8s_minor(bad)
    pytest.importorskip("kubernetes_validate")
    assert normalize_version("v1.34.2") == normalize_version("1.34") == "1.34"
