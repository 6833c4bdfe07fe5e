"""import-dashboards / sync-alerts / export against a real n9e (lab/n9e), on every version this machine can run
(`available_versions()`, at collection time: v6.7.3 on CI, plus the cached pins v9.1.1, v8.5.1, v7.7.2 elsewhere).

Each test works in its own new busi group (created by the sync, --create-group), so tests are independent."""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from n9e_k8s.cli import _register_all, app
from n9e_k8s.n9e.client import ClientOptions, Credentials, N9eClient
from n9e_k8s.n9e.versions import parse_n9e_version
from n9e_k8s.project import load_project
from n9e_k8s.source import resolve_source
from n9e_k8s.sync.desired import boards_from_source, from_build, rules_from_source
from n9e_k8s.sync.engine import Desired, Report, SyncOptions, export_group, sync
from typer.testing import CliRunner

from tests.plugins.n9e_lab import N9eLab, available_versions

pytestmark = pytest.mark.n9e
KINDS = ("board", "alert-rule", "recording-rule")
VERSIONS = available_versions()


@pytest.fixture(params=VERSIONS, scope="module")
def lab(request: pytest.FixtureRequest, n9e_lab_factory: Callable[[str], N9eLab]) -> N9eLab:
    return n9e_lab_factory(request.param)


@pytest.fixture
def group() -> str:
    return f"sync-{uuid.uuid4().hex[:10]}"


def client(lab: N9eLab) -> N9eClient:
    # On v6 and v7 the lab's token is a JWT access token; the client sends it as Bearer there by itself.
    return N9eClient(lab.url, Credentials(token=lab.token), ClientOptions(timeout=30, retries=2))


def version(lab: N9eLab) -> tuple[int, int, int]:
    return parse_n9e_version(lab.version)


def datasource_of(lab: N9eLab, rule: dict[str, Any]) -> Any:
    """How the version stores a rule's datasource: `datasource_ids` before v7.7, `datasource_queries` since."""
    if version(lab) < (7, 7, 0):
        return rule["datasource_ids"]
    return rule["datasource_queries"]


def chosen_datasource(lab: N9eLab) -> Any:
    if version(lab) < (7, 7, 0):
        return [lab.datasource_id]
    return [{"match_type": 0, "op": "in", "values": [lab.datasource_id]}]


def builtin(lab: N9eLab, group: str) -> dict[str, list[Desired]]:
    """The built-in content; board idents get the group as suffix (n9e wants idents unique across groups)."""
    project = load_project(resolve_source(None))
    alerts, records = rules_from_source(project, "en", client(lab).version_tuple)
    boards = boards_from_source(project, "en")
    for b in boards:
        b.obj["ident"] = f"{b.obj['ident']}-{group}"
    return {"board": boards, "alert-rule": alerts, "recording-rule": records}


def run(lab: N9eLab, desired: dict[str, list[Desired]], group: str, **opts: Any) -> tuple[Report, N9eClient]:
    c = client(lab)
    report = sync(
        c,
        desired,
        group=group,
        create_group=True,
        datasource=str(lab.datasource_id),
        options=SyncOptions(**opts),
    )
    return report, c


def ops(report: Report) -> dict[str, dict[str, int]]:
    return {k: {op: n for op, n in row.items() if n} for k, row in report.plan.counts().items()}


def api(lab: N9eLab, method: str, path: str, body: Any = None) -> Any:
    r = lab.session().request(method, lab.api + path, json=body, timeout=30)
    r.raise_for_status()
    data = r.json()
    assert not data.get("err"), data
    return data.get("dat")


def group_id(lab: N9eLab, name: str) -> int:
    return next(
        g["id"]
        for g in api(lab, "GET", f"/busi-groups?all=true&limit=5000&query={name}")
        if g["name"] == name
    )


def test_first_sync_creates_everything_second_is_a_noop(lab: N9eLab, group: str) -> None:
    desired = builtin(lab, group)
    counts = {k: len(v) for k, v in desired.items()}
    assert all(counts.values()), counts
    first, _ = run(lab, desired, group)
    assert first.group_created and first.exit_code() == 0
    assert ops(first) == {k: {"create": n} for k, n in counts.items()}
    assert all(a.status == "done" for a in first.plan.actions)

    second, c = run(lab, builtin(lab, group), group)
    assert ops(second) == {k: {"unchanged": n} for k, n in counts.items()}
    # only reads (v6 reads the datasource by POST /datasource/list, counted in read_posts)
    assert c.writes == 0 and set(c.requests) <= {"GET", "POST"} and c.requests["POST"] == c.read_posts, (
        c.requests
    )
    assert second.exit_code() == 0

    dry, c = run(lab, builtin(lab, group), group, dry_run=True)
    assert dry.exit_code() == 0 and c.writes == 0


