"""What n9e's web UI adds when a user saves an object unchanged, folded away before comparing.

A UI save that changes nothing must compare equal to what this tool wrote, and a real edit must not. Both sides
(desired and remote) go through the same functions, so the result is a canonical form, not a guess at who wrote it.

Boards: opening a board runs the UI's ``dashboardMigrator`` (n9e/fe ``src/pages/dashboard/Detail/utils/
dashboardMigrator.ts``), and any save writes its result. From configs below 3.4.0 it renames
``options.standardOptions.util`` to ``unit`` (also in ``overrides[].properties.standardOptions``; step 3.3.0), moves
the first target's ``maxDataPoints``/``time`` to the panel (step 3.2.0), and sets every panel's ``version`` to
``3.4.0``; the v9.1.1 UI also gives each row ``overrides: []``. Observed on n9e v9.1.1 with n9e-fe v9.1.1
(reference/n9e-ui-saved: 3 boards saved unchanged). Key order is irrelevant here (the planner compares parsed JSON).

Alert rules: the v8+/v9 rule form (``FormNG``, ``processFormValues``) writes ``extra_config.enrich_queries: []`` and
``extra_config.service_cal_configs: []`` where they were absent, and ``pipeline_configs: [{"enable": true}]`` where
it was null (this tool neither compares nor sends ``pipeline_configs``).
"""

from __future__ import annotations

import copy
import re
from typing import Any

# Panel versions the migrator rewrites to 3.4.0 (semver < 3.4.0), and the one it writes.
MIGRATED_PANEL_VERSION = "3.4.0"
_VERSION_RE = re.compile(r"^(\d+)\.(\d+)\.(\d+)")

# extra_config keys the rule form adds with an empty default.
RULE_FORM_EXTRA_DEFAULTS: dict[str, Any] = {"enrich_queries": [], "service_cal_configs": []}


def _below(version: Any, limit: tuple[int, int, int]) -> bool:
    m = _VERSION_RE.match(str(version or "0.0.0"))
    return tuple(int(g) for g in m.groups()) < limit if m else True


def _unit(options: Any) -> None:
    std = options.get("standardOptions") if isinstance(options, dict) else None
    if isinstance(std, dict) and "util" in std:
        util = std.pop("util")
        std.setdefault("unit", util)


def _migrate_panel(panel: dict[str, Any]) -> None:
    """One panel in place, as the migrator leaves a panel of version < 3.4.0 (no-op from 3.4.0 on)."""
    if not _below(panel.get("version"), (3, 4, 0)):
        return
    targets = panel.get("targets")
    if isinstance(targets, list) and targets and isinstance(targets[0], dict):
        first = targets[0]
        if "maxDataPoints" in first:
            panel["maxDataPoints"] = first.pop("maxDataPoints")
        if "time" in first:
            panel["queryOptionsTime"] = first.pop("time")
    _unit(panel.get("options"))
    for override in panel.get("overrides") or []:
        if isinstance(override, dict):
            _unit(override.get("properties"))
    panel["version"] = MIGRATED_PANEL_VERSION
    for sub in panel.get("panels") or []:
        if isinstance(sub, dict):
            _migrate_panel(sub)


def canonical_board_configs(configs: Any) -> Any:
    """Board configs as the UI's migration leaves them (a copy); rows' empty ``overrides`` dropped."""
    if not isinstance(configs, dict) or not isinstance(configs.get("panels"), list):
        return configs
    out = copy.deepcopy(configs)
    for panel in out["panels"]:
        if not isinstance(panel, dict):
            continue
        _migrate_panel(panel)
        if panel.get("type") == "row" and panel.get("overrides") == []:
            del panel["overrides"]
    return out


def canonical_extra_config(extra: Any) -> Any:
    """``extra_config`` without the rule form's empty defaults."""
    if not isinstance(extra, dict):
        return extra
    return {k: v for k, v in extra.items() if RULE_FORM_EXTRA_DEFAULTS.get(k, object()) != v}
