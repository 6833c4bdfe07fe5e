"""A burn-rate alert fed only by n9e-written recordings evaluates without error, and pages.

The lab's Prometheus server has no rule files (and no scrape targets): n9e is the only evaluator. Our real
apiserver recording rules (all of recording-rules/apiserver.json of `n9e-k8s build`: the 5m..6h burn rates, the
hourly request counts, the 1d/3d burn rates computed from those recordings) and the KubeAPIErrorBudgetBurn-* alert
rules are synced into a fresh busi group with `sync-alerts --max-for 10s` (test aid). Raw apiserver series of one
fake cluster are remote-written into the datasource: 15 minutes of history, then a sample every 5 s. Reads burn
18.75 % (8 of 64 requests/min are 5xx, 4 too slow), writes 3.125 % (2 of 64 too slow).

Asserted: n9e wrote the recorded series (with the expected values), the 1h-5m and 6h-30m levels of
KubeAPIErrorBudgetBurn raised an event for the read requests and none for the writes (read back from the current and historical events), and n9e's log has no error or
warning line for any of the synced rules and no `push data` error. Without `write_addr` in the datasource nothing is
recorded and no event is raised, so the test fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.plugins.n9e_lab import N9eLab, available_versions
from tests.remote_write import push

pytestmark = pytest.mark.n9e

REPO = Path(__file__).resolve().parents[1]
TIMEOUT = 15
WAIT = 150.0  # rule cache sync (~10 s) + recordings (10 s) + recordings of recordings (10 s) + for 10 s, loaded host
HISTORY = 15 * 60  # seconds of raw series written before the rules start
STEP = 15  # seconds between history samples
LEVELS = ("1h-5m", "6h-30m", "1d-2h", "3d-6h")
FAST_LEVELS = {"1h-5m", "6h-30m"}  # the 1d/3d levels wait for burnrate1d/3d (5-minute-aligned, see below)
# per minute, counters of the fake apiserver (see the module docstring)
PER_MIN = {
    ("apiserver_request_total", (("verb", "GET"), ("code", "200"))): 48,
    ("apiserver_request_total", (("verb", "LIST"), ("code", "200"))): 8,
    ("apiserver_request_total", (("verb", "LIST"), ("code", "500"))): 8,
    ("apiserver_request_sli_duration_seconds_count", (("verb", "GET"), ("scope", "resource"))): 40,
    (
        "apiserver_request_sli_duration_seconds_bucket",
        (("verb", "GET"), ("scope", "resource"), ("le", "1")),
    ): 36,
    ("apiserver_request_total", (("verb", "POST"), ("code", "201"))): 64,
    ("apiserver_request_sli_duration_seconds_count", (("verb", "POST"), ("scope", "namespace"))): 64,
    (
        "apiserver_request_sli_duration_seconds_bucket",
        (("verb", "POST"), ("scope", "namespace"), ("le", "1")),
    ): 62,
}
READ_BURN, WRITE_BURN = 12 / 64, 2 / 64


def ok(resp: requests.Response):
    assert resp.status_code == 200, resp.text[:500]
    body = resp.json()
    assert not body.get("err") and not body.get("error"), body
    return body["dat"] if "dat" in body else body.get("data")


class FakeApiserver:
    """Writes the counters of PER_MIN for one cluster into a remote-write receiver: history, then live samples."""

    def __init__(self, write_url: str, cluster: str) -> None:
        self.write_url, self.cluster = write_url, cluster
        self.t0 = time.time() - HISTORY
        self.stop = threading.Event()
        self.errors: list[str] = []
        self.thread = threading.Thread(target=self._live, daemon=True)

    def _series(self, stamps: list[float]) -> list[tuple[dict[str, str], list[tuple[float, int]]]]:
        out = []
        for (name, labels), per_min in PER_MIN.items():
            full = {
                "__name__": name,
                "job": "apiserver",
                "cluster": self.cluster,
                "subresource": "",
                **dict(labels),
            }
            out.append((full, [(per_min * (t - self.t0) / 60, int(t * 1000)) for t in stamps]))
        return out

    def start(self) -> None:
        now = time.time()
        push(self.write_url, self._series([self.t0 + i for i in range(0, int(now - self.t0), STEP)]))
        self.thread.start()

    def _live(self) -> None:
        while not self.stop.wait(5):
            try:
                push(self.write_url, self._series([time.time()]))
            except (requests.RequestException, RuntimeError) as e:
                self.errors.append(str(e))

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=15)


def build_subset(dest: Path) -> None:
    """`n9e-k8s build` of the built-in source, reduced to the apiserver recordings + KubeAPIErrorBudgetBurn-*."""
    full = dest.parent / "full-build"
    cli = [sys.executable, "-c", "from n9e_k8s.cli import main; main()"]
    proc = subprocess.run([*cli, "build", "--out", str(full)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    (dest / "alerts").mkdir(parents=True)
    (dest / "recording-rules").mkdir()
    shutil.copy(full / ".n9e-k8s-build", dest / ".n9e-k8s-build")
    # the burn-rate and availability recordings; not the dashboard ones (the boards' 5-minute rates)
    from n9e_k8s.project import load_project
    from n9e_k8s.source import resolve_source

    groups = load_project(resolve_source(None), ("rules",)).rules.groups
    dashboard = {r.record for g in groups if g.for_dashboards for r in g.rules}
    records = json.loads((full / "recording-rules" / "apiserver.json").read_text())
    kept = [r for r in records if r["name"] not in dashboard]
    assert dashboard and len(kept) < len(records)
    (dest / "recording-rules" / "apiserver.json").write_text(json.dumps(kept))
    alerts = json.loads((full / "alerts" / "apiserver.json").read_text())
    burn = [a for a in alerts if a["name"].startswith("KubeAPIErrorBudgetBurn-")]
    assert sorted(a["name"] for a in burn) == sorted(f"KubeAPIErrorBudgetBurn-{lv}" for lv in LEVELS)
    (dest / "alerts" / "apiserver.json").write_text(json.dumps(burn))


@pytest.fixture(scope="module", params=available_versions())
def burn_lab(request: pytest.FixtureRequest, n9e_lab_factory, tmp_path_factory) -> Iterator[dict]:
    server: N9eLab = n9e_lab_factory(request.param)
    tag = uuid.uuid4().hex[:8]
    build = tmp_path_factory.mktemp("burn") / "build"
    build_subset(build)
    log = Path(server.state_dir) / "n9e.log"
    log_offset = log.stat().st_size
    fake = FakeApiserver(server.prometheus_url + "/api/v1/write", f"burn-{tag}")
    fake.start()
    group = f"n9e-k8s-burn-{tag}"
    env = {
        **os.environ,
        "N9E_URL": server.url,
        "N9E_TOKEN": server.token,
        "N9E_AUTH_HEADER": server.auth_header,
        "N9E_GROUP": group,
        "N9E_DATASOURCE": str(server.datasource_id),
        "N9E_K8S_CONFIG": str(build.parent / "none.yaml"),
    }
    cli = [sys.executable, "-c", "from n9e_k8s.cli import main; main()"]
    args = ["sync-alerts", "--from-build", str(build), "--create-group", "--max-for", "10s", "-o", "json"]
    started = time.monotonic()
    proc = subprocess.run([*cli, *args], capture_output=True, text=True, timeout=300, env=env)
    try:
        assert proc.returncode == 0, proc.stderr[-2000:] + proc.stdout[-2000:]
        report = json.loads(proc.stdout)
        path_warnings = {w["code"] for w in report["warnings"]} & {
            "datasource-without-cluster",
            "datasource-without-write-addr",
        }
        group_id = report["group"]["id"]
        http = server.session()
        group_api = f"{server.api}/busi-group/{group_id}"
        rules = {
            kind: ok(http.get(f"{group_api}/{kind}", timeout=TIMEOUT))
            for kind in ("alert-rules", "recording-rules")
        }
        assert len(rules["alert-rules"]) == len(LEVELS) and len(rules["recording-rules"]) == 18
        yield {
            "server": server,
            "cluster": fake.cluster,
            "group_id": group_id,
            "rules": rules,
            "log": log,
            "log_offset": log_offset,
            "started": started,
            "fake": fake,
            "path_warnings": path_warnings,
        }
    finally:
        fake.close()
        if proc.returncode == 0:
            for kind, listed in rules.items():
                ok(
                    http.delete(
                        f"{group_api}/{kind}", json={"ids": [r["id"] for r in listed]}, timeout=TIMEOUT
                    )
                )


def query(server: N9eLab, promql: str) -> list[dict]:
    resp = requests.get(server.prometheus_url + "/api/v1/query", params={"query": promql}, timeout=TIMEOUT)
    return resp.json()["data"]["result"]


def wait_for(what: str, check, lab: dict) -> float:
    """Seconds since the sync until check() is truthy; fails WAIT seconds after the sync."""
    while True:
        if check():
            return time.monotonic() - lab["started"]
        assert time.monotonic() - lab["started"] < WAIT, f"{what}: not within {WAIT:.0f}s of the sync"
        time.sleep(2)


def events(lab: dict, kind: str) -> list[dict]:
    server = lab["server"]
    got = ok(
        server.session().get(
            f"{server.api}/{kind}/list",
            params={"bgid": lab["group_id"], "hours": 1, "limit": 200},
            timeout=TIMEOUT,
        )
    )
    return got.get("list") or []


def tags_of(event: dict) -> str:
    tags = event.get("tags")
    return ",,".join(tags) if isinstance(tags, list) else str(tags or "")


def test_the_datasource_path_is_complete(burn_lab):
    """The precondition the rest relies on: sync-alerts sees cluster and write_addr (no path warning)."""
    assert burn_lab["path_warnings"] == set()
    assert burn_lab["fake"].errors == []


def test_n9e_writes_the_burn_rate_recordings(burn_lab, record_property):
    server, cluster = burn_lab["server"], burn_lab["cluster"]
    seconds: dict[str, float] = {}
    for name in (
        "apiserver_request:burnrate5m",
        "apiserver_request:burnrate1h",
        "apiserver_request:burnrate6h",
        "cluster_verb:apiserver_request_total:increase1h",
    ):
        promql = f'{name}{{cluster="{cluster}"}}'
        seconds[name] = wait_for(f"n9e wrote {promql}", lambda q=promql: len(query(server, q)) == 2, burn_lab)
        got = {r["metric"]["verb"]: float(r["value"][1]) for r in query(server, promql)}
        if "burnrate" in name:
            assert got == pytest.approx({"read": READ_BURN, "write": WRITE_BURN}, rel=0.02), (name, got)
    # burnrate1d/3d (from n9e's own burnrate1h and increase1h) sample them at 5-minute-aligned steps: they appear
    # at the first 5-minute boundary after the recordings began, up to 5 min later; checked when already there.
    for name in ("apiserver_request:burnrate1d", "apiserver_request:burnrate3d"):
        got = {
            r["metric"]["verb"]: float(r["value"][1]) for r in query(server, f'{name}{{cluster="{cluster}"}}')
        }
        if got:
            assert got == pytest.approx({"read": READ_BURN, "write": WRITE_BURN}, rel=0.02), (name, got)
        sys.stderr.write(
            f"{server.version}: {name} {'recorded' if got else 'not yet (5-minute alignment)'}\n"
        )
    for name, s in seconds.items():
        record_property(f"recorded_after_s[{name}]", round(s, 1))
    sys.stderr.write(f"{server.version}: recorded after {seconds}\n")


def test_the_fast_burn_rate_levels_page_for_the_reads(burn_lab, record_property):
    def firing() -> set[str]:
        return {
            e["rule_name"].removeprefix("KubeAPIErrorBudgetBurn-")
            for e in events(burn_lab, "alert-cur-events")
            if e["rule_name"].startswith("KubeAPIErrorBudgetBurn-") and "verb=read" in tags_of(e)
        }

    after = wait_for(
        "KubeAPIErrorBudgetBurn 1h-5m and 6h-30m events", lambda: firing() >= FAST_LEVELS, burn_lab
    )
    record_property("all_levels_fired_after_s", round(after, 1))
    sys.stderr.write(
        f"{burn_lab['server'].version}: KubeAPIErrorBudgetBurn 1h-5m/6h-30m fired {after:.0f}s after sync\n"
    )
    current = [e for e in events(burn_lab, "alert-cur-events") if "verb=read" in tags_of(e)]
    assert all(e["datasource_id"] == burn_lab["server"].datasource_id for e in current)
    assert all(f"cluster={burn_lab['cluster']}" in tags_of(e) for e in current)
    history = {e["rule_name"] for e in events(burn_lab, "alert-his-events") if "verb=read" in tags_of(e)}
    assert history >= {f"KubeAPIErrorBudgetBurn-{lv}" for lv in FAST_LEVELS}
    # writes burn 3.125 %: below the 1h-5m (14.4 %) and 6h-30m (6 %) thresholds, so no page for them
    assert not any(
        e["rule_name"].removeprefix("KubeAPIErrorBudgetBurn-") in FAST_LEVELS and "verb=write" in tags_of(e)
        for e in events(burn_lab, "alert-cur-events")
    )


def test_no_rule_of_the_group_logged_an_error(burn_lab):
    """Runs last: by now every rule evaluated many times. v6 keys rules `alert-<ds>-<id>` / `record-<ds>-<id>`,
    v7+ log alert rules as `alert_eval_<id> datasource_<ds>`."""
    ds = burn_lab["server"].datasource_id
    tokens = [f"-{ds}-{r['id']} " for listed in burn_lab["rules"].values() for r in listed]
    tokens += [f"-{ds}-{r['id']}," for listed in burn_lab["rules"].values() for r in listed]
    tokens += [f"alert_eval_{r['id']} " for r in burn_lab["rules"]["alert-rules"]]
    with burn_lab["log"].open(errors="replace") as f:
        f.seek(burn_lab["log_offset"])
        lines = f.read().splitlines()
    bad = [
        line
        for line in lines
        if "push data" in line
        or (any(level in line for level in (" ERROR ", " WARNING ")) and any(t in line for t in tokens))
    ]
    assert bad == [], bad[:5]
