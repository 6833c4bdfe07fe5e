"""The sync's kinds come from one registry (sync/handlers HANDLERS): names, folders and detection are distinct, and
a kind registered there is planned, exported, read back (--from-build) and validated without an edit elsewhere."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

import pytest
from n9e_k8s.n9e.versions import TARGETS, ServerFeatures, parse_n9e_version
from n9e_k8s.sync import handlers as registry
from n9e_k8s.sync.desired import from_build
from n9e_k8s.sync.engine import CREATE, Desired, compute_plan, export_group, make_handlers, validate_desired
from n9e_k8s.sync.handlers import HANDLERS, Target, detect
from n9e_k8s.validate import validate_object

from tests.n9e_stub import Stub, ok
from tests.test_sync_faults import TOKEN, invoke

ROOT = Path(__file__).resolve().parents[1]
UI_SAVED = [
    ROOT / "tests" / "fixtures" / "n9e-ui-saved",
    ROOT.parent / "shared" / "reference" / "n9e-ui-saved",
]


def test_every_handler_has_its_own_kind_folder_and_build_folders() -> None:
    kinds = [h.kind for h in HANDLERS]
    folders = [h.folder for h in HANDLERS]
    assert len(set(kinds)) == len(kinds) and len(set(folders)) == len(folders)
    read = [f for h in HANDLERS for f in h.build_folders]
    assert len(set(read)) == len(read)  # one folder of a build/export is read as one kind only
    assert all(h.folder in h.build_folders for h in HANDLERS)  # an export is a valid --from-build input


def _saved_files() -> list[Path]:
    files = [p for d in UI_SAVED if d.is_dir() for p in sorted(d.glob("*.json")) if p.name != "diffs.json"]
    assert files
    return files


@pytest.mark.parametrize("path", _saved_files(), ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_detection_picks_exactly_the_kind_of_each_saved_object(path: Path) -> None:
    obj = json.loads(path.read_text())
    kind = next((h.kind for h in HANDLERS if path.name.startswith(h.kind + "-")), None)
    found = [h.kind for h in detect(obj)]
    assert found == ([kind] if kind else []), path.name  # datasource-*.json: no sync kind


def test_detection_picks_exactly_the_kind_of_each_built_object(tmp_path: Path) -> None:
    res = invoke("build", "--out", str(tmp_path), "--n9e-version", "v9")
    assert res.exit_code == 0, res.output
    by_folder = {f: h.kind for h in HANDLERS for f in h.build_folders}
    seen = set()
    for path in sorted(tmp_path.glob("*/*.json")):
        data = json.loads(path.read_text())
        for obj in data if isinstance(data, list) else [data]:
            assert [h.kind for h in detect(obj)] == [by_folder[path.parent.name]], path
            seen.add(by_folder[path.parent.name])
    assert seen == {h.kind for h in HANDLERS}


# ------------------------------------------------------------------------------------- a kind of its own


class NoteHandler:
    """A made-up kind: objects with a ``memo``, kept in a list instead of a server."""

    kind = "note"
    folder = "notes"
    build_folders = ("notes",)
    what = "a note (an object with 'memo')"
    stored: ClassVar[list[dict[str, Any]]] = []

    def __init__(self, target: Target):
        self.group_id = target.group_id

    @classmethod
    def build(cls, target: Target) -> NoteHandler:
        return cls(target)

    @staticmethod
    def detect(obj: Any) -> bool:
        return isinstance(obj, dict) and "memo" in obj

    @staticmethod
    def check_export(obj: Any, file: str, prefix: str) -> list:
        from n9e_k8s.problems import Problem

        return [] if isinstance(obj["memo"], str) else [Problem(file, prefix, "memo must be a string")]

    def key(self, obj: dict[str, Any]) -> str:
        return obj["name"]

    def normalise(self, obj: dict[str, Any]) -> dict[str, Any]:
        return {"name": obj["name"], "memo": obj["memo"]}

    written_form = normalise
    prepare = normalise
    export = normalise

    def is_managed(self, remote: dict[str, Any]) -> bool:
        return True

    def stored_hash(self, remote: dict[str, Any]) -> str | None:
        return None

    def validate(self, obj: dict[str, Any]) -> list[str]:
        return [] if obj.get("name") else ["name is blank"]

    def list_remote(self, wanted: set[str] | None) -> list[dict[str, Any]]:
        return list(self.stored)

    def export_name(self, remote: dict[str, Any]) -> str:
        return remote["name"]


@pytest.fixture
def with_notes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "HANDLERS", (*HANDLERS, NoteHandler))
    monkeypatch.setattr(NoteHandler, "stored", [{"name": "n1", "memo": "hello", "id": 7}])


def test_a_registered_kind_is_planned_without_engine_edits(with_notes: None) -> None:
    handlers = make_handlers(None, 0, ["board", "note"])
    assert isinstance(handlers["note"], NoteHandler)
    prepared = validate_desired(handlers, {"note": [Desired({"name": "n2", "memo": "new"}, "src")]})
    plan = compute_plan(handlers, prepared, group_exists=False, prune=False, force=False)
    assert [(a.kind, a.key, a.op) for a in plan.actions] == [("note", "n2", CREATE)]


def test_a_registered_kind_is_exported_read_back_and_validated(with_notes: None, tmp_path: Path) -> None:
    with Stub() as stub:
        stub.route("GET", "/api/n9e/busi-groups", ok([{"id": 3, "name": "k8s"}]))
        res = invoke(
            "export",
            "--out",
            str(tmp_path),
            "--what",
            "notes",
            env={"N9E_URL": stub.url, "N9E_TOKEN": TOKEN, "N9E_GROUP": "k8s"},
        )
    assert res.exit_code == 0, res.output
    assert json.loads((tmp_path / "notes" / "n1.json").read_text()) == {"name": "n1", "memo": "hello"}
    assert [d.obj["name"] for d in from_build(tmp_path, ["note"])["note"]] == ["n1"]
    assert validate_object({"memo": 3}, "f.json")[0].message == "memo must be a string"
    assert "or a note (an object with 'memo')" in validate_object({"x": 1}, "f.json")[0].message


def test_export_group_writes_each_kind_into_its_folder(with_notes: None, tmp_path: Path) -> None:
    class Client:
        version_tuple = (9, 1, 1)

        def list_groups(self, query: str) -> list[dict[str, Any]]:
            return [{"id": 3, "name": "k8s"}]

    written = export_group(Client(), "k8s", tmp_path, ["note"])  # type: ignore[arg-type]
    assert written == [tmp_path / "notes" / "n1.json"]


def test_export_help_and_default_cover_every_kind() -> None:
    res = invoke("export", "--help")
    assert res.exit_code == 0
    for h in HANDLERS:
        assert h.folder in res.output


# ------------------------------------------------------------------------------------------ n9e versions


def test_render_targets_and_server_versions_agree() -> None:
    """Each render target is what a server of its major renders as; v6 renders as the oldest target."""
    for target, version in TARGETS.items():
        assert ServerFeatures.of(version).alert_render_version == target
        assert ServerFeatures.of((version[0], 9, 9)).alert_render_version == target
    assert ServerFeatures.of("v6.7.3").alert_render_version == "v7"
    assert parse_n9e_version("v8.0.0-beta.3") == (8, 0, 0) and parse_n9e_version("dev") == (0, 0, 0)
    assert not ServerFeatures.of_target("v7").notify_rules and ServerFeatures.of_target("v8").notify_rules
