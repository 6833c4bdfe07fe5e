"""Collect the queries of a source tree for `n9e-k8s lint`.

A collector is a function ``collect(tree: SourceTree, selectors: Selectors) -> Iterable[Query]``.
``COLLECTORS`` lists them as ``"module:function"`` strings, imported only when linting, so another
module (dashboards with panel overrides, alert rules with their own expressions) adds its collector
with one line here, or at run time with :func:`register_collector`. Collectors raise SourceError(s)
for broken input; the command turns that into exit code 2.

Each Query should carry ``origin`` (what it is, e.g. ``"catalog apiserver.qps"``), ``file``/``line``
of the expression (display path, relative to the tree), ``unit`` when it is shown somewhere,
``variables`` (name -> kind) the query may use and ``ignore`` (rule id -> reason).

:func:`dashboard_queries` turns an n9e dashboard JSON (UI export shape) into queries; the tests use it
on the reference boards and a dashboards collector can reuse it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ..selectors import Selectors
from ..source import SourceTree
from .model import Query

Collector = Callable[[SourceTree, Selectors], Iterable[Query]]

COLLECTORS: list[str | Collector] = [
    "n9e_k8s.lint.collect:collect_catalog",
    "n9e_k8s.alerts:collect_rule_queries",
]


def register_collector(fn: Collector) -> Collector:
    """Add a collector (usable as a decorator)."""
    if fn not in COLLECTORS:
        COLLECTORS.append(fn)
    return fn


def _resolve(c: str | Collector) -> Collector:
    if callable(c):
        return c
    module, _, name = c.partition(":")
    return getattr(importlib.import_module(module), name)


def variable_kinds(selectors: Selectors) -> dict[str, str]:
    return {name: v.kind for name, v in selectors.variables.items()}


def collect_catalog(tree: SourceTree, selectors: Selectors) -> Iterator[Query]:
    """Every catalog entry, rendered for dashboards (with the dashboard filters and variables)."""
    from ..catalog import load_catalog

    catalog = load_catalog(tree, selectors)
    for entry in catalog.entries:
        kinds = variable_kinds(selectors)
        for name in entry.variables:
            kinds.setdefault(name, "text")
        yield Query(
            expr=entry.render(selectors, "dashboard"),
            origin=f"catalog {entry.id}",
            file=tree.display(entry.file) if entry.file else None,
            line=entry.expr_line or entry.line,
            unit=entry.unit,
            variables=kinds,
            ignore=dict(entry.lint_ignore),
            query_id=entry.id,
        )


def collect_queries(tree: SourceTree, selectors: Selectors) -> list[Query]:
    queries: list[Query] = []
    for c in COLLECTORS:
        queries.extend(_resolve(c)(tree, selectors))
    return queries


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
    from ..boards import iter_panels

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
