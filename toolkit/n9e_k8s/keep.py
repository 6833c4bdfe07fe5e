"""Keep-lists: the series each scrape job keeps, computed from what the content reads (issue 16).

Every selector of the source (catalog entries in rule mode, alert and recording rules, the boards' label
variables) names a metric and, through its ``job`` matcher, the jobs it reads; a selector without one reads
every job. A ``*_bucket`` selector with ``le="x"`` needs that bucket; one without an ``le`` matcher (a
quantile) needs the bounds ``collection.buckets`` lists for it, or every bucket when it lists none; ``+Inf``
is always kept. :func:`metric_relabel_configs` turns a job's list into Prometheus ``metric_relabel_configs``
(fully anchored RE2), and :func:`relabel_keeps` applies them the way Prometheus does, for the guard tests.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .collection import KEEP_MODES
from .errors import UsageError
from .lint.collect import recorded_series
from .project import Project
from .selectors import Selectors

ALL = None  # every bucket of a histogram
INF = "+Inf"


@dataclass(frozen=True)
class Read:
    """One selector of the source: the metric, the jobs it reads, the `le` it needs (None: no matcher)."""

    name: str | None
    jobs: tuple[str, ...]
    le: tuple[str, ...] | None
    origin: str


@dataclass(frozen=True)
class JobKeep:
    job: str
    names: tuple[str, ...]
    extra: tuple[str, ...]
    # trimmed bucket series -> the `le` values kept (every spelling); bucket series not listed keep all
    buckets: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class KeepLists:
    jobs: tuple[JobKeep, ...]

    def of(self, job: str) -> JobKeep | None:
        return next((k for k in self.jobs if k.job == job), None)


def go_float(value: float) -> str:
    """``strconv.FormatFloat(v, 'g', -1, 64)``: how client_golang writes ``le`` (and Prometheus 2 keeps it)."""
    if math.isinf(value):
        return INF if value > 0 else "-Inf"
    sign, digit_tuple, exponent = Decimal(repr(value)).normalize().as_tuple()
    digits = "".join(map(str, digit_tuple))
    assert isinstance(exponent, int)
    point = len(digits) + exponent
    neg = "-" if sign else ""
    if digits == "0":
        return "0"
    if point - 1 < -4 or point - 1 >= 6:
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{neg}{mantissa}e{'+' if point >= 1 else '-'}{abs(point - 1):02d}"
    if point <= 0:
        return f"{neg}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return neg + digits + "0" * (point - len(digits))
    return f"{neg}{digits[:point]}.{digits[point:]}"


def le_spellings(text: str) -> tuple[str, ...]:
    """Every way a bound is written: as the source has it, as client_golang writes it (Prometheus 2 keeps
    that) and as Prometheus 3 normalises it (``1`` -> ``1.0``)."""
    try:
        value = float(text)
    except ValueError:
        return (text,)
    go = go_float(value)
    out = [text, go]
    if not math.isinf(value) and not any(c in go for c in "e."):
        out.append(go + ".0")
    return tuple(dict.fromkeys(out))


def source_queries(project: Project) -> Iterator[tuple[str, str]]:
    """(origin, PromQL) of everything the content evaluates: catalog entries, rules, board variables."""
    config = project.config
    for entry in project.catalog.entries:
        yield f"catalog {entry.id}", entry.render(config, "rule")
    for rule in [*project.rules.records, *project.rules.alerts]:
        yield f"rule {getattr(rule, 'record', None) or getattr(rule, 'n9e_name', '')}", rule.expr
    for var in config.variables.values():
        if var.metric and (var.component is None or config.scraped(var.component)):
            job = f"{{{config.job_matcher(var.component)}}}" if var.component else ""
            yield f"variable {var.name}", f"{var.metric}{job}"


def _jobs_of(vs: Any, jobs: Sequence[str]) -> tuple[str, ...]:
    import promql_parser as pp

    from .lint.promql import matchers

    def ok(m: Any, job: str) -> bool:
        if m.op == pp.MatchOp.Equal:
            return job == m.value
        if m.op == pp.MatchOp.NotEqual:
            return job != m.value
        hit = re.fullmatch(m.value, job) is not None
        return hit if m.op == pp.MatchOp.Re else not hit

    found = [m for m in matchers(vs) if m.name == "job"]
    return tuple(j for j in jobs if all(ok(m, j) for m in found))


_NUMBER_RE = re.compile(r"\+Inf|[0-9]+(?:\.[0-9]+)?(?:e[+-]?[0-9]+)?")
_FINITE_RE = re.compile(r"^(?:\\.|\\\+|[0-9a-zA-Z()|?+-])*$")


def _le_values(regex: str) -> tuple[str, ...] | None:
    """The bounds an ``le=~"..."`` matcher selects when its language is finite (numbers, ``(\\.0)?``, ``|``),
    e.g. ``1(\\.0)?`` -> 1, 1.0; None for any other regex (it then needs every bucket)."""
    if not _FINITE_RE.match(regex) or re.search(r"[0-9)]\+(?!Inf)", regex):
        return None
    spellings = {s for n in _NUMBER_RE.findall(regex) for s in le_spellings(n)}
    try:
        return tuple(sorted(s for s in spellings if re.fullmatch(regex, s))) or None
    except re.error:
        return None


def reads(expr: str, jobs: Sequence[str], origin: str = "") -> list[Read]:
    """The selectors of one expression."""
    import promql_parser as pp

    from .lint.promql import matchers, selector_name, walk
    from .lint.variables import substitute

    out = []
    # Variables left in rule form (an adopted board's `$__rate_interval`) become placeholders PromQL parses.
    for node, _ in walk(pp.parse(substitute(expr, {}).text)):
        if not isinstance(node, pp.VectorSelector):
            continue
        le_matchers = [m for m in matchers(node) if m.name == "le"]
        le: tuple[str, ...] | None = None
        if le_matchers:
            found = [
                _le_values(m.value) if m.op == pp.MatchOp.Re else (m.value,)
                for m in le_matchers
                if m.op in (pp.MatchOp.Equal, pp.MatchOp.Re)
            ]
            le = found[0] if found and None not in found else ("",)  # "": every bucket
        out.append(Read(selector_name(node), _jobs_of(node, jobs), le, origin))
    return out


def source_reads(project: Project) -> list[Read]:
    """Every selector of the source, scraped series only (recording rules' outputs are not scraped)."""
    config = project.config
    jobs = [c.job for c in config.specs.values() if config.scraped(c.name)]
    recorded = recorded_series(project)
    return [
        r
        for origin, expr in source_queries(project)
        for r in reads(expr, jobs, origin)
        if r.name not in recorded
    ]


def _bucket_needs(read: Read, config: Selectors) -> frozenset[str] | None:
    """The `le` values a bucket selector needs (None: every bucket)."""
    if read.le is None:
        bounds = config.collection.buckets_of(read.name or "")
        return None if bounds is None else frozenset(go_float(b) for b in bounds)
    if "" in read.le:
        return None
    return frozenset(read.le)


def keep_lists(project: Project, mode: str | None = None) -> KeepLists | None:
    """Each scraped job's keep-list; None with ``keep: all`` (``mode``, the --keep option, wins over
    ``collection.keep``)."""
    config = project.config
    if mode is not None and mode not in KEEP_MODES:
        raise UsageError(f"--keep must be one of {', '.join(KEEP_MODES)}, not {mode!r}")
    if (mode or config.collection.keep) == "all":
        return None
    all_reads = source_reads(project)
    out = []
    for component in config.specs.values():
        if not config.scraped(component.name):
            continue
        job = component.job
        mine = [(r.name, r) for r in all_reads if job in r.jobs and r.name]
        names = sorted({name for name, _ in mine})
        buckets: dict[str, set[str] | None] = {}
        for name, r in mine:
            if not name.endswith("_bucket"):
                continue
            need = _bucket_needs(r, config)
            if need is None or (name in buckets and buckets[name] is None):
                buckets[name] = None
            else:
                buckets[name] = {*(buckets.get(name) or ()), *need}
        trimmed = tuple(
            (name, tuple(sorted({s for le in {*les, INF} for s in le_spellings(le)})))
            for name, les in sorted(buckets.items())
            if les is not None
        )
        out.append(JobKeep(job, tuple(names), config.collection.extra, trimmed))
    return KeepLists(tuple(out))


def metric_relabel_configs(keep: JobKeep) -> list[dict[str, Any]]:
    """Keep the listed names (and extras); then, of the trimmed histograms, only the kept buckets."""
    extra = [f"(?:{p})" for p in keep.extra]
    configs: list[dict[str, Any]] = [
        {"source_labels": ["__name__"], "regex": "|".join([*keep.names, *extra]), "action": "keep"}
    ]
    if keep.buckets:
        trimmed = dict(keep.buckets)
        untrimmed = [n for n in keep.names if n.endswith("_bucket") and n not in trimmed]
        alternatives = ["[^;]*;"]  # no `le`: not a bucket
        if untrimmed or extra:
            alternatives.append(f"(?:{'|'.join([*untrimmed, *extra])});.+")
        alternatives += [f"{name};(?:{'|'.join(re.escape(le) for le in les)})" for name, les in keep.buckets]
        configs.append(
            {"source_labels": ["__name__", "le"], "regex": "|".join(alternatives), "action": "keep"}
        )
    return configs


def relabel_keeps(configs: Iterable[dict[str, Any]], labels: dict[str, str]) -> bool:
    """Whether a series survives ``configs`` (keep/drop only), with Prometheus' semantics: the source labels
    joined by ``separator`` (default ``;``) against the fully anchored regex (default ``(.*)``)."""
    for config in configs:
        action = config.get("action", "replace")
        if action not in ("keep", "drop"):
            raise ValueError(f"relabel action {action!r} is not simulated")
        value = config.get("separator", ";").join(labels.get(n, "") for n in config["source_labels"])
        hit = re.fullmatch(f"(?:{config.get('regex', '(.*)')})", value) is not None
        if hit != (action == "keep"):
            return False
    return True
