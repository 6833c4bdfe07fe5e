"""The one PromQL syntax check run on every expression of the source as it loads (catalog entries, alert and
recording rules): a query that does not parse must fail validate, build and sync, not only lint."""

from __future__ import annotations


def syntax_error(expr: str) -> str | None:
    """The parser's message for an expression that does not parse, else None. Dashboard variables must be
    replaced first (``Selectors.expand(..., "rule")`` does)."""
    import promql_parser as pp

    try:
        pp.parse(expr)
    except (ValueError, TypeError) as exc:
        return f"PromQL does not parse: {exc} (in {expr[:200]!r})"
    return None
