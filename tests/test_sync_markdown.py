"""`import-dashboards` / `sync-alerts --dry-run --output markdown`: the plan as a PR comment, exit codes as
for the other outputs (3 = changes pending). Against the lab n9e (the default version, v6.7.3)."""

from __future__ import annotations

import json
import re
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from n9e_k8s.cli import _register_all, app
from n9e_k8s.sync.engine import Report
from n9e_k8s.sync.markdown import fenced, plan_markdown
from n9e_k8s.sync.plan import Action, Plan
from typer.testing import CliRunner

from tests.plugins.n9e_lab import N9eLab, available_versions


def test_markdown_tables_escape_and_fences_outgrow_backticks() -> None:
    plan = Plan(
        [
            Action(
                "board", "a|b", "update", reason="changed", diff="--- n9e/x\n+++ source/x\n-  ```\n+  ````"
            ),
            Action("alert-rule", "r1", "unchanged"),
            Action("alert-rule", "r2", "create"),
        ]
    )
    text = plan_markdown(Report(1, "g", "6.7.3", plan, dry_run=True))
    assert "| board | 0 | 1 | 0 | 0 | 0 | 0 |" in text
    assert "| alert-rule | 1 | 0 | 0 | 1 | 0 | 0 |" in text
    assert "**2 change(s) pending** (exit code 3)" in text
    assert "| ~ | update | board | `a\\|b` | changed |" in text
    assert "| + | create | alert-rule | `r2` |  |" in text
    assert "r1" not in text  # unchanged objects are counted, not listed
    assert "`````diff\n--- n9e/x" in text  # a fence longer than the diff's own backtick runs
    assert fenced("x", "diff") == "```diff\nx\n```"


@pytest.mark.n9e
def test_dry_run_markdown_against_n9e(
    n9e_lab_factory: Callable[[str], N9eLab], tmp_path: Path, repo_root: Path
) -> None:
    lab = n9e_lab_factory(available_versions()[0])
    _register_all()
    group = f"md-{uuid.uuid4().hex[:10]}"
    env = {
        "N9E_URL": "",
        "N9E_BASE_URL": lab.url,  # the alias works end to end
        "N9E_TOKEN": lab.token,
        "N9E_GROUP": group,
        "N9E_DATASOURCE": str(lab.datasource_id),
        "N9E_K8S_CONFIG": str(tmp_path / "none.yaml"),
        "N9E_K8S_SOURCE": "",
    }
    runner = CliRunner()
    res = runner.invoke(app, ["sync-alerts", "--create-group", "--dry-run", "-o", "markdown"], env=env)
    assert res.exit_code == 3, res.output
    md = res.stdout
    assert md.startswith(f"### n9e-k8s → {group} (n9e ") and "dry run, nothing written" in md
    creates = re.findall(r"^\| \+ \| create \| (alert-rule|recording-rule) \| `", md, re.M)
    assert len(creates) == len(set(re.findall(r"^\| \+ \| create \| [^|]+ \| `([^`]+)`", md, re.M))) > 20
    assert "```diff" not in md  # nothing to update yet
    res = runner.invoke(app, ["sync-alerts", "--create-group", "-o", "json"], env=env)
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["sync-alerts", "--dry-run", "-o", "markdown"], env=env)
    assert res.exit_code == 0, res.output
    assert "**No changes.** (exit code 0)" in res.stdout
    # One changed rule: an update with its diff.
    source = tmp_path / "src"
    for part in ("promql", "dashboards", "alerts"):
        shutil.copytree(repo_root / part, source / part)
    rules = source / "alerts/scheduler.yaml"
    rules.write_text(rules.read_text(encoding="utf-8").replace("for: 15m", "for: 16m", 1), encoding="utf-8")
    res = runner.invoke(app, ["sync-alerts", "--dry-run", "-o", "markdown", "--source", str(source)], env=env)
    assert res.exit_code == 3, res.output
    md = res.stdout
    assert "**1 change(s) pending** (exit code 3)" in md
    assert re.search(r"^\| ~ \| update \| alert-rule \| `[^`]+` \|", md, re.M)
    diff = md.split("```diff\n", 1)[1].split("\n```", 1)[0]
    assert "-" in diff and "+" in diff and ("960" in diff or "16m" in diff), diff
    assert (
        json.loads(runner.invoke(app, ["sync-alerts", "--dry-run", "-o", "json"], env=env).stdout)[
            "exit_code"
        ]
        == 0
    )
