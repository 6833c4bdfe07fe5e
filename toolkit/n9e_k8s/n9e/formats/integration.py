"""n9e's built-in metric files (an integration's ``metrics/*.json``) and their checks."""

from __future__ import annotations

from typing import Any

from ...problems import Problem

N9E_BUILTIN_METRICS = "n9e-builtin-metrics.schema.json"


def validate_metrics(obj: Any, file: str) -> list[Problem]:
    """Schema problems of a metrics file, and uuids or names used twice in it (n9e keys metrics by both)."""
    from ...schemas import validate

    problems = validate(N9E_BUILTIN_METRICS, obj, file)
    if problems or not isinstance(obj, list):
        return problems
    seen: dict[object, int] = {}
    for i, metric in enumerate(obj):
        # n9e v7 refuses a second metric with the same lang, collector, typ and name (models/builtin_metrics.go)
        name = ("name", metric["lang"], metric["collector"], metric["typ"], metric["name"])
        for key, path, what in (
            (metric["uuid"], "uuid", "uuid"),
            (name, "name", "lang, collector, typ and name"),
        ):
            if key in seen:
                problems.append(Problem(file, f"[{i}].{path}", f"same {what} as [{seen[key]}]"))
            seen.setdefault(key, i)
    return problems
