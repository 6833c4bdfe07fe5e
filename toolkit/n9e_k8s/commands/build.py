"""`n9e-k8s build`: render every artifact (dashboards, ...) from the source tree into --out."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import UsageError
from ..n9e.versions import DEFAULT_TARGET
from .common import EXIT_ERROR, TEXT_OR_JSON, SourceOption, check_choice, handle_errors, no_color, out_path

if TYPE_CHECKING:
    from pathlib import Path

    from ..build import Difference


def register(app: typer.Typer) -> None:
    @app.command("build")
    def build(
        out_arg: Annotated[str, typer.Option("--out", help="Output directory.")] = "out",
        lang: Annotated[
            str, typer.Option("--lang", help="Language of names and descriptions: en or zh.")
        ] = "en",
        clean: Annotated[
            bool,
            typer.Option(
                "--clean",
                help="Replace the output directory as a whole (drops stale files); only a folder an earlier "
                "build wrote (it holds a .n9e-k8s-build file).",
            ),
        ] = False,
        check: Annotated[
            bool,
            typer.Option(
                "--check",
                help="Write nothing: exit 1 unless --out holds exactly what this build writes (every file "
                "identical, none missing, no stale file), listing each that is not.",
            ),
        ] = False,
        remote_write_url: Annotated[
            str | None,
            typer.Option(
                "--remote-write-url",
                help="n9e remote-write URL for the collection manifests (manifests/). Default: a placeholder.",
            ),
        ] = None,
        keep: Annotated[
            str | None,
            typer.Option(
                "--keep",
                help="Series the manifests' scrape jobs keep: used (what the content reads) or all. "
                "Default: collection.keep of promql/config.yaml.",
            ),
        ] = None,
        output: Annotated[
            str, typer.Option("--output", help="text (a table) or json (the files written).")
        ] = "text",
        n9e_version: Annotated[
            str,
            typer.Option(
                "--n9e-version",
                help="Target n9e: v7 (rules notify channels/groups) or v8/v9 (notify rules); v9 boards in the v9 "
                "UI's format (panels 3.4.0, standardOptions.unit), v7/v8 3.0.0 with util.",
            ),
        ] = DEFAULT_TARGET,
        datasource_id: Annotated[
            int | None,
            typer.Option("--datasource-id", help="Datasource of the n9e rules. Default: every datasource."),
        ] = None,
        notify_rule_id: Annotated[
            list[int] | None, typer.Option("--notify-rule-id", help="n9e v8+ notify rule id (repeatable).")
        ] = None,
        notify_channel: Annotated[
            list[str] | None, typer.Option("--notify-channel", help="n9e v7 notify channel (repeatable).")
        ] = None,
        notify_group: Annotated[
            list[str] | None, typer.Option("--notify-group", help="n9e v7 user-group id (repeatable).")
        ] = None,
        source: SourceOption = None,
    ) -> None:
        """Render every artifact in memory, validate it, then write it under --out (nothing on error)."""
        from ..build import build as run_build
        from ..build import check as run_check
        from ..source import resolve_source

        with handle_errors():
            out = out_path(out_arg)
            check_choice("--output", output, TEXT_OR_JSON)
            if check and clean:
                raise UsageError("--check writes nothing: it cannot be combined with --clean")
            tree = resolve_source(source)
            options: dict = {"manifests": {"remote_write_url": remote_write_url}} if remote_write_url else {}
            if keep is not None:
                options.setdefault("manifests", {})["keep"] = keep
            options["dashboards"] = {"n9e_version": n9e_version}  # the board format of that UI
            options["rules"] = {
                "n9e_version": n9e_version,
                "datasource_id": datasource_id,
                "notify_rule_ids": notify_rule_id or [],
                "notify_channels": notify_channel or [],
                "notify_groups": notify_group or [],
            }
            if check:
                report_check(out, run_check(tree, out, lang=lang, options=options), output)
                return
            written = run_build(tree, out, lang=lang, clean=clean, options=options)
        if output == "json":
            typer.echo(json.dumps([str(out / w.path) for w in written], indent=2))
            return
        from rich.console import Console
        from rich.table import Table

        table = Table(title=f"n9e-k8s build → {out} ({lang})")
        table.add_column("file")
        table.add_column("bytes", justify="right")
        table.add_column("status")
        for w in written:
            table.add_row(w.path, str(w.bytes), "written" if w.changed else "unchanged")
        Console(no_color=no_color()).print(table)
        if not remote_write_url:
            from ..manifests import PLACEHOLDER_REMOTE_WRITE_URL

            typer.echo(
                f"manifests/ remote-write to the placeholder {PLACEHOLDER_REMOTE_WRITE_URL}: "
                "pass --remote-write-url (or use `n9e-k8s manifests`) for a real n9e."
            )


def report_check(out: Path, differences: list[Difference], output: str) -> None:
    """Print what `build --check` found; exit 1 unless --out is current."""
    if output == "json":
        typer.echo(json.dumps([{"path": d.path, "status": d.status} for d in differences], indent=2))
    elif differences:
        for d in differences:
            typer.echo(f"{d.status}: {out / d.path}")
        typer.echo(
            f"{out} is not what `n9e-k8s build` writes ({len(differences)} file(s)): run the build with the same "
            "options and commit the result (`--clean` also drops stale files)",
            err=True,
        )
    else:
        typer.echo(f"{out} is current")
    if differences:
        raise typer.Exit(EXIT_ERROR)
