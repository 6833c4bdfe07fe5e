"""Helpers for running promtool in tests.

promtool compares expected sample values exactly, so `0.46` fails against a histogram_quantile
result of 0.4600000000000002. `unit_test_failures` runs `promtool test rules` and keeps only the
failures that are more than float noise (relative tolerance 1e-9); anything else promtool reports
(parse errors, missing or extra series, wrong labels) is kept as a failure.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from .ci import in_ci

SAMPLE_RE = re.compile(r"(\{[^{}]*\}) (\S+?)(?:,\s|$)")


def promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        if in_ci():
            pytest.fail("promtool is missing: `make deps` installs Debian's prometheus package")
        pytest.skip("promtool not installed (run `make deps`)")
    return path


def _samples(text: str) -> dict[str, float]:
    return {labels: float(value) for labels, value in SAMPLE_RE.findall(text.strip())}


def _close(a: dict[str, float], b: dict[str, float]) -> bool:
    if a.keys() != b.keys():
        return False
    return all(math.isclose(a[k], b[k], rel_tol=1e-9, abs_tol=1e-12) for k in a)


def unit_test_failures(test_file: Path) -> list[str]:
    """Run `promtool test rules`; return the failures that are not float noise ([] = all passed)."""
    out = subprocess.run([promtool(), "test", "rules", str(test_file)], capture_output=True, text=True)
    if out.returncode == 0:
        return []
    text = out.stdout + out.stderr
    lines = text.splitlines()
    failures: list[str] = []
    expr_blocks = 0
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        if line.startswith("expr:") and i + 2 < len(lines):
            expr_blocks += 1
            exp, got = lines[i + 1].strip(), lines[i + 2].strip()
            if not (exp.startswith("exp:") and got.startswith("got:")) or not _close(
                _samples(exp[4:]), _samples(got[4:])
            ):
                failures.append("\n".join(lines[i : i + 3]))
            i += 3
            continue
        i += 1
    # Anything but expression mismatches (alert failures, parse errors, a bad file) is kept whole.
    if expr_blocks == 0 or "alertname:" in text or "error" in text.lower():
        return [text]
    return failures
