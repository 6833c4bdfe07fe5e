"""`n9e-k8s catalog`: list the PromQL catalog entries."""

from __future__ import annotations

from typing import Annotated

import typer

from ..langs import LANGS
from .common import TABLE_OR_JSON, SourceOption, check_choice, handle_errors


def register(app: typer.Typer) -> None:
    @app.command("catalog")
    def catalog(
        source: SourceOption = None,
        component: Annotated[str | None, typer.Option("--component", help="Only this component.")] = None,
        output_format: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
        lang: Annotated[str, typer.Option("--lang", help="Title language: en or zh.")] = "en",
        mode: Annotated[str, typer.Option("--mode", help="Render for dashboard or rule.")] = "dashboard",
    ) -> None:
        """List catalog entries: id, component, title, unit and the rendered PromQL."""
        from ..errors import UsageError
        from ..project import load_project
        from ..source import resolve_source

        with handle_errors():
            check_choice("--format", output_format, TABLE_OR_JSON)
            check_choice("--lang", lang, LANGS)
            if mode not in ("dashboard", "rule"):
                raise UsageError(f"--mode must be dashboard or rule, not {mode!r}")
            tree = resolve_source(source)
            cat = load_project(tree, ("catalog",)).catalog
            if component is not None and component not in cat.selectors.jobs:
                raise UsageError(f"unknown component {component!r}; known: {', '.join(cat.selectors.jobs)}")
            entries = cat.for_component(component) if component else cat.entries
            rows = sorted(
                (
                    {
                        "id": e.id,
                        "component": e.component,
                        "group": e.group,
                        "title": e.title.get(lang),
                        "unit": e.unit,
                        "expr": e.render(cat.selectors, mode),  # type: ignore[arg-type]
                    }
                    for e in entries
                ),
                key=lambda r: r["id"],
            )
        if output_format == "json":
            import json

            typer.echo(json.dumps(rows, indent=2, sort_keys=True, ensure_ascii=False))
            return
        from rich.console import Console
        from rich.table import Table

        from .common import no_color

        table = Table("id", "title", "unit", "expr", show_lines=False)
        for r in rows:
            table.add_row(r["id"], r["title"], r["unit"], r["expr"])
        Console(no_color=no_color(), soft_wrap=False).print(table)
