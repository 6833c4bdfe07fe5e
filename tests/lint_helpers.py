"""Shared helpers for the linter tests."""

from __future__ import annotations

from pathlib import Path

from n9e_k8s.lint import Finding, LintContext, Query, lint_query
from n9e_k8s.registry import load_registry
from n9e_k8s.selectors import load_selectors

PROMQL = Path(__file__).resolve().parents[1] / "promql"
_CACHE: dict[str, object] = {}


def context(version: str = "1.36", extra_labels: frozenset[str] = frozenset()) -> LintContext:
    if "sel" not in _CACHE:
        _CACHE["sel"] = load_selectors(PROMQL)
        _CACHE["reg"] = load_registry(PROMQL, "cluster")
    return LintContext(_CACHE["reg"], _CACHE["sel"], version, extra_labels)  # type: ignore[arg-type]


def lint(expr: str, unit: str | None = None, version: str = "1.36", **kw) -> list[Finding]:
    return lint_query(Query(expr=expr, origin="test", unit=unit, **kw), context(version))


def rules(expr: str, **kw) -> set[tuple[str, str]]:
    """{(rule, severity)} of the findings, without the informational unknown-metric."""
    return {(f.rule, f.severity) for f in lint(expr, **kw) if f.rule != "unknown-metric"}
