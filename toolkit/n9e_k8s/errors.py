"""Errors that point at the place in the user's source that caused them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class SourceError(Exception):
    """A problem in a source file: names the file, the line (when known) and the JSON path."""

    file: Path | str
    message: str
    line: int | None = None
    path: str = ""

    def __str__(self) -> str:
        where = str(self.file)
        if self.line:
            where += f":{self.line}"
        if self.path:
            where += f": {self.path}"
        return f"{where}: {self.message}"


class SourceErrors(Exception):
    """Several source errors found in one pass (validation collects them all before failing)."""

    def __init__(self, errors: list[SourceError]):
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


class RemoteError(Exception):
    """A failed call to a server (n9e, Prometheus): its message is safe to print (no credentials)."""


class UsageError(Exception):
    """Bad command-line input (exit code 2)."""
