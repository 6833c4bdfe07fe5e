"""The metric registry (promql/metrics.yaml): type, labels, stability and life cycle of each metric.

A metric's state for a Kubernetes version is computed here from ``deprecated``/``hidden``/``removed``
and the stability level, following component-base ``metrics/registry.go``:

* up to 1.34 a deprecated metric is hidden from the deprecated minor + 1, whatever its stability;
* from 1.35 it is hidden from ``deprecated + {STABLE: 3, BETA: 1, ALPHA: 0}``
  (component-base@kubernetes-1.35.0, commit 214a1e2 "Align metrics hiding with deprecation policy").

Histograms and summaries are stored under their base name; :meth:`Registry.lookup` resolves the
``_bucket``/``_sum``/``_count`` series.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from .errors import SourceError, SourceErrors
from .schemas import METRIC_REGISTRY, validate
from .yamlio import LineDict, close_match, load_yaml

# `components: [all]` (the default): a shared client/process metric that every component exports. The
# other owners are the components of config.yaml and the `other_components` of metrics.yaml.
SHARED = "all"
SUPPORTED_VERSIONS = tuple(f"1.{m}" for m in range(28, 37))
DEFAULT_VERSION = SUPPORTED_VERSIONS[-1]
# Labels every series may carry: added by the scrape or by the Prometheus agent.
ALWAYS_ALLOWED = frozenset({"job", "instance", "__name__"})
HIDE_WINDOW = {"STABLE": 3, "BETA": 1, "ALPHA": 0, "NONE": 0}
NEW_HIDING_RULE_FROM = (1, 35)
SUFFIXES = {"histogram": ("_bucket", "_sum", "_count"), "summary": ("_sum", "_count")}
VERSION_RE = re.compile(r"^(\d+)\.(\d+)(?:\.\d+)?$")

Status = Literal["ok", "deprecated", "hidden", "removed"]


def parse_k8s_minor(text: str) -> tuple[int, int]:
    """A Kubernetes minor: ``"1.36"``, ``"v1.36"`` or ``"1.36.0"`` -> ``(1, 36)``; ValueError otherwise."""
    m = VERSION_RE.match(str(text).strip().lstrip("v"))
    if not m:
        raise ValueError(f"not a Kubernetes version: {text!r} (expected e.g. 1.36)")
    return int(m.group(1)), int(m.group(2))


def _minor(version: str | tuple[int, int]) -> tuple[int, int]:
    return parse_k8s_minor(version) if isinstance(version, str) else version


def dotted(v: tuple[int, int] | None) -> str:
    """``(1, 36)`` -> ``"1.36"`` (``"?"`` when unknown)."""
    return f"{v[0]}.{v[1]}" if v else "?"


@dataclass(frozen=True)
class LabelChange:
    version: tuple[int, int]
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class StabilityChange:
    version: tuple[int, int]
    before: str  # the stability level before ``version``


@dataclass(frozen=True)
class MetricInfo:
    name: str
    type: str
    labels: frozenset[str]
    stability: str
    components: tuple[str, ...] = ("all",)
    deprecated: tuple[int, int] | None = None
    hidden: tuple[int, int] | None = None
    removed: tuple[int, int] | None = None
    added: tuple[int, int] | None = None
    replacement: str | None = None
    help: str = ""
    source: str = ""
    label_changes: tuple[LabelChange, ...] = ()
    labels_verified: bool = True
    open_labels: bool = False  # series also carry arbitrary target labels (up)
    note: str = ""
    file: Path | None = None
    line: int | None = None
    extra_allowed: frozenset[str] = field(default_factory=frozenset)
    # Closed sets of values some labels can take (e.g. verb); a matcher outside them selects nothing.
    label_values: dict[str, tuple[str, ...]] = field(default_factory=dict)
    origin: str = "kubernetes"
    stability_changes: tuple[StabilityChange, ...] = ()

    def stability_at(self, k8s_version: str | tuple[int, int] | None = None) -> str:
        """The stability level in a version (undoing later ``stability_changes``)."""
        if k8s_version is None:
            return self.stability
        v = _minor(k8s_version)
        level = self.stability
        for change in sorted(self.stability_changes, key=lambda c: c.version, reverse=True):
            if v < change.version:
                level = change.before
        return level

    def hidden_from(self, version: tuple[int, int]) -> tuple[int, int] | None:
        """First minor in which the metric is hidden, as seen by a binary of ``version``."""
        if self.hidden:
            return self.hidden
        if not self.deprecated:
            return None
        major, minor = self.deprecated
        if version >= NEW_HIDING_RULE_FROM:
            return (major, minor + HIDE_WINDOW.get(self.stability_at(version), 0))
        return (major, minor + 1)

    def status(self, k8s_version: str | tuple[int, int] = DEFAULT_VERSION) -> Status:
        v = _minor(k8s_version)
        if self.removed and v >= self.removed:
            return "removed"
        hidden = self.hidden_from(v)
        if hidden and v >= hidden:
            return "hidden"
        if self.deprecated and v >= self.deprecated:
            return "deprecated"
        return "ok"

    def exists_in(self, k8s_version: str | tuple[int, int]) -> bool:
        """False when the metric was only added after ``k8s_version``."""
        v = _minor(k8s_version)
        return not (self.added and v < self.added)

    def labels_at(self, k8s_version: str | tuple[int, int] | None = None) -> frozenset[str]:
        """The metric's own labels in a version (undoing later ``label_changes``)."""
        labels = set(self.labels)
        if k8s_version is None:
            return frozenset(labels)
        v = _minor(k8s_version)
        for change in sorted(self.label_changes, key=lambda c: c.version, reverse=True):
            if v < change.version:
                labels -= set(change.added)
                labels |= set(change.removed)
        return frozenset(labels)

    def allowed_labels(
        self, suffix: str = "", k8s_version: str | tuple[int, int] | None = None
    ) -> frozenset[str]:
        """Every label a series of this metric (with ``suffix``) may have."""
        labels = set(self.labels_at(k8s_version)) | ALWAYS_ALLOWED | self.extra_allowed
        if suffix == "_bucket":
            labels.add("le")
        if self.type == "summary" and suffix == "":
            labels.add("quantile")
        return frozenset(labels)

    def series_type(self, suffix: str) -> str:
        """The Prometheus type of one series: ``_bucket``/``_count``/``_sum`` of a histogram are counters."""
        if suffix in ("_bucket", "_count", "_sum"):
            return "counter"
        return self.type


