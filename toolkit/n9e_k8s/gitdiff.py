"""Which lines of which files changed against a git base (for `lint --changed`), read from real ``git``."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from .errors import UsageError

HUNK_RE = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
WHOLE_FILE = (1, 10**9)

Changes = dict[str, list[tuple[int, int]]]  # path relative to the folder -> changed line ranges (inclusive)


def git(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise UsageError("--changed needs git, which is not installed") from None


def default_base(folder: Path) -> str:
    """origin/main if it exists, else main, else HEAD~1."""
    for ref in ("origin/main", "main"):
        if git(folder, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").returncode == 0:
            return ref
    return "HEAD~1"


def parse_diff(text: str) -> Changes:
    """A ``git diff --unified=0`` as new-side line ranges; a pure deletion marks the lines around it."""
    out: Changes = {}
    current: str | None = None
    for line in text.splitlines():
        if line.startswith("+++ "):
            target = line[4:]
            current = None if target == "/dev/null" else target.removeprefix("b/")
            if current is not None:
                out.setdefault(current, [])
        elif current is not None and (m := HUNK_RE.match(line)):
            start, count = int(m.group(1)), int(m.group(2) or 1)
            out[current].append((start, start + count - 1) if count else (max(start, 1), start + 1))
    return out


def changed_lines(folder: Path, base: str | None) -> tuple[str, Changes]:
    """(base, changes) of the files below ``folder`` against ``base`` (the work tree, uncommitted edits and
    untracked files included); paths are relative to ``folder``."""
    if git(folder, "rev-parse", "--is-inside-work-tree").returncode != 0:
        raise UsageError(f"--changed: {folder} is not in a git repository")
    base = base or default_base(folder)
    if git(folder, "rev-parse", "--verify", "--quiet", f"{base}^{{commit}}").returncode != 0:
        raise UsageError(f"--base {base}: no such commit in the repository of {folder}")
    # From where the branch left the base (as a pull request's diff), to the work tree.
    fork = git(folder, "merge-base", base, "HEAD").stdout.strip() or base
    res = git(folder, "diff", "--unified=0", "--no-color", "--no-ext-diff", "--relative", fork, "--", ".")
    if res.returncode != 0:
        raise UsageError(f"git diff {base} failed: {res.stderr.strip()[:300]}")
    changes = parse_diff(res.stdout)
    untracked = git(folder, "ls-files", "--others", "--exclude-standard", "--", ".").stdout.splitlines()
    changes.update({path: [WHOLE_FILE] for path in untracked})
    return base, changes
