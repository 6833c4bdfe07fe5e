"""`lint` and `validate` findings as a :class:`~n9e_k8s.reports.Report`, for the CI formats
(``--format github|sarif|junit``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from ..reports import FORMATS, Case, Level, Report, Result, RuleDoc, relative, render

if TYPE_CHECKING:
    from ..lint.model import Finding, Query
    from ..problems import Problem

REPORT_FORMATS = ("text", "json", *FORMATS)
LEVEL: dict[str, Level] = {"error": "error", "warning": "warning", "info": "note"}
# A file that did not load: the source check that reports it in both commands.
SOURCE_RULE = RuleDoc("source", "error", "The source file does not load (YAML, schema, PromQL syntax).")


def first_sentence(text: str) -> str:
    head, dot, _ = text.partition(". ")
    return head + "." if dot else text


def lint_rules() -> list[RuleDoc]:
    from ..lint.rules import RULES

    return [
        RuleDoc(
            r.id,
            LEVEL[r.severity],
            first_sentence(r.description),
            f"{r.description} (README.md, 'The linter': how to fix or ignore it with lint_ignore.)",
        )
        for r in RULES
    ]


def query_name(q: Query) -> str:
    return q.origin if q.index is None else f"--expr[{q.index}]"


def lint_report(findings: Iterable[Finding], queries: Sequence[Query], tree_root: Path) -> Report:
    """One case per linted query; a finding belongs to the query with its file, line and id."""
    cwd = Path.cwd()
    counts = Counter(query_name(q) for q in queries)
    names = {
        (q.file, q.line, q.query_id, q.index): query_name(q)
        + (f" (line {q.line})" if counts[query_name(q)] > 1 else "")
        for q in queries
    }

    def path(file: str | None) -> str | None:
        return relative(tree_root / file, cwd) if file else None

    report = Report("lint", cwd, lint_rules())
    report.cases = [
        Case(names[q.file, q.line, q.query_id, q.index], path(q.file) or "--expr", path(q.file), q.line)
        for q in queries
    ]
    report.results = [
        Result(
            f.rule,
            LEVEL[f.severity],
            f.message,
            path(f.file),
            f.line,
            subject=names.get((f.file, f.line, f.query_id, f.index)),
        )
        for f in findings
    ]
    return report


def source_error_report(command: str, exc: Exception) -> Report:
    """A tree that did not load: its errors as results of the ``source`` rule."""
    from ..problems import from_source_errors

    cwd = Path.cwd()
    results = [
        Result(
            "source",
            "error",
            f"{p.path}: {p.message}" if p.path else p.message,
            relative(Path(p.file), cwd),
            p.line,
        )
        for p in from_source_errors(exc)
    ]
    return Report(command, cwd, [SOURCE_RULE], results)


def emit(name: str, report: Report) -> None:
    typer.echo(render(name, report), nl=False)


def located(file: str, tree_root: Path, cwd: Path) -> str | None:
    """The path a problem's file names (``dashboards/x.yaml (rendered, en)`` names dashboards/x.yaml), relative
    to ``cwd``; None when it names no file on disk (a rendered output such as ``manifests/...``)."""
    name = file.partition(" (")[0]
    for candidate in (Path(name), tree_root / name):
        if name and candidate.is_file():
            return relative(candidate, cwd)
    return None


def problem_result(p: Problem, rule: str, file: str | None, subject: str) -> Result:
    """The problem's own place (``dashboards/x.yaml (rendered, en)``) stays in the message when the location
    does not say all of it."""
    message = f"{p.path or '$'}: {p.message}"
    if file is None or " (" in p.file:
        message += f" ({p.file})"
    return Result(rule, p.severity, message, file, p.line, subject=subject)


def check_doc(name: str) -> RuleDoc:
    from .. import validate

    fn = getattr(validate, f"check_{name}", None)
    doc = " ".join((fn.__doc__ or "").split()) if fn else ""
    defaults = {
        "source": SOURCE_RULE.short,
        "export": "An n9e export file (a board, an alert-rule or recording-rule array) against n9e's format.",
    }
    return RuleDoc(f"validate/{name}", "error", first_sentence(doc or defaults.get(name, name)), doc)


def source_files(tree_root: Path) -> list[Path]:
    """The YAML files of a source tree (each a JUnit case of `validate`)."""
    return sorted(
        p for part in ("promql", "dashboards", "alerts") for p in (tree_root / part).rglob("*.yaml")
    )


def validate_report(
    by_check: list[tuple[str, list[Problem]]], files: Sequence[Path], tree_root: Path
) -> Report:
    """One case per source or export file, and one per check for what no file holds (rendered output)."""
    cwd = Path.cwd()
    report = Report("validate", cwd, [check_doc(name) for name, _ in by_check])
    cases = {relative(f, cwd): Case(relative(f, cwd), "file", relative(f, cwd)) for f in files}
    for name, problems in by_check:
        for p in problems:
            file = located(p.file, tree_root, cwd)
            subject = file if file in cases else f"check {name}"
            report.results.append(problem_result(p, f"validate/{name}", file, subject))
    checks = [Case(f"check {name}", "check") for name, _ in by_check if name not in ("source", "export")]
    report.cases = [*cases.values(), *checks]
    return report
