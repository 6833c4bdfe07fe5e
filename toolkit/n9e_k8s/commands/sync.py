"""`n9e-k8s import-dashboards`, `n9e-k8s sync-alerts` and `n9e-k8s export`: keep a busi group in n9e
in line with the source (plan, diff, apply, prune, drift), or write the group's objects to files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..langs import LANGS
from .common import (
    EXIT_ERROR,
    TEXT_OR_JSON,
    SourceOption,
    check_choice,
    handle_errors,
    no_color,
    out_path,
)
from .connection import Connection, add_options, connect, with_connection

if TYPE_CHECKING:
    from ..sync.engine import Report
    from ..sync.plan import Action, Plan

Group = Annotated[
    str | None, typer.Option("--group", help="Busi group name or id (env N9E_GROUP).", show_default=False)
]
Output = Annotated[
    str,
    typer.Option(
        "--output",
        "-o",
        help="text (people), json (scripts), or markdown (a PR comment; sync commands only).",
    ),
]
SYNC_OUTPUTS = ("text", "json", "markdown")
DryRun = Annotated[
    bool,
    typer.Option(
        "--dry-run", help="Print the plan and diffs, write nothing (exit 3 if changes are pending)."
    ),
]
Prune = Annotated[
    bool, typer.Option("--prune", help="Delete managed objects that are no longer in the source.")
]
Force = Annotated[
    bool, typer.Option("--force", help="Overwrite objects changed in n9e (drift) or not managed by n9e-k8s.")
]
BackupDir = Annotated[
    Path | None,
    typer.Option(
        "--backup-dir",
        help="Where drifted remote objects are saved (default ./n9e-k8s-backup/<time>/).",
        show_default=False,
    ),
]
CreateGroup = Annotated[
    bool, typer.Option("--create-group", help="Create the busi group if it does not exist.")
]
Lang = Annotated[str, typer.Option("--lang", help="Language of names and descriptions: en or zh.")]
FromBuild = Annotated[
    Path | None,
    typer.Option(
        "--from-build",
        help="Take the objects from a `n9e-k8s build` output directory instead of rendering.",
        show_default=False,
    ),
]
Parallel = Annotated[int, typer.Option("--parallel", help="Concurrent reads of boards.")]


STYLE = {"create": "green", "update": "yellow", "delete": "red", "drift": "magenta", "conflict": "magenta"}


def _print_plan(console: Any, plan: Plan, dry_run: bool) -> None:
    from rich.markup import escape

    from ..sync.plan import SYMBOL

    for a in plan.actions:
        if a.op == "unchanged":
            continue
        label = a.op if not a.forced else f"{a.op} (--force: overwrite)"
        reason = f" — {a.reason}" if a.reason else ""
        console.print(
            f"[{STYLE.get(a.op, '')}]{SYMBOL[a.op]} {label} {a.kind} {escape(a.key)}[/]{escape(reason)}",
            highlight=False,
        )
        if a.diff and (dry_run or a.op in ("drift", "conflict")):
            for line in a.diff.splitlines():
                style = "green" if line.startswith("+") else "red" if line.startswith("-") else "dim"
                console.print(f"    [{style}]{escape(line)}[/]", highlight=False, soft_wrap=True)


def _print_summary(console: Any, report: Report) -> None:
    from rich.table import Table

    title = f"n9e-k8s → {report.group_name} (group {report.group_id or 'new'}, n9e {report.version})"
    if report.dry_run:
        title += " — dry run, nothing written"
    table = Table(title=title)
    table.add_column("kind", no_wrap=True, min_width=len("recording-rule"))
    for col in ("create", "update", "unchanged", "delete", "drift", "conflict", "failed"):
        table.add_column(col, justify="right")
    for kind, row in report.plan.counts().items():
        failed = sum(1 for a in report.failed if a.kind == kind)
        table.add_row(
            kind,
            *(str(row[c]) for c in ("create", "update", "unchanged", "delete", "drift", "conflict")),
            str(failed),
        )
    console.print(table)
    for a in report.failed:
        console.print(f"[red]failed[/] {a.op} {a.kind} {a.key}: {a.error}", highlight=False)
    for w in report.warnings:
        console.print(f"[yellow]warning[/] ({w.code}): {w.message}", highlight=False)
    if report.blocked:
        console.print(
            f"[magenta]{len(report.blocked)} object(s) changed in n9e or not managed by n9e-k8s were left as they are"
            f"{'' if report.dry_run else ' (remote copies saved under the backup directory)'}; "
            "review, fold the change into the source, or rerun with --force.[/]"
        )
    for b in report.backups:
        console.print(f"backup: {b}", highlight=False)
    console.print(
        f"{sum(report.requests.values())} requests ({', '.join(f'{m} {n}' for m, n in sorted(report.requests.items()))}) "
        f"in {report.seconds:.2f}s",
        highlight=False,
    )


def _run_sync(kinds: list[str], params: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from ..errors import UsageError
    from ..n9e.versions import NEWEST_KNOWN
    from ..project import load_project
    from ..source import resolve_source
    from ..sync.desired import SYNC_PARTS, boards_from_source, from_build, rules_from_source
    from ..sync.engine import SyncOptions, sync

    output = params["output"]
    console = Console(stderr=output != "text", no_color=no_color())
    code = EXIT_ERROR
    with handle_errors():
        check_choice("--output", output, SYNC_OUTPUTS)
        check_choice("--lang", params["lang"], LANGS)
        if not 1 <= params["parallel"] <= 32:
            raise UsageError(f"--parallel must be from 1 to 32, not {params['parallel']}")
        max_for = None
        if params.get("max_for"):
            from ..sync.testaid import parse_seconds

            max_for = parse_seconds(params["max_for"])  # before any request
        notify_rules = list(params.get("notify_rule") or [])
        # The whole source is read and checked before the first request (boards and rules render once
        # more below for the server's version, which needs one).
        project = None
        if params["from_build"] is not None:
            desired = from_build(params["from_build"], kinds)
        else:
            project = load_project(resolve_source(params["source"]), SYNC_PARTS)
            desired = {}
            if "alert-rule" in kinds:
                notify_rules = list(dict.fromkeys([*project.config.notify_rules, *notify_rules]))
            if "board" in kinds:
                boards_from_source(project, params["lang"], NEWEST_KNOWN)
            if "alert-rule" in kinds:
                rules_from_source(project, params["lang"], NEWEST_KNOWN)
        client, settings = connect(params["conn"], group=params["group"], datasource=params["datasource"])
        if project is not None and "board" in kinds:
            desired["board"] = boards_from_source(project, params["lang"], client.version_tuple)
        if project is not None and "alert-rule" in kinds:
            alerts, records = rules_from_source(project, params["lang"], client.version_tuple)
            desired["alert-rule"], desired["recording-rule"] = alerts, records
        if max_for:
            from ..sync.testaid import cap_timings

            cap_timings(desired, max_for)
        progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=console,
            transient=True,
            disable=output != "text" or not console.is_terminal,
        )
        task = None

        def on_plan(plan: Plan) -> None:
            nonlocal task
            if output == "text":
                _print_plan(console, plan, params["dry_run"])
            writes = sum(1 for a in plan.actions if a.writes)
            if writes and not params["dry_run"]:
                progress.start()
                task = progress.add_task("applying", total=writes)

        def on_action(a: Action) -> None:
            if task is not None:
                progress.advance(task)

        try:
            report = sync(
                client,
                desired,
                group=settings.group or "",
                create_group=params["create_group"],
                datasource=settings.datasource,
                options=SyncOptions(
                    dry_run=params["dry_run"],
                    prune=params["prune"],
                    force=params["force"],
                    backup_dir=params["backup_dir"],
                ),
                parallel=params["parallel"],
                progress=on_action,
                on_plan=on_plan,
                notify_rules=notify_rules if "alert-rule" in kinds else [],
            )
        finally:
            progress.stop()
        code = report.exit_code()
        if output == "json":
            typer.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2, sort_keys=True))
        elif output == "markdown":
            from ..sync.markdown import plan_markdown

            typer.echo(plan_markdown(report), nl=False)
        else:
            _print_summary(console, report)
    raise typer.Exit(code)


Datasource = Annotated[
    str | None,
    typer.Option(
        "--datasource",
        help="Datasource name or id (env N9E_DATASOURCE): the one rules query; for boards, the default of "
        "their datasource variable.",
        show_default=False,
    ),
]


def _sync_command(kinds: list[str], doc: str) -> Any:
    def command(
        group: Group = None,
        datasource: Datasource = None,
        create_group: CreateGroup = False,
        dry_run: DryRun = False,
        prune: Prune = False,
        force: Force = False,
        backup_dir: BackupDir = None,
        output: Output = "text",
        lang: Lang = "en",
        from_build: FromBuild = None,
        source: SourceOption = None,
        parallel: Parallel = 4,
        *,
        conn: Connection,
        **extra: Any,
    ) -> None:
        params = dict(locals())
        _run_sync(kinds, {**params.pop("extra"), **params})

    command.__doc__ = doc
    add_options(command, ALERT_OPTIONS if "alert-rule" in kinds else [])
    return with_connection(command)


NotifyRule = Annotated[
    list[str] | None,
    typer.Option(
        "--notify-rule",
        help="n9e v8+: name of a notify rule every alert rule notifies (repeatable; added to promql/config.yaml's "
        "notify_rules). Resolved to its id on the server; an unknown name fails before anything is written.",
        show_default=False,
    ),
]
MaxFor = Annotated[
    str | None,
    typer.Option(
        "--max-for",
        help="Test aid: cap every alert rule's `for` and every rule's evaluation interval at this duration "
        "(e.g. 10s), so a lab outage pages within seconds. A normal sync afterwards writes the real timings back.",
        show_default=False,
    ),
]
# Options only sync-alerts has: (name, annotation, default).
ALERT_OPTIONS: list[tuple[str, Any, Any]] = [("notify_rule", NotifyRule, None), ("max_for", MaxFor, None)]


def register(app: typer.Typer) -> None:
    app.command("import-dashboards")(
        _sync_command(
            ["board"], "Create or update the dashboards of the source in an n9e busi group (idempotent)."
        )
    )
    app.command("sync-alerts")(
        _sync_command(
            ["alert-rule", "recording-rule"],
            "Create or update the alert rules and recording rules of the source in an n9e busi group.",
        )
    )

    @app.command("export")
    @with_connection
    def export(
        out_arg: Annotated[str, typer.Option("--out", help="Directory to write into.")],
        group: Group = None,
        what: Annotated[
            str | None,
            typer.Option(
                "--what",
                help="Comma list of: dashboards, alert-rules, recording-rules (the folders; default: all).",
                show_default=False,
            ),
        ] = None,
        output: Output = "text",
        *,
        conn: Connection,
    ) -> None:
        """Write a busi group's boards and rules as normalised JSON files with stable names (for git review)."""
        from ..errors import UsageError
        from ..sync.engine import export_group
        from ..sync.handlers import kind_of_folder

        names = kind_of_folder()
        with handle_errors():
            out = out_path(out_arg)
            check_choice("--output", output, TEXT_OR_JSON)
            picked = list(names) if what is None else [w.strip() for w in what.split(",") if w.strip()]
            unknown = [w for w in picked if w not in names]
            if unknown or not picked:
                raise UsageError(f"--what takes {', '.join(names)}; got {what!r}")
            client, settings = connect(conn, group=group, datasource=None)
            written = export_group(client, settings.group or "", out, [names[w] for w in picked])
        if output == "json":
            typer.echo(json.dumps([str(p) for p in written], indent=2))
        else:
            typer.echo(f"wrote {len(written)} file(s) under {out}")
