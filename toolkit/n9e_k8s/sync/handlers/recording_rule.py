"""Recording rules: a last line ``[n9e-k8s sha=<hash>]`` in ``note`` marks them (append tags would become labels of
the recorded series). v6 has no ``cron_pattern`` and selects datasources with ``datasource_ids``.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from ...n9e.formats.common import datasource_value, ids_of_queries, json_obj, none_to, normalise_ids
from ...n9e.formats.rules import is_recording_rule, recording_rule_write_problems, validate_recording_rule
from ...n9e.versions import ServerFeatures
from ..plan import content_hash
from .rule_io import RuleIO

NOTE_MARKER = re.compile(r"\n?\[n9e-k8s sha=([0-9a-f]*)\]\s*$")

RECORDING_FIELDS: dict[str, Any] = {
    "name": "",
    "note": "",
    "disabled": 0,
    "prom_ql": "",
    "prom_eval_interval": 60,
    "cron_pattern": "",
    "append_tags": [],
    "datasource_queries": [],
}


def recording_fields(features: ServerFeatures) -> dict[str, Any]:
    """The recording rule fields this server version has (v6: no cron_pattern, datasource_ids)."""
    fields = dict(RECORDING_FIELDS)
    if not features.recording_cron_pattern:
        del fields["cron_pattern"]
    if features.rule_datasource_field == "datasource_ids":
        del fields["datasource_queries"]
        fields["datasource_ids"] = []
    return fields


class RecordingRuleHandler(RuleIO):
    kind = "recording-rule"
    folder = "recording-rules"
    build_folders = ("recording-rules",)
    what = "a recording rule (name, prom_ql)"
    detect = staticmethod(is_recording_rule)
    check_export = staticmethod(validate_recording_rule)
    noun = "recording_rule"
    fields_for = staticmethod(recording_fields)

    def key(self, obj: dict[str, Any]) -> str:
        """The record name plus its labels: one metric is often recorded once per label set (verb=read/write)."""
        name = (obj.get("name") or "").strip()
        tags = sorted(str(t).replace(" ", "") for t in obj.get("append_tags") or [])
        return f"{name}{{{','.join(tags)}}}" if tags else name

    def is_managed(self, remote: dict[str, Any]) -> bool:
        return NOTE_MARKER.search(remote.get("note") or "") is not None

    def stored_hash(self, remote: dict[str, Any]) -> str | None:
        m = NOTE_MARKER.search(remote.get("note") or "")
        return m.group(1) if m else None

    def prepare(self, obj: dict[str, Any]) -> dict[str, Any]:
        r = {k: copy.deepcopy(v) for k, v in self.fields.items()}
        for k in self.fields:
            if obj.get(k) is not None:
                r[k] = copy.deepcopy(obj[k])
        r["name"] = (r["name"] or "").strip()
        r["note"] = NOTE_MARKER.sub("", r["note"] or "")
        if "cron_pattern" in r and not r["cron_pattern"]:
            # n9e defaults it to @every 60s whatever the interval: always send it
            r["cron_pattern"] = f"@every {int(r['prom_eval_interval'] or 60)}s"
        r[self.ds_field] = datasource_value(self.ds_field, self.datasource_id, obj)
        if self.ds_field == "datasource_ids":
            r["datasource_ids"] = normalise_ids(r["datasource_ids"])
        r["append_tags"] = [str(t).replace(" ", "") for t in r["append_tags"] or []]
        return r

    def normalise(self, obj: dict[str, Any]) -> dict[str, Any]:
        """For comparison (a UI save of a recording rule changes only ``update_at``)."""
        return self.written_form(obj)

    def written_form(self, obj: dict[str, Any]) -> dict[str, Any]:
        """The normalised content as this tool writes it (export writes this form)."""
        out = {k: none_to(obj.get(k), d) for k, d in self.fields.items()}
        if self.ds_field == "datasource_ids":
            out["datasource_ids"] = normalise_ids(obj.get("datasource_ids"))
        else:
            out["datasource_queries"] = json_obj(obj.get("datasource_queries"), [])
        out["name"] = (out["name"] or "").strip()
        out["note"] = NOTE_MARKER.sub("", out["note"])
        out["append_tags"] = sorted(str(t).replace(" ", "") for t in out["append_tags"])
        return out

    def validate(self, obj: dict[str, Any]) -> list[str]:
        return recording_rule_write_problems(self.prepare(obj), self.ds_field)

    def wire(self, desired: dict[str, Any]) -> dict[str, Any]:
        body = copy.deepcopy(desired)
        marker = f"[n9e-k8s sha={content_hash(self.normalise(desired))}]"
        body["note"] = f"{desired['note']}\n{marker}" if desired["note"] else marker
        body["cluster"] = "0"
        if self.ds_field == "datasource_queries":
            body["datasource_ids"] = ids_of_queries(desired["datasource_queries"])
        return body
