"""`n9e-k8s lint`: the PromQL linter over the source tree or over given expressions."""

from __future__ import annotations

from typing import Annotated

import typer

from .common import EXIT_ERROR, EXIT_OK, EXIT_USAGE, SourceOption, check_choice, err
from .reporting import REPORT_FORMATS


def register(app: typer.Typer) -> None:
    @app.command("lint")
    def lint(
        source: SourceOption = None,
        expr: Annotated[
            list[str] | None,
            typer.Option(
                "--expr", "-e", help="Lint this expression instead of the source tree (repeatable)."
            ),
        ] = None,
        k8s_version: Annotated[
            str | None,
            typer.Option("--k8s-version", help="Target Kubernetes minor, 1.28 to 1.36. Default: the newest."),
        ] = None,
        output_format: Annotated[
            str, typer.Option("--format", help="text, json, or for CI: github (annotations), sarif, junit.")
        ] = "text",
        unit: Annotated[
            str | None, typer.Option("--unit", help="n9e unit the --expr values are shown in (unit checks).")
        ] = None,
        changed: Annotated[
            bool,
            typer.Option(
                "--changed",
                help="Lint only what changed against a git base (and what uses it), as `pint ci` does.",
            ),
        ] = False,
        base: Annotated[
            str | None,
            typer.Option(
                "--base",
                help="Git base of --changed. Default: origin/main, else main, else HEAD~1.",
                show_default=False,
            ),
        ] = None,
    ) -> None:
        """Lint PromQL: the whole catalog (and registered dashboards/alerts), or --expr expressions.

        Exit code 0 when there is no error-level finding, 1 when there is one, 2 for bad input.
        """
        from ..errors import SourceError, SourceErrors, UsageError
        from ..registry import DEFAULT_VERSION, SUPPORTED_VERSIONS, parse_k8s_minor

        try:
            check_choice("--format", output_format, REPORT_FORMATS)
            version = k8s_version or DEFAULT_VERSION
            try:
                major, minor = parse_k8s_minor(version)
            except ValueError as exc:
                raise UsageError(str(exc)) from None
            version = f"{major}.{minor}"
            if version not in SUPPORTED_VERSIONS:
                raise UsageError(
                    f"--k8s-version {version} is not supported ({SUPPORTED_VERSIONS[0]} to {SUPPORTED_VERSIONS[-1]})"
                )
            if unit is not None and not expr:
                raise UsageError("--unit applies to --expr expressions only")
            if expr and (changed or base):
                raise UsageError("--changed and --base apply to the source tree, not to --expr")
            if base is not None and not changed:
                raise UsageError("--base applies to --changed only")
            findings, queries, root = _run(source, expr or [], version, unit, changed, base)
        except (UsageError, SourceError, SourceErrors) as exc:
            # Broken input is a usage/input error here (exit 2): exit 1 means "the queries have errors".
            for e in getattr(exc, "errors", [exc]):
                err(str(e))
            if output_format in REPORT_FORMATS[2:] and not isinstance(exc, UsageError):
                from .reporting import emit, source_error_report

                emit(output_format, source_error_report("lint", exc))  # CI shows where, too
            raise typer.Exit(EXIT_USAGE) from None
        if output_format in REPORT_FORMATS[2:]:
            from .reporting import emit, lint_report

            emit(output_format, lint_report(findings, queries, root))
        else:
            _print(findings, len(queries), version, output_format)
        raise typer.Exit(EXIT_ERROR if any(f.severity == "error" for f in findings) else EXIT_OK)


def _run(
    source: str | None, exprs: list[str], version: str, unit: str | None, changed: bool, base: str | None
):
    from ..lint import LintContext, Query, lint_queries
    from ..lint.collect import LINT_PARTS, collect_queries, recorded_series
    from ..project import load_project
    from ..source import resolve_source

    tree = resolve_source(source)
    changes = None
    if changed:
        from ..gitdiff import changed_lines
        from ..lint.changed import CHANGED_PARTS

        base, changes = changed_lines(tree.root, base)
    project = load_project(tree, CHANGED_PARTS if changed else LINT_PARTS)
    if project.registry is None:
        from ..registry import missing_registry

        raise missing_registry(tree.promql)
    if exprs:
        queries = [
            Query(expr=e, origin=f"--expr[{i}]", unit=unit, index=i, kind="dashboard")
            for i, e in enumerate(exprs)
        ]
    else:
        queries = collect_queries(project)
    if changes is not None:
        from ..lint.changed import select_changed

        picked = select_changed(project, queries, changes)
        err_note(f"--changed against {base}: {len(picked)} of {len(queries)} queries")
        queries = picked
    ctx = LintContext(project.registry, project.config, version, recorded=recorded_series(project))
    return lint_queries(queries, ctx), queries, tree.root


def err_note(message: str) -> None:
    typer.echo(message, err=True)


def _print(findings, count: int, version: str, output_format: str) -> None:
    import json

    totals = {s: sum(1 for f in findings if f.severity == s) for s in ("error", "warning", "info")}
    if output_format == "json":
        doc = {
            "k8s_version": version,
            "queries": count,
            "summary": totals,
            "findings": [f.to_dict() for f in findings],
        }
        typer.echo(json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False))
        return
    for f in findings:
        qid = f" [{f.query_id}]" if f.query_id else ""
        typer.echo(f"{f.location()}: {f.severity} {f.rule}: {f.message}{qid}")
    typer.echo(
        f"{count} queries linted for Kubernetes {version}: {totals['error']} error(s), "
        f"{totals['warning']} warning(s), {totals['info']} info"
    )
