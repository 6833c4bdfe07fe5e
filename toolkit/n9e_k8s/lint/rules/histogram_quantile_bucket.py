from __future__ import annotations

from collections.abc import Iterable

import promql_parser as pp

from ..model import Finding, LintContext, Parsed, Query
from ..promql import histogram_quantile_inputs, selector_name, walk
from ..variables import is_placeholder
from .base import Rule


class HistogramQuantileBucket(Rule):
    id = "histogram-quantile-bucket"
    severity = "error"
    description = "histogram_quantile() whose input is not a classic histogram's _bucket series."

    def check(self, parsed: Parsed, query: Query, ctx: LintContext) -> Iterable[Finding]:
        for inner in histogram_quantile_inputs(parsed.ast):
            names = [selector_name(n) for n, _ in walk(inner) if isinstance(n, pp.VectorSelector)]
            if any(n is None or is_placeholder(n) for n in names) or not names:
                continue
            if any("_bucket" in n for n in names):
                bad = []
                for n in names:
                    found = ctx.registry.lookup(n)
                    if found and found[0].type != "histogram":
                        bad.append(f"{n} ({found[0].type})")
                if bad:
                    yield self.finding(
                        query, f"histogram_quantile() over {', '.join(bad)}, which is not a histogram"
                    )
                continue
            yield self.finding(
                query,
                f"histogram_quantile() reads {', '.join(sorted(set(names)))}, not a _bucket series "
                "(use rate(<histogram>_bucket[...]))",
            )


RULE = HistogramQuantileBucket()
