"""Data passed between the collectors, the rules and the output of `n9e-k8s lint`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from ..registry import DEFAULT_VERSION

if TYPE_CHECKING:
    from ..registry import Registry
    from ..selectors import Selectors
    from .variables import Substitution

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    message: str
    file: str | None = None
    line: int | None = None
    index: int | None = None  # position of an `--expr` on the command line
    query_id: str | None = None

    def location(self) -> str:
        if self.file:
            return f"{self.file}:{self.line}" if self.line else self.file
        if self.index is not None:
            return f"--expr[{self.index}]"
        return "<query>"

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "index": self.index,
            "query_id": self.query_id,
        }

    def sort_key(self) -> tuple[Any, ...]:
        return (
            self.file or "",
            self.line or 0,
            self.index if self.index is not None else -1,
            self.query_id or "",
            SEVERITIES.index(self.severity),
            self.rule,
            self.message,
        )


@dataclass
class Query:
    """One PromQL expression to lint, with where it came from."""

    expr: str
    origin: str  # e.g. "catalog apiserver.qps", "dashboard apiserver / Latency", "alert ..."
    file: str | None = None
    line: int | None = None
    unit: str | None = None  # n9e unit name of the panel/entry, when shown somewhere
    variables: dict[str, str] = field(default_factory=dict)  # name -> label|duration|number|text
    ignore: dict[str, str] = field(default_factory=dict)  # rule id -> reason
    index: int | None = None
    query_id: str | None = None
    kind: Literal["dashboard", "rule"] = "dashboard"


@dataclass
class LintContext:
    registry: Registry
    selectors: Selectors | None = None
    k8s_version: str = DEFAULT_VERSION
    # Labels the scraper adds to every series besides job/instance/the cluster label
    # (e.g. categraf's ``ident``); they never count as unknown.
    extra_labels: frozenset[str] = frozenset()
    # Series recorded by the source's own recording rules: known, though not in the registry.
    recorded: frozenset[str] = frozenset()

    @property
    def cluster_label(self) -> str | None:
        return self.selectors.cluster_label if self.selectors else None


@dataclass
class Parsed:
    """A query after variable substitution and parsing. ``ast`` is None when parsing failed."""

    query: Query
    substitution: Substitution
    ast: Any = None
    error: str | None = None
    known_variables: tuple[str, ...] = ()  # every variable the query may use
