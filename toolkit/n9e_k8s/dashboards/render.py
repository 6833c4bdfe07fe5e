"""Dashboard source -> n9e board (import shape, configs 3.0.0) in the format of the target n9e's own UI.

Choices, with the n9e/fe code they follow (see docs/dashboards.md):
* configs ``version: "3.0.0"``; the panels as the target's UI writes them (``ServerFeatures.board_format``):
  ``3.0.0`` with ``standardOptions.util`` for v6-v8 (the default), ``3.4.0`` with ``unit`` for v9;
* every panel queries ``${datasource}``, a ``datasource`` variable of cate prometheus;
* rows are ``collapsed: true`` (n9e's "expanded") with their panels following at top level;
* panel ids are UUIDv5 of ``<ident>/<panel key>``: stable across builds, ``layout.i`` equals the id;
* custom variables list their default first, because v7 selects the first option.
"""

from __future__ import annotations

import uuid
from typing import Any

from ..catalog import Catalog, CatalogEntry
from ..n9e.versions import BoardFormat, board_format_for
from ..selectors import Selectors
from ..textio import stable_json
from .layout import COLUMNS, DEFAULT_SIZE, pack
from .source import DashboardSpec, PanelSpec, RowSpec, used_variables
from .units import n9e_unit

CONFIGS_VERSION = "3.0.0"
ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/n9e-k8s/dashboards")
DATASOURCE = {"cate": "prometheus", "value": "${datasource}"}
DEFAULT_DECIMALS = 2
BASE_COLOR = "#6C53B1"  # n9e/fe PRIMARY_COLOR, the default base threshold
GAUGE_STEPS = [
    {"color": "#3FC453", "type": "base", "value": None},
    {"color": "#FF9919", "value": 60},
    {"color": "#FF656B", "value": 80},
]

# n9e/fe Editor/config.tsx defaultCustomValuesMap (v7.7.0), per panel type.
CUSTOM_DEFAULTS: dict[str, dict[str, Any]] = {
    "timeseries": {
        "drawStyle": "lines", "lineInterpolation": "smooth", "lineWidth": 2, "fillOpacity": 0.01,
        "gradientMode": "none", "stack": "off", "scaleDistribution": {"type": "linear"},
        "showPoints": "none", "pointSize": 5,
    },
    "stat": {
        "textMode": "valueAndName", "colorMode": "value", "calc": "lastNotNull", "valueField": "Value",
        "colSpan": 0, "orientation": "auto", "textSize": {},
    },
    "table": {
        "showHeader": True, "colorMode": "value", "calc": "lastNotNull", "displayMode": "seriesToRows",
        "tableLayout": "auto", "nowrap": True,
    },
    "gauge": {"textMode": "valueAndName", "calc": "lastNotNull", "valueField": "Value"},
    "barGauge": {
        "calc": "lastNotNull", "valueField": "Value", "displayMode": "basic", "serieWidth": 20,
        "sortOrder": "desc", "otherPosition": "none",
    },
    "pie": {
        "textMode": "valueAndName", "colorMode": "value", "calc": "lastNotNull", "valueField": "Value",
        "textSize": {}, "legengPosition": "right",
    },
    "barchart": {"calc": "lastNotNull", "valueField": "Value"},
}  # fmt: skip


def panel_id(ident: str, key: str) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, f"{ident}/{key}"))


def row_id(ident: str, key: str) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, f"{ident}/row/{key}"))


def panel_type(panel: PanelSpec, entries: list[CatalogEntry]) -> str:
    return panel.overrides.get("type") or ("stat" if all(e.instant for e in entries) else "timeseries")


def panel_size(panel: PanelSpec, ptype: str) -> tuple[int, int]:
    width, height = DEFAULT_SIZE[ptype]
    return panel.overrides.get("width", width), panel.overrides.get("height", height)


def _thresholds(panel: PanelSpec, ptype: str) -> dict[str, Any]:
    raw = panel.overrides.get("thresholds")
    if not raw:
        return {
            "steps": GAUGE_STEPS
            if ptype == "gauge"
            else [{"color": BASE_COLOR, "type": "base", "value": None}]
        }
    steps = []
    for step in raw:
        value = step.get("value")
        steps.append(
            {"color": step["color"], "type": "base", "value": None}
            if value is None
            else {"color": step["color"], "value": value}
        )
    if not any(s.get("type") == "base" for s in steps):
        steps.insert(0, {"color": BASE_COLOR, "type": "base", "value": None})
    return {"steps": steps}


