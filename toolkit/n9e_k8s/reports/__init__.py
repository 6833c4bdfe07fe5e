"""Machine-readable reports of `lint` and `validate` for CI: GitHub annotations, SARIF, JUnit.

A command turns its findings into a :class:`Report` (what was checked, which rules exist, what was found),
and ``render(name, report)`` formats it. ``FORMATS`` maps a ``--format`` name to the module under
n9e_k8s.reports that renders it (``render(report) -> str``), imported only when used: a new format is one
module and one line here. ``text`` and ``json`` stay with the commands (their output is the commands' own).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Level = Literal["error", "warning", "note"]

# --format name -> module under n9e_k8s.reports
FORMATS: dict[str, str] = {"github": "github", "sarif": "sarif", "junit": "junit"}


@dataclass(frozen=True)
class RuleDoc:
    """A check that can report results: its id, default level and documentation."""

    id: str
    level: Level
    short: str
    full: str = ""


@dataclass(frozen=True)
class Result:
    """One finding. ``file`` is relative to the report's root (or absolute when outside it); ``subject``
    names the checked object (a :class:`Case`) it belongs to."""

    rule: str
    level: Level
    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    subject: str | None = None


@dataclass(frozen=True)
class Case:
    """One checked object (a catalog entry, a rule, a file): a JUnit test case."""

    name: str
    group: str
    file: str | None = None
    line: int | None = None


@dataclass
class Report:
    command: str  # "lint" or "validate"
    root: Path  # what relative result paths are relative to (the working directory)
    rules: list[RuleDoc] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)

    def count(self, level: Level) -> int:
        return sum(1 for r in self.results if r.level == level)

    def grouped(self) -> list[tuple[Case, list[Result]]]:
        """Each case with its results; results of no case (a file that did not load) under one more case."""
        by_subject: dict[str | None, list[Result]] = {}
        for r in self.results:
            by_subject.setdefault(r.subject, []).append(r)
        out = [(c, by_subject.pop(c.name, [])) for c in self.cases]
        orphans = [r for results in by_subject.values() for r in results]
        if orphans:
            out.append((Case("(not attributed to a checked object)", f"n9e-k8s {self.command}"), orphans))
        return out

    def summary(self) -> str:
        return (
            f"n9e-k8s {self.command}: {len(self.cases)} checked, {self.count('error')} error(s), "
            f"{self.count('warning')} warning(s), {self.count('note')} note(s)"
        )


def relative(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` in POSIX form, or absolute when it is not below it."""
    path = path if path.is_absolute() else root / path
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def render(name: str, report: Report) -> str:
    return importlib.import_module(f"{__name__}.{FORMATS[name]}").render(report)
