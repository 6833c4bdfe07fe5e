"""Notification on n9e v8+: alert rules name notify rules, resolved to ids per server before any write.

n9e v8 moved notification to notify rules: an alert rule notifies the notify rules in its ``notify_rule_ids`` and
nobody else. Ids are local to a server, so the source names them (``notify_rules:`` in promql/config.yaml, or
``sync-alerts --notify-rule NAME``) and the sync looks the names up in ``GET /api/n9e/notify-rules``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import UsageError

if TYPE_CHECKING:
    from ..n9e.client import N9eClient


def resolve_notify_rules(client: N9eClient, names: list[str]) -> list[int]:
    """The ids of the named notify rules on this server; a UsageError naming every unknown one."""
    if not names:
        return []
    if not client.features.notify_rules:
        raise UsageError(
            f"n9e {client.version} has no notify rules (v8+); notify through channels and user groups instead "
            "(n9e-k8s build --n9e-version v7 --notify-channel/--notify-group)"
        )
    rules: list[dict[str, Any]] = client.list_notify_rules()
    by_name: dict[str, list[int]] = {}
    for r in rules:
        by_name.setdefault(str(r.get("name", "")), []).append(int(r["id"]))
    unknown = [n for n in names if n not in by_name]
    if unknown:
        known = ", ".join(sorted(by_name)) or "none"
        raise UsageError(f"notify rule(s) {', '.join(map(repr, unknown))} not found in n9e (known: {known})")
    ambiguous = [n for n in names if len(by_name[n]) > 1]
    if ambiguous:
        raise UsageError(f"notify rule name(s) {', '.join(map(repr, ambiguous))} match several notify rules")
    return sorted({by_name[n][0] for n in names})
