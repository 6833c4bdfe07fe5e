from __future__ import annotations

import re
from collections.abc import Iterable

import promql_parser as pp

from ...varrefs import VARIABLE_RE
from ..model import Finding, LintContext, Parsed, Query
from ..promql import matchers, walk
from .base import Rule

REGEX_LIKE = re.compile(r"\||\.\*|\.\+|\[[^\]]+\]|\\[dws.]|\^|\$$|\(\?")


class RegexInEquality(Rule):
    id = "regex-in-equality"
    severity = "warning"
    description = "An = or != matcher whose value looks like a regular expression (| .* [..]); use =~ or !~."

    def check(self, parsed: Parsed, query: Query, ctx: LintContext) -> Iterable[Finding]:
        for node, _ in walk(parsed.ast):
            if not isinstance(node, pp.VectorSelector):
                continue
            for m in matchers(node):
                if m.op not in (pp.MatchOp.Equal, pp.MatchOp.NotEqual):
                    continue
                value = VARIABLE_RE.sub("", m.value)  # "$var" itself is not a regex
                if REGEX_LIKE.search(value):
                    op = "=" if m.op == pp.MatchOp.Equal else "!="
                    fix = "=~" if op == "=" else "!~"
                    yield self.finding(
                        query, f'{m.name}{op}"{m.value}" compares literally but looks like a regex; use {fix}'
                    )


RULE = RegexInEquality()
