"""Boards in the target n9e's own format (ServerFeatures.board_format): v6-v8 panels 3.0.0 with
standardOptions.util, v9 what the v9.1.1 UI saves (panels 3.4.0 with unit, rows with version and overrides)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from n9e_k8s.dashboards.produce import render_boards
from n9e_k8s.n9e.formats.board import validate_board
from n9e_k8s.n9e.versions import ServerFeatures
from n9e_k8s.project import load_project
from n9e_k8s.source import resolve_source
from n9e_k8s.sync.uisave import canonical_board_configs

REPO = Path(__file__).resolve().parents[1]
UI_SAVED = Path(__file__).parent / "fixtures" / "n9e-ui-saved" / "board-k8s-scheduler.ui-saved.json"


@pytest.fixture(scope="module")
def ctx():
    return load_project(resolve_source(str(REPO)))


def panels(board: dict) -> tuple[list[dict], list[dict]]:
    ps = board["configs"]["panels"]
    return [p for p in ps if p["type"] == "row"], [p for p in ps if p["type"] != "row"]


@pytest.mark.parametrize(
    ("version", "want"),
    [((6, 7, 3), "3.0.0"), ((7, 7, 2), "3.0.0"), ((8, 5, 1), "3.0.0"), ((9, 1, 1), "3.4.0")],
)
def test_board_format_per_version(version, want):
    fmt = ServerFeatures.of(version).board_format
    assert (fmt.panel_version, fmt.unit_key, fmt.row_extras) == (
        want,
        "unit" if want == "3.4.0" else "util",
        want == "3.4.0",
    )


def test_v9_boards_have_the_shape_the_v9_ui_saves(ctx):
    saved_rows, saved_panels = panels(json.loads(UI_SAVED.read_text()))
    for spec, board in render_boards(ctx, n9e_version="v9"):
        rows, others = panels(board)
        assert {(r["version"], json.dumps(r["overrides"])) for r in rows} == {
            (r["version"], json.dumps(r["overrides"])) for r in saved_rows
        }
        assert {p["version"] for p in others} == {p["version"] for p in saved_panels} == {"3.4.0"}
        assert all("unit" in p["options"]["standardOptions"] for p in others)
        assert not any("util" in p["options"]["standardOptions"] for p in others)
        assert board["configs"]["version"] == "3.0.0"  # a UI save leaves configs.version alone
        assert validate_board(board, spec.ident, strict=True) == []


def test_v8_and_v9_boards_are_the_same_board_for_the_ui(ctx):
    """What the v9 UI makes of the v8 render (its migration) is the v9 render: only the format differs."""
    v8 = {spec.ident: board for spec, board in render_boards(ctx, n9e_version="v8")}
    for spec, board in render_boards(ctx, n9e_version="v9"):
        old = v8[spec.ident]
        assert old["configs"] != board["configs"]
        assert canonical_board_configs(old["configs"]) == canonical_board_configs(board["configs"])
        assert {p["version"] for p in panels(old)[1]} == {"3.0.0"}


def test_default_build_format_is_v8(ctx):
    assert [b for _, b in render_boards(ctx)] == [b for _, b in render_boards(ctx, n9e_version="v8")]


def test_one_panel_walker_reaches_the_panels_of_folded_rows():
    """n9e.formats.board.iter_panels is the walker lint (collect.dashboard_queries) and verify use: a folded row keeps
    its panels inside it, and their targets must still be linted and verified."""
    from n9e_k8s.lint.collect import dashboard_queries
    from n9e_k8s.n9e.formats.board import iter_panels

    inner = {"type": "timeseries", "name": "inner", "targets": [{"refId": "A", "expr": "up"}]}
    configs = {"panels": [{"type": "row", "name": "r", "collapsed": True, "panels": [inner]}]}
    assert [path for path, _ in iter_panels(configs["panels"], "panels")] == [
        "panels[0]",
        "panels[0].panels[0]",
    ]
    assert [q.query_id for q in dashboard_queries({"name": "b", "configs": configs})] == ["inner / A"]
