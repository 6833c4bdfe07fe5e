"""The one selector configuration (promql/config.yaml) and the expansion of catalog templates.

Catalog expressions are PromQL with kubernetes-mixin style placeholders:

* ``%(sel)s``  the entry's component selector: ``job="apiserver"`` plus, for dashboards, the
  dashboard filters (``cluster=~"$cluster", instance=~"$instance"``);
* ``%(job)s``  the job matcher alone;
* ``%(<component>_sel)s`` / ``%(<component>_job)s`` the same for another component
  (dashes become underscores: ``%(controller_manager_sel)s``);
* ``%(cluster)s`` the cluster label name;
* ``%(container_sel)s`` the component's static-pod container (``namespace="kube-system",
  container="kube-apiserver"``) plus, for dashboards, the cluster filter: for cAdvisor and
  kube-state-metrics series, whose ``instance`` is not the component's.

Dashboard variables (``$interval``, ``$quantile``, ...) stay as they are for dashboards and are
replaced by their defaults for rules (mode ``rule``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from .collection import CollectionConfig, parse_collection
from .components import Component, parse_component, value_error
from .errors import SourceError, SourceErrors
from .varrefs import substitute_variables
from .yamlio import LineDict, close_match, load_yaml, unknown_keys

Mode = Literal["dashboard", "rule"]

PLACEHOLDER_RE = re.compile(r"%\((\w+)\)s")
LABEL_NAME_RE = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
VARIABLE_KINDS = ("label", "duration", "number", "text")


@dataclass(frozen=True)
class Variable:
    name: str
    kind: str
    default: str
    label: str | None = None
    metric: str | None = None
    component: str | None = None
    options: tuple[str, ...] = ()
    title: tuple[tuple[str, str], ...] = ()  # ((lang, text), ...): the variable's label on boards

    def title_for(self, lang: str) -> str | None:
        return dict(self.title).get(lang)


@dataclass(frozen=True)
class Selectors:
    cluster_label: str
    jobs: dict[str, str]
    dashboard_filters: dict[str, str]
    variables: dict[str, Variable] = field(default_factory=dict)
    file: Path | None = None
    containers: dict[str, tuple[str, str]] = field(
        default_factory=dict
    )  # component -> (namespace, container)
    # Components with `scraped: false` (managed control planes): no alerts, board or scrape job.
    unscraped: frozenset[str] = frozenset()
    # Alert names left out of every output (`disabled_alerts` in config.yaml).
    disabled_alerts: frozenset[str] = frozenset()
    # n9e v8+ notify rules (by name) every synced alert rule notifies (`notify_rules` in config.yaml).
    notify_rules: tuple[str, ...] = ()
    # Everything config.yaml says about each component (job, container, scrape target), in config order.
    specs: dict[str, Component] = field(default_factory=dict)
    # What the scrape jobs keep (`collection` in config.yaml): the keep-list mode, extras, trimmed buckets.
    collection: CollectionConfig = field(default_factory=CollectionConfig)
    # Panels read the recording rules named by their catalog entry's `recorded` query (`recorded_panels`).
    recorded_panels: bool = True

    @property
    def components(self) -> list[str]:
        return list(self.jobs)

    def scraped(self, component: str) -> bool:
        """False when config.yaml says the component is not scraped (its outputs drop out)."""
        return component not in self.unscraped

    def job(self, component: str) -> str:
        try:
            return self.jobs[component]
        except KeyError:
            raise KeyError(f"unknown component {component!r}; known: {', '.join(self.jobs)}") from None

    def component_error(self, component: object, file: Path | str, line: int | None) -> SourceError | None:
        """The error for a source file's `component` that config.yaml does not configure (None if fine)."""
        if component in self.jobs:
            return None
        return SourceError(
            file,
            f"component {component!r} has no job in config.yaml (known: {', '.join(self.jobs)})",
            line=line,
            path="component",
        )

    def job_matcher(self, component: str) -> str:
        return f'job="{self.job(component)}"'

    def filter_matchers(self) -> list[str]:
        return [f'{label}=~"${var}"' for label, var in self.dashboard_filters.items()]

    def selector(self, component: str, mode: Mode) -> str:
        parts = [self.job_matcher(component)]
        if mode == "dashboard":
            parts += self.filter_matchers()
        return ", ".join(parts)

    def container_selector(self, component: str, mode: Mode) -> str:
        namespace, container = self.containers.get(component, ("kube-system", f"kube-{component}"))
        parts = [f'namespace="{namespace}"', f'container="{container}"']
        if mode == "dashboard" and self.cluster_label in self.dashboard_filters:
            parts.append(f'{self.cluster_label}=~"${self.dashboard_filters[self.cluster_label]}"')
        return ", ".join(parts)

    def placeholders(self, component: str, mode: Mode) -> dict[str, str]:
        values = {
            "sel": self.selector(component, mode),
            "job": self.job_matcher(component),
            "cluster": self.cluster_label,
            "container_sel": self.container_selector(component, mode),
        }
        for other in self.jobs:
            key = other.replace("-", "_")
            values[f"{key}_sel"] = self.selector(other, mode)
            values[f"{key}_job"] = self.job_matcher(other)
        return values

    def expand(self, template: str, component: str, mode: Mode = "dashboard") -> str:
        """Fill the placeholders; in ``rule`` mode also replace variables by their defaults."""
        values = self.placeholders(component, mode)

        def fill(m: re.Match[str]) -> str:
            name = m.group(1)
            if name not in values:
                raise KeyError(f"unknown placeholder %({name})s; known: {', '.join(sorted(values))}")
            return values[name]

        text = PLACEHOLDER_RE.sub(fill, template)
        if mode == "rule":
            text = self.substitute_defaults(text)
        return text

    def substitute_defaults(self, expr: str) -> str:
        """Replace known variables by their default values (for rules, tests and verification)."""
        return substitute_variables(expr, {name: var.default for name, var in self.variables.items()})


