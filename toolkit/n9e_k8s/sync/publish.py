"""`n9e-k8s publish`: our integration as an n9e built-in component with its dashboard and alert payloads, through
the built-in components/payloads API (n9e v7+; v6 has none).

Not a HANDLERS kind: payloads are global (no busi group) and hang off a component id. The same markers as the sync
commands are put in the content (boards: tags ``n9e-k8s`` and ``n9e-k8s-sha=``; alert rules: ``managed_by=n9e-k8s``
and the ``n9e_k8s_sha`` annotation), so a rule a user installs from the payload in the UI is recognised by a later
sync-alerts as its own (a board loses its ident on the way: board_payload). Payloads are matched by uuid (stable: integration.stable_uuid), then
by (type, cate, name), which n9e keeps unique; they are compared in the sync handlers' normalised form, because the
server re-marshals every content through its Go structs. A second run writes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import UsageError

if TYPE_CHECKING:
    from ..n9e.client import N9eClient
    from ..n9e.versions import ServerFeatures
    from ..project import Project

SYSTEM = "system"  # created_by of a component n9e read from its integrations folder


@dataclass(frozen=True)
class Payload:
    type: str  # "dashboard" | "alert"
    cate: str
    name: str
    content: dict[str, Any]


@dataclass(frozen=True)
class Desired:
    component: dict[str, Any]  # {ident, logo, readme, disabled}
    payloads: list[Payload]


@dataclass
class Step:
    kind: str  # "component" | "dashboard" | "alert"
    name: str
    op: str  # "create" | "update" | "unchanged" | "delete" | "stale" (kept without --prune)
    remote_id: int | None = None
    error: str = ""

    @property
    def writes(self) -> bool:
        return self.op in ("create", "update", "delete")


@dataclass
class PublishReport:
    steps: list[Step] = field(default_factory=list)
    dry_run: bool = False

    @property
    def pending(self) -> int:
        return sum(1 for s in self.steps if s.writes)

    def exit_code(self) -> int:
        if any(s.error for s in self.steps):
            return 1
        return 3 if self.dry_run and self.pending else 0

    def as_json(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "writes": 0 if self.dry_run else self.pending,
            "steps": [{"kind": s.kind, "name": s.name, "op": s.op, "error": s.error} for s in self.steps],
        }


def _board_handler(features: ServerFeatures) -> Any:
    from .handlers.board import BoardHandler

    return BoardHandler(None, 0, note_supported=features.board_note)


def _alert_handler(features: ServerFeatures) -> Any:
    from .handlers.alert_rule import AlertRuleHandler

    return AlertRuleHandler(None, 0, version=features.version)


def desired_for(project: Project, lang: str, features: ServerFeatures) -> Desired:
    """The component and its payloads for this server: boards and alert rules in the server's format, in ``lang``
    (payloads in the DB are not translated by n9e), with the sync markers and stable uuids."""
    from ..integration import NAME, boards, icon_data_uri, readme, rules
    from .markers import mark_alert_rule, mark_board

    if not features.builtin_payloads:
        raise UsageError(
            f"publish needs n9e v7 or later: n9e {'.'.join(map(str, features.version))} has no built-in "
            "components/payloads API; copy the build's integration/ folder into its integrations directory "
            "instead (docs/integration.md)"
        )
    target = features.alert_render_version
    board_files = boards(project, lang, target)
    rule_files = rules(project, lang, {"n9e_version": target})
    payloads = [
        Payload("dashboard", "", obj["name"], board_payload(mark_board(obj, features), features))
        for obj in board_files.values()
    ]
    for rel, objs in rule_files.items():
        if not rel.startswith("alerts/"):
            continue  # n9e has no recording-rule payloads
        cate = rel.split("/", 1)[1].removesuffix(".json")
        payloads += [Payload("alert", cate, obj["name"], mark_alert_rule(obj, features)) for obj in objs]
    text = readme(project, lang, {**board_files, **rule_files})
    component = {"ident": NAME, "logo": icon_data_uri(), "readme": text, "disabled": 0}
    return Desired(component, payloads)


def board_payload(board: dict[str, Any], features: ServerFeatures) -> dict[str, Any]:
    """What n9e keeps of a dashboard payload's content: its ``Board`` struct (center/router/router_builtin_payload.go)
    has name, tags, configs, uuid and, from v8.5 (``board_note``), note; no ident: a board installed from a payload has
    none, so import-dashboards (which matches boards by ident) does not recognise it (docs/integration.md)."""
    keep = ("name", "tags", "configs", "uuid", *(("note",) if features.board_note else ()))
    return {k: board[k] for k in keep if k in board}


def _same(payload: Payload, remote: dict[str, Any], features: ServerFeatures) -> bool:
    try:
        content = json.loads(remote.get("content") or "")
    except ValueError:
        return False
    if not isinstance(content, dict) or remote.get("cate", "") != payload.cate:
        return False
    handler = _board_handler(features) if payload.type == "dashboard" else _alert_handler(features)
    return bool(handler.normalise(content) == handler.normalise(payload.content))


def _component(client: N9eClient, ident: str) -> dict[str, Any] | None:
    return next((c for c in client.list_builtin_components(ident) if c.get("ident") == ident), None)


def publish(
    client: N9eClient,
    desired: Desired,
    *,
    dry_run: bool = False,
    prune: bool = False,
    on_plan: Callable[[PublishReport], None] | None = None,
) -> PublishReport:
    """Plan, then (unless ``dry_run``) create or update the component and each payload that differs."""
    from .handlers.alert_rule import MANAGED_APPEND_TAG
    from .handlers.board import MANAGED_TAG

    features = client.features
    ident = desired.component["ident"]
    report = PublishReport(dry_run=dry_run)
    remote = _component(client, ident)
    if remote is not None and remote.get("created_by") == SYSTEM:
        raise UsageError(
            f"built-in component {ident} comes from the server's integrations folder (created_by system): "
            "update that folder instead of publishing over it"
        )
    if remote is None:
        report.steps.append(Step("component", ident, "create"))
    else:
        # Only the fields the server keeps: v7 has no `disabled` (v8 added it), so it never comes back.
        same = all(remote[k] == v for k, v in desired.component.items() if k in remote)
        report.steps.append(Step("component", ident, "unchanged" if same else "update", remote["id"]))
    by_type: dict[str, list[dict[str, Any]]] = {}
    if remote is not None:
        for kind in ("dashboard", "alert"):
            by_type[kind] = [
                p
                for p in client.list_builtin_payloads(kind, remote["id"])
                if p.get("component_id") == remote["id"]
            ]
    plans: list[tuple[Step, Payload]] = []
    for payload in desired.payloads:
        remotes = by_type.get(payload.type, [])
        match = next((r for r in remotes if r.get("uuid") == payload.content["uuid"]), None) or next(
            (r for r in remotes if (r.get("cate", ""), r.get("name")) == (payload.cate, payload.name)), None
        )
        if match is None:
            step = Step(payload.type, payload.name, "create")
        else:
            remotes.remove(match)
            op = "unchanged" if _same(payload, match, features) else "update"
            step = Step(payload.type, payload.name, op, match["id"])
        report.steps.append(step)
        plans.append((step, payload))
    for kind, rest in by_type.items():  # ours no longer in the source
        for r in rest:
            text = r.get("content") or ""
            if MANAGED_TAG in text or MANAGED_APPEND_TAG in text:
                report.steps.append(Step(kind, r.get("name") or "", "delete" if prune else "stale", r["id"]))
    if on_plan:
        on_plan(report)
    if dry_run or not report.pending:
        return report
    _apply(client, desired, report, plans, remote)
    return report


def _apply(
    client: N9eClient,
    desired: Desired,
    report: PublishReport,
    plans: list[tuple[Step, Payload]],
    remote: dict[str, Any] | None,
) -> None:
    first = report.steps[0]
    if first.op == "create":
        errors = client.create_builtin_components([desired.component])
        first.error = errors.get(desired.component["ident"], "")
        remote = _component(client, desired.component["ident"])
        if first.error or remote is None:
            first.error = first.error or "created, but not listed afterwards"
            return
    elif first.op == "update":
        assert remote is not None
        client.update_builtin_component({**remote, **desired.component})
    assert remote is not None
    component_id = remote["id"]

    def body(p: Payload) -> dict[str, Any]:
        content = json.dumps(p.content, ensure_ascii=False, sort_keys=True)
        return {
            "type": p.type,
            "component_id": component_id,
            "cate": p.cate,
            "name": p.name,
            "content": content,
        }

    creates = [(s, p) for s, p in plans if s.op == "create"]
    if creates:
        errors = client.create_builtin_payloads([body(p) for _, p in creates])
        for s, p in creates:
            s.error = errors.get(p.name, "")
    for s, p in plans:
        if s.op == "update":
            client.update_builtin_payload({**body(p), "id": s.remote_id, "uuid": p.content["uuid"]})
    client.delete_builtin_payloads(s.remote_id for s in report.steps if s.op == "delete" and s.remote_id)
