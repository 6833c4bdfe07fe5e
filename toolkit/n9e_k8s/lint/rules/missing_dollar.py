"""A variable name written without its ``$``: ``[interval]`` (does not parse) or ``verb=~"verb"``
(parses, and matches the literal string, so the panel stays empty). The source article has both."""

from __future__ import annotations

import re
from collections.abc import Iterable

import promql_parser as pp

from ..model import Finding, LintContext, Parsed, Query
from ..promql import matchers, walk
from .base import Rule

BARE_RANGE_RE = re.compile(r"\[\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:[:\]])")
DURATION_RE = re.compile(r"^(\d+(ms|[smhdwy]))+$")


class MissingDollar(Rule):
    id = "missing-dollar"
    severity = "error"
    description = 'A dashboard variable used without its $: a range [interval] or a matcher value "verb".'
    needs_ast = False

    def check(self, parsed: Parsed, query: Query, ctx: LintContext) -> Iterable[Finding]:
        known = set(parsed.known_variables)
        for m in BARE_RANGE_RE.finditer(parsed.substitution.text):
            name = m.group(1)
            if name in known and not DURATION_RE.match(name):
                yield self.finding(
                    query, f"range [{name}] names the variable {name} without its $: write [${name}]"
                )
        if parsed.ast is None:
            return
        labels_of = {name: name for name in known}
        if ctx.selectors is not None:
            for name, var in ctx.selectors.variables.items():
                labels_of[name] = var.label or name
        for node, _ in walk(parsed.ast):
            if not isinstance(node, pp.VectorSelector):
                continue
            for m in matchers(node):
                # Only `verb=~"verb"`: the label compared with its own variable's name. A value that
                # merely equals some variable name (`scope="cluster"`) is a real value.
                if m.value in known and labels_of.get(m.value) == m.name:
                    yield self.finding(
                        query,
                        f'{m.name} is matched against the literal "{m.value}", the name of a variable: '
                        f'write "${m.value}" (as it is, it selects nothing)',
                    )


RULE = MissingDollar()
