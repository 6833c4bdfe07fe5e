"""The plan/diff engine: pure functions, no I/O.

Each object is compared in *normalised* form (server-side fields dropped, strings that hold JSON parsed,
defaults filled in, key order irrelevant), so an object that did not change is reported unchanged.
Drift: every object this tool writes carries a hash of the normalised content it wrote; when the remote's
current content no longer hashes to that value, someone changed it outside the tool. ``normalise`` also folds away
what n9e's UI adds on an unchanged save (sync/uisave.py), so such a save is "unchanged", not drift. A marker written
before that folding existed hashes ``written_form`` (normalised as written, no folding); it is accepted too.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

CREATE, UPDATE, UNCHANGED, DELETE, DRIFT, CONFLICT = (
    "create",
    "update",
    "unchanged",
    "delete",
    "drift",
    "conflict",
)
# How a plan shows each op (text and markdown).
SYMBOL = {CREATE: "+", UPDATE: "~", DELETE: "-", DRIFT: "!", CONFLICT: "!", UNCHANGED: "="}
# Ops that write (when applied); drift/conflict write only with --force.
WRITES = (CREATE, UPDATE, DELETE)


class Spec(Protocol):
    """The pure half of a resource handler (what the planner needs)."""

    kind: str

    def key(self, obj: dict[str, Any]) -> str: ...
    def normalise(self, obj: dict[str, Any]) -> dict[str, Any]: ...
    def written_form(self, obj: dict[str, Any]) -> dict[str, Any]: ...
    def is_managed(self, remote: dict[str, Any]) -> bool: ...
    def stored_hash(self, remote: dict[str, Any]) -> str | None: ...


def canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def content_hash(normalised: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(normalised).encode()).hexdigest()[:16]


def marker_hashes(spec: Spec, obj: dict[str, Any]) -> set[str]:
    """The stored hashes that mean "this is ``obj``": of its normalised form (what this tool writes), and of
    ``written_form`` (markers written before the UI-save folding of sync/uisave.py)."""
    return {content_hash(spec.normalise(obj)), content_hash(spec.written_form(obj))}


def pretty(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, indent=2)


def diff_text(before: Any, after: Any, label: str) -> str:
    """A unified diff of two normalised objects ("" when equal)."""
    if before == after:
        return ""
    a = pretty(before).splitlines() if before is not None else []
    b = pretty(after).splitlines() if after is not None else []
    return "\n".join(difflib.unified_diff(a, b, f"n9e/{label}", f"source/{label}", lineterm="", n=3))


@dataclass
class Action:
    kind: str
    key: str
    op: str
    reason: str = ""
    desired: dict[str, Any] | None = None  # normalised desired content
    prepared: dict[str, Any] | None = None  # the desired object as the handler writes it
    remote: dict[str, Any] | None = None  # the remote object as n9e returned it
    remote_norm: dict[str, Any] | None = None
    diff: str = ""
    forced: bool = False  # drift/conflict overwritten because of --force
    status: str = "planned"  # planned | done | failed | skipped
    error: str = ""

    @property
    def writes(self) -> bool:
        return self.op in WRITES or (self.op in (DRIFT, CONFLICT) and self.forced)

    def as_json(self, with_diff: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "key": self.key, "action": self.op, "status": self.status}
        if self.remote and self.remote.get("id") is not None:
            out["id"] = self.remote.get("id")
        if self.reason:
            out["reason"] = self.reason
        if self.forced:
            out["forced"] = True
        if self.error:
            out["error"] = self.error
        if with_diff and self.diff:
            out["diff"] = self.diff
        return out


@dataclass
class Plan:
    actions: list[Action] = field(default_factory=list)

    def by_op(self, *ops: str) -> list[Action]:
        return [a for a in self.actions if a.op in ops]

    @property
    def pending(self) -> bool:
        """Does the server differ from the source (something to create, update, delete, or drift)?"""
        return any(a.op != UNCHANGED for a in self.actions)

    def counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for a in self.actions:
            row = out.setdefault(
                a.kind, {op: 0 for op in (CREATE, UPDATE, UNCHANGED, DELETE, DRIFT, CONFLICT)}
            )
            row[a.op] += 1
        return out


def duplicate_keys(spec: Spec, objs: Iterable[dict[str, Any]]) -> list[str]:
    seen: set[str] = set()
    dups: list[str] = []
    for o in objs:
        k = spec.key(o)
        if k in seen:
            dups.append(k)
        seen.add(k)
    return dups


def plan_kind(
    spec: Spec,
    desired: list[dict[str, Any]],
    remote: list[dict[str, Any]],
    *,
    prune: bool = False,
    force: bool = False,
) -> list[Action]:
    """Actions that bring ``remote`` (this kind, one busi group) to ``desired``.

    * missing remotely → create
    * present, same content → unchanged
    * present and managed, remote content still what we last wrote (hash matches) → update
    * present and managed, remote content edited since (hash differs) → drift (overwritten only with force)
    * present but not managed by this tool (same key) → conflict (taken over only with force)
    * managed remotes no longer in the source → delete, only with prune; drifted ones need force too
    Unmanaged remotes that the source does not mention are never touched.
    """
    by_key: dict[str, list[dict[str, Any]]] = {}
    for r in remote:
        by_key.setdefault(spec.key(r), []).append(r)
    actions: list[Action] = []
    wanted: set[str] = set()
    for d in desired:
        key = spec.key(d)
        wanted.add(key)
        want = spec.normalise(d)
        want_hashes = marker_hashes(spec, d)
        candidates = by_key.get(key, [])
        # Several remotes may share the key (a run killed after n9e applied a create but before its answer came
        # back, two runs at once, n9e versions that do not check names): keep a managed one, preferring one that
        # already matches the source; the other managed copies are deleted below (never an unmanaged one).
        candidates.sort(key=lambda r: (not spec.is_managed(r), spec.normalise(r) != want, r.get("id") or 0))
        if not candidates:
            actions.append(
                Action(spec.kind, key, CREATE, desired=want, prepared=d, diff=diff_text(None, want, key))
            )
            continue
        r = candidates.pop(0)
        have = spec.normalise(r)
        stored = spec.stored_hash(r)
        managed = spec.is_managed(r)
        diff = diff_text(have, want, key)
        a = Action(spec.kind, key, UNCHANGED, desired=want, prepared=d, remote=r, remote_norm=have, diff=diff)
        if not managed:
            a.op, a.reason, a.forced = CONFLICT, "exists in n9e but is not managed by n9e-k8s", force
        elif have == want and stored in want_hashes:
            a.op = UNCHANGED
        elif stored is not None and stored in marker_hashes(spec, r):
            a.op = UPDATE
            if have == want:
                a.reason = "refresh the n9e-k8s marker"
        elif have == want:
            a.op, a.reason = UPDATE, "content matches the source; refresh the n9e-k8s marker"
        else:
            a.op, a.reason, a.forced = DRIFT, "changed in n9e since n9e-k8s last wrote it", force
        actions.append(a)
    actions += duplicate_actions(spec, by_key, wanted, force=force)
    if prune:
        # What is left in by_key was matched by no desired object.
        for key, rest in sorted(by_key.items()):
            if key in wanted:
                continue
            for r in rest:
                if not spec.is_managed(r):
                    continue
                have = spec.normalise(r)
                stored = spec.stored_hash(r)
                a = Action(
                    spec.kind, key, DELETE, remote=r, remote_norm=have, diff=diff_text(have, None, key)
                )
                if stored is not None and stored not in marker_hashes(spec, r):
                    a.op, a.reason, a.forced = (
                        DRIFT,
                        "no longer in the source, but changed in n9e since",
                        force,
                    )
                actions.append(a)
    return actions


DUPLICATE_REASON = "duplicate of a managed object"


def duplicate_actions(
    spec: Spec, left: dict[str, list[dict[str, Any]]], wanted: set[str], *, force: bool
) -> list[Action]:
    """Deletes for the managed copies of a desired object left over after matching (with or without prune): two
    remotes of one managed identity converge to one. A copy edited in n9e since this tool wrote it is drift
    (deleted only with force, after its backup); unmanaged objects are never touched."""
    out: list[Action] = []
    for key in sorted(k for k in left if k in wanted):
        for r in left[key]:
            if not spec.is_managed(r):
                continue
            have = spec.normalise(r)
            a = Action(
                spec.kind,
                key,
                DELETE,
                DUPLICATE_REASON,
                remote=r,
                remote_norm=have,
                diff=diff_text(have, None, key),
            )
            stored = spec.stored_hash(r)
            if stored is not None and stored not in marker_hashes(spec, r):
                a.op, a.reason, a.forced = DRIFT, DUPLICATE_REASON + ", changed in n9e since", force
            out.append(a)
    return out
