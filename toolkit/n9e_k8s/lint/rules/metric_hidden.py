from __future__ import annotations

from collections.abc import Iterable

from ..model import Finding, LintContext, Parsed, Query
from ._lifecycle import dotted, known_metrics, target, use_instead
from .base import Rule


class MetricHidden(Rule):
    id = "metric-hidden"
    severity = "error"
    description = (
        "A deprecated metric that the target Kubernetes version hides by default "
        "(only --show-hidden-metrics-for-version brings it back)."
    )

    def check(self, parsed: Parsed, query: Query, ctx: LintContext) -> Iterable[Finding]:
        v = target(ctx)
        for name, info in known_metrics(parsed, ctx):
            if info.status(v) == "hidden":
                yield self.finding(
                    query,
                    f"{name}: {info.name} ({info.stability}, deprecated in {dotted(info.deprecated)}) is hidden "
                    f"from Kubernetes {dotted(info.hidden_from(v))}; the target is {ctx.k8s_version}{use_instead(info)}",
                )


RULE = MetricHidden()
