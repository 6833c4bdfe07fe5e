from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import promql_parser as pp

from ..model import Finding, LintContext, Parsed, Query
from ..promql import AGG_KEEP_LABELS, agg_labels, agg_op, children, func_name, histogram_quantile_inputs
from ..variables import is_placeholder
from .base import Rule


def aggregations_dropping_le(node: Any) -> Iterable[Any]:
    """Aggregations between histogram_quantile and its buckets that lose the ``le`` label."""
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, pp.Call) and func_name(n) == "histogram_quantile":
            continue  # a nested histogram_quantile is checked on its own
        if isinstance(n, pp.AggregateExpr) and agg_op(n) not in AGG_KEEP_LABELS:
            kind, labels = agg_labels(n)
            if not any(is_placeholder(label) for label in labels) and (
                kind is None
                or (kind == "by" and "le" not in labels)
                or (kind == "without" and "le" in labels)
            ):
                yield n
        stack.extend(children(n))


class HistogramQuantileLe(Rule):
    id = "histogram-quantile-le"
    severity = "error"
    description = "histogram_quantile() over an aggregation that drops the le label (sum without `by (le)`)."

    def check(self, parsed: Parsed, query: Query, ctx: LintContext) -> Iterable[Finding]:
        for inner in histogram_quantile_inputs(parsed.ast):
            for agg in aggregations_dropping_le(inner):
                kind, labels = agg_labels(agg)
                shown = f"{agg_op(agg)} {kind} ({', '.join(labels)})" if kind else agg_op(agg)
                yield self.finding(
                    query,
                    f"histogram_quantile() input aggregation `{shown}` drops the le label, so no quantile "
                    "can be computed; keep `le` in by (...)",
                )


RULE = HistogramQuantileLe()
