"""`n9e-k8s publish` against a contract stub of n9e's built-in components/payloads API, built from the v9.1.1
router and models (center/router/router_builtin_component.go, router_builtin_payload.go, models/builtin_payload.go;
the same routes and bodies in v7.7.2 and v8.5.1): POST takes arrays and answers ``{name: error}``, PUT takes the
object with its ``id``, the server re-marshals each content through its Go struct (zero-valued fields appear) and
keeps (type, component_id, cate, name) unique. Plus: v6 refuses, dry-run exit 3, idempotence, the sync markers."""

from __future__ import annotations

import itertools
import json
from typing import Any
from urllib.parse import parse_qs

import pytest
from n9e_k8s.cli import _register_all, app
from n9e_k8s.integration import NAME
from typer.testing import CliRunner

from tests.n9e_stub import NO_N9E_ENV, Seen, Stub, fail, ok

TOKEN = "tok-publish-secret-value"


class Builtins:
    """The server's state behind the routes."""

    def __init__(self, stub: Stub, version: str = "v9.1.1") -> None:
        self.components: list[dict[str, Any]] = []
        self.payloads: list[dict[str, Any]] = []
        self.ids = itertools.count(1)
        stub.route("GET", "/api/n9e/versions", ok({"version": version, "github_verison": ""}))
        stub.route("GET", "/api/n9e/builtin-components", self.list_components)
        stub.route("POST", "/api/n9e/builtin-components", self.add_components)
        stub.route("PUT", "/api/n9e/builtin-components", self.put_component)
        stub.route("GET", "/api/n9e/builtin-payloads", self.list_payloads)
        stub.route("POST", "/api/n9e/builtin-payloads", self.add_payloads)
        stub.route("PUT", "/api/n9e/builtin-payloads", self.put_payload)
        stub.route("DELETE", "/api/n9e/builtin-payloads", self.del_payloads)

    def list_components(self, seen: Seen) -> Any:
        query = parse_qs(seen.query).get("query", [""])[0]
        return ok([c for c in self.components if query in c["ident"]])

    def add_components(self, seen: Seen) -> Any:
        errors = {}
        for c in seen.body:
            if any(x["ident"] == c["ident"] for x in self.components):
                errors[c["ident"]] = "builtin component already exists"
                continue
            self.components.append({**c, "id": next(self.ids), "created_by": "root", "updated_by": "root"})
        return ok(errors)

    def put_component(self, seen: Seen) -> Any:
        old = next((c for c in self.components if c["id"] == seen.body["id"]), None)
        if old is None:
            return fail("No such builtin component")
        old.update(seen.body)
        return ok(None)

    def list_payloads(self, seen: Seen) -> Any:
        q = parse_qs(seen.query)
        if not q.get("type"):
            return fail("type is required")
        cid = int(q.get("component_id", ["0"])[0])
        return ok([p for p in self.payloads if p["type"] == q["type"][0] and cid in (0, p["component_id"])])

    @staticmethod
    def remarshal(kind: str, content: str) -> tuple[str, dict[str, Any]]:
        """Through the Go struct: an AlertRule gains its zero-valued fields; a Board keeps only its own fields."""
        obj = json.loads(content)
        if kind == "dashboard":
            board = {k: obj.get(k, "") for k in ("name", "tags", "configs", "note")} | {
                "uuid": obj.get("uuid", 0)
            }
            return json.dumps(board), obj
        return json.dumps({"id": 0, "group_id": 0, **obj}), obj

    def add_payloads(self, seen: Seen) -> Any:
        errors = {}
        for p in seen.body:
            content, obj = self.remarshal(p["type"], p["content"])
            key = (p["type"], p["component_id"], obj["name"], p["cate"])
            if any((x["type"], x["component_id"], x["name"], x["cate"]) == key for x in self.payloads):
                errors[obj["name"]] = "builtin payload already exists"
                continue
            row = {
                **p,
                "id": next(self.ids),
                "name": obj["name"],
                "content": content,
                "uuid": obj.get("uuid", 0),
            }
            self.payloads.append(row)
        return ok(errors)

    def put_payload(self, seen: Seen) -> Any:
        old = next((p for p in self.payloads if p["id"] == seen.body["id"]), None)
        if old is None:
            return fail("No such builtin payload")
        content, obj = self.remarshal(seen.body["type"], seen.body["content"])
        old.update({**seen.body, "content": content, "name": obj["name"], "uuid": old["uuid"]})
        return ok(None)

    def del_payloads(self, seen: Seen) -> Any:
        self.payloads = [p for p in self.payloads if p["id"] not in seen.body["ids"]]
        return ok(None)


def invoke(*args: str, env: dict[str, str]) -> Any:
    _register_all()
    return CliRunner().invoke(app, ["publish", *args], env={**NO_N9E_ENV, **env})


def writes(stub: Stub) -> list[Seen]:
    return [s for s in stub.seen if s.method != "GET"]


@pytest.fixture
def server() -> Any:
    with Stub() as stub:
        yield stub, Builtins(stub), {"N9E_URL": stub.url, "N9E_TOKEN": TOKEN}


