#!/usr/bin/env python3
"""Benchmark of the sync against a real n9e: requests and wall time of a first sync and of a no-op sync,
for the built-in content and for a generated source (200 dashboards, 500 alert rules).

    python3 bench/bench_sync.py [--version v6.7.3] [--write bench/RESULTS.md]

Uses the n9e given by N9E_URL/N9E_TOKEN/N9E_DATASOURCE when set, otherwise starts one with lab/n9e/up
(and stops it at the end). Each scenario syncs into its own new busi group. Not a test.
"""

from __future__ import annotations

import argparse
import copy
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "toolkit"))

from n9e_k8s.n9e.client import ClientOptions, Credentials, N9eClient  # noqa: E402
from n9e_k8s.source import resolve_source  # noqa: E402
from n9e_k8s.sync.desired import boards_from_source, rules_from_source  # noqa: E402
from n9e_k8s.sync.engine import Desired, SyncOptions, sync  # noqa: E402


def start_lab(version: str, state: Path) -> dict[str, str]:
    env = {**os.environ, "N9E_LAB_DIR": str(state)}
    out = subprocess.run(
        [sys.executable, str(REPO / "lab/n9e/lab.py"), "up", "--version", version],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    words = [w for line in out.splitlines() for w in shlex.split(line)[1:] if "=" in w]
    return dict(w.split("=", 1) for w in words)


def builtin(client: N9eClient, suffix: str) -> dict[str, list[Desired]]:
    tree = resolve_source(None)
    alerts, records = rules_from_source(tree, "en", client.version_tuple)
    boards = boards_from_source(tree, "en")
    for b in boards:
        b.obj["ident"] += f"-{suffix}"
    return {"board": boards, "alert-rule": alerts, "recording-rule": records}


def generated(
    client: N9eClient, suffix: str, n_boards: int = 200, n_rules: int = 500
) -> dict[str, list[Desired]]:
    """n_boards copies of the built-in boards (renamed) and n_rules copies of the built-in alert rules."""
    base = builtin(client, suffix)
    boards, rules = [], []
    for i in range(n_boards):
        b = copy.deepcopy(base["board"][i % len(base["board"])].obj)
        b["name"] = f"{b['name']} #{i:03d}"
        b["ident"] = f"{b['ident']}-{i:03d}"
        boards.append(Desired(b, "generated"))
    for i in range(n_rules):
        r = copy.deepcopy(base["alert-rule"][i % len(base["alert-rule"])].obj)
        r["name"] = f"{r['name']}-{i:03d}"
        rules.append(Desired(r, "generated"))
    return {"board": boards, "alert-rule": rules}


def measure(env: dict[str, str], make, label: str) -> list[tuple[str, str, int, dict[str, int], float]]:
    group = f"bench-{uuid.uuid4().hex[:8]}"
    rows = []
    for phase in ("first sync", "no-op sync"):
        client = N9eClient(env["N9E_URL"], Credentials(token=env["N9E_TOKEN"]), ClientOptions(timeout=60))
        desired = make(client, group)
        started = time.monotonic()
        report = sync(
            client,
            desired,
            group=group,
            create_group=True,
            datasource=env["N9E_DATASOURCE"],
            options=SyncOptions(),
        )
        seconds = time.monotonic() - started
        if report.exit_code() != 0:
            raise SystemExit(
                f"{label} {phase}: exit {report.exit_code()}: {[a.as_json() for a in report.failed][:3]}"
            )
        objects = sum(len(v) for v in desired.values())
        rows.append((label, phase, objects, dict(client.requests), seconds))
        print(
            f"{label:32} {phase:10} objects={objects:4} requests={dict(client.requests)} {seconds:.2f}s",
            flush=True,
        )
    return rows


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--version", default="v6.7.3", help="lab version to start (default: the lab's, v6.7.3)")
    p.add_argument("--write", type=Path, help="write the results table to this markdown file")
    args = p.parse_args()
    state = None
    if os.environ.get("N9E_URL") and os.environ.get("N9E_TOKEN"):
        env = dict(os.environ)
    else:
        state = Path(tempfile.mkdtemp(prefix="n9e-bench-"))
        env = start_lab(args.version, state)
    try:
        version = N9eClient(env["N9E_URL"], Credentials(token=env["N9E_TOKEN"])).version
        rows = measure(env, builtin, "built-in (3 boards, 30+20 rules)")
        rows += measure(env, generated, "generated (200 boards, 500 rules)")
    finally:
        if state is not None:
            subprocess.run(
                [sys.executable, str(REPO / "lab/n9e/lab.py"), "down", "--version", args.version],
                env={**os.environ, "N9E_LAB_DIR": str(state)},
                check=False,
            )
    storage = "MariaDB + Redis" if version.startswith("v6.") else "SQLite"  # lab/n9e/README.md, Versions
    lines = [
        f"n9e {version} (lab/n9e, {storage}, 127.0.0.1), Python {platform.python_version()}, {os.cpu_count()} CPUs; "
        f"`python3 bench/bench_sync.py` on {time.strftime('%Y-%m-%d')}.",
        "",
        "| source | sync | objects | requests | GET | POST | PUT | DELETE | wall time |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, phase, objects, req, seconds in rows:
        lines.append(
            f"| {label} | {phase} | {objects} | {sum(req.values())} | {req.get('GET', 0)} | {req.get('POST', 0)} | "
            f"{req.get('PUT', 0)} | {req.get('DELETE', 0)} | {seconds:.2f} s |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write:  # one section per n9e version; a rerun replaces that version's section
        old = args.write.read_text() if args.write.is_file() else "# Sync benchmark\n"
        sections = [sec for sec in old.split("\n## ")[1:] if not sec.startswith(f"n9e {version}\n")]
        body = "".join(
            f"\n## {sec.rstrip()}\n" for sec in sorted([*sections, f"n9e {version}\n\n{text}"], reverse=True)
        )
        args.write.write_text(old.split("\n## ")[0].rstrip() + "\n" + body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
