"""`n9e-k8s publish`: the integration as an n9e built-in component with its payloads (n9e v7+)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from ..langs import LANGS
from .common import EXIT_ERROR, TEXT_OR_JSON, SourceOption, check_choice, handle_errors, no_color
from .connection import Connection, with_connection
from .sync import DryRun, Lang, Prune

STYLE = {"create": "green", "update": "yellow", "delete": "red", "stale": "magenta"}


def register(app: typer.Typer) -> None:
    @app.command("publish")
    @with_connection
    def publish(
        dry_run: DryRun = False,
        prune: Prune = False,
        lang: Lang = "en",
        output: Annotated[
            str, typer.Option("--output", "-o", help="text (people) or json (scripts).")
        ] = "text",
        source: SourceOption = None,
        *,
        conn: Connection,
    ) -> None:
        """Create or update our built-in component and its dashboard and alert payloads in n9e v7+ (idempotent)."""
        from rich.console import Console
        from rich.table import Table

        from ..project import load_project
        from ..source import resolve_source
        from ..sync.desired import SYNC_PARTS
        from ..sync.publish import desired_for
        from ..sync.publish import publish as run_publish
        from .connection import connect

        code = EXIT_ERROR
        with handle_errors():
            check_choice("--output", output, TEXT_OR_JSON)
            check_choice("--lang", lang, LANGS)
            project = load_project(resolve_source(source), SYNC_PARTS)  # every source error before a request
            client, _ = connect(conn, group=None, datasource=None)
            report = run_publish(
                client, desired_for(project, lang, client.features), dry_run=dry_run, prune=prune
            )
            code = report.exit_code()
            if output == "json":
                typer.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2, sort_keys=True))
            else:
                table = Table(title=f"n9e-k8s publish{' (dry run)' if dry_run else ''}")
                for col in ("kind", "name", "action", "error"):
                    table.add_column(col)
                for s in report.steps:
                    if s.op != "unchanged":
                        style = STYLE.get(s.op, "")
                        table.add_row(s.kind, s.name, f"[{style}]{s.op}[/]" if style else s.op, s.error)
                console = Console(no_color=no_color())
                if table.row_count:
                    console.print(table)
                unchanged = sum(1 for s in report.steps if s.op == "unchanged")
                verb = "pending" if dry_run else "written"
                typer.echo(f"{report.pending} {verb}, {unchanged} unchanged")
        raise typer.Exit(code)
