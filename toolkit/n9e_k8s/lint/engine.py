"""Parse a query once (after variable substitution) and apply every rule to it."""

from __future__ import annotations

from collections.abc import Iterable

import promql_parser as pp

from .model import Finding, LintContext, Parsed, Query
from .rules import RULES, Rule
from .variables import substitute


def variable_kinds(query: Query, ctx: LintContext) -> tuple[dict[str, str], dict[str, str]]:
    """Kinds and defaults of the variables the query may use (the selectors' plus its own)."""
    kinds: dict[str, str] = {}
    defaults: dict[str, str] = {}
    if ctx.selectors is not None:
        for name, var in ctx.selectors.variables.items():
            kinds[name] = var.kind
            defaults[name] = var.default
    kinds.update(query.variables)
    return kinds, defaults


def parse_query(query: Query, ctx: LintContext) -> Parsed:
    kinds, defaults = variable_kinds(query, ctx)
    sub = substitute(query.expr, kinds, defaults)
    try:
        ast = pp.parse(sub.text)
    except ValueError as exc:
        return Parsed(query, sub, None, str(exc) or "invalid PromQL", tuple(sorted(kinds)))
    return Parsed(query, sub, ast, None, tuple(sorted(kinds)))


def lint_query(query: Query, ctx: LintContext, rules: Iterable[Rule] = RULES) -> list[Finding]:
    """Findings for one query, without those its ``ignore`` map switches off."""
    if not query.expr.strip():
        return [
            Finding("syntax", "error", "empty query", query.file, query.line, query.index, query.query_id)
        ]
    parsed = parse_query(query, ctx)
    findings: list[Finding] = []
    for rule in rules:
        if rule.id in query.ignore:
            continue
        if rule.needs_ast and parsed.ast is None:
            continue
        findings.extend(rule.check(parsed, query, ctx))
    return findings


def lint_queries(queries: Iterable[Query], ctx: LintContext, rules: Iterable[Rule] = RULES) -> list[Finding]:
    rules = list(rules)
    out: list[Finding] = []
    for q in queries:
        out.extend(lint_query(q, ctx, rules))
    return sorted(out, key=Finding.sort_key)
