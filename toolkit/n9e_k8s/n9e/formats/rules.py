"""The n9e alert and recording rule formats: detection, validation of rule JSON (`n9e-k8s validate FILE`, and the
rendered rules of the source: JSON Schema first, then what a schema cannot say), and the checks a sync runs on a
rule before writing it."""

from __future__ import annotations

import re
from typing import Any

from ...problems import Problem
from .common import CRON_EVERY_RE, HHMM_RE, METRIC_NAME_RE

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
    from ...schemas import validate

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
    from ...promql_syntax import syntax_error

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


# ------------------------------------------------------------------------------------- before a write

NO_DATASOURCE = "no datasource: pass --datasource (or give datasource_queries in the rule)"


def _tag_problems(tags: list[str]) -> list[str]:
    return [f"append_tags entry {t!r} must be key=value" for t in tags if "=" not in t]


def alert_rule_write_problems(rule: dict[str, Any], ds_field: str, added_tag: str) -> list[str]:
    """What n9e refuses in an alert rule a sync is about to write (``rule`` as the sync prepared it: defaults
    filled in, ``added_tag`` among its append_tags, the datasource in ``ds_field``)."""
    errs = _tag_problems(rule["append_tags"])
    keys = [t.split("=", 1)[0] for t in rule["append_tags"]]
    if len(keys) != len(set(keys)):
        errs.append(f"append_tags has a duplicate key (note that {added_tag!r} is added)")
    if not isinstance(rule["rule_config"], dict) or not rule["rule_config"]:
        errs.append("rule_config (or prom_ql) is missing")
    elif not rule["rule_config"].get("queries") and not rule["rule_config"].get("triggers"):
        errs.append("rule_config has no queries")
    if not isinstance(rule["annotations"], dict) or any(
        not isinstance(v, str) for v in rule["annotations"].values()
    ):
        errs.append("annotations must map names to strings")
    if not rule[ds_field]:
        errs.append(NO_DATASOURCE)
    cron = rule.get("cron_pattern")
    if cron and not CRON_EVERY_RE.match(cron) and len(cron.split()) != 6:
        errs.append(f"cron_pattern {cron!r} must be '@every <n>s' or a 6-field cron with seconds")
    for hhmm in rule["enable_stimes"] + rule["enable_etimes"]:
        if not HHMM_RE.match(str(hhmm)):
            errs.append(f"effective time {hhmm!r} must be HH:MM")
    return errs


def recording_rule_write_problems(rule: dict[str, Any], ds_field: str) -> list[str]:
    """What n9e refuses in a recording rule a sync is about to write (``rule`` as the sync prepared it)."""
    errs = []
    if not METRIC_NAME_RE.match(rule["name"]):
        errs.append(f"name {rule['name']!r} is not a valid metric name")
    if not rule["prom_ql"]:
        errs.append("prom_ql is empty")
    errs += _tag_problems(rule["append_tags"])
    if not rule[ds_field]:
        errs.append(NO_DATASOURCE)
    return errs
