"""Shared pytest fixtures. Real-server fixtures live in tests/plugins/ and are registered here."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"

pytest_plugins: list[str] = [
    "tests.plugins.n9e_lab",
    "tests.plugins.promtool",
    "tests.plugins.controlplane_lab",
]


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The project's read-only reference material (../shared next to the checkout)."""
    if not SHARED.is_dir():
        pytest.fail(f"reference material not found at {SHARED}")
    return SHARED
