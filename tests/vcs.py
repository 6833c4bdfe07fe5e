"""Temporary git repositories for the tests of the pre-commit hooks and the GitHub Action."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# What `pip install .` of this checkout needs (the hooks and the action install the package from it).
PACKAGE_FILES = ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "action.yml")
PACKAGE_DIRS = ("toolkit", "promql", "dashboards", "alerts")

GIT_ENV = {
    "GIT_AUTHOR_NAME": "test",
    "GIT_AUTHOR_EMAIL": "test@example.invalid",
    "GIT_COMMITTER_NAME": "test",
    "GIT_COMMITTER_EMAIL": "test@example.invalid",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(cwd: Path, *args: str, env: dict[str, str] | None = None, check: bool = True):
    """Run git in ``cwd`` with a fixed identity and no user configuration."""
    return subprocess.run(
        ["git", *args],
        cwd=cwd,
        env={**os.environ, **GIT_ENV, **(env or {})},
        capture_output=True,
        text=True,
        check=check,
        timeout=120,
    )


def commit_all(cwd: Path, message: str, env: dict[str, str] | None = None, check: bool = True):
    git(cwd, "add", "-A")
    return git(cwd, "commit", "-m", message, env=env, check=check)


def checkout_copy(dest: Path) -> Path:
    """This checkout's package as a fresh git repository with one commit, working changes included: what a
    user's `repo:`/`uses:` would fetch at a tag."""
    dest.mkdir(parents=True)
    for name in PACKAGE_FILES:
        if (REPO / name).is_file():
            shutil.copy2(REPO / name, dest / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in PACKAGE_DIRS:
        shutil.copytree(REPO / name, dest / name, ignore=ignore)
    git(dest, "init", "-q", "-b", "main")
    commit_all(dest, "n9e-k8s")
    return dest


def n9e_k8s(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The CLI of this checkout in a subprocess."""
    env = {**os.environ, "PYTHONPATH": str(REPO / "toolkit")}
    return subprocess.run(
        [sys.executable, "-c", "import sys; from n9e_k8s.cli import main; main(sys.argv[1:])", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def user_repo(root: Path) -> Path:
    """A user's repository: `n9e-k8s init` at its root and the built out/, committed without hooks."""
    root.mkdir(parents=True)
    for args in (("init", "."), ("build", "--source", ".", "--out", "out")):
        result = n9e_k8s(*args, cwd=root)
        assert result.returncode == 0, result.stdout + result.stderr
    git(root, "init", "-q", "-b", "main")
    commit_all(root, "source")
    return root


# A query every check catches: rate() of a gauge (lint: counter-rate), written on line 12 of the catalog.
BROKEN_FILE, BROKEN_LINE = "promql/scheduler.yaml", 12
BROKEN_EXPR = "    expr: 'sum(rate(scheduler_pending_pods{%(sel)s}[5m]))'"


def break_a_query(root: Path) -> None:
    path = root / BROKEN_FILE
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines[BROKEN_LINE - 1].lstrip().startswith("expr:"), lines[BROKEN_LINE - 1]
    lines[BROKEN_LINE - 1] = BROKEN_EXPR + "\n"
    path.write_text("".join(lines), encoding="utf-8")
