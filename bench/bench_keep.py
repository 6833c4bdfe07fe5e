#!/usr/bin/env python3
"""What the keep-lists save (issue 16): series each job exports and stores on the lab, samples per second, and
an estimate for a production cluster with 3 API servers.

    python3 bench/bench_keep.py [--write bench/RESULTS.md]

Starts lab/controlplane (its own state dir) unless PROMETHEUS_URL points at a running one; the agent scrapes
with the manifests' keep-lists, and Prometheus' own per-target series tell both sides of the relabelling:
``scrape_samples_scraped`` (what the target exports) and ``scrape_samples_post_metric_relabeling`` (what is
stored). Not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from report import emit  # noqa: E402  (bench/report.py)

LAB = REPO / "lab" / "controlplane" / "lab.py"
SCRAPE_INTERVAL_S = 15  # the manifests' default (the lab scrapes every 5s; rates are given for 15s)
APISERVERS = 3


def query(prom: str, expr: str) -> dict[str, float]:
    url = f"{prom}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    with urllib.request.urlopen(url, timeout=30) as resp:
        data = json.load(resp)["data"]["result"]
    return {r["metric"].get("job", ""): float(r["value"][1]) for r in data}


def start_lab(state: Path) -> dict[str, str]:
    env = {**os.environ, "N9E_K8S_CONTROLPLANE_DIR": str(state)}
    out = subprocess.run(
        [sys.executable, str(LAB), "up"], env=env, capture_output=True, text=True, check=True
    )
    words = [w for line in out.stdout.splitlines() for w in shlex.split(line)[1:] if "=" in w]
    return dict(w.split("=", 1) for w in words)


def measure(prom: str) -> list[dict[str, float | str]]:
    # a few scrapes after start: the first one of a target may miss late series
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(query(prom, "count by (job) (scrape_samples_scraped)")) < 4:
        time.sleep(5)
    time.sleep(20)
    exported = query(prom, "sum by (job) (scrape_samples_scraped)")
    stored = query(prom, "sum by (job) (scrape_samples_post_metric_relabeling)")
    return [
        {"job": job, "exported": exported[job], "stored": stored.get(job, 0.0)} for job in sorted(exported)
    ]


def table(rows: list[dict[str, float | str]]) -> str:
    lines = [
        "| job | series exported | series stored (keep-list) | stored/exported | samples/s stored (15s) |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        e, s = float(r["exported"]), float(r["stored"])
        lines.append(f"| {r['job']} | {e:.0f} | {s:.0f} | {s / e:.0%} | {s / SCRAPE_INTERVAL_S:.0f} |")
    e = sum(float(r["exported"]) for r in rows)
    s = sum(float(r["stored"]) for r in rows)
    lines.append(f"| all | {e:.0f} | {s:.0f} | {s / e:.0%} | {s / SCRAPE_INTERVAL_S:.0f} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", type=Path, help="append the figures to this markdown file")
    args = parser.parse_args()
    prom = os.environ.get("PROMETHEUS_URL")
    state = None
    if not prom:
        state = Path(tempfile.mkdtemp(prefix="cp-bench-keep-"))
        prom = start_lab(state)["PROMETHEUS_URL"]
    try:
        rows = measure(prom)
    finally:
        if state is not None:
            env = {**os.environ, "N9E_K8S_CONTROLPLANE_DIR": str(state)}
            subprocess.run([sys.executable, str(LAB), "down"], env=env, check=False, capture_output=True)
    api = next((r for r in rows if r["job"] == "apiserver"), None)
    text = "## Keep-lists (bench/bench_keep.py)\n\n" + table(rows) + "\n"
    if api:
        stored = float(api["stored"]) * APISERVERS
        text += (
            f"\nEstimate for {APISERVERS} API servers (the lab's per-server figures; a production cluster has more "
            f"resources and clients, which grows both sides alike): {float(api['exported']) * APISERVERS:.0f} series "
            f"exported, {stored:.0f} stored, {stored / SCRAPE_INTERVAL_S:.0f} samples/s at a 15s interval.\n"
        )
    emit(text, args.write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
