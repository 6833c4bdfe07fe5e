"""`n9e-k8s build` and `n9e-k8s validate`: outputs, determinism, all-or-nothing writes, exit codes."""

from __future__ import annotations

import hashlib
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
from n9e_k8s.dashboards.layout import COLUMNS, pack
from n9e_k8s.project import load_project
from n9e_k8s.source import init_tree, resolve_source

from .dashboards_util import FIXTURE_DASHBOARD, REPO, cli, make_tree

# The built-in source's boards, one per scraped component of promql/config.yaml, in file-name order.
IDENTS = sorted(d.ident for d in load_project(resolve_source(None), parts=("dashboards",)).dashboards)
BOARDS = [f"{ident}.json" for ident in IDENTS]


def tree_digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_build_writes_every_board_importable_byte_identical(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = cli("build", "--out", str(out), "--output", "json")
    assert first.exit_code == 0, first.output
    written = json.loads(first.stdout)
    assert [w for w in written if w.startswith(str(out / "dashboards"))] == [
        str(out / "dashboards" / b) for b in BOARDS
    ]
    digest = tree_digest(out)
    assert sorted(p for p in digest if p.startswith("dashboards/")) == [f"dashboards/{b}" for b in BOARDS]
    assert any(p.startswith("manifests/") for p in digest) and any(p.startswith("alerts/") for p in digest)
    for name in BOARDS:
        board = json.loads((out / "dashboards" / name).read_text(encoding="utf-8"))
        assert set(board) == {"name", "ident", "tags", "note", "configs"}
        assert isinstance(board["configs"], dict) and board["ident"] + ".json" == name
    second = cli("build", "--out", str(out))
    assert second.exit_code == 0, second.output
    assert "unchanged" in second.stdout and "written" not in second.stdout.replace("n9e-k8s build", "")
    assert tree_digest(out) == digest
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")], "staging directory left behind"


def test_build_zh_and_clean(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert cli("build", "--out", str(out)).exit_code == 0  # --clean replaces only a folder a build wrote
    (out / "stale").mkdir(parents=True)
    (out / "stale" / "old.json").write_text("{}")
    result = cli("build", "--out", str(out), "--lang", "zh", "--clean")
    assert result.exit_code == 0, result.output
    digest = tree_digest(out)
    assert "stale/old.json" not in digest
    assert sorted(p for p in digest if p.startswith("dashboards/")) == [f"dashboards/{b}" for b in BOARDS]
    board = json.loads((out / "dashboards" / "k8s-apiserver.json").read_text(encoding="utf-8"))
    assert board["configs"]["panels"][0]["name"] == "关键指标"


def test_build_keeps_other_files_without_clean(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "alerts").mkdir(parents=True)
    (out / "alerts" / "mine.json").write_text("[]")
    assert cli("build", "--out", str(out)).exit_code == 0
    assert (out / "alerts" / "mine.json").read_text() == "[]"


def test_source_error_exits_1_names_file_line_and_writes_nothing(tmp_path: Path) -> None:
    src = tmp_path / "src"
    init_tree(src)
    board = src / "dashboards" / "apiserver.yaml"
    lines = board.read_text(encoding="utf-8").splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if "query: apiserver.qps" in line)
    lines[index] = lines[index].replace("apiserver.qps", "apiserver.no_such_query")
    board.write_text("".join(lines), encoding="utf-8")

    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("previous build")
    before = tree_digest(out)
    result = cli("build", "--out", str(out), "--source", str(src))
    assert result.exit_code == 1
    assert (
        f"{board}:{index + 1}: rows[0].panels[1].query: unknown catalog id 'apiserver.no_such_query'"
        in result.stderr
    )
    assert tree_digest(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "src"]

    fresh = tmp_path / "fresh"
    assert cli("build", "--out", str(fresh), "--source", str(src)).exit_code == 1
    assert not fresh.exists()

    validate = cli("validate", "--source", str(src))
    assert validate.exit_code == 1
    assert "unknown catalog id 'apiserver.no_such_query'" in validate.output


def test_bad_lang_is_usage_error(tmp_path: Path) -> None:
    result = cli("build", "--out", str(tmp_path / "o"), "--lang", "fr")
    assert result.exit_code == 2 and "--lang" in result.stderr
    assert not (tmp_path / "o").exists()


def test_validate_source_tree_ok() -> None:
    result = cli("validate")
    assert result.exit_code == 0, result.output
    assert "valid (0 error(s), 0 warning(s))" in result.stdout


def test_validate_reports_coverage_gap_as_warning(tmp_path: Path) -> None:
    only_up = FIXTURE_DASHBOARD.split("  - id: latency")[0].replace(
        '      - query: apiserver.qps\n        type: stat\n        decimals: 1\n        thresholds:\n          - {color: red}\n          - {value: 100, color: "#3FC453"}\n',
        "",
    )
    src = make_tree(tmp_path / "src", dashboards={"a.yaml": only_up})
    result = cli("validate", "--source", str(src), "--output", "json")
    assert result.exit_code == 0, result.output
    problems = json.loads(result.stdout)
    assert {p["severity"] for p in problems} == {"warning"}
    assert sorted(p["message"].split("'")[1] for p in problems) == ["apiserver.latency", "apiserver.qps"]


def test_validate_reference_boards_and_exit_codes(tmp_path: Path, shared_dir: Path) -> None:
    dashboards = shared_dir / "reference" / "n9e-integrations" / "Kubernetes" / "dashboards"
    ok = cli("validate", str(dashboards), str(shared_dir / "reference" / "categraf-k8s"))
    assert ok.exit_code == 0, ok.output
    assert "valid (0 error(s)" in ok.stdout

    broken = json.loads((dashboards / "APIServer.json").read_text())
    broken["configs"]["panels"][0].pop("layout")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(broken))
    result = cli("validate", str(bad))
    assert result.exit_code == 1
    assert f"{bad}: configs.panels[0]: error: 'layout' is a required property [required]" in result.stderr

    missing = cli("validate", str(tmp_path / "nope.json"))
    assert missing.exit_code == 2 and "no such file" in missing.stderr


