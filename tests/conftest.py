"""Shared pytest fixtures. Real-server fixtures live in tests/plugins/ and are registered here."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ci import REAL_SERVER_MARKERS, in_ci

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


pytest_plugins: list[str] = [
    "tests.plugins.n9e_lab",
    "tests.plugins.promtool",
    "tests.plugins.controlplane_lab",
    "tests.plugins.victoriametrics",
]


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture
def rules_tree(tmp_path: Path, repo_root: Path) -> Path:
    """A writable copy of the rule source (promql/, alerts/) with an empty dashboards/."""
    import shutil

    for d in ("promql", "alerts"):
        shutil.copytree(repo_root / d, tmp_path / d)
    (tmp_path / "dashboards").mkdir()
    return tmp_path


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The project's read-only reference material (../shared next to the checkout)."""
    if not SHARED.is_dir():
        pytest.fail(f"reference material not found at {SHARED}")
    return SHARED


_skipped_real_server_tests: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and any(m in report.keywords for m in REAL_SERVER_MARKERS):
        _skipped_real_server_tests.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI a skipped real-server test is a failure: the suite must prove it ran against them."""
    if in_ci() and _skipped_real_server_tests:
        terminal = session.config.pluginmanager.get_plugin("terminalreporter")
        for nodeid in _skipped_real_server_tests:
            terminal.write_line(f"CI: real-server test skipped (not allowed in CI): {nodeid}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
