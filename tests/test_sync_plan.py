"""The pure parts of the sync: normalisation, the planner's decisions, markers, settings precedence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from n9e_k8s.errors import UsageError
from n9e_k8s.sync.handlers import AlertRuleHandler, BoardHandler, RecordingRuleHandler
from n9e_k8s.sync.plan import content_hash, plan_kind
from n9e_k8s.sync.settings import resolve_settings


def board(ident: str = "k8s-a", title: str = "CPU") -> dict:
    return {
        "name": f"Board {ident}",
        "ident": ident,
        "tags": "kubernetes",
        "note": "",
        "configs": {"version": "3.0.0", "var": [], "panels": [{"id": "p1", "name": title}]},
    }


def as_server(h: BoardHandler, desired: dict, id_: int, **extra) -> dict:
    """What n9e returns for a board this tool wrote: the wire body plus server-side fields."""
    return {
        **h.wire(h.prepare(desired)),
        "id": id_,
        "group_id": 3,
        "create_at": 1,
        "update_by": "root",
        **extra,
    }


def test_board_written_then_read_back_is_unchanged() -> None:
    h = BoardHandler(None, 3)
    remote = as_server(h, board(), 7, update_by_nickname="Admin", public=0, bgids=None)
    remote["configs"] = json.dumps(
        json.loads(remote["configs"]), indent=4
    )  # key order and spacing do not matter
    [a] = plan_kind(h, [h.prepare(board())], [remote])
    assert a.op == "unchanged" and a.diff == ""


def test_board_tag_order_and_hash_tag_are_ignored_in_the_diff() -> None:
    h = BoardHandler(None, 3)
    remote = as_server(h, board(), 7)
    remote["tags"] = " ".join(reversed(remote["tags"].split()))
    [a] = plan_kind(h, [h.prepare(board())], [remote])
    assert a.op == "unchanged"


def test_source_change_is_an_update_with_a_diff() -> None:
    h = BoardHandler(None, 3)
    remote = as_server(h, board(), 7)
    [a] = plan_kind(h, [h.prepare(board(title="CPU seconds"))], [remote])
    assert a.op == "update"
    assert '-        "name": "CPU"' in a.diff and '+        "name": "CPU seconds"' in a.diff


def test_remote_edit_is_drift_and_force_overwrites() -> None:
    h = BoardHandler(None, 3)
    remote = as_server(h, board(), 7)
    configs = json.loads(remote["configs"])
    configs["panels"][0]["name"] = "edited in the UI"
    remote["configs"] = json.dumps(configs)
    [a] = plan_kind(h, [h.prepare(board())], [remote])
    assert a.op == "drift" and not a.writes
    [a] = plan_kind(h, [h.prepare(board())], [remote], force=True)
    assert a.op == "drift" and a.forced and a.writes


def test_unmanaged_remote_with_same_key_is_a_conflict() -> None:
    h = BoardHandler(None, 3)
    [a] = plan_kind(h, [h.prepare(board())], [{**board(), "id": 9, "configs": "{}"}])
    assert a.op == "conflict" and not a.writes


def test_prune_deletes_only_managed_and_never_drifted_without_force() -> None:
    h = BoardHandler(None, 3)
    gone = as_server(h, board("k8s-gone"), 8)
    hand = {**board("by-hand"), "id": 9, "configs": "{}"}
    edited = as_server(h, board("k8s-edited"), 10)
    edited["name"] = "renamed in the UI"
    want = [h.prepare(board())]
    keep = as_server(h, board(), 7)
    assert [a.op for a in plan_kind(h, want, [keep, gone, hand, edited])] == ["unchanged"]
    actions = plan_kind(h, want, [keep, gone, hand, edited], prune=True)
    assert sorted((a.key, a.op, a.writes) for a in actions) == [
        ("k8s-a", "unchanged", False),
        ("k8s-edited", "drift", False),
        ("k8s-gone", "delete", True),
    ]


def test_missing_is_create() -> None:
    h = BoardHandler(None, 3)
    [a] = plan_kind(h, [h.prepare(board())], [])
    assert a.op == "create" and a.writes


def test_board_hash_is_stored_in_a_tag() -> None:
    h = BoardHandler(None, 3)
    wire = h.wire(h.prepare(board()))
    tags = wire["tags"].split()
    assert "n9e-k8s" in tags and f"n9e-k8s-sha={content_hash(h.normalise(h.prepare(board())))}" in tags
    assert isinstance(wire["configs"], str)
    assert "note" not in BoardHandler(None, 3, note_supported=False).wire(h.prepare(board()))


def rule(**over) -> dict:
    return {
        "name": "KubeAPIDown",
        "rule_config": {"version": "v1", "queries": [{"prom_ql": "absent(up)", "severity": 1}]},
        "prom_eval_interval": 30,
        "append_tags": ["severity=critical"],
        "annotations": {"summary": "down"},
        **over,
    }


def test_alert_rule_server_fields_are_normalised_away() -> None:
    h = AlertRuleHandler(None, 3, datasource_id=1)
    d = h.prepare(rule())
    remote = {
        **h.wire(d),
        "id": 5,
        "group_id": 3,
        "severities": [1],
        "severity": 0,
        "cur_event_count": 0,
        "update_by_nickname": "Admin",
        "notify_groups_obj": [],
        "rule_config": json.dumps(d["rule_config"]),  # some versions return it as a string
        "append_tags": ["managed_by=n9e-k8s", "severity=critical"],
        "callbacks": None,
        "pipeline_configs": None,
        "time_zone": "",
    }
    del remote["datasource_ids"]  # v9.1.1 does not return it
    [a] = plan_kind(h, [d], [remote])
    assert a.op == "unchanged", a.diff


def test_alert_rule_legacy_form_is_converted() -> None:
    h = AlertRuleHandler(None, 3, datasource_id=1, version=(8, 5, 1))
    d = h.prepare(
        {
            "name": "X",
            "prom_ql": "up == 0",
            "severity": 3,
            "enable_stime": "00:00",
            "enable_etime": "23:59",
            "enable_days_of_week": ["1"],
        }
    )
    assert d["prom_ql"] == "" and d["rule_config"] == {"queries": [{"prom_ql": "up == 0", "severity": 3}]}
    assert d["enable_days_of_weeks"] == [["1"]] and d["cron_pattern"] == "@every 30s"
    assert d["datasource_queries"] == [{"match_type": 0, "op": "in", "values": [1]}]
    assert h.wire(d)["datasource_ids"] == [1]


def test_alert_rule_validation() -> None:
    h = AlertRuleHandler(None, 3, datasource_id=1)
    assert h.validate(rule()) == []
    errs = h.validate(
        rule(name="a<b", append_tags=["x", "managed_by=me"], enable_stimes=["25:00"], enable_etimes=["23:59"])
    )
    assert any("contains" in e for e in errs)
    assert any("'x' must be key=value" in e for e in errs)
    assert any("duplicate key" in e for e in errs)
    assert any("HH:MM" in e for e in errs)
    assert AlertRuleHandler(None, 3).validate(rule())[0].startswith("no datasource")


def test_recording_rules_keyed_by_name_and_labels_marker_in_note() -> None:
    h = RecordingRuleHandler(None, 3, datasource_id=1)
    a = h.prepare({"name": "x:y", "prom_ql": "sum(up)", "append_tags": ["verb=read"], "note": "Read"})
    b = h.prepare({"name": "x:y", "prom_ql": "sum(up)", "append_tags": ["verb=write"]})
    assert h.key(a) == "x:y{verb=read}" and h.key(b) == "x:y{verb=write}"
    wire = h.wire(a)
    assert wire["note"].startswith("Read\n[n9e-k8s sha=") and wire["append_tags"] == ["verb=read"]
    remote = {**wire, "id": 1, "group_id": 3, "query_configs": None}
    assert h.is_managed(remote) and h.stored_hash(remote) == content_hash(h.normalise(a))
    [act] = plan_kind(h, [a], [remote])
    assert act.op == "unchanged"
    assert h.validate({"name": "bad name", "prom_ql": ""}) == [
        "name 'bad name' is not a valid metric name",
        "prom_ql is empty",
    ]


V6 = (6, 7, 3)


def test_v6_alert_rule_uses_datasource_ids_and_no_v7_v8_fields() -> None:
    h = AlertRuleHandler(None, 3, datasource_id=1, version=V6)
    d = h.prepare(rule(cron_pattern="@every 30s", notify_version=1, datasource_queries=[{"match_type": 2}]))
    assert d["datasource_ids"] == [1]
    assert not {"datasource_queries", "cron_pattern", "notify_version", "notify_rule_ids"} & set(d)
    wire = h.wire(d)
    assert "datasource_queries" not in wire and len(wire["annotations"]["n9e_k8s_sha"]) == 16
    # What v6.7.3 returns for it: datasource_ids, rule_config as an object, legacy and derived fields.
    remote = {
        **wire,
        "id": 5,
        "group_id": 3,
        "cluster": "",
        "severity": 0,
        "severities": [1],
        "algorithm": "",
        "algo_params": None,
        "enable_stime": "00:00",
        "enable_etime": "23:59",
        "enable_days_of_week": ["0", "1", "2", "3", "4", "5", "6"],
        "notify_groups_obj": [],
        "append_tags": ["severity=critical", "managed_by=n9e-k8s"],
    }
    [a] = plan_kind(h, [d], [remote])
    assert a.op == "unchanged", a.diff
    [a] = plan_kind(h, [d], [{**remote, "datasource_ids": [2]}])
    assert a.op == "drift" and '"datasource_ids"' in a.diff
    assert h.validate(rule()) == []
    assert AlertRuleHandler(None, 3, version=V6).validate(rule())[0].startswith("no datasource")


def test_datasource_converted_between_the_fields_of_the_versions() -> None:
    """An export of v9 (datasource_queries) syncs to v6 (datasource_ids) without --datasource, and back."""
    v6, v9 = AlertRuleHandler(None, 3, version=V6), AlertRuleHandler(None, 3, version=(9, 1, 1))
    exact = [{"match_type": 0, "op": "in", "values": [4, 7]}]
    every = [{"match_type": 2, "op": "in", "values": [0]}]
    assert v6.prepare(rule(datasource_queries=exact))["datasource_ids"] == [4, 7]
    assert v6.prepare(rule(datasource_queries=every))["datasource_ids"] == [0]
    assert v6.prepare(rule(datasource_ids=[3, 0]))["datasource_ids"] == [0]  # n9e stores it so
    assert v9.prepare(rule(datasource_ids=[4, 7]))["datasource_queries"] == exact
    assert v9.prepare(rule(datasource_ids=[0]))["datasource_queries"] == every
    assert v9.prepare(rule(datasource_ids=[4], datasource_queries=every))["datasource_queries"] == every
    r6 = RecordingRuleHandler(None, 3, version=V6)
    assert r6.prepare({"name": "a:b", "prom_ql": "up", "datasource_queries": exact})["datasource_ids"] == [
        4,
        7,
    ]


def test_v6_recording_rule_has_no_cron_pattern() -> None:
    h = RecordingRuleHandler(None, 3, datasource_id=1, version=V6)
    d = h.prepare(
        {"name": "x:y", "prom_ql": "sum(up)", "prom_eval_interval": 120, "cron_pattern": "@every 1m"}
    )
    assert d["datasource_ids"] == [1] and "cron_pattern" not in d and "datasource_queries" not in d
    wire = h.wire(d)
    remote = {**wire, "id": 1, "group_id": 3, "query_configs": None, "cluster": "0"}
    [a] = plan_kind(h, [d], [remote])
    assert a.op == "unchanged", a.diff
    v9 = RecordingRuleHandler(None, 3, datasource_id=1).prepare({"name": "x:y", "prom_ql": "up"})
    assert v9["cron_pattern"] == "@every 60s" and "datasource_queries" in v9


# ------------------------------------------------------------------------------------------- settings


def write_config(tmp_path: Path) -> Path:
    cfg = tmp_path / "config.yaml"
    cfg.write_text(
        "current-context: lab\n"
        "contexts:\n"
        "  lab: {url: 'http://ctx:17000/', token_env: LAB_TOKEN, group: ctx-group, datasource: 1}\n"
        "  prod: {url: 'https://prod', username: ci, password_env: PROD_PW, ca_file: /etc/ca.pem}\n"
    )
    return cfg


def test_settings_precedence_flags_env_context(tmp_path: Path) -> None:
    cfg = write_config(tmp_path)
    env = {"LAB_TOKEN": "t-ctx", "N9E_K8S_CONFIG": str(cfg)}
    s = resolve_settings({}, environ=env)
    assert (s.url, s.token, s.group, s.datasource, s.context) == (
        "http://ctx:17000",
        "t-ctx",
        "ctx-group",
        "1",
        "lab",
    )
    s = resolve_settings({}, environ={**env, "N9E_GROUP": "env-group", "N9E_TOKEN": "t-env"})
    assert (s.group, s.token) == ("env-group", "t-env")
    s = resolve_settings(
        {"group": "flag-group", "url": "http://flag"}, environ={**env, "N9E_GROUP": "env-group"}
    )
    assert (s.group, s.url) == ("flag-group", "http://flag")
    s = resolve_settings({}, config=str(cfg), context="prod", environ={"PROD_PW": "pw"})
    assert (s.username, s.password, s.ca_file) == ("ci", "pw", "/etc/ca.pem")
    assert "pw" not in repr(s) and "t-ctx" not in repr(resolve_settings({}, environ=env))


def test_settings_errors(tmp_path: Path) -> None:
    cfg = write_config(tmp_path)
    with pytest.raises(UsageError, match="no context 'nope'"):
        resolve_settings({}, config=str(cfg), context="nope", environ={})
    with pytest.raises(UsageError, match=r"token_env names \$LAB_TOKEN"):
        resolve_settings({}, config=str(cfg), environ={})
    with pytest.raises(UsageError, match="no n9e URL"):
        resolve_settings({}, environ={"N9E_K8S_CONFIG": str(tmp_path / "absent.yaml")})
    with pytest.raises(UsageError, match="config file not found"):
        resolve_settings({}, config=str(tmp_path / "absent.yaml"), environ={})


# ---- duplicates of one managed identity (a killed run, two runs at once) converge to one, with or without prune


def alert_remote(h: AlertRuleHandler, d: dict, id_: int) -> dict:
    return {**h.wire(d), "id": id_, "group_id": 3}


@pytest.mark.parametrize("prune", [False, True])
def test_two_managed_copies_of_a_rule_keep_one_and_delete_the_other(prune: bool) -> None:
    h = AlertRuleHandler(None, 3, datasource_id=1)
    d = h.prepare(rule())
    old = alert_remote(h, h.prepare(rule(prom_eval_interval=60)), 5)  # an older copy
    same = alert_remote(h, d, 9)  # the copy a killed run wrote: already the source
    actions = plan_kind(h, [d], [old, same], prune=prune)
    by_op = {(a.op, a.remote["id"]) for a in actions}
    assert by_op == {("unchanged", 9), ("delete", 5)}
    [dup] = [a for a in actions if a.op == "delete"]
    assert dup.reason == "duplicate of a managed object"


def test_duplicate_boards_by_ident_converge_and_an_unmanaged_one_is_never_deleted() -> None:
    h = BoardHandler(None, 3)
    d = h.prepare(board())
    a, b = as_server(h, board(), 7), as_server(h, board(), 8)
    hand_made = {**board(), "id": 3, "configs": json.dumps(board()["configs"])}  # no markers
    actions = plan_kind(h, [d], [hand_made, b, a])
    ops = sorted((x.op, x.remote["id"]) for x in actions)
    assert ops == [("delete", 8), ("unchanged", 7)]  # the hand-made board 3 is not in the plan at all


def test_an_edited_duplicate_is_drift_and_deleted_only_with_force() -> None:
    h = AlertRuleHandler(None, 3, datasource_id=1)
    d = h.prepare(rule())
    edited = alert_remote(h, d, 9)
    edited["prom_eval_interval"] = 15  # changed in n9e after this tool wrote it
    for force in (False, True):
        actions = plan_kind(h, [d], [alert_remote(h, d, 5), edited], force=force)
        [dup] = [a for a in actions if a.remote["id"] == 9]
        assert dup.op == "drift" and dup.desired is None and dup.writes is force
