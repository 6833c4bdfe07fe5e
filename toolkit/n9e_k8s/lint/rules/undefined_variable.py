from __future__ import annotations

from collections.abc import Iterable

from ..model import Finding, LintContext, Parsed, Query
from .base import Rule


class UndefinedVariable(Rule):
    id = "undefined-variable"
    severity = "error"
    description = "The query uses a dashboard variable that is neither declared nor a Grafana/n9e global."
    needs_ast = False

    def check(self, parsed: Parsed, query: Query, ctx: LintContext) -> Iterable[Finding]:
        known = ", ".join(parsed.known_variables) or "none"
        for name in parsed.substitution.undefined:
            yield self.finding(query, f"undefined variable ${name} (defined: {known})")


RULE = UndefinedVariable()
