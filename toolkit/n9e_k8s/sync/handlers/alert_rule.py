"""Alert rules: append tag ``managed_by=n9e-k8s`` (managed) and annotation ``n9e_k8s_sha`` (the hash).

The fields compared and sent depend on the server version (``alert_fields``): v6 - v7.6 select datasources with
``datasource_ids``, v8+ add ``cron_pattern`` and the notify-rule fields.
"""

from __future__ import annotations

import copy
from typing import Any

from ...n9e.formats.common import (
    ALL_WEEK,
    datasource_value,
    ids_of_queries,
    json_obj,
    name_problems,
    none_to,
    normalise_ids,
)
from ...n9e.formats.rules import alert_rule_write_problems, is_alert_rule, validate_alert_rule
from ...n9e.versions import ServerFeatures
from ..plan import content_hash
from ..uisave import canonical_extra_config
from .rule_io import RuleIO

MANAGED_APPEND_TAG = "managed_by=n9e-k8s"
HASH_ANNOTATION = "n9e_k8s_sha"

# Writable alert rule fields compared and sent, with the value n9e stores when a field is empty.
ALERT_FIELDS: dict[str, Any] = {
    "name": "",
    "note": "",
    "prod": "metric",
    "cate": "prometheus",
    "datasource_queries": [],
    "disabled": 0,
    "prom_ql": "",
    "rule_config": {},
    "prom_for_duration": 0,
    "prom_eval_interval": 30,
    "delay": 0,
    "enable_stimes": ["00:00"],
    "enable_etimes": ["23:59"],
    "enable_days_of_weeks": [ALL_WEEK],
    "enable_in_bg": 0,
    "notify_recovered": 1,
    "notify_channels": [],
    "notify_groups": [],
    "notify_repeat_step": 60,
    "notify_max_number": 0,
    "recover_duration": 0,
    "callbacks": [],
    "runbook_url": "",
    "append_tags": [],
    "annotations": {},
    "extra_config": {},
}
ALERT_FIELDS_V8 = {"cron_pattern": "", "notify_version": 1, "notify_rule_ids": []}
JSON_FIELDS = ("rule_config", "extra_config", "annotations", "datasource_queries", "datasource_ids")


def alert_fields(features: ServerFeatures) -> dict[str, Any]:
    """The alert rule fields this server version has (compared, hashed and sent)."""
    fields = dict(ALERT_FIELDS)
    if features.rule_datasource_field == "datasource_ids":  # v6 - v7.6
        del fields["datasource_queries"]
        fields["datasource_ids"] = []
    if features.alert_cron_pattern:
        fields["cron_pattern"] = ALERT_FIELDS_V8["cron_pattern"]
    if features.notify_rules:
        fields["notify_version"] = ALERT_FIELDS_V8["notify_version"]
        fields["notify_rule_ids"] = ALERT_FIELDS_V8["notify_rule_ids"]
    return fields


class AlertRuleHandler(RuleIO):
    kind = "alert-rule"
    folder = "alert-rules"
    build_folders = ("alerts", "alert-rules")
    what = "an alert rule (rule_config/prom_ql, severity...)"
    detect = staticmethod(is_alert_rule)
    check_export = staticmethod(validate_alert_rule)
    noun = "alert_rule"
    fields_for = staticmethod(alert_fields)

    def is_managed(self, remote: dict[str, Any]) -> bool:
        return MANAGED_APPEND_TAG in [str(t).replace(" ", "") for t in remote.get("append_tags") or []]

    def stored_hash(self, remote: dict[str, Any]) -> str | None:
        ann = json_obj(remote.get("annotations"), {}) or {}
        return ann.get(HASH_ANNOTATION) if isinstance(ann, dict) else None

    def prepare(self, obj: dict[str, Any]) -> dict[str, Any]:
        """The full rule as this tool writes it: defaults, legacy forms converted, marker and datasource set."""
        r = {k: copy.deepcopy(v) for k, v in self.fields.items()}
        src = copy.deepcopy(obj)
        # Legacy export style: singular effective-time fields, prom_ql + severity instead of rule_config.
        if src.get("enable_stime") and not src.get("enable_stimes"):
            src["enable_stimes"] = [src["enable_stime"]]
            src["enable_etimes"] = [src.get("enable_etime") or "23:59"]
            src["enable_days_of_weeks"] = [src.get("enable_days_of_week") or ALL_WEEK]
        rc = json_obj(src.get("rule_config"), None)
        if not rc and src.get("prom_ql"):
            rc = {"queries": [{"prom_ql": src["prom_ql"], "severity": src.get("severity") or 2}]}
            src["prom_ql"] = ""
        if rc is not None:
            src["rule_config"] = rc
        for k in self.fields:
            if k in src and src[k] is not None:
                r[k] = src[k]
        r["name"] = self.key(r)
        if not r.get("cron_pattern") and "cron_pattern" in self.fields:
            r["cron_pattern"] = f"@every {int(r.get('prom_eval_interval') or 30)}s"
        r[self.ds_field] = datasource_value(self.ds_field, self.datasource_id, src)
        if self.ds_field == "datasource_ids":
            r["datasource_ids"] = normalise_ids(r["datasource_ids"])
        tags = [str(t).replace(" ", "") for t in r.get("append_tags") or []]
        if MANAGED_APPEND_TAG not in tags:
            tags.append(MANAGED_APPEND_TAG)
        r["append_tags"] = tags
        ann = dict(r.get("annotations") or {})
        ann.pop(HASH_ANNOTATION, None)
        r["annotations"] = ann
        return r

    def normalise(self, obj: dict[str, Any]) -> dict[str, Any]:
        """For comparison: ``written_form`` without what the UI's rule form adds on save (uisave.py)."""
        out = self.written_form(obj)
        out["extra_config"] = canonical_extra_config(out["extra_config"])
        return out

    def written_form(self, obj: dict[str, Any]) -> dict[str, Any]:
        """The normalised content as this tool writes it (export writes this form)."""
        out: dict[str, Any] = {}
        for k, default in self.fields.items():
            v = obj.get(k)
            v = json_obj(v, default) if k in JSON_FIELDS else none_to(v, default)
            out[k] = v
        out["name"] = self.key(obj)
        if "datasource_ids" in out:
            out["datasource_ids"] = normalise_ids(out["datasource_ids"])
        out["append_tags"] = sorted({str(t).replace(" ", "") for t in out["append_tags"]})
        ann = dict(out["annotations"] or {})
        ann.pop(HASH_ANNOTATION, None)
        out["annotations"] = ann
        if out.get("notify_version") == 1:  # n9e clears the legacy fields when notify rules are used
            out["notify_channels"], out["notify_groups"], out["callbacks"] = [], [], []
        return out

    def validate(self, obj: dict[str, Any]) -> list[str]:
        errs = name_problems(obj.get("name"), "name")
        return errs + alert_rule_write_problems(self.prepare(obj), self.ds_field, MANAGED_APPEND_TAG)

    def wire(self, desired: dict[str, Any]) -> dict[str, Any]:
        body = copy.deepcopy(desired)
        body["annotations"] = {
            **desired["annotations"],
            HASH_ANNOTATION: content_hash(self.normalise(desired)),
        }
        if (
            self.ds_field == "datasource_queries"
        ):  # v7.7+ derive datasource_ids themselves; send them all the same
            body["datasource_ids"] = ids_of_queries(desired.get("datasource_queries"))
        return body
