"""n9e's built-in metric files (an integration's ``metrics/*.json``) and their checks."""

from __future__ import annotations

from typing import Any

from ...problems import Problem

N9E_BUILTIN_METRICS = "n9e-builtin-metrics.schema.json"


def validate_metrics(obj: Any, file: str) -> list[Problem]:
    """Schema problems of a metrics file, and uuids used twice in it (n9e keys metrics by uuid)."""
    from ...schemas import validate

    problems = validate(N9E_BUILTIN_METRICS, obj, file)
    if problems or not isinstance(obj, list):
        return problems
    seen: dict[int, int] = {}
    for i, metric in enumerate(obj):
        if metric["uuid"] in seen:
            problems.append(Problem(file, f"[{i}].uuid", f"same uuid as [{seen[metric['uuid']]}]"))
        seen.setdefault(metric["uuid"], i)
    return problems
