"""The connection options of the n9e-facing commands (import-dashboards, sync-alerts, export, verify --n9e), once:
the typer options (``OPTIONS``), the value they give (``Connection``), the decorator that adds them to a command
(``with_connection``), and ``connect`` (settings merged from flags, environment and config, then the client).

Group and datasource are not part of it: each command words them its own way (verify has no group)."""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from ..n9e.client import Credentials, N9eClient
    from ..sync.settings import Settings


@dataclass(frozen=True)
class Connection:
    """How to reach n9e, as given on the command line (``None``/``False``: not given; env and config may fill
    them in)."""

    url: str | None = None
    token: str | None = field(default=None, repr=False)
    auth_header: str | None = None
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    config: str | None = None
    context: str | None = None
    insecure: bool = False
    ca_file: str | None = None
    timeout: float = 30.0
    retries: int = 3
    verbose: bool = False

    def n9e_only_flags(self) -> list[str]:
        """The flags given that mean something only to n9e (not --timeout, --retries, --verbose)."""
        generic = ("timeout", "retries", "verbose")
        return [f"--{k.replace('_', '-')}" for k, v in asdict(self).items() if v and k not in generic]


OPTIONS: dict[str, Any] = {
    "url": Annotated[
        str | None,
        typer.Option(
            "--url",
            help="n9e base URL (env N9E_URL; or N9E_BASE_URL, N9E_API_URL).",
            show_default=False,
        ),
    ],
    "token": Annotated[
        str | None,
        typer.Option(
            "--token",
            help="API token (X-User-Token, v8+) or login JWT (Bearer; v6/v7) (prefer env N9E_TOKEN).",
            show_default=False,
        ),
    ],
    "auth_header": Annotated[
        str | None,
        typer.Option(
            "--auth-header",
            help="Header for the token (env N9E_AUTH_HEADER): Authorization (as Bearer) or X-User-Token; "
            "default: Bearer for a JWT or on n9e < v8, else X-User-Token.",
            show_default=False,
        ),
    ],
    "username": Annotated[
        str | None,
        typer.Option("--username", help="User for JWT login (env N9E_USERNAME).", show_default=False),
    ],
    "password": Annotated[
        str | None,
        typer.Option(
            "--password", help="Password for JWT login (prefer env N9E_PASSWORD).", show_default=False
        ),
    ],
    "config": Annotated[
        str | None,
        typer.Option(
            "--config",
            help="Config file with named contexts (default $N9E_K8S_CONFIG or ~/.config/n9e-k8s/config.yaml).",
            show_default=False,
        ),
    ],
    "context": Annotated[
        str | None, typer.Option("--context", help="Context of the config file to use.", show_default=False)
    ],
    "insecure": Annotated[
        bool, typer.Option("--insecure", help="Do not verify the server's TLS certificate.")
    ],
    "ca_file": Annotated[
        str | None, typer.Option("--ca-file", help="CA bundle to verify the server with.", show_default=False)
    ],
    "timeout": Annotated[float, typer.Option("--timeout", help="Seconds to wait for each answer.")],
    "retries": Annotated[
        int, typer.Option("--retries", help="Retries of idempotent requests (5xx, 429, network).")
    ],
    "verbose": Annotated[
        bool, typer.Option("--verbose", "-v", help="Log every request (never credentials).")
    ],
}
assert list(OPTIONS) == [f.name for f in fields(Connection)]


def add_options(command: Callable[..., Any], options: list[tuple[str, Any, Any]]) -> None:
    """Give ``command`` extra keyword options (name, typer annotation, default): typer reads ``__signature__``
    and ``__annotations__``; the values arrive in the command's ``**kwargs``."""
    sig = inspect.signature(command, eval_str=True)
    params = [p for p in sig.parameters.values() if p.kind is not inspect.Parameter.VAR_KEYWORD]
    for name, annotation, default in options:
        params.append(
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)
        )
    command.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in params}


def with_connection(command: Callable[..., Any]) -> Callable[..., Any]:
    """The command with the connection options added; they reach it as one ``conn: Connection`` argument."""
    names = [f.name for f in fields(Connection)]

    @functools.wraps(command)
    def wrapper(**kwargs: Any) -> Any:
        conn = Connection(**{n: kwargs.pop(n) for n in names})
        return command(**kwargs, conn=conn)

    sig = inspect.signature(command, eval_str=True)
    wrapper.__signature__ = sig.replace(  # type: ignore[attr-defined]
        parameters=[p for p in sig.parameters.values() if p.name != "conn"]
    )
    add_options(wrapper, [(f.name, OPTIONS[f.name], f.default) for f in fields(Connection)])
    return wrapper


def connect(conn: Connection, *, group: str | None, datasource: str | None) -> tuple[N9eClient, Settings]:
    """The client and the merged settings (flags > environment > config context) for ``conn``."""
    import logging

    from ..errors import UsageError
    from ..n9e.client import ClientOptions, Credentials, N9eClient, RedactingFilter, redact_url
    from ..sync.settings import FLAG_KEYS, resolve_settings

    given = {**asdict(conn), "group": group, "datasource": datasource}
    settings = resolve_settings({k: given[k] for k in FLAG_KEYS}, config=conn.config, context=conn.context)
    if conn.token and (conn.username or conn.password):
        raise UsageError("give either --token or --username/--password, not both")
    creds = Credentials(
        token=settings.token if not (conn.username and conn.password) else None,
        username=settings.username,
        password=settings.password,
        basic_user=settings.basic_user,
        basic_password=settings.basic_password,
        auth_header=settings.auth_header,
    )
    if not 0 < conn.timeout <= 3600:
        raise UsageError(f"--timeout must be more than 0 and at most 3600 seconds, not {conn.timeout:g}")
    if not 0 <= conn.retries <= 10:
        raise UsageError(f"--retries must be from 0 to 10, not {conn.retries}")
    warn_plain_http(settings.url, creds)
    if conn.verbose:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("n9e-k8s: %(message)s"))
        handler.addFilter(RedactingFilter(creds.secrets()))
        logger = logging.getLogger("n9e_k8s")
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
        logger.info(
            "n9e %s (%s)%s",
            redact_url(settings.url),
            creds,
            f", context {settings.context}" if settings.context else "",
        )
    options = ClientOptions(
        timeout=conn.timeout,
        retries=conn.retries,
        verify=not settings.insecure,
        ca_file=settings.ca_file,
    )
    if settings.ca_file and not Path(settings.ca_file).is_file():
        raise UsageError(f"--ca-file {settings.ca_file}: no such file")
    if settings.insecure:
        import urllib3

        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    return N9eClient(settings.url, creds, options), settings


def warn_plain_http(url: str, creds: Credentials) -> None:
    """A token or password sent over plain http:// to another machine can be read on the way."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme != "http" or (creds.mode == "none" and not parts.password):
        return
    host = (parts.hostname or "").lower()
    if host == "localhost" or host == "::1" or host.startswith("127."):
        return  # loopback (the labs): nothing crosses a network
    typer.echo(
        f"warning: credentials go to {parts.hostname} over plain http://; use https:// outside a lab",
        err=True,
    )
