#!/usr/bin/env python3
"""Samples read by one refresh of each board (issue 16, item 4): ours against n9e's built-in Kubernetes boards
(../shared/reference/n9e-integrations/Kubernetes/dashboards), on the same lab data.

    PROMETHEUS_URL=http://127.0.0.1:PORT python3 bench/bench_boards.py [--range 1h] [--step 15s] [--write FILE]

Every panel target is run as one range query (the board's time range, default the last hour) with
``stats=all`` (Prometheus 2.35+), and ``data.stats.samples.totalQueryableSamples`` is summed per board. Our
boards' variables and n9e's get real values the way `verify` chooses them (the first value in the data), and
n9e's Grafana-style interval variables are given the step. Not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from report import emit  # noqa: E402  (bench/report.py)

sys.path.insert(0, str(REPO / "toolkit"))
REFERENCE = REPO.parent / "shared" / "reference" / "n9e-integrations" / "Kubernetes" / "dashboards"

from n9e_k8s.n9e.formats.board import iter_panels  # noqa: E402
from n9e_k8s.varrefs import substitute_variables  # noqa: E402


def seconds(text: str) -> int:
    return int(text[:-1]) * {"s": 1, "m": 60, "h": 3600}[text[-1]]


def targets(board: dict[str, Any]) -> list[str]:
    configs = board.get("configs", board)
    if isinstance(configs, str):
        configs = json.loads(configs)
    out = []
    for _, panel in iter_panels(configs.get("panels"), "panels"):
        out += [t["expr"] for t in panel.get("targets") or [] if isinstance(t.get("expr"), str) and t["expr"]]
    return out


def samples(api: Any, expr: str, start: float, end: float, step: int) -> tuple[int, int]:
    """(totalQueryableSamples, series returned) of one range query."""
    data = api._get(
        "/api/v1/query_range", {"query": expr, "start": start, "end": end, "step": step, "stats": "all"}
    )
    return int(data["stats"]["samples"]["totalQueryableSamples"]), len(data["result"])


def our_boards(api: Any, project: Any, raw: bool = False) -> list[tuple[str, list[str]]]:
    from n9e_k8s.dashboards.produce import render_boards
    from n9e_k8s.verify import resolve_variables

    if raw:  # every panel's raw query, as with recorded_panels: false
        import dataclasses

        project = dataclasses.replace(
            project, config=dataclasses.replace(project.config, recorded_panels=False)
        )
    out = []
    for _, board in render_boards(project):
        values, _ = resolve_variables(board, api.label_values, project.config)
        out.append((board["name"], [substitute_variables(e, values) for e in targets(board)]))
    return out


def reference_boards(api: Any, config: Any, step: int) -> list[tuple[str, list[str]]]:
    """n9e's boards with their variables resolved the way ours are (the first value in the data)."""
    from n9e_k8s.verify import resolve_variables

    builtins = {"__rate_interval": f"{4 * step}s", "__interval": f"{step}s", "__range": "1h"}
    out = []
    for file in sorted(REFERENCE.glob("*.json")):
        board = json.loads(file.read_text(encoding="utf-8"))
        configs = board.get("configs", board)
        values, _ = resolve_variables({"configs": json.loads(configs) if isinstance(configs, str) else configs},
                                      api.label_values, config)  # fmt: skip
        exprs = [
            substitute_variables(
                re.sub(r"\$\{?(__\w+)\}?", lambda m: builtins.get(m.group(1), m.group(0)), e), values
            )
            for e in targets(board)
        ]
        out.append((f"n9e {file.stem}", exprs))
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--range", default="1h")
    parser.add_argument("--step", default="15s")
    parser.add_argument("--write", type=Path)
    parser.add_argument(
        "--raw", action="store_true", help="also run our boards' raw queries (recorded_panels: false)"
    )
    parser.add_argument(
        "--top", type=int, default=0, help="also list the N targets that read the most samples"
    )
    args = parser.parse_args()
    from n9e_k8s.project import load_project
    from n9e_k8s.source import resolve_source
    from n9e_k8s.verify import ApiError, PrometheusApi

    project = load_project(resolve_source(None), ("catalog", "dashboards"))  # once, for both sides

    api = PrometheusApi(os.environ["PROMETHEUS_URL"], timeout=120)
    step, end = seconds(args.step), time.time()
    start = end - seconds(args.range)
    rows = []
    heaviest: list[tuple[int, str, str]] = []
    for name, exprs in [
        *our_boards(api, project),
        *([(f"{n} (raw)", e) for n, e in our_boards(api, project, raw=True)] if args.raw else []),
        *reference_boards(api, project.config, step),
    ]:
        total = empty = errors = 0
        for expr in exprs:
            try:
                n, series = samples(api, expr, start, end, step)
            except ApiError:
                errors += 1
                continue
            heaviest.append((n, name, expr))
            total += n
            empty += series == 0
        rows.append((name, len(exprs), empty, errors, total))
    lines = [
        f"## Samples read by one board refresh (bench/bench_boards.py, range {args.range}, step {args.step})",
        "",
        "| board | targets | empty | errors | samples read |",
        "|---|---:|---:|---:|---:|",
        *(f"| {n} | {t} | {e} | {x} | {s} |" for n, t, e, x, s in rows),
    ]
    if args.top:
        lines += ["", f"Heaviest {args.top} targets:", "", "| board | samples | target |", "|---|---:|---|"]
        lines += [
            f"| {b} | {n} | `{' '.join(e.split())[:160]}` |" for n, b, e in sorted(heaviest)[::-1][: args.top]
        ]
    text = "\n".join(lines) + "\n"
    emit(text, args.write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