def test_alert_rules_land_with_datasource_queries_and_rule_config(lab: N9eLab, group: str) -> None:
    desired = builtin(lab, group)
    assert run(lab, desired, group)[0].exit_code() == 0
    gid = group_id(lab, group)
    remote = {r["name"]: r for r in api(lab, "GET", f"/busi-group/{gid}/alert-rules")}
    assert len(remote) == len({d.obj["name"] for d in desired["alert-rule"]})
    for d in desired["alert-rule"]:
        one = api(lab, "GET", f"/alert-rule/{remote[d.obj['name']]['id']}")
        assert datasource_of(lab, one) == chosen_datasource(lab)
        if version(lab) < (7, 0, 0):  # v6 has no such field: the rule must not depend on it
            assert "datasource_queries" not in one and "cron_pattern" not in one
        rc = one["rule_config"] if isinstance(one["rule_config"], dict) else json.loads(one["rule_config"])
        assert [q["prom_ql"] for q in rc["queries"]] == [
            q["prom_ql"] for q in d.obj["rule_config"]["queries"]
        ]
        assert rc["queries"][0]["severity"] in (1, 2, 3)
        assert one["prom_ql"] == "" and one["disabled"] == 0
        if version(lab) >= (8, 0, 0):  # cron_pattern exists since v8.0
            assert one["cron_pattern"] == f"@every {d.obj['prom_eval_interval']}s"
        assert one["enable_days_of_weeks"] == [["0", "1", "2", "3", "4", "5", "6"]]
        assert "managed_by=n9e-k8s" in one["append_tags"] and len(one["annotations"]["n9e_k8s_sha"]) == 16
    records = api(lab, "GET", f"/busi-group/{gid}/recording-rules")
    assert len(records) == len(desired["recording-rule"])
    intervals = {}
    for d in desired["recording-rule"]:
        intervals.setdefault(d.obj["name"], set()).add(d.obj["prom_eval_interval"])
    for r in records:
        assert datasource_of(lab, r) == chosen_datasource(lab) and r["prom_ql"]
        assert r["prom_eval_interval"] in intervals[r["name"]]
        if version(lab) >= (7, 0, 0):  # v6 evaluates every prom_eval_interval, it has no cron_pattern
            assert r["cron_pattern"] == f"@every {r['prom_eval_interval']}s"
        else:
            assert "cron_pattern" not in r
    boards = api(lab, "GET", f"/busi-group/{gid}/boards")
    assert len(boards) == len(desired["board"])
    for b in boards:
        full = api(lab, "GET", f"/board/{b['id']}")
        configs = json.loads(full["configs"])
        assert configs["panels"] and "n9e-k8s" in full["tags"].split()
        ds_vars = [v for v in configs.get("var", []) if v.get("type") == "datasource"]
        assert ds_vars
        assert all(v.get("defaultValue") == lab.datasource_id for v in ds_vars)


def test_one_source_change_updates_exactly_that_object(lab: N9eLab, group: str) -> None:
    assert run(lab, builtin(lab, group), group)[0].exit_code() == 0
    desired = builtin(lab, group)
    board = desired["board"][0].obj
    board["configs"]["panels"][1]["name"] += " (changed)"
    rule = desired["alert-rule"][3].obj
    rule["prom_for_duration"] += 60
    record = desired["recording-rule"][2].obj
    record["note"] = "changed in the source"
    report, c = run(lab, desired, group)
    changed = [(a.kind, a.key) for a in report.plan.actions if a.op != "unchanged"]
    record_key = (
        f"{record['name']}{{{','.join(sorted(record['append_tags']))}}}"
        if record["append_tags"]
        else record["name"]
    )
    assert changed == [
        ("board", board["ident"]),
        ("alert-rule", rule["name"]),
        ("recording-rule", record_key),
    ]
    assert report.exit_code() == 0 and all(
        a.status == "done" for a in report.plan.actions if a.op == "update"
    )
    # board: configs + meta (the hash tag changed); one full PUT per rule (the version-specific recording rule route)
    assert c.requests["POST"] == c.read_posts and c.requests["DELETE"] == 0 and c.requests["PUT"] == 4
    gid = group_id(lab, group)
    notes = [
        r["note"]
        for r in api(lab, "GET", f"/busi-group/{gid}/recording-rules")
        if r["name"] == record["name"]
    ]
    assert any(n.startswith("changed in the source\n[n9e-k8s sha=") for n in notes)
    again, c = run(lab, desired, group)
    assert c.writes == 0 and all(a.op == "unchanged" for a in again.plan.actions)


