from __future__ import annotations

import re
from collections.abc import Iterable

from ..model import Finding, LintContext, Parsed, Query
from .base import Rule

# promql-parser's type error for `rate(x)`; mapped to a dedicated finding.
MISSING_RANGE_RE = re.compile(r"expected type matrix in call to function '(\w+)', got (vector|scalar)")


class MissingRange(Rule):
    id = "missing-range"
    severity = "error"
    description = (
        "A function that takes a range vector (rate, increase, *_over_time, ...) is given no [range]."
    )
    needs_ast = False

    def check(self, parsed: Parsed, query: Query, ctx: LintContext) -> Iterable[Finding]:
        m = MISSING_RANGE_RE.search(parsed.error or "")
        if m:
            fn = m.group(1)
            yield self.finding(
                query,
                f"{fn}() needs a range vector: add a range to its selector, e.g. {fn}(metric[$interval])",
            )


RULE = MissingRange()
