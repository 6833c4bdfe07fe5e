"""The PromQL catalog: one YAML file per component under promql/ (config.yaml and metrics.yaml
are not catalog files). Entries are templates; ``entry.render(selectors, mode)`` gives PromQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import SourceError, SourceErrors
from .langs import LANGS, Text
from .selectors import Mode, Selectors
from .source import SourceTree
from .yamlio import LineDict, load_yaml, unknown_keys

NON_CATALOG_FILES = {"config.yaml", "metrics.yaml", "expected-empty.yaml"}
ENTRY_KEYS = {
    "id", "group", "title", "description", "expr", "unit", "legend", "variables", "article",
    "fixes", "lint", "test", "instant", "expected_empty",
}  # fmt: skip
REQUIRED_KEYS = ("id", "title", "description", "expr", "unit")


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
    file: Path | None = None
    line: int | None = None
    expr_line: int | None = None

    @property
    def test(self) -> ExprTest | None:
        return self.tests[0] if self.tests else None

    def render(self, selectors: Selectors, mode: Mode = "dashboard") -> str:
        return selectors.expand(self.expr, self.component, mode)


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


def _text(node: Any, key: str, file: Path, path: str) -> Text:
    value = node.get(key)
    line = node.line_of(key) if isinstance(node, LineDict) else None
    if isinstance(value, str):
        raise SourceError(file, f"'{key}' needs both languages: {{en: ..., zh: ...}}", line=line, path=path)
    if not isinstance(value, dict) or not all(
        isinstance(value.get(lang), str) and value[lang] for lang in LANGS
    ):
        raise SourceError(file, f"'{key}' must have non-empty 'en' and 'zh' strings", line=line, path=path)
    return Text(value["en"], value["zh"])


def _legend(raw: LineDict, file: Path, path: str) -> Text:
    """A legend: one string for both languages (label templates) or {en, zh}. n9e v9 does not expand
    dashboard variables in legends (a literal ``p$quantile`` shows), so ``$`` is refused."""
    value = raw.get("legend", "")
    legend = _text(raw, "legend", file, path) if isinstance(value, dict) else Text(str(value), str(value))
    if "$" in legend.en + legend.zh:
        raise SourceError(
            file,
            "legend must not use $variables: n9e shows them literally; use {{label}} templates",
            line=raw.line_of("legend"),
            path=f"{path}.legend",
        )
    return legend


def _parse_entry(raw: Any, component: str, index: int, file: Path, selectors: Selectors) -> CatalogEntry:
    path = f"entries[{index}]"
    if not isinstance(raw, LineDict):
        raise SourceError(file, "an entry must be a mapping", path=path)
    unknown = unknown_keys(raw, sorted(ENTRY_KEYS), file, path)
    if unknown:
        raise unknown[0]
    for key in REQUIRED_KEYS:
        if key not in raw:
            raise SourceError(file, f"missing required key '{key}'", line=raw.line, path=path)
    entry_id = raw["id"]
    if not isinstance(entry_id, str) or not entry_id.startswith(f"{component}."):
        raise SourceError(
            file,
            f"id must be a string starting with '{component}.'",
            line=raw.line_of("id"),
            path=f"{path}.id",
        )
    path = f"{path}({entry_id})"
    expr = raw["expr"]
    if not isinstance(expr, str) or not expr.strip():
        raise SourceError(
            file, "expr must be a non-empty string", line=raw.line_of("expr"), path=f"{path}.expr"
        )
    try:
        selectors.expand(expr, component, "dashboard")
        rendered = selectors.expand(expr, component, "rule")
    except KeyError as exc:
        raise SourceError(file, str(exc.args[0]), line=raw.line_of("expr"), path=f"{path}.expr") from None
    from .promql_syntax import syntax_error
    from .selectors import VARIABLE_RE

    # An undefined $variable is reported by the dashboards' check, with its name; parse only what is resolved.
    problem = None if VARIABLE_RE.search(rendered) else syntax_error(rendered)
    if problem:
        raise SourceError(file, problem, line=raw.line_of("expr"), path=f"{path}.expr")
    fixes = []
    for fix in raw.get("fixes") or []:
        if isinstance(fix, str):
            fixes.append(Fix(fix))
        elif isinstance(fix, dict) and isinstance(fix.get("text"), str):
            fixes.append(Fix(fix["text"], fix.get("rule")))
        else:
            raise SourceError(
                file, "a fix is a string or {text, rule}", line=raw.line_of("fixes"), path=f"{path}.fixes"
            )
    lint = raw.get("lint") or {}
    ignore = lint.get("ignore") or {} if isinstance(lint, dict) else None
    if not isinstance(ignore, dict) or not all(isinstance(v, str) and v for v in ignore.values()):
        raise SourceError(
            file,
            "lint.ignore maps a rule id to the reason it does not apply",
            line=raw.line_of("lint"),
            path=f"{path}.lint",
        )
    raw_tests = raw.get("test")
    cases = raw_tests if isinstance(raw_tests, list) else [raw_tests] if "test" in raw else []
    tests = []
    for t in cases:
        if (
            not isinstance(t, dict)
            or not isinstance(t.get("series"), dict)
            or not isinstance(t.get("expect"), list)
        ):
            raise SourceError(
                file,
                "test needs 'series' (mapping) and 'expect' (list), or a list of such cases",
                line=raw.line_of("test"),
                path=f"{path}.test",
            )
        tests.append(
            ExprTest(
                {str(k): str(v) for k, v in t["series"].items()},
                [dict(x) for x in t["expect"]],
                str(t.get("eval_time", "10m")),
            )
        )
    variables = raw.get("variables") or []
    if not isinstance(variables, list) or not all(isinstance(v, str) for v in variables):
        raise SourceError(
            file, "variables must be a list of names", line=raw.line_of("variables"), path=f"{path}.variables"
        )
    return CatalogEntry(
        id=entry_id,
        component=component,
        group=str(raw.get("group", "main")),
        title=_text(raw, "title", file, path),
        description=_text(raw, "description", file, path),
        expr=expr.strip(),
        unit=str(raw["unit"]),
        legend=_legend(raw, file, path),
        variables=tuple(variables),
        article=raw.get("article"),
        fixes=tuple(fixes),
        lint_ignore=dict(ignore),
        tests=tuple(tests),
        instant=bool(raw.get("instant", False)),
        expected_empty=raw.get("expected_empty"),
        file=file,
        line=raw.line,
        expr_line=raw.line_of("expr"),
    )


def catalog_files(promql_dir: Path) -> list[Path]:
    return sorted(p for p in promql_dir.glob("*.yaml") if p.name not in NON_CATALOG_FILES)


def load_catalog(tree: SourceTree, selectors: Selectors) -> Catalog:
    """Load and check every catalog file; all problems are collected and raised together."""
    entries: list[CatalogEntry] = []
    errors: list[SourceError] = []
    seen: dict[str, CatalogEntry] = {}
    for file in catalog_files(tree.promql):
        try:
            data = load_yaml(file)
        except SourceError as exc:
            errors.append(exc)
            continue
        if not isinstance(data, LineDict) or not isinstance(data.get("component"), str):
            errors.append(SourceError(file, "a catalog file needs 'component' and 'entries'"))
            continue
        component = data["component"]
        errors += unknown_keys(data, ("component", "entries"), file)
        problem = selectors.component_error(component, file, data.line_of("component"))
        if problem:
            errors.append(problem)
            continue
        raw_entries = data.get("entries")
        if not isinstance(raw_entries, list):
            errors.append(SourceError(file, "'entries' must be a list", line=data.line_of("entries")))
            continue
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
