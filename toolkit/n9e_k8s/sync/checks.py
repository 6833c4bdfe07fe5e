"""Checks of n9e's own path for the synced rules: will n9e evaluate them, write the recordings, tell someone?

Nothing here blocks a sync; each finding is a warning in the report (text and ``--output json``), because the
objects are valid and a user may fix the server afterwards. See docs/sync.md, "Will n9e evaluate the rules?".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..n9e.client import N9eClient


@dataclass(frozen=True)
class PathWarning:
    code: str
    message: str

    def as_json(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


NO_CLUSTER = "datasource-without-cluster"
NO_WRITE_ADDR = "datasource-without-write-addr"
NO_NOTIFY_RULE = "no-notify-rule"


def datasource_warnings(
    client: N9eClient, datasource_id: int | None, *, alert_rules: int, recording_rules: int
) -> list[PathWarning]:
    """What the datasource the rules go to lacks: an alert engine cluster (n9e evaluates none of its rules) or a
    remote-write address (n9e's recording rules write nothing)."""
    if datasource_id is None or not (alert_rules or recording_rules):
        return []
    ds = client.datasource_settings(datasource_id)
    if ds is None:
        return []
    out: list[PathWarning] = []
    if not ds["cluster_name"]:
        out.append(
            PathWarning(
                NO_CLUSTER,
                f"datasource {datasource_id} has no alerting engine cluster (cluster_name is empty): n9e's alert "
                f"engine evaluates none of the {alert_rules + recording_rules} rule(s) synced to it. Choose the "
                "engine's cluster in the datasource's settings (\"Associated alerting engine cluster\").",
            )
        )
    if recording_rules and not ds["write_addr"]:
        out.append(
            PathWarning(
                NO_WRITE_ADDR,
                f"datasource {datasource_id} has no remote-write address (write_addr): n9e evaluates the "
                f"{recording_rules} recording rule(s) but writes none of their series (it logs `push data with "
                'remote write: ... unsupported protocol scheme ""`), so the alerts that read them never fire. '
                "Set the datasource's remote write URL (e.g. http://prometheus:9090/api/v1/write).",
            )
        )
    return out


def notify_warning(version_has_notify_rules: bool, alert_rules: list[dict[str, Any]]) -> list[PathWarning]:
    """v8+: alert rules linked to no notify rule notify nobody."""
    if not version_has_notify_rules:
        return []
    silent = [r for r in alert_rules if not r.get("notify_rule_ids")]
    if not silent:
        return []
    return [
        PathWarning(
            NO_NOTIFY_RULE,
            f"{len(silent)} alert rule(s) are linked to no notify rule: on n9e v8+ they fire but notify nobody. "
            "Name one with --notify-rule NAME or `notify_rules:` in promql/config.yaml.",
        )
    ]
