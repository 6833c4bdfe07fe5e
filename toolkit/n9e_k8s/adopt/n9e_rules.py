"""Reader of n9e alert and recording rules: API/export objects or arrays of them (v6 ``prom_ql`` or
v7+ ``rule_config.queries``)."""

from __future__ import annotations

from typing import Any

from .model import Reading, Refusal, Rule

N9E_SEVERITIES = {1: "critical", 2: "warning", 3: "info"}


def is_rule(data: Any) -> bool:
    return isinstance(data, dict) and ("prom_ql" in data or "rule_config" in data)


def _is_alert(data: dict[str, Any]) -> bool:
    return any(k in data for k in ("severity", "severities", "prom_for_duration", "notify_recovered"))


def read_rule(data: dict[str, Any], origin: str) -> Reading:
    reading = Reading()
    name = str(data.get("name") or "")
    where = f"{origin} / {name or '?'}"
    alert = _is_alert(data)
    queries = _queries(data)
    if not queries:
        kind = "alert" if alert else "record"
        reading.refused.append(Refusal(where, kind, "no PromQL query (not a Prometheus-datasource rule)"))
        return reading
    labels = {}
    for tag in data.get("append_tags") or []:
        key, sep, value = str(tag).partition("=")
        if sep:
            labels[key.strip()] = value.strip()
    for expr, severity in queries:
        note = str(data.get("note") or "")
        reading.rules.append(
            Rule(
                name=name,
                expr=expr.strip(),
                origin=where,
                alert=alert,
                for_=f"{int(data.get('prom_for_duration') or 0)}s",
                severity=N9E_SEVERITIES.get(severity, "warning"),
                labels=dict(labels),
                summary=note or name,
                description=note or name,
                runbook_url=str(data.get("runbook_url") or ""),
                n9e=True,
            )
        )
    return reading


def _queries(data: dict[str, Any]) -> list[tuple[str, int]]:
    config = data.get("rule_config")
    if isinstance(config, dict) and config.get("queries"):
        return [
            (str(q.get("prom_ql")), int(q.get("severity") or data.get("severity") or 2))
            for q in config["queries"]
            if isinstance(q, dict) and str(q.get("prom_ql") or "").strip()
        ]
    expr = data.get("prom_ql")
    return [(str(expr), int(data.get("severity") or 2))] if str(expr or "").strip() else []
