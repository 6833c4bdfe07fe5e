"""Shared helpers for the linter tests.

The rule tests lint against a fixture registry (tests/fixtures/lint-registry/metrics.yaml), not the
built-in promql/metrics.yaml, so that editing the built-in registry cannot break or weaken them;
``live=True`` is for tests about the built-in registry itself (the reference-board snapshot)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from n9e_k8s.lint import Finding, LintContext, Query, lint_query
from n9e_k8s.registry import Registry, load_registry
from n9e_k8s.selectors import Selectors, load_selectors

PROMQL = Path(__file__).resolve().parents[1] / "promql"
FIXTURE_REGISTRY = Path(__file__).resolve().parent / "fixtures" / "lint-registry"


@cache
def _selectors() -> Selectors:
    return load_selectors(PROMQL)


@cache
def _registry(live: bool) -> Registry:
    return load_registry(PROMQL if live else FIXTURE_REGISTRY, _selectors().cluster_label)


def context(
    version: str = "1.36", extra_labels: frozenset[str] = frozenset(), live: bool = False
) -> LintContext:
    return LintContext(_registry(live), _selectors(), version, extra_labels)


def lint(expr: str, unit: str | None = None, version: str = "1.36", **kw) -> list[Finding]:
    return lint_query(Query(expr=expr, origin="test", unit=unit, **kw), context(version))


def rules(expr: str, **kw) -> set[tuple[str, str]]:
    """{(rule, severity)} of the findings, without the informational unknown-metric."""
    return {(f.rule, f.severity) for f in lint(expr, **kw) if f.rule != "unknown-metric"}
