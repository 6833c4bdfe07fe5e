"""Conservative inference over an expression: which labels its result certainly has (from the
registry), and its physical quantity (for unit checks). ``None`` always means "cannot tell"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import promql_parser as pp

from .model import LintContext
from .promql import AGG_KEEP_LABELS, LABEL_PRESERVING, agg_labels, agg_op, is_scalar, selector_name, unwrap
from .variables import is_placeholder

# ----------------------------------------------------------------------------------------- labels


def labels_of(node: Any, ctx: LintContext) -> frozenset[str] | None:
    """The complete set of labels the result may have, or None when it depends on unknown series."""
    node = unwrap(node)
    if isinstance(node, pp.VectorSelector):
        name = selector_name(node)
        found = ctx.registry.lookup(name) if name else None
        if found is None or not found[0].labels_verified or found[0].open_labels:
            return None  # only labels that certainly come from a known metric are checked
        info, suffix = found
        return info.allowed_labels(suffix, ctx.k8s_version) | ctx.extra_labels
    if isinstance(node, pp.MatrixSelector):
        return labels_of(node.vector_selector, ctx)
    if isinstance(node, (pp.SubqueryExpr, pp.UnaryExpr)):
        return labels_of(node.expr, ctx)
    if isinstance(node, (pp.NumberLiteral, pp.StringLiteral)):
        return frozenset()
    if isinstance(node, pp.Call):
        name = node.func.name
        if name in LABEL_PRESERVING:
            vec = [a for a in node.args if not is_scalar(a) and not isinstance(unwrap(a), pp.StringLiteral)]
            return labels_of(vec[0], ctx) if vec else None
        if name == "histogram_quantile" and len(node.args) == 2:
            inner = labels_of(node.args[1], ctx)
            return inner - {"le"} if inner is not None else None
        return None
    if isinstance(node, pp.AggregateExpr):
        op = agg_op(node)
        if op in AGG_KEEP_LABELS:
            return labels_of(node.expr, ctx)
        if op == "count_values":
            return None
        kind, labels = agg_labels(node)
        if any(is_placeholder(label) for label in labels):
            return None
        if kind is None:
            return frozenset()
        inner = labels_of(node.expr, ctx)
        if kind == "by":
            return frozenset(labels) & inner if inner is not None else frozenset(labels)
        return inner - set(labels) if inner is not None else None
    if isinstance(node, pp.BinaryExpr):
        lhs_scalar, rhs_scalar = is_scalar(node.lhs), is_scalar(node.rhs)
        if lhs_scalar and rhs_scalar:
            return frozenset()
        if rhs_scalar:
            return labels_of(node.lhs, ctx)
        if lhs_scalar:
            return labels_of(node.rhs, ctx)
        op = str(node.op)
        left, right = labels_of(node.lhs, ctx), labels_of(node.rhs, ctx)
        if op == "or":
            return left | right if left is not None and right is not None else None
        mod = node.modifier
        card = mod.card if mod is not None else None
        extra = set(mod.group_labels or []) if mod is not None and mod.group_labels else set()
        if card == pp.VectorMatchCardinality.OneToMany:
            return right | extra if right is not None else None
        if card == pp.VectorMatchCardinality.ManyToOne:
            return left | extra if left is not None else None
        return left
    return None


# --------------------------------------------------------------------------------------- quantity


@dataclass(frozen=True)
class Quantity:
    """Dimensions (exponents of time, bytes, events) and a known constant factor.

    ``epoch`` marks a point in time (unix seconds) rather than a duration.
    """

    time: int = 0
    bytes: int = 0
    events: int = 0
    scale: float = 1.0
    epoch: bool = False

    def dims(self) -> tuple[int, int, int, bool]:
        return (self.time, self.bytes, self.events, self.epoch)

    def times(self, other: Quantity) -> Quantity:
        return Quantity(
            self.time + other.time,
            self.bytes + other.bytes,
            self.events + other.events,
            self.scale * other.scale,
        )

    def per(self, other: Quantity) -> Quantity:
        return Quantity(
            self.time - other.time,
            self.bytes - other.bytes,
            self.events - other.events,
            self.scale / other.scale if other.scale else self.scale,
        )

    @property
    def dimensionless(self) -> bool:
        return self.dims() == (0, 0, 0, False)

    def describe(self) -> str:
        if self.epoch:
            return "a timestamp"
        d = (self.time, self.bytes, self.events)
        names = {
            (0, 0, 0): "a ratio (plain number)",
            (1, 0, 0): "a duration",
            (0, 1, 0): "a size in bytes",
            (-1, 1, 0): "a byte rate (bytes/s)",
            (-1, 0, 0): "a per-second rate",
        }
        return names.get(d, f"a quantity (time^{self.time} bytes^{self.bytes} events^{self.events})")


SECONDS = Quantity(time=1)
BYTES = Quantity(bytes=1)
EVENTS = Quantity()  # a number of events is a plain number: latency_sum / count stays a duration
RATIO = Quantity()
EPOCH = Quantity(time=1, epoch=True)
PER_SECOND = Quantity(time=1)  # divisor of rate()

EPOCH_RE = re.compile(r"(_timestamp_seconds|_time_seconds|_timestamp|_last_seen_seconds)$")


def base_quantity(series: str, ctx: LintContext) -> Quantity | None:
    """What one series measures, from the metric's name (Prometheus naming conventions)."""
    found = ctx.registry.lookup(series)
    suffix = ""
    name = series
    if found is not None:
        info, suffix = found
        name = info.name
    else:
        for s in ("_bucket", "_sum", "_count"):
            if series.endswith(s):
                name, suffix = series[: -len(s)], s
                break
    if suffix in ("_count", "_bucket"):
        return EVENTS
    stem = name[: -len("_total")] if name.endswith("_total") else name
    if EPOCH_RE.search(stem):
        return EPOCH
    if stem.endswith("_seconds"):
        return SECONDS
    if stem.endswith("_bytes") or stem in ("apiserver_response_sizes",):
        return BYTES
    if stem.endswith("_ratio"):
        return RATIO
    if name.endswith("_total"):
        return EVENTS
    return None


