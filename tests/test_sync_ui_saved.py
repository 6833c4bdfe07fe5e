"""A save in n9e's web UI that changes nothing is not drift; a real UI edit still is.

Fixtures (tests/fixtures/n9e-ui-saved): server copies captured on n9e v9.1.1 with its real web UI (copied from the
shared reference data reference/n9e-ui-saved, see its README): each object as `sync` left it (`*.synced.json`), after an unchanged UI save (`*.ui-saved.json`) and after a
real edit (`*.ui-edited.json`). The desired object is the synced copy as this tool prepares it.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from n9e_k8s.sync.handlers import AlertRuleHandler, BoardHandler, RecordingRuleHandler
from n9e_k8s.sync.plan import DRIFT, UNCHANGED, UPDATE, plan_kind
from n9e_k8s.sync.uisave import canonical_board_configs, canonical_extra_config

REF = Path(__file__).parent / "fixtures" / "n9e-ui-saved"
BOARDS = ("k8s-apiserver", "k8s-controller-manager", "k8s-scheduler")
ALERTS = ("KubeAPIDown", "KubeAPIErrorBudgetBurn-1h-5m", "KubeAPIErrorsHigh-critical")
RECORDING = "apiserver_request_burnrate1h-verb-read"


def load(name: str) -> dict[str, Any]:
    return json.loads((REF / name).read_text())


def board_handler() -> BoardHandler:
    return BoardHandler(None, 2, note_supported=True)


def alert_handler() -> AlertRuleHandler:
    return AlertRuleHandler(None, 2, datasource_id=1, version=(9, 1, 1))


def plan_one(handler, desired: dict[str, Any], remote: dict[str, Any]) -> str:
    (action,) = plan_kind(handler, [desired], [remote])
    return action.op


CASES = [("board", ident) for ident in BOARDS] + [("alert-rule", name) for name in ALERTS]
EDITS = {
    "board": ("k8s-scheduler", "Pending pods by queue (edited)"),
    "alert-rule": ("KubeAPIDown", '"prom_for_duration": 600'),
}


def handler_for(kind: str):
    return board_handler() if kind == "board" else alert_handler()


@pytest.mark.parametrize(("kind", "name"), CASES)
def test_saved_unchanged_in_the_ui_is_unchanged(kind, name):
    handler = handler_for(kind)
    desired = handler.prepare(load(f"{kind}-{name}.synced.json"))
    assert plan_one(handler, desired, load(f"{kind}-{name}.synced.json")) == UNCHANGED
    assert plan_one(handler, desired, load(f"{kind}-{name}.ui-saved.json")) == UNCHANGED


@pytest.mark.parametrize("kind", sorted(EDITS))
def test_edited_in_the_ui_is_drift(kind):
    name, edit = EDITS[kind]
    handler = handler_for(kind)
    desired = handler.prepare(load(f"{kind}-{name}.synced.json"))
    (action,) = plan_kind(handler, [desired], [load(f"{kind}-{name}.ui-edited.json")])
    assert action.op == DRIFT
    assert edit in action.diff


def test_recording_rule_saved_unchanged_in_the_ui_is_unchanged():
    handler = RecordingRuleHandler(None, 2, datasource_id=1, version=(9, 1, 1))
    desired = handler.prepare(load(f"recording-rule-{RECORDING}.synced.json"))
    assert plan_one(handler, desired, load(f"recording-rule-{RECORDING}.ui-saved.json")) == UNCHANGED


def test_source_change_after_a_ui_save_is_an_update_once_the_marker_is_new():
    """A UI-saved board whose marker this tool wrote (canonical hash) updates normally when the source changes."""
    handler = board_handler()
    synced = load("board-k8s-apiserver.synced.json")
    desired = handler.prepare(synced)
    # the server copy after this tool wrote `desired`, then after an unchanged UI save
    remote = copy.deepcopy(load("board-k8s-apiserver.ui-saved.json"))
    wire_tags = handler.wire(desired)["tags"]
    remote["tags"] = wire_tags
    assert plan_one(handler, desired, remote) == UNCHANGED
    changed = copy.deepcopy(desired)
    changed["configs"]["panels"][1]["name"] = "renamed in the source"
    assert plan_one(handler, changed, remote) == UPDATE


def test_canonical_board_configs_is_the_migration_of_the_synced_form():
    synced = load("board-k8s-scheduler.synced.json")["configs"]
    saved = load("board-k8s-scheduler.ui-saved.json")["configs"]
    assert synced != saved
    assert canonical_board_configs(synced) == canonical_board_configs(saved)
    panel = next(p for p in canonical_board_configs(synced)["panels"] if p.get("type") != "row")
    assert panel["version"] == "3.0.0" and "util" in panel["options"]["standardOptions"]
    assert "unit" not in panel["options"]["standardOptions"]


def test_canonical_extra_config_drops_only_empty_form_defaults():
    assert canonical_extra_config({"enrich_queries": [], "service_cal_configs": []}) == {}
    kept = {"enrich_queries": [{"prom_ql": "up"}], "service_cal_configs": [], "other": []}
    assert canonical_extra_config(kept) == {"enrich_queries": [{"prom_ql": "up"}], "other": []}


@pytest.mark.parametrize("ident", BOARDS)
def test_v9_format_source_against_boards_synced_in_the_old_format_is_unchanged(ident):
    """The v9 render (the UI's format) against boards an older n9e-k8s synced as 3.0.0, saved in the UI or not:
    the same board, and the old marker still matches (one canonical hash for every format)."""
    handler = board_handler()
    saved = load(f"board-{ident}.ui-saved.json")
    desired_v9 = handler.prepare(saved)  # the v9.1.1 UI's format of the same content (marker tags dropped)
    assert plan_one(handler, desired_v9, load(f"board-{ident}.synced.json")) == UNCHANGED
    assert plan_one(handler, desired_v9, saved) == UNCHANGED
