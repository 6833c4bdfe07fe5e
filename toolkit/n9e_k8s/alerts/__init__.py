"""Alert and recording rules: source (alerts/*.yaml), n9e and Prometheus rendering, promtool tests."""

from __future__ import annotations

from typing import Any


def produce_rules(ctx: Any) -> dict[str, str]:
    """Build producer: alerts/<c>.json, recording-rules/<c>.json, prometheus/<c>.rules.yaml and
    prometheus/prometheusrule.yaml. Options come from ``ctx.options["rules"]`` (RenderOptions fields)."""
    from .model import load_rules
    from .render import RenderOptions, render_outputs

    raw = dict(ctx.options.get("rules") or {})
    for key in ("notify_rule_ids", "notify_channels", "notify_groups"):
        if key in raw:
            raw[key] = tuple(raw[key])
    options = RenderOptions(lang=ctx.lang, **raw)
    rules = load_rules(ctx.tree, ctx.selectors, ctx.catalog)
    return render_outputs(rules, options)


def recorded_series(tree: Any, selectors: Any) -> frozenset[str]:
    """Names of the series the source's recording rules write (known to the linter)."""
    from .model import load_rules

    return frozenset(r.record for r in load_rules(tree, selectors).records)


def collect_rule_queries(tree: Any, selectors: Any) -> Any:
    """Lint collector: every alert and recording rule expression (rule mode, finished PromQL)."""
    from ..lint.model import Query
    from .model import Alert, load_rules

    rules = load_rules(tree, selectors)
    seen: set[tuple[str, str]] = set()
    for rule in [*rules.records, *rules.alerts]:
        kind = "alert" if isinstance(rule, Alert) else "record"
        name = rule.n9e_name if isinstance(rule, Alert) else rule.record
        if (rule.expr, name) in seen:
            continue
        seen.add((rule.expr, name))
        yield Query(
            expr=rule.expr,
            origin=f"{kind} {name}",
            file=str(rule.file) if rule.file else None,
            line=rule.expr_line or rule.line,
            kind="rule",
            query_id=name,
        )
