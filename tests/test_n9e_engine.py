"""n9e's own path in the lab: its alert engine evaluates the rules, its recording rules write.

The lab datasource is provisioned as the UI's form saves it: `cluster_name` = the alert engine's name (without it the
engine evaluates nothing) and `write_addr` = the Prometheus server's remote-write receiver (without it every recording
rule logs `push data with remote write: ... unsupported protocol scheme ""`). On every version this machine runs.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.plugins.n9e_lab import N9eLab, available_versions

pytestmark = pytest.mark.n9e

TIMEOUT = 15
ENGINE_NAME = "default"  # [Alert.Heartbeat] EngineName of lab/n9e's config templates
WAIT = 120.0  # rule cache sync (~10 s) + first evaluation (5 s) + event persistence, with margin for a loaded host


def ok(resp: requests.Response):
    assert resp.status_code == 200, resp.text[:500]
    body = resp.json()
    assert not body.get("err") and not body.get("error"), body
    return body["dat"] if "dat" in body else body.get("data")


def datasource_of(server: N9eLab) -> dict:
    """The lab datasource as stored: v7+ `GET /datasource/brief` carries it whole, v6's brief only id/name/type."""
    http = server.session()
    if server.version.startswith("v6"):
        listed = ok(http.post(server.api + "/datasource/list", json={}, timeout=TIMEOUT))
    else:
        listed = ok(http.get(server.api + "/datasource/brief", timeout=TIMEOUT))
    return next(d for d in listed if d["id"] == server.datasource_id)


@pytest.fixture(scope="module", params=available_versions())
def engine_lab(request: pytest.FixtureRequest, n9e_lab_factory) -> Iterator[tuple[N9eLab, str, str]]:
    """(server, name of an always-true alert rule, name of a recording rule), both evaluated every 5 s."""
    server: N9eLab = n9e_lab_factory(request.param)
    tag = uuid.uuid4().hex[:8]
    alert_name, record_name = f"N9eK8sLabAlwaysTrue{tag}", f"n9e_k8s_lab_written_{tag}"
    dsq = [{"match_type": 0, "op": "in", "values": [server.datasource_id]}]
    alert = {
        "name": alert_name,
        "prod": "metric",
        "cate": "prometheus",
        "datasource_ids": [server.datasource_id],
        "datasource_queries": dsq,
        "disabled": 0,
        "prom_ql": "",
        "rule_config": {"version": "v1", "queries": [{"prom_ql": "vector(1) > 0", "severity": 3}]},
        "prom_for_duration": 0,
        "prom_eval_interval": 5,
        "cron_pattern": "@every 5s",
        "enable_stimes": ["00:00"],
        "enable_etimes": ["23:59"],
        "enable_days_of_weeks": [["0", "1", "2", "3", "4", "5", "6"]],
        "notify_recovered": 1,
        "notify_repeat_step": 60,
        "append_tags": ["source=n9e-k8s-lab"],
    }
    record = {
        "name": record_name,
        "disabled": 0,
        "prom_ql": "vector(1)",
        "prom_eval_interval": 5,
        "cron_pattern": "@every 5s",
        "append_tags": ["source=n9e-k8s-lab"],
        "datasource_ids": [server.datasource_id],
        "datasource_queries": dsq,
    }
    http = server.session()
    group_api = f"{server.api}/busi-group/{server.group_id}"
    assert ok(http.post(group_api + "/alert-rules", json=[alert], timeout=TIMEOUT)) == {alert_name: ""}
    assert ok(http.post(group_api + "/recording-rules", json=[record], timeout=TIMEOUT)) == {record_name: ""}
    yield server, alert_name, record_name
    for kind, name in (("alert-rules", alert_name), ("recording-rules", record_name)):
        ids = [r["id"] for r in ok(http.get(f"{group_api}/{kind}", timeout=TIMEOUT)) if r["name"] == name]
        ok(http.delete(f"{group_api}/{kind}", json={"ids": ids}, timeout=TIMEOUT))


def test_lab_datasource_is_saved_as_the_ui_form_saves_it(engine_lab):
    server, _, _ = engine_lab
    ds = datasource_of(server)
    assert ds["cluster_name"] == ENGINE_NAME
    settings = ds.get("settings") or {}
    write_addr = next((v for k, v in settings.items() if "write_addr" in k), "")
    assert write_addr == server.prometheus_url + "/api/v1/write"


