"""A matcher that can match none of the values a label is known to take (registry ``label_values``):
``verb=~"resource"``, ``request_kind="readonly"``. Such a selector returns nothing."""

from __future__ import annotations

import re
from collections.abc import Iterable

import promql_parser as pp

from ...varrefs import VARIABLE_RE
from ..model import Finding, LintContext, Parsed, Query
from ..promql import matchers
from ..variables import is_placeholder
from .base import Rule, named_selectors


def _can_match(op: pp.MatchOp, value: str, known: tuple[str, ...]) -> bool:
    if op == pp.MatchOp.Equal:
        return value in known
    if op == pp.MatchOp.Re:
        try:
            pattern = re.compile(value)
        except re.error:
            return True  # the syntax rule reports bad regexes
        return value == "" or any(pattern.fullmatch(v) for v in known)
    return True  # negative matchers always leave something


class ImpossibleValue(Rule):
    id = "impossible-value"
    severity = "error"
    description = (
        "A matcher on a label with a closed set of values (registry label_values) that matches none of them."
    )

    def check(self, parsed: Parsed, query: Query, ctx: LintContext) -> Iterable[Finding]:
        for node, name, _ in named_selectors(parsed.ast):
            found = ctx.registry.lookup(name)
            if not found or not found[0].label_values:
                continue
            info = found[0]
            for m in matchers(node):
                known = info.label_values.get(m.name)
                if not known or VARIABLE_RE.search(m.value) or is_placeholder(m.value) or "$" in m.value:
                    continue
                if not _can_match(m.op, m.value, known):
                    yield self.finding(
                        query,
                        f'{name}: {m.name} takes only {", ".join(known)}; "{m.value}" matches none of them, '
                        "so the selector returns nothing",
                    )


RULE = ImpossibleValue()