def _target(
    index: int, entry: CatalogEntry, selectors: Selectors, ptype: str, lang: str, several: bool
) -> dict[str, Any]:
    legend = entry.legend.get(lang) or (entry.title.get(lang) if several else "")
    target: dict[str, Any] = {
        "refId": chr(ord("A") + index),
        "expr": entry.board_expr(selectors),
        "legend": legend,
    }
    if entry.instant and ptype != "timeseries":
        target["instant"] = True
    return target


def render_panel(
    spec: DashboardSpec,
    panel: PanelSpec,
    catalog: Catalog,
    selectors: Selectors,
    lang: str,
    fmt: BoardFormat | None = None,
) -> dict[str, Any]:
    """One panel without its layout."""
    entries = [catalog.get(q) for q in panel.queries]
    o = panel.overrides
    ptype = panel_type(panel, entries)
    title = o["title"][lang] if "title" in o else entries[0].title.get(lang)
    if "description" in o:
        description = o["description"][lang]
    else:
        description = "\n".join(e.description.get(lang) for e in entries)
    # n9e/fe valueFormatter rounds to `decimals` (integers stay integers); without it the byte and
    # time converters print every digit (`302.791595 MiB`).
    fmt = fmt or board_format_for()
    standard: dict[str, Any] = {
        fmt.unit_key: n9e_unit(o.get("unit") or entries[0].unit),
        "decimals": DEFAULT_DECIMALS,
    }
    for key in ("decimals", "min", "max"):
        if key in o:
            standard[key] = o[key]
    options: dict[str, Any] = {
        "standardOptions": standard,
        "thresholds": _thresholds(panel, ptype),
        "valueMappings": [],
    }
    if ptype in ("timeseries", "pie", "barchart") or "legend" in o:
        options["legend"] = {"displayMode": o.get("legend", "list"), "placement": "bottom"}
    if ptype in ("timeseries", "barchart"):
        options["tooltip"] = {"mode": "all", "sort": "desc"}
    for m in o.get("mappings") or []:
        result = {"text": m["text"][lang], **({"color": m["color"]} if "color" in m else {})}
        options["valueMappings"].append(
            {"type": "special", "match": {"special": m["value"]}, "result": result}
        )
    custom = dict(CUSTOM_DEFAULTS[ptype])
    if ptype == "timeseries" and o.get("stack"):
        custom["stack"] = "normal"
    if ptype == "stat" and not any(e.legend.en for e in entries):
        custom["textMode"] = "value"
    several = len(entries) > 1
    return {
        "type": ptype,
        "id": panel_id(spec.ident, panel.key),
        "version": fmt.panel_version,
        "name": title,
        "description": description,
        "datasourceCate": "prometheus",
        "datasourceValue": "${datasource}",
        "targets": [_target(i, e, selectors, ptype, lang, several) for i, e in enumerate(entries)],
        "options": options,
        "custom": custom,
        "overrides": [{}],
        "links": [],
        "maxPerRow": 4,
    }


def _row_panel(spec: DashboardSpec, row: RowSpec, lang: str, y: int, fmt: BoardFormat) -> dict[str, Any]:
    rid = row_id(spec.ident, row.key)
    extras = {"version": fmt.panel_version, "overrides": []} if fmt.row_extras else {}
    return {
        **extras,
        "type": "row",
        "id": rid,
        "name": row.title.get(lang),
        "collapsed": True,  # n9e: true = expanded, the row's panels follow at top level
        "panels": [],
        "layout": {"x": 0, "y": y, "w": COLUMNS, "h": 1, "i": rid, "isResizable": False},
    }


DATASOURCE_LABEL = {"en": "Datasource", "zh": "数据源"}


def _label_variable(name: str, definition: str, single: bool) -> dict[str, Any]:
    """A query variable over label values; ``single``: one value at a time, no "All"."""
    out: dict[str, Any] = {"name": name, "type": "query", "definition": definition}
    if single:
        out |= {"multi": False, "allOption": False}
    else:
        out |= {"multi": True, "allOption": True, "allValue": ".*"}
    return out | {"reg": "", "hide": False, "datasource": DATASOURCE}


