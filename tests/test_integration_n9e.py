"""The build's integration folder in a real n9e v6.7.3 (lab/n9e with N9E_LAB_INTEGRATIONS as its
BuiltinIntegrationsDir): its built-in API lists our component, boards and alert rules (center/router/router_builtin.go
@v6.7.3), and a board and the alert rules installed from there as the UI does it (client side: POST the board with its
configs as a string, POST the rules array) are import-dashboards' / sync-alerts' own: the sync plans no create, no
conflict and no write."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from n9e_k8s.integration import NAME, OUTPUT_DIR
from n9e_k8s.n9e.client import ClientOptions, Credentials, N9eClient
from n9e_k8s.n9e.versions import parse_n9e_version
from n9e_k8s.project import load_project
from n9e_k8s.source import resolve_source
from n9e_k8s.sync.desired import SYNC_PARTS, boards_from_source, rules_from_source
from n9e_k8s.sync.engine import SyncOptions, sync

from tests.dashboards_util import cli
from tests.plugins.n9e_lab import N9eLab

pytestmark = pytest.mark.n9e
VERSION = (
    "v6.7.3"  # the version CI runs; v7+ read the folder into built-in payloads (publish covers their API)
)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("integration") / "out"
    result = cli("build", "--out", str(out), "--n9e-version", "v7")  # v6 reads the v7 formats
    assert result.exit_code == 0, result.output
    return out / OUTPUT_DIR


@pytest.fixture(scope="module")
def lab(folder: Path, n9e_lab_factory: Callable[..., N9eLab]) -> N9eLab:
    return n9e_lab_factory(VERSION, integrations=folder.parent)


def get(lab: N9eLab, path: str) -> object:
    resp = requests.get(lab.api + path, headers=lab.headers, timeout=30)
    resp.raise_for_status()
    body = resp.json()
    assert not body.get("err"), body
    return body["dat"]


def post(lab: N9eLab, path: str, body: object) -> object:
    resp = requests.post(lab.api + path, headers=lab.headers, json=body, timeout=30)
    resp.raise_for_status()
    assert not resp.json().get("err"), resp.json()
    return resp.json()["dat"]


def files(folder: Path, sub: str) -> dict[str, object]:
    return {p.stem: json.loads(p.read_text()) for p in sorted((folder / sub).glob("*.json"))}


def test_n9e_lists_our_component_boards_and_alert_rules(lab: N9eLab, folder: Path) -> None:
    boards, alerts = files(folder, "dashboards"), files(folder, "alerts")
    assert set(boards) <= set(get(lab, "/builtin-boards"))
    for stem, board in boards.items():
        assert json.loads(get(lab, f"/builtin-board/{stem}")) == board  # the file, as is
    cates = {c["name"]: c for c in get(lab, "/builtin-boards-cates")}
    assert {b["fname"] for b in cates[NAME]["boards"]} == {f"{s}.json" for s in boards}
    assert cates[NAME]["icon_url"] == f"/api/n9e/integrations/icon/{NAME}/n9e-k8s.svg"
    listed = {c["name"]: c for c in get(lab, "/alert-rules/builtin/list")}[NAME]["alert_rules"]
    assert set(listed) == set(alerts)
    for cate, rules in alerts.items():
        assert [r["name"] for r in listed[cate]] == [r["name"] for r in rules]
        for mine, theirs in zip(rules, listed[cate], strict=True):  # n9e's model keeps what we wrote
            assert (
                theirs["rule_config"] == mine["rule_config"] and theirs["append_tags"] == mine["append_tags"]
            )
            assert (
                theirs["annotations"] == mine["annotations"]
                and theirs["prom_for_duration"] == mine["prom_for_duration"]
            )
    icon = requests.get(lab.url + cates[NAME]["icon_url"], timeout=30)
    assert icon.status_code == 200 and icon.content.startswith(b"<svg")


def test_what_the_ui_installs_from_the_folder_the_sync_adopts(lab: N9eLab, folder: Path) -> None:
    client = N9eClient(lab.url, Credentials(token=lab.token), ClientOptions(timeout=30, retries=2))
    group_name = f"builtin-{uuid.uuid4().hex[:8]}"
    group_id = client.create_group(group_name)
    board = files(folder, "dashboards")["k8s-apiserver"]
    # the UI's import of a built-in board: the file's fields, configs as a JSON string
    post(lab, f"/busi-group/{group_id}/boards", {**board, "configs": json.dumps(board["configs"])})
    listed = {c["name"]: c for c in get(lab, "/alert-rules/builtin/list")}[NAME]["alert_rules"]
    cate = next(iter(listed))
    post(lab, f"/busi-group/{group_id}/alert-rules", listed[cate])  # the UI's import of a built-in cate
    version = parse_n9e_version(lab.version)
    project = load_project(resolve_source(None), SYNC_PARTS)
    alerts, _ = rules_from_source(project, "en", version)
    desired = {
        "board": [d for d in boards_from_source(project, "en", version) if d.obj["ident"] == "k8s-apiserver"],
        "alert-rule": [d for d in alerts if d.obj["name"] in {r["name"] for r in listed[cate]}],
    }
    assert len(desired["board"]) == 1 and len(desired["alert-rule"]) == len(listed[cate])
    report = sync(client, desired, group=group_name, options=SyncOptions(dry_run=True))
    ops = {(a.kind, a.key): a.op for a in report.plan.actions}
    assert set(ops.values()) == {"unchanged"}, ops
    assert len(ops) == 1 + len(listed[cate])
    applied = sync(client, desired, group=group_name)
    assert applied.plan.actions and not any(a.writes for a in applied.plan.actions)
    assert [b["ident"] for b in client.list_boards(group_id)] == ["k8s-apiserver"]  # adopted, not duplicated
