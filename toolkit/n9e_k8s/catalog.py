"""The PromQL catalog: one YAML file per component under promql/ (config.yaml and metrics.yaml
are not catalog files). Entries are templates; ``entry.render(selectors, mode)`` gives PromQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import SourceError, SourceErrors
from .langs import Text
from .schemas import CATALOG_SOURCE, validate
from .selectors import Mode, Selectors
from .source import SourceTree
from .yamlio import LineDict, load_each

NON_CATALOG_FILES = {"config.yaml", "metrics.yaml", "expected-empty.yaml"}


@dataclass(frozen=True)
class Fix:
    """What the source article's query got wrong, and the lint rule that catches it (if any)."""

    text: str
    rule: str | None = None


@dataclass(frozen=True)
class ExprTest:
    """Made-up input series and the expected result of the query (rendered in rule mode)."""

    series: dict[str, str]
    expect: list[dict[str, Any]]
    eval_time: str = "10m"


@dataclass(frozen=True)
class CatalogEntry:
    id: str
    component: str
    group: str
    title: Text
    description: Text
    expr: str
    unit: str
    legend: Text = field(
        default_factory=lambda: Text("", "")
    )  # may hold {{label}} templates; never $variables (n9e shows them literally)
    variables: tuple[str, ...] = ()
    article: str | None = None
    fixes: tuple[Fix, ...] = ()
    lint_ignore: dict[str, str] = field(default_factory=dict)
    tests: tuple[ExprTest, ...] = ()  # the first is the main case; more cover e.g. a quiet cluster
    instant: bool = False
    expected_empty: str | None = None  # why the query may legitimately return nothing
    # The same query over recording rules (5-minute rates): what a panel runs, cheaper to refresh.
    recorded: str | None = None
    file: Path | None = None
    line: int | None = None
    expr_line: int | None = None
    recorded_line: int | None = None

    @property
    def test(self) -> ExprTest | None:
        return self.tests[0] if self.tests else None

    def render(self, selectors: Selectors, mode: Mode = "dashboard") -> str:
        return selectors.expand(self.expr, self.component, mode)

    def render_recorded(self, selectors: Selectors, mode: Mode = "dashboard") -> str | None:
        return selectors.expand(self.recorded, self.component, mode) if self.recorded else None

    def board_expr(self, selectors: Selectors) -> str:
        """What a panel runs: the recorded query, unless there is none or config.yaml turns
        ``recorded_panels`` off (then the raw query, with the board's rate window)."""
        recorded = self.render_recorded(selectors) if selectors.recorded_panels else None
        return recorded or self.render(selectors, "dashboard")

    def board_exprs(self, selectors: Selectors) -> list[str]:
        """Both forms a board of this entry may run (for readers that map a panel target to its entry)."""
        return [self.render(selectors, "dashboard"), *filter(None, [self.render_recorded(selectors)])]


@dataclass
class Catalog:
    entries: list[CatalogEntry]
    selectors: Selectors

    def __post_init__(self) -> None:
        self.by_id = {e.id: e for e in self.entries}

    def get(self, entry_id: str) -> CatalogEntry:
        return self.by_id[entry_id]

    def for_component(self, component: str) -> list[CatalogEntry]:
        return [e for e in self.entries if e.component == component]

    @property
    def components(self) -> list[str]:
        return list(dict.fromkeys(e.component for e in self.entries))


def _text(value: dict[str, str]) -> Text:
    return Text(value["en"], value["zh"])


def _legend(raw: LineDict, file: Path, path: str) -> Text:
    """A legend: one string for both languages (label templates) or {en, zh}. n9e v9 does not expand
    dashboard variables in legends (a literal ``p$quantile`` shows), so ``$`` is refused."""
    value = raw.get("legend", "")
    legend = _text(value) if isinstance(value, dict) else Text(str(value), str(value))
    if "$" in legend.en + legend.zh:
        raise SourceError(
            file,
            "legend must not use $variables: n9e shows them literally; use {{label}} templates",
            line=raw.line_of("legend"),
            path=f"{path}.legend",
        )
    return legend


