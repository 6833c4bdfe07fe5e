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


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry(REPO / "promql")


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
    others = {n: i.origin for n, i in registry.metrics.items() if i.origin != "kubernetes"}
    for name in others:
        assert not any(facts.get(name, {}).values()), f"{name} is defined in the Kubernetes sources"
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
