"""`build --check`: a committed out/ is compared with what the build would write; nothing is written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from n9e_k8s.build import MARKER, Difference, compare_all

from .dashboards_util import cli


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("check") / "out"
    result = cli("build", "--out", str(out))
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture
def out(built: Path, tmp_path: Path) -> Path:
    """A fresh copy of a committed build output."""
    copy = tmp_path / "out"
    for rel, data in snapshot(built).items():
        (copy / rel).parent.mkdir(parents=True, exist_ok=True)
        (copy / rel).write_bytes(data)
    return copy


def test_a_current_output_passes_and_the_marker_is_not_stale(out: Path) -> None:
    assert (out / MARKER).is_file()
    before = snapshot(out)
    result = cli("build", "--check", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "is current" in result.output
    assert snapshot(out) == before


def test_each_differing_missing_and_stale_file_is_listed_and_nothing_written(out: Path) -> None:
    (out / "alerts" / "apiserver.json").write_text("[]\n")
    (out / "dashboards" / "k8s-scheduler.json").unlink()
    (out / "dashboards" / "old-board.json").write_text("{}\n")
    before = snapshot(out)
    result = cli("build", "--check", "--out", str(out))
    assert result.exit_code == 1, result.output
    lines = [line for line in result.stdout.splitlines() if line]
    assert lines == [
        f"differs: {out / 'alerts/apiserver.json'}",
        f"missing: {out / 'dashboards/k8s-scheduler.json'}",
        f"stale: {out / 'dashboards/old-board.json'}",
    ]
    assert snapshot(out) == before


def test_json_lists_paths_relative_to_out(out: Path) -> None:
    (out / "manifests" / "extra.yaml").write_text("x: 1\n")
    result = cli("build", "--check", "--out", str(out), "--output", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout) == [{"path": "manifests/extra.yaml", "status": "stale"}]


def test_the_build_options_are_part_of_the_comparison(out: Path, tmp_path: Path) -> None:
    """out/ built in Chinese is not current for an English build, and is for a Chinese one."""
    zh = tmp_path / "zh"
    assert cli("build", "--out", str(zh), "--lang", "zh").exit_code == 0
    assert cli("build", "--check", "--out", str(zh), "--lang", "zh").exit_code == 0
    result = cli("build", "--check", "--out", str(zh))
    assert result.exit_code == 1 and "differs: " in result.stdout


def test_a_missing_output_lists_every_file(tmp_path: Path) -> None:
    result = cli("build", "--check", "--out", str(tmp_path / "none"), "--output", "json")
    assert result.exit_code == 1
    found = json.loads(result.stdout)
    assert found and {d["status"] for d in found} == {"missing"}
    assert not (tmp_path / "none").exists()


def test_line_endings_count(tmp_path: Path) -> None:
    """A file checked out with CRLF is not what the build writes (it writes LF)."""
    (tmp_path / "a.json").write_bytes(b"{}\r\n")
    assert compare_all({"a.json": "{}\n"}, tmp_path) == [Difference("a.json", "differs")]
    assert compare_all({"a.json": "{}\r\n"}, tmp_path) == []


@pytest.mark.parametrize("extra", [["--clean"], []])
def test_usage_errors_exit_2(tmp_path: Path, extra: list[str]) -> None:
    target = tmp_path / "file"
    target.write_text("not a folder\n")
    out = str(tmp_path / "o") if extra else str(target)
    result = cli("build", "--check", "--out", out, *extra)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