def test_prune_removes_only_managed_objects(lab: N9eLab, group: str) -> None:
    assert run(lab, builtin(lab, group), group)[0].exit_code() == 0
    gid = group_id(lab, group)
    hand_board = api(
        lab,
        "POST",
        f"/busi-group/{gid}/boards",
        {
            "name": "Made by hand",
            "ident": f"hand-{group}",
            "tags": "mine",
            "configs": json.dumps({"version": "3.0.0", "panels": []}),
        },
    )
    hand_rule = {
        "name": "HandMadeRule",
        "prod": "metric",
        "cate": "prometheus",
        "datasource_ids": [lab.datasource_id],  # v6 - v7.6
        "datasource_queries": [{"match_type": 0, "op": "in", "values": [lab.datasource_id]}],
        "rule_config": {"queries": [{"prom_ql": "up == 0", "severity": 3}]},
        "prom_eval_interval": 30,
        "cron_pattern": "@every 30s",
        "enable_stimes": ["00:00"],
        "enable_etimes": ["23:59"],
        "enable_days_of_weeks": [["0", "1", "2", "3", "4", "5", "6"]],
    }
    assert api(lab, "POST", f"/busi-group/{gid}/alert-rules", [hand_rule]) == {"HandMadeRule": ""}
    desired = builtin(lab, group)
    dropped_board = desired["board"].pop()
    dropped_rule = desired["alert-rule"].pop(0)

    without_prune, c = run(lab, desired, group)
    assert c.writes == 0 and all(a.op == "unchanged" for a in without_prune.plan.actions)

    dry, c = run(lab, desired, group, prune=True, dry_run=True)
    assert dry.exit_code() == 3 and c.writes == 0
    assert sorted((a.kind, a.key) for a in dry.plan.by_op("delete")) == sorted(
        [("board", dropped_board.obj["ident"]), ("alert-rule", dropped_rule.obj["name"])]
    )
    pruned, _ = run(lab, desired, group, prune=True)
    assert pruned.exit_code() == 0 and all(a.status == "done" for a in pruned.plan.by_op("delete"))
    boards = {b["ident"] or b["name"] for b in api(lab, "GET", f"/busi-group/{gid}/boards")}
    assert hand_board["ident"] in boards and dropped_board.obj["ident"] not in boards
    rules = {r["name"] for r in api(lab, "GET", f"/busi-group/{gid}/alert-rules")}
    assert "HandMadeRule" in rules and dropped_rule.obj["name"] not in rules
    assert len(boards) == len(desired["board"]) + 1


def test_ui_edit_is_drift_kept_without_force(lab: N9eLab, group: str, tmp_path: Path) -> None:
    assert run(lab, builtin(lab, group), group)[0].exit_code() == 0
    gid = group_id(lab, group)
    # Edit a board's configs and an alert rule the way the UI saves them.
    board = api(lab, "GET", f"/busi-group/{gid}/boards")[0]
    full = api(lab, "GET", f"/board/{board['id']}")
    configs = json.loads(full["configs"])
    configs["panels"][1]["name"] = "Edited in the UI"
    api(lab, "PUT", f"/board/{board['id']}/configs", {"configs": json.dumps(configs)})
    rule = api(lab, "GET", f"/busi-group/{gid}/alert-rules")[0]
    edited = copy.deepcopy(rule)
    edited["prom_for_duration"] = 1234
    api(lab, "PUT", f"/busi-group/{gid}/alert-rule/{rule['id']}", edited)

    backup = tmp_path / "backup"
    report, c = run(lab, builtin(lab, group), group, backup_dir=backup)
    drift = sorted((a.kind, a.key) for a in report.plan.by_op("drift"))
    assert drift == sorted([("board", board["ident"]), ("alert-rule", rule["name"])])
    assert report.exit_code() == 3 and c.writes == 0  # nothing else changed, the drift is left alone
    assert api(lab, "GET", f"/alert-rule/{rule['id']}")["prom_for_duration"] == 1234
    assert (
        json.loads(api(lab, "GET", f"/board/{board['id']}")["configs"])["panels"][1]["name"]
        == "Edited in the UI"
    )
    saved = sorted(p.relative_to(backup).as_posix() for p in backup.rglob("*.json"))
    assert (
        len(saved) == 2 and saved[0].startswith("alert-rule/") and saved[1] == f"board/{board['ident']}.json"
    )
    assert json.loads((backup / saved[1]).read_text())["configs"]["panels"][1]["name"] == "Edited in the UI"

    forced, c = run(lab, builtin(lab, group), group, force=True, backup_dir=tmp_path / "backup2")
    assert forced.exit_code() == 0 and c.writes >= 2
    assert api(lab, "GET", f"/alert-rule/{rule['id']}")["prom_for_duration"] == rule["prom_for_duration"]
    assert (tmp_path / "backup2" / "board" / f"{board['ident']}.json").is_file()
    after, c = run(lab, builtin(lab, group), group)
    assert c.writes == 0 and all(a.op == "unchanged" for a in after.plan.actions)


