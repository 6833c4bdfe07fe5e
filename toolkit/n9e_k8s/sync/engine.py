"""Sync orchestration: resolve the group and datasource, validate, plan, back up drift, apply, export.

Order matters: every desired object is validated and every remote read is done before the first write,
so a source error uploads nothing and a plan is complete before anything changes.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import RemoteError, SourceError, SourceErrors, UsageError
from ..n9e.versions import NEWEST_KNOWN, ServerFeatures
from ..textio import stable_json
from .checks import PathWarning, datasource_warnings, notify_warning
from .handlers import Handler, Target, handler_class
from .lock import group_lock
from .plan import CONFLICT, CREATE, DELETE, DRIFT, UPDATE, Action, Plan, duplicate_keys, plan_kind

if TYPE_CHECKING:
    from ..n9e.client import N9eClient


@dataclass
class Desired:
    """One desired object and where it came from (for error messages)."""

    obj: dict[str, Any]
    origin: str


@dataclass
class SyncOptions:
    dry_run: bool = False
    prune: bool = False
    force: bool = False
    backup_dir: Path | None = None


@dataclass
class Report:
    group_id: int | None
    group_name: str
    version: str
    plan: Plan
    dry_run: bool
    backups: list[str] = field(default_factory=list)
    group_created: bool = False
    requests: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    warnings: list[PathWarning] = field(default_factory=list)  # n9e's path for the rules (sync/checks.py)

    @property
    def failed(self) -> list[Action]:
        return [a for a in self.plan.actions if a.status == "failed"]

    @property
    def blocked(self) -> list[Action]:
        """Drift and conflicts left in place (no --force)."""
        return [a for a in self.plan.actions if a.op in (DRIFT, CONFLICT) and not a.forced]

    def exit_code(self) -> int:
        if self.failed:
            return 1
        if self.dry_run:
            return 3 if self.plan.pending else 0
        return 3 if self.blocked else 0

    def as_json(self) -> dict[str, Any]:
        return {
            "group": {"id": self.group_id, "name": self.group_name, "created": self.group_created},
            "n9e_version": self.version,
            "dry_run": self.dry_run,
            "summary": self.plan.counts(),
            "actions": [a.as_json() for a in self.plan.actions],
            "backups": self.backups,
            "requests": self.requests,
            "seconds": round(self.seconds, 3),
            "exit_code": self.exit_code(),
            "warnings": [w.as_json() for w in self.warnings],
        }


# ------------------------------------------------------------------------------------ group & datasource


def resolve_group(
    client: N9eClient, spec: str, *, create: bool, dry_run: bool
) -> tuple[int | None, str, bool]:
    """(id, name, created) of the busi group given by name or id; id None when it would be created (dry run)."""
    if not spec:
        raise UsageError("no busi group: pass --group NAME|ID or set N9E_GROUP")
    if spec.isdigit():
        from ..n9e.client import N9eAPIError

        try:
            g = client.get_group(int(spec))
        except N9eAPIError as exc:
            if exc.status == 404:
                raise UsageError(f"busi group {spec} does not exist") from None
            raise
        return int(g["id"]), str(g.get("name", "")), False
    matches = [g for g in client.list_groups(spec) if g.get("name") == spec]
    if matches:
        return int(matches[0]["id"]), spec, False
    if not create:
        raise UsageError(f"busi group {spec!r} does not exist (use --create-group to create it)")
    if dry_run:
        return None, spec, True
    return client.create_group(spec), spec, True


def resolve_datasource(client: N9eClient, spec: str | None) -> int | None:
    if not spec:
        return None
    sources = client.list_datasources()
    for d in sources:
        if str(d.get("id")) == spec or d.get("name") == spec:
            return int(d["id"])
    known = ", ".join(f"{d.get('name')} ({d.get('id')})" for d in sources) or "none"
    raise UsageError(f"datasource {spec!r} not found in n9e (known: {known})")


def make_handlers(
    client: N9eClient | None,
    group_id: int,
    kinds: list[str],
    *,
    datasource_id: int | None = None,
    version: tuple[int, int, int] = NEWEST_KNOWN,
    parallel: int = 4,
) -> dict[str, Handler]:
    """The handlers of ``kinds`` (registry: sync/handlers) for one server version; an unknown kind: ValueError."""
    target = Target(client, group_id, ServerFeatures.of(version), datasource_id, parallel)
    return {kind: handler_class(kind).build(target) for kind in kinds}


# -------------------------------------------------------------------------------------------- planning


def validate_desired(
    handlers: dict[str, Handler], desired: dict[str, list[Desired]]
) -> dict[str, list[dict[str, Any]]]:
    """Prepared desired objects per kind; raises SourceErrors listing every problem."""
    errors: list[SourceError] = []
    prepared: dict[str, list[dict[str, Any]]] = {}
    for kind, handler in handlers.items():
        items = desired.get(kind, [])
        for d in items:
            for msg in handler.validate(d.obj):
                errors.append(SourceError(d.origin, msg, path=f"{kind} {handler.key(d.obj)!r}"))
        for key in dict.fromkeys(duplicate_keys(handler, [d.obj for d in items])):
            origins = ", ".join(d.origin for d in items if handler.key(d.obj) == key)
            errors.append(SourceError(origins, f"two {kind}s have the key {key!r}", path=kind))
        if not errors:
            prepared[kind] = [handler.prepare(d.obj) for d in items]
    if errors:
        raise SourceErrors(errors)
    return prepared


def compute_plan(
    handlers: dict[str, Handler],
    prepared: dict[str, list[dict[str, Any]]],
    *,
    group_exists: bool,
    prune: bool,
    force: bool,
) -> Plan:
    plan = Plan()
    for kind, handler in handlers.items():
        want = prepared.get(kind, [])
        remote = handler.list_remote({handler.key(o) for o in want}) if group_exists else []
        plan.actions += plan_kind(handler, want, remote, prune=prune, force=force)
    return plan


# ---------------------------------------------------------------------------------------------- backups


def write_backups(plan: Plan, handlers: dict[str, Handler], root: Path) -> list[str]:
    """Save the remote version of every drifted or conflicting object before anything overwrites it."""
    written: list[str] = []
    for a in plan.by_op(DRIFT, CONFLICT):
        if a.remote is None:
            continue
        h = handlers[a.kind]
        path = inside(root, a.kind, f"{h.export_name(a.remote)}.json")
        if str(path) in written:  # two remote names with one file name
            path = inside(root, a.kind, f"{h.export_name(a.remote)}-{a.remote.get('id')}.json")
        path.parent.mkdir(parents=True, exist_ok=True)
        raw = dict(a.remote)
        if isinstance(raw.get("configs"), str):
            with contextlib.suppress(ValueError):
                raw["configs"] = json.loads(raw["configs"])
        path.write_text(stable_json(raw))
        written.append(str(path))
    return written


def inside(root: Path, *parts: str) -> Path:
    """``root/parts...``, checked to stay inside ``root``: names come from the server, which checks nothing."""
    path = root.joinpath(*parts)
    if any(p in ("", ".", "..") or "/" in p or "\\" in p or "\0" in p for p in parts) or not (
        path.resolve().is_relative_to(root.resolve())
    ):
        raise RemoteError(f"refused to write {path}: a name from the server leads outside {root}")
    return path


def default_backup_dir() -> Path:
    return Path("n9e-k8s-backup") / time.strftime("%Y%m%dT%H%M%S")


# ---------------------------------------------------------------------------------------------- applying


def apply_plan(
    plan: Plan,
    handlers: dict[str, Handler],
    progress: Callable[[Action], None] | None = None,
) -> None:
    """Create, update, then delete. A per-object failure is recorded on its action; auth errors abort."""
    from ..n9e.client import N9eAuthError, N9eError

    def done(a: Action, error: str = "") -> None:
        a.status, a.error = ("failed", error) if error else ("done", "")
        if progress:
            progress(a)

    for a in plan.actions:
        if a.op in (DRIFT, CONFLICT) and not a.forced:
            a.status = "skipped"
    for kind, handler in handlers.items():
        creates = [a for a in plan.actions if a.kind == kind and a.op == CREATE]
        if creates:
            objs = [_desired_obj(a) for a in creates]
            try:
                result = handler.create(objs)
            except N9eAuthError:
                raise
            except N9eError as exc:  # the whole batch failed
                result = {a.key: str(exc) for a in creates}
            for a in creates:
                done(a, result.get(a.key, "no result from the server"))
        for a in plan.actions:
            if a.kind != kind or not a.writes or a.op == CREATE or a.desired is None:
                continue
            try:
                handler.update(a.remote or {}, _desired_obj(a))
                done(a)
            except N9eAuthError:
                raise
            except N9eError as exc:
                done(a, str(exc))
        deletes = [a for a in plan.actions if a.kind == kind and a.writes and a.desired is None]
        if deletes:
            try:
                handler.delete([a.remote for a in deletes if a.remote is not None])
                for a in deletes:
                    done(a)
            except N9eAuthError:
                raise
            except N9eError as exc:
                for a in deletes:
                    done(a, str(exc))


def _desired_obj(a: Action) -> dict[str, Any]:
    assert a.prepared is not None
    return a.prepared


# ------------------------------------------------------------------------------------------------- sync


def sync(
    client: N9eClient,
    desired: dict[str, list[Desired]],
    *,
    group: str,
    create_group: bool = False,
    datasource: str | None = None,
    options: SyncOptions | None = None,
    parallel: int = 4,
    progress: Callable[[Action], None] | None = None,
    on_plan: Callable[[Plan], None] | None = None,
    notify_rules: list[str] | None = None,
) -> Report:
    """Plan (and unless dry-run, apply) ``desired`` in one busi group. ``desired`` keys: handler kinds.

    ``notify_rules`` (names) are resolved to this server's ids (sync/notify.py) and added to every alert rule's
    ``notify_rule_ids``; an unknown name fails before anything is written."""

    opts = options or SyncOptions()
    started = time.monotonic()
    kinds = list(desired)
    # Validation that needs no server first: a source error must not even reach the network.
    validate_desired(make_handlers(None, 0, kinds, datasource_id=0), desired)
    # Plan and apply under the (server, group) lock (sync/lock.py): a second run plans after the first applied.
    lock = contextlib.nullcontext() if opts.dry_run else group_lock(client.shown_url, group)
    with lock:
        return _sync_locked(
            client,
            desired,
            group,
            create_group,
            datasource,
            opts,
            parallel,
            progress,
            on_plan,
            notify_rules,
            started,
        )


def _sync_locked(
    client: N9eClient,
    desired: dict[str, list[Desired]],
    group: str,
    create_group: bool,
    datasource: str | None,
    opts: SyncOptions,
    parallel: int,
    progress: Callable[[Action], None] | None,
    on_plan: Callable[[Plan], None] | None,
    notify_rules: list[str] | None,
    started: float,
) -> Report:
    from .notify import resolve_notify_rules

    kinds = list(desired)
    version = client.version
    group_id, group_name, will_create = resolve_group(client, group, create=create_group, dry_run=True)
    ds_id = resolve_datasource(client, datasource)
    notify_ids = resolve_notify_rules(client, notify_rules or [])
    for d in desired.get("alert-rule", []) if notify_ids else []:
        d.obj = {**d.obj, "notify_rule_ids": sorted({*(d.obj.get("notify_rule_ids") or []), *notify_ids})}
    handlers = make_handlers(
        client, group_id or 0, kinds, datasource_id=ds_id, version=client.version_tuple, parallel=parallel
    )
    prepared = validate_desired(handlers, desired)
    plan = compute_plan(
        handlers, prepared, group_exists=group_id is not None, prune=opts.prune, force=opts.force
    )
    if on_plan:
        on_plan(plan)
    report = Report(group_id, group_name, version, plan, opts.dry_run, group_created=will_create)
    alerts, records = prepared.get("alert-rule", []), prepared.get("recording-rule", [])
    report.warnings = datasource_warnings(
        client, ds_id, alert_rules=len(alerts), recording_rules=len(records)
    ) + notify_warning(client.features.notify_rules, alerts)
    if not opts.dry_run:
        if plan.by_op(DRIFT, CONFLICT):
            report.backups = write_backups(plan, handlers, opts.backup_dir or default_backup_dir())
        if group_id is None and any(a.writes for a in plan.actions):
            group_id = client.create_group(group_name)
            report.group_id = group_id
            for h in handlers.values():
                h.group_id = group_id
        apply_plan(plan, handlers, progress)
    report.requests = dict(client.requests)
    report.seconds = time.monotonic() - started
    return report


def export_group(client: N9eClient, group: str, out: Path, kinds: list[str]) -> list[Path]:
    """Write the group's objects (normalised, markers removed, stable names) under ``out``."""
    group_id, _, _ = resolve_group(client, group, create=False, dry_run=True)
    assert group_id is not None
    handlers = make_handlers(client, group_id, kinds, version=client.version_tuple)
    written: list[Path] = []
    for h in handlers.values():
        remotes = h.list_remote(None)  # every object of the group, not only the managed ones
        names: set[str] = set()
        for r in sorted(remotes, key=lambda r: (h.key(r), r.get("id") or 0)):
            name = h.export_name(r)
            if name in names:
                name = f"{name}-{r.get('id')}"
            names.add(name)
            path = inside(out, h.folder, f"{name}.json")
            path.parent.mkdir(parents=True, exist_ok=True)
            obj = h.export(r)
            path.write_text(stable_json(obj))
            written.append(path)
        # Objects deleted in n9e disappear from the export too.
        for stale in sorted((out / h.folder).glob("*.json")):
            if stale not in written:
                stale.unlink()
    return written


__all__ = [
    "CREATE",
    "DELETE",
    "UPDATE",
    "Desired",
    "Report",
    "SyncOptions",
    "export_group",
    "sync",
]
