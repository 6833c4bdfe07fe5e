from __future__ import annotations

from collections.abc import Iterable

import promql_parser as pp

from ..model import Finding, LintContext, Parsed, Query
from ..promql import COUNTER_FUNCS, func_name
from .base import Rule, named_selectors

# Names that by convention are gauges; unknown metrics only get a finding when they end like this
# (exporters such as node_exporter have counters without _total: node_vmstat_pgfault).
GAUGE_SUFFIXES = (
    "_bytes", "_ratio", "_percent", "_info", "_timestamp_seconds", "_time_seconds", "_celsius",
    "_depth", "_size", "_utilization", "_limit", "_max", "_current", "_status", "_up",
)  # fmt: skip


def series_type(name: str, ctx: LintContext) -> tuple[str | None, bool]:
    """(type of the series, known from the registry?). Unknown series: guessed from the name."""
    found = ctx.registry.lookup(name)
    if found is not None:
        info, suffix = found
        return info.series_type(suffix), True
    if ":" in name:  # a recorded series: its type is not knowable from the name
        return None, False
    if name.endswith(("_total", "_bucket")):  # _count/_sum alone are also common gauge names
        return "counter", False
    return ("gauge" if name.endswith(GAUGE_SUFFIXES) else None), False


class CounterRate(Rule):
    id = "counter-rate"
    severity = "error"
    description = "rate/irate/increase/resets applied to a series that is not a counter (e.g. a gauge)."

    def check(self, parsed: Parsed, query: Query, ctx: LintContext) -> Iterable[Finding]:
        seen: set[tuple[str, str]] = set()
        for _vs, name, ancestors in named_selectors(parsed.ast):
            if len(ancestors) < 2 or not isinstance(ancestors[-1], pp.MatrixSelector):
                continue
            fn = func_name(ancestors[-2])
            if fn not in COUNTER_FUNCS or (fn, name) in seen:
                continue
            seen.add((fn, name))
            stype, known = series_type(name, ctx)
            if known and stype != "counter":
                hint = " (use it directly, or deriv()/delta() for its change)" if stype == "gauge" else ""
                yield self.finding(query, f"{fn}() of {name}, which is a {stype}, not a counter{hint}")
            elif not known and stype == "gauge":
                yield self.finding(
                    query,
                    f"{fn}() of {name}, whose name reads like a gauge, not a counter (judging by its name)",
                    severity="warning",
                )


RULE = CounterRate()