def events(server: N9eLab, kind: str) -> list[dict]:
    """alert-cur-events or alert-his-events of the lab group, the last hour."""
    got = ok(
        server.session().get(
            f"{server.api}/{kind}/list",
            params={"bgid": server.group_id, "hours": 1, "limit": 200},
            timeout=TIMEOUT,
        )
    )
    return got.get("list") or []


def test_alert_engine_evaluates_the_rule_and_raises_an_event(engine_lab):
    server, alert_name, _ = engine_lab
    started = time.monotonic()
    deadline = started + WAIT
    while True:
        current = [e for e in events(server, "alert-cur-events") if e["rule_name"] == alert_name]
        if current:
            break
        assert time.monotonic() < deadline, f"no alert event for {alert_name} within {WAIT:.0f}s"
        time.sleep(2)
    event = current[0]
    assert event["group_id"] == server.group_id and event["datasource_id"] == server.datasource_id
    assert event["severity"] == 3 and event["is_recovered"] is False
    # n9e records each firing in the history too
    history = [e for e in events(server, "alert-his-events") if e["rule_name"] == alert_name]
    assert history and history[0]["is_recovered"] == 0


def test_recording_rule_written_by_n9e_appears_in_the_datasource(engine_lab):
    server, _, record_name = engine_lab
    deadline = time.monotonic() + WAIT
    while True:
        result = requests.get(
            server.prometheus_url + "/api/v1/query", params={"query": record_name}, timeout=TIMEOUT
        ).json()["data"]["result"]
        if result:
            break
        assert time.monotonic() < deadline, (
            f"n9e wrote no {record_name} into {server.prometheus_url} in {WAIT}s"
        )
        time.sleep(2)
    assert result[0]["metric"].get("source") == "n9e-k8s-lab"  # the rule's append_tags
    assert result[0]["value"][1] == "1"
    log = (Path(server.state_dir) / "n9e.log").read_text(errors="replace")
    assert "push data" not in log, [line for line in log.splitlines() if "push data" in line][:3]


def test_web_ui_is_served_from_n9e_lab_pub(tmp_path: Path):
    """N9E_LAB_PUB: n9e serves `pub/` next to its argv[0] (runner.Cwd); the lab runs n9e as <state>/n9e and links
    <state>/pub to the given UI build, so `/` and its assets come from there (here a stand-in build)."""
    import os
    import subprocess
    import sys

    from tests.plugins.n9e_lab import LAB, _parse_exports

    pub = tmp_path / "fe" / "pub"
    (pub / "assets").mkdir(parents=True)
    (pub / "index.html").write_text("<!doctype html><title>n9e-k8s stand-in UI</title>\n")
    (pub / "assets" / "app.js").write_text("console.log('n9e-k8s')\n")
    state = tmp_path / "state"
    env = {**os.environ, "N9E_LAB_DIR": str(state), "N9E_LAB_PUB": str(pub)}
    lab = [sys.executable, str(LAB / "lab.py")]
    proc = subprocess.run([*lab, "up"], env=env, capture_output=True, text=True, timeout=300)
    try:
        assert proc.returncode == 0, proc.stderr[-3000:]
        url = _parse_exports(proc.stdout)["N9E_URL"]
        index = requests.get(url + "/", timeout=TIMEOUT)
        assert index.status_code == 200 and "n9e-k8s stand-in UI" in index.text
        assert "n9e-k8s stand-in UI" in requests.get(url + "/dashboards/1", timeout=TIMEOUT).text  # UI routes
        assert requests.get(url + "/assets/app.js", timeout=TIMEOUT).text == "console.log('n9e-k8s')\n"
        assert f"cwd={state}" in (state / "n9e.log").read_text()  # the wrapper's start line: runner.Cwd
    finally:
        subprocess.run([*lab, "down"], env=env, capture_output=True, timeout=120)


