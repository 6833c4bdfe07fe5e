"""The lint rules, one module each. ``RULES`` is the ordered list the engine applies."""

from __future__ import annotations

from . import (
    counter_rate,
    counter_raw,
    foreign_job,
    histogram_quantile_bucket,
    histogram_quantile_le,
    impossible_value,
    metric_deprecated,
    metric_hidden,
    metric_removed,
    missing_dollar,
    missing_range,
    regex_in_equality,
    syntax,
    top_level_range,
    undefined_variable,
    unit_mismatch,
    unknown_label,
    unknown_metric,
)
from .base import Rule

RULES: list[Rule] = [
    syntax.RULE,
    missing_range.RULE,
    undefined_variable.RULE,
    missing_dollar.RULE,
    top_level_range.RULE,
    counter_rate.RULE,
    counter_raw.RULE,
    histogram_quantile_le.RULE,
    histogram_quantile_bucket.RULE,
    unknown_label.RULE,
    impossible_value.RULE,
    foreign_job.RULE,
    metric_removed.RULE,
    metric_hidden.RULE,
    metric_deprecated.RULE,
    regex_in_equality.RULE,
    unit_mismatch.RULE,
    unknown_metric.RULE,
]
RULES_BY_ID: dict[str, Rule] = {r.id: r for r in RULES}

__all__ = ["RULES", "RULES_BY_ID", "Rule"]
