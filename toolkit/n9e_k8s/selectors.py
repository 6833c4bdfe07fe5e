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

from .errors import SourceError
from .yamlio import LineDict, load_yaml

Mode = Literal["dashboard", "rule"]

PLACEHOLDER_RE = re.compile(r"%\((\w+)\)s")
# $var, ${var}, ${var:fmt}, [[var]]; quoted strings are matched first so that the callback can see them.
VARIABLE_RE = re.compile(r"\$\{(\w+)(?::[^}]*)?\}|\$(\w+)|\[\[(\w+)\]\]")
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

        def repl(m: re.Match[str]) -> str:
            name = m.group(1) or m.group(2) or m.group(3)
            var = self.variables.get(name)
            return var.default if var else m.group(0)

        return VARIABLE_RE.sub(repl, expr)


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


def load_selectors(promql_dir: Path) -> Selectors:
    file = promql_dir / "config.yaml"
    if not file.is_file():
        raise SourceError(file, "missing: the selector configuration is required")
    data = load_yaml(file)
    if not isinstance(data, dict):
        raise SourceError(file, "must be a mapping")
    cluster_label = _require(data, "cluster_label", str, file)
    if not LABEL_NAME_RE.match(cluster_label):
        raise SourceError(
            file,
            f"cluster_label {cluster_label!r} is not a valid label name",
            line=data.line_of("cluster_label"),
        )
    components = _require(data, "components", dict, file)
    jobs: dict[str, str] = {}
    containers: dict[str, tuple[str, str]] = {}
    unscraped: set[str] = set()
    for name, spec in components.items():
        job = _require(spec, "job", str, file)
        if not job:
            raise SourceError(
                file, "job must not be empty", line=spec.line_of("job"), path=f"components.{name}.job"
            )
        jobs[name] = job
        if not _scraped(spec, name, file):
            unscraped.add(name)
        containers[name] = (
            str(spec.get("namespace", "kube-system")),
            str(spec.get("container", f"kube-{name}")),
        )
    filters = data.get("dashboard_filters") or {}
    if not isinstance(filters, dict):
        raise SourceError(file, "dashboard_filters must be a mapping", line=data.line_of("dashboard_filters"))
    variables: dict[str, Variable] = {}
    for name, spec in (data.get("variables") or {}).items():
        path = f"variables.{name}"
        if not isinstance(spec, dict):
            raise SourceError(file, "must be a mapping", line=data.line_of("variables"), path=path)
        kind = spec.get("kind")
        if kind not in VARIABLE_KINDS:
            raise SourceError(
                file, f"kind must be one of {', '.join(VARIABLE_KINDS)}", line=spec.line_of("kind"), path=path
            )
        if "default" not in spec:
            raise SourceError(file, "missing required key 'default'", line=spec.line, path=path)
        title = spec.get("title")
        if title is not None and not (
            isinstance(title, dict) and all(isinstance(title.get(k), str) and title[k] for k in ("en", "zh"))
        ):
            raise SourceError(
                file, "title must have non-empty 'en' and 'zh' strings", line=spec.line_of("title"), path=path
            )
        variables[name] = Variable(
            name=name,
            kind=kind,
            default=str(spec["default"]),
            label=spec.get("label"),
            metric=spec.get("metric"),
            component=spec.get("component"),
            options=tuple(str(o) for o in spec.get("options") or ()),
            title=tuple(sorted(title.items())) if title else (),
        )
    for label, var in filters.items():
        if var not in variables:
            raise SourceError(
                file,
                f"dashboard filter uses undefined variable {var!r}",
                line=filters.line_of(label),
                path=f"dashboard_filters.{label}",
            )
    disabled = data.get("disabled_alerts") or []
    if not isinstance(disabled, list) or not all(isinstance(a, str) and a for a in disabled):
        raise SourceError(
            file, "disabled_alerts must be a list of alert names", line=data.line_of("disabled_alerts")
        )
    return Selectors(
        cluster_label,
        jobs,
        dict(filters),
        variables,
        file,
        containers,
        frozenset(unscraped),
        frozenset(disabled),
    )


def _scraped(spec: LineDict, name: str, file: Path) -> bool:
    """`components.<name>.scraped` (default true); the API server cannot be switched off: every
    managed control plane still serves its /metrics, and every other output depends on it."""
    value = spec.get("scraped", True)
    where = {
        "line": spec.line_of("scraped") if "scraped" in spec else spec.line,
        "path": f"components.{name}.scraped",
    }
    if not isinstance(value, bool):
        raise SourceError(file, f"scraped must be true or false, not {value!r}", **where)
    if not value and name == "apiserver":
        raise SourceError(
            file, "the API server is always scraped (managed control planes serve its /metrics too)", **where
        )
    return value
