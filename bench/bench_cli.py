"""CLI speed and memory: start-up, lint of the whole tree, build, validate.

Run: python bench/bench_cli.py [--runs N]. Prints a Markdown table (median wall time over N runs and
the peak resident memory of the child process); the figures go into README.md. Not a test.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

CLI = shutil.which("n9e-k8s") or "n9e-k8s"


def measure(args: list[str], runs: int) -> tuple[float, float]:
    times, peaks = [], []
    for _ in range(runs):
        start = time.perf_counter()
        child = subprocess.Popen([CLI, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(child.pid, 0)  # this child's own rusage (peak RSS in KiB)
        times.append(time.perf_counter() - start)
        code = os.waitstatus_to_exitcode(status)
        if code not in (0, 3):
            sys.exit(f"{' '.join(args)} failed ({code}): {child.stderr.read().decode()[-500:]}")
        child.stderr.close()
        peaks.append(usage.ru_maxrss)
    return statistics.median(times), max(peaks) / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    out = tempfile.mkdtemp(prefix="n9e-k8s-bench-")
    cases = {
        "`n9e-k8s --version` (start-up)": ["--version"],
        "`n9e-k8s --help`": ["--help"],
        "`n9e-k8s catalog --format json`": ["catalog", "--format", "json"],
        "`n9e-k8s lint` (whole tree)": ["lint"],
        "`n9e-k8s validate` (whole tree, incl. manifests)": ["validate"],
        "`n9e-k8s build`": ["build", "--out", out, "--output", "json"],
    }
    print(f"| command | median wall time ({runs} runs) | peak RSS |")
    print("|---|---|---|")
    for label, args in cases.items():
        wall, rss = measure(args, runs)
        print(f"| {label} | {wall * 1000:.0f} ms | {rss:.0f} MiB |")
    shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
