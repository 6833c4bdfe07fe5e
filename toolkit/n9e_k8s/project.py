"""The source tree, loaded and checked once: the one model every command works on.

``load_project(tree)`` reads promql/config.yaml, the catalog, the dashboards, the alert and recording rules,
the metric registry and promql/expected-empty.yaml, in that order, and raises every problem together
(``SourceErrors``). Renderers, checks, lint, verify and sync take the :class:`Project` and read no file.

A part that depends on a broken one is not loaded (the dashboards and rules name catalog ids, so a broken
catalog stops them), and parts a command does not need can be left out (``parts=``): `catalog` needs no
rules, `build` no registry. ``load_project_partial`` returns what loaded with the errors, for `validate`,
which reports every problem it can find.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .errors import SourceError, SourceErrors
from .source import SourceTree

if TYPE_CHECKING:
    from .alerts.model import RuleSet
    from .catalog import Catalog
    from .dashboards.source import DashboardSpec
    from .registry import Registry
    from .selectors import Selectors

PARTS = ("catalog", "dashboards", "rules", "registry", "expected_empty")
# What each part needs loaded first (besides config.yaml, which every part needs).
NEEDS = {"dashboards": ("catalog",), "rules": ("catalog",)}


class PartNotLoaded(RuntimeError):
    """A command read a part it did not ask load_project for (a bug, not bad input)."""


@dataclass(frozen=True)
class Project:
    tree: SourceTree
    config: Selectors
    _catalog: Catalog | None = None
    _dashboards: tuple[DashboardSpec, ...] | None = None
    _rules: RuleSet | None = None
    _registry: Registry | None = None
    _expected_empty: dict[str, str] | None = None
    loaded: frozenset[str] = field(default_factory=frozenset)

    def _part(self, name: str) -> object:
        if name not in self.loaded:
            raise PartNotLoaded(f"the project was loaded without {name!r} (load_project(parts=...))")
        return getattr(self, f"_{name}")

    @property
    def catalog(self) -> Catalog:
        return self._part("catalog")  # type: ignore[return-value]

    @property
    def dashboards(self) -> tuple[DashboardSpec, ...]:
        """The boards of the scraped components (a component with `scraped: false` has none)."""
        return self._part("dashboards")  # type: ignore[return-value]

    @property
    def rules(self) -> RuleSet:
        return self._part("rules")  # type: ignore[return-value]

    @property
    def registry(self) -> Registry | None:
        """The metric registry, or None when the tree has no promql/metrics.yaml (only `lint` needs one)."""
        return self._part("registry")  # type: ignore[return-value]

    @property
    def expected_empty(self) -> dict[str, str]:
        """promql/expected-empty.yaml: rule name -> why its data may be empty."""
        return self._part("expected_empty")  # type: ignore[return-value]

    def has(self, part: str) -> bool:
        return part in self.loaded


def load_project(tree: SourceTree, parts: Collection[str] = PARTS) -> Project:
    """config.yaml and ``parts`` of ``tree``, checked; SourceErrors with every problem found."""
    project, errors = load_project_partial(tree, parts)
    if errors or project is None:
        raise SourceErrors(errors)
    return project


def load_project_partial(
    tree: SourceTree, parts: Collection[str] = PARTS
) -> tuple[Project | None, list[SourceError]]:
    """What loads, and every problem: ``(None, errors)`` when config.yaml is broken; a part that fails (or
    needs one that failed) is left out of the project (``project.has(part)`` is False)."""
    unknown = set(parts) - set(PARTS)
    if unknown:
        raise ValueError(f"unknown project part(s): {', '.join(sorted(unknown))}")
    from .selectors import load_selectors

    try:
        config = load_selectors(tree.promql)
    except (SourceError, SourceErrors) as exc:
        return None, _errors_of(exc)
    wanted = [p for p in PARTS if p in parts or any(p in NEEDS.get(q, ()) for q in parts)]
    values: dict[str, object] = {}
    errors: list[SourceError] = []
    for part in wanted:
        if any(need not in values for need in NEEDS.get(part, ())):
            continue  # what it names did not load
        try:
            values[part] = _LOADERS[part](tree, config, values)
        except (SourceError, SourceErrors) as exc:
            errors += _errors_of(exc)
    fields = {f"_{k}": v for k, v in values.items()}
    return Project(tree, config, **fields, loaded=frozenset(values)), errors  # type: ignore[arg-type]


def _errors_of(exc: SourceError | SourceErrors) -> list[SourceError]:
    return list(exc.errors) if isinstance(exc, SourceErrors) else [exc]


def _catalog(tree: SourceTree, config: Selectors, loaded: dict[str, object]) -> Catalog:
    from .catalog import load_catalog

    return load_catalog(tree, config)


def _dashboards(tree: SourceTree, config: Selectors, loaded: dict[str, object]) -> tuple[DashboardSpec, ...]:
    from .dashboards.source import load_dashboards

    return tuple(load_dashboards(tree, loaded["catalog"], config))  # type: ignore[arg-type]


def _rules(tree: SourceTree, config: Selectors, loaded: dict[str, object]) -> RuleSet:
    from .alerts.model import load_rules

    return load_rules(tree, config, loaded["catalog"])


def _registry(tree: SourceTree, config: Selectors, loaded: dict[str, object]) -> Registry | None:
    from .registry import load_registry

    if not (tree.promql / "metrics.yaml").is_file():
        return None
    added = {c.name: c.target.added_labels for c in config.specs.values() if c.target is not None}
    return load_registry(tree.promql, config.cluster_label, config.components, added)


def _expected_empty(tree: SourceTree, config: Selectors, loaded: dict[str, object]) -> dict[str, str]:
    from .expected_empty import load_expected_empty

    rules = loaded.get("rules")
    if rules is None:  # not asked for, or broken: its own errors say so
        return load_expected_empty(tree)
    return load_expected_empty(tree, rules.source_names)  # type: ignore[attr-defined]


_LOADERS = {
    "catalog": _catalog,
    "dashboards": _dashboards,
    "rules": _rules,
    "registry": _registry,
    "expected_empty": _expected_empty,
}
