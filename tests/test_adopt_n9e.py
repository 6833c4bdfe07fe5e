"""`adopt --group` against a real n9e (lab/n9e): the content synced from a tree adopts back as merges (nothing
written, build output identical), and an export edited in n9e adopts as a clean update of the same board,
never a second one."""

from __future__ import annotations

import filecmp
import json
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from n9e_k8s.source import init_tree

from tests.plugins.n9e_lab import N9eLab, available_versions

pytestmark = pytest.mark.n9e


@pytest.fixture(params=available_versions()[:1], scope="module")
def lab(request: pytest.FixtureRequest, n9e_lab_factory: Callable[[str], N9eLab]) -> N9eLab:
    return n9e_lab_factory(request.param)


def cli(lab: N9eLab, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "N9E_URL": lab.url,
        "N9E_TOKEN": "",
        "N9E_USERNAME": lab.username,
        "N9E_PASSWORD": lab.password,
        "N9E_DATASOURCE": lab.datasource_name or str(lab.datasource_id),
        "N9E_K8S_CONFIG": str(tmp / "no-config.yaml"),
    }
    return subprocess.run(
        [sys.executable, "-m", "n9e_k8s", *args], capture_output=True, text=True, timeout=300, env=env
    )


def same_tree(a: Path, b: Path) -> bool:
    cmp = filecmp.dircmp(a, b)
    if cmp.left_only or cmp.right_only or cmp.diff_files or cmp.funny_files:
        return False
    return all(same_tree(a / d, b / d) for d in cmp.common_dirs)


def test_adopt_group_round_trip_and_clean_update(lab: N9eLab, tmp_path: Path) -> None:
    group = f"adopt-{uuid.uuid4().hex[:10]}"
    tree = tmp_path / "tree"
    init_tree(tree)
    for board in (tree / "dashboards").glob("*.yaml"):  # n9e wants board idents unique across groups
        text = board.read_text()
        board.write_text(re.sub(r"^ident: (\S+)", rf"ident: \1-{group}", text, count=1, flags=re.M))
    for args in (["import-dashboards", "--create-group"], ["sync-alerts"]):
        done = cli(lab, tmp_path, *args, "--source", str(tree), "--group", group)
        assert done.returncode == 0, done.stdout + done.stderr
    assert cli(lab, tmp_path, "build", "--source", str(tree), "--out", str(tmp_path / "out0")).returncode == 0

    done = cli(lab, tmp_path, "adopt", "--group", group, "--into", str(tree), "--output", "json")
    assert done.returncode == 0, done.stderr
    ledger = json.loads(done.stdout)
    assert ledger["written"] == []
    assert {r["status"] for r in ledger["rows"]} == {"merged"}, [
        r for r in ledger["rows"] if r["status"] != "merged"
    ]
    n_boards = len(list((tree / "dashboards").glob("*.yaml")))
    assert n_boards >= 4 and ledger["summary"]["board"] == {"merged": n_boards}
    assert cli(lab, tmp_path, "build", "--source", str(tree), "--out", str(tmp_path / "out1")).returncode == 0
    assert same_tree(tmp_path / "out0", tmp_path / "out1")

    # A board edited in n9e (a panel removed), exported and adopted: the same board is updated.
    assert cli(lab, tmp_path, "export", "--group", group, "--out", str(tmp_path / "exp")).returncode == 0
    board_file = next((tmp_path / "exp" / "dashboards").glob(f"k8s-scheduler-{group}*.json"))
    board = json.loads(board_file.read_text())
    configs = board["configs"] if isinstance(board["configs"], dict) else json.loads(board["configs"])
    configs["panels"] = [p for p in configs["panels"] if p.get("type") == "row" or p.get("targets")][:-1]
    board["configs"] = configs
    board_file.write_text(json.dumps(board))
    done = cli(lab, tmp_path, "adopt", str(board_file), "--into", str(tree), "--output", "json")
    assert done.returncode == 0, done.stderr
    boards = [r for r in json.loads(done.stdout)["rows"] if r["kind"] == "board"]
    assert [(b["status"], "replaces" in b["detail"]) for b in boards] == [("converted", True)]
    plan = cli(
        lab, tmp_path, "import-dashboards", "--source", str(tree), "--group", group, "--dry-run", "-o", "json"
    )
    assert plan.returncode == 3, plan.stdout + plan.stderr
    counts = json.loads(plan.stdout)["summary"]["board"]
    assert (counts["create"], counts["update"], counts["unchanged"]) == (0, 1, n_boards - 1), counts
    assert cli(lab, tmp_path, "import-dashboards", "--source", str(tree), "--group", group).returncode == 0
    again = cli(
        lab, tmp_path, "import-dashboards", "--source", str(tree), "--group", group, "--dry-run", "-o", "json"
    )
    assert again.returncode == 0, again.stdout
