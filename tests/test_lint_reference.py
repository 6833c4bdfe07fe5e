"""The linter over every query of the reference dashboards (n9e's built-in Kubernetes boards and
categraf's), compared with a recorded snapshot so that any change in behaviour shows up in review.

Regenerate the snapshot after an intended change with::

    UPDATE_SNAPSHOTS=1 python3 -m pytest tests/test_lint_reference.py

and read the diff of tests/snapshots/reference-lint.json before committing it.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from n9e_k8s.lint import LintContext, lint_queries
from n9e_k8s.lint.collect import dashboard_queries

from tests.ci import updating

from .lint_helpers import context

SNAPSHOT = Path(__file__).parent / "snapshots" / "reference-lint.json"
# categraf adds an `ident` label (the host) to every series it scrapes.
AGENT_LABELS = frozenset({"ident"})


def boards(shared_dir: Path) -> list[Path]:
    ref = shared_dir / "reference"
    files = sorted((ref / "n9e-integrations/Kubernetes/dashboards").glob("*.json"))
    files += sorted((ref / "categraf-k8s").glob("*.json"))
    assert len(files) == 25, files
    return files


def lint_boards(shared_dir: Path) -> dict:
    base = context(live=True)
    # The reference boards bring their own variables: the project's selectors do not apply.
    ctx = LintContext(base.registry, None, "1.36", AGENT_LABELS)
    ref = shared_dir / "reference"
    per_board: dict[str, dict[str, int]] = {}
    findings: list[list[str]] = []
    total_queries = 0
    for path in boards(shared_dir):
        name = str(path.relative_to(ref))
        queries = dashboard_queries(json.loads(path.read_text(encoding="utf-8")), name)
        total_queries += len(queries)
        found = lint_queries(queries, ctx)
        per_board[name] = dict(sorted(Counter(f"{f.rule}/{f.severity}" for f in found).items()))
        findings += [[name, f.query_id or "", f.rule, f.severity, f.message] for f in found]
    return {"queries": total_queries, "rule_counts": per_board, "findings": sorted(findings)}


def render(snapshot: dict) -> str:
    """One finding per line, so that diffs stay readable."""
    lines = ["{", f'  "queries": {snapshot["queries"]},', '  "rule_counts": ']
    lines[-1] += (
        json.dumps(snapshot["rule_counts"], indent=2, sort_keys=True, ensure_ascii=False).replace(
            "\n", "\n  "
        )
        + ","
    )
    lines.append('  "findings": [')
    rows = [json.dumps(f, ensure_ascii=False) for f in snapshot["findings"]]
    lines += [f"    {r}," for r in rows[:-1]] + ([f"    {rows[-1]}"] if rows else [])
    lines += ["  ]", "}"]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def result(shared_dir):
    return lint_boards(shared_dir)


def test_reference_lint_matches_snapshot(result):
    text = render(result)
    if updating("UPDATE_SNAPSHOTS"):
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(text, encoding="utf-8")
    assert SNAPSHOT.is_file(), "no snapshot; run with UPDATE_SNAPSHOTS=1 to record one"
    assert json.loads(SNAPSHOT.read_text(encoding="utf-8")) == json.loads(text), (
        "linter behaviour on the reference boards changed; review and rerun with UPDATE_SNAPSHOTS=1"
    )


def _has(result, board_suffix: str, panel_part: str, rule: str) -> bool:
    return any(
        b.endswith(board_suffix) and panel_part in p and r == rule for b, p, r, _s, _m in result["findings"]
    )


def test_known_defects_of_the_reference_boards_are_found(result):
    # rate() of a gauge
    assert _has(result, "APIServer.json", "Work Queue by instance", "counter-rate")
    assert _has(result, "cm-dash.json", "WorkQueue Depth by name", "counter-rate")
    # rest_client_request_duration_seconds lost `url` in 1.24
    assert _has(result, "Scheduler.json", "Requests Latancy by url", "unknown-label")
    # an error ratio shown in milliseconds; CPU cores shown as percent
    assert _has(result, "ControllerManager.json", "Errors by verb", "unit-mismatch")
    assert _has(result, "APIServer.json", "CPU Usage by instance", "unit-mismatch")
    # `=` with a regex value
    assert _has(result, "coredns.json", "DNS Errors", "regex-in-equality")


def test_every_reference_query_parses(result):
    assert result["queries"] > 800
    assert not [f for f in result["findings"] if f[2] in ("syntax", "undefined-variable", "missing-range")]


def test_removed_metric_is_flagged_on_a_board_like_query():
    ctx = context(live=True)
    [q] = dashboard_queries(
        {
            "configs": {
                "var": [],
                "panels": [
                    {
                        "type": "row",
                        "panels": [
                            {
                                "name": "Dropped",
                                "targets": [
                                    {"refId": "A", "expr": "sum(rate(apiserver_dropped_requests_total[5m]))"}
                                ],
                            }
                        ],
                    }
                ],
            }
        }
    )
    assert q.query_id == "Dropped / A"  # panels nested in rows are found
    assert "metric-removed" in {f.rule for f in lint_queries([q], ctx)}
