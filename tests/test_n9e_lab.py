"""The lab n9e is a real Nightingale: raw HTTP against it, on every version this machine can run.

`available_versions()` is v6.7.3 (built from the Go module proxy, so it runs in CI) plus the pinned v7.7.2/v8.5.1/
v9.1.1 when their source (N9E_LAB_SRC) or cached binaries are here; with N9E_URL + N9E_TOKEN the given server too.
The tests also pin down where v6.7.3 differs from v7.7+ for a client (auth, alert rule datasources, fields).
"""

from __future__ import annotations

import json
import os
import uuid

import pytest
import requests

from tests.plugins.n9e_lab import N9eLab, available_versions

pytestmark = pytest.mark.n9e

TIMEOUT = 15


EXTERNAL = bool(os.environ.get("N9E_URL") and os.environ.get("N9E_TOKEN"))
VERSIONS = available_versions() + (["external"] if EXTERNAL else [])


@pytest.fixture(scope="module", params=VERSIONS)
def lab(request: pytest.FixtureRequest, n9e_lab_factory) -> tuple[N9eLab, str | None]:
    """(server, the version it must report or None for a server given by N9E_URL)."""
    if request.param == "external":
        return request.getfixturevalue("n9e"), None
    return n9e_lab_factory(request.param), request.param


def major_minor(server: N9eLab) -> tuple[int, int]:
    major, minor = server.version.lstrip("v").split(".")[:2]
    return int(major), int(minor)


def is_v6(server: N9eLab) -> bool:
    return major_minor(server)[0] == 6


def test_lab_default_is_the_version_the_module_proxy_serves():
    assert VERSIONS[0] == "v6.7.3"


def ok(resp: requests.Response):
    """The `dat` of a successful n9e answer (HTTP 200, JSON, empty `err`)."""
    assert resp.status_code == 200, resp.text[:500]
    assert resp.headers["Content-Type"].startswith("application/json"), resp.text[:200]
    body = resp.json()
    assert body.get("err", "") == "", body
    return body.get("dat")


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_versions_endpoint_reports_the_pinned_version(lab):
    server, expected = lab
    resp = requests.get(server.api + "/versions", timeout=TIMEOUT)
    version = ok(resp)["version"]
    assert version.startswith("v"), version
    if expected:
        # the lab sets it like n9e's release builds do: <tag>-<commit>
        assert version.split("-")[0] == expected
        assert server.version == version


def test_unauthenticated_request_gets_plain_text_401(lab):
    server, _ = lab
    resp = requests.get(server.api + "/busi-groups", headers={"X-Language": "en"}, timeout=TIMEOUT)
    assert resp.status_code == 401
    assert resp.text.strip() == "unauthorized"
    # with the lab's credentials the same call works and lists the lab's busi group
    groups = ok(requests.get(server.api + "/busi-groups", headers=server.headers, timeout=TIMEOUT))
    assert server.group_id in {g["id"] for g in groups}


def test_auth_header_matches_the_version_and_login_gives_a_working_jwt(lab):
    server, _ = lab
    # v6 and v7 have no personal API tokens: the lab's token is a login JWT for `Authorization: Bearer`
    if major_minor(server) < (8, 0):
        assert server.auth_header == "Authorization"
        token_route = requests.get(server.api + "/self/token", headers=server.headers, timeout=TIMEOUT)
        assert token_route.status_code == 404 or "json" not in token_route.headers.get("Content-Type", "")
    else:
        assert server.auth_header == "X-User-Token"
    # a client that has only username/password logs in itself (N9E_USERNAME / N9E_PASSWORD)
    login = ok(
        requests.post(
            server.api + "/auth/login",
            json={"username": server.username, "password": server.password},
            headers={"X-Language": "en"},
            timeout=TIMEOUT,
        )
    )
    assert login["user"]["username"] == server.username
    bearer = {"Authorization": "Bearer " + login["access_token"], "X-Language": "en"}
    profile = ok(requests.get(server.api + "/self/profile", headers=bearer, timeout=TIMEOUT))
    assert profile["username"] == server.username
    # the JWT is not accepted under the token header
    wrong = requests.get(
        server.api + "/self/profile", headers={"X-User-Token": login["access_token"]}, timeout=TIMEOUT
    )
    assert wrong.status_code == 401


def test_lab_datasource_is_the_prometheus_it_names(lab):
    server, _ = lab
    brief = ok(requests.get(server.api + "/datasource/brief", headers=server.headers, timeout=TIMEOUT))
    assert {"id": server.datasource_id, "name": "prometheus", "plugin_type": "prometheus"}.items() <= next(
        d for d in brief if d["id"] == server.datasource_id
    ).items()
    if server.prometheus_url:
        # a real Prometheus on every version: v6 saves a datasource only after its URL answered a query, and
        # n9e's alert engine and recording rules need one (tests/test_n9e_engine.py)
        resp = requests.get(server.prometheus_url + "/api/v1/query", params={"query": "1+1"}, timeout=TIMEOUT)
        assert resp.json()["data"]["result"][1] == "2"


