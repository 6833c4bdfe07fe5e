"""A sync report as Markdown for a pull-request comment (`--dry-run --output markdown`): per kind the
counts, a table of the actions, and each update's diff of the normalised objects in a fenced ``diff`` block."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .plan import SYMBOL

if TYPE_CHECKING:
    from .engine import Report

OPS = ("create", "update", "delete", "unchanged", "drift", "conflict")


def cell(text: str) -> str:
    """A table cell: pipes escaped, one line."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def fenced(text: str, lang: str) -> str:
    """``text`` in a code fence longer than any backtick run inside it."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{lang}\n{text}\n{fence}"


def plan_markdown(report: Report) -> str:
    dry = " — dry run, nothing written" if report.dry_run else ""
    lines = [f"### n9e-k8s → {cell(report.group_name)} (n9e {report.version}){dry}", ""]
    counts = report.plan.counts()
    lines += ["| kind | " + " | ".join(OPS) + " |", "|---|" + "---:|" * len(OPS)]
    lines += [f"| {kind} | " + " | ".join(str(row[op]) for op in OPS) + " |" for kind, row in counts.items()]
    pending = [a for a in report.plan.actions if a.op != "unchanged"]
    code = report.exit_code()
    verdict = f"**{len(pending)} change(s) pending**" if pending else "**No changes.**"
    lines += ["", f"{verdict} (exit code {code})", ""]
    if pending:
        lines += ["| | action | kind | object | reason |", "|---|---|---|---|---|"]
        for a in pending:
            status = f" ({a.status})" if a.status not in ("planned", "done") else ""
            lines.append(
                f"| {SYMBOL[a.op]} | {a.op}{status} | {a.kind} | `{cell(a.key)}` | {cell(a.reason)} |"
            )
        lines.append("")
    for a in pending:
        if a.diff and a.op in ("update", "drift", "conflict"):
            lines += [
                f"<details><summary>{SYMBOL[a.op]} {a.op} {a.kind} <code>{cell(a.key)}</code></summary>",
                "",
                fenced(a.diff, "diff"),
                "",
                "</details>",
                "",
            ]
    for a in report.failed:
        lines.append(f"- failed: {a.op} {a.kind} `{cell(a.key)}`: {cell(a.error)}")
    for w in report.warnings:
        lines.append(f"- warning ({w.code}): {cell(w.message)}")
    return "\n".join(lines).rstrip("\n") + "\n"
