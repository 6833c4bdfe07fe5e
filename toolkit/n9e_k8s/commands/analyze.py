"""`n9e-k8s analyze --prometheus URL` or `--n9e`: the metrics the configured jobs store, their series, and which
boards, panels and rules read them; what is stored and never read, largest first."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from .common import TABLE_OR_JSON, SourceOption, check_choice, handle_errors, no_color
from .connection import Connection, with_connection
from .query_target import DatasourceOption, N9eOption, PrometheusOption, open_api, prometheus_url

if TYPE_CHECKING:
    from ..analyze import Analysis


def register(app: typer.Typer) -> None:
    @app.command("analyze")
    @with_connection
    def analyze(
        prometheus: PrometheusOption = None,
        n9e: N9eOption = False,
        datasource: DatasourceOption = None,
        output: Annotated[str, typer.Option("--output", help="table or json.")] = "table",
        show: Annotated[
            str, typer.Option("--show", help="Rows to print: all stored metrics, or unused ones only.")
        ] = "all",
        source: SourceOption = None,
        *,
        conn: Connection,
    ) -> None:
        """For each metric stored under the configured jobs: its series and the boards, panels and rules
        that read it. Lists what is stored and never read, largest first (keep-list candidates)."""
        from ..analyze import ANALYZE_PARTS
        from ..analyze import analyze as run_analyze
        from ..errors import RemoteError
        from ..project import load_project
        from ..source import resolve_source
        from ..verify import ApiError

        with handle_errors():
            check_choice("--output", output, TABLE_OR_JSON)
            check_choice("--show", show, ("all", "unused"))
            url = prometheus_url(conn, prometheus, n9e, datasource)
            project = load_project(resolve_source(source), ANALYZE_PARTS)  # before the first request
            api, where = open_api(conn, url, datasource)
            try:
                result = run_analyze(project, api)
            except ApiError as exc:
                raise RemoteError(f"{where}: {exc}") from None
        if output == "json":
            typer.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2, sort_keys=True))
        else:
            _print_table(result, show, where)


def _print_table(result: Analysis, show: str, where: str) -> None:
    from rich.console import Console
    from rich.table import Table

    from ..analyze import where_used

    console = Console(no_color=no_color(), soft_wrap=False)
    table = Table(title=f"analyze {where} (jobs {', '.join(result.jobs)})")
    for col in ("family", "series", "read by"):
        table.add_column(col, justify="right" if col == "series" else "left", overflow="fold")
    for f in result.unused if show == "unused" else result.families:
        table.add_row(
            f.name, str(f.series), where_used(f.readers()) if f.used else "[bold yellow]never read[/]"
        )
    console.print(table)
    s = result.summary()
    console.print(
        f"{s['stored_families']} metric families stored ({s['stored_series']} series): {s['used_families']} "
        f"read, {s['unused_families']} never read ({s['unused_series']} series); "
        f"{s['missing_names']} names read but not stored"
    )
    if result.missing:
        console.print("read but not stored: " + ", ".join(m.name for m in result.missing))