def test_built_boards_validate_as_exports(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert cli("build", "--out", str(out)).exit_code == 0
    result = cli("validate", "--output", "json", *(str(out / "dashboards" / b) for b in BOARDS))
    assert result.exit_code == 0 and json.loads(result.stdout) == []


# ---------------------------------------------------------------- layout


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah


def test_pack_never_overlaps_random_sizes() -> None:
    rng = random.Random(1234)
    for _ in range(500):
        sizes = [(rng.randint(1, COLUMNS), rng.randint(1, 12)) for _ in range(rng.randint(1, 30))]
        top = rng.randint(0, 5)
        positions, bottom = pack(sizes, top)
        boxes = [(x, y, w, h) for (x, y), (w, h) in zip(positions, sizes, strict=True)]
        for i, box in enumerate(boxes):
            assert box[0] >= 0 and box[0] + box[2] <= COLUMNS and box[1] >= top
            assert box[1] + box[3] <= bottom
            assert not any(_overlap(box, other) for other in boxes[i + 1 :]), (sizes, boxes)
        # left to right, top to bottom
        assert [(y, x) for x, y, _, _ in boxes] == sorted((y, x) for x, y, _, _ in boxes)


def test_pack_rejects_sizes_off_the_grid() -> None:
    with pytest.raises(ValueError):
        pack([(25, 4)], 0)
    with pytest.raises(ValueError):
        pack([(4, 0)], 0)


def test_built_boards_never_overlap(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert cli("build", "--out", str(out)).exit_code == 0
    for name in BOARDS:
        panels = json.loads((out / "dashboards" / name).read_text())["configs"]["panels"]
        boxes = [(p["layout"]["x"], p["layout"]["y"], p["layout"]["w"], p["layout"]["h"]) for p in panels]
        assert all(x + w <= COLUMNS for x, _, w, _ in boxes)
        for i, box in enumerate(boxes):
            assert not any(_overlap(box, other) for other in boxes[i + 1 :]), name


# ---------------------------------------------------------------- docs


def test_docs_list_every_board_and_are_up_to_date() -> None:
    doc = REPO / "docs" / "dashboards.md"
    result = subprocess.run(
        [sys.executable, "-m", "n9e_k8s.dashboards.docs", "--check", str(doc)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    text = doc.read_text(encoding="utf-8")
    assert len(IDENTS) > 1
    for ident in IDENTS:
        assert f"(`{ident}`)" in text


def test_build_includes_manifests_when_given_their_url(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = cli(
        "build",
        "--out",
        str(out),
        "--remote-write-url",
        "http://n9e.example:17000/prometheus/v1/write",
        "--output",
        "json",
    )
    assert result.exit_code == 0, result.output
    written = [Path(p).relative_to(out).parts[0] for p in json.loads(result.stdout)]
    assert written.count("dashboards") == len(BOARDS) and "manifests" in written
    bad = cli("build", "--out", str(tmp_path / "bad"), "--remote-write-url", "ftp://x")
    assert bad.exit_code == 2 and not (tmp_path / "bad").exists()
