"""Options and error handling shared by the commands."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from ..errors import RemoteError, SourceError, SourceErrors, UsageError

SourceOption = Annotated[
    str | None,
    typer.Option(
        "--source",
        envvar="N9E_K8S_SOURCE",
        help="Source tree (promql/, dashboards/, alerts/). Default: the built-in one.",
        show_default=False,
    ),
]

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_PENDING = 0, 1, 2, 3

T = TypeVar("T")


def err(message: str) -> None:
    typer.echo(f"error: {message}", err=True)


@contextmanager
def handle_errors() -> Iterator[None]:
    """Turn known errors into a clear message and the documented exit code."""
    try:
        yield
    except UsageError as exc:
        err(str(exc))
        raise typer.Exit(EXIT_USAGE) from None
    except SourceErrors as exc:
        for e in exc.errors:
            err(str(e))
        raise typer.Exit(EXIT_ERROR) from None
    except (SourceError, RemoteError) as exc:
        err(str(exc))
        raise typer.Exit(EXIT_ERROR) from None
    except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
        if os.environ.get("N9E_K8S_DEBUG"):
            raise
        # A gap in the checks: still no traceback for the user, but a message that says what it is.
        err(
            f"unexpected {type(exc).__name__}: {str(exc)[:300]} (a bug in n9e-k8s: please report it; "
            "N9E_K8S_DEBUG=1 shows where)"
        )
        raise typer.Exit(EXIT_ERROR) from None


def check_choice(flag: str, value: str, choices: tuple[str, ...]) -> None:
    """A usage error (exit 2) unless ``value`` is one of ``choices``."""
    if value not in choices:
        raise UsageError(f"{flag} must be {' or '.join(choices)}, not {value!r}")


def out_path(value: str, flag: str = "--out") -> Path:
    """An output folder flag: an empty value (an unset shell variable) is a usage error, not the cwd."""
    if not value.strip():
        raise UsageError(f"{flag} is empty (an unset variable?): give a folder")
    if "\0" in value:
        raise UsageError(f"{flag} contains a NUL byte")
    return Path(value).expanduser()


TEXT_OR_JSON = ("text", "json")
TABLE_OR_JSON = ("table", "json")


def no_color() -> bool:
    return bool(os.environ.get("NO_COLOR"))
