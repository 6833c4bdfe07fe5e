from __future__ import annotations

from collections.abc import Iterable

from ..model import Finding, LintContext, Parsed, Query
from .base import Rule
from .missing_range import MISSING_RANGE_RE


class Syntax(Rule):
    id = "syntax"
    severity = "error"
    description = "The query does not parse (after dashboard variables are replaced by placeholders)."
    needs_ast = False

    def check(self, parsed: Parsed, query: Query, ctx: LintContext) -> Iterable[Finding]:
        if parsed.error and not MISSING_RANGE_RE.search(parsed.error):
            yield self.finding(query, f"PromQL does not parse: {parsed.substitution.restore(parsed.error)}")


RULE = Syntax()
