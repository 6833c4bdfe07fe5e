from __future__ import annotations

from collections.abc import Iterable

import promql_parser as pp

from ..model import Finding, LintContext, Parsed, Query
from ..promql import unwrap
from .base import Rule


class TopLevelRange(Rule):
    id = "top-level-range"
    severity = "error"
    description = "The query's result is a range vector or a string; dashboards and rules need an instant vector or scalar."

    def check(self, parsed: Parsed, query: Query, ctx: LintContext) -> Iterable[Finding]:
        top = unwrap(parsed.ast)
        if isinstance(top, (pp.MatrixSelector, pp.SubqueryExpr)):
            yield self.finding(
                query,
                "the query returns a range vector, which a panel or rule cannot evaluate; wrap it in a function such as rate() or max_over_time()",
            )
        elif isinstance(top, pp.StringLiteral):
            yield self.finding(query, "the query is a string literal")


RULE = TopLevelRange()
