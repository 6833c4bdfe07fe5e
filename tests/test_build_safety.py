"""`build --clean` never deletes what the tool did not write; the output is swapped in whole or not at all."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from n9e_k8s import build as build_mod
from n9e_k8s.source import init_tree

from .dashboards_util import cli


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user's folder: a source tree from `init`, notes and a .git, as the cwd."""
    root = tmp_path / "project"
    init_tree(root)
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (root / "notes.txt").write_text("mine\n")
    monkeypatch.chdir(root)
    return root


@pytest.mark.parametrize(
    "out",
    ["", ".", "{root}", "{root}/promql/..", "{parent}", "/", "~", "notes-dir"],
)
def test_clean_refuses_folders_it_did_not_write(project: Path, out: str) -> None:
    (project / "notes-dir").mkdir()
    (project / "notes-dir" / "keep.md").write_text("keep\n")
    before = snapshot(project)
    target = out.format(root=project, parent=project.parent)
    result = cli("build", "--source", str(project), "--out", target, "--clean")
    assert result.exit_code == 2, result.output
    assert "--out" in result.output and "Traceback" not in result.output
    assert snapshot(project) == before
    assert not [p for p in project.parent.iterdir() if p.name.startswith(".")], "staging left behind"


def test_empty_out_is_refused_without_clean_too(project: Path) -> None:
    before = snapshot(project)
    result = cli("build", "--source", str(project), "--out", "")
    assert result.exit_code == 2 and "--out is empty" in result.output
    assert snapshot(project) == before


def test_clean_replaces_a_folder_an_earlier_build_wrote(project: Path) -> None:
    out = project / "out"
    assert cli("build", "--source", str(project), "--out", str(out)).exit_code == 0
    assert (out / build_mod.MARKER).is_file()
    (out / "stale.json").write_text("{}")
    result = cli("build", "--source", str(project), "--out", str(out), "--clean")
    assert result.exit_code == 0, result.output
    assert not (out / "stale.json").exists() and (out / build_mod.MARKER).is_file()
    assert (project / "notes.txt").read_text() == "mine\n"


def test_build_into_a_users_folder_adds_no_marker(project: Path) -> None:
    """Without --clean a build may write into a folder with the user's files, but never marks it as its own,
    so a later --clean still refuses it."""
    mine = project / "mine"
    mine.mkdir()
    (mine / "keep.md").write_text("keep\n")
    assert cli("build", "--source", str(project), "--out", str(mine)).exit_code == 0
    assert not (mine / build_mod.MARKER).exists()
    assert cli("build", "--source", str(project), "--out", str(mine), "--clean").exit_code == 2
    assert (mine / "keep.md").read_text() == "keep\n"


def test_failed_move_leaves_the_old_output_whole(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = project / "out"
    assert cli("build", "--source", str(project), "--out", str(out)).exit_code == 0
    for p in out.rglob("*.json"):
        p.write_text("old\n")
    before = snapshot(out)
    real = os.replace
    calls = {"n": 0}

    def flaky(src, dst):  # fail on the 5th file moved into place
        if Path(dst).is_relative_to(out) and not Path(src).is_relative_to(out):
            calls["n"] += 1
            if calls["n"] == 5:
                raise OSError(28, "No space left on device")
        return real(src, dst)

    monkeypatch.setattr(build_mod.os, "replace", flaky)
    result = cli("build", "--source", str(project), "--out", str(out))
    assert result.exit_code == 2 and "No space left" in result.output, result.output
    assert snapshot(out) == before
    assert not [p for p in project.iterdir() if p.name.startswith(".out")], "staging left behind"


@pytest.mark.parametrize("where", ["under-a-file", "too-long"])
def test_unwritable_out_is_a_usage_error(project: Path, where: str) -> None:
    target = str(project / "notes.txt" / "out") if where == "under-a-file" else str(project / ("x" * 300))
    before = snapshot(project)
    result = cli("build", "--source", str(project), "--out", target)
    assert result.exit_code == 2 and "--out" in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert snapshot(project) == before
