from __future__ import annotations

import re
from collections.abc import Iterable

import promql_parser as pp

from ...varrefs import VARIABLE_RE
from ..infer import labels_of
from ..model import Finding, LintContext, Parsed, Query
from ..promql import agg_labels, agg_op, binary_matching, is_scalar, matchers, walk
from ..variables import is_placeholder
from .base import Rule, named_selectors


def matches_empty(op: object, value: str) -> bool:
    """Whether a matcher also selects series that lack the label (empty value)."""
    if op in (pp.MatchOp.NotEqual, pp.MatchOp.NotRe):
        return True
    if op == pp.MatchOp.Equal:
        return value == ""
    if VARIABLE_RE.search(value):  # "$var": the value is chosen at view time (often .*)
        return True
    try:
        return re.fullmatch(value, "") is not None
    except re.error:
        return False


def _change_note(info, label: str) -> str:
    for change in info.label_changes:
        if label in change.removed:
            return f"; {change.note or f'{label} was removed in {change.version[0]}.{change.version[1]}'}"
    return ""


class UnknownLabel(Rule):
    id = "unknown-label"
    severity = "error"
    description = (
        "A matcher or by/without/on/ignoring label that the metric does not have (by the registry, for the "
        "target Kubernetes version)."
    )

    def check(self, parsed: Parsed, query: Query, ctx: LintContext) -> Iterable[Finding]:
        reported: set[tuple[str, str]] = set()
        for vs, name, _ in named_selectors(parsed.ast):
            found = ctx.registry.lookup(name)
            if found is None:
                continue
            info, suffix = found
            if info.open_labels:
                continue
            allowed = info.allowed_labels(suffix, ctx.k8s_version) | ctx.extra_labels
            for m in matchers(vs):
                if m.name in allowed or is_placeholder(m.name) or (name, m.name) in reported:
                    continue
                reported.add((name, m.name))
                have = ", ".join(sorted(info.labels_at(ctx.k8s_version))) or "no labels of its own"
                if not info.labels_verified:
                    yield self.finding(
                        query,
                        f"{name} has no label {m.name!r} in the registry (it has: {have}; that label set is "
                        "not verified)",
                        severity="warning",
                    )
                elif matches_empty(m.op, m.value):
                    yield self.finding(
                        query,
                        f"{name} has no label {m.name!r} (it has: {have}); the matcher is a no-op"
                        f"{_change_note(info, m.name)}",
                        severity="warning",
                    )
                else:
                    yield self.finding(
                        query,
                        f"{name} has no label {m.name!r} (it has: {have}), so the selector matches nothing"
                        f"{_change_note(info, m.name)}",
                    )
        for node, _ in walk(parsed.ast):
            if isinstance(node, pp.AggregateExpr):
                kind, labels = agg_labels(node)
                if not kind or agg_op(node) == "count_values":
                    continue
                have = labels_of(node.expr, ctx)
                if have is None:
                    continue
                for label in labels:
                    if label not in have and not is_placeholder(label) and ("agg", label) not in reported:
                        reported.add(("agg", label))
                        yield self.finding(
                            query,
                            f"{agg_op(node)} {kind} ({', '.join(labels)}): the input has no label {label!r} "
                            f"(it can have: {', '.join(sorted(have - {'__name__'}))}){self._note(node.expr, label, ctx)}",
                        )
            elif isinstance(node, pp.BinaryExpr):
                kind, labels = binary_matching(node)
                if not kind or is_scalar(node.lhs) or is_scalar(node.rhs):
                    continue
                for side in (node.lhs, node.rhs):
                    have = labels_of(side, ctx)
                    if have is None:
                        continue
                    for label in labels:
                        if label not in have and not is_placeholder(label) and ("bin", label) not in reported:
                            reported.add(("bin", label))
                            yield self.finding(
                                query,
                                f"{kind} ({', '.join(labels)}): one side has no label {label!r} "
                                f"(it can have: {', '.join(sorted(have - {'__name__'}))})",
                            )

    @staticmethod
    def _note(expr, label: str, ctx: LintContext) -> str:
        for _vs, name, _ in named_selectors(expr):
            found = ctx.registry.lookup(name)
            if found:
                note = _change_note(found[0], label)
                if note:
                    return note
        return ""


RULE = UnknownLabel()
