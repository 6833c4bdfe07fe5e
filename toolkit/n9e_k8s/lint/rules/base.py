"""The rule interface (pint style): an id, a default severity, a description and ``check``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import promql_parser as pp

from ..model import Finding, LintContext, Parsed, Query, Severity
from ..promql import selector_name, walk
from ..variables import is_placeholder


class Rule:
    id: str = ""
    severity: Severity = "error"
    description: str = ""
    needs_ast: bool = True  # most rules skip queries that did not parse

    def check(self, parsed: Parsed, query: Query, ctx: LintContext) -> Iterable[Finding]:
        raise NotImplementedError

    def finding(self, query: Query, message: str, severity: Severity | None = None) -> Finding:
        return Finding(
            rule=self.id,
            severity=severity or self.severity,
            message=message,
            file=query.file,
            line=query.line,
            index=query.index,
            query_id=query.query_id,
        )


def named_selectors(ast: Any) -> Iterable[tuple[Any, str, tuple[Any, ...]]]:
    """(VectorSelector, metric name, ancestors) for every selector with a real metric name."""
    for node, ancestors in walk(ast):
        if isinstance(node, pp.VectorSelector):
            name = selector_name(node)
            if name and not is_placeholder(name):
                yield node, name, ancestors
