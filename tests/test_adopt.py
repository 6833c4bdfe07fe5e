"""`n9e-k8s adopt` on real content: n9e's built-in Kubernetes integration, categraf's boards and
kube-prometheus (PrometheusRule + Grafana dashboards). Each adopted tree must build and validate; every
alert of the PrometheusRule must come out of the build with the same expression; our own boards adopt
back as merges; bad input writes nothing."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from n9e_k8s.adopt.canon import canonical
from n9e_k8s.project import load_project
from n9e_k8s.source import SourceTree
from n9e_k8s.source import init_tree as init_source

from .adopt_promtool_input import series_for
from .promtool_util import unit_test_failures

REFERENCE_SETS = ["n9e-integrations/Kubernetes", "categraf-k8s", "kube-prometheus"]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "n9e_k8s", *args], capture_output=True, text=True, timeout=300
    )


def adopt(paths: list[Path], into: Path) -> dict:
    done = cli("adopt", *map(str, paths), "--into", str(into), "--output", "json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@dataclass
class Adopted:
    tree: Path
    out: Path
    ledger: dict


@pytest.fixture(scope="module")
def adopted(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Adopted]:
    """Each reference set adopted into a new tree and built, once per module."""
    done: dict[str, Adopted] = {}

    def get(ref: str) -> Adopted:
        if ref not in done:
            base = tmp_path_factory.mktemp(ref.split("/")[0])
            ledger = adopt([shared_dir / "reference" / ref], base / "tree")
            build = cli("build", "--source", str(base / "tree"), "--out", str(base / "out"))
            assert build.returncode == 0, build.stderr
            done[ref] = Adopted(base / "tree", base / "out", ledger)
        return done[ref]

    return get


@pytest.mark.parametrize("ref", REFERENCE_SETS)
def test_reference_set_adopts_builds_and_validates(ref: str, adopted: Callable[[str], Adopted]) -> None:
    got = adopted(ref)
    converted = sum(c.get("converted", 0) + c.get("merged", 0) for c in got.ledger["summary"].values())
    assert converted > 50, got.ledger["summary"]
    assert got.ledger["lint_findings"], "every reference set has findings"
    validate = cli("validate", "--source", str(got.tree))
    assert validate.returncode == 0, validate.stdout + validate.stderr


@pytest.mark.parametrize("ref", ["n9e-integrations/Kubernetes", "categraf-k8s"])
def test_reference_boards_bring_their_lint_findings(ref: str, adopted: Callable[[str], Adopted]) -> None:
    """What tests/snapshots/reference-lint.json finds on these boards shows in the ledger."""
    found = [f for r in adopted(ref).ledger["rows"] for f in r["findings"]]
    assert any("counter-rate" in f and "workqueue_depth" in f for f in found), found
    assert any("unknown-label" in f and "'url'" in f for f in found), found


def prometheusrule_pairs(shared_dir: Path, got: Adopted) -> list[tuple[str, str, str]]:
    """(alert name, original expression, built expression) for every alert of the PrometheusRule."""
    source = shared_dir / "reference/kube-prometheus/kubernetesControlPlane-prometheusRule.yaml"
    built: dict[str, list[str]] = {}
    for file in sorted((got.out / "prometheus").glob("*.rules.yaml")):
        for group in yaml.safe_load(file.read_text())["groups"]:
            for rule in group["rules"]:
                if "alert" in rule:
                    built.setdefault(rule["alert"], []).append(rule["expr"].strip())
    target = {r["origin"]: r["target"] for r in got.ledger["rows"] if r["kind"] == "alert"}
    seen: dict[str, int] = {}
    pairs = []
    for group in yaml.safe_load(source.read_text())["spec"]["groups"]:
        for rule in group["rules"]:
            if "alert" in rule:
                origin = next(o for o in target if o.endswith(f"/ {group['name']} / {rule['alert']}"))
                name = target[origin]
                k = seen[name] = seen.get(name, -1) + 1
                pairs.append((rule["alert"], rule["expr"].strip(), built[name][k]))
    return pairs


def test_every_prometheusrule_alert_survives_with_its_expression(
    shared_dir: Path, adopted: Callable[[str], Adopted]
) -> None:
    got = adopted("kube-prometheus")
    sel = load_project(SourceTree(got.tree), ("catalog",)).config
    pairs = prometheusrule_pairs(shared_dir, got)
    assert len(pairs) == 63
    for name, original, built in pairs:
        assert canonical(original, sel) == canonical(built, sel), name


def test_prometheusrule_alerts_give_the_same_samples(
    shared_dir: Path, adopted: Callable[[str], Adopted], tmp_path: Path
) -> None:
    """promtool on generated input: ``A unless B``, ``B unless A`` and ``A != B`` are empty for each pair."""
    tests, series = [], {}
    for _, a, b in prometheusrule_pairs(shared_dir, adopted("kube-prometheus")):
        series.update(series_for(a))
        for expr in (f"({a}) unless ({b})", f"({b}) unless ({a})", f"({a}) != ({b})"):
            tests.append({"expr": expr, "eval_time": "30m", "exp_samples": []})
    doc = {
        "rule_files": [],
        "evaluation_interval": "1m",
        "tests": [
            {"interval": "1m", "input_series": [{"series": s, "values": v} for s, v in series.items()],
             "promql_expr_test": tests}
        ],
    }  # fmt: skip
    test_file = tmp_path / "same-samples.test.yaml"
    test_file.write_text(yaml.safe_dump(doc, sort_keys=False))
    assert unit_test_failures(test_file) == []


def test_own_board_adopts_back_as_merges(tmp_path: Path) -> None:
    assert cli("build", "--out", str(tmp_path / "out")).returncode == 0
    ledger = adopt([tmp_path / "out/dashboards/k8s-scheduler.json"], tmp_path / "tree")
    statuses = {r["status"] for r in ledger["rows"] if r["kind"] == "query"}
    assert statuses == {"merged"}, ledger["summary"]


def test_own_alert_edited_in_n9e_is_refused_not_copied(tmp_path: Path) -> None:
    assert cli("build", "--out", str(tmp_path / "out")).returncode == 0
    rules = json.loads((tmp_path / "out/alerts/scheduler.json").read_text())
    for rule in rules:
        for query in rule["rule_config"]["queries"]:
            query["prom_ql"] = f"({query['prom_ql']}) * 2"  # what a UI edit could do
    (tmp_path / "edited.json").write_text(json.dumps(rules))
    ledger = adopt([tmp_path / "edited.json"], tmp_path / "tree")
    assert {r["status"] for r in ledger["rows"]} == {"refused"}
    assert all("change it there" in r["detail"] for r in ledger["rows"])
    assert ledger["written"] == []


def test_dry_run_writes_nothing(shared_dir: Path, tmp_path: Path) -> None:
    board = shared_dir / "reference/categraf-k8s/scheduler-dash.json"
    done = cli("adopt", str(board), "--into", str(tmp_path / "tree"), "--dry-run", "--output", "json")
    assert done.returncode == 0, done.stderr
    ledger = json.loads(done.stdout)
    assert ledger["written"] == [] and ledger["summary"]["board"] == {"converted": 1}
    assert not (tmp_path / "tree").exists()


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


BAD_CASES = [
    # id, file name, content, extra arguments, exit code, what the message must name
    ("json", "bad.json", '{"configs": {"panels": [}', [], 2, r"bad\.json:1: not JSON"),
    ("yaml", "bad.yaml", "groups:\n  - name: x\n    rules: [\n", [], 2, r"bad\.yaml:\d+: not YAML"),
    ("missing", None, None, ["nowhere.json"], 2, r"nowhere\.json: no such file"),
    ("version", "ok.json", "[]", ["--k8s-version", "1.10"], 2, r"--k8s-version 1\.10"),
    ("token-no-group", "ok.json", "[]", ["--token", "s3cr3t-adopt"], 2, r"--token appl"),
    ("no-input", None, None, [], 2, r"give files"),
]


@pytest.mark.parametrize("case", BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_bad_input_writes_nothing(case: tuple, tmp_path: Path) -> None:
    _, name, content, extra, code, where = case
    args = []
    if name:
        (tmp_path / name).write_text(content)
        args.append(str(tmp_path / name))
    tree = tmp_path / "tree"
    for into, before in ((tmp_path / "new", None), (tree, "init")):
        if before:
            init_source(tree)
        was = snapshot(into) if into.exists() else None
        done = subprocess.run(
            [sys.executable, "-m", "n9e_k8s", "adopt", *args, *extra, "--into", str(into)],
            capture_output=True, text=True, timeout=300, cwd=tmp_path,
        )  # fmt: skip
        assert done.returncode == code, done.stdout + done.stderr
        assert re.search(where, done.stderr), done.stderr
        assert "Traceback" not in done.stderr and "s3cr3t-adopt" not in done.stdout + done.stderr
        assert (snapshot(into) if into.exists() else None) == was


BAD_SHAPES = [
    '{"configs": {"panels": 5}}',
    '{"configs": {"panels": [5]}}',
    '{"configs": {"var": "x", "panels": []}}',
    '{"configs": {"panels": [{"type": "timeseries", "targets": [{"expr": "up"}], "layout": 5, "options": 3}]}}',
    '[{"name": "r", "prom_ql": "up", "severity": 2}, {"rule_config": {"queries": [{"prom_ql": "up", "severity": "x"}]}}]',
    '{"groups": [5]}',
    '{"groups": [{"rules": [5]}]}',
    '{"groups": [{"name": "g", "rules": [{"alert": "A", "expr": "up", "labels": 5, "annotations": 7}]}]}',
    '{"kind": "PrometheusRule", "spec": 5}',
    '{"panels": [{"type": "graph", "targets": 5}], "schemaVersion": 1}',
    '{"panels": [], "templating": {"list": [5]}}',
]


@pytest.mark.parametrize("raw", BAD_SHAPES)
def test_bad_shape_is_an_input_error(raw: str, tmp_path: Path) -> None:
    (tmp_path / "shape.json").write_text(raw)
    done = subprocess.run(
        [sys.executable, "-m", "n9e_k8s", "adopt", "shape.json", "--into", "tree"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    assert re.match(r"error: shape\.json(\[\d+\])?: not a valid ", done.stderr), done.stderr
    assert not (tmp_path / "tree").exists()


def test_broken_target_tree_writes_nothing(shared_dir: Path, tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    init_source(tree)
    catalog = tree / "promql" / "scheduler.yaml"
    catalog.write_text(catalog.read_text().replace("expr: 'sum(up{%(sel)s})'", "expr: 'sum(up{%(sel)s}'", 1))
    was = snapshot(tree)
    board = shared_dir / "reference/categraf-k8s/scheduler-dash.json"
    done = cli("adopt", str(board), "--into", str(tree))
    assert done.returncode == 1
    assert re.search(r"promql/scheduler\.yaml:\d+: entries\[0\]\(scheduler\.up\)\.expr", done.stderr), (
        done.stderr
    )
    assert snapshot(tree) == was
