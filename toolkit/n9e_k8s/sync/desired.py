"""Desired objects for a sync: rendered in memory from the source tree (the same render functions as
`n9e-k8s build`), or read from a build output directory (``--from-build``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import SourceError, SourceErrors, UsageError
from .engine import Desired
from .handlers import handler_class

if TYPE_CHECKING:
    from ..project import Project


# What a sync reads of the source.
SYNC_PARTS = ("catalog", "dashboards", "rules")


def boards_from_source(
    project: Project, lang: str, n9e_version: tuple[int, int, int] | None = None
) -> list[Desired]:
    """The boards in the format of the server's own UI (``ServerFeatures.board_format``)."""
    from ..dashboards.produce import render_boards

    boards = render_boards(project, lang, n9e_version)
    return [Desired(board, project.tree.display(spec.file)) for spec, board in boards]


def rules_from_source(
    project: Project, lang: str, n9e_version: tuple[int, int, int]
) -> tuple[list[Desired], list[Desired]]:
    """(alert rules, recording rules). The datasource is set later by the sync (``--datasource``).

    The renderer's ``n9e_version`` comes from ``ServerFeatures.alert_render_version`` (v6 renders as v7: the same
    notification fields); the fields a version lacks or names differently (v6: ``datasource_ids``, no
    ``cron_pattern``) are left out or converted by the sync handlers."""
    from ..alerts.render import RenderOptions, n9e_alert_rules, n9e_recording_rules
    from ..n9e.versions import ServerFeatures

    rules = project.rules
    options = RenderOptions(lang=lang, n9e_version=ServerFeatures.of(n9e_version).alert_render_version)
    alerts: list[Desired] = []
    records: list[Desired] = []
    for component in rules.components:
        origin = f"alerts ({component})"
        alerts += [Desired(r, origin) for r in n9e_alert_rules(rules, component, options)]
        records += [Desired(r, origin) for r in n9e_recording_rules(rules, component, options)]
    return alerts, records


def _read_json(path: Path, errors: list[SourceError]) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        errors.append(SourceError(str(path), f"cannot read: {exc}"))
    except json.JSONDecodeError as exc:
        errors.append(SourceError(str(path), f"not valid JSON: {exc.msg}", line=exc.lineno))
    except RecursionError:
        errors.append(SourceError(str(path), "nested too deeply"))
    return None


def from_build(root: Path, kinds: list[str]) -> dict[str, list[Desired]]:
    """Objects from a `n9e-k8s build` output: dashboards/*.json (one board each), alerts/*.json and
    recording-rules/*.json (arrays). An `n9e-k8s export` directory has the same layout and works too
    (alert-rules/*.json hold one rule each there)."""
    if not root.is_dir():
        raise UsageError(f"{root}: no such build directory")
    errors: list[SourceError] = []
    out: dict[str, list[Desired]] = {k: [] for k in kinds}
    for kind in kinds:
        for d in handler_class(kind).build_folders:
            for path in sorted((root / d).glob("*.json")):
                data = _read_json(path, errors)
                if data is None:
                    continue
                items = data if isinstance(data, list) else [data]
                for i, item in enumerate(items):
                    if not isinstance(item, dict):
                        errors.append(SourceError(str(path), "expected a JSON object", path=f"[{i}]"))
                        continue
                    out[kind].append(Desired(item, str(path)))
    if errors:
        raise SourceErrors(errors)
    return out
