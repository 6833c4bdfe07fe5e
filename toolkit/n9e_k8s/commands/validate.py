"""`n9e-k8s validate [PATH...]`: the source tree, or n9e export files (boards, ...)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from .common import EXIT_ERROR, EXIT_OK, TEXT_OR_JSON, SourceOption, check_choice, handle_errors


def register(app: typer.Typer) -> None:
    @app.command("validate")
    def validate(
        paths: Annotated[
            list[Path] | None,
            typer.Argument(
                help="n9e export files (a board or a JSON array) or folders of them. Default: the source tree."
            ),
        ] = None,
        output: Annotated[str, typer.Option("--output", help="text or json.")] = "text",
        source: SourceOption = None,
    ) -> None:
        """Check the source tree (config, catalog, dashboards and their rendered boards), or the given
        n9e export files. Exit 0 when valid (warnings allowed), 1 on errors, 2 on bad usage."""
        from ..problems import errors
        from ..source import resolve_source
        from ..validate import validate_files, validate_tree

        with handle_errors():
            check_choice("--output", output, TEXT_OR_JSON)
            if paths:
                problems = validate_files(paths)
                subject = f"{len(paths)} path(s)"
            else:
                tree = resolve_source(source)
                problems = validate_tree(tree)
                subject = f"source tree {tree.root}"
        failed = errors(problems)
        if output == "json":
            typer.echo(json.dumps([p.as_dict() for p in problems], ensure_ascii=False, indent=2))
        else:
            for p in problems:
                typer.echo(str(p), err=p.severity == "error")
            warnings = len(problems) - len(failed)
            verdict = "invalid" if failed else "valid"
            typer.echo(f"{subject}: {verdict} ({len(failed)} error(s), {warnings} warning(s))")
        raise typer.Exit(EXIT_ERROR if failed else EXIT_OK)