def test_board_created_by_raw_http_reads_back_with_its_configs(lab):
    server, _ = lab
    configs = {
        "version": "3.0.0",
        "links": [],
        "var": [{"name": "datasource", "type": "datasource", "definition": "prometheus"}],
        "panels": [
            {
                "type": "timeseries",
                "id": "apiserver-rps",
                "version": "3.0.0",
                "name": "API server requests/s",
                "datasourceCate": "prometheus",
                "datasourceValue": "${datasource}",
                "targets": [
                    {
                        "refId": "A",
                        "expr": "sum(rate(apiserver_request_total[5m])) by (verb)",
                        "legend": "{{verb}}",
                    }
                ],
                "options": {"standardOptions": {"util": "none"}},
                "layout": {"h": 7, "w": 24, "x": 0, "y": 0, "i": "apiserver-rps", "isResizable": True},
            }
        ],
    }
    name, ident = unique("n9e-k8s lab board"), unique("n9e-k8s-lab")
    form = {"name": name, "ident": ident, "tags": "n9e-k8s lab", "note": "", "configs": json.dumps(configs)}
    http = server.session()
    created = ok(http.post(f"{server.api}/busi-group/{server.group_id}/boards", json=form, timeout=TIMEOUT))
    try:
        assert isinstance(created, dict), created  # the create answer is the board itself
        board_id = created["id"]
        assert board_id > 0 and created["name"] == name and created["group_id"] == server.group_id

        board = ok(http.get(f"{server.api}/board/{board_id}", timeout=TIMEOUT))
        assert (board["id"], board["name"], board["ident"], board["tags"]) == (
            board_id,
            name,
            ident,
            "n9e-k8s lab",
        )
        assert ("note" in board) == (major_minor(server) >= (8, 5))  # boards have a note since v8.5
        assert isinstance(board["configs"], str)
        assert json.loads(board["configs"]) == configs

        listed = ok(http.get(f"{server.api}/busi-group/{server.group_id}/boards", timeout=TIMEOUT))
        assert board_id in {b["id"] for b in listed}
        # a board's configs must be a JSON *string*: an object is rejected before anything is stored
        bad = http.post(
            f"{server.api}/busi-group/{server.group_id}/boards",
            json={**form, "name": unique("bad"), "ident": "", "configs": configs},
            timeout=TIMEOUT,
        )
        assert bad.status_code == 400 and "cannot unmarshal object" in bad.text
    finally:
        if isinstance(created, dict):
            ok(http.delete(f"{server.api}/boards", json={"ids": [created["id"]]}, timeout=TIMEOUT))


