"""A ``job`` matcher naming a job that the selector configuration does not scrape, e.g. the ACK job
names the source article copied (``job="ack-kube-controller-manager"``): the query selects nothing
in this set-up. Only checked for control-plane metrics the registry knows."""

from __future__ import annotations

import re
from collections.abc import Iterable

import promql_parser as pp

from ...registry import SHARED
from ..model import Finding, LintContext, Parsed, Query
from ..promql import matchers
from .base import Rule, named_selectors


class ForeignJob(Rule):
    id = "foreign-job"
    severity = "warning"
    description = "A job matcher that matches none of the scrape jobs in config.yaml."

    def check(self, parsed: Parsed, query: Query, ctx: LintContext) -> Iterable[Finding]:
        if ctx.selectors is None:
            return
        jobs = set(ctx.selectors.jobs.values())
        # Metrics of the configured components (and the shared ones they all export): scraped by our jobs.
        scraped_owners = {*ctx.selectors.components, SHARED}
        for node, name, _ in named_selectors(parsed.ast):
            found = ctx.registry.lookup(name)
            if not found or not scraped_owners.intersection(found[0].components):
                continue
            for m in matchers(node):
                if m.name != "job" or "$" in m.value:
                    continue
                if m.op == pp.MatchOp.Equal:
                    hit = m.value in jobs
                elif m.op == pp.MatchOp.Re:
                    try:
                        hit = any(re.fullmatch(m.value, j) for j in jobs)
                    except re.error:
                        continue
                else:
                    continue
                if not hit:
                    yield self.finding(
                        query,
                        f'job "{m.value}" is not a configured scrape job ({", ".join(sorted(jobs))}); '
                        "set the job names in promql/config.yaml and use them",
                    )


RULE = ForeignJob()
