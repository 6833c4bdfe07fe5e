"""Reader of Grafana dashboard JSON (the model as exported, or ``{"dashboard": ...}`` from the API)."""

from __future__ import annotations

import re
from typing import Any

from .model import Board, Panel, Reading, Refusal, group_rows, panel_queries, panel_width
from .units import n9e_unit_of

PANEL_TYPES = {
    "timeseries": "timeseries",
    "graph": "timeseries",
    "stat": "stat",
    "singlestat": "stat",
    "gauge": "gauge",
    "bargauge": "barGauge",
    "piechart": "pie",
    "table": "table",
    "barchart": "barchart",
}
LABEL_VALUES_RE = re.compile(r"label_values\(\s*(?:.*,)?\s*([A-Za-z_]\w*)\s*\)\s*$", re.S)


def is_grafana(data: Any) -> bool:
    if isinstance(data, dict) and isinstance(data.get("dashboard"), dict):
        data = data["dashboard"]
    return isinstance(data, dict) and "panels" in data and ("schemaVersion" in data or "templating" in data)


def read_grafana(data: dict[str, Any], origin: str) -> Reading:
    if isinstance(data.get("dashboard"), dict):
        data = data["dashboard"]
    reading = Reading()
    name = str(data.get("title") or origin)
    where = f"{origin} / {name}"
    board = Board(name=name, origin=where, tags=[t for t in data.get("tags") or [] if " " not in t])
    for var in (data.get("templating") or {}).get("list") or []:
        _variable(var, board, reading, where)
    group_rows(
        board, data.get("panels") or [], reading, "title", lambda p, into: _panel(p, into, reading, where)
    )
    return reading


def _variable(var: dict[str, Any], board: Board, reading: Reading, where: str) -> None:
    name, kind = var.get("name"), var.get("type")
    if not name or kind == "datasource":
        return
    query = var.get("query")
    if isinstance(query, dict):
        query = query.get("query")
    if kind == "query":
        m = LABEL_VALUES_RE.search(str(query or ""))
        if m:
            board.variables[name] = m.group(1)
            return
    if kind in ("custom", "constant"):
        board.variables[name] = name
        return
    reading.refused.append(
        Refusal(f"{where} / ${name}", "variable", f"templating {kind!r} ({query!r}) is not supported by n9e")
    )


def _panel(panel: dict[str, Any], into: list[Panel], reading: Reading, where: str) -> None:
    title = str(panel.get("title") or panel.get("id") or "panel")
    here = f"{where} / {title}"
    kind = PANEL_TYPES.get(str(panel.get("type")))
    if kind is None:
        reading.refused.append(
            Refusal(here, "panel", f"panel type {panel.get('type')!r} has no n9e equivalent")
        )
        return
    if panel.get("transformations"):
        names = ", ".join(str(t.get("id")) for t in panel["transformations"])
        reading.refused.append(
            Refusal(here, "panel", f"Grafana transformations ({names}) have no n9e equivalent")
        )
        return
    defaults = (panel.get("fieldConfig") or {}).get("defaults") or {}
    unit, note = n9e_unit_of(defaults.get("unit") or panel.get("format"), grafana=True)
    if note:
        reading.refused.append(Refusal(here, "unit", note))
    queries = panel_queries(
        panel, title, here, unit, "legendFormat", kind in ("stat", "gauge", "barGauge", "pie", "table")
    )
    if not queries:
        reading.refused.append(Refusal(here, "panel", "no PromQL target"))
        return
    into.append(Panel(title, kind, queries, panel_width((panel.get("gridPos") or {}).get("w"))))