def test_alert_rule_created_reads_back_with_its_fields(lab):
    server, _ = lab
    name = unique("KubeAPIErrorsHigh")
    promql = (
        'sum(rate(apiserver_request_total{code=~"5.."}[5m])) / sum(rate(apiserver_request_total[5m])) > 0.05'
    )
    datasource_queries = [{"match_type": 0, "op": "in", "values": [server.datasource_id]}]
    rule = {
        "name": name,
        "note": "API server 5xx ratio above 5%",
        "prod": "metric",
        "cate": "prometheus",
        # v6 to v7.6 select datasources by `datasource_ids`, v7.7+ by `datasource_queries`; send both
        "datasource_ids": [server.datasource_id],
        "datasource_queries": datasource_queries,
        "disabled": 0,
        "prom_ql": "",
        "rule_config": {"version": "v1", "queries": [{"prom_ql": promql, "severity": 2}]},
        "prom_for_duration": 300,
        "prom_eval_interval": 30,
        "enable_stimes": ["00:00"],
        "enable_etimes": ["23:59"],
        "enable_days_of_weeks": [["0", "1", "2", "3", "4", "5", "6"]],
        "notify_recovered": 1,
        "notify_repeat_step": 60,
        "notify_version": 1,
        "notify_rule_ids": [],
        "append_tags": ["team=platform"],
        "annotations": {"runbook": "https://runbooks.example/kube-api-errors"},
    }
    http = server.session()
    created = ok(
        http.post(f"{server.api}/busi-group/{server.group_id}/alert-rules", json=[rule], timeout=TIMEOUT)
    )
    assert created == {name: ""}  # a map name -> error; no ids

    listed = ok(http.get(f"{server.api}/busi-group/{server.group_id}/alert-rules", timeout=TIMEOUT))
    ids = [r["id"] for r in listed if r["name"] == name]
    assert len(ids) == 1, [r["name"] for r in listed]
    try:
        got = ok(http.get(f"{server.api}/alert-rule/{ids[0]}", timeout=TIMEOUT))
        assert got["group_id"] == server.group_id
        for key in ("name", "note", "prod", "cate", "disabled", "prom_for_duration", "prom_eval_interval"):
            assert got[key] == rule[key], key
        for key in ("append_tags", "annotations", "enable_stimes", "enable_etimes", "enable_days_of_weeks"):
            assert got[key] == rule[key], key
        if is_v6(server):
            # v6: datasource_ids is what is stored; no datasource_queries, cron_pattern or notify rules at all
            assert got["datasource_ids"] == [server.datasource_id]
            for key in ("datasource_queries", "cron_pattern", "notify_version", "notify_rule_ids"):
                assert key not in got, key
        else:
            assert got["datasource_queries"] == datasource_queries
            assert ("cron_pattern" in got) == (major_minor(server) >= (8, 0))  # cron_pattern came in v8.0
        assert isinstance(got["rule_config"], dict)  # stored as a string, served as an object
        assert [(q["prom_ql"], q["severity"]) for q in got["rule_config"]["queries"]] == [(promql, 2)]

        # the same name again in the group: refused by v6 (overlapping datasource) and v8.2+, not by v7.7-v8.1
        again = ok(
            http.post(f"{server.api}/busi-group/{server.group_id}/alert-rules", json=[rule], timeout=TIMEOUT)
        )
        if is_v6(server) or major_minor(server) >= (8, 2):
            assert again == {name: "AlertRule already exists"}
        else:
            assert again == {name: ""}
            listed = ok(http.get(f"{server.api}/busi-group/{server.group_id}/alert-rules", timeout=TIMEOUT))
            ids = [r["id"] for r in listed if r["name"] == name]
            assert len(ids) == 2
    finally:
        ok(
            http.delete(
                f"{server.api}/busi-group/{server.group_id}/alert-rules", json={"ids": ids}, timeout=TIMEOUT
            )
        )
    gone = http.get(f"{server.api}/alert-rule/{ids[0]}", timeout=TIMEOUT)
    assert gone.status_code == 404 and "No such AlertRule" in gone.text


def test_recording_rule_round_trip_on_the_versions_put_route(lab):
    server, _ = lab
    name = "n9e_k8s_lab:" + uuid.uuid4().hex[:8] + ":rate5m"
    rule = {
        "name": name,
        "note": "lab recording rule",
        "disabled": 0,
        "cluster": "0",
        "prom_ql": "sum(rate(apiserver_request_total[5m]))",
        "prom_eval_interval": 60,
        "cron_pattern": "@every 60s",  # v7.0+ (v6 ignores it)
        "append_tags": ["team=platform"],
        "datasource_ids": [server.datasource_id],
        "datasource_queries": [{"match_type": 0, "op": "in", "values": [server.datasource_id]}],
    }
    http = server.session()
    group_api = f"{server.api}/busi-group/{server.group_id}"
    assert ok(http.post(group_api + "/recording-rules", json=[rule], timeout=TIMEOUT)) == {name: ""}
    ids = [
        r["id"] for r in ok(http.get(group_api + "/recording-rules", timeout=TIMEOUT)) if r["name"] == name
    ]
    assert len(ids) == 1
    try:
        got = ok(http.get(f"{server.api}/recording-rule/{ids[0]}", timeout=TIMEOUT))
        assert (got["prom_ql"], got["append_tags"], got["group_id"]) == (
            rule["prom_ql"],
            rule["append_tags"],
            server.group_id,
        )
        if is_v6(server):
            assert got["datasource_ids"] == [server.datasource_id]
            assert "cron_pattern" not in got and "datasource_queries" not in got
        # a full replace; the route moved in v9.0 (and then needs group_id in the body)
        changed = {**rule, "note": "changed", "group_id": server.group_id}
        if major_minor(server) >= (9, 0):
            put = http.put(f"{server.api}/recording-rule/{ids[0]}", json=changed, timeout=TIMEOUT)
            old_route = http.put(f"{group_api}/recording-rule/{ids[0]}", json=changed, timeout=TIMEOUT)
            assert "json" not in old_route.headers.get("Content-Type", "")  # no such route any more
        else:
            put = http.put(f"{group_api}/recording-rule/{ids[0]}", json=changed, timeout=TIMEOUT)
        assert put.status_code == 200 and put.json()["err"] == "", put.text[:300]
        assert ok(http.get(f"{server.api}/recording-rule/{ids[0]}", timeout=TIMEOUT))["note"] == "changed"
    finally:
        ok(http.delete(group_api + "/recording-rules", json={"ids": ids}, timeout=TIMEOUT))
    gone = http.get(f"{server.api}/recording-rule/{ids[0]}", timeout=TIMEOUT)
    assert gone.status_code == 404 and "No such recording rule" in gone.text
