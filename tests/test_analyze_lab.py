"""`n9e-k8s analyze` against the real control-plane lab: the stored families, their readers, the never-read
ones largest first; directly and through n9e's datasource proxy. The lab's agent keeps what the content reads
(keep-lists); a second, real Prometheus scraping the same targets with the keep-lists taken out is the
keep-all case."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.ci import in_ci
from tests.ports import free_port

pytestmark = pytest.mark.controlplane


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from n9e_k8s.cli import main; main()", "analyze", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **env},
    )


@pytest.fixture(scope="module")
def direct(controlplane_lab) -> dict:
    proc = _cli("--prometheus", controlplane_lab.prometheus_url, "--output", "json", env={})
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_analyze_lists_stored_families_their_readers_and_the_unused(controlplane_lab, direct):
    from n9e_k8s.selectors import load_selectors
    from n9e_k8s.source import resolve_source

    families = {f["family"]: f for f in direct["families"]}
    s = direct["summary"]
    assert s["stored_families"] == len(families) > 50
    assert s["stored_series"] == sum(f["series"] for f in families.values())
    # Every job's `up` is stored and read by the standard alerts.
    selectors = load_selectors(resolve_source(None).promql)
    assert sorted(direct["jobs"]) == sorted(selectors.jobs[c] for c in selectors.jobs if selectors.scraped(c))
    assert families["up"]["used"] and families["up"]["read_by"]["alerts"]
    assert families["up"]["series"] == len(controlplane_lab.query(f'up{{job=~"{"|".join(direct["jobs"])}"}}'))
    # A board's histogram is one family, read by panels.
    req = families["apiserver_request_duration_seconds"]
    # (its _count and _sum are read by nothing: the keep-lists drop them)
    assert req["read_by"]["panels"] and "apiserver_request_duration_seconds_bucket" in {
        n["name"] for n in req["names"]
    }
    # Keep-lists on: what is stored and never read is the troubleshooting set of collection.extra only.
    unused = [families[name] for name in direct["unused"]]
    assert [f["series"] for f in unused] == sorted((f["series"] for f in unused), reverse=True)
    assert all(not f["used"] and not any(f["read_by"].values()) for f in unused)
    # Stored and never read: the troubleshooting set of collection.extra (go_goroutines is read by the
    # kube-proxy board) and recording-rule results nothing reads; the keep-lists drop everything else.
    assert "go_memstats_heap_inuse_bytes" in direct["unused"]
    # (`up` and `scrape_*` are the scrape's own series: relabelling never sees them)
    kept = [*selectors.collection.extra, "up", "scrape_.*"]
    scraped = [f for f in unused if ":" not in f["family"]]
    beyond = [
        f["family"] for f in scraped if not any(re.fullmatch(x, n["name"]) for x in kept for n in f["names"])
    ]
    assert not beyond, beyond
    assert s["unused_series"] < 0.2 * s["stored_series"], s


@pytest.fixture(scope="module")
def keep_all(controlplane_lab, tmp_path_factory) -> Iterator[str]:
    """Debian's Prometheus (server mode) scraping the lab's targets with the agent's configuration minus its
    keep-lists (metric_relabel_configs) and remote write: what a keep-all agent would store."""
    state = Path(controlplane_lab.env["N9E_K8S_CONTROLPLANE_DIR"])
    config = json.loads((state / "prometheus-agent.yml").read_text())
    config.pop("remote_write", None)
    for job in config["scrape_configs"]:
        assert job.pop("metric_relabel_configs", None) is not None, job["job_name"]  # the lab keeps lists
    folder = tmp_path_factory.mktemp("keep-all")
    (folder / "prometheus.yml").write_text(json.dumps(config))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        ["/usr/bin/prometheus", f"--config.file={folder / 'prometheus.yml'}",
         f"--storage.tsdb.path={folder / 'data'}", f"--web.listen-address=127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=(folder / "log").open("w"),
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        jobs = {j["job_name"] for j in config["scrape_configs"]}
        while time.monotonic() < deadline:  # two scrapes of every job (5 s interval)
            try:
                got = requests.get(
                    f"{url}/api/v1/query", params={"query": "count by (job) (up == 1)"}, timeout=5
                )
                up = {r["metric"]["job"] for r in got.json()["data"]["result"]}
                if up == jobs:
                    time.sleep(12)
                    break
            except (requests.RequestException, ValueError, KeyError):
                pass
            assert proc.poll() is None, (folder / "log").read_text()[-2000:]
            time.sleep(1)
        else:
            pytest.fail(
                f"the keep-all Prometheus did not scrape every job: {(folder / 'log').read_text()[-2000:]}"
            )
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_analyze_keep_all_lists_what_nothing_reads(keep_all, direct):
    proc = _cli("--prometheus", keep_all, "--output", "json", env={})
    assert proc.returncode == 0, proc.stderr
    everything = json.loads(proc.stdout)
    s = everything["summary"]
    families = {f["family"]: f for f in everything["families"]}
    unused = [families[name] for name in everything["unused"]]
    # Much is stored that nothing reads; listed largest first, each really unread; the kept lab stores less.
    assert len(unused) > 100 and s["unused_series"] > 0.3 * s["stored_series"], s
    assert [f["series"] for f in unused] == sorted((f["series"] for f in unused), reverse=True)
    assert all(not f["used"] and not any(f["read_by"].values()) for f in unused)
    # (recording rules' results are stored by the lab's server only: the keep-all server evaluates none)
    assert {f for f in direct["unused"] if ":" not in f} < set(everything["unused"])
    assert s["stored_series"] > 2 * direct["summary"]["stored_series"]


def test_analyze_table_output(controlplane_lab, direct):
    proc = _cli("--prometheus", controlplane_lab.prometheus_url, "--show", "unused", env={"COLUMNS": "200"})
    assert proc.returncode == 0, proc.stderr
    assert direct["unused"][0] in proc.stdout and "never read" in proc.stdout
    assert f"{direct['summary']['unused_families']} never read" in proc.stdout


def test_analyze_through_n9e_finds_the_same_families(controlplane_lab, direct):
    if controlplane_lab.n9e is None:
        if in_ci():
            pytest.fail("the control-plane lab runs without n9e (N9E_K8S_LAB_N9E=0) in CI")
        pytest.skip("the control-plane lab runs without n9e (N9E_K8S_LAB_N9E=0)")
    proc = _cli("--n9e", "--output", "json", env=controlplane_lab.env)
    assert proc.returncode == 0, proc.stderr
    through_n9e = json.loads(proc.stdout)
    # Series counts may move between the two runs (a work queue appearing); the families and what reads
    # them may not.
    assert set(through_n9e["unused"]) == set(direct["unused"])
    assert {f["family"]: f["read_by"] for f in through_n9e["families"]} == {
        f["family"]: f["read_by"] for f in direct["families"]
    }
