"""What n9e's web UI adds when a user saves an object unchanged, folded away before comparing.

A UI save that changes nothing must compare equal to what this tool wrote, and a real edit must not. Both sides
(desired and remote) go through the same functions, so the result is a canonical form, not a guess at who wrote it.

Boards: opening a board runs the UI's ``dashboardMigrator`` (n9e/fe ``src/pages/dashboard/Detail/utils/
dashboardMigrator.ts``), and any save writes its result. From configs below 3.4.0 it renames
``options.standardOptions.util`` to ``unit`` (also in ``overrides[].properties.standardOptions``; step 3.3.0), moves
the first target's ``maxDataPoints``/``time`` to the panel (step 3.2.0), and sets every panel's ``version`` to
``3.4.0``; the v9.1.1 UI also gives each row ``overrides: []``. Observed on n9e v9.1.1 with n9e-fe v9.1.1
(reference/n9e-ui-saved: 3 boards saved unchanged). Key order is irrelevant here (the planner compares parsed JSON).
Both sides are folded back to the 3.0.0 form (``util``, panels ``3.0.0``, rows without ``version``/empty
``overrides``): the v6-v8 render, its UI-migrated copy and the v9 render all give the same canonical form and hash.

Alert rules: the v8+/v9 rule form (``FormNG``, ``processFormValues``) writes ``extra_config.enrich_queries: []`` and
``extra_config.service_cal_configs: []`` where they were absent, and ``pipeline_configs: [{"enable": true}]`` where
it was null (this tool neither compares nor sends ``pipeline_configs``).
"""

from __future__ import annotations

import copy
import re
from typing import Any

# The panel version every configs format up to what the UI's migrator writes (3.4.0) is folded to.
CANONICAL_PANEL_VERSION = "3.0.0"
MIGRATED_UP_TO = (3, 4, 0)
_VERSION_RE = re.compile(r"^(\d+)\.(\d+)\.(\d+)")

# extra_config keys the rule form adds with an empty default.
RULE_FORM_EXTRA_DEFAULTS: dict[str, Any] = {"enrich_queries": [], "service_cal_configs": []}


def _at_most(version: Any, limit: tuple[int, int, int]) -> bool:
    m = _VERSION_RE.match(str(version or "0.0.0"))
    return tuple(int(g) for g in m.groups()) <= limit if m else True


def _util(options: Any) -> None:
    std = options.get("standardOptions") if isinstance(options, dict) else None
    if isinstance(std, dict) and "unit" in std and "util" not in std:
        std["util"] = std.pop("unit")


def _fold_panel(panel: dict[str, Any], *, nested: bool = False) -> None:
    """One panel in place, in the 3.0.0 form (no-op for a panel above 3.4.0, which the migrator leaves alone)."""
    if not _at_most(panel.get("version"), MIGRATED_UP_TO):
        return
    targets = panel.get("targets")
    if isinstance(targets, list) and targets and isinstance(targets[0], dict):  # the 3.2.0 step, forwards
        first = targets[0]
        if "maxDataPoints" in first:
            panel["maxDataPoints"] = first.pop("maxDataPoints")
        if "time" in first:
            panel["queryOptionsTime"] = first.pop("time")
    _util(panel.get("options"))
    for override in panel.get("overrides") or []:
        if isinstance(override, dict):
            _util(override.get("properties"))
    if panel.get("type") == "row" and not nested:
        panel.pop("version", None)  # the UI adds it to rows, which this tool writes without
        if panel.get("overrides") == []:
            del panel["overrides"]
    else:
        panel["version"] = CANONICAL_PANEL_VERSION
    for sub in panel.get("panels") or []:
        if isinstance(sub, dict):
            _fold_panel(sub, nested=True)


def canonical_board_configs(configs: Any) -> Any:
    """Board configs folded to one form (a copy): the 3.0.0 form this tool writes for v6-v8, which the UI's
    migration and the v9 format both fold back to. So a board compares (and hashes) the same whichever format
    the server's UI left it in."""
    if not isinstance(configs, dict) or not isinstance(configs.get("panels"), list):
        return configs
    out = copy.deepcopy(configs)
    for panel in out["panels"]:
        if isinstance(panel, dict):
            _fold_panel(panel)
    return out


def canonical_extra_config(extra: Any) -> Any:
    """``extra_config`` without the rule form's empty defaults."""
    if not isinstance(extra, dict):
        return extra
    return {k: v for k, v in extra.items() if RULE_FORM_EXTRA_DEFAULTS.get(k, object()) != v}
