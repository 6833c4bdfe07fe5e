"""Reader of Prometheus rules: rule files (``groups:``), PrometheusRule objects (also inside a ``List``)
and the ``/api/v1/rules`` answer of a running Prometheus."""

from __future__ import annotations

import re
from typing import Any

from .model import Reading, Refusal, Rule

SEVERITIES = ("critical", "warning", "info")
# The annotation templates the source format allows (alerts/model.py TEMPLATE_RE); others are rewritten.
WITH_RE = re.compile(r"\{\{-?\s*with\s+\$labels\.(\w+)\s*-?\}\}(.*?)\{\{-?\s*end\s*-?\}\}", re.S)
PRINTF_VALUE_RE = re.compile(r"\{\{-?\s*printf\s+\"[^\"]*\"\s+\$value\s*-?\}\}")
LITERAL_RE = re.compile(r"\{\{-?\s*\"([^\"]*)\"\s*\|\s*humanize\w*\s*-?\}\}")
LABEL_SPACES_RE = re.compile(r"\{\{\s*(\$labels\.\w+|\$value)\s*\}\}")


def is_rule_file(data: Any) -> bool:
    return isinstance(data, dict) and (
        isinstance(data.get("groups"), list)
        or data.get("kind") in ("PrometheusRule", "List")
        or isinstance(
            (data.get("data") or {}).get("groups") if isinstance(data.get("data"), dict) else None, list
        )
    )


def read_rule_file(data: dict[str, Any], origin: str) -> Reading:
    if data.get("kind") == "List":
        reading = Reading()
        for i, item in enumerate(data.get("items") or []):
            if isinstance(item, dict) and item.get("kind") == "PrometheusRule":
                reading.extend(read_rule_file(item, f"{origin} / items[{i}]"))
        return reading
    if data.get("kind") == "PrometheusRule":
        meta = data.get("metadata") or {}
        return _groups(
            (data.get("spec") or {}).get("groups") or [], f"{origin} / {meta.get('name', '?')}", False
        )
    if isinstance(data.get("data"), dict):
        return _groups(data["data"].get("groups") or [], origin, True)
    return _groups(data["groups"], origin, False)


def _groups(groups: list[Any], origin: str, api: bool) -> Reading:
    reading = Reading()
    for group in groups:
        gname = str(group.get("name") or "adopted")
        for rule in group.get("rules") or []:
            where = f"{origin} / {gname}"
            if api:
                rule = _from_api(rule)
            if "alert" in rule:
                reading.rules.append(_alert(rule, gname, f"{where} / {rule['alert']}"))
            elif "record" in rule:
                reading.rules.append(
                    Rule(
                        name=str(rule["record"]),
                        expr=str(rule.get("expr") or "").strip(),
                        origin=f"{where} / {rule['record']}",
                        alert=False,
                        labels={str(k): str(v) for k, v in (rule.get("labels") or {}).items()},
                        group=gname,
                    )
                )
            else:
                reading.refused.append(Refusal(where, "rule", "neither alert nor record"))
    return reading


def _from_api(rule: dict[str, Any]) -> dict[str, Any]:
    """A rule of /api/v1/rules in rule-file shape."""
    out = {"expr": rule.get("query", ""), "labels": rule.get("labels") or {}}
    if rule.get("type") == "alerting":
        seconds = int(rule.get("duration") or 0)
        return {
            **out,
            "alert": rule.get("name"),
            "for": f"{seconds}s",
            "annotations": rule.get("annotations") or {},
        }
    return {**out, "record": rule.get("name")}


def _alert(rule: dict[str, Any], group: str, where: str) -> Rule:
    labels = {str(k): str(v) for k, v in (rule.get("labels") or {}).items()}
    notes: list[str] = []
    severity = labels.pop("severity", "warning")
    if severity not in SEVERITIES:
        notes.append(f"severity {severity!r} became info")
        severity = "info"
    annotations = rule.get("annotations") or {}
    summary, s_notes = plain_template(str(annotations.get("summary") or annotations.get("message") or ""))
    description, d_notes = plain_template(
        str(annotations.get("description") or annotations.get("message") or "")
    )
    return Rule(
        name=str(rule["alert"]),
        expr=str(rule.get("expr") or "").strip(),
        origin=where,
        alert=True,
        for_=str(rule.get("for") or "0s"),
        severity=severity,
        labels=labels,
        summary=summary or str(rule["alert"]),
        description=description or summary or str(rule["alert"]),
        runbook_url=str(annotations.get("runbook_url") or ""),
        group=group,
        notes=notes + s_notes + d_notes,
    )


def plain_template(text: str) -> tuple[str, list[str]]:
    """Annotation text with only the templates n9e and Prometheus both render; what was rewritten."""
    notes: list[str] = []
    out = WITH_RE.sub(lambda m: m.group(2).replace("{{ . }}", f"{{{{ $labels.{m.group(1)} }}}}"), text)
    if out != text:
        notes.append("'with $labels.X' blocks expanded")
    new = PRINTF_VALUE_RE.sub("{{ $value }}", out)
    if new != out:
        notes.append("printf of $value became {{ $value }}")
    out = LITERAL_RE.sub(lambda m: m.group(1), new)
    out = LABEL_SPACES_RE.sub(lambda m: f"{{{{ {m.group(1)} }}}}", out)
    return out.strip(), notes
