"""One handler per n9e resource kind (boards, alert rules, recording rules), all with the same interface.

A handler knows a kind's key, how to normalise it for comparison, how this tool marks the objects it
manages (and stores the hash of what it wrote), how to validate a desired object, and how to list, create,
update and delete through the client. The planner (plan.py) only uses the pure methods.

Markers:
* boards: tag ``n9e-k8s`` (managed) and tag ``n9e-k8s-sha=<hash>`` (board tags are space separated)
* alert rules: append tag ``managed_by=n9e-k8s`` and annotation ``n9e_k8s_sha``
* recording rules: a last line ``[n9e-k8s sha=<hash>]`` in ``note`` (append tags would become labels of the
  recorded series)
The markers are the same on every n9e version (v6.7.3 has board tags, alert rule append tags and annotations,
and recording rule notes too).

Version differences: the fields a handler compares and sends come from ``ServerFeatures`` (n9e_client.py), the
one table of what each n9e version has; the handlers only apply it (``_alert_fields``, ``_recording_fields``,
``_datasource_value``).
"""

from __future__ import annotations

import copy
import json
import re
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Protocol

from ..n9e_client import ServerFeatures
from .plan import Spec, content_hash
from .uisave import canonical_board_configs, canonical_extra_config

if TYPE_CHECKING:
    from ..n9e_client import N9eClient

MANAGED_TAG = "n9e-k8s"
HASH_TAG_PREFIX = "n9e-k8s-sha="
MANAGED_APPEND_TAG = "managed_by=n9e-k8s"
HASH_ANNOTATION = "n9e_k8s_sha"
NOTE_MARKER = re.compile(r"\n?\[n9e-k8s sha=([0-9a-f]*)\]\s*$")
DANGEROUS = ("<", ">", "&", "'", '"', "://", "../")
IDENT_RE = re.compile(r"^[A-Za-z0-9-]+$")
METRIC_NAME_RE = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
CRON_EVERY_RE = re.compile(r"^@every \d+[smh]$")
ALL_WEEK = ["0", "1", "2", "3", "4", "5", "6"]


class Handler(Spec, Protocol):
    kind: str
    group_id: int

    def prepare(self, obj: dict[str, Any]) -> dict[str, Any]: ...
    def validate(self, obj: dict[str, Any]) -> list[str]: ...
    def list_remote(self, wanted: set[str] | None) -> list[dict[str, Any]]: ...
    def create(self, objs: list[dict[str, Any]]) -> dict[str, str]: ...
    def update(self, remote: dict[str, Any], desired: dict[str, Any]) -> None: ...
    def delete(self, remotes: list[dict[str, Any]]) -> None: ...
    def export(self, remote: dict[str, Any]) -> dict[str, Any]: ...
    def export_name(self, remote: dict[str, Any]) -> str: ...


def _none_to(value: Any, default: Any) -> Any:
    return default if value is None else value


def _json_obj(value: Any, default: Any) -> Any:
    """n9e returns some JSON fields as strings in some versions; parse them."""
    if isinstance(value, str):
        if not value.strip():
            return default
        try:
            return json.loads(value)
        except ValueError:
            return value
    return _none_to(value, default)


def slug(text: str) -> str:
    s = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    return s


SAFE_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")  # a server's name used as a file name as is


def file_stem(name: str) -> str:
    """A stable, filesystem-safe file name for an object name (non-ASCII names get a hash suffix)."""
    import hashlib

    s = slug(name)[:100]
    if s and name.isascii():
        return s
    return (s + "-" if s else "") + hashlib.sha1(name.encode()).hexdigest()[:10]


def _check_name(name: Any, what: str) -> list[str]:
    if not isinstance(name, str) or not name.strip():
        return [f"{what} is blank"]
    bad = [d for d in DANGEROUS if d in name]
    return [f"{what} {name!r} contains {', '.join(map(repr, bad))}, which n9e rejects"] if bad else []


def _ids_of_queries(queries: Any) -> list[int]:
    """``datasource_ids`` for ``datasource_queries``: exact ids (match_type 0), or ``[0]`` (all) for match_type 2."""
    ids: list[int] = []
    for q in _json_obj(queries, []) or []:
        if not isinstance(q, dict) or q.get("op", "in") != "in":
            continue
        if q.get("match_type") == 2:
            return [0]
        if q.get("match_type") == 0:
            ids += [int(v) for v in q.get("values") or []]
    return ids


