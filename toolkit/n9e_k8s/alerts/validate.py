"""Validation of n9e alert and recording rule JSON (`n9e-k8s validate FILE`) and of the rule
source (`n9e-k8s validate` on a source tree): JSON Schema first, then what a schema cannot say."""

from __future__ import annotations

import re
from typing import Any

from ..problems import Problem
from ..schemas import validate

N9E_ALERT_RULES = "n9e-alert-rules.schema.json"
N9E_RECORDING_RULES = "n9e-recording-rules.schema.json"
ALERT_KEYS = (
    "rule_config",
    "prom_for_duration",
    "severity",
    "notify_channels",
    "enable_stime",
    "enable_stimes",
)
EVERY_RE = re.compile(r"^@every (\d+)s$")


def is_alert_rule(obj: Any) -> bool:
    """An alert rule carries rule_config, prom_for_duration or severity (a board has configs)."""
    return isinstance(obj, dict) and "configs" not in obj and any(k in obj for k in ALERT_KEYS)


def is_recording_rule(obj: Any) -> bool:
    return (
        isinstance(obj, dict)
        and "configs" not in obj
        and not is_alert_rule(obj)
        and ("prom_ql" in obj or "query_configs" in obj)
    )


def _schema(name: str, obj: Any, file: str, prefix: str) -> list[Problem]:
    # The schemas describe the whole export (an array); validate this one object as [obj].
    problems = validate(name, [obj], file)
    out = []
    for p in problems:
        rest = p.path[3:] if p.path.startswith("[0]") else p.path
        path = prefix + rest if prefix else rest.lstrip(".")
        out.append(Problem(p.file, path, p.message, p.severity, p.line))
    return out


def _at(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _promql_problems(obj: dict[str, Any], file: str, prefix: str) -> list[Problem]:
    """Every PromQL of a rule (``prom_ql``, ``rule_config.queries[].prom_ql``) must parse."""
    from ..promql_syntax import syntax_error

    exprs = [("prom_ql", obj.get("prom_ql"))]
    queries = (
        (obj.get("rule_config") or {}).get("queries") if isinstance(obj.get("rule_config"), dict) else None
    )
    for i, q in enumerate(queries if isinstance(queries, list) else []):
        if isinstance(q, dict):
            exprs.append((f"rule_config.queries[{i}].prom_ql", q.get("prom_ql")))
    return [
        Problem(file, _at(prefix, where), problem)
        for where, expr in exprs
        if isinstance(expr, str) and expr.strip() and (problem := syntax_error(expr))
    ]


def validate_alert_rule(obj: Any, file: str, prefix: str = "") -> list[Problem]:
    problems = _schema(N9E_ALERT_RULES, obj, file, prefix)
    if problems or not isinstance(obj, dict):
        return problems
    problems += _promql_problems(obj, file, prefix)
    rule_config = obj.get("rule_config")
    if rule_config and obj.get("prom_ql"):
        problems.append(
            Problem(
                file,
                _at(prefix, "prom_ql"),
                "prom_ql is set next to rule_config: n9e v8.2+ evaluates prom_ql and ignores rule_config",
                "warning",
            )
        )
    stimes, etimes, days = obj.get("enable_stimes"), obj.get("enable_etimes"), obj.get("enable_days_of_weeks")
    if stimes and etimes and days and not len(stimes) == len(etimes) == len(days):
        problems.append(
            Problem(
                file,
                _at(prefix, "enable_stimes"),
                f"effective time: {len(stimes)} start time(s), {len(etimes)} end time(s) and {len(days)} "
                "days-of-week group(s) must have the same count (n9e v9 rejects the rule)",
            )
        )
    tags = obj.get("append_tags") or []
    keys = [t.split("=", 1)[0] for t in tags]
    dup = sorted({k for k in keys if keys.count(k) > 1})
    if dup:
        problems.append(
            Problem(
                file,
                _at(prefix, "append_tags"),
                f"duplicate tag key(s) {', '.join(dup)}: n9e v9 rejects the rule",
            )
        )
    every = EVERY_RE.match(obj.get("cron_pattern") or "")
    interval = obj.get("prom_eval_interval")
    if every and isinstance(interval, int) and interval > 0 and int(every.group(1)) != interval:
        problems.append(
            Problem(
                file,
                _at(prefix, "cron_pattern"),
                f"cron_pattern {obj['cron_pattern']!r} disagrees with prom_eval_interval {interval}: "
                "n9e v8+ uses cron_pattern, older versions prom_eval_interval",
                "warning",
            )
        )
    if rule_config is not None and not obj.get("datasource_queries") and not obj.get("datasource_ids"):
        problems.append(
            Problem(
                file,
                _at(prefix, "datasource_queries"),
                "no datasource: a rule created through the plain POST without datasource_queries is never "
                "evaluated on n9e v7.7+ (the UI import picks one)",
                "warning",
            )
        )
    return problems


def validate_recording_rule(obj: Any, file: str, prefix: str = "") -> list[Problem]:
    problems = _schema(N9E_RECORDING_RULES, obj, file, prefix)
    if problems or not isinstance(obj, dict):
        return problems
    problems += _promql_problems(obj, file, prefix)
    if obj.get("prom_ql") and not obj.get("cron_pattern"):
        problems.append(
            Problem(
                file,
                _at(prefix, "cron_pattern"),
                "no cron_pattern: n9e evaluates it @every 60s whatever prom_eval_interval says",
                "warning",
            )
        )
    return problems
