"""`lint --changed`: the queries whose source lines changed, and those that use them (as ``pint ci`` does).

Every catalog entry, rule and dashboard panel spans the lines from where it starts to where the next one of its
file starts (lines above the first belong to all of the file). A changed line picks what spans it; then
references are followed across the whole tree: a changed panel picks the catalog entries it shows, a changed
entry the ``query:`` alerts built on it, a changed recording rule the rules that read its series. A change to
config.yaml, metrics.yaml or an alert template can change any query: then everything is linted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..gitdiff import Changes
from ..project import Project
from .model import Query

# Files every query depends on.
EVERYTHING = ("promql/config.yaml", "promql/metrics.yaml")
EVERYTHING_UNDER = ("alerts/templates/",)
# What lint --changed reads of the source (the boards too: their panels name catalog entries).
CHANGED_PARTS = ("catalog", "rules", "registry", "dashboards")


def touches_everything(changes: Changes) -> bool:
    return any(p in EVERYTHING or p.startswith(EVERYTHING_UNDER) for p in changes)


def touched(items: Iterable[tuple[str, int, Any]], changes: Changes) -> list[Any]:
    """The items (file, start line, value) whose line span holds a changed line."""
    by_file: dict[str, list[tuple[int, Any]]] = {}
    for file, line, value in items:
        by_file.setdefault(file, []).append((line, value))
    out: list[Any] = []
    for file, starts in by_file.items():
        ranges = changes.get(file)
        if not ranges:
            continue
        starts.sort(key=lambda s: s[0])
        first = starts[0][0]
        if any(lo < first for lo, _ in ranges):  # the file's head (component, defaults...) changed
            out += [value for _, value in starts]
            continue
        ends = [nxt - 1 for nxt, _ in starts[1:]] + [10**9]
        for (start, value), end in zip(starts, ends, strict=True):
            if any(lo <= end and hi >= start for lo, hi in ranges):
                out.append(value)
    return out


def select_changed(project: Project, queries: list[Query], changes: Changes) -> list[Query]:
    if touches_everything(changes):
        return queries
    tree = project.tree

    def rel(file: Path | str | None) -> str:
        path = Path(file or "")
        return Path(tree.display(path)).as_posix() if path.is_absolute() else path.as_posix()

    entries = [(rel(e.file), e.line or 0, e.id) for e in project.catalog.entries]
    panels = [
        (rel(d.file), p.line or 0, p.queries)
        for d in project.dashboards
        for row in d.rows
        for p in row.panels
    ]
    rules = [*project.rules.records, *project.rules.alerts]
    ids = set(touched(entries, changes)) | {qid for qids in touched(panels, changes) for qid in qids}
    picked = {id(r) for r in touched([(rel(r.file), r.line or 0, r) for r in rules], changes)}
    picked |= {id(r) for r in project.rules.alerts if r.query in ids}
    records = [r.record for r in project.rules.records if id(r) in picked]
    if records:
        uses = re.compile(r"\b(?:" + "|".join(map(re.escape, records)) + r")\b")
        picked |= {id(r) for r in rules if uses.search(r.expr)}
    keys = {(rel(r.file), r.expr_line or r.line) for r in rules if id(r) in picked}
    return [
        q
        for q in queries
        if (q.kind == "dashboard" and q.query_id in ids)
        or (q.kind == "rule" and (rel(q.file), q.line) in keys)
    ]
