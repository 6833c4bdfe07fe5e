"""GitHub Actions workflow commands: one ``::error``/``::warning``/``::notice`` annotation per result.

Values are escaped as the runner reads them (actions/toolkit ``command.ts``): in the message ``%``, CR and LF;
in properties also ``:`` and ``,``.
"""

from __future__ import annotations

from . import Report, Result

COMMAND = {"error": "error", "warning": "warning", "note": "notice"}


def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def annotation(result: Result, command: str) -> str:
    props = {
        "file": result.file,
        "line": result.line,
        "col": result.column,
        "title": f"n9e-k8s {command}: {result.rule}",
    }
    given = ",".join(f"{k}={escape_property(str(v))}" for k, v in props.items() if v is not None)
    message = f"{result.message} [{result.subject}]" if result.subject else result.message
    return f"::{COMMAND[result.level]} {given}::{escape_data(message)}"


def render(report: Report) -> str:
    return "".join(f"{annotation(r, report.command)}\n" for r in report.results) + report.summary() + "\n"
