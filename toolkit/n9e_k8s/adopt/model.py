"""What the readers produce: format-neutral boards, queries and rules, and what was refused."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


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


def panel_queries(
    panel: dict[str, Any], title: str, here: str, unit: str | None, legend_key: str, instant: bool
) -> list[Query]:
    """The PromQL targets of a board panel (n9e's and Grafana's share the shape: ``targets[].expr``,
    ``refId``); a target is instant when it says so or ``instant`` (the panel type shows one value)."""
    queries = []
    for i, target in enumerate(panel.get("targets") or []):
        expr = target.get("expr")
        if not isinstance(expr, str) or not expr.strip():
            continue
        ref = target.get("refId") or chr(65 + i)
        queries.append(
            Query(
                expr=expr.strip(),
                title=title,
                origin=f"{here} / {ref}",
                unit=unit,
                legend=str(target.get(legend_key) or ""),
                description=str(panel.get("description") or ""),
                instant=bool(target.get("instant")) or instant,
            )
        )
    return queries


def panel_width(width: Any) -> int | None:
    """A grid width n9e can place (1-24 columns), else None (the renderer's default)."""
    return width if isinstance(width, int) and 1 <= width <= 24 else None


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
    n9e: bool = False  # read from n9e (names are n9e's: levels carry a -<level> suffix)


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


def group_rows(
    board: Board,
    panels: list[dict[str, Any]],
    reading: Reading,
    row_title: str,
    add: Callable[[dict[str, Any], list[Panel]], None],
) -> None:
    """Panels in rows, as n9e and Grafana both lay them out: a ``row`` panel starts a row (holding its
    panels when collapsed); panels before the first row go to a row named after the board."""
    rows: list[tuple[str, list[Panel]]] = []
    current: list[Panel] | None = None
    for panel in panels:
        if panel.get("type") == "row":
            current = []
            rows.append((str(panel.get(row_title) or "Row"), current))
            for sub in panel.get("panels") or []:
                add(sub, current)
            continue
        if current is None:
            current = []
            rows.append((board.name, current))
        add(panel, current)
    board.rows = [(title, got) for title, got in rows if got]
    if board.rows:
        reading.boards.append(board)
    else:
        reading.refused.append(Refusal(board.origin, "board", "no panel could be adopted"))