def _check_expr(expr: str, component: str, selectors: Selectors) -> str | None:
    """Why the template does not render or parse in both modes, or None."""
    try:
        selectors.expand(expr, component, "dashboard")
        rendered = selectors.expand(expr, component, "rule")
    except KeyError as exc:
        return str(exc.args[0])
    from .promql_syntax import syntax_error
    from .varrefs import VARIABLE_RE

    # An undefined $variable is reported by the dashboards' check, with its name; parse only what is resolved.
    return None if VARIABLE_RE.search(rendered) else syntax_error(rendered)


def _fix(raw: str | dict[str, str]) -> Fix:
    return Fix(raw) if isinstance(raw, str) else Fix(raw["text"], raw.get("rule"))


def _test(raw: dict[str, Any]) -> ExprTest:
    return ExprTest(
        {str(k): str(v) for k, v in raw["series"].items()},
        [dict(x) for x in raw["expect"]],
        str(raw.get("eval_time", "10m")),
    )


def _parse_entry(raw: LineDict, component: str, index: int, file: Path, selectors: Selectors) -> CatalogEntry:
    """One entry of a file that passed the catalog schema: the checks the schema cannot express."""
    path = f"entries[{index}]"
    entry_id = raw["id"]
    if not entry_id.startswith(f"{component}."):
        raise SourceError(
            file, f"id must start with '{component}.'", line=raw.line_of("id"), path=f"{path}.id"
        )
    path = f"{path}({entry_id})"
    for key in ("expr", "recorded"):
        problem = _check_expr(raw[key], component, selectors) if key in raw else None
        if problem:
            raise SourceError(file, problem, line=raw.line_of(key), path=f"{path}.{key}")
    raw_tests = raw.get("test")
    cases = raw_tests if isinstance(raw_tests, list) else [raw_tests] if "test" in raw else []
    return CatalogEntry(
        id=entry_id,
        component=component,
        group=raw.get("group", "main"),
        title=_text(raw["title"]),
        description=_text(raw["description"]),
        expr=raw["expr"].strip(),
        unit=raw["unit"],
        legend=_legend(raw, file, path),
        variables=tuple(raw.get("variables") or ()),
        article=raw.get("article"),
        fixes=tuple(_fix(f) for f in raw.get("fixes") or ()),
        lint_ignore=dict((raw.get("lint") or {}).get("ignore") or {}),
        tests=tuple(_test(t) for t in cases),
        instant=raw.get("instant", False),
        expected_empty=raw.get("expected_empty"),
        recorded=raw["recorded"].strip() if "recorded" in raw else None,
        file=file,
        line=raw.line,
        expr_line=raw.line_of("expr"),
        recorded_line=raw.line_of("recorded") if "recorded" in raw else None,
    )


def catalog_files(promql_dir: Path) -> list[Path]:
    return sorted(p for p in promql_dir.glob("*.yaml") if p.name not in NON_CATALOG_FILES)


def load_catalog(tree: SourceTree, selectors: Selectors) -> Catalog:
    """Load and check every catalog file; all problems are collected and raised together."""
    entries: list[CatalogEntry] = []
    errors: list[SourceError] = []
    seen: dict[str, CatalogEntry] = {}
    for file, data in load_each(catalog_files(tree.promql), errors):
        schema_problems = validate(CATALOG_SOURCE, data, str(file), lines=True)
        if schema_problems:
            errors += [SourceError(file, p.message, p.line, p.path) for p in schema_problems]
            continue
        component = data["component"]
        problem = selectors.component_error(component, file, data.line_of("component"))
        if problem:
            errors.append(problem)
            continue
        raw_entries = data["entries"]
        for i, raw in enumerate(raw_entries):
            try:
                entry = _parse_entry(raw, component, i, file, selectors)
            except SourceError as exc:
                errors.append(exc)
                continue
            if entry.id in seen:
                errors.append(
                    SourceError(
                        file,
                        f"duplicate id {entry.id!r} (first at {seen[entry.id].file}:{seen[entry.id].line})",
                        line=entry.line,
                    )
                )
                continue
            seen[entry.id] = entry
            entries.append(entry)
    if errors:
        raise SourceErrors(errors)
    return Catalog(entries, selectors)
