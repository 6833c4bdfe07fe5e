"""The Chinese docs stay linked and current with the English ones: a cheap structural check.

Each Chinese doc has the English one's number of top-level (`## `) sections, names every `n9e-k8s <command>` and
every `--option` the English one names, and is written in Chinese; every relative link of the docs resolves (file
and #anchor, as GitHub makes anchors)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from n9e_k8s.cli import COMMANDS

REPO = Path(__file__).resolve().parents[1]

# Chinese doc -> the English one it translates
PAIRS = {
    "README.zh-CN.md": "README.md",
    "docs/collection.zh-CN.md": "docs/collection.md",
    "docs/sync.zh-CN.md": "docs/sync.md",
    "docs/integration.zh-CN.md": "docs/integration.md",
}
LINKED = [*PAIRS, *PAIRS.values(), "docs/github-action.md"]

FENCE = re.compile(r"^```.*?^```[^\n]*$", re.MULTILINE | re.DOTALL)
LINK = re.compile(r"\]\(([^)\s]+)\)")
COMMAND = re.compile(
    r"n9e-k8s (" + "|".join(sorted(map(re.escape, COMMANDS), key=len, reverse=True)) + r")\b"
)
OPTION = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]+")
CJK = re.compile(r"[\u4e00-\u9fff]")


def prose(path: str) -> str:
    """The markdown outside fenced code blocks (a `# comment` in a shell block is no heading)."""
    return FENCE.sub("", (REPO / path).read_text(encoding="utf-8"))


def sections(path: str) -> list[str]:
    return [line[3:] for line in prose(path).splitlines() if line.startswith("## ")]


def anchors(path: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped (CJK kept), spaces to '-', '-1' for repeats."""
    found: set[str] = set()
    for line in FENCE.sub("", path.read_text(encoding="utf-8")).splitlines():
        heading = re.match(r"^#{1,6} (.*)$", line)
        if not heading:
            continue
        slug = re.sub(r"[^\w\- ]", "", heading.group(1).strip().lower()).replace(" ", "-")
        candidate, n = slug, 0
        while candidate in found:
            n += 1
            candidate = f"{slug}-{n}"
        found.add(candidate)
    return found


def test_the_english_readme_links_the_chinese_one_at_the_top() -> None:
    head = (REPO / "README.md").read_text(encoding="utf-8").splitlines()[:5]
    assert "中文文档: [README.zh-CN.md](README.zh-CN.md)" in head
    for zh, en in PAIRS.items():
        assert Path(zh).name in (REPO / en).read_text(encoding="utf-8"), f"{en} does not link {zh}"
        assert Path(en).name in (REPO / zh).read_text(encoding="utf-8"), f"{zh} does not link {en}"


@pytest.mark.parametrize("doc", LINKED)
def test_every_relative_link_resolves(doc: str) -> None:
    base = (REPO / doc).parent
    broken = []
    for target in LINK.findall(prose(doc)):
        if re.match(r"^[a-z]+:", target):
            continue  # https:, mailto:
        file, _, anchor = target.partition("#")
        path = (base / file).resolve() if file else REPO / doc
        if not path.exists():
            broken.append(f"{target}: no such file")
        elif anchor and path.suffix == ".md" and anchor not in anchors(path):
            broken.append(f"{target}: no heading with that anchor in {path.relative_to(REPO)}")
    assert broken == []


@pytest.mark.parametrize(("zh", "en"), PAIRS.items())
def test_the_chinese_doc_has_the_english_structure(zh: str, en: str) -> None:
    assert len(sections(zh)) == len(sections(en)), (sections(zh), sections(en))
    text = prose(zh)
    assert set(COMMAND.findall(prose(en))) <= set(COMMAND.findall(text))
    assert sorted(set(OPTION.findall(prose(en))) - set(OPTION.findall(text))) == []


@pytest.mark.parametrize("zh", PAIRS)
def test_every_section_is_written_in_chinese(zh: str) -> None:
    body = re.split(r"^## .*$", prose(zh), flags=re.MULTILINE)
    assert all(len(CJK.findall(part)) > 20 for part in body), "a section without Chinese text"


def test_the_check_finds_a_missing_command_and_section(tmp_path: Path) -> None:
    """The structural check is not vacuous: a doc that drops a section or a command is told apart."""
    en = "## A\n`n9e-k8s build --out x`\n## B\n`n9e-k8s verify`\n"
    zh = "## 甲\n`n9e-k8s build --out x`\n"
    assert set(COMMAND.findall(en)) - set(COMMAND.findall(zh)) == {"verify"}
    assert len(re.findall(r"^## ", en, re.MULTILINE)) != len(re.findall(r"^## ", zh, re.MULTILINE))
    assert "n9e-k8s manages" not in COMMAND.findall("n9e-k8s manages objects")


def test_anchors_are_made_as_github_makes_them(tmp_path: Path) -> None:
    doc = tmp_path / "d.md"
    doc.write_text(
        "# T\n## `build --check`\n## 与文章相比改了什么，为什么\n## Flags\n## Flags\n```\n## code\n```\n"
    )
    assert anchors(doc) == {"t", "build---check", "与文章相比改了什么为什么", "flags", "flags-1"}
