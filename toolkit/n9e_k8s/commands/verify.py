"""`n9e-k8s verify --prometheus URL`: run every shipped query against real data."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from .common import EXIT_ERROR, EXIT_OK, SourceOption, handle_errors, no_color

if TYPE_CHECKING:
    from ..verify import Report


def register(app: typer.Typer) -> None:
    @app.command("verify")
    def verify(
        prometheus: Annotated[
            str | None,
            typer.Option(
                "--prometheus",
                envvar="PROMETHEUS_URL",
                help="Prometheus base URL (the one /api/v1/query is under). Env: PROMETHEUS_URL.",
                show_default=False,
            ),
        ] = None,
        output: Annotated[str, typer.Option("--output", help="table or json.")] = "table",
        show: Annotated[
            str, typer.Option("--show", help="Rows to print: all, or problems (empty and errors only).")
        ] = "all",
        source: SourceOption = None,
    ) -> None:
        """Run every catalog query, every dashboard variable and panel target (variables replaced by
        real values from the data) as instant queries and count the series. Exit 1 when a query
        fails or is empty without an `expected_empty` reason in its catalog entry."""
        from ..errors import UsageError
        from ..source import resolve_source
        from ..verify import PrometheusApi
        from ..verify import verify as run_verify

        with handle_errors():
            if output not in ("table", "json"):
                raise UsageError(f"--output must be table or json, not {output!r}")
            if show not in ("all", "problems"):
                raise UsageError(f"--show must be all or problems, not {show!r}")
            if not prometheus:
                raise UsageError("--prometheus URL (or PROMETHEUS_URL) is required")
            tree = resolve_source(source)
            report = run_verify(tree, PrometheusApi(prometheus))
        if output == "json":
            typer.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2, sort_keys=True))
        else:
            _print_table(report, show, prometheus)
        raise typer.Exit(EXIT_ERROR if report.failed else EXIT_OK)


def _print_table(report: Report, show: str, url: str) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(no_color=no_color(), soft_wrap=False)
    table = Table(title=f"verify against {url}", show_lines=False)
    for col in ("kind", "query", "series", "status"):
        table.add_column(col, justify="right" if col == "series" else "left", overflow="fold")
    style = {"data": "green", "expected-empty": "yellow", "empty": "bold red", "error": "bold red"}
    for r in report.results:
        if show == "problems" and not r.failed:
            continue
        status = r.status
        if r.status == "expected-empty":
            status = f"empty (expected: {r.expected_empty})"
        elif r.error:
            status = f"error: {r.error}"
        elif r.nan:
            status = f"data ({r.nan} NaN)"
        table.add_row(r.kind, r.name, str(r.series), f"[{style[r.status]}]{status}[/]")
    console.print(table)
    c = report.counts()
    console.print(
        f"{c['queries']} queries: {c['data']} with data ({c['nan-only']} NaN only), "
        f"{c['expected-empty']} empty as expected, "
        f"{c['empty']} unexpectedly empty, {c['error']} error(s)"
    )
