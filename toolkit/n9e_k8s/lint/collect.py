"""Collect the queries of a project for `n9e-k8s lint`.

A collector is a function ``collect(project) -> Iterable[Query]`` over the loaded
:class:`~n9e_k8s.project.Project` (it reads no file). ``COLLECTORS`` lists them: the catalog, and the alert and
recording rules; another source kind adds its collector with one line here, or at run time with
:func:`register_collector`.

Each Query should carry ``origin`` (what it is, e.g. ``"catalog apiserver.qps"``), ``file``/``line``
of the expression (display path, relative to the tree), ``unit`` when it is shown somewhere,
``variables`` (name -> kind) the query may use and ``ignore`` (rule id -> reason).

:func:`dashboard_queries` turns an n9e dashboard JSON (UI export shape) into queries; the tests use it
on the reference boards and a dashboards collector can reuse it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ..project import Project
from ..selectors import Selectors
from .model import Query

Collector = Callable[[Project], Iterable[Query]]

# What lint reads of the source.
LINT_PARTS = ("catalog", "rules", "registry")


def register_collector(fn: Collector) -> Collector:
    """Add a collector (usable as a decorator)."""
    if fn not in COLLECTORS:
        COLLECTORS.append(fn)
    return fn


def variable_kinds(selectors: Selectors) -> dict[str, str]:
    return {name: v.kind for name, v in selectors.variables.items()}


def collect_catalog(project: Project) -> Iterator[Query]:
    """Every catalog entry, rendered for dashboards (with the dashboard filters and variables)."""
    selectors, tree = project.config, project.tree
    for entry in project.catalog.entries:
        kinds = variable_kinds(selectors)
        for name in entry.variables:
            kinds.setdefault(name, "text")
        forms = [(entry.render(selectors, "dashboard"), "", entry.expr_line)]
        if entry.recorded:
            forms.append((entry.render_recorded(selectors) or "", " (recorded)", entry.recorded_line))
        for expr, suffix, line in forms:
            yield Query(
                expr=expr,
                origin=f"catalog {entry.id}{suffix}",
                file=tree.display(entry.file) if entry.file else None,
                line=line or entry.line,
                unit=entry.unit,
                variables=kinds,
                ignore=dict(entry.lint_ignore),
                query_id=entry.id,
            )


def collect_rules(project: Project) -> Iterator[Query]:
    """Every alert and recording rule expression (rule mode, finished PromQL)."""
    from ..alerts.model import Alert

    rules = project.rules
    seen: set[tuple[str, str]] = set()
    for rule in [*rules.records, *rules.alerts]:
        kind = "alert" if isinstance(rule, Alert) else "record"
        name = rule.n9e_name if isinstance(rule, Alert) else rule.record
        if (rule.expr, name) in seen:
            continue
        seen.add((rule.expr, name))
        yield Query(
            expr=rule.expr,
            origin=f"{kind} {name}",
            file=str(rule.file) if rule.file else None,
            line=rule.expr_line or rule.line,
            kind="rule",
            ignore=dict(rule.lint_ignore),
            query_id=name,
        )


COLLECTORS: list[Collector] = [collect_catalog, collect_rules]


def collect_queries(project: Project) -> list[Query]:
    return [q for collect in COLLECTORS for q in collect(project)]


def recorded_series(project: Project) -> frozenset[str]:
    """Names of the series the project's recording rules write (known to the linter)."""
    return frozenset(r.record for r in project.rules.records)


# ------------------------------------------------------------------------------ n9e dashboards

VAR_KIND_BY_TYPE = {"constant": "label", "custom": "label", "query": "label", "textbox": "text"}


def panel_unit(panel: dict[str, Any]) -> str | None:
    std = (panel.get("options") or {}).get("standardOptions") or {}
    unit = std.get("unit") or std.get("util")
    return unit or None


def dashboard_queries(board: dict[str, Any], file: str | None = None, name: str | None = None) -> list[Query]:
    """The target expressions of an n9e dashboard (``configs`` as object or JSON string)."""
    import json

    configs = board.get("configs", board)
    if isinstance(configs, str):
        configs = json.loads(configs)
    kinds = {
        v["name"]: VAR_KIND_BY_TYPE.get(v.get("type") or "query", "text")
        for v in configs.get("var") or []
        if isinstance(v, dict) and v.get("name")
    }
    board_name = name or board.get("name") or file or "dashboard"
    out: list[Query] = []
    from ..n9e.formats.board import iter_panels

    for _, panel in iter_panels(configs.get("panels"), "panels"):
        for i, target in enumerate(panel.get("targets") or []):
            expr = target.get("expr")
            if not isinstance(expr, str) or not expr.strip():
                continue
            pname = panel.get("name") or panel.get("id") or "?"
            ref = target.get("refId") or str(i)
            out.append(
                Query(
                    expr=expr,
                    origin=f"dashboard {board_name} / {pname} / {ref}",
                    file=file,
                    unit=panel_unit(panel),
                    variables=dict(kinds),
                    query_id=f"{pname} / {ref}",
                )
            )
    return out
