"""`n9e-k8s adopt PATH... --into DIR`: existing boards and rules into a source tree (n9e_k8s.adopt)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import EXIT_USAGE, check_choice, err, handle_errors
from .connection import Connection, with_connection


def register(app: typer.Typer) -> None:
    @app.command("adopt")
    @with_connection
    def adopt(
        paths: Annotated[
            list[Path] | None, typer.Argument(help="n9e/Grafana/Prometheus files or folders of them.")
        ] = None,
        into: Annotated[
            Path | None,
            typer.Option(
                "--into",
                help="Source tree to write into (created like `init` if absent).",
                show_default=False,
            ),
        ] = None,
        prometheus: Annotated[
            str | None,
            typer.Option("--prometheus", help="Also adopt the rules of this Prometheus (/api/v1/rules)."),
        ] = None,
        k8s_version: Annotated[
            str | None, typer.Option("--k8s-version", help="Kubernetes minor the queries are linted for.")
        ] = None,
        component: Annotated[
            str | None,
            typer.Option(
                "--component", help="Component for what names none (default: the always-scraped one)."
            ),
        ] = None,
        group: Annotated[
            str | None,
            typer.Option("--group", help="Also adopt the boards and rules of this n9e busi group (live)."),
        ] = None,
        dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the ledger, write nothing.")] = False,
        output: Annotated[str, typer.Option("--output", help="text or json.")] = "text",
        *,
        conn: Connection,
    ) -> None:
        """Convert boards, alert and recording rules into catalog entries, dashboards and alerts, linted.

        Prints a ledger: what was converted, merged with an existing catalog entry, or refused and why.
        Nothing is written when anything fails to check.
        """
        from ..errors import UsageError
        from ..registry import DEFAULT_VERSION, SUPPORTED_VERSIONS, parse_k8s_minor

        with handle_errors():
            check_choice("--output", output, ("text", "json"))
            if into is None:
                raise UsageError("--into DIR is required: the source tree to write into")
            if not paths and not prometheus and not group:
                raise UsageError("give files or folders to adopt, --group G or --prometheus URL")
            if conn.n9e_only_flags() and not group:
                raise UsageError(f"{', '.join(conn.n9e_only_flags())} appl(ies) to --group only")
            try:
                major, minor = parse_k8s_minor(k8s_version or DEFAULT_VERSION)
            except ValueError as exc:
                raise UsageError(str(exc)) from None
            version = f"{major}.{minor}"
            if version not in SUPPORTED_VERSIONS:
                err(
                    f"--k8s-version {version} is not supported ({SUPPORTED_VERSIONS[0]} to {SUPPORTED_VERSIONS[-1]})"
                )
                raise typer.Exit(EXIT_USAGE)
            import tempfile

            from ..adopt.run import adopt as run

            with tempfile.TemporaryDirectory(prefix="n9e-k8s-adopt-group.") as tmp:
                inputs = list(paths or [])
                if group:
                    inputs.append(_export(conn, group, Path(tmp) / group))
                result = run(inputs, into, version, component, prometheus, dry_run)
        if output == "json":
            import json

            doc = {"k8s_version": version, **result.ledger.to_dict(), "written": result.written}
            typer.echo(json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=True))
        else:
            from ..adopt.ledger import print_table

            print_table(result.ledger, result.written)


def _export(conn: Connection, group: str, out: Path) -> Path:
    """The group as `n9e-k8s export` writes it: what adopt reads."""
    from ..sync.engine import export_group
    from ..sync.handlers import kind_of_folder
    from .connection import connect

    client, settings = connect(conn, group=group, datasource=None)
    export_group(client, settings.group or group, out, list(kind_of_folder().values()))
    return out