def quantity_of(node: Any, ctx: LintContext) -> Quantity | None:
    node = unwrap(node)
    if isinstance(node, pp.NumberLiteral):
        return Quantity(scale=float(node.val)) if node.val else None
    if isinstance(node, pp.VectorSelector):
        name = selector_name(node)
        return base_quantity(name, ctx) if name and not is_placeholder(name) else None
    if isinstance(node, pp.MatrixSelector):
        return quantity_of(node.vector_selector, ctx)
    if isinstance(node, pp.SubqueryExpr):
        return quantity_of(node.expr, ctx)
    if isinstance(node, pp.UnaryExpr):
        return quantity_of(node.expr, ctx)
    if isinstance(node, pp.AggregateExpr):
        op = agg_op(node)
        if op == "count":
            return RATIO  # a number of series: a plain number
        if op == "count_values":
            return None
        if op in ("stddev", "stdvar", "group"):
            return None
        return quantity_of(node.expr, ctx)
    if isinstance(node, pp.Call):
        name = node.func.name
        args = list(node.args)
        if name in ("rate", "irate", "deriv"):
            inner = quantity_of(args[0], ctx)
            if inner is None or inner.epoch:
                return None
            return inner.per(PER_SECOND)
        if name == "histogram_quantile" and len(args) == 2:
            sels = [n for n in _selectors(args[1]) if (selector_name(n) or "").endswith("_bucket")]
            if not sels:
                return None
            stem = selector_name(sels[0])[: -len("_bucket")]
            q = base_quantity(stem, ctx)
            # Bucket bounds are amounts, never points in time: *_round_trip_time_seconds is a duration.
            return SECONDS if q == EPOCH else q
        if name in ("time",):
            return EPOCH
        if name in ("timestamp",):
            return EPOCH
        if name in (
            "count_over_time",
            "changes",
            "resets",
            "absent",
            "absent_over_time",
            "present_over_time",
        ):
            return None
        if name in ("increase", "delta", "idelta") or name in LABEL_PRESERVING:
            vec = [a for a in args if not is_scalar(a) and not isinstance(unwrap(a), pp.StringLiteral)]
            return quantity_of(vec[0], ctx) if vec else None
        if name in ("label_replace", "label_join", "sort", "sort_desc"):
            return quantity_of(args[0], ctx)
        if name in ("scalar", "vector"):
            return quantity_of(args[0], ctx)
        return None
    if isinstance(node, pp.BinaryExpr):
        op = str(node.op)
        left, right = quantity_of(node.lhs, ctx), quantity_of(node.rhs, ctx)
        if op in ("and", "unless", "==", "!=", ">", "<", ">=", "<=", "atan2"):
            if node.modifier is not None and node.modifier.return_bool:
                return RATIO
            return left
        if op == "or":
            return left if left == right else None
        if left is None or right is None:
            return None
        if op == "*":
            return left.times(right)
        if op == "/":
            if left.epoch or right.epoch:
                return None
            return left.per(right)
        if op in ("+", "-"):
            if left.epoch and right.epoch and op == "-":
                return Quantity(time=1, scale=left.scale)
            if left.epoch != right.epoch:
                return left if left.epoch else right
            if left.dims() == right.dims() and left.scale == right.scale:
                return left
            if is_scalar(node.lhs) or is_scalar(node.rhs):  # offset by a constant: keep the vector side
                return right if is_scalar(node.lhs) else left
            return None
        return None
    return None


def _selectors(node: Any) -> list[Any]:
    from .promql import walk

    return [n for n, _ in walk(node) if isinstance(n, pp.VectorSelector)]
