"""The sync commands against the HTTP stub, for faults the real n9e cannot be made to produce: a partial
failure in a batch create, and the secrets rules on error paths. Plus: a source error uploads nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from n9e_k8s.cli import _register_all, app
from typer.testing import CliRunner

from tests.n9e_stub import NO_N9E_ENV, Reply, Stub, ok, text

TOKEN = "tok-77aa1c-secret-value"
PASSWORD = "pw-5b4c-secret-value"


def rule(name: str, expr: str = "up == 0") -> dict:
    return {
        "name": name,
        "rule_config": {"version": "v1", "queries": [{"prom_ql": expr, "severity": 2}]},
        "prom_eval_interval": 30,
        "append_tags": ["team=k8s"],
        "annotations": {"summary": name},
    }


def board(ident: str, name: str) -> dict:
    return {
        "name": name,
        "ident": ident,
        "tags": "k8s",
        "note": "",
        "configs": {"version": "3.0.0", "var": [], "panels": []},
    }


@pytest.fixture
def build_dir(tmp_path: Path) -> Path:
    (tmp_path / "alerts").mkdir()
    (tmp_path / "alerts" / "apiserver.json").write_text(json.dumps([rule("A1"), rule("A2"), rule("A3")]))
    (tmp_path / "recording-rules").mkdir()
    (tmp_path / "recording-rules" / "apiserver.json").write_text(
        json.dumps([{"name": "job:up:sum", "prom_ql": "sum(up) by (job)", "prom_eval_interval": 60}])
    )
    (tmp_path / "dashboards").mkdir()
    (tmp_path / "dashboards" / "k8s-a.json").write_text(json.dumps(board("k8s-a", "A")))
    return tmp_path


def basic_routes(stub: Stub) -> None:
    stub.route("GET", "/api/n9e/busi-groups", ok([{"id": 3, "name": "k8s"}]))
    stub.route("GET", "/api/n9e/datasource/brief", ok([{"id": 1, "name": "prom"}]))
    stub.route("GET", "/api/n9e/busi-group/3/alert-rules", ok([]))
    stub.route("GET", "/api/n9e/busi-group/3/recording-rules", ok([]))
    stub.route("GET", "/api/n9e/busi-group/3/boards", ok([]))


def invoke(*args: str, env: dict[str, str] | None = None):
    _register_all()
    return CliRunner().invoke(app, list(args), env={**NO_N9E_ENV, **(env or {})})


def writes(stub: Stub) -> list:
    return [s for s in stub.seen if s.method not in ("GET", "HEAD")]


def test_partial_failure_in_batch_create_is_reported_per_object(stub_env, build_dir: Path) -> None:
    stub, env = stub_env
    basic_routes(stub)
    stub.route("POST", "/api/n9e/busi-group/3/alert-rules", ok({"A1": "", "A2": "AlertRule already exists"}))
    stub.route("POST", "/api/n9e/busi-group/3/recording-rules", ok({"job:up:sum": ""}))
    res = invoke("sync-alerts", "--from-build", str(build_dir), "--output", "json", "--retries", "0", env=env)
    assert res.exit_code == 1, res.output
    report = json.loads(res.stdout)
    status = {a["key"]: (a["status"], a.get("error", "")) for a in report["actions"]}
    assert status["A1"] == ("done", "")
    assert status["A2"] == ("failed", "AlertRule already exists")
    assert status["A3"] == ("failed", "no result from the server")  # nothing silently lost
    assert status["job:up:sum"] == ("done", "")
    sent = stub.calls("POST", "/api/n9e/busi-group/3/alert-rules")[0].body
    assert [r["name"] for r in sent] == ["A1", "A2", "A3"]
    assert all(r["datasource_queries"] == [{"match_type": 0, "op": "in", "values": [1]}] for r in sent)
    assert all("managed_by=n9e-k8s" in r["append_tags"] and r["annotations"]["n9e_k8s_sha"] for r in sent)


def test_whole_batch_failure_marks_every_object(stub_env, build_dir: Path) -> None:
    stub, env = stub_env
    basic_routes(stub)
    stub.route("POST", "/api/n9e/busi-group/3/alert-rules", text(400, "json body invalid"))
    stub.route("POST", "/api/n9e/busi-group/3/recording-rules", ok({"job:up:sum": ""}))
    res = invoke("sync-alerts", "--from-build", str(build_dir), "-o", "json", env=env)
    assert res.exit_code == 1
    failed = [a["key"] for a in json.loads(res.stdout)["actions"] if a["status"] == "failed"]
    assert failed == ["A1", "A2", "A3"]


def test_source_error_uploads_nothing(stub_env, build_dir: Path) -> None:
    stub, env = stub_env
    basic_routes(stub)
    bad = [rule("ok"), {**rule("bad <name>"), "append_tags": ["no-equals"]}]
    (build_dir / "alerts" / "bad.json").write_text(json.dumps(bad))
    res = invoke("sync-alerts", "--from-build", str(build_dir), env=env)
    assert res.exit_code == 1
    assert "bad <name>" in res.stderr and "must be key=value" in res.stderr
    assert writes(stub) == []
    assert stub.seen == []  # not even a read: the source is checked before connecting


def test_unknown_route_is_a_clear_error(stub_env, build_dir: Path) -> None:
    stub, env = stub_env
    basic_routes(stub)
    del stub.routes[("GET", "/api/n9e/busi-group/3/recording-rules")]  # the stub answers HTML, like n9e
    res = invoke("sync-alerts", "--from-build", str(build_dir), env=env)
    assert res.exit_code == 1
    assert "route not found" in res.stderr and "n9e version v9.1.1" in res.stderr
    assert writes(stub) == []


def test_token_never_printed_verbose_and_on_errors(stub_env, build_dir: Path) -> None:
    stub, env = stub_env
    basic_routes(stub)
    stub.route("GET", "/api/n9e/busi-group/3/boards", Reply(500, TOKEN[:4]), text(401, "unauthorized"))
    res = invoke("import-dashboards", "--from-build", str(build_dir), "--verbose", "--retries", "1", env=env)
    assert res.exit_code == 1
    assert "401" in res.stderr and "token" in res.stderr
    assert "GET /api/n9e/busi-group/3/boards -> 500" in res.stderr  # verbose logged the requests
    assert TOKEN not in res.stdout + res.stderr
    # The token given as a flag, and a password for JWT login failing: still never printed.
    stub.route("GET", "/api/n9e/auth/rsa-config", ok({"OpenRSA": False}))
    stub.route("POST", "/api/n9e/auth/login", Reply(200, {"dat": None, "err": "Invalid password"}))
    res = invoke(
        "import-dashboards",
        "--from-build",
        str(build_dir),
        "-v",
        "--username",
        "ci",
        "--password",
        PASSWORD,
        env={**env, "N9E_TOKEN": ""},
    )
    assert res.exit_code == 1 and "login as 'ci' failed" in res.stderr
    assert PASSWORD not in res.stdout + res.stderr


def test_usage_errors_exit_2(stub_env, build_dir: Path) -> None:
    stub, env = stub_env
    basic_routes(stub)
    res = invoke("import-dashboards", "--from-build", str(build_dir), "--group", "nope", env=env)
    assert res.exit_code == 2 and "does not exist" in res.stderr and "--create-group" in res.stderr
    res = invoke("import-dashboards", "--from-build", str(build_dir), "--output", "yaml", env=env)
    assert res.exit_code == 2
    res = invoke("import-dashboards", "--from-build", str(build_dir), env={**env, "N9E_URL": ""})
    assert res.exit_code == 2 and "no n9e URL" in res.stderr
    assert writes(stub) == []


def test_dry_run_with_create_group_writes_nothing(stub_env, build_dir: Path) -> None:
    stub, env = stub_env
    basic_routes(stub)
    res = invoke(
        "import-dashboards",
        "--from-build",
        str(build_dir),
        "--group",
        "new-group",
        "--create-group",
        "--dry-run",
        "-o",
        "json",
        env=env,
    )
    assert res.exit_code == 3, res.output
    report = json.loads(res.stdout)
    assert report["group"] == {"id": None, "name": "new-group", "created": True}
    assert [a["action"] for a in report["actions"]] == ["create"]
    assert writes(stub) == []


@pytest.fixture
def stub_env():
    with Stub() as stub:
        yield stub, {"N9E_URL": stub.url, "N9E_TOKEN": TOKEN, "N9E_GROUP": "k8s", "N9E_DATASOURCE": "prom"}