def render_variables(
    spec: DashboardSpec, exprs: list[str], selectors: Selectors, lang: str = "en"
) -> list[dict[str, Any]]:
    """datasource, the dashboard filters (each cascading from the previous ones), then the other
    variables the board's queries use, in config.yaml order.

    The cluster filter is single-select without "All": every panel aggregates the cluster label away
    (a quantile or a ratio over several clusters means nothing), so a board shows one cluster at a
    time. With no cluster label at all n9e selects "" and ``cluster=~""`` matches the unlabelled series.
    Custom variables carry ``defaultValue``: n9e v8/v9 sort the options and would open at the first."""
    out: list[dict[str, Any]] = [
        {
            "name": "datasource",
            "label": DATASOURCE_LABEL[lang],
            "type": "datasource",
            "definition": "prometheus",
            "hide": False,
        }
    ]
    matchers = [selectors.job_matcher(spec.component)]
    for label, var in selectors.dashboard_filters.items():
        definition = f"label_values(up{{{', '.join(matchers)}}}, {label})"
        out.append(_label_variable(var, definition, single=label == selectors.cluster_label))
        matchers.append(f'{label}=~"${var}"')
    used = set().union(*(used_variables(e) for e in exprs)) - set(selectors.dashboard_filters.values())
    for name, var in selectors.variables.items():
        if name not in used:
            continue
        if var.kind == "label":
            component = var.component if var.component in selectors.jobs else spec.component
            metric = var.metric or "up"
            definition = (
                f"label_values({metric}{{{selectors.selector(component, 'dashboard')}}}, {var.label or name})"
            )
            out.append(_label_variable(name, definition, single=False))
        elif var.kind == "text":
            out.append(
                {
                    "name": name,
                    "type": "textbox",
                    "definition": "",
                    "defaultValue": var.default,
                    "hide": False,
                }
            )
        else:  # duration, number: a fixed list, the default first (n9e v7 selects the first option)
            options = [var.default, *(o for o in var.options if o != var.default)]
            out.append(
                {
                    "name": name,
                    "type": "custom",
                    "definition": ",".join(options),
                    "defaultValue": var.default,
                    "multi": False,
                    "allOption": False,
                    "hide": False,
                }
            )
    for item in out[1:]:
        title = (
            selectors.variables[item["name"]].title_for(lang) if item["name"] in selectors.variables else None
        )
        if title:
            item["label"] = title
    return out


def render_board(
    spec: DashboardSpec,
    catalog: Catalog,
    selectors: Selectors,
    lang: str = "en",
    fmt: BoardFormat | None = None,
) -> dict[str, Any]:
    """The board in n9e's import shape {name, ident, tags, note, configs}, panels in ``fmt`` (default: v6-v8)."""
    fmt = fmt or board_format_for()
    panels: list[dict[str, Any]] = []
    exprs: list[str] = []
    y = 0
    for row in spec.rows:
        panels.append(_row_panel(spec, row, lang, y, fmt))
        y += 1
        rendered = [render_panel(spec, p, catalog, selectors, lang, fmt) for p in row.panels]
        sizes = [panel_size(p, r["type"]) for p, r in zip(row.panels, rendered, strict=True)]
        positions, y = pack(sizes, y)
        for r, (w, h), (x, py) in zip(rendered, sizes, positions, strict=True):
            r["layout"] = {"x": x, "y": py, "w": w, "h": h, "i": r["id"], "isResizable": True}
            exprs += [t["expr"] for t in r["targets"]]
            panels.append(r)
    configs = {
        "version": CONFIGS_VERSION,
        "links": [],
        "var": render_variables(spec, exprs, selectors, lang),
        "panels": panels,
    }
    return {
        "name": spec.name.get(lang),
        "ident": spec.ident,
        "tags": " ".join(spec.tags),
        "note": spec.note.get(lang) if spec.note else "",
        "configs": configs,
    }


def board_json(board: dict[str, Any]) -> str:
    """The exact bytes written for a board (stable: sorted keys, fixed indentation)."""
    return stable_json(board)
