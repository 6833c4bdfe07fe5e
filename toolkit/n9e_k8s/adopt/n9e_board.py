"""Reader of n9e boards: the UI import/export shape, API objects (``configs`` as a JSON string) and
``n9e-k8s export`` files."""

from __future__ import annotations

import json
import re
from typing import Any

from .model import Board, Panel, Reading, Refusal, group_rows, panel_queries, panel_width
from .units import n9e_unit_of

# Our dashboard source's panel types (dashboard-source.schema.json); the others are refused.
PANEL_TYPES = {"timeseries", "stat", "table", "gauge", "barGauge", "pie", "barchart"}
LABEL_VALUES_RE = re.compile(r"label_values\(\s*(?:.*,)?\s*([A-Za-z_]\w*)\s*\)\s*$", re.S)


def is_board(data: Any) -> bool:
    return isinstance(data, dict) and "configs" in data and isinstance(data["configs"], dict | str)


def read_board(data: dict[str, Any], origin: str) -> Reading:
    reading = Reading()
    configs = data["configs"]
    if isinstance(configs, str):
        try:
            configs = json.loads(configs)
        except ValueError as exc:
            reading.refused.append(Refusal(origin, "board", f"configs is not JSON: {exc}"))
            return reading
    name = str(data.get("name") or origin)
    where = f"{origin} / {name}"
    board = Board(
        name=name,
        origin=where,
        ident=data.get("ident") or None,
        tags=_tags(data.get("tags")),
        note=str(data.get("note") or ""),
    )
    for var in configs.get("var") or []:
        _variable(var, board, reading, where)
    group_rows(
        board, configs.get("panels") or [], reading, "name", lambda p, into: _panel(p, into, reading, where)
    )
    return reading


def _tags(raw: Any) -> list[str]:
    tags = raw.split() if isinstance(raw, str) else list(raw or [])
    return list(dict.fromkeys(str(t) for t in tags if str(t).strip() and " " not in str(t)))


def _variable(var: dict[str, Any], board: Board, reading: Reading, where: str) -> None:
    name, kind = var.get("name"), var.get("type") or "query"
    if not name or kind == "datasource":
        return
    if kind in ("query", "custom", "constant"):
        m = LABEL_VALUES_RE.search(str(var.get("definition") or ""))
        board.variables[name] = m.group(1) if m else name
        return
    reading.refused.append(
        Refusal(f"{where} / ${name}", "variable", f"variable type {kind!r} is not supported")
    )


def _panel(panel: dict[str, Any], into: list[Panel], reading: Reading, where: str) -> None:
    title = str(panel.get("name") or panel.get("title") or panel.get("id") or "panel")
    here = f"{where} / {title}"
    kind = panel.get("type") or "timeseries"
    if kind not in PANEL_TYPES:
        reading.refused.append(Refusal(here, "panel", f"panel type {kind!r} is not supported"))
        return
    std = (panel.get("options") or {}).get("standardOptions") or {}
    unit, note = n9e_unit_of(std.get("util") or std.get("unit"), grafana=False)
    if note:
        reading.refused.append(Refusal(here, "unit", note))
    queries = panel_queries(panel, title, here, unit, "legend", kind != "timeseries")
    if not queries:
        reading.refused.append(Refusal(here, "panel", "no PromQL target"))
        return
    width = panel_width((panel.get("layout") or {}).get("w"))
    into.append(Panel(title, kind, queries, width, str(panel.get("description") or "")))