def test_unmanaged_object_with_our_key_is_a_conflict(lab: N9eLab, group: str) -> None:
    desired = {"alert-rule": builtin(lab, group)["alert-rule"][:2]}
    run(lab, {"alert-rule": []}, group)  # creates the group only when something is written
    c = client(lab)
    gid = c.create_group(group)
    mine = {**desired["alert-rule"][0].obj, "append_tags": []}
    mine["datasource_queries"] = [{"match_type": 0, "op": "in", "values": [lab.datasource_id]}]
    mine["datasource_ids"] = [lab.datasource_id]  # v6 - v7.6 (and the same name may then exist only once)
    assert c.create_alert_rules(gid, [mine]) == {mine["name"]: ""}
    report, c = run(lab, desired, group)
    assert [(a.op, a.key) for a in report.plan.actions if a.op != "create"] == [("conflict", mine["name"])]
    assert report.exit_code() == 3
    remote = {r["name"]: r for r in c.list_alert_rules(gid)}
    assert "managed_by=n9e-k8s" not in remote[mine["name"]]["append_tags"]


def test_export_round_trip(lab: N9eLab, group: str, tmp_path: Path) -> None:
    assert run(lab, builtin(lab, group), group)[0].exit_code() == 0
    out = tmp_path / "export"
    written = export_group(client(lab), group, out, list(KINDS))
    first = {p: p.read_bytes() for p in written}
    assert {p.parent.name for p in written} == {"dashboards", "alert-rules", "recording-rules"}
    assert all("n9e-k8s-sha" not in b.decode() and "n9e_k8s_sha" not in b.decode() for b in first.values())
    (out / "dashboards" / "stale.json").write_text("{}")
    again = export_group(client(lab), group, out, list(KINDS))
    assert {p: p.read_bytes() for p in again} == first  # stable names and bytes
    assert not (out / "dashboards" / "stale.json").exists()
    # The export is a valid source for the sync: nothing to change.
    report, c = run(lab, from_build(out, list(KINDS)), group)
    assert c.writes == 0, [a.as_json() for a in report.plan.actions if a.op != "unchanged"][:2]


def test_cli_with_password_login_and_exit_codes(lab: N9eLab, group: str, tmp_path: Path) -> None:
    _register_all()
    env = {
        "N9E_URL": lab.url,
        "N9E_TOKEN": "",
        "N9E_USERNAME": lab.username,
        "N9E_PASSWORD": lab.password,
        "N9E_GROUP": group,
        "N9E_DATASOURCE": lab.datasource_name or str(lab.datasource_id),
        "N9E_K8S_CONFIG": str(tmp_path / "none.yaml"),
    }
    build = tmp_path / "build"
    (build / "dashboards").mkdir(parents=True)
    for b in builtin(lab, group)["board"]:
        (build / "dashboards" / f"{b.obj['ident']}.json").write_text(json.dumps(b.obj))
    runner = CliRunner()
    res = runner.invoke(
        app,
        ["import-dashboards", "--from-build", str(build), "--create-group", "--dry-run", "-o", "json"],
        env=env,
    )
    assert res.exit_code == 3, res.output
    res = runner.invoke(
        app, ["import-dashboards", "--from-build", str(build), "--create-group", "-v"], env=env
    )
    assert res.exit_code == 0, res.output
    assert lab.password not in res.stdout + res.stderr and "POST /api/n9e/auth/login -> 200" in res.stderr
    res = runner.invoke(
        app, ["import-dashboards", "--from-build", str(build), "--dry-run", "-o", "json"], env=env
    )
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    assert report["requests"].get("POST", 0) == 1  # the login only
    assert {a["action"] for a in report["actions"]} == {"unchanged"}
    res = runner.invoke(app, ["sync-alerts", "-o", "json"], env=env)
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["export", "--out", str(tmp_path / "exp")], env=env)
    assert res.exit_code == 0 and (tmp_path / "exp" / "alert-rules").is_dir()


