"""Shared by metric-removed, metric-hidden and metric-deprecated."""

from __future__ import annotations

from collections.abc import Iterable

from ...registry import MetricInfo, dotted, parse_k8s_minor
from ..model import LintContext, Parsed
from .base import named_selectors


def known_metrics(parsed: Parsed, ctx: LintContext) -> Iterable[tuple[str, MetricInfo]]:
    seen: set[str] = set()
    for _vs, name, _ in named_selectors(parsed.ast):
        found = ctx.registry.lookup(name)
        if found and found[0].name not in seen:
            seen.add(found[0].name)
            yield name, found[0]


__all__ = ["dotted", "known_metrics", "target", "use_instead"]


def use_instead(info: MetricInfo) -> str:
    return f"; use {info.replacement}" if info.replacement else ""


def target(ctx: LintContext) -> tuple[int, int]:
    return parse_k8s_minor(ctx.k8s_version)