def _queries_of_ids(ids: Any) -> list[dict[str, Any]]:
    """``datasource_queries`` for ``datasource_ids`` (``[0]`` = all)."""
    ids = [int(i) for i in _json_obj(ids, []) or []]
    if not ids:
        return []
    if 0 in ids:
        return [{"match_type": 2, "op": "in", "values": [0]}]
    return [{"match_type": 0, "op": "in", "values": ids}]


def _datasource_value(field: str, datasource_id: int | None, src: dict[str, Any]) -> Any:
    """The value of the version's datasource field (``field``): the chosen datasource (--datasource), else the
    object's own value of that field, else converted from the other field (so an export of v6 syncs to v9 and the
    other way round)."""
    if field == "datasource_ids":
        if datasource_id is not None:
            return [datasource_id]
        own = _json_obj(src.get("datasource_ids"), None)
        return [int(i) for i in own] if own else _ids_of_queries(src.get("datasource_queries"))
    if datasource_id is not None:
        return [{"match_type": 0, "op": "in", "values": [datasource_id]}]
    own = _json_obj(src.get("datasource_queries"), None)
    return own if own else _queries_of_ids(src.get("datasource_ids"))


def _normalise_ids(value: Any) -> list[int]:
    ids = [int(i) for i in _json_obj(value, []) or []]
    return [0] if 0 in ids else ids  # n9e stores any list holding 0 as [0] (all)


# ------------------------------------------------------------------------------------------------ boards


