"""VictoriaMetrics as the store behind n9e (issue 16 item 7): the lab's Prometheus server remote-writes
everything it stores (scraped series and recording-rule results) into a real VictoriaMetrics single-node,
and `verify` runs every shipped query against VictoriaMetrics' Prometheus API (MetricsQL): none may be
unexpectedly empty or fail. Differences that change a result are in docs/verify.md."""

from __future__ import annotations

import time

import pytest
import requests

from tests.plugins.victoriametrics import vm_url

pytestmark = [pytest.mark.controlplane, pytest.mark.victoriametrics]

SYNC_TIMEOUT = 180  # seconds for VictoriaMetrics to hold every metric name the Prometheus server has


def _names(url: str) -> set[str]:
    resp = requests.get(
        f"{url}/api/v1/query", params={"query": 'count by (__name__) ({cluster="lab"})'}, timeout=30
    )
    resp.raise_for_status()
    return {r["metric"]["__name__"] for r in resp.json()["data"]["result"]}


def _wait_for_forwarded_series(lab, url: str) -> None:
    """Every metric name of the Prometheus server, recording rules' included, has reached VictoriaMetrics."""
    deadline = time.monotonic() + SYNC_TIMEOUT
    missing: set[str] = set()
    while time.monotonic() < deadline:
        missing = _names(lab.prometheus_url) - _names(url)
        if not missing:
            return
        time.sleep(3)
    pytest.fail(
        f"VictoriaMetrics lacks {len(missing)} metric names after {SYNC_TIMEOUT}s: {sorted(missing)[:20]}"
    )


def _has_data(api, query: str) -> bool:
    """Whether ``query`` returns a sample that is not NaN (the same instant query verify runs)."""
    from n9e_k8s.verify import Result, run_query

    result = run_query(Result("dashboard", "recheck", query), api.query)
    return result.status == "data" and result.nan < result.series


def test_verify_passes_against_victoriametrics(controlplane_lab):
    """0 errors, and no query empty on VictoriaMetrics that has data on Prometheus, except where
    Prometheus' data is only NaN: VictoriaMetrics drops NaN from answers (docs/verify.md)."""
    from n9e_k8s.project import load_project
    from n9e_k8s.source import resolve_source
    from n9e_k8s.verify import PrometheusApi, verify

    url = vm_url(controlplane_lab)
    _wait_for_forwarded_series(controlplane_lab, url)
    project = load_project(resolve_source(None))
    vm_report = verify(project, PrometheusApi(url))
    prom_report = verify(project, PrometheusApi(controlplane_lab.prometheus_url))
    nan_only = {(r.kind, r.name) for r in prom_report.results if r.status == "data" and r.nan == r.series}
    errors = [(r.kind, r.name, r.error, r.query) for r in vm_report.results if r.error]
    assert not errors, "\n".join(map(str, errors))
    empty = {(r.kind, r.name): r.query for r in vm_report.results if r.status == "empty"}
    # A panel's variables are resolved from each store's own label values: VictoriaMetrics' index may offer a
    # value (verb=APPLY) whose only requests are older than the panel's window. Such a query is asked of
    # Prometheus verbatim: empty there too, it is the value chosen, not a difference between the stores.
    prometheus = PrometheusApi(controlplane_lab.prometheus_url)
    differing = {k: q for k, q in empty.items() if k not in nan_only and _has_data(prometheus, q)}
    assert not differing, "\n".join(f"{k}: {q}" for k, q in differing.items())
    # The same queries find data on both stores.
    prom_data = {(r.kind, r.name) for r in prom_report.results if r.status == "data"}
    vm_data = {(r.kind, r.name) for r in vm_report.results if r.status == "data"}
    assert prom_data - vm_data - set(empty) <= nan_only, sorted(prom_data - vm_data - nan_only)
    assert len(vm_data) > 0.7 * len(vm_report.results)
    print(
        f"verify against VictoriaMetrics: {vm_report.counts()}; Prometheus: {prom_report.counts()}; NaN dropped: {sorted(empty)}"
    )


def test_victoriametrics_is_the_pinned_release(controlplane_lab):
    from n9e_k8s.vmagent import VMAGENT_VERSION

    url = vm_url(controlplane_lab)
    body = requests.get(f"{url}/metrics", timeout=10).text
    versions = [line for line in body.splitlines() if line.startswith("vm_app_version")]
    assert any(f'version="victoria-metrics-v{VMAGENT_VERSION}"' in line for line in versions), versions