def test_first_publish_creates_everything_and_the_second_writes_nothing(server: Any) -> None:
    stub, state, env = server
    first = invoke("-o", "json", env=env)
    assert first.exit_code == 0, first.output
    assert [c["ident"] for c in state.components] == [NAME]
    kinds = {p["type"] for p in state.payloads}
    assert kinds == {"dashboard", "alert"} and len(state.payloads) == json.loads(first.stdout)["writes"] - 1
    assert all(p["uuid"] for p in state.payloads)  # ours, taken from the content
    n = len(writes(stub))
    second = invoke("-o", "json", env=env)
    assert second.exit_code == 0, second.output
    assert json.loads(second.stdout)["writes"] == 0 and len(writes(stub)) == n
    assert TOKEN not in first.output + second.output


def test_dry_run_exits_3_and_writes_nothing(server: Any) -> None:
    stub, state, env = server
    res = invoke("--dry-run", env=env)
    assert res.exit_code == 3, res.output
    assert writes(stub) == [] and state.components == []
    assert invoke(env=env).exit_code == 0
    assert invoke("--dry-run", env=env).exit_code == 0


def test_a_payload_changed_on_the_server_is_put_back_with_its_id_and_uuid(server: Any) -> None:
    stub, state, env = server
    assert invoke(env=env).exit_code == 0
    target = next(p for p in state.payloads if p["type"] == "alert")
    uuid = target["uuid"]
    target["content"] = json.dumps({**json.loads(target["content"]), "prom_for_duration": 1})
    res = invoke("-o", "json", env=env)
    assert res.exit_code == 0, res.output
    puts = [s for s in writes(stub) if s.method == "PUT"]
    assert [s.body["id"] for s in puts] == [target["id"]] and puts[0].body["uuid"] == uuid
    assert json.loads(target["content"])["prom_for_duration"] != 1


def test_prune_deletes_only_our_payloads_that_left_the_source(server: Any) -> None:
    _stub, state, env = server
    assert invoke(env=env).exit_code == 0
    cid = state.components[0]["id"]
    gone = {"type": "alert", "component_id": cid, "cate": "x", "name": "Old", "uuid": 5, "id": 999,
            "content": json.dumps({"name": "Old", "append_tags": ["managed_by=n9e-k8s"]})}  # fmt: skip
    foreign = {**gone, "id": 998, "name": "Theirs", "content": json.dumps({"name": "Theirs"})}
    state.payloads += [gone, foreign]
    kept = invoke("-o", "json", env=env)
    assert kept.exit_code == 0 and {s["op"] for s in json.loads(kept.stdout)["steps"]} == {
        "unchanged",
        "stale",
    }
    assert invoke("--prune", env=env).exit_code == 0
    ids = {p["id"] for p in state.payloads}
    assert 999 not in ids and 998 in ids


def test_v6_has_no_such_api_and_publish_refuses(server: Any) -> None:
    stub, _, env = server
    stub.route("GET", "/api/n9e/versions", ok({"version": "v6.7.3", "github_verison": ""}))
    res = invoke(env=env)
    assert res.exit_code == 2, res.output
    assert "n9e v7 or later" in res.output and "integration" in res.output
    assert writes(stub) == [] and {s.path for s in stub.seen} == {"/api/n9e/versions"}


def test_a_component_from_the_integrations_folder_is_not_published_over(server: Any) -> None:
    stub, state, env = server
    state.components.append({"id": 7, "ident": NAME, "created_by": "system", "readme": "", "logo": ""})
    res = invoke(env=env)
    assert res.exit_code == 2 and "integrations folder" in res.output
    assert writes(stub) == []


def test_payloads_carry_the_markers_the_sync_commands_recognise(server: Any) -> None:
    """A rule installed from a payload (client side, as the UI does) is adopted by a later sync-alerts."""
    from n9e_k8s.n9e.versions import ServerFeatures
    from n9e_k8s.project import load_project
    from n9e_k8s.source import resolve_source
    from n9e_k8s.sync.desired import SYNC_PARTS, boards_from_source, rules_from_source
    from n9e_k8s.sync.handlers.alert_rule import AlertRuleHandler
    from n9e_k8s.sync.handlers.board import BoardHandler
    from n9e_k8s.sync.plan import marker_hashes

    _stub, state, env = server
    assert invoke(env=env).exit_code == 0
    version = ServerFeatures.of("v9.1.1").version
    project = load_project(resolve_source(None), SYNC_PARTS)
    bh, ah = BoardHandler(None, 0), AlertRuleHandler(None, 0, version=version)
    boards = {b.obj["ident"]: b.obj for b in boards_from_source(project, "en", version)}
    alerts = {r.obj["name"]: r.obj for r in rules_from_source(project, "en", version)[0]}
    for p in state.payloads:
        installed = json.loads(p["content"])
        if p["type"] == "dashboard":  # n9e drops the ident: marked, but import-dashboards matches by ident
            assert bh.is_managed(installed) and "ident" not in installed
            board = next(b for b in boards.values() if b["name"] == installed["name"])
            assert bh.stored_hash(installed) in marker_hashes(bh, bh.prepare(board))
        else:
            assert ah.is_managed(installed)
            assert ah.stored_hash(installed) in marker_hashes(ah, ah.prepare(alerts[installed["name"]]))
