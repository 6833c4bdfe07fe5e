# ruff: noqa: F811  (the helpers and the test take the imported `lab` fixture by name)
"""End to end through n9e itself: a control-plane outage makes n9e's own alert engine raise the matching alert events,
and a restart recovers them.

The control-plane lab runs wired to n9e (`up --n9e`: agent -> n9e -> Prometheus server = n9e's datasource); the
built-in rules are synced with `sync-alerts --max-for 10s` (test aid: every `for` and evaluation interval capped at
10 s). Then the kube-scheduler, the kube-controller-manager and the kube-apiserver are stopped one after the other
(`lab/controlplane/lab.py stop`; the controllers first, since without the apiserver they lose their lease and exit),
and each must page: an alert event of its Down or InstanceUnreachable rule, read back through n9e's API (current
events and history). Then they are started again (apiserver first) and the events must recover. At the end the
real timings are synced back and the lab is waited on until ready again, for the tests that follow.

Accepted per component: `<Prefix>Down` (an expression firing when every target is down) or
`<Prefix>InstanceUnreachable` (`up == 0`), so the test holds for either form of the Down rules.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.test_controlplane_n9e import lab  # noqa: F401 (fixture: the control-plane lab with n9e, or fail in CI)

pytestmark = [pytest.mark.controlplane, pytest.mark.n9e]

REPO = Path(__file__).resolve().parents[1]
LAB = REPO / "lab" / "controlplane" / "lab.py"
MAX_FOR = 10  # seconds, `sync-alerts --max-for`
FIRE_TIMEOUT = (
    240.0  # per component: scrape 5 s + remote write + rule cache sync + eval 10 s + for 10 s, loaded host
)
RECOVER_TIMEOUT = 300.0  # all components: restart (apiserver first) + scrape + eval
# stop order; the alert-name prefix of each component's rules
COMPONENTS = [
    ("kube-scheduler", "KubeScheduler"),
    ("kube-controller-manager", "KubeControllerManager"),
    ("kube-apiserver", "KubeAPI"),
]


def pages(prefix: str, rule_name: str) -> bool:
    return rule_name.split("-")[0] in (f"{prefix}Down", f"{prefix}InstanceUnreachable")


def sync_alerts(lab, *args: str) -> None:
    cli = [sys.executable, "-c", "from n9e_k8s.cli import main; main()"]
    proc = subprocess.run(
        [*cli, "sync-alerts", "--source", str(REPO), "--output", "json", *args],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **lab.env},
    )
    assert proc.returncode == 0, proc.stderr[-2000:] + proc.stdout[-2000:]


def component(lab, verb: str, name: str) -> None:
    proc = subprocess.run(
        [sys.executable, str(LAB), verb, name],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "N9E_K8S_CONTROLPLANE_DIR": str(lab.state_dir)},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]


def events(lab, kind: str) -> list[dict]:
    n9e = lab.n9e
    resp = requests.get(
        f"{n9e.api}/{kind}/list",
        params={"bgid": n9e.group_id, "hours": 1, "limit": 500},
        headers=n9e.headers,
        timeout=15,
    )
    resp.raise_for_status()
    body = resp.json()
    assert not body.get("err"), body
    return body["dat"].get("list") or []


def wait_for(what: str, check, timeout: float) -> float:
    """Seconds until check() is truthy (fails after timeout)."""
    started = time.monotonic()
    while True:
        try:
            if check():
                return time.monotonic() - started
        except requests.RequestException:
            pass
        assert time.monotonic() - started < timeout, f"{what}: not within {timeout:.0f}s"
        time.sleep(2)


def firing(lab, prefix: str) -> list[str]:
    return sorted({e["rule_name"] for e in events(lab, "alert-cur-events") if pages(prefix, e["rule_name"])})


def test_outage_of_each_component_pages_through_n9e_and_recovers(lab, record_property):

    from tests.plugins.controlplane_lab import _wait_ready

    sync_alerts(lab, "--max-for", f"{MAX_FOR}s")
    started_at = int(time.time())
    assert not any(firing(lab, prefix) for _, prefix in COMPONENTS), "a Down alert fires before the outage"
    fired: dict[str, float] = {}
    names: dict[str, list[str]] = {}
    try:
        for name, prefix in COMPONENTS:
            component(lab, "stop", name)
            fired[name] = wait_for(
                f"n9e alert event for {name} down", lambda p=prefix: firing(lab, p), FIRE_TIMEOUT
            )
            names[name] = firing(lab, prefix)
            sys.stderr.write(f"n9e paged for {name} down after {fired[name]:.0f}s: {names[name]}\n")
    finally:
        for name, _ in reversed(COMPONENTS):  # the apiserver first
            component(lab, "start", name)
    recovered = wait_for(
        "the outage events recovered",
        lambda: not any(firing(lab, prefix) for _, prefix in COMPONENTS),
        RECOVER_TIMEOUT,
    )
    history = [e for e in events(lab, "alert-his-events") if e.get("trigger_time", 0) >= started_at]
    for name, prefix in COMPONENTS:
        mine = [e for e in history if pages(prefix, e["rule_name"])]
        assert {0, 1} <= {e["is_recovered"] for e in mine}, (name, mine[:2])  # fired, then recovered
        assert {e["rule_name"] for e in mine} >= set(names[name])
        assert all(e["datasource_id"] == lab.n9e.datasource_id for e in mine)
    for name, seconds in fired.items():
        record_property(f"fired_after_s[{name}]", round(seconds, 1))
    record_property("recovered_after_s", round(recovered, 1))
    sys.stderr.write(f"n9e: fired after {fired}, all recovered {recovered:.0f}s after the restart\n")
    # leave the lab as the other tests expect it: the real timings, every job up and scraped again
    sync_alerts(lab)
    _wait_ready(lab, lab.jobs)
