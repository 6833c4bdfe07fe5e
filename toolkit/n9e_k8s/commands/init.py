"""`n9e-k8s init DIR`: start a user's own source tree from the built-in one."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import handle_errors


def register(app: typer.Typer) -> None:
    @app.command("init")
    def init(
        directory: Annotated[Path, typer.Argument(help="Where to create the source tree.")],
        force: Annotated[bool, typer.Option("--force", help="Overwrite existing folders.")] = False,
    ) -> None:
        """Copy the built-in source (promql/, dashboards/, alerts/) into DIR to start your own repo."""
        from ..source import init_tree

        with handle_errors():
            written = init_tree(directory, force=force)
        for path in written:
            typer.echo(f"wrote {path}/")
        typer.echo(f"Use it with --source {directory} or N9E_K8S_SOURCE={directory}.")
