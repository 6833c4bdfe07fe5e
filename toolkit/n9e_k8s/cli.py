"""The `n9e-k8s` command line. Thin: each command lives in n9e_k8s.commands.<name> and is imported
only when it runs, so start-up stays fast."""

from __future__ import annotations

import importlib
import sys
from typing import Annotated

import typer

from . import __version__

app = typer.Typer(
    name="n9e-k8s",
    help="Kubernetes control-plane monitoring for Nightingale (n9e), kept as code.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Click's plain help and usage errors: typer's rich formatter imports rich.markdown, pygments and more
    # (~100 ms) on every `--help`, twice what the rest of the start-up costs (bench/startup.py).
    rich_markup_mode=None,
)

# command name -> module under n9e_k8s.commands; each module exposes `register(app)`.
COMMANDS: dict[str, str] = {
    "init": "init",
    "adopt": "adopt",
    "catalog": "catalog",
    "lint": "lint",
    "build": "build",
    "validate": "validate",
    "manifests": "manifests",
    "verify": "verify",
    "analyze": "analyze",
    "import-dashboards": "sync",
    "sync-alerts": "sync",
    "export": "sync",
    "publish": "publish",
}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"n9e-k8s {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """Kubernetes control-plane monitoring for Nightingale (n9e), kept as code."""


_registered: set[str] = set()


def _register_all() -> None:
    """Add every command to the app, once per process: a second call (main() run twice in one process,
    as tests and embedding programs do) would append the commands again, and typer converts each copy on
    every run. Registration imports only the small command modules; heavy modules are imported inside
    the command functions themselves."""
    for module in dict.fromkeys(COMMANDS.values()):
        if module not in _registered:
            importlib.import_module(f"n9e_k8s.commands.{module}").register(app)
            _registered.add(module)


def main(argv: list[str] | None = None) -> None:
    _register_all()
    app(args=argv if argv is not None else sys.argv[1:], prog_name="n9e-k8s")
