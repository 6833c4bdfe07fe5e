"""Canonical form of a query, so that the same expression written differently (matcher order, spacing,
`by` before or after, the dashboard's match-all filters) is recognised as an existing catalog entry."""

from __future__ import annotations

import re

from ..selectors import Selectors

PLACEHOLDER_NUMBER_RE = re.compile(r"(__\w+?)_\d+\b")


def canonical(expr: str, selectors: Selectors, kinds: dict[str, str] | None = None) -> str | None:
    """The expression re-printed by promql-parser, without match-all dashboard filters; None if it does
    not parse."""
    import promql_parser as pp

    from ..lint.collect import variable_kinds
    from ..lint.variables import substitute

    labels = "|".join(re.escape(label) for label in selectors.dashboard_filters) or "(?!)"
    text = re.sub(rf'\b({labels})\s*=~\s*"(\.\*|\$\{{?\w+\}}?)"\s*,?', "", expr)
    text = re.sub(r",\s*\}", "}", text)
    defaults = {n: v.default for n, v in selectors.variables.items()}
    sub = substitute(text, kinds or variable_kinds(selectors), defaults)
    try:
        printed = pp.parse(sub.text).prettify()
    except (ValueError, TypeError):
        return None
    return PLACEHOLDER_NUMBER_RE.sub(r"\1", " ".join(printed.split()))
