"""The hooks of .pre-commit-hooks.yaml, installed by the real pre-commit from a copy of this checkout into a
user's repository: a good source commits, a broken query or an out-of-date out/ does not, with file and line.

pre-commit builds the hooks' environment with pip (this package and its dependencies from the package index):
about 10 s once per module, with pip's cache warm.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.ci import in_ci

from .vcs import BROKEN_FILE, BROKEN_LINE, REPO, break_a_query, checkout_copy, commit_all, git, user_repo

HOOKS = ("n9e-k8s-lint", "n9e-k8s-validate", "n9e-k8s-build-check")


def pre_commit() -> list[str]:
    try:
        import pre_commit  # noqa: F401
    except ImportError:
        if in_ci():
            pytest.fail("pre-commit is not installed (pip install -e '.[test]')")
        pytest.skip("pre-commit is not installed (pip install -e '.[test]')")
    return [sys.executable, "-m", "pre_commit"]


def test_the_hooks_file_declares_the_three_hooks() -> None:
    hooks = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    assert sorted(hooks) == sorted(HOOKS)
    for hook in hooks.values():
        assert hook["language"] == "python" and hook["pass_filenames"] is False
        assert hook["entry"].startswith("n9e-k8s ")
    assert "out" in hooks["n9e-k8s-build-check"]["files"]


@pytest.fixture(scope="module")
def hooked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A user's repository with the hooks installed from a clone of this checkout at a commit."""
    command = pre_commit()
    base = tmp_path_factory.mktemp("pre-commit")
    hooks_repo = checkout_copy(base / "n9e-k8s")
    rev = git(hooks_repo, "rev-parse", "HEAD").stdout.strip()
    user = user_repo(base / "user")
    config = {"repos": [{"repo": str(hooks_repo), "rev": rev, "hooks": [{"id": h} for h in HOOKS]}]}
    (user / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    env = {"PRE_COMMIT_HOME": str(base / "cache"), "PRE_COMMIT_COLOR": "never"}
    for step in (["install"], ["install-hooks"]):
        result = subprocess.run(
            [*command, *step], cwd=user, env={**git_env(), **env}, capture_output=True, text=True, timeout=600
        )
        assert result.returncode == 0, result.stdout + result.stderr
    return user, env


def git_env() -> dict[str, str]:
    import os

    return dict(os.environ)


def commit(user: Path, message: str, env: dict[str, str], expect: int) -> str:
    """Commit everything; git shows the hooks' output on stderr."""
    result = commit_all(user, message, env=env, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == expect, output
    return output


def test_a_good_source_commits(hooked: tuple[Path, dict[str, str]]) -> None:
    user, env = hooked
    (user / "NOTES.md").write_text("notes\n")
    (user / "promql" / "README.md").write_text("our catalog\n")  # a source path: every hook runs
    output = commit(user, "notes", env, expect=0)
    for name in ("n9e-k8s lint", "n9e-k8s validate", "n9e-k8s build --check"):
        assert any(line.startswith(name) and line.endswith("Passed") for line in output.splitlines()), output


def test_a_broken_query_fails_the_commit_with_file_and_line(hooked: tuple[Path, dict[str, str]]) -> None:
    user, env = hooked
    head = git(user, "rev-parse", "HEAD").stdout
    break_a_query(user)
    output = commit(user, "a broken query", env, expect=1)
    assert f"{BROKEN_FILE}:{BROKEN_LINE}: error counter-rate" in output
    assert any(line.startswith("n9e-k8s lint") and line.endswith("Failed") for line in output.splitlines())
    assert git(user, "rev-parse", "HEAD").stdout == head, "the commit went through"
    git(user, "reset", "-q", "--hard")


def test_an_out_of_date_output_fails_the_commit(hooked: tuple[Path, dict[str, str]]) -> None:
    """A source change committed without rebuilding out/, and a file out/ holds that no build writes."""
    user, env = hooked
    catalog = user / "promql" / "scheduler.yaml"
    text = catalog.read_text(encoding="utf-8")
    catalog.write_text(text.replace("en: Instances up,", "en: Instances running,", 1), encoding="utf-8")
    shutil.copy(
        user / "out" / "alerts" / "scheduler.json", user / "out" / "alerts" / "retired-component.json"
    )
    output = commit(user, "forgot to build", env, expect=1)
    assert "stale: out/alerts/retired-component.json" in output
    assert "differs: out/dashboards/k8s-scheduler.json" in output
    assert any(line.startswith("n9e-k8s lint") and line.endswith("Passed") for line in output.splitlines())
    git(user, "reset", "-q", "--hard")
    git(user, "clean", "-qfd")
