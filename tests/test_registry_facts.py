"""promql/metrics.yaml held against the facts read from the Kubernetes sources of 1.28-1.36.

The fixture tests/fixtures/k8s-metrics-facts.json is written by lab/k8s-metrics/extract.py (see
docs/registry.md). Every registry entry of origin ``kubernetes`` must agree with it in every
supported minor: type, labels (after label_changes), stability (after stability_changes),
deprecated/hidden/removed status and the ``added`` version.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from n9e_k8s.registry import Registry, load_registry

from .k8s_facts import Version, all_mismatches, expected_status, load_facts, mismatches

REPO = Path(__file__).resolve().parents[1]
# Not from Kubernetes on the scraped /metrics although the sources define a metric of that name.
ALSO_IN_KUBERNETES = {
    "process_start_time_seconds": "component-base's copy is registered on /metrics/slis and by the kubelet",
    # The kubelet's /metrics/resource defines these (pkg/kubelet/metrics/collectors); the registry's are
    # cAdvisor's, on /metrics/cadvisor, with its own labels (id, image, name).
    "container_cpu_usage_seconds_total": "the kubelet's /metrics/resource copy (cAdvisor serves the registry's)",
    "container_memory_working_set_bytes": "the kubelet's /metrics/resource copy (cAdvisor serves the registry's)",
}


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry(REPO / "promql", "cluster")


@pytest.fixture(scope="module")
def facts() -> dict[str, dict[Version, dict]]:
    return load_facts()


def test_registry_agrees_with_the_kubernetes_sources(registry, facts):
    found = all_mismatches(registry, facts)
    report = "\n".join(f"{name}: {m}" for name, ms in found.items() for m in ms)
    assert not found, f"{sum(map(len, found.values()))} mismatches in {len(found)} metrics:\n{report}"


def test_every_kubernetes_metric_of_the_registry_is_covered(registry, facts):
    """A metric not from Kubernetes says where it comes from; every other one has facts."""
    kubernetes = {n for n, i in registry.metrics.items() if i.origin == "kubernetes"}
    assert kubernetes <= set(facts)
    others = {n for n, i in registry.metrics.items() if i.origin != "kubernetes"}
    for name in others - set(ALSO_IN_KUBERNETES):
        assert not facts.get(name), f"{name} is defined in the Kubernetes sources"
    for name in ALSO_IN_KUBERNETES:
        assert facts[name] and registry.get(name).origin != "kubernetes"
    assert len(kubernetes) >= 100


@pytest.mark.parametrize(
    ("name", "change", "expect"),
    [
        ("apiserver_watch_events_total", {"label_changes": ()}, "1.33 labels"),
        ("scheduler_scheduler_cache_size", {"removed": None}, "removed: registry -, sources 1.34"),
        ("scheduler_cache_size", {"added": None}, "added: registry -, sources 1.33"),
        ("apiserver_request_total", {"type": "gauge"}, "1.28 type"),
        ("workqueue_depth", {"stability_changes": ()}, "1.35 stability"),
        ("apiserver_storage_objects", {"deprecated": None}, "deprecated: registry -, sources 1.34"),
        (
            "kubernetes_healthcheck",
            {"stability_changes": ()},
            "1.28 stability: registry STABLE, sources BETA",
        ),
        ("apiserver_storage_size_bytes", {"labels": frozenset({"cluster"})}, "1.28 labels"),
    ],
)
def test_a_wrong_fact_is_caught(registry, facts, name, change, expect):
    wrong = replace(registry.get(name), **change)
    assert any(m.startswith(expect) for m in mismatches(wrong, facts[name])), mismatches(wrong, facts[name])


def test_kubernetes_hiding_rule():
    fact = {"stability": "STABLE"}
    assert [expected_status((1, m), fact, (1, 33)) for m in (32, 33, 34, 35, 36)] == [
        "ok", "deprecated", "hidden", "deprecated", "hidden",
    ]  # fmt: skip
    assert expected_status((1, 35), {"stability": "ALPHA"}, (1, 35)) == "hidden"
    assert expected_status((1, 36), {"stability": "BETA"}, (1, 35)) == "hidden"
    assert expected_status((1, 35), {"stability": "BETA"}, (1, 35)) == "deprecated"


def test_extraction_agrees_with_the_kubernetes_stable_metrics_list(facts, shared_dir):
    """Cross-check of the extractor: Kubernetes' own list (a master snapshot after 1.36) vs the 1.36 facts."""
    import yaml

    listed = yaml.safe_load(
        (shared_dir / "reference/kubernetes-metrics/stable-metrics-list.yaml").read_text()
    )
    order = ["ALPHA", "BETA", "STABLE"]
    checked = 0
    for entry in listed:
        name = "_".join(p for p in (entry.get("namespace"), entry.get("subsystem"), entry["name"]) if p)
        fact = facts.get(name, {}).get((1, 36))
        if fact is None:
            continue
        checked += 1
        want = {"timingratiohistogram": "histogram"}.get(entry["type"].lower(), entry["type"].lower())
        if (
            want == "custom"
        ):  # a custom collector's value type is chosen per sample (the kubelet's /metrics/resource)
            want = fact["type"] if fact["type"] in ("gauge", "counter") else "gauge or counter"
        assert (fact["type"], fact["labels"]) == (want, sorted(entry.get("labels") or [])), name
        # the list may be ahead of 1.36 (a promotion), never behind it
        assert order.index(entry["stabilityLevel"]) >= order.index(fact["stability"]), name
    assert checked >= 45
