"""`n9e-k8s validate [PATH...]`: the source tree, or n9e export files (boards, ...)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from .common import EXIT_ERROR, EXIT_OK, SourceOption, check_choice, handle_errors
from .reporting import REPORT_FORMATS as FORMATS


def register(app: typer.Typer) -> None:
    @app.command("validate")
    def validate(
        paths: Annotated[
            list[Path] | None,
            typer.Argument(
                help="n9e export files (a board or a JSON array) or folders of them. Default: the source tree."
            ),
        ] = None,
        output: Annotated[
            str,
            typer.Option(
                "--output", "--format", help="text, json, or for CI: github (annotations), sarif, junit."
            ),
        ] = "text",
        source: SourceOption = None,
    ) -> None:
        """Check the source tree (config, catalog, dashboards and their rendered boards), or the given
        n9e export files. Exit 0 when valid (warnings allowed), 1 on errors, 2 on bad usage."""
        from ..problems import errors
        from ..source import resolve_source
        from ..validate import expand_paths, validate_files, validate_tree_by_check

        with handle_errors():
            check_choice("--output", output, FORMATS)
            if paths:
                by_check = [("export", validate_files(paths))]
                files, root = expand_paths(paths), Path.cwd()
                subject = f"{len(paths)} path(s)"
            else:
                tree = resolve_source(source)
                by_check = validate_tree_by_check(tree)
                files, root = None, tree.root
                subject = f"source tree {tree.root}"
        problems = [p for _, found in by_check for p in found]
        failed = errors(problems)
        if output not in ("text", "json"):
            from .reporting import emit, source_files, validate_report

            emit(output, validate_report(by_check, files or source_files(root), root))
        elif output == "json":
            typer.echo(json.dumps([p.as_dict() for p in problems], ensure_ascii=False, indent=2))
        else:
            for p in problems:
                typer.echo(str(p), err=p.severity == "error")
            warnings = len(problems) - len(failed)
            verdict = "invalid" if failed else "valid"
            typer.echo(f"{subject}: {verdict} ({len(failed)} error(s), {warnings} warning(s))")
        raise typer.Exit(EXIT_ERROR if failed else EXIT_OK)
