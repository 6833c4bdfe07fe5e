from __future__ import annotations

from collections.abc import Iterable

from ..model import Finding, LintContext, Parsed, Query
from ._lifecycle import dotted, known_metrics, target, use_instead
from .base import Rule


class MetricRemoved(Rule):
    id = "metric-removed"
    severity = "error"
    description = "A metric that no longer exists (or does not exist yet) in the target Kubernetes version."

    def check(self, parsed: Parsed, query: Query, ctx: LintContext) -> Iterable[Finding]:
        v = target(ctx)
        for name, info in known_metrics(parsed, ctx):
            if info.status(v) == "removed":
                yield self.finding(
                    query,
                    f"{name}: {info.name} was removed in Kubernetes {dotted(info.removed)} (deprecated in "
                    f"{dotted(info.deprecated)}); the target is {ctx.k8s_version}{use_instead(info)}",
                )
            elif not info.exists_in(v):
                yield self.finding(
                    query,
                    f"{name}: {info.name} does not exist before Kubernetes {dotted(info.added)}; "
                    f"the target is {ctx.k8s_version}",
                )


RULE = MetricRemoved()
