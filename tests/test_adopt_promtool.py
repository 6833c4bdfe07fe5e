"""Every alert of kube-prometheus' PrometheusRule, adopted and built, gives the same samples as the original
on the same input (promtool): ``A unless B``, ``B unless A`` and ``A != B`` are empty for each pair."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import promql_parser as pp
import yaml
from n9e_k8s.lint.promql import matchers, selector_name, walk

from .promtool_util import unit_test_failures

EVAL = "30m"
BASE_LABELS = {"cluster": "c1", "instance": "i1", "namespace": "ns", "pod": "p1", "node": "n1"}


def series_for(expr: str) -> dict[str, str]:
    """One input series per selector of ``expr``, with the values its equality (and simple regex) matchers ask for."""
    out: dict[str, str] = {}
    for node, _ in walk(pp.parse(expr)):
        if not isinstance(node, pp.VectorSelector) or not selector_name(node):
            continue
        name = selector_name(node)
        labels = dict(BASE_LABELS)
        for m in matchers(node):
            if m.name == "__name__":
                continue
            if m.op == pp.MatchOp.Equal:
                labels[m.name] = m.value
            elif m.op == pp.MatchOp.Re and m.value.replace("|", "").replace("_", "").isalnum():
                labels[m.name] = m.value.split("|")[0]
        counter = name.endswith(("_total", "_count", "_sum", "_bucket"))
        les = ["1", "+Inf"] if name.endswith("_bucket") else [None]
        for le in les:
            full = {**labels, **({"le": le} if le else {})}
            text = name + "{" + ", ".join(f'{k}="{v}"' for k, v in sorted(full.items())) + "}"
            out[text] = "0+10x40" if counter else "1x40"
    return out


def test_prometheusrule_alerts_same_samples(shared_dir: Path, tmp_path: Path) -> None:
    source = shared_dir / "reference/kube-prometheus/kubernetesControlPlane-prometheusRule.yaml"
    run = [sys.executable, "-m", "n9e_k8s"]
    adopted = subprocess.run(
        [*run, "adopt", str(source), "--into", str(tmp_path / "tree"), "--output", "json"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert adopted.returncode == 0, adopted.stderr
    ledger = json.loads(adopted.stdout)
    built = subprocess.run(
        [*run, "build", "--source", str(tmp_path / "tree"), "--out", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    out_rules: dict[str, list[str]] = {}
    for file in sorted((tmp_path / "out/prometheus").glob("*.rules.yaml")):
        for group in yaml.safe_load(file.read_text())["groups"]:
            for rule in group["rules"]:
                if "alert" in rule:
                    out_rules.setdefault(rule["alert"], []).append(rule["expr"])
    target = {r["origin"]: r["target"] for r in ledger["rows"] if r["kind"] == "alert"}
    seen: dict[str, int] = {}
    tests, series = [], {}
    for group in yaml.safe_load(source.read_text())["spec"]["groups"]:
        for rule in group["rules"]:
            if "alert" not in rule:
                continue
            origin = next(o for o in target if o.endswith(f"/ {group['name']} / {rule['alert']}"))
            name = target[origin]
            k = seen[name] = seen.get(name, -1) + 1
            a, b = rule["expr"].strip(), out_rules[name][k].strip()
            series.update(series_for(a))
            for expr in (f"({a}) unless ({b})", f"({b}) unless ({a})", f"({a}) != ({b})"):
                tests.append({"expr": expr, "eval_time": EVAL, "exp_samples": []})
    assert len(tests) == 3 * 63
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
