"""`n9e-k8s verify --prometheus URL` or `n9e-k8s verify --n9e`: run every shipped query against real data,
directly or through n9e's datasource proxy."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from .common import EXIT_ERROR, EXIT_OK, TABLE_OR_JSON, SourceOption, check_choice, handle_errors, no_color
from .connection import Connection, with_connection
from .query_target import DatasourceOption, N9eOption, PrometheusOption, open_api, prometheus_url

if TYPE_CHECKING:
    from ..verify import Report


def register(app: typer.Typer) -> None:
    @app.command("verify")
    @with_connection
    def verify(
        prometheus: PrometheusOption = None,
        n9e: N9eOption = False,
        datasource: DatasourceOption = None,
        output: Annotated[str, typer.Option("--output", help="table or json.")] = "table",
        show: Annotated[
            str, typer.Option("--show", help="Rows to print: all, or problems (empty and errors only).")
        ] = "all",
        source: SourceOption = None,
        *,
        conn: Connection,
    ) -> None:
        """Run every catalog query, every dashboard variable and panel target (variables replaced by
        real values from the data) as instant queries and count the series. Exit 1 when a query
        fails or is empty without an `expected_empty` reason in its catalog entry."""
        from ..errors import UsageError
        from ..project import load_project
        from ..source import resolve_source
        from ..verify import VERIFY_PARTS
        from ..verify import verify as run_verify

        with handle_errors():
            check_choice("--output", output, TABLE_OR_JSON)
            if show not in ("all", "problems"):
                raise UsageError(f"--show must be all or problems, not {show!r}")
            url = prometheus_url(conn, prometheus, n9e, datasource)
            project = load_project(resolve_source(source), VERIFY_PARTS)  # before the first request
            api, where = open_api(conn, url, datasource)
            report = run_verify(project, api)
        if output == "json":
            typer.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2, sort_keys=True))
        else:
            _print_table(report, show, where)
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
