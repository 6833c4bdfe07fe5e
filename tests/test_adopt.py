"""`n9e-k8s adopt` on real content: n9e's built-in Kubernetes integration, categraf's boards and
kube-prometheus (PrometheusRule + Grafana dashboards). Each adopted tree must build and validate; every
alert of the PrometheusRule must come out of the build with the same expression; our own boards adopt
back as merges; bad input writes nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from n9e_k8s.adopt.canon import canonical
from n9e_k8s.project import load_project
from n9e_k8s.source import SourceTree

REFERENCE_SETS = ["n9e-integrations/Kubernetes", "categraf-k8s", "kube-prometheus"]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "n9e_k8s", *args], capture_output=True, text=True, timeout=300
    )


def adopt(paths: list[Path], into: Path) -> dict:
    done = cli("adopt", *map(str, paths), "--into", str(into), "--output", "json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("ref", REFERENCE_SETS)
def test_reference_set_adopts_builds_and_validates(ref: str, shared_dir: Path, tmp_path: Path) -> None:
    ledger = adopt([shared_dir / "reference" / ref], tmp_path / "tree")
    converted = sum(c.get("converted", 0) + c.get("merged", 0) for c in ledger["summary"].values())
    assert converted > 50, ledger["summary"]
    assert ledger["lint_findings"], "every reference set has findings"
    build = cli("build", "--source", str(tmp_path / "tree"), "--out", str(tmp_path / "out"))
    assert build.returncode == 0, build.stderr
    validate = cli("validate", "--source", str(tmp_path / "tree"))
    assert validate.returncode == 0, validate.stdout + validate.stderr


def test_n9e_builtin_boards_bring_their_lint_findings(shared_dir: Path, tmp_path: Path) -> None:
    boards = shared_dir / "reference/n9e-integrations/Kubernetes/dashboards"
    ledger = adopt([boards / "ControllerManager.json"], tmp_path / "tree")
    found = [f for r in ledger["rows"] for f in r["findings"]]
    assert any("counter-rate" in f and "workqueue_depth" in f for f in found), found


def test_every_prometheusrule_alert_survives_with_its_expression(shared_dir: Path, tmp_path: Path) -> None:
    source = shared_dir / "reference/kube-prometheus/kubernetesControlPlane-prometheusRule.yaml"
    ledger = adopt([source], tmp_path / "tree")
    assert cli("build", "--source", str(tmp_path / "tree"), "--out", str(tmp_path / "out")).returncode == 0
    project = load_project(SourceTree(tmp_path / "tree"), ("catalog",))
    sel = project.config
    built: dict[str, set[str]] = {}
    for file in (tmp_path / "out/prometheus").glob("*.rules.yaml"):
        for group in yaml.safe_load(file.read_text())["groups"]:
            for rule in group["rules"]:
                if "alert" in rule:
                    built.setdefault(rule["alert"], set()).add(canonical(rule["expr"], sel))
    names = {r["origin"]: r["target"] for r in ledger["rows"] if r["kind"] == "alert"}
    originals = yaml.safe_load(source.read_text())["spec"]["groups"]
    count = 0
    for group in originals:
        for rule in group["rules"]:
            if "alert" not in rule:
                continue
            count += 1
            origin = next(o for o in names if o.endswith(f"/ {group['name']} / {rule['alert']}"))
            assert canonical(rule["expr"], sel) in built[names[origin]], rule["alert"]
    assert count == 63


def test_own_board_adopts_back_as_merges(tmp_path: Path) -> None:
    assert cli("build", "--out", str(tmp_path / "out")).returncode == 0
    ledger = adopt([tmp_path / "out/dashboards/k8s-scheduler.json"], tmp_path / "tree")
    statuses = {r["status"] for r in ledger["rows"] if r["kind"] == "query"}
    assert statuses == {"merged"}, ledger["summary"]


def test_bad_input_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"configs": {"panels": [}')
    done = cli("adopt", str(bad), "--into", str(tmp_path / "tree"))
    assert done.returncode == 2
    assert "bad.json:1" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "tree").exists()
