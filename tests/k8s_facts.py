"""The facts read from the Kubernetes sources (tests/fixtures/k8s-metrics-facts.json) and the checks
that hold a registry entry against them. The fixture is written by lab/k8s-metrics/extract.py.
"""

from __future__ import annotations

import json
from pathlib import Path

from n9e_k8s.registry import SUPPORTED_VERSIONS, MetricInfo, Registry, parse_k8s_minor

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "k8s-metrics-facts.json"
Version = tuple[int, int]


def load_facts(path: Path = FIXTURE) -> dict[str, dict[Version, dict]]:
    """name -> minor -> fact (type, labels, stability, deprecated, module, file); absent minors missing."""
    data = json.loads(path.read_text())
    out: dict[str, dict[Version, dict]] = {}
    for name, spans in data["metrics"].items():
        per: dict[Version, dict] = {}
        for span in spans:
            lo, hi = parse_k8s_minor(span["since"]), parse_k8s_minor(span["until"])
            for minor in range(lo[1], hi[1] + 1):
                per[(1, minor)] = span
        out[name] = per
    return out


def expected_status(v: Version, fact: dict, deprecated: Version | None) -> str:
    """Kubernetes' own rule (component-base metrics/registry.go) for one minor.

    ``deprecated`` is the DeprecatedVersion the sources declare (the newest one): it may be set
    retroactively (apiserver_storage_objects: "1.34.0", first written in the 1.35 sources).
    """
    if not deprecated:
        return "ok"
    dep = deprecated
    if v < dep:
        return "ok"
    window = {"STABLE": 3, "BETA": 1}.get(fact["stability"], 0) if v >= (1, 35) else 1
    return "hidden" if v >= (dep[0], dep[1] + window) else "deprecated"


def mismatches(info: MetricInfo, per: dict[Version, dict]) -> list[str]:
    """Every way ``info`` disagrees with the facts of its metric (empty when it agrees)."""
    out: list[str] = []
    versions = [parse_k8s_minor(v) for v in SUPPORTED_VERSIONS]
    present = [v for v in versions if v in per]
    if not present:
        if info.status(versions[0]) != "removed":
            out.append(
                f"not defined in any of {SUPPORTED_VERSIONS[0]}..{SUPPORTED_VERSIONS[-1]}: needs removed"
            )
        return out
    first = present[0]
    want_added = first if first > versions[0] else None
    have_added = info.added if info.added and info.added > versions[0] else None
    if have_added != want_added:
        out.append(f"added: registry {fmt(have_added)}, sources {fmt(want_added)}")
    gone = [v for v in versions if v > first and v not in per]
    want_removed = gone[0] if gone else None
    have_removed = info.removed if info.removed and info.removed <= versions[-1] else None
    if have_removed != want_removed:
        out.append(f"removed: registry {fmt(have_removed)}, sources {fmt(want_removed)}")
    deps = {f["deprecated"] for f in per.values() if f["deprecated"]}
    want_dep = parse_k8s_minor(max(deps, key=parse_k8s_minor)) if deps else None
    have_dep = info.deprecated if info.deprecated and info.deprecated <= versions[-1] else None
    if have_dep != want_dep:
        out.append(f"deprecated: registry {fmt(have_dep)}, sources {fmt(want_dep)}")
    for v in present:
        fact, at = per[v], fmt(v)
        if info.type != fact["type"]:
            out.append(f"{at} type: registry {info.type}, sources {fact['type']} ({fact['file']})")
        if fact["labels"] is not None and set(fact["labels"]) != info.labels_at(v):
            have = sorted(info.labels_at(v))
            out.append(f"{at} labels: registry {have}, sources {fact['labels']} ({fact['file']})")
        if info.stability_at(v) != fact["stability"]:
            out.append(f"{at} stability: registry {info.stability_at(v)}, sources {fact['stability']}")
        want = expected_status(v, fact, want_dep)
        if info.status(v) != "removed" and info.status(v) != want:
            out.append(f"{at} status: registry {info.status(v)}, sources {want}")
    return out


def fmt(v: Version | None) -> str:
    return f"{v[0]}.{v[1]}" if v else "-"


def all_mismatches(registry: Registry, facts: dict[str, dict[Version, dict]]) -> dict[str, list[str]]:
    found = {}
    for name, info in sorted(registry.metrics.items()):
        if info.origin != "kubernetes":
            continue
        if name not in facts:
            found[name] = ["no facts: re-run lab/k8s-metrics/extract.py"]
            continue
        bad = mismatches(info, facts[name])
        if bad:
            found[name] = bad
    return found