def _require(node: object, key: str, kind: type, file: Path) -> object:
    if not isinstance(node, dict) or key not in node:
        raise SourceError(file, f"missing required key '{key}'", line=getattr(node, "line", None))
    value = node[key]
    if not isinstance(value, kind):
        raise SourceError(
            file,
            f"'{key}' must be a {kind.__name__}",
            line=node.line_of(key) if isinstance(node, LineDict) else None,
        )
    return value


CONFIG_KEYS = (
    "cluster_label",
    "components",
    "dashboard_filters",
    "variables",
    "disabled_alerts",
    "notify_rules",
    "collection",
    "recorded_panels",
)
VARIABLE_KEYS = ("kind", "label", "metric", "component", "default", "options", "title")


def load_selectors(promql_dir: Path) -> Selectors:
    file = promql_dir / "config.yaml"
    if not file.is_file():
        raise SourceError(file, "missing: the selector configuration is required")
    data = load_yaml(file)
    if not isinstance(data, LineDict):
        raise SourceError(
            file, f"must be a mapping, not a {type(data).__name__}", line=getattr(data, "line", 1)
        )
    errors = unknown_keys(data, CONFIG_KEYS, file)

    def add(node: LineDict, key: object, message: str, path: str) -> None:
        errors.append(SourceError(file, message, line=node.line_of(key), path=path))  # type: ignore[arg-type]

    try:
        cluster_label = _require(data, "cluster_label", str, file)
        if not LABEL_NAME_RE.match(cluster_label):
            raise SourceError(
                file,
                f"cluster_label {cluster_label!r} is not a valid label name",
                line=data.line_of("cluster_label"),
            )
        components = _require(data, "components", dict, file)
    except SourceError as exc:
        raise SourceErrors([*errors, exc]) from None
    specs: dict[str, Component] = {}
    for name, spec in components.items():
        component, problems = parse_component(name, spec, components, file)
        errors += problems
        if component is not None:
            specs[component.name] = component
    filters = data.get("dashboard_filters") or {}
    if not isinstance(filters, dict):
        raise SourceError(
            file,
            "must be a mapping of label -> variable",
            line=data.line_of("dashboard_filters"),
            path="dashboard_filters",
        )
    raw_variables = data.get("variables") or {}
    if not isinstance(raw_variables, dict):
        raise SourceError(
            file, "must be a mapping of name -> spec", line=data.line_of("variables"), path="variables"
        )
    variables: dict[str, Variable] = {}
    for name, spec in raw_variables.items():
        path = f"variables.{name}"
        if not isinstance(spec, LineDict):
            add(raw_variables, name, "must be a mapping", path)
            continue
        errors += unknown_keys(spec, VARIABLE_KEYS, file, path)
        if not isinstance(name, str) or not LABEL_NAME_RE.match(name):
            add(raw_variables, name, "a variable name is letters, digits and _", path)
            continue
        kind = spec.get("kind")
        if kind not in VARIABLE_KINDS:
            add(spec, "kind", f"kind must be one of {', '.join(VARIABLE_KINDS)}", f"{path}.kind")
            continue
        if "default" not in spec:
            add(raw_variables, name, "missing required key 'default'", path)
            continue
        title = spec.get("title")
        if title is not None and not (
            isinstance(title, dict) and all(isinstance(title.get(k), str) and title[k] for k in ("en", "zh"))
        ):
            add(spec, "title", "title must have non-empty 'en' and 'zh' strings", f"{path}.title")
            title = None
        label = spec.get("label")
        if label is not None and not (isinstance(label, str) and LABEL_NAME_RE.match(label)):
            add(spec, "label", f"{label!r} is not a valid label name", f"{path}.label")
        for key in ("metric", "component"):
            if spec.get(key) is not None and not isinstance(spec[key], str):
                add(spec, key, "must be a string", f"{path}.{key}")
        options = spec.get("options") or []
        if not isinstance(options, list):
            add(spec, "options", "must be a list", f"{path}.options")
            options = []
        default = spec["default"]
        if isinstance(default, (int, float)) and not isinstance(default, bool):
            default = str(default)
        checked = [("default", default, f"{path}.default")] + [
            ("options", str(o), f"{path}.options[{i}]") for i, o in enumerate(options)
        ]
        errors += [e for key, value, where in checked if (e := value_error(value, file, spec, key, where))]
        variables[name] = Variable(
            name=name,
            kind=kind,
            default=str(default),
            label=label,
            metric=spec.get("metric"),
            component=spec.get("component"),
            options=tuple(str(o) for o in options),
            title=tuple(sorted(title.items())) if title else (),
        )
    for label, var in filters.items():
        path = f"dashboard_filters.{label}"
        if not isinstance(label, str) or not LABEL_NAME_RE.match(label):
            add(filters, label, f"{label!r} is not a valid label name", path)
        elif var not in variables:
            add(
                filters,
                label,
                f"dashboard filter uses undefined variable {var!r}{close_match(str(var), variables)}",
                path,
            )
    disabled = data.get("disabled_alerts") or []
    if not isinstance(disabled, list) or not all(isinstance(a, str) and a for a in disabled):
        add(data, "disabled_alerts", "disabled_alerts must be a list of alert names", "disabled_alerts")
        disabled = []
    notify_rules = [] if data.get("notify_rules") is None else data["notify_rules"]
    if not isinstance(notify_rules, list) or not all(isinstance(n, str) and n.strip() for n in notify_rules):
        add(data, "notify_rules", "must be a list of notify rule names", "notify_rules")
        notify_rules = []
    collection, problems = parse_collection(data.get("collection"), file, data.line_of("collection"))
    errors += problems
    recorded_panels = data.get("recorded_panels", True)
    if not isinstance(recorded_panels, bool):
        add(data, "recorded_panels", "recorded_panels must be true or false", "recorded_panels")
        recorded_panels = True
    if errors:
        raise SourceErrors(errors)
    return Selectors(
        cluster_label,
        {c.name: c.job for c in specs.values()},
        dict(filters),
        variables,
        file,
        {c.name: (c.namespace, c.container) for c in specs.values()},
        frozenset(c.name for c in specs.values() if not c.scraped),
        frozenset(disabled),
        tuple(n.strip() for n in notify_rules),
        specs,
        collection,
        recorded_panels,
    )
