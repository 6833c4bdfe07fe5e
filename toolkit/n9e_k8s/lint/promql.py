"""Small helpers over the promql-parser AST shared by the rules.

promql-parser nodes carry no parent pointers (and attribute access creates new Python objects), so
:func:`walk` yields each node with the tuple of its ancestors, outermost first.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import promql_parser as pp

# Functions that only make sense on counters.
COUNTER_FUNCS = frozenset({"rate", "irate", "increase", "resets"})
# Label-preserving functions (the result keeps the argument's labels, minus __name__).
LABEL_PRESERVING = frozenset(
    {
        "abs", "ceil", "floor", "round", "exp", "ln", "log2", "log10", "sqrt", "sgn", "clamp", "clamp_min",
        "clamp_max", "sort", "sort_desc", "sort_by_label", "sort_by_label_desc", "rate", "irate",
        "increase", "delta", "idelta", "deriv", "resets", "changes", "avg_over_time", "min_over_time",
        "max_over_time", "sum_over_time", "count_over_time", "quantile_over_time", "stddev_over_time",
        "stdvar_over_time", "last_over_time", "present_over_time", "mad_over_time", "predict_linear",
        "timestamp", "double_exponential_smoothing", "holt_winters", "acos", "asin", "atan", "cos",
        "sin", "tan", "deg", "rad", "day_of_month", "day_of_week", "day_of_year", "days_in_month",
        "hour", "minute", "month", "year",
    }
)  # fmt: skip
AGG_KEEP_LABELS = frozenset({"topk", "bottomk", "limitk", "limit_ratio"})


def children(node: Any) -> list[Any]:
    if isinstance(node, pp.AggregateExpr):
        return [c for c in (node.param, node.expr) if c is not None]
    if isinstance(node, pp.BinaryExpr):
        return [node.lhs, node.rhs]
    if isinstance(node, pp.Call):
        return list(node.args)
    if isinstance(node, pp.MatrixSelector):
        return [node.vector_selector]
    if isinstance(node, (pp.SubqueryExpr, pp.ParenExpr, pp.UnaryExpr)):
        return [node.expr]
    return []


def walk(node: Any, ancestors: tuple[Any, ...] = ()) -> Iterator[tuple[Any, tuple[Any, ...]]]:
    yield node, ancestors
    for child in children(node):
        yield from walk(child, (*ancestors, node))


def unwrap(node: Any) -> Any:
    while isinstance(node, pp.ParenExpr):
        node = node.expr
    return node


def selector_name(vs: Any) -> str | None:
    """The metric name of a VectorSelector, also when given as ``{__name__="x"}``."""
    if vs.name:
        return vs.name
    for m in vs.matchers.matchers:
        if m.name == "__name__" and m.op == pp.MatchOp.Equal:
            return m.value
    return None


def matchers(vs: Any) -> list[Any]:
    out = list(vs.matchers.matchers)
    for group in vs.matchers.or_matchers or []:
        out.extend(group)
    return out


def func_name(node: Any) -> str | None:
    return node.func.name if isinstance(node, pp.Call) else None


def histogram_quantile_inputs(ast: Any) -> Iterator[Any]:
    """The second argument of every well-formed histogram_quantile() call in the tree."""
    for node, _ in walk(ast):
        if func_name(node) == "histogram_quantile" and len(node.args) == 2:
            yield node.args[1]


def agg_op(node: Any) -> str:
    return str(node.op)


def agg_labels(node: Any) -> tuple[str | None, list[str]]:
    """(``"by"``/``"without"``/None, labels) of an AggregateExpr."""
    mod = node.modifier
    if mod is None:
        return None, []
    kind = "by" if mod.type == pp.AggModifierType.By else "without"
    return kind, list(mod.labels)


def binary_matching(node: Any) -> tuple[str | None, list[str]]:
    """(``"on"``/``"ignoring"``/None, labels) of a BinaryExpr."""
    mod = node.modifier
    if mod is None or mod.matching is None:
        return None, []
    kind = "on" if mod.matching.type == pp.LabelModifierType.Include else "ignoring"
    return kind, list(mod.matching.labels)


def is_scalar(node: Any) -> bool:
    node = unwrap(node)
    if isinstance(node, pp.NumberLiteral):
        return True
    if isinstance(node, pp.UnaryExpr):
        return is_scalar(node.expr)
    if isinstance(node, pp.Call):
        return node.func.return_type == pp.ValueType.Scalar
    if isinstance(node, pp.BinaryExpr):
        return is_scalar(node.lhs) and is_scalar(node.rhs)
    return False
