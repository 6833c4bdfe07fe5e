"""export and drift backups never write outside their folder, whatever names the server sends."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.n9e_stub import Stub, ok
from tests.test_sync_faults import TOKEN, invoke

HOSTILE = [
    "../../escaped",
    "../escaped",
    "/tmp/i13-absolute-escape",
    "..",
    ".",
    "a/../../escaped",
    "nul\x00byte",
    "x" * 400,
    "back\\slash",
    "",
]


def _board(i: int, ident: str) -> dict:
    return {"id": i, "name": f"../../name-{i}", "ident": ident, "tags": "", "group_id": 3, "configs": "{}"}


def _routes(stub: Stub) -> None:
    stub.route("GET", "/api/n9e/busi-groups", ok([{"id": 3, "name": "k8s"}]))
    boards = [_board(i + 1, ident) for i, ident in enumerate(HOSTILE)]
    stub.route(
        "GET",
        "/api/n9e/busi-group/3/boards",
        ok([{k: v for k, v in b.items() if k != "configs"} for b in boards]),
    )
    for b in boards:
        stub.route("GET", f"/api/n9e/board/{b['id']}", ok(b))
    rules = [{"id": 10 + i, "name": name, "prom_ql": "up", "group_id": 3} for i, name in enumerate(HOSTILE)]
    stub.route("GET", "/api/n9e/busi-group/3/alert-rules", ok(rules))
    stub.route("GET", "/api/n9e/busi-group/3/recording-rules", ok(rules))


def _everything(root: Path) -> set[str]:
    return {str(p) for p in root.rglob("*")}


def test_export_of_hostile_names_stays_inside_out(tmp_path: Path) -> None:
    work = tmp_path / "work"
    out = work / "a" / "b" / "out"
    out.mkdir(parents=True)
    Path("/tmp/i13-absolute-escape.json").unlink(missing_ok=True)
    before_outside = _everything(tmp_path) - _everything(out)
    with Stub() as stub:
        _routes(stub)
        res = invoke(
            "export", "--out", str(out), env={"N9E_URL": stub.url, "N9E_TOKEN": TOKEN, "N9E_GROUP": "k8s"}
        )
    assert res.exit_code == 0, res.output
    assert _everything(tmp_path) - _everything(out) == before_outside
    assert not Path("/tmp/i13-absolute-escape.json").exists()
    files = sorted(p for p in out.rglob("*.json"))
    assert len(files) == 3 * len(HOSTILE)  # one file each, none lost
    for p in files:
        assert p.resolve().is_relative_to(out.resolve()) and len(p.name) <= 120
        json.loads(p.read_text())


@pytest.mark.parametrize("bad", ["../x", "/abs", "a/b", "..", "", "nul\x00"])
def test_inside_refuses_every_escape(tmp_path: Path, bad: str) -> None:
    from n9e_k8s.errors import RemoteError
    from n9e_k8s.sync.engine import inside

    with pytest.raises(RemoteError, match="outside"):
        inside(tmp_path, "board", bad)


def test_drift_backup_of_a_hostile_ident_stays_inside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from n9e_k8s.sync.engine import write_backups
    from n9e_k8s.sync.handlers import BoardHandler
    from n9e_k8s.sync.plan import Action, Plan

    plan = Plan()
    for i, ident in enumerate(HOSTILE):
        plan.actions.append(Action("board", ident, "drift", remote=_board(i + 1, ident)))
    root = tmp_path / "deep" / "backup"
    written = write_backups(plan, {"board": BoardHandler(None, 3)}, root)
    assert len(set(written)) == len(HOSTILE)  # none overwrites another
    assert all(Path(w).resolve().is_relative_to(root.resolve()) for w in written)
    assert {p.name for p in tmp_path.iterdir()} == {"deep"}
