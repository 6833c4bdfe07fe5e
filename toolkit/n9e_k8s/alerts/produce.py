"""The build's rule files: alerts/<c>.json, recording-rules/<c>.json, prometheus/<c>.rules.yaml and
prometheus/prometheusrule.yaml."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..project import Project
from .render import RenderOptions, render_outputs

LIST_OPTIONS = ("notify_rule_ids", "notify_channels", "notify_groups")


def produce_rules(
    project: Project, lang: str = "en", options: Mapping[str, Any] | None = None
) -> dict[str, str]:
    """``options``: RenderOptions fields (n9e_version, datasource_id, notify ids...)."""
    raw = dict(options or {})
    for key in LIST_OPTIONS:
        if key in raw:
            raw[key] = tuple(raw[key])
    return render_outputs(project.rules, RenderOptions(lang=lang, **raw))
