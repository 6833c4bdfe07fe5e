"""The PromQL linter behind `n9e-k8s lint`: rules in ``rules/``, one module each."""

from __future__ import annotations

from .engine import lint_queries, lint_query, parse_query
from .model import Finding, LintContext, Query

__all__ = ["Finding", "LintContext", "Query", "lint_queries", "lint_query", "parse_query"]
