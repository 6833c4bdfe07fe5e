"""`lint --changed [--base REF]` in a real git repository: only what changed, and what uses it."""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import typer
from n9e_k8s.commands import lint as lint_cmd
from n9e_k8s.gitdiff import parse_diff
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

# A `query:` alert built on a catalog entry: it uses apiserver.qps.
EXTRA_ALERTS = """\
component: apiserver
groups:
  - name: extra
    rules:
      - alert: APIServerQPSHigh
        query: apiserver.qps
        op: '>'
        threshold: 1000
        for: 5m
        severity: warning
        summary: {en: QPS high, zh: QPS 高}
        description: {en: QPS high, zh: QPS 高}
        runbook_url: https://example.invalid/runbook
        tests:
          fires:
            eval_time: 10m
            series:
              'apiserver_request_total{%(job)s, cluster="c1", instance="a:6443", verb="GET"}': '0+100000x20'
            expect:
              - {labels: {}}
          silent:
            eval_time: 10m
            series:
              'apiserver_request_total{%(job)s, cluster="c1", instance="a:6443", verb="GET"}': '0+1x20'
"""


def git(repo: Path, *args: str) -> str:
    env = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
    }
    import os

    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env={**os.environ, **env}
    ).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    for part in ("promql", "dashboards", "alerts"):
        shutil.copytree(REPO / part, tmp_path / part)
    (tmp_path / "alerts/extra.yaml").write_text(EXTRA_ALERTS, encoding="utf-8")
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "source")
    git(tmp_path, "checkout", "-qb", "change")
    return tmp_path


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer()
    app.callback()(lambda: None)  # a group, so that the command is named on the command line
    lint_cmd.register(app)
    return app


def linted(app: typer.Typer, repo: Path, *extra: str) -> list[str]:
    """The names of the queries `lint --changed` checked (its JUnit cases)."""
    res = CliRunner().invoke(
        app,
        ["lint", "--source", str(repo), "--changed", "--format", "junit", *extra],
        env={"N9E_K8S_SOURCE": ""},
    )
    assert res.exit_code in (0, 1), res.output
    return sorted(c.get("name") for c in ET.fromstring(res.stdout).iter("testcase"))


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_nothing_changed_lints_nothing(app: typer.Typer, repo: Path) -> None:
    assert linted(app, repo) == []


def test_a_changed_entry_lints_it_and_the_alert_that_uses_it(app: typer.Typer, repo: Path) -> None:
    edit(
        repo / "promql/apiserver.yaml", "[$interval]))'", "[$interval])) * 1'"
    )  # apiserver.qps, the 1st such
    assert linted(app, repo) == [
        "alert APIServerQPSHigh",
        "catalog apiserver.qps",
        "catalog apiserver.qps (recorded)",
    ]


def test_a_committed_change_on_a_branch_counts_against_main(app: typer.Typer, repo: Path) -> None:
    edit(repo / "promql/apiserver.yaml", "[$interval]))'", "[$interval])) * 1'")
    git(repo, "commit", "-qam", "edit")
    assert linted(app, repo) == [
        "alert APIServerQPSHigh",
        "catalog apiserver.qps",
        "catalog apiserver.qps (recorded)",
    ]
    assert linted(app, repo, "--base", "HEAD") == []


def test_a_changed_panel_lints_the_entries_it_shows(app: typer.Typer, repo: Path) -> None:
    edit(
        repo / "dashboards/apiserver.yaml",
        "queries: [apiserver.inflight_read, apiserver.inflight_write]",
        "queries: [apiserver.inflight_write, apiserver.inflight_read]",
    )
    assert linted(app, repo) == ["catalog apiserver.inflight_read", "catalog apiserver.inflight_write"]


def test_a_changed_recording_rule_lints_the_rules_reading_its_series(app: typer.Typer, repo: Path) -> None:
    edit(
        repo / "alerts/apiserver.yaml",
        "increase(apiserver_request_total{",
        "increase(apiserver_request_total{ ",
    )
    names = linted(app, repo)
    assert "record cluster_verb:apiserver_request_total:increase1h" in names
    readers = [n for n in names if not n.startswith("record cluster_verb:apiserver_request_total:increase1h")]
    assert readers, names  # the rules built on that series came along
    assert all(not n.startswith("catalog ") for n in names)


def test_config_or_registry_change_lints_everything(app: typer.Typer, repo: Path) -> None:
    with (repo / "promql/metrics.yaml").open("a", encoding="utf-8") as f:
        f.write("# a comment\n")
    all_queries = linted(app, repo)
    assert len(all_queries) > 100


def test_not_a_git_repository_is_a_usage_error(app: typer.Typer, tmp_path: Path) -> None:
    for part in ("promql", "dashboards", "alerts"):
        shutil.copytree(REPO / part, tmp_path / part)
    res = CliRunner().invoke(
        app, ["lint", "--source", str(tmp_path), "--changed"], env={"N9E_K8S_SOURCE": ""}
    )
    assert res.exit_code == 2
    assert "is not in a git repository" in res.output


def test_an_unknown_base_is_a_usage_error(app: typer.Typer, repo: Path) -> None:
    res = CliRunner().invoke(
        app, ["lint", "--source", str(repo), "--changed", "--base", "nope"], env={"N9E_K8S_SOURCE": ""}
    )
    assert res.exit_code == 2
    assert "--base nope: no such commit" in res.output


def test_parse_diff_new_side_ranges_and_deletions() -> None:
    diff = (
        "diff --git a/x.yaml b/x.yaml\n--- a/x.yaml\n+++ b/x.yaml\n"
        "@@ -3 +3 @@\n-a\n+b\n@@ -10,2 +9,0 @@\n-c\n-d\n@@ -20,0 +19,3 @@\n+e\n+f\n+g\n"
        "diff --git a/gone.yaml b/gone.yaml\n--- a/gone.yaml\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n"
    )
    assert parse_diff(diff) == {"x.yaml": [(3, 3), (9, 10), (19, 21)]}