class BoardHandler:
    kind = "board"

    def __init__(
        self,
        client: N9eClient | None,
        group_id: int,
        *,
        note_supported: bool = True,
        parallel: int = 4,
        datasource_id: int | None = None,
    ):
        self.client, self.group_id, self.note_supported = client, group_id, note_supported
        self.parallel, self.datasource_id = parallel, datasource_id

    # pure
    def key(self, obj: dict[str, Any]) -> str:
        return obj.get("ident") or obj.get("name") or ""

    @staticmethod
    def _tags(obj: dict[str, Any]) -> list[str]:
        raw = obj.get("tags") or ""
        words = raw.split() if isinstance(raw, str) else [str(t) for t in raw]
        return list(dict.fromkeys(words))

    def normalise(self, obj: dict[str, Any]) -> dict[str, Any]:
        """For comparison: ``written_form`` with the configs as the UI's migration leaves them (uisave.py)."""
        out = self.written_form(obj)
        out["configs"] = canonical_board_configs(out["configs"])
        return out

    def written_form(self, obj: dict[str, Any]) -> dict[str, Any]:
        """The normalised content as this tool writes it (export writes this form)."""
        tags = sorted(t for t in self._tags(obj) if not t.startswith(HASH_TAG_PREFIX))
        out = {
            "name": obj.get("name") or "",
            "ident": obj.get("ident") or "",
            "tags": tags,
            "configs": _json_obj(obj.get("configs"), {}),
        }
        if self.note_supported:
            out["note"] = obj.get("note") or ""
        return out

    def is_managed(self, remote: dict[str, Any]) -> bool:
        return MANAGED_TAG in self._tags(remote)

    def stored_hash(self, remote: dict[str, Any]) -> str | None:
        for t in self._tags(remote):
            if t.startswith(HASH_TAG_PREFIX):
                return t[len(HASH_TAG_PREFIX) :]
        return None

    def prepare(self, obj: dict[str, Any]) -> dict[str, Any]:
        """The desired board as this tool writes it (managed tag added)."""
        out = copy.deepcopy(obj)
        tags = [t for t in self._tags(obj) if not t.startswith(HASH_TAG_PREFIX)]
        if MANAGED_TAG not in tags:
            tags.append(MANAGED_TAG)
        out["tags"] = " ".join(tags)
        out["configs"] = _json_obj(obj.get("configs"), {})
        if self.datasource_id and isinstance(out["configs"], dict):
            for var in out["configs"].get("var") or []:  # open the board on the chosen datasource
                if isinstance(var, dict) and var.get("type") == "datasource":
                    var["defaultValue"] = self.datasource_id
        return {k: out.get(k, "") for k in ("name", "ident", "tags", "note", "configs")}

    def validate(self, obj: dict[str, Any]) -> list[str]:
        errs = _check_name(obj.get("name"), "name")
        ident = obj.get("ident") or ""
        if ident and (not IDENT_RE.match(ident) or ident.isdigit()):
            errs.append(f"ident {ident!r} must match [A-Za-z0-9-]+ and not be purely numeric")
        configs = _json_obj(obj.get("configs"), None)
        if not isinstance(configs, dict):
            errs.append("configs must be a JSON object")
        elif not isinstance(configs.get("panels", []), list):
            errs.append("configs.panels must be an array")
        tags = " ".join(self._tags(obj)) + f" {MANAGED_TAG} {HASH_TAG_PREFIX}{'0' * 16}"
        if len(tags) > 255:
            errs.append("tags are too long for n9e (255 characters including the n9e-k8s markers)")
        return errs

    def wire(self, desired: dict[str, Any]) -> dict[str, Any]:
        """The create/update body: markers in the tags, configs as a JSON string."""
        norm = self.written_form(desired)
        tags = [*self._tags(desired), HASH_TAG_PREFIX + content_hash(self.normalise(desired))]
        body = {
            "name": desired["name"],
            "ident": desired.get("ident") or "",
            "tags": " ".join(tags),
            "configs": json.dumps(norm["configs"], ensure_ascii=False, sort_keys=True, separators=(",", ":")),
        }
        if self.note_supported:
            body["note"] = desired.get("note") or ""
        return body

    # I/O
    def list_remote(self, wanted: set[str] | None) -> list[dict[str, Any]]:
        assert self.client is not None
        boards = self.client.list_boards(self.group_id)
        # None: every board (export); else the managed ones and those the source names
        need = (
            boards if wanted is None else [b for b in boards if self.is_managed(b) or self.key(b) in wanted]
        )
        # The list has no configs: fetch each board we may compare (in parallel; n9e has no bulk read).
        with ThreadPoolExecutor(max_workers=max(1, self.parallel)) as pool:
            full = list(pool.map(lambda b: self.client.get_board(b["id"]), need))  # type: ignore[union-attr]
        by_id = {b["id"]: b for b in full}
        return [by_id.get(b["id"], b) for b in boards]

    def create(self, objs: list[dict[str, Any]]) -> dict[str, str]:
        from ..n9e_client import N9eAuthError, N9eError

        assert self.client is not None
        result: dict[str, str] = {}
        for o in objs:
            try:
                self.client.create_board(self.group_id, self.wire(o))
                result[self.key(o)] = ""
            except N9eAuthError:
                raise
            except N9eError as exc:
                result[self.key(o)] = str(exc)
        return result

    def update(self, remote: dict[str, Any], desired: dict[str, Any]) -> None:
        assert self.client is not None
        body = self.wire(desired)
        have = {
            "name": remote.get("name") or "",
            "ident": remote.get("ident") or "",
            "tags": remote.get("tags") or "",
            "note": remote.get("note") or "",
        }
        meta = {k: body.get(k, have[k]) for k in ("name", "ident", "tags", "note")}
        if meta != have:
            self.client.update_board_meta(remote["id"], meta)  # sends all four: omitted ones would be cleared
        if _json_obj(remote.get("configs"), {}) != json.loads(body["configs"]):
            self.client.update_board_configs(remote["id"], body["configs"])

    def delete(self, remotes: list[dict[str, Any]]) -> None:
        assert self.client is not None
        self.client.delete_boards(r["id"] for r in remotes)

    def export(self, remote: dict[str, Any]) -> dict[str, Any]:
        n = self.written_form(remote)
        n["tags"] = " ".join(n["tags"])
        return n

    def export_name(self, remote: dict[str, Any]) -> str:
        ident = remote.get("ident")
        if isinstance(ident, str) and SAFE_NAME_RE.fullmatch(ident):
            return ident
        return file_stem(str(ident or remote.get("name") or remote.get("id")))


# ------------------------------------------------------------------------------------------------- rules


