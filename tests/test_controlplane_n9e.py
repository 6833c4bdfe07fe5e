"""The control-plane lab wired to n9e (`lab/controlplane/up --n9e`): the agent remote-writes to n9e,
n9e's Pushgw writer forwards to the Prometheus server, the built-in boards and rules are synced into
n9e, and `n9e-k8s verify --n9e` passes through n9e's datasource proxy with the numbers of the direct
`verify --prometheus` run."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.ci import in_ci

pytestmark = [pytest.mark.controlplane, pytest.mark.n9e]

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def lab(controlplane_lab):
    if controlplane_lab.n9e is None:
        if in_ci():
            pytest.fail("the control-plane lab runs without n9e (N9E_K8S_LAB_N9E=0) in CI", pytrace=False)
        pytest.skip("the control-plane lab runs without n9e (N9E_K8S_LAB_N9E=0)")
    return controlplane_lab


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from n9e_k8s.cli import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **env},
    )


def _n9e_metric(lab, name: str, url: str) -> float:
    """A counter of n9e's own /metrics for the writer `url` (0 when absent)."""
    text = requests.get(f"{lab.n9e.url}/metrics", timeout=10).text
    m = re.search(rf'^{name}\{{url="{re.escape(url)}"\}} (\S+)$', text, re.M)
    return float(m.group(1)) if m else 0.0


def _server_writes(lab) -> float:
    """Remote-write requests the Prometheus server has accepted (its own /metrics)."""
    text = requests.get(f"{lab.prometheus_url}/metrics", timeout=10).text
    return sum(
        float(m.group(1))
        for m in re.finditer(
            r'^prometheus_http_requests_total\{code="2\d\d",handler="/api/v1/write"\} (\S+)$', text, re.M
        )
    )


def test_the_data_goes_through_n9e(lab):
    n9e_write = f"{lab.n9e.url}/prometheus/v1/write"
    server_write = f"{lab.prometheus_url}/api/v1/write"
    # The agent runs the manifests' configuration with n9e as its only remote-write target.
    agent = json.loads((lab.state_dir / "prometheus-agent.yml").read_text())
    assert [w["url"] for w in agent["remote_write"]] == [n9e_write]
    # n9e forwarded samples to the server without a failed write, and the server accepted at least every
    # forwarded write. (No upper bound: the datasource's write_addr is this server too, so n9e's own
    # recording rules write there besides the pushgw forwarding.)
    forwarded_before = _n9e_metric(lab, "n9e_pushgw_forward_duration_seconds_count", server_write)
    accepted = _server_writes(lab)
    assert forwarded_before > 0
    assert _n9e_metric(lab, "n9e_pushgw_write_error_total", server_write) == 0
    assert forwarded_before <= accepted, (forwarded_before, accepted)
    if lab.n9e.version.startswith("v6."):
        # v6's pushgw renames a `host` label to `ident` (unless ?ignore_ident=true): rest_client's
        # `host` (the apiserver address) arrives as `ident`, which only the n9e path can do.
        assert lab.query('count(rest_client_requests_total{host!=""})') == []
        idents = lab.query('count by (ident) (rest_client_requests_total{ident!=""})')
        assert [r["metric"]["ident"] for r in idents] == [lab.apiserver_url.removeprefix("https://")]


def test_boards_and_rules_are_synced_into_n9e(lab):
    # `up --n9e` synced them: a dry run finds nothing to change (exit 0, 3 would mean pending changes).
    env = {**lab.env, "N9E_K8S_SOURCE": str(REPO)}
    for command in ("import-dashboards", "sync-alerts"):
        proc = _cli(command, "--dry-run", "--output", "json", env=env)
        assert proc.returncode == 0, proc.stderr + proc.stdout[-2000:]
        counts = json.loads(proc.stdout)["summary"]
        assert counts and all(
            not row.get(op)
            for row in counts.values()
            for op in ("create", "update", "delete", "drift", "conflict")
        ), counts
        assert sum(row["unchanged"] for row in counts.values()) > 0, counts
    boards = (
        lab.n9e.session().get(f"{lab.n9e.api}/busi-group/{lab.n9e.group_id}/boards", timeout=10).json()["dat"]
    )
    from n9e_k8s.yamlio import load_yaml

    idents = sorted(load_yaml(p)["ident"] for p in (REPO / "dashboards").glob("*.yaml"))
    assert sorted(b["ident"] for b in boards) == idents


def test_verify_n9e_passes_with_the_numbers_of_the_direct_run(lab):
    # The source as the lab runs it (components it runs no process for are unscraped).
    source = {"N9E_K8S_SOURCE": str(lab.source)}
    through_n9e = _cli("verify", "--n9e", "--output", "json", env={**lab.env, **source})
    direct = _cli("verify", "--prometheus", lab.prometheus_url, "--output", "json", env=source)
    assert through_n9e.returncode == 0, through_n9e.stderr + through_n9e.stdout[-3000:]
    assert direct.returncode == 0, direct.stderr + direct.stdout[-3000:]
    n9e_report, direct_report = json.loads(through_n9e.stdout), json.loads(direct.stdout)
    summary = n9e_report["summary"]
    assert summary["empty"] == 0 and summary["error"] == 0, summary
    assert summary["queries"] == direct_report["summary"]["queries"] > 100
    # The same queries with the same outcome; series counts may move between the two runs (a work
    # queue appearing), so they are compared in total.
    statuses = {r["name"]: r["status"] for r in direct_report["results"]}
    assert {r["name"]: r["status"] for r in n9e_report["results"]} == statuses
    assert n9e_report["variables"] == direct_report["variables"]
    series = [sum(r["series"] for r in rep["results"]) for rep in (n9e_report, direct_report)]
    assert abs(series[0] - series[1]) <= 0.02 * series[1], series


def test_verify_n9e_reports_a_query_error_with_prometheus_message(lab):
    # An error through the proxy is the query's error (with Prometheus' message), not an empty result.
    from n9e_k8s.n9e.client import Credentials, N9eClient
    from n9e_k8s.verify import ApiError, N9eProxyApi

    client = N9eClient(lab.n9e.url, Credentials(username=lab.n9e.username, password=lab.n9e.password))
    api = N9eProxyApi(client, lab.n9e.datasource_id)
    assert api.query('up{job!=""}')["result"]
    assert api.label_values("cluster", 'up{job!=""}') == ["lab"]
    with pytest.raises(ApiError, match=r"^HTTP 400: .*parse error"):
        api.query("sum(up")
