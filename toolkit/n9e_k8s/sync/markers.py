"""The sync commands' markers put into a board or alert rule that reaches n9e another way (an integrations folder,
a built-in payload): installed from there by a user, it is recognised by import-dashboards / sync-alerts as theirs,
unchanged, instead of a conflict or a duplicate."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..textio import stable_json

if TYPE_CHECKING:
    from ..n9e.versions import ServerFeatures


def mark_board(obj: dict[str, Any], features: ServerFeatures) -> dict[str, Any]:
    """The board with tag ``n9e-k8s`` and its content hash tag, configs kept an object, uuid kept."""
    from .handlers.board import BoardHandler

    handler = BoardHandler(None, 0, note_supported=features.board_note)
    prepared = handler.prepare(obj)
    return {
        **prepared,
        "tags": handler.wire(prepared)["tags"],
        **({"uuid": obj["uuid"]} if "uuid" in obj else {}),
    }


def mark_alert_rule(obj: dict[str, Any], features: ServerFeatures) -> dict[str, Any]:
    """The rule as sync-alerts writes it for this version (``managed_by=n9e-k8s``, the hash annotation), uuid kept."""
    from .handlers.alert_rule import AlertRuleHandler

    handler = AlertRuleHandler(None, 0, version=features.version)
    return {**handler.wire(handler.prepare(obj)), **({"uuid": obj["uuid"]} if "uuid" in obj else {})}


def mark_integration_files(files: Mapping[str, str], prefix: str, features: ServerFeatures) -> dict[str, str]:
    """``files`` with each board under ``<prefix>/dashboards/`` and rule under ``<prefix>/alerts/`` marked."""
    out = dict(files)
    for path, text in files.items():
        rel = path[len(prefix) + 1 :] if path.startswith(prefix + "/") else ""
        if rel.startswith("dashboards/"):
            out[path] = stable_json(mark_board(json.loads(text), features))
        elif rel.startswith("alerts/"):
            out[path] = stable_json([mark_alert_rule(r, features) for r in json.loads(text)])
    return out
