"""The n9e board format (import/export shape): detection, validation (the JSON Schema, then the rules it cannot
express; foreign boards get n9e's tolerance as warnings, our own output is checked strictly), and the checks a sync
runs before writing a board."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from ...problems import Problem, json_path
from .common import IDENT_RE, json_obj, name_problems

GRID_COLUMNS = 24


def is_board(obj: Any) -> bool:
    """Kind detection (`validate FILE`, the sync's kinds): a board has configs (alert rules have
    prom_ql/rule_config)."""
    return isinstance(obj, dict) and "configs" in obj


def board_write_problems(obj: dict[str, Any]) -> list[str]:
    """What n9e refuses (or stores broken) in a board a sync is about to write."""
    errs = name_problems(obj.get("name"), "name")
    ident = obj.get("ident") or ""
    if ident and (not IDENT_RE.match(ident) or ident.isdigit()):
        errs.append(f"ident {ident!r} must match [A-Za-z0-9-]+ and not be purely numeric")
    configs = json_obj(obj.get("configs"), None)
    if not isinstance(configs, dict):
        errs.append("configs must be a JSON object")
    elif not isinstance(configs.get("panels", []), list):
        errs.append("configs.panels must be an array")
    return errs


def iter_panels(panels: Any, prefix: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(JSON path, panel) for every panel, rows' children (folded rows) included."""
    if not isinstance(panels, list):
        return
    for i, panel in enumerate(panels):
        if not isinstance(panel, dict):
            continue
        path = f"{prefix}[{i}]"
        yield path, panel
        yield from iter_panels(panel.get("panels"), f"{path}.panels")


def _overlaps(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return (
        a["x"] < b["x"] + b["w"]
        and b["x"] < a["x"] + a["w"]
        and a["y"] < b["y"] + b["h"]
        and b["y"] < a["y"] + a["h"]
    )


def _has_layout(panel: dict[str, Any]) -> bool:
    layout = panel.get("layout")
    return isinstance(layout, dict) and all(
        isinstance(layout.get(k), int) and not isinstance(layout.get(k), bool) for k in "xywh"
    )


def check_configs(configs: dict[str, Any], file: str, prefix: str) -> list[Problem]:
    """Rules beyond the schema. Severity follows what n9e does with such a board."""
    problems: list[Problem] = []
    base = json_path(["configs"], prefix)
    version = configs.get("version")
    if isinstance(version, str) and version.split(".")[0].isdigit() and int(version.split(".")[0]) < 3:
        problems.append(
            Problem(
                file,
                f"{base}.version",
                f"configs version {version} is below 3.0.0: n9e offers to migrate the board when it is opened",
                "warning",
            )
        )
    seen: dict[str, str] = {}
    for path, panel in iter_panels(configs.get("panels"), f"{base}.panels"):
        pid = panel.get("id")
        if isinstance(pid, str) and pid:
            if pid in seen:
                problems.append(
                    Problem(file, f"{path}.id", f"duplicate panel id {pid!r} (first at {seen[pid]})")
                )
            else:
                seen[pid] = path
        layout = panel.get("layout")
        if isinstance(layout, dict):
            i = layout.get("i")
            if isinstance(i, str) and isinstance(pid, str) and i and i != pid:
                problems.append(
                    Problem(
                        file,
                        f"{path}.layout.i",
                        f"layout.i {i!r} differs from the panel id {pid!r} (n9e tolerates it)",
                        "warning",
                    )
                )
            if _has_layout(panel) and layout["x"] + layout["w"] > GRID_COLUMNS:
                problems.append(
                    Problem(
                        file,
                        f"{path}.layout",
                        f"x + w = {layout['x'] + layout['w']} goes past the {GRID_COLUMNS}-column grid",
                    )
                )
        targets = panel.get("targets")
        if isinstance(targets, list):
            refs = [t.get("refId") for t in targets if isinstance(t, dict) and t.get("refId")]
            for ref in sorted({r for r in refs if refs.count(r) > 1}):
                problems.append(
                    Problem(
                        file, f"{path}.targets", f"refId {ref!r} is used by more than one target", "warning"
                    )
                )
    top = [
        (f"{base}.panels[{i}]", p)
        for i, p in enumerate(configs.get("panels") or [])
        if isinstance(p, dict) and _has_layout(p)
    ]
    for a in range(len(top)):
        for b in range(a + 1, len(top)):
            if _overlaps(top[a][1]["layout"], top[b][1]["layout"]):
                problems.append(
                    Problem(
                        file,
                        f"{top[b][0]}.layout",
                        f"overlaps {top[a][0]} (n9e's grid pushes one of them down)",
                        "warning",
                    )
                )
    names = [v.get("name") for v in configs.get("var") or [] if isinstance(v, dict)]
    for name in sorted({n for n in names if isinstance(n, str) and names.count(n) > 1}):
        problems.append(Problem(file, f"{base}.var", f"variable {name!r} is defined more than once"))
    return problems


def validate_board(obj: Any, file: str, prefix: str = "", strict: bool = False) -> list[Problem]:
    """Schema + extra rules. ``strict`` (our own output) turns every warning into an error."""
    from ...schemas import N9E_BOARD, validate

    configs = obj.get("configs") if isinstance(obj, dict) else None
    problems: list[Problem] = []
    if isinstance(configs, str):
        try:
            configs = json.loads(configs)
        except json.JSONDecodeError as exc:
            where = json_path(["configs"], prefix)
            problems.append(
                Problem(file, where, f"configs is a string but not JSON: {exc.msg} at char {exc.pos}")
            )
        else:
            obj = {**obj, "configs": configs}
    problems = validate(N9E_BOARD, obj, file, prefix) + problems
    if isinstance(configs, dict):
        problems += check_configs(configs, file, prefix)
    if strict:
        problems = [Problem(p.file, p.path, p.message, "error", p.line) for p in problems]
    return problems
