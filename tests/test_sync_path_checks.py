"""sync-alerts checks n9e's path for the rules (stub contract tests, with n9e's recorded answers).

* a datasource without an alert engine cluster (`cluster_name` empty): n9e evaluates none of its rules
* a datasource without `write_addr`: n9e's recording rules write nothing
* v8+: alert rules linked to no notify rule notify nobody; `--notify-rule NAME` / `notify_rules:` link them

The datasource answers are n9e v9.1.1's own (tests/fixtures/n9e-ui-saved/datasource-prometheus.*.json: the old lab's
datasource, and the same after the UI's form saved it with the engine cluster); the notify-rule answer has the
fields of v9.1.1's `models.NotifyRule`.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from tests.n9e_stub import Stub, ok
from tests.test_sync_faults import TOKEN, build_dir, invoke  # noqa: F401 (fixture)

FIXTURES = Path(__file__).parent / "fixtures" / "n9e-ui-saved"
OLD_LAB_DS = json.loads((FIXTURES / "datasource-prometheus.synced.json").read_text())
UI_SAVED_DS = json.loads((FIXTURES / "datasource-prometheus.ui-saved.json").read_text())
NOTIFY_RULES = [
    {
        "id": 4,
        "name": "oncall-k8s",
        "description": "",
        "enable": True,
        "user_group_ids": [1],
        "pipeline_configs": [],
        "notify_configs": [],
        "create_at": 1796155915,
        "create_by": "root",
        "update_at": 1796155915,
        "update_by": "root",
        "update_by_nickname": "",
    },
    {"id": 7, "name": "platform-mail", "enable": True, "user_group_ids": [1], "notify_configs": []},
]


def routes(stub: Stub, datasource: dict, version: str = "v9.1.1") -> None:
    stub.route("GET", "/api/n9e/versions", ok({"version": version, "github_verison": ""}))
    stub.route("GET", "/api/n9e/busi-groups", ok([{"id": 3, "name": "k8s"}]))
    ds = {**datasource, "id": 1, "name": "prom"}
    if version.startswith(
        "v6"
    ):  # v6's brief has only these; the whole datasource is in POST /datasource/list
        stub.route(
            "GET", "/api/n9e/datasource/brief", ok([{"id": 1, "name": "prom", "plugin_type": "prometheus"}])
        )
        stub.route("POST", "/api/n9e/datasource/list", ok([ds]))
    else:
        stub.route("GET", "/api/n9e/datasource/brief", ok([ds]))
    stub.route("GET", "/api/n9e/notify-rules", ok(NOTIFY_RULES))
    stub.route("GET", "/api/n9e/busi-group/3/alert-rules", ok([]))
    stub.route("GET", "/api/n9e/busi-group/3/recording-rules", ok([]))
    stub.route("POST", "/api/n9e/busi-group/3/alert-rules", ok({"A1": "", "A2": "", "A3": ""}))
    stub.route("POST", "/api/n9e/busi-group/3/recording-rules", ok({"job:up:sum": ""}))


def writes(stub: Stub) -> list:
    """Requests that change something (v6's POST /datasource/list only reads)."""
    return [s for s in stub.seen if s.method not in ("GET", "HEAD") and s.path != "/api/n9e/datasource/list"]


def with_path(datasource: dict) -> dict:
    """The datasource with an engine cluster and a remote-write address (as the new lab provisions it)."""
    ds = copy.deepcopy(datasource)
    ds["cluster_name"] = "default"
    ds["settings"] = {**ds["settings"], "write_addr": "http://127.0.0.1:9090/api/v1/write"}
    return ds


def sync_alerts(stub: Stub, build: Path, *args: str):
    env = {"N9E_URL": stub.url, "N9E_TOKEN": TOKEN, "N9E_GROUP": "k8s", "N9E_DATASOURCE": "prom"}
    res = invoke("sync-alerts", "--from-build", str(build), "-o", "json", "--retries", "0", *args, env=env)
    return res, (json.loads(res.stdout) if res.stdout.strip().startswith("{") else None)


def codes(report: dict) -> list[str]:
    return [w["code"] for w in report["warnings"]]


@pytest.mark.parametrize("version", ["v9.1.1", "v6.7.3"])
def test_datasource_without_cluster_and_write_addr_warns(build_dir, version):  # noqa: F811
    with Stub() as stub:
        routes(stub, OLD_LAB_DS, version)
        res, report = sync_alerts(stub, build_dir, "--dry-run")
    assert res.exit_code == 3, res.output  # the warnings do not change the exit code
    assert "datasource-without-cluster" in codes(report)
    assert "datasource-without-write-addr" in codes(report)
    assert "1 recording rule(s)" in " ".join(w["message"] for w in report["warnings"])
    assert not writes(stub)


def test_ui_saved_datasource_still_lacks_write_addr(build_dir):  # noqa: F811
    with Stub() as stub:
        routes(stub, UI_SAVED_DS)
        _, report = sync_alerts(stub, build_dir, "--dry-run", "--notify-rule", "oncall-k8s")
    assert codes(report) == ["datasource-without-write-addr"]


@pytest.mark.parametrize("version", ["v9.1.1", "v6.7.3"])
def test_datasource_with_cluster_and_write_addr_does_not_warn(build_dir, version):  # noqa: F811
    with Stub() as stub:
        routes(stub, with_path(OLD_LAB_DS), version)
        args = ("--notify-rule", "oncall-k8s") if version >= "v8" else ()
        _, report = sync_alerts(stub, build_dir, "--dry-run", *args)
    assert report["warnings"] == []


def test_v8_plus_without_notify_rule_warns_that_rules_are_silent(build_dir):  # noqa: F811
    with Stub() as stub:
        routes(stub, with_path(OLD_LAB_DS))
        _, report = sync_alerts(stub, build_dir, "--dry-run")
    assert codes(report) == ["no-notify-rule"]
    assert "3 alert rule(s)" in report["warnings"][0]["message"]


def test_notify_rule_names_resolve_to_ids_per_server(build_dir):  # noqa: F811
    with Stub() as stub:
        routes(stub, with_path(OLD_LAB_DS))
        res, report = sync_alerts(
            stub, build_dir, "--notify-rule", "platform-mail", "--notify-rule", "oncall-k8s"
        )
        sent = stub.calls("POST", "/api/n9e/busi-group/3/alert-rules")[0].body
    assert res.exit_code == 0, res.output
    assert [r["notify_rule_ids"] for r in sent] == [[4, 7]] * 3
    assert all(r["notify_version"] == 1 for r in sent)
    assert report["warnings"] == []


def test_unknown_notify_rule_fails_before_any_write(build_dir):  # noqa: F811
    with Stub() as stub:
        routes(stub, with_path(OLD_LAB_DS))
        res, _ = sync_alerts(stub, build_dir, "--notify-rule", "nobody-listens")
    assert res.exit_code != 0
    assert "'nobody-listens' not found" in res.output and "oncall-k8s" in res.output
    assert not writes(stub)


def test_notify_rule_on_v6_is_a_usage_error(build_dir):  # noqa: F811
    with Stub() as stub:
        routes(stub, with_path(OLD_LAB_DS), "v6.7.3")
        res, _ = sync_alerts(stub, build_dir, "--notify-rule", "oncall-k8s")
    assert res.exit_code != 0 and "no notify rules (v8+)" in res.output
    assert not writes(stub)


def test_config_notify_rules(tmp_path: Path):
    from n9e_k8s.errors import SourceErrors
    from n9e_k8s.selectors import load_selectors

    base = "cluster_label: cluster\ncomponents:\n  apiserver: {job: apiserver}\n"
    (tmp_path / "config.yaml").write_text(base + "notify_rules:\n  - oncall-k8s\n")
    assert load_selectors(tmp_path).notify_rules == ("oncall-k8s",)
    (tmp_path / "config.yaml").write_text(base + "\nnotify_rules: oncall-k8s\n")
    with pytest.raises(SourceErrors) as err:
        load_selectors(tmp_path)
    assert str(err.value).endswith("config.yaml:5: notify_rules: must be a list of notify rule names")
    (tmp_path / "config.yaml").write_text(base)
    assert load_selectors(tmp_path).notify_rules == ()


def test_max_for_caps_for_and_evaluation_interval(build_dir):  # noqa: F811
    with Stub() as stub:
        routes(stub, with_path(OLD_LAB_DS))
        res, _ = sync_alerts(stub, build_dir, "--max-for", "10s", "--notify-rule", "oncall-k8s")
        alerts = stub.calls("POST", "/api/n9e/busi-group/3/alert-rules")[0].body
        records = stub.calls("POST", "/api/n9e/busi-group/3/recording-rules")[0].body
    assert res.exit_code == 0, res.output
    assert {(r["prom_eval_interval"], r["cron_pattern"]) for r in alerts + records} == {(10, "@every 10s")}
    assert {r["prom_for_duration"] for r in alerts} == {0}  # the build's rules have no `for`: kept


@pytest.mark.parametrize("bad", ["soon", "0s", "-5s", "10x"])
def test_bad_max_for_is_a_usage_error_before_any_request(build_dir, bad):  # noqa: F811
    with Stub() as stub:
        routes(stub, with_path(OLD_LAB_DS))
        res, _ = sync_alerts(stub, build_dir, "--max-for", bad)
        assert res.exit_code == 2 and "--max-for" in res.output
        assert stub.seen == []


def test_cap_timings_lowers_only_what_is_longer():
    from n9e_k8s.sync.engine import Desired
    from n9e_k8s.sync.testaid import cap_timings

    slow = {
        "name": "KubeSchedulerDown",
        "prom_for_duration": 900,
        "prom_eval_interval": 60,
        "cron_pattern": "x",
    }
    fast = {"name": "Fast", "prom_for_duration": 5, "prom_eval_interval": 5, "cron_pattern": "@every 5s"}
    desired = {"alert-rule": [Desired(slow, "a"), Desired(fast, "b")]}
    cap_timings(desired, 10)
    got = [
        (d.obj["prom_for_duration"], d.obj["prom_eval_interval"], d.obj["cron_pattern"])
        for d in desired["alert-rule"]
    ]
    assert got == [(10, 10, "@every 10s"), (5, 5, "@every 5s")]
    assert slow["prom_for_duration"] == 900  # the source object is not modified
