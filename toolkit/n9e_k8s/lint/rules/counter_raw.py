from __future__ import annotations

from collections.abc import Iterable

import promql_parser as pp

from ..model import Finding, LintContext, Parsed, Query
from ..promql import COUNTER_FUNCS, agg_op, func_name
from .base import Rule, named_selectors
from .counter_rate import series_type

# Functions and aggregations where a raw counter is fine: existence, counting series, time stamps.
EXISTENCE_FUNCS = frozenset(
    {"absent", "absent_over_time", "present_over_time", "count_over_time", "timestamp", "changes"}
)
EXISTENCE_AGGS = frozenset({"count", "group", "count_values"})


def allowed_context(ancestors: tuple) -> bool:
    if (
        len(ancestors) >= 2
        and isinstance(ancestors[-1], pp.MatrixSelector)
        and func_name(ancestors[-2]) in COUNTER_FUNCS
    ):
        return True
    # rate(x[5m:1m]): the subquery samples the raw counter, rate() then handles it.
    for i, node in enumerate(ancestors):
        if isinstance(node, pp.SubqueryExpr) and i > 0 and func_name(ancestors[i - 1]) in COUNTER_FUNCS:
            return True
    for node in ancestors:
        if func_name(node) in EXISTENCE_FUNCS:
            return True
        if isinstance(node, pp.AggregateExpr) and agg_op(node) in EXISTENCE_AGGS:
            return True
    return False


class CounterRaw(Rule):
    id = "counter-raw"
    severity = "warning"
    description = (
        "A counter (or a histogram's _bucket/_sum/_count) used without rate()/increase(): its value only "
        "grows and resets on restart."
    )

    def check(self, parsed: Parsed, query: Query, ctx: LintContext) -> Iterable[Finding]:
        seen: set[str] = set()
        for _vs, name, ancestors in named_selectors(parsed.ast):
            if name in seen:
                continue
            stype, known = series_type(name, ctx)
            if stype != "counter" or allowed_context(ancestors):
                continue
            seen.add(name)
            how = "" if known else " (judging by its name)"
            yield self.finding(
                query,
                f"counter {name}{how} is used without rate()/irate()/increase(); its raw value is a "
                "total since the process started",
            )


RULE = CounterRaw()
