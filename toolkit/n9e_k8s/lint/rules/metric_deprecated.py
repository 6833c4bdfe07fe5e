from __future__ import annotations

from collections.abc import Iterable

from ..model import Finding, LintContext, Parsed, Query
from ._lifecycle import dotted, known_metrics, target, use_instead
from .base import Rule


class MetricDeprecated(Rule):
    id = "metric-deprecated"
    severity = "warning"
    description = "A metric deprecated in the target Kubernetes version (still served, hidden later)."

    def check(self, parsed: Parsed, query: Query, ctx: LintContext) -> Iterable[Finding]:
        v = target(ctx)
        for name, info in known_metrics(parsed, ctx):
            if info.status(v) == "deprecated":
                hidden = info.hidden_from((v[0], max(v[1], 35)))
                yield self.finding(
                    query,
                    f"{name}: {info.name} is deprecated since Kubernetes {dotted(info.deprecated)} and hidden "
                    f"from {dotted(hidden)}{use_instead(info)}",
                )


RULE = MetricDeprecated()