def test_sync_alerts_warns_only_for_a_datasource_without_the_path(engine_lab, tmp_path: Path):
    """The lab's datasource (cluster + write_addr) gives no path warning; one saved as the old lab did (API, no
    cluster_name, empty write_addr) gives both. A dry run of the built-in rules, nothing written."""
    import json

    from n9e_k8s.cli import _register_all, app
    from typer.testing import CliRunner

    server, _, _ = engine_lab
    http = server.session()
    old_name = "old-lab-" + uuid.uuid4().hex[:6]
    body = {
        "name": old_name,
        "plugin_type": "prometheus",
        "plugin_type_name": "Prometheus Like",
        "category": "timeseries",
        "status": "enabled",
        "force_save": True,
        "settings": {"write_addr": "", "internal_addr": ""},
        "http": {"url": server.prometheus_url, "timeout": 10000, "dial_timeout": 3000},
        "auth": {"basic_auth": False},
    }
    resp = http.post(server.api + "/datasource/upsert", json=body, timeout=TIMEOUT).json()
    assert not resp.get("err") and not resp.get("error"), resp
    _register_all()
    reports = {}
    for ds in ("prometheus", old_name):
        env = {
            "N9E_URL": server.url,
            "N9E_TOKEN": server.token,
            "N9E_AUTH_HEADER": server.auth_header,
            "N9E_GROUP": str(server.group_id),
            "N9E_DATASOURCE": ds,
            "N9E_K8S_CONFIG": str(tmp_path / "none.yaml"),
        }
        res = CliRunner().invoke(app, ["sync-alerts", "--dry-run", "-o", "json"], env=env)
        assert res.exit_code == 3, res.output  # the built-in rules are not in the lab group: creates pending
        reports[ds] = {w["code"] for w in json.loads(res.stdout)["warnings"]}
    path = {"datasource-without-cluster", "datasource-without-write-addr"}
    assert reports["prometheus"] & path == set()
    assert reports[old_name] & path == path
    v8_plus = int(server.version.lstrip("v").split(".")[0]) >= 8
    assert ("no-notify-rule" in reports["prometheus"]) == v8_plus


def test_notify_rule_names_resolve_on_the_real_server(engine_lab, tmp_path: Path):
    """v8+: `--notify-rule NAME` links every synced alert rule to that notify rule (its id on this server); an
    unknown name fails before anything is written. v6/v7 have no notify rules: a usage error."""
    import json

    from n9e_k8s.cli import _register_all, app
    from typer.testing import CliRunner

    server, _, _ = engine_lab
    http = server.session()
    build = tmp_path / "build"
    (build / "alerts").mkdir(parents=True)
    rule = {
        "name": "N9eK8sNotifyProbe" + uuid.uuid4().hex[:6],
        "rule_config": {"version": "v1", "queries": [{"prom_ql": "vector(1) < 0", "severity": 2}]},
        "prom_eval_interval": 30,
        "append_tags": ["team=k8s"],
        "annotations": {"summary": "probe"},
    }
    (build / "alerts" / "probe.json").write_text(json.dumps([rule]))
    group = "n9e-k8s-notify-" + uuid.uuid4().hex[:6]
    env = {
        "N9E_URL": server.url,
        "N9E_TOKEN": server.token,
        "N9E_AUTH_HEADER": server.auth_header,
        "N9E_GROUP": group,
        "N9E_DATASOURCE": str(server.datasource_id),
        "N9E_K8S_CONFIG": str(tmp_path / "none.yaml"),
    }
    _register_all()
    args = ["sync-alerts", "--from-build", str(build), "--create-group", "-o", "json"]
    v8_plus = int(server.version.lstrip("v").split(".")[0]) >= 8
    if not v8_plus:
        res = CliRunner().invoke(app, [*args, "--notify-rule", "oncall"], env=env)
        assert res.exit_code == 2 and "no notify rules (v8+)" in res.output, res.output
        return
    name = "n9e-k8s-oncall-" + uuid.uuid4().hex[:6]
    created = ok(
        http.post(
            server.api + "/notify-rules",
            json=[{"name": name, "enable": True, "user_group_ids": [], "notify_configs": []}],
            timeout=TIMEOUT,
        )
    )
    rule_id = next(
        r["id"] for r in ok(http.get(server.api + "/notify-rules", timeout=TIMEOUT)) if r["name"] == name
    )
    assert created and rule_id
    unknown = CliRunner().invoke(app, [*args, "--notify-rule", name + "-nope"], env=env)
    assert unknown.exit_code == 2 and "not found in n9e" in unknown.output, unknown.output
    groups = ok(http.get(server.api + "/busi-groups", timeout=TIMEOUT)) or []
    assert group not in [g["name"] for g in groups]  # nothing written, not even the group
    res = CliRunner().invoke(app, [*args, "--notify-rule", name], env=env)
    assert res.exit_code == 0, res.output
    assert "no-notify-rule" not in {w["code"] for w in json.loads(res.stdout)["warnings"]}
    group_id = json.loads(res.stdout)["group"]["id"]
    (got,) = [r for r in ok(http.get(f"{server.api}/busi-group/{group_id}/alert-rules", timeout=TIMEOUT))]
    assert got["notify_rule_ids"] == [rule_id] and got["notify_version"] == 1
    # the same sync again: nothing to change
    again = CliRunner().invoke(app, [*args, "--notify-rule", name, "--dry-run"], env=env)
    assert again.exit_code == 0, again.output
