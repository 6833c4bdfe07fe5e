"""What the readers produce: format-neutral boards, queries and rules, and what was refused."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Query:
    """One target of a panel."""

    expr: str
    title: str
    origin: str  # where it came from: "file / board / panel / refId"
    unit: str | None = None  # an n9e unit (already mapped from Grafana's)
    legend: str = ""
    description: str = ""
    instant: bool = False


@dataclass
class Panel:
    title: str
    type: str  # one of the source format's panel types
    queries: list[Query]
    width: int | None = None
    description: str = ""


@dataclass
class Board:
    name: str
    origin: str
    ident: str | None = None
    tags: list[str] = field(default_factory=list)
    rows: list[tuple[str, list[Panel]]] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)  # name -> label it selects
    note: str = ""


@dataclass
class Rule:
    """An alerting (``alert`` set) or recording rule, Prometheus-shaped."""

    name: str
    expr: str
    origin: str
    alert: bool
    for_: str = "0s"
    severity: str = "warning"
    labels: dict[str, str] = field(default_factory=dict)
    summary: str = ""
    description: str = ""
    runbook_url: str = ""
    group: str = "adopted"
    notes: list[str] = field(default_factory=list)  # what was changed on the way in


@dataclass
class Refusal:
    origin: str
    kind: str  # board, panel, query, variable, alert, record, file
    reason: str


@dataclass
class Reading:
    boards: list[Board] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)

    def extend(self, other: Reading) -> None:
        self.boards += other.boards
        self.rules += other.rules
        self.refused += other.refused
