"""Source files from a plan: new files, or new items appended to the last list of an existing file
(``entries:`` of a catalog, ``groups:`` of an alert file) so that the user's comments stay. The result is
loaded as a project in a scratch copy before anything is written; then every file is written, or none."""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

from ..errors import SourceError, SourceErrors, UsageError
from ..source import SOURCE_DIRS, SourceTree
from ..yamlio import dump_yaml
from .plan import AdoptPlan

HEADER = "# Adopted by `n9e-k8s adopt`: the original query of each entry is kept in `article`, its source in `origin`.\n"


def _append(text: str, key: str, items: list[dict], rel: str) -> str:
    """``text`` with ``items`` appended to its top-level ``key:`` list, which must be the file's last key."""
    top = re.findall(r"^([A-Za-z_][\w-]*):", text, re.M)
    if not top or top[-1] != key:
        raise UsageError(f"{rel}: cannot append adopted items: '{key}:' is not the last top-level key")
    m = re.search(rf"^{key}:\s*\n(?:\s*#.*\n|\s*\n)*( *)- ", text, re.M)
    indent = m.group(1) if m else "  "
    block = "".join(indent + line if line.strip() else line for line in dump_yaml(items).splitlines(True))
    return text.rstrip("\n") + "\n" + block


def _block_end(text: str, key: str) -> int | None:
    """Where the top-level ``key:`` block of ``text`` ends: before the next line at column 0 (the next key,
    or the comment heading it) and the blank lines before that; None without such a key."""
    start = re.search(rf"^{key}:.*\n?", text, re.M)
    if start is None:
        return None
    following = re.search(r"^[^\s]", text[start.end() :], re.M)
    end = len(text) if following is None else start.end() + following.start()
    return len(text[:end].rstrip("\n")) + 1 if text[:end].strip() else end


def _append_variables(text: str, variables: dict[str, dict], rel: str) -> str:
    """config.yaml with ``variables`` added at the end of its ``variables:`` mapping (the keys after it,
    such as ``collection:``, and their comments stay where they are)."""
    end = _block_end(text, "variables")
    if end is None:
        raise UsageError(f"{rel}: cannot add variables: it has no top-level 'variables:' key")
    block = "".join("  " + line for line in dump_yaml(variables).splitlines(True))
    head, tail = text[:end].rstrip("\n") + "\n", text[end:]
    added = "  # added by `n9e-k8s adopt`: the adopted boards' own variables\n" + block
    return head + added + (("\n" + tail.lstrip("\n")) if tail.strip() else "")


def render_files(tree: SourceTree, plan: AdoptPlan) -> dict[str, str]:
    """Relative path -> full new content of every file the plan changes."""
    files: dict[str, str] = {}
    for folder, key, parts in (("promql", "entries", plan.entries), ("alerts", "groups", plan.groups)):
        for component, items in parts.items():
            rel = f"{folder}/{component}.yaml"
            path = tree.root / rel
            if path.is_file():
                files[rel] = _append(path.read_text(encoding="utf-8"), key, items, rel)
            else:
                files[rel] = HEADER + dump_yaml({"component": component, key: items})
    if plan.variables:
        rel = "promql/config.yaml"
        files[rel] = _append_variables((tree.root / rel).read_text(encoding="utf-8"), plan.variables, rel)
    existing = {}
    from ..dashboards.source import dashboard_files
    from ..yamlio import load_yaml

    for file in dashboard_files(tree):
        data = load_yaml(file)
        if isinstance(data, dict) and "ident" in data:
            existing[data["ident"]] = tree.display(file)
    for name, doc in plan.boards:
        rel = existing.get(doc["ident"], f"dashboards/{name}")
        files[rel] = HEADER + dump_yaml(doc)
    return files


def check_files(tree: SourceTree, files: dict[str, str]) -> None:
    """Load the tree as it would be after writing ``files``; SourceErrors naming the files if it breaks."""
    from ..project import load_project

    with tempfile.TemporaryDirectory(prefix="n9e-k8s-adopt.") as tmp:
        scratch = Path(tmp) / "tree"
        for d in SOURCE_DIRS:
            if (tree.root / d).is_dir():
                shutil.copytree(tree.root / d, scratch / d)
        for rel, content in files.items():
            (scratch / rel).parent.mkdir(parents=True, exist_ok=True)
            (scratch / rel).write_text(content, encoding="utf-8")
        try:
            load_project(SourceTree(scratch))
        except SourceErrors as exc:
            prefix = str(scratch) + "/"
            raise SourceErrors(
                [SourceError(str(e.file).replace(prefix, ""), e.message, e.line, e.path) for e in exc.errors]
            ) from None


def write_files(tree: SourceTree, files: dict[str, str]) -> list[str]:
    from ..build import write_all

    write_all(files, tree.root)
    return sorted(files)