class _RuleIO:
    """List/create/update/delete for the rule kinds: the client methods differ by the word in their name."""

    client: N9eClient | None
    group_id: int
    batch: int
    noun: str  # "alert_rule" or "recording_rule"

    def wire(self, desired: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def key(self, obj: dict[str, Any]) -> str:
        return (obj.get("name") or "").strip()

    def _client(self) -> N9eClient:
        assert self.client is not None, "handler used without a client"
        return self.client

    def list_remote(self, wanted: set[str] | None) -> list[dict[str, Any]]:
        return getattr(self._client(), f"list_{self.noun}s")(self.group_id)

    def create(self, objs: list[dict[str, Any]]) -> dict[str, str]:
        result: dict[str, str] = {}
        for i in range(0, len(objs), self.batch):
            chunk = objs[i : i + self.batch]
            # n9e answers {name: error}; map it back to our keys (recording rules may share a name).
            answer = getattr(self._client(), f"create_{self.noun}s")(
                self.group_id, [self.wire(o) for o in chunk]
            )
            for o in chunk:
                result[self.key(o)] = answer.get(o["name"], "no result from the server")
        return result

    def update(self, remote: dict[str, Any], desired: dict[str, Any]) -> None:
        getattr(self._client(), f"update_{self.noun}")(self.group_id, remote["id"], self.wire(desired))

    def delete(self, remotes: list[dict[str, Any]]) -> None:
        getattr(self._client(), f"delete_{self.noun}s")(self.group_id, [r["id"] for r in remotes])

    def export(self, remote: dict[str, Any]) -> dict[str, Any]:
        return self.written_form(remote)  # type: ignore[attr-defined]

    def export_name(self, remote: dict[str, Any]) -> str:
        return file_stem(str(self.key(remote)) or str(remote.get("id")))


# ------------------------------------------------------------------------------------------- alert rules

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


def _alert_fields(features: ServerFeatures) -> dict[str, Any]:
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


class AlertRuleHandler(_RuleIO):
    kind = "alert-rule"
    noun = "alert_rule"

    def __init__(
        self,
        client: N9eClient | None,
        group_id: int,
        *,
        datasource_id: int | None = None,
        version: tuple[int, int, int] = (9, 1, 1),
        batch: int = 100,
    ):
        self.client, self.group_id, self.datasource_id, self.version, self.batch = (
            client,
            group_id,
            datasource_id,
            version,
            batch,
        )
        self.features = ServerFeatures.of(version)
        self.fields = _alert_fields(self.features)
        self.ds_field = self.features.rule_datasource_field

    def is_managed(self, remote: dict[str, Any]) -> bool:
        return MANAGED_APPEND_TAG in [str(t).replace(" ", "") for t in remote.get("append_tags") or []]

    def stored_hash(self, remote: dict[str, Any]) -> str | None:
        ann = _json_obj(remote.get("annotations"), {}) or {}
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
        rc = _json_obj(src.get("rule_config"), None)
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
        r[self.ds_field] = _datasource_value(self.ds_field, self.datasource_id, src)
        if self.ds_field == "datasource_ids":
            r["datasource_ids"] = _normalise_ids(r["datasource_ids"])
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
            v = _json_obj(v, default) if k in JSON_FIELDS else _none_to(v, default)
            out[k] = v
        out["name"] = self.key(obj)
        if "datasource_ids" in out:
            out["datasource_ids"] = _normalise_ids(out["datasource_ids"])
        out["append_tags"] = sorted({str(t).replace(" ", "") for t in out["append_tags"]})
        ann = dict(out["annotations"] or {})
        ann.pop(HASH_ANNOTATION, None)
        out["annotations"] = ann
        if out.get("notify_version") == 1:  # n9e clears the legacy fields when notify rules are used
            out["notify_channels"], out["notify_groups"], out["callbacks"] = [], [], []
        return out

    def validate(self, obj: dict[str, Any]) -> list[str]:
        errs = _check_name(obj.get("name"), "name")
        r = self.prepare(obj)
        for t in r["append_tags"]:
            if "=" not in t:
                errs.append(f"append_tags entry {t!r} must be key=value")
        keys = [t.split("=", 1)[0] for t in r["append_tags"]]
        if len(keys) != len(set(keys)):
            errs.append(f"append_tags has a duplicate key (note that {MANAGED_APPEND_TAG!r} is added)")
        if not isinstance(r["rule_config"], dict) or not r["rule_config"]:
            errs.append("rule_config (or prom_ql) is missing")
        elif not r["rule_config"].get("queries") and not r["rule_config"].get("triggers"):
            errs.append("rule_config has no queries")
        if not isinstance(r["annotations"], dict) or any(
            not isinstance(v, str) for v in r["annotations"].values()
        ):
            errs.append("annotations must map names to strings")
        if not r[self.ds_field]:
            errs.append("no datasource: pass --datasource (or give datasource_queries in the rule)")
        cron = r.get("cron_pattern")
        if cron and not CRON_EVERY_RE.match(cron) and len(cron.split()) != 6:
            errs.append(f"cron_pattern {cron!r} must be '@every <n>s' or a 6-field cron with seconds")
        for hhmm in r["enable_stimes"] + r["enable_etimes"]:
            if not re.match(r"^([01]\d|2[0-4]):[0-5]\d$", str(hhmm)):
                errs.append(f"effective time {hhmm!r} must be HH:MM")
        return errs

    def wire(self, desired: dict[str, Any]) -> dict[str, Any]:
        body = copy.deepcopy(desired)
        body["annotations"] = {
            **desired["annotations"],
            HASH_ANNOTATION: content_hash(self.normalise(desired)),
        }
        if (
            self.ds_field == "datasource_queries"
        ):  # v7.7+ derive datasource_ids themselves; send them all the same
            body["datasource_ids"] = _ids_of_queries(desired.get("datasource_queries"))
        return body


# --------------------------------------------------------------------------------------- recording rules

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


def _recording_fields(features: ServerFeatures) -> dict[str, Any]:
    """The recording rule fields this server version has (v6: no cron_pattern, datasource_ids)."""
    fields = dict(RECORDING_FIELDS)
    if not features.recording_cron_pattern:
        del fields["cron_pattern"]
    if features.rule_datasource_field == "datasource_ids":
        del fields["datasource_queries"]
        fields["datasource_ids"] = []
    return fields


class RecordingRuleHandler(_RuleIO):
    kind = "recording-rule"
    noun = "recording_rule"

    def __init__(
        self,
        client: N9eClient | None,
        group_id: int,
        *,
        datasource_id: int | None = None,
        batch: int = 100,
        version: tuple[int, int, int] = (9, 1, 1),
    ):
        self.client, self.group_id, self.datasource_id, self.batch = client, group_id, datasource_id, batch
        self.features = ServerFeatures.of(version)
        self.fields = _recording_fields(self.features)
        self.ds_field = self.features.rule_datasource_field

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
        r[self.ds_field] = _datasource_value(self.ds_field, self.datasource_id, obj)
        if self.ds_field == "datasource_ids":
            r["datasource_ids"] = _normalise_ids(r["datasource_ids"])
        r["append_tags"] = [str(t).replace(" ", "") for t in r["append_tags"] or []]
        return r

    def normalise(self, obj: dict[str, Any]) -> dict[str, Any]:
        """For comparison (a UI save of a recording rule changes only ``update_at``)."""
        return self.written_form(obj)

    def written_form(self, obj: dict[str, Any]) -> dict[str, Any]:
        """The normalised content as this tool writes it (export writes this form)."""
        out = {k: _none_to(obj.get(k), d) for k, d in self.fields.items()}
        if self.ds_field == "datasource_ids":
            out["datasource_ids"] = _normalise_ids(obj.get("datasource_ids"))
        else:
            out["datasource_queries"] = _json_obj(obj.get("datasource_queries"), [])
        out["name"] = (out["name"] or "").strip()
        out["note"] = NOTE_MARKER.sub("", out["note"])
        out["append_tags"] = sorted(str(t).replace(" ", "") for t in out["append_tags"])
        return out

    def validate(self, obj: dict[str, Any]) -> list[str]:
        r = self.prepare(obj)
        errs = []
        if not METRIC_NAME_RE.match(r["name"]):
            errs.append(f"name {r['name']!r} is not a valid metric name")
        if not r["prom_ql"]:
            errs.append("prom_ql is empty")
        for t in r["append_tags"]:
            if "=" not in t:
                errs.append(f"append_tags entry {t!r} must be key=value")
        if not r[self.ds_field]:
            errs.append("no datasource: pass --datasource (or give datasource_queries in the rule)")
        return errs

    def wire(self, desired: dict[str, Any]) -> dict[str, Any]:
        body = copy.deepcopy(desired)
        marker = f"[n9e-k8s sha={content_hash(self.normalise(desired))}]"
        body["note"] = f"{desired['note']}\n{marker}" if desired["note"] else marker
        body["cluster"] = "0"
        if self.ds_field == "datasource_queries":
            body["datasource_ids"] = _ids_of_queries(desired["datasource_queries"])
        return body
