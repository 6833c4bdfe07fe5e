#!/usr/bin/env python3
"""Record Kubernetes metric facts (type, labels, stability, deprecation) per supported minor.

Reads the metric definitions in the Go sources of k8s.io/kubernetes, k8s.io/apiserver,
k8s.io/component-base and k8s.io/kube-aggregator (downloaded from the Go module proxy with
``go mod download``) and writes tests/fixtures/k8s-metrics-facts.json for the metrics the
registry (promql/metrics.yaml) knows plus EXTRA. See docs/registry.md for limits.

    python3 lab/k8s-metrics/extract.py            # download (cached) + extract + write
    python3 lab/k8s-metrics/extract.py --check    # exit 1 when the fixture is out of date
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gosrc import UNRESOLVED, Module, Resolver, Tok, key_values, split_args

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "k8s-metrics-facts.json"
# Latest patch of each minor the module proxy serves (go list -m -versions; k8s.io/kubernetes
# lags the staging modules on the proxy for some minors).
VERSIONS: dict[str, dict[str, str]] = {}
_STAGING = {
    "28": "15",
    "29": "15",
    "30": "14",
    "31": "14",
    "32": "13",
    "33": "13",
    "34": "13",
    "35": "10",
    "36": "6",
}
_KUBERNETES = {"34": "4", "35": "4", "36": "3"}
for _m, _p in _STAGING.items():
    VERSIONS[f"1.{_m}"] = {
        "k8s.io/kubernetes": f"v1.{_m}.{_KUBERNETES.get(_m, _p)}",
        "k8s.io/apiserver": f"v0.{_m}.{_p}",
        "k8s.io/component-base": f"v0.{_m}.{_p}",
        "k8s.io/kube-aggregator": f"v0.{_m}.{_p}",
    }
# Directories read in each module (metric definitions of the control plane and its client libraries).
SCAN = {
    "k8s.io/kubernetes": [
        "pkg/scheduler",
        "pkg/controller",
        "pkg/controlplane",
        "pkg/kubelet",
        "pkg/proxy",
        "cmd",
    ],
    "k8s.io/apiserver": ["pkg"],
    "k8s.io/component-base": ["metrics"],
    "k8s.io/kube-aggregator": ["pkg"],
}
# Metrics the registry should know although no entry has them yet (successors, renames).
EXTRA = ("scheduler_cache_size",)
OPTS_TYPES = {
    "CounterOpts": "counter",
    "GaugeOpts": "gauge",
    "HistogramOpts": "histogram",
    "TimingHistogramOpts": "histogram",
    "SummaryOpts": "summary",
}
STABILITY = ("STABLE", "BETA", "ALPHA", "INTERNAL")
DESC_VALUE_TYPES = {"GaugeValue": "gauge", "CounterValue": "counter"}


def download(module: str, version: str) -> Path:
    """``go mod download`` one module version (cached in GOMODCACHE) and return its directory."""
    env = dict(os.environ, GOFLAGS="-mod=mod", PATH="/usr/local/go/bin:" + os.environ.get("PATH", ""))
    out = subprocess.run(
        ["go", "mod", "download", "-json", f"{module}@{version}"],
        capture_output=True, text=True, env=env, cwd="/tmp",
    )  # fmt: skip
    info = json.loads(out.stdout or "{}")
    if "Dir" not in info:
        raise SystemExit(f"go mod download {module}@{version}: {info.get('Error') or out.stderr.strip()}")
    return Path(info["Dir"])


def _stability(expr: list[Tok]) -> str | None:
    for t in reversed(expr):
        if t.text in STABILITY:
            return t.text
    return None


def _fq_name(res: Resolver, kv: dict[str, list[Tok]]) -> object:
    parts = []
    for key in ("Namespace", "Subsystem", "Name"):
        if key not in kv:
            continue
        v = res.string(kv[key])
        if v is UNRESOLVED:
            return UNRESOLVED
        if v:
            parts.append(str(v))
    return "_".join(parts)


def _opts_literals(toks: list[Tok]) -> list[tuple[int, str]]:
    """(index of '{', type) of every ``X.<Kind>Opts{`` composite literal."""
    out = []
    for i in range(len(toks) - 1):
        t = toks[i]
        if t.kind == "ident" and t.text in OPTS_TYPES and toks[i + 1].text == "{":
            out.append((i + 1, OPTS_TYPES[t.text]))
    return out


def _before_literal(toks: list[Tok], brace: int) -> int:
    """Index of the token before ``&pkg.KindOpts{`` (the literal's ``{`` is at ``brace``)."""
    i = brace - 2
    if i >= 1 and toks[i].text == ".":
        i -= 2
    if i >= 0 and toks[i].text == "&":
        i -= 1
    return i


def _enclosing_call(toks: list[Tok], brace: int) -> tuple[str, int] | None:
    """When the literal at ``brace`` is the first argument of ``F(``, return (F, index of '(')."""
    i = _before_literal(toks, brace)
    if i >= 1 and toks[i].text == "(" and toks[i - 1].kind == "ident":
        return toks[i - 1].text, i
    return None


def _assigned_name(toks: list[Tok], brace: int) -> str | None:
    """``x := &pkg.KindOpts{`` -> ``x``."""
    i = _before_literal(toks, brace)
    if i >= 1 and toks[i].text in ("=", ":=") and toks[i - 1].kind == "ident":
        return toks[i - 1].text
    return None


def _labels_for_var(toks: list[Tok], res: Resolver, var: str) -> tuple[object, bool]:
    """Find ``New...Vec(var, labels)`` / ``(&var, labels)`` in the file; (labels, is_vec)."""
    for i in range(len(toks) - 2):
        if toks[i].kind == "ident" and toks[i].text.startswith("New") and toks[i + 1].text == "(":
            items, _ = split_args(toks, i + 1)
            if items and [t.text for t in items[0]] in ([var], ["&", var]):
                if toks[i].text.endswith("Vec") and len(items) >= 2:
                    return res.strings(items[1]), True
                return [], False
    return UNRESOLVED, False


def extract_file(module: Module, file: Path) -> list[dict]:
    """Every metric defined in one Go file."""
    pkg = module.package(file.parent)
    toks = pkg.files[file]
    res = Resolver(module, file)
    rel = f"{module.path}@{module.version}/{file.relative_to(module.root)}"
    found = []
    for brace, mtype in _opts_literals(toks):
        items, _ = split_args(toks, brace)
        kv = key_values(items)
        if "Name" not in kv:
            continue
        name = _fq_name(res, kv)
        call = _enclosing_call(toks, brace)
        if call:
            fname, paren = call
            args, _ = split_args(toks, paren)
            is_vec = fname.endswith("Vec")
            labels = res.strings(args[1]) if is_vec and len(args) >= 2 else ([] if not is_vec else UNRESOLVED)
        else:
            var = _assigned_name(toks, brace)
            labels, is_vec = _labels_for_var(toks, res, var) if var else (UNRESOLVED, False)
            fname = ""
        if "TimingRatio" in fname or "WaterMark" in fname:
            mtype = "histogram"
        dep = res.string(kv["DeprecatedVersion"]) if "DeprecatedVersion" in kv else ""
        found.append(
            {
                "name": name,
                "type": mtype,
                "labels": labels,
                "stability": _stability(kv.get("StabilityLevel", [])) or "ALPHA",
                "deprecated": dep,
                "file": f"{rel}:{toks[brace].line}",
            }
        )
    found.extend(_descs(module, file, toks, res, rel))
    return found


def _descs(module: Module, file: Path, toks: list[Tok], res: Resolver, rel: str) -> list[dict]:
    """``metrics.NewDesc(name, help, labels, constLabels, stability, deprecatedVersion)`` (custom collectors)."""
    out = []
    for i in range(1, len(toks) - 1):
        if toks[i].text != "NewDesc" or toks[i + 1].text != "(" or toks[i - 1].text != ".":
            continue
        args, _ = split_args(toks, i + 1)
        if len(args) < 5:
            continue  # prometheus.NewDesc (client_golang): no stability, not a Kubernetes metric
        name = res.string(args[0])
        var = _assigned_name(toks, i + 1) or ""
        mtype = "unknown"
        for pkg_toks in module.package(file.parent).files.values():
            for k in range(len(pkg_toks) - 3):
                if (
                    pkg_toks[k].text == var
                    and pkg_toks[k + 1].text == ","
                    and pkg_toks[k + 2].kind == "ident"
                ):
                    value = pkg_toks[k + 4].text if pkg_toks[k + 3].text == "." else pkg_toks[k + 2].text
                    if value in DESC_VALUE_TYPES:
                        mtype = DESC_VALUE_TYPES[value]
                        break
            if mtype != "unknown":
                break
        if (
            mtype == "unknown"
        ):  # the desc is passed around: take the file's, else the package's only value type
            for scope in ([toks], module.package(file.parent).files.values()):
                kinds = {
                    DESC_VALUE_TYPES[t.text]
                    for scope_toks in scope
                    for t in scope_toks
                    if t.text in DESC_VALUE_TYPES
                }
                if len(kinds) == 1:
                    mtype = kinds.pop()
                    break
        dep = res.string(args[5]) if len(args) >= 6 else ""
        out.append(
            {
                "name": name,
                "type": mtype,
                "labels": res.strings(args[2]),
                "stability": _stability(args[4]) or "ALPHA",
                "deprecated": dep,
                "file": f"{rel}:{toks[i].line}",
            }
        )
    return out


def extract_version(minor: str, dirs: dict[str, Path]) -> tuple[dict[str, dict], list[str]]:
    """All metric definitions of one minor: name -> fact, plus the unresolved definitions."""
    facts: dict[str, dict] = {}
    unresolved: list[str] = []
    for mod_path, root in dirs.items():
        module = Module(mod_path, VERSIONS[minor][mod_path], root)
        for sub in SCAN[mod_path]:
            for f in sorted((root / sub).rglob("*.go")):
                if f.name.endswith("_test.go") or "/testing/" in str(f) or "/vendor/" in str(f):
                    continue
                text = f.read_text(encoding="utf-8", errors="replace")
                if "Opts{" not in text and "NewDesc(" not in text:
                    continue
                for d in extract_file(module, f):
                    if d["name"] is UNRESOLVED:
                        unresolved.append(d["file"])
                        continue
                    if d["labels"] is UNRESOLVED:
                        d["labels"] = None
                    else:
                        d["labels"] = sorted(d["labels"])
                    if d["deprecated"] is UNRESOLVED:
                        d["deprecated"] = "?"
                    d["deprecated"] = _minor(d["deprecated"]) if d["deprecated"] else None
                    first = facts.setdefault(d["name"], d)
                    if any(first[k] != d[k] for k in FACT_KEYS):
                        unresolved.append(f"{d['file']}: {d['name']} differs from {first['file']}")
    return facts, unresolved


def _minor(version: str) -> str:
    m = re.match(r"v?(\d+)\.(\d+)", version)
    return f"{m.group(1)}.{m.group(2)}" if m else version


def wanted_names(registry_file: Path) -> list[str]:
    names = re.findall(r"^  ([a-zA-Z_:][a-zA-Z0-9_:]*):\s*$", registry_file.read_text(), re.M)
    return sorted(set(names) | set(EXTRA))


def render(fixture: dict) -> str:
    """Compact but readable JSON: one line per metric span."""
    head = {k: v for k, v in fixture.items() if k not in ("sources", "metrics")}
    lines = ["{"] + [f"  {json.dumps(k)}: {json.dumps(v)}," for k, v in head.items()]
    srcs = [f"    {json.dumps(v)}: {json.dumps(m, sort_keys=True)}" for v, m in fixture["sources"].items()]
    lines += ['  "sources": {', ",\n".join(srcs), "  },", '  "metrics": {']
    blocks = []
    for name, spans in fixture["metrics"].items():
        rows = [f"      {json.dumps(span, sort_keys=True)}" for span in spans]
        blocks.append(f"    {json.dumps(name)}: [" + ("\n" + ",\n".join(rows) + "\n    ]" if rows else "]"))
    lines += [",\n".join(blocks), "  }", "}"]
    return "\n".join(lines) + "\n"


FACT_KEYS = ("type", "labels", "stability", "deprecated")


def spans(per_minor: dict[str, dict | None]) -> list[dict]:
    """Consecutive minors with the same facts and source file -> one span {since, until, ..., file}."""
    out: list[dict] = []
    for minor, f in per_minor.items():
        if f is None:
            continue
        module, _, rest = f["file"].partition("@")
        path = rest.split("/", 1)[1]
        facts = {k: f[k] for k in FACT_KEYS} | {"module": module}
        last = out[-1] if out else None
        same_file = last and last["file"].rsplit(":", 1)[0] == path.rsplit(":", 1)[0]
        if (
            last
            and same_file
            and all(last[k] == v for k, v in facts.items())
            and last["until"] == _prev(minor)
        ):
            last["until"], last["file"] = minor, path
        else:
            out.append({"since": minor, "until": minor, **facts, "file": path})
    return out


def _prev(minor: str) -> str:
    major, m = minor.split(".")
    return f"{major}.{int(m) - 1}"


def build(names: list[str], all_metrics: bool = False) -> tuple[dict, list[str]]:
    per_version: dict[str, dict[str, dict]] = {}
    unresolved_all: list[str] = []
    for minor, mods in VERSIONS.items():
        dirs = {m: download(m, v) for m, v in mods.items()}
        facts, unresolved = extract_version(minor, dirs)
        per_version[minor] = facts
        unresolved_all += [f"{minor} {u}" for u in unresolved]
        print(f"{minor}: {len(facts)} metrics, {len(unresolved)} unresolved definitions", file=sys.stderr)
    if all_metrics:
        names = sorted({n for facts in per_version.values() for n in facts})
    metrics = {name: spans({m: facts.get(name) for m, facts in per_version.items()}) for name in names}
    fixture = {
        "generated_by": "lab/k8s-metrics/extract.py (see docs/registry.md)",
        "format": (
            "metrics.<name>: spans of minors [since, until] with the same facts, read from <module> at the "
            "version sources[minor][module]; file is path:line at `until`; a minor in no span has no "
            "definition; labels null: not resolvable statically"
        ),
        "sources": VERSIONS,
        "metrics": metrics,
    }
    return fixture, unresolved_all


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--registry", type=Path, default=ROOT / "promql" / "metrics.yaml")
    ap.add_argument("--out", type=Path, default=FIXTURE)
    ap.add_argument("--all", action="store_true", help="every metric found, not only the registry's")
    ap.add_argument("--check", action="store_true", help="compare with --out instead of writing it")
    ap.add_argument(
        "--unresolved", action="store_true", help="list definitions whose name is computed or that disagree"
    )
    args = ap.parse_args()
    fixture, unresolved = build(wanted_names(args.registry), args.all)
    if args.unresolved:
        print("\n".join(unresolved))
    text = render(fixture)
    if args.check:
        same = args.out.is_file() and args.out.read_text() == text
        print("fixture up to date" if same else f"{args.out} is out of date: re-run without --check")
        return 0 if same else 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    n = len(fixture["metrics"])
    print(f"wrote {args.out}: {n} metrics x {len(VERSIONS)} minors", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
