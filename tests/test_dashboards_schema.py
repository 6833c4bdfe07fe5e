"""The n9e board schema (+ the rules it cannot express): real boards pass, mutated copies fail with
the right JSON path and message."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from n9e_k8s.n9e.formats.board import validate_board
from n9e_k8s.schemas import DASHBOARD_SOURCE, N9E_BOARD, load_schema
from n9e_k8s.validate import validate_file


def reference_boards(shared: Path) -> list[Path]:
    return sorted(
        (shared / "reference" / "n9e-integrations" / "Kubernetes" / "dashboards").glob("*.json")
    ) + sorted((shared / "reference" / "categraf-k8s").glob("*.json"))


def test_schemas_are_valid_draft_2020_12() -> None:
    from jsonschema import Draft202012Validator

    for name in (N9E_BOARD, DASHBOARD_SOURCE):
        schema = load_schema(name)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        Draft202012Validator.check_schema(schema)


def test_every_reference_board_is_accepted(shared_dir: Path) -> None:
    files = reference_boards(shared_dir)
    assert len(files) == 25, [f.name for f in files]  # 17 n9e integration + 8 categraf boards
    warned = 0
    for file in files:
        problems = validate_file(file)
        errors = [str(p) for p in problems if p.severity == "error"]
        assert errors == [], file
        warned += any("differs from the panel id" in p.message for p in problems)
    assert warned >= 10  # many real boards have layout.i != id: reported, tolerated


def test_layout_i_mismatch_is_a_warning_with_its_path(shared_dir: Path) -> None:
    file = shared_dir / "reference/n9e-integrations/Kubernetes/dashboards/Scheduler.json"
    problems = validate_file(file)
    assert problems and {p.severity for p in problems} == {"warning"}
    first = next(p for p in problems if "layout.i" in p.path)
    assert first.path == "configs.panels[1].layout.i"
    assert "differs from the panel id '62e3b249-fefe-4f32-8baf-394eac053f2a'" in first.message


def test_old_configs_and_overlaps_are_warnings(shared_dir: Path) -> None:
    problems = validate_file(shared_dir / "reference/categraf-k8s/pod-dash.json")
    assert {p.severity for p in problems} == {"warning"}
    assert any(p.path == "configs.version" and "below 3.0.0" in p.message for p in problems)
    assert any("overlaps" in p.message for p in problems)


Mutation = Callable[[dict[str, Any]], None]


def _panels(board: dict[str, Any]) -> list[dict[str, Any]]:
    return board["configs"]["panels"]


MUTATIONS: list[tuple[str, Mutation, str, str]] = [
    (
        "missing layout",
        lambda b: _panels(b)[2].pop("layout"),
        "configs.panels[2]",
        "'layout' is a required property [required]",
    ),
    (
        "incomplete layout",
        lambda b: _panels(b)[2]["layout"].pop("h"),
        "configs.panels[2].layout",
        "'h' is a required property [required]",
    ),
    (
        "layout.i missing",
        lambda b: _panels(b)[0]["layout"].pop("i"),
        "configs.panels[0].layout",
        "'i' is a required property [required]",
    ),
    (
        "layout w not int",
        lambda b: _panels(b)[1]["layout"].update(w="12"),
        "configs.panels[1].layout.w",
        "must be of type integer, not string [type]",
    ),
    (
        "duplicate ids",
        lambda b: _panels(b)[3].update(id=_panels(b)[2]["id"]),
        "configs.panels[3].id",
        "duplicate panel id '94713dc3-acb7-43b5-ae2f-399b2da61763' (first at configs.panels[2])",
    ),
    (
        "panel without type",
        lambda b: _panels(b)[4].pop("type"),
        "configs.panels[4]",
        "'type' is a required property [required]",
    ),
    (
        "empty type",
        lambda b: _panels(b)[4].update(type=""),
        "configs.panels[4].type",
        "should be non-empty [minLength]",
    ),
    (
        "targets not a list",
        lambda b: _panels(b)[5].update(targets={"refId": "A", "expr": "up"}),
        "configs.panels[5].targets",
        "must be of type array, not object [type]",
    ),
    (
        "panels not a list",
        lambda b: b["configs"].update(panels={}),
        "configs.panels",
        "must be of type array, not object [type]",
    ),
    ("missing configs", lambda b: b.pop("configs"), "", "'configs' is a required property [required]"),
    ("missing name", lambda b: b.pop("name"), "", "'name' is a required property [required]"),
    ("dangerous name", lambda b: b.update(name="a <b>"), "name", "must not match"),
    ("numeric ident", lambda b: b.update(ident="42"), "ident", "'42' must not match '^[0-9]+$' [not]"),
    (
        "ident characters",
        lambda b: b.update(ident="k8s apiserver"),
        "ident",
        "does not match '^[a-zA-Z0-9-]*$' [pattern]",
    ),
    (
        "variable without type",
        lambda b: b["configs"]["var"][0].pop("type"),
        "configs.var[0]",
        "'type' is a required property [required]",
    ),
    (
        "past the grid",
        lambda b: _panels(b)[1]["layout"].update(x=13),
        "configs.panels[1].layout",
        "x + w = 25 goes past the 24-column grid",
    ),
    (
        "configs string not JSON",
        lambda b: b.update(configs="{not json"),
        "configs",
        "configs is a string but not JSON",
    ),
    (
        "configs string, bad content",
        lambda b: b.update(configs=json.dumps({**b["configs"], "panels": [{"id": "x", "type": "stat"}]})),
        "configs.panels[0]",
        "'layout' is a required property [required]",
    ),
]


@pytest.mark.parametrize(
    ("mutation", "path", "message"), [m[1:] for m in MUTATIONS], ids=[m[0] for m in MUTATIONS]
)
def test_mutated_reference_board_is_rejected(
    shared_dir: Path, mutation: Mutation, path: str, message: str
) -> None:
    board = json.loads(
        (shared_dir / "reference/n9e-integrations/Kubernetes/dashboards/Scheduler.json").read_text()
    )
    assert [p for p in validate_board(board, "Scheduler.json") if p.severity == "error"] == []
    mutated = copy.deepcopy(board)
    mutation(mutated)
    errors = [p for p in validate_board(mutated, "Scheduler.json") if p.severity == "error"]
    assert any(p.path == path and message in p.message for p in errors), [str(p) for p in errors]
    assert all(p.file == "Scheduler.json" for p in errors)


def test_configs_as_json_string_is_accepted(shared_dir: Path) -> None:
    board = json.loads(
        (shared_dir / "reference/n9e-integrations/Kubernetes/dashboards/APIServer.json").read_text()
    )
    as_string = {**board, "configs": json.dumps(board["configs"])}
    assert [p for p in validate_board(as_string, "f") if p.severity == "error"] == []


def test_export_arrays_are_validated_item_by_item(tmp_path: Path, shared_dir: Path) -> None:
    board = json.loads(
        (shared_dir / "reference/n9e-integrations/Kubernetes/dashboards/etcd.json").read_text()
    )
    broken = copy.deepcopy(board)
    _panels(broken)[0].pop("type")
    file = tmp_path / "export.json"
    file.write_text(json.dumps([board, broken]))
    errors = [p for p in validate_file(file) if p.severity == "error"]
    assert [(p.path, p.message) for p in errors] == [
        ("[1].configs.panels[0]", "'type' is a required property [required]")
    ]


def test_strict_mode_turns_warnings_into_errors(shared_dir: Path) -> None:
    board = json.loads(
        (shared_dir / "reference/n9e-integrations/Kubernetes/dashboards/Scheduler.json").read_text()
    )
    strict = validate_board(board, "f", strict=True)
    assert strict and {p.severity for p in strict} == {"error"}


def test_unknown_json_kind_and_bad_json(tmp_path: Path) -> None:
    other = tmp_path / "other.json"
    other.write_text('{"hello": 1}')
    (problem,) = validate_file(other)
    assert problem.severity == "error" and "not a known n9e export" in problem.message
    bad = tmp_path / "bad.json"
    bad.write_text('{\n  "name": "x",\n  "configs": {,}\n}\n')
    (problem,) = validate_file(bad)
    assert (problem.line, problem.severity) == (3, "error") and problem.message.startswith("invalid JSON")
    assert str(problem).startswith(f"{bad}:3: $: error: invalid JSON")
