from __future__ import annotations

from collections.abc import Iterable

from ..model import Finding, LintContext, Parsed, Query
from .base import Rule, named_selectors


class UnknownMetric(Rule):
    id = "unknown-metric"
    severity = "info"
    description = (
        "A metric the registry (promql/metrics.yaml) does not know; type and labels are only guessed."
    )

    def check(self, parsed: Parsed, query: Query, ctx: LintContext) -> Iterable[Finding]:
        seen: set[str] = set()
        for _vs, name, _ in named_selectors(parsed.ast):
            if name in seen or name in ctx.recorded or ctx.registry.lookup(name) is not None:
                continue
            seen.add(name)
            what = "a recorded series" if ":" in name else "a metric"
            yield self.finding(query, f"{name} is {what} not in the registry (promql/metrics.yaml)")


RULE = UnknownMetric()
