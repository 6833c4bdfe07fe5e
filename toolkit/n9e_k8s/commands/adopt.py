"""`n9e-k8s adopt PATH... --into DIR`: existing boards and rules into a source tree (n9e_k8s.adopt)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import EXIT_USAGE, check_choice, err, handle_errors


def register(app: typer.Typer) -> None:
    @app.command("adopt")
    def adopt(
        paths: Annotated[
            list[Path] | None, typer.Argument(help="n9e/Grafana/Prometheus files or folders of them.")
        ] = None,
        into: Annotated[
            Path, typer.Option("--into", help="Source tree to write into (created like `init` if absent).")
        ] = Path("."),
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
        dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the ledger, write nothing.")] = False,
        output: Annotated[str, typer.Option("--output", help="text or json.")] = "text",
    ) -> None:
        """Convert boards, alert and recording rules into catalog entries, dashboards and alerts, linted.

        Prints a ledger: what was converted, merged with an existing catalog entry, or refused and why.
        Nothing is written when anything fails to check.
        """
        from ..errors import UsageError
        from ..registry import DEFAULT_VERSION, SUPPORTED_VERSIONS, parse_k8s_minor

        with handle_errors():
            check_choice("--output", output, ("text", "json"))
            if not paths and not prometheus:
                raise UsageError("give files or folders to adopt, or --prometheus URL")
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
            from ..adopt.run import adopt as run

            result = run(list(paths or []), into, version, component, prometheus, dry_run)
        if output == "json":
            import json

            doc = {"k8s_version": version, **result.ledger.to_dict(), "written": result.written}
            typer.echo(json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=True))
        else:
            from ..adopt.ledger import print_table

            print_table(result.ledger, result.written)
