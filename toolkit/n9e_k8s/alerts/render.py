"""Render the rule source to n9e alert rules, n9e recording rules, Prometheus rule files and a
PrometheusRule custom resource. Output is deterministic (stable order, sorted keys).

n9e alert rules follow docs n9e-api.md 6.4 in the form v7.7 to v9 accept: ``rule_config`` v1 with one
query, ``prom_ql`` empty, ``datasource_queries`` and ``datasource_ids`` both set, ``cron_pattern``
matching ``prom_eval_interval``, the effective-time windows always set (plural and singular), and
the notification fields of the target version. One n9e rule per Prometheus alert (per level):
n9e has no inhibition across rules and merged multi-severity rules would lose the ``severity`` tag.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import SourceError, UsageError
from ..langs import LANGS
from ..n9e.formats.common import ALL_WEEK, datasource_fields, forbidden_in
from ..n9e.versions import DEFAULT_TARGET, TARGETS, ServerFeatures
from ..textio import stable_json
from ..yamlio import dump_yaml
from .model import Alert, Record, RuleSet, duration_seconds

PROMETHEUS_RULE_NAME = "n9e-k8s-control-plane"


@dataclass(frozen=True)
class RenderOptions:
    lang: str = "en"
    n9e_version: str = DEFAULT_TARGET  # a key of n9e.versions.TARGETS
    datasource_id: int | None = None  # None: every Prometheus datasource
    eval_interval: int = 30  # seconds, n9e alert rules
    notify_rule_ids: tuple[int, ...] = ()  # v8+
    notify_channels: tuple[str, ...] = ()  # v7
    notify_groups: tuple[str, ...] = ()  # v7: user-group ids
    disabled: bool = False
    namespace: str = "monitoring"  # PrometheusRule
    rule_labels: dict[str, str] = field(default_factory=dict)  # extra PrometheusRule metadata labels

    def check(self) -> None:
        if self.n9e_version not in TARGETS:
            raise UsageError(f"n9e version must be one of {', '.join(TARGETS)}, not {self.n9e_version!r}")
        if self.lang not in LANGS:
            raise UsageError(f"lang must be en or zh, not {self.lang!r}")
        if self.eval_interval <= 0:
            raise UsageError("the evaluation interval must be positive")
        if not all(g.isdigit() for g in self.notify_groups):
            raise UsageError("notify groups are user-group ids (digits)")


def _tags(labels: dict[str, str]) -> list[str]:
    tags = []
    for k, v in sorted(labels.items()):
        if any(c.isspace() for c in k + v):
            raise SourceError("alerts", f"label {k}={v!r} has spaces: n9e append_tags cannot carry it")
        tags.append(f"{k}={v}")
    return tags


def n9e_alert_rule(alert: Alert, options: RenderOptions) -> dict[str, Any]:
    if forbidden_in(alert.n9e_name):
        raise SourceError(
            alert.file or "alerts", f"{alert.n9e_name!r} is not a valid n9e rule name", line=alert.line
        )
    interval = options.eval_interval
    v7 = not ServerFeatures.of_target(options.n9e_version).notify_rules  # channels and groups instead
    rule: dict[str, Any] = {
        "name": alert.n9e_name,
        "note": alert.summary.get(options.lang),
        "prod": "metric",
        "cate": "prometheus",
        "cluster": "",
        **datasource_fields(options.datasource_id),
        "disabled": 1 if options.disabled else 0,
        "prom_ql": "",
        "severity": alert.severity_number,
        "rule_config": {
            "version": "v1",
            "inhibit": False,
            "queries": [
                {
                    "prom_ql": alert.expr,
                    "severity": alert.severity_number,
                    "unit": "",
                    "var_enabled": False,
                    "recover_config": {"judge_type": 0, "recover_exp": ""},
                }
            ],
        },
        "prom_for_duration": alert.for_seconds,
        "prom_eval_interval": interval,
        "cron_pattern": f"@every {interval}s",
        "delay": 0,
        "enable_stimes": ["00:00"],
        "enable_etimes": ["23:59"],
        "enable_days_of_weeks": [ALL_WEEK],
        "enable_stime": "00:00",
        "enable_etime": "23:59",
        "enable_days_of_week": ALL_WEEK,
        "enable_in_bg": 0,
        "notify_recovered": 1,
        "notify_repeat_step": 60,
        "notify_max_number": 0,
        "recover_duration": 0,
        "notify_version": 0 if v7 else 1,
        "notify_rule_ids": [] if v7 else list(options.notify_rule_ids),
        "notify_channels": list(options.notify_channels) if v7 else [],
        "notify_groups": list(options.notify_groups) if v7 else [],
        "callbacks": [],
        "runbook_url": alert.runbook_url,
        "append_tags": _tags(alert.labels),
        "annotations": alert.annotations(options.lang),
        "extra_config": {},
    }
    return rule


def n9e_recording_rule(record: Record, interval: int, options: RenderOptions) -> dict[str, Any]:
    return {
        "name": record.record,
        "note": record.description.get(options.lang) if record.description else "",
        "disabled": 1 if options.disabled else 0,
        "cluster": "0",
        "prom_ql": record.expr,
        "prom_eval_interval": interval,
        "cron_pattern": f"@every {interval}s",
        "append_tags": _tags(record.labels),
        **datasource_fields(options.datasource_id),
    }


def n9e_alert_rules(rules: RuleSet, component: str, options: RenderOptions) -> list[dict[str, Any]]:
    return [
        n9e_alert_rule(a, options)
        for g in rules.groups_of(component)
        for a in g.rules
        if isinstance(a, Alert)
    ]


def n9e_recording_rules(rules: RuleSet, component: str, options: RenderOptions) -> list[dict[str, Any]]:
    out = []
    for g in rules.groups_of(component):
        interval = duration_seconds(g.interval) if g.interval else 60
        out += [n9e_recording_rule(r, interval, options) for r in g.rules if isinstance(r, Record)]
    return out


# ------------------------------------------------------------------------------ Prometheus


def prometheus_rule(rule: Alert | Record) -> dict[str, Any]:
    if isinstance(rule, Record):
        out: dict[str, Any] = {"record": rule.record, "expr": rule.expr}
        if rule.labels:
            out["labels"] = dict(rule.labels)
        return out
    out = {"alert": rule.name, "expr": rule.expr}
    if rule.for_seconds:
        out["for"] = rule.for_
    out["labels"] = dict(rule.labels)
    out["annotations"] = rule.annotations("en")
    return out


def prometheus_groups(rules: RuleSet, component: str | None = None) -> list[dict[str, Any]]:
    groups = []
    for g in rules.groups if component is None else rules.groups_of(component):
        group: dict[str, Any] = {"name": g.name}
        if g.interval:
            group["interval"] = g.interval
        group["rules"] = [prometheus_rule(r) for r in g.rules]
        groups.append(group)
    return groups


def to_yaml(data: Any) -> str:
    return dump_yaml(data, width=1000)


def prometheus_rule_file(rules: RuleSet, component: str) -> str:
    return to_yaml({"groups": prometheus_groups(rules, component)})


def prometheus_rule_resource(rules: RuleSet, options: RenderOptions) -> str:
    labels = {
        "app.kubernetes.io/name": "n9e-k8s",
        "app.kubernetes.io/part-of": "n9e-k8s",
        "role": "alert-rules",
    }
    labels.update(options.rule_labels)
    doc = {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {
            "name": PROMETHEUS_RULE_NAME,
            "namespace": options.namespace,
            "labels": dict(sorted(labels.items())),
        },
        "spec": {"groups": prometheus_groups(rules)},
    }
    return to_yaml(doc)


def render_outputs(rules: RuleSet, options: RenderOptions) -> dict[str, str]:
    """Every rule artifact, relative path -> content (what `n9e-k8s build` writes)."""
    options.check()
    files: dict[str, str] = {}
    for component in rules.components:
        alerts = n9e_alert_rules(rules, component, options)
        if alerts:
            files[f"alerts/{component}.json"] = stable_json(alerts)
        records = n9e_recording_rules(rules, component, options)
        if records:
            files[f"recording-rules/{component}.json"] = stable_json(records)
        files[f"prometheus/{component}.rules.yaml"] = prometheus_rule_file(rules, component)
    if rules.groups:
        files["prometheus/prometheusrule.yaml"] = prometheus_rule_resource(rules, options)
    return files