@dataclass
class Registry:
    metrics: dict[str, MetricInfo]
    file: Path | None = None

    def __contains__(self, name: str) -> bool:
        return self.lookup(name) is not None

    def __len__(self) -> int:
        return len(self.metrics)

    def get(self, name: str) -> MetricInfo | None:
        return self.metrics.get(name)

    def lookup(self, series_name: str) -> tuple[MetricInfo, str] | None:
        """The metric a series belongs to and its suffix (``""``, ``_bucket``, ``_sum``, ``_count``)."""
        info = self.metrics.get(series_name)
        if info is not None:
            return info, ""
        for suffix in ("_bucket", "_sum", "_count"):
            if series_name.endswith(suffix):
                info = self.metrics.get(series_name[: -len(suffix)])
                if info is not None and suffix in SUFFIXES.get(info.type, ()):
                    return info, suffix
        return None


def _version_field(raw: LineDict, key: str, file: Path, path: str) -> tuple[int, int] | None:
    value = raw.get(key)
    if value is None:
        return None
    try:
        return parse_k8s_minor(str(value))
    except ValueError as exc:
        raise SourceError(file, str(exc), line=raw.line_of(key), path=f"{path}.{key}") from None


def _changes(raw: LineDict, key: str, file: Path, path: str) -> list[tuple[LineDict, tuple[int, int]]]:
    """The items of a ``*_changes`` list, each with its parsed version."""
    return [
        (ch, _version_field(ch, "version", file, f"{path}.{key}[{i}]") or (0, 0))
        for i, ch in enumerate(raw.get(key) or [])
    ]


def _parse_metric(name: str, raw: LineDict, file: Path, cluster_label: str | None) -> MetricInfo:
    """One entry of a registry that passed its schema: the checks the schema cannot express."""
    path = f"metrics.{name}"
    mtype = raw["type"]
    if mtype in SUFFIXES and name.endswith(("_bucket", "_sum", "_count")):
        raise SourceError(file, f"store a {mtype} under its base name", line=raw.line, path=path)
    components = raw.get("components") or [SHARED]
    labels = raw.get("labels") or []
    values = raw.get("label_values") or {}
    unknown_value_labels = sorted(set(values) - set(labels))
    if unknown_value_labels:
        raise SourceError(
            file,
            f"label_values names {unknown_value_labels[0]!r}, which is not in labels",
            line=raw.line_of("label_values"),
            path=f"{path}.label_values",
        )
    info = MetricInfo(
        name=name,
        type=mtype,
        labels=frozenset(labels),
        stability=raw["stability"],
        components=tuple(components),
        deprecated=_version_field(raw, "deprecated", file, path),
        hidden=_version_field(raw, "hidden", file, path),
        removed=_version_field(raw, "removed", file, path),
        added=_version_field(raw, "added", file, path),
        replacement=raw.get("replacement"),
        help=str(raw.get("help") or ""),
        source=str(raw.get("source") or ""),
        label_changes=tuple(
            LabelChange(
                version=version,
                added=tuple(ch.get("added") or ()),
                removed=tuple(ch.get("removed") or ()),
                note=str(ch.get("note") or ""),
            )
            for ch, version in _changes(raw, "label_changes", file, path)
        ),
        labels_verified=raw.get("labels_verified", True),
        open_labels=raw.get("open_labels", False),
        note=str(raw.get("note") or ""),
        file=file,
        line=raw.line,
        extra_allowed=frozenset({cluster_label} if cluster_label else set()),
        label_values={k: tuple(str(x) for x in v) for k, v in values.items()},
        origin=raw.get("origin", "kubernetes"),
        stability_changes=tuple(
            StabilityChange(version=version, before=ch["before"])
            for ch, version in _changes(raw, "stability_changes", file, path)
        ),
    )
    if info.removed and info.deprecated and info.removed < info.deprecated:
        raise SourceError(file, "removed before it was deprecated", line=raw.line_of("removed"), path=path)
    if (info.hidden or info.removed) and not info.deprecated:
        raise SourceError(file, "a hidden or removed metric needs 'deprecated'", line=raw.line, path=path)
    return info


