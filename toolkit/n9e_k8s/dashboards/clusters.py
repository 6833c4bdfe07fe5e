"""Do a board's targets blend clusters? (issue 11, defect 4)

A board blends clusters when its cluster variable can select several values (multi-select or
"All") while a target aggregates the cluster label away: `sum(rate(...))` then adds the QPS of
different clusters and `sum by (le, verb)` mixes their latency distributions. A board is safe when
the cluster variable is single-valued, or when every aggregation and every vector matching of every
target keeps the cluster label.
"""

from __future__ import annotations

from typing import Any

import promql_parser as pp

from ..lint.promql import AGG_KEEP_LABELS, agg_labels, agg_op, binary_matching, walk
from ..lint.variables import substitute
from ..selectors import Selectors


def cluster_variable_is_single(board: dict[str, Any], selectors: Selectors) -> bool:
    """True when the board's cluster variable selects exactly one value (no multi, no "All")."""
    name = selectors.dashboard_filters.get(selectors.cluster_label)
    var = next((v for v in board["configs"]["var"] if v.get("name") == name), None)
    return var is not None and not var.get("multi") and not var.get("allOption")


def dropped_cluster(expr: str, selectors: Selectors) -> list[str]:
    """The parts of ``expr`` (a rendered dashboard target) that lose or ignore the cluster label."""
    kinds = {n: v.kind for n, v in selectors.variables.items()}
    defaults = {n: v.default for n, v in selectors.variables.items()}
    ast = pp.parse(substitute(expr, kinds, defaults).text)
    cluster = selectors.cluster_label
    out: list[str] = []
    for node, _ in walk(ast):
        if isinstance(node, pp.AggregateExpr):
            op = agg_op(node)
            if op in AGG_KEEP_LABELS:
                continue
            kind, labels = agg_labels(node)
            keeps = (kind == "by" and cluster in labels) or (kind == "without" and cluster not in labels)
            if not keeps:
                grouping = f" {kind} ({', '.join(labels)})" if kind else ""
                out.append(f"{op}{grouping} aggregates {cluster!r} away")
        elif isinstance(node, pp.BinaryExpr):
            kind, labels = binary_matching(node)
            if (kind == "on" and cluster not in labels) or (kind == "ignoring" and cluster in labels):
                out.append(f"{kind} ({', '.join(labels)}) matches series across clusters")
    return out


def cluster_blending_problems(board: dict[str, Any], selectors: Selectors) -> list[str]:
    """``"<panel> / <refId>: <what>"`` for every target that blends clusters; [] for a safe board."""
    if cluster_variable_is_single(board, selectors):
        return []
    problems = []
    for panel in board["configs"]["panels"]:
        for target in panel.get("targets") or []:
            for what in dropped_cluster(target["expr"], selectors):
                problems.append(f"{panel['name']} / {target['refId']}: {what}")
    return problems
