"""What the configured jobs store against what the project reads (`n9e-k8s analyze`), after mimirtool analyze.

Two sides:

* stored: the series count of every metric name under the scrape jobs of promql/config.yaml, from one
  bounded instant query ``count by (__name__) ({job=~"<jobs>"})`` (the jobs' current series), and of the
  recording rules' results (no job label) from a second one over their names;
* read: a reverse index from the project, metric name -> the catalog entries, board panels, board
  variables, recording rules and alerts whose PromQL selects it.

A stored metric that nothing reads is collection, storage and remote-write cost for nothing: the report
lists those largest first, the candidates for a keep-list. A read metric with no stored series is listed
too (a board or rule that shows nothing).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from .project import Project
from .registry import Registry
from .selectors import Selectors
from .verify import LABEL_VALUES_RE, regex_escape

# What analyze reads of the source.
ANALYZE_PARTS = ("catalog", "dashboards", "rules", "registry")
# Of a stored name, the suffixes a histogram or summary adds to its family name.
_FAMILY_SUFFIXES = ("_bucket", "_sum", "_count")


class QueryApi(Protocol):
    def query(self, expr: str) -> dict[str, Any]: ...


_KINDS = ("catalog", "panels", "variables", "records", "alerts")


@dataclass
class MetricUse:
    """One metric name (or family): its stored series and every place of the project that reads it."""

    name: str
    series: int = 0
    catalog: list[str] = field(default_factory=list)  # entry ids
    panels: list[str] = field(default_factory=list)  # "<board ident>/<panel name>"
    variables: list[str] = field(default_factory=list)  # "<board ident>/$<name>"
    records: list[str] = field(default_factory=list)  # recording rule names
    alerts: list[str] = field(default_factory=list)  # alert names

    @property
    def used(self) -> bool:
        return any(getattr(self, kind) for kind in _KINDS)

    def readers(self) -> dict[str, list[str]]:
        return {kind: getattr(self, kind) for kind in _KINDS}


@dataclass
class Family:
    """A metric family: a histogram's or summary's _bucket/_sum/_count names together, else one name."""

    name: str
    members: list[MetricUse]

    @property
    def series(self) -> int:
        return sum(m.series for m in self.members)

    @property
    def used(self) -> bool:
        return any(m.used for m in self.members)

    def readers(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {kind: [] for kind in _KINDS}
        for m in self.members:
            for kind, places in m.readers().items():
                out[kind] += [p for p in places if p not in out[kind]]
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "family": self.name,
            "series": self.series,
            "used": self.used,
            "read_by": self.readers(),
            # Names of a read family that nothing reads (e.g. a histogram's _sum) are keep-list candidates too.
            "names": [{"name": m.name, "series": m.series, "used": m.used} for m in self.members],
        }


def family_of(name: str, names: set[str], registry: Registry | None) -> str:
    """The family a stored or read name belongs to: the registry's metric when it knows the name, else
    X for X_bucket/X_sum/X_count when X_count and X_sum (a histogram or summary) are both there."""
    if registry is not None:
        found = registry.lookup(name)
        if found:
            return found[0].name
    for suffix in _FAMILY_SUFFIXES:
        base = name[: -len(suffix)]
        if name.endswith(suffix) and f"{base}_count" in names and f"{base}_sum" in names:
            return base
    return name


@dataclass
class Analysis:
    jobs: list[str]
    metrics: dict[str, MetricUse]
    registry: Registry | None = None

    @property
    def families(self) -> list[Family]:
        """Every family with stored series, largest first (ties by name)."""
        names = set(self.metrics)
        grouped: dict[str, list[MetricUse]] = {}
        for m in sorted(self.metrics.values(), key=lambda m: m.name):
            grouped.setdefault(family_of(m.name, names, self.registry), []).append(m)
        families = [Family(name, members) for name, members in grouped.items()]
        return sorted((f for f in families if f.series), key=lambda f: (-f.series, f.name))

    @property
    def unused(self) -> list[Family]:
        """Stored and never read, largest first."""
        return [f for f in self.families if not f.used]

    @property
    def missing(self) -> list[MetricUse]:
        """Names the project reads that have no stored series."""
        return sorted((m for m in self.metrics.values() if m.used and not m.series), key=lambda m: m.name)

    def summary(self) -> dict[str, int]:
        families, unused = self.families, self.unused
        return {
            "stored_families": len(families),
            "stored_series": sum(f.series for f in families),
            "used_families": len(families) - len(unused),
            "unused_families": len(unused),
            "unused_series": sum(f.series for f in unused),
            "missing_names": len(self.missing),
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "jobs": self.jobs,
            "summary": self.summary(),
            "families": [f.as_dict() for f in self.families],
            "unused": [f.name for f in self.unused],
            "missing": [{"name": m.name, "read_by": m.readers()} for m in self.missing],
        }


def metric_names(expr: str) -> set[str]:
    """The metric names an expression selects (``name{...}`` and ``{__name__="name"}``): the selectors the
    keep-lists are computed from."""
    from .keep import reads

    return {r.name for r in reads(expr, ()) if r.name}


def reverse_index(project: Project) -> dict[str, MetricUse]:
    """metric name -> where the project reads it: catalog entries, board panels and variables, rules."""
    from .dashboards.produce import render_boards
    from .n9e.formats.board import iter_panels

    catalog, selectors = project.catalog, project.config
    index: dict[str, MetricUse] = {}

    def add(expr: str, attr: str, where: str) -> None:
        for name in metric_names(selectors.substitute_defaults(expr)):
            places = getattr(index.setdefault(name, MetricUse(name)), attr)
            if where not in places:
                places.append(where)

    by_expr: dict[str, str] = {}
    for entry in catalog.entries:
        for expr in entry.board_exprs(selectors):
            by_expr[expr] = entry.id
            add(expr, "catalog", entry.id)
    for _, board in render_boards(project):
        ident = board.get("ident") or board.get("name", "?")
        for _, panel in iter_panels(board["configs"].get("panels"), "panels"):
            for target in panel.get("targets", []):
                expr = target.get("expr", "")
                if expr:
                    add(expr, "panels", f"{ident}/{panel.get('name', panel.get('id'))}")
        for var in board["configs"].get("var", []):
            m = LABEL_VALUES_RE.match(str(var.get("definition", "")))
            if var.get("type") == "query" and m and m.group("match"):
                add(m.group("match"), "variables", f"{ident}/${var['name']}")
    for record in project.rules.records:
        add(record.expr, "records", record.record)
    for alert in project.rules.alerts:
        add(alert.expr, "alerts", alert.n9e_name)
    return index


def jobs_selector(selectors: Selectors) -> str:
    """``{job=~"a|b"}`` over the jobs of the scraped components (job names are checked plain on load)."""
    jobs = [selectors.jobs[c] for c in selectors.jobs if selectors.scraped(c)]
    return "{job=~" + '"' + "|".join(regex_escape(j) for j in jobs) + '"}'


def stored_series(api: QueryApi, selectors: Selectors, records: Iterable[str] = ()) -> dict[str, int]:
    """Series count per metric name under the configured jobs, and of the recording rules' results (which
    carry no job label): at most two instant queries, each bounded by its selector."""
    queries = [f"count by (__name__) ({jobs_selector(selectors)})"]
    names = sorted(set(records))
    if names:
        queries.append(f'count by (__name__) ({{__name__=~"{"|".join(regex_escape(n) for n in names)}"}})')
    out: dict[str, int] = {}
    for query in queries:
        for sample in api.query(query).get("result") or []:
            name = sample.get("metric", {}).get("__name__")
            if name:
                out[name] = int(float(sample["value"][1]))
    return out


def analyze(project: Project, api: QueryApi) -> Analysis:
    selectors = project.config
    index = reverse_index(project)
    records = (r.record for r in project.rules.records)
    for name, series in stored_series(api, selectors, records).items():
        index.setdefault(name, MetricUse(name)).series = series
    jobs = [selectors.jobs[c] for c in selectors.jobs if selectors.scraped(c)]
    return Analysis(jobs=jobs, metrics=index, registry=project.registry)


def where_used(readers: dict[str, list[str]], limit: int = 2) -> str:
    """A short 'read by' cell: per kind the count and the first few names."""
    parts = []
    for kind in ("panels", "variables", "records", "alerts", "catalog"):
        places = readers[kind]
        if places:
            shown = ", ".join(places[:limit]) + (", ..." if len(places) > limit else "")
            parts.append(f"{len(places)} {kind} ({shown})")
    return "; ".join(parts)
