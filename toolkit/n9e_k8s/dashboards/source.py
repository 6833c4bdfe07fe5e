"""Dashboard source files (dashboards/*.yaml): loading, the JSON Schema, and the checks against
the catalog and the selector configuration."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..catalog import Catalog, CatalogEntry
from ..errors import SourceError, SourceErrors
from ..langs import Text
from ..problems import Problem
from ..schemas import DASHBOARD_SOURCE, validate
from ..selectors import Selectors
from ..source import SourceTree
from ..varrefs import variable_names
from ..yamlio import LineDict, load_each
from .units import UnknownUnit, n9e_unit


@dataclass(frozen=True)
class PanelSpec:
    key: str
    queries: tuple[str, ...]
    overrides: dict[str, Any] = field(default_factory=dict)  # type, width, legend, thresholds...
    line: int | None = None


@dataclass(frozen=True)
class RowSpec:
    key: str
    title: Text
    panels: tuple[PanelSpec, ...]
    line: int | None = None


@dataclass(frozen=True)
class DashboardSpec:
    file: Path
    ident: str
    component: str
    name: Text
    note: Text | None
    tags: tuple[str, ...]
    rows: tuple[RowSpec, ...]

    def panels(self) -> Iterator[tuple[RowSpec, PanelSpec]]:
        """Every panel of the board, in order, with its row."""
        for row in self.rows:
            for panel in row.panels:
                yield row, panel

    def query_ids(self) -> list[str]:
        return [q for _, panel in self.panels() for q in panel.queries]


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "row"


def _text(raw: dict[str, Any]) -> Text:
    return Text(raw["en"], raw["zh"])


def dashboard_files(tree: SourceTree) -> list[Path]:
    if not tree.dashboards.is_dir():
        return []
    return sorted([*tree.dashboards.glob("*.yaml"), *tree.dashboards.glob("*.yml")])


def used_variables(expr: str) -> set[str]:
    """Dashboard variables an expression uses, without n9e built-ins ($__rate_interval...) and
    regex back-references ($1)."""
    return {n for n in variable_names(expr) if not n.startswith("__")}


def entry_problems(entry: CatalogEntry, selectors: Selectors, unit: str | None = None) -> list[str]:
    """What keeps a catalog entry out of a board: an unknown unit or variable."""
    out = []
    try:
        n9e_unit(unit or entry.unit)
    except UnknownUnit as exc:
        out.append(str(exc))
    used = set().union(*(used_variables(e) for e in entry.board_exprs(selectors)))
    unknown = sorted(used - set(selectors.variables) - {"datasource"})
    if unknown:
        out.append(
            f"uses undefined variable(s) {', '.join('$' + v for v in unknown)}; define them under 'variables' in config.yaml"
        )
    return out


def _parse(
    data: LineDict, file: Path, catalog: Catalog, selectors: Selectors
) -> tuple[DashboardSpec, list[SourceError]]:
    errors: list[SourceError] = []
    component = data["component"]
    problem = selectors.component_error(component, file, data.line_of("component"))
    if problem:
        errors.append(problem)
    rows: list[RowSpec] = []
    row_keys: dict[str, int] = {}
    panel_keys: dict[str, int] = {}
    for r, raw_row in enumerate(data["rows"]):
        row_path = f"rows[{r}]"
        key = raw_row.get("id") or slug(raw_row["title"]["en"])
        if key in row_keys:
            errors.append(
                SourceError(
                    file,
                    f"two rows have the key {key!r} (first on line {row_keys[key]}); give one an 'id'",
                    raw_row.line,
                    row_path,
                )
            )
        row_keys.setdefault(key, raw_row.line)
        panels = []
        for p, raw in enumerate(raw_row["panels"]):
            path = f"{row_path}.panels[{p}]"
            queries = [raw["query"]] if "query" in raw else list(raw["queries"])
            lines = (
                [raw.line_of("query")]
                if "query" in raw
                else [raw["queries"].line_of(i) for i in range(len(queries))]
            )
            for q, (qid, line) in enumerate(zip(queries, lines, strict=True)):
                qpath = f"{path}.query" if "query" in raw else f"{path}.queries[{q}]"
                if qid not in catalog.by_id:
                    errors.append(SourceError(file, f"unknown catalog id {qid!r}", line, qpath))
                    continue
                entry = catalog.get(qid)
                for message in entry_problems(entry, selectors, raw.get("unit")):
                    errors.append(
                        SourceError(
                            file,
                            f"{message} (catalog entry {entry.id}, {entry.file}:{entry.line})",
                            line,
                            qpath,
                        )
                    )
            pkey = raw.get("id") or "+".join(queries)
            if pkey in panel_keys:
                errors.append(
                    SourceError(
                        file,
                        f"two panels have the key {pkey!r} (first on line {panel_keys[pkey]}); give one an 'id'",
                        raw.line,
                        path,
                    )
                )
            panel_keys.setdefault(pkey, raw.line)
            overrides = {k: v for k, v in raw.items() if k not in ("id", "query", "queries")}
            panels.append(PanelSpec(pkey, tuple(queries), overrides, raw.line))
        rows.append(RowSpec(key, _text(raw_row["title"]), tuple(panels), raw_row.line))
    spec = DashboardSpec(
        file=file,
        ident=data["ident"],
        component=component,
        name=_text(data["name"]),
        note=_text(data["note"]) if "note" in data else None,
        tags=tuple(data.get("tags") or ()),
        rows=tuple(rows),
    )
    return spec, errors


def load_dashboards(tree: SourceTree, catalog: Catalog, selectors: Selectors) -> list[DashboardSpec]:
    """Load and check every dashboard source file; all problems are raised together."""
    specs: list[DashboardSpec] = []
    errors: list[SourceError] = []
    idents: dict[str, Path] = {}
    for file, data in load_each(dashboard_files(tree), errors):
        schema_problems = validate(DASHBOARD_SOURCE, data, str(file), lines=True)
        if schema_problems:
            errors += [SourceError(file, p.message, p.line, p.path) for p in schema_problems]
            continue
        spec, problems = _parse(data, file, catalog, selectors)
        errors += problems
        if spec.ident in idents:
            errors.append(
                SourceError(
                    file,
                    f"ident {spec.ident!r} is already used by {idents[spec.ident]}",
                    data.line_of("ident"),
                    "ident",
                )
            )
        idents.setdefault(spec.ident, file)
        specs.append(spec)
    if errors:
        raise SourceErrors(errors)
    # A component that is not scraped (config.yaml `scraped: false`) has no board: it would be empty.
    return [s for s in specs if selectors.scraped(s.component)]


def coverage_problems(specs: list[DashboardSpec], catalog: Catalog) -> list[Problem]:
    """Catalog queries of a component that none of that component's dashboards shows (warnings)."""
    problems = []
    for component in sorted({s.component for s in specs}):
        shown = {q for s in specs if s.component == component for q in s.query_ids()}
        files = ", ".join(str(s.file) for s in specs if s.component == component)
        for entry in catalog.for_component(component):
            if entry.id not in shown:
                problems.append(
                    Problem(
                        files,
                        "rows",
                        f"catalog query {entry.id!r} ({entry.file}:{entry.line}) is on no {component} dashboard",
                        "warning",
                    )
                )
    return problems
