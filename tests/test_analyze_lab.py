"""`n9e-k8s analyze` against the real control-plane lab (its agent keeps every scraped series): the stored
families, their readers, the never-read ones largest first; directly and through n9e's datasource proxy."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.ci import in_ci

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
    assert req["read_by"]["panels"] and {n["name"] for n in req["names"]} >= {
        "apiserver_request_duration_seconds_bucket",
        "apiserver_request_duration_seconds_count",
    }
    # Keep-all lab: much is stored that nothing reads; listed largest first, each really unread.
    unused = [families[name] for name in direct["unused"]]
    assert len(unused) > 10 and s["unused_series"] > 0.3 * s["stored_series"], s
    assert [f["series"] for f in unused] == sorted((f["series"] for f in unused), reverse=True)
    assert all(not f["used"] and not any(f["read_by"].values()) for f in unused)
    assert "go_goroutines" in direct["unused"]


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