def test_token_header_is_right_for_the_version_and_a_rejected_token_falls_back_to_login(lab: N9eLab) -> None:
    from n9e_k8s.n9e.client import N9eAuthError

    opts = ClientOptions(timeout=30, retries=0)
    # As the lab says (N9E_AUTH_HEADER), and decided by the client: both work.
    for creds in (Credentials(token=lab.token, auth_header=lab.auth_header), Credentials(token=lab.token)):
        c = N9eClient(lab.url, creds, opts)
        assert any(g["id"] == lab.group_id for g in c.list_groups())
    if version(lab) < (8, 0, 0):  # v6 and v7 have no API tokens: the same token as X-User-Token is refused
        c = N9eClient(lab.url, Credentials(token=lab.token, auth_header="X-User-Token"), opts)
        with pytest.raises(N9eAuthError, match="has no API tokens"):
            c.list_groups()
    # A token the server refuses (an expired JWT, say) with a username and password: one login, then it works.
    c = N9eClient(
        lab.url, Credentials(token="not-a-valid-token", username=lab.username, password=lab.password), opts
    )
    assert any(g["id"] == lab.group_id for g in c.list_groups())
    assert c.requests["POST"] == 1 + c.read_posts  # the login
    with pytest.raises(N9eAuthError, match="401"):
        N9eClient(lab.url, Credentials(token="not-a-valid-token"), opts).list_groups()


def test_unknown_route_is_route_not_found(lab: N9eLab) -> None:
    from n9e_k8s.n9e.client import N9eAPIError, N9eRouteNotFound

    c = client(lab)
    with pytest.raises(N9eRouteNotFound, match="route not found") as info:
        c.get("/api/n9e/no-such-route-n9e-k8s")
    assert isinstance(info.value, N9eAPIError) and info.value.status == 404
    if version(lab) < (8, 0, 0):  # no /self/token before v8
        with pytest.raises(N9eRouteNotFound):
            c.get("/api/n9e/self/token")


def test_duplicate_board_name_fails_that_board_only(lab: N9eLab, group: str) -> None:
    boards = builtin(lab, group)["board"][:2]
    boards[1].obj["name"] = boards[0].obj["name"]  # n9e: name unique per group (v6: by the DB's unique key)
    report, _ = run(lab, {"board": boards}, group)
    assert [a.status for a in report.plan.actions] == ["done", "failed"]
    assert "uplicate" in report.failed[0].error and report.exit_code() == 1
    gid = group_id(lab, group)
    assert [b["ident"] for b in api(lab, "GET", f"/busi-group/{gid}/boards")] == [boards[0].obj["ident"]]


def test_cli_token_with_auth_header(lab: N9eLab, group: str, tmp_path: Path) -> None:
    _register_all()
    env = {
        "N9E_URL": lab.url,
        "N9E_TOKEN": lab.token,
        "N9E_AUTH_HEADER": lab.auth_header,
        "N9E_USERNAME": "",
        "N9E_PASSWORD": "",
        "N9E_GROUP": group,
        "N9E_DATASOURCE": str(lab.datasource_id),
        "N9E_K8S_CONFIG": str(tmp_path / "none.yaml"),
    }
    runner = CliRunner()
    res = runner.invoke(app, ["sync-alerts", "--create-group", "-o", "json"], env=env)
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    assert report["n9e_version"] == lab.version and report["summary"]["alert-rule"]["create"] > 0
    # group, alert rules, recording rules: no login (v6 also reads the datasource by POST /datasource/list)
    assert report["requests"].get("POST", 0) == 3 + (version(lab) < (7, 0, 0))
    res = runner.invoke(app, ["sync-alerts", "--dry-run", "-o", "json"], env={**env, "N9E_AUTH_HEADER": ""})
    assert res.exit_code == 0, res.output
    assert {a["action"] for a in json.loads(res.stdout)["actions"]} == {"unchanged"}
