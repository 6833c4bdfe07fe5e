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
