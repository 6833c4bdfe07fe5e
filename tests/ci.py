"""One definition of "running in CI" and of "allowed to rewrite golden files" for the whole suite."""

from __future__ import annotations

import os

import pytest

# Markers of the tests that need a real server or tool; CI must run them, never skip them.
REAL_SERVER_MARKERS = ("n9e", "controlplane", "promtool", "victoriametrics")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def updating(variable: str) -> bool:
    """True when ``variable=1`` asks a golden/snapshot test to rewrite its file (refused in CI)."""
    if os.environ.get(variable) != "1":
        return False
    if in_ci():
        pytest.fail(f"{variable}=1 is not allowed in CI: golden files are compared there, not written")
    return True
