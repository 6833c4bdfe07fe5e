"""Validation findings, shared by every validator (boards, dashboards source, alert rules...)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One finding: the file, the JSON path inside it, what rule is broken, and how bad it is."""

    file: str
    path: str
    message: str
    severity: Severity = "error"
    line: int | None = None

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        return f"{where}: {self.path or '$'}: {self.severity}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "path": self.path or "$",
            "severity": self.severity,
            "message": self.message,
        }


def json_path(parts: Iterable[str | int], prefix: str = "") -> str:
    """``["configs", "panels", 3, "id"]`` -> ``configs.panels[3].id`` (appended to ``prefix``)."""
    out = prefix
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def errors(problems: Sequence[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


def from_source_errors(exc: Exception) -> list[Problem]:
    """A SourceError or SourceErrors as Problems (file, JSON path, line kept)."""
    errors = getattr(exc, "errors", None) or [exc]
    return [Problem(str(e.file), e.path, e.message, "error", e.line) for e in errors]