def _unknown_owners(info: MetricInfo, raw: LineDict, owners: list[str], file: Path) -> list[SourceError]:
    """A metric's ``components`` must name components of config.yaml, ``other_components`` or ``all``."""
    bad = [c for c in info.components if c not in owners]
    if not bad:
        return []
    return [
        SourceError(
            file,
            f"unknown component {bad[0]!r}{close_match(bad[0], owners)} (known: {', '.join(owners)})",
            line=raw.line_of("components"),
            path=f"metrics.{info.name}.components",
        )
    ]


def missing_registry(promql_dir: Path) -> SourceError:
    """The error for a tree without promql/metrics.yaml, for the commands that need it (lint)."""
    return SourceError(promql_dir / "metrics.yaml", "missing: the metric registry is required by the linter")


def _target_labels(info: MetricInfo, target_labels: Mapping[str, Iterable[str]]) -> frozenset[str]:
    """The labels the scrape jobs of a metric's components add (every job's for a shared metric)."""
    owners = target_labels if SHARED in info.components else info.components
    return frozenset(label for c in owners for label in target_labels.get(c, ()))


def load_registry(
    promql_dir: Path,
    cluster_label: str | None,
    components: Iterable[str] | None = None,
    target_labels: Mapping[str, Iterable[str]] | None = None,
) -> Registry:
    """Load ``promql_dir/metrics.yaml``. ``cluster_label`` (config.yaml's) is a label every metric may carry;
    ``components`` (config.yaml's: what a metric may name besides ``other_components`` and ``all``) are
    checked when given. ``target_labels`` are the labels a component's scrape job adds to every series
    (node discovery's ``node``): its metrics, and the shared ones, may carry them."""
    file = promql_dir / "metrics.yaml"
    if not file.is_file():
        raise missing_registry(promql_dir)
    data = load_yaml(file)
    schema_problems = validate(METRIC_REGISTRY, data, str(file), lines=True)
    if schema_problems:
        raise SourceErrors([SourceError(file, p.message, p.line, p.path) for p in schema_problems])
    metrics: dict[str, MetricInfo] = {}
    errors: list[SourceError] = []
    owners = None if components is None else [*components, *(data.get("other_components") or []), SHARED]
    raw_metrics: LineDict = data["metrics"]
    for name, raw in raw_metrics.items():
        try:
            info = _parse_metric(str(name), raw, file, cluster_label)
        except SourceError as exc:
            if exc.line is None:
                exc.line = raw_metrics.line_of(name)
            errors.append(exc)
            continue
        added = _target_labels(info, target_labels or {})
        if added:
            info = dataclasses.replace(info, extra_allowed=info.extra_allowed | added)
        metrics[info.name] = info
        if owners is not None:
            errors += _unknown_owners(info, raw, owners, file)
    # A histogram's series names must not collide with another entry.
    for info in metrics.values():
        for suffix in SUFFIXES.get(info.type, ()):
            if info.name + suffix in metrics:
                errors.append(
                    SourceError(
                        file,
                        f"{info.name + suffix} is a series of the {info.type} {info.name}; remove the entry",
                        line=metrics[info.name + suffix].line,
                    )
                )
        if info.replacement and info.replacement not in metrics:
            errors.append(
                SourceError(
                    file,
                    f"replacement {info.replacement!r} is not in the registry",
                    line=info.line,
                    path=f"metrics.{info.name}.replacement",
                )
            )
    if errors:
        raise SourceErrors(errors)
    return Registry(metrics, file)
