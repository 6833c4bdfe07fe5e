"""Where `verify` and `analyze` send their queries: a Prometheus API (--prometheus URL, env PROMETHEUS_URL) or
n9e's datasource proxy (--n9e with the sync commands' connection options and --datasource). Options once."""

from __future__ import annotations

import os
from typing import Annotated, Any

import typer

from .connection import Connection

PrometheusOption = Annotated[
    str | None,
    typer.Option(
        "--prometheus",
        help="Prometheus base URL (the one /api/v1/query is under). Env: PROMETHEUS_URL.",
        show_default=False,
    ),
]
N9eOption = Annotated[
    bool,
    typer.Option(
        "--n9e",
        help="Query through n9e's datasource proxy (/api/n9e/proxy/<datasource>/api/v1/...), with the "
        "connection options of the sync commands: --url, --token or --username/--password, --context, "
        "--datasource (env N9E_URL, N9E_TOKEN, N9E_USERNAME, N9E_PASSWORD, N9E_DATASOURCE).",
    ),
]
DatasourceOption = Annotated[
    str | None,
    typer.Option(
        "--datasource",
        help="With --n9e: the n9e datasource (name or id) to query (env N9E_DATASOURCE).",
        show_default=False,
    ),
]


def prometheus_url(conn: Connection, prometheus: str | None, n9e: bool, datasource: str | None) -> str | None:
    """Check the flags (no request yet): the Prometheus URL to query, or None for --n9e."""
    from ..errors import UsageError

    if n9e:
        if prometheus:
            raise UsageError("give either --prometheus or --n9e, not both")
        return None
    given = conn.n9e_only_flags() + (["--datasource"] if datasource else [])
    if given:
        raise UsageError(f"{', '.join(given)} only with --n9e")
    prometheus = prometheus or os.environ.get("PROMETHEUS_URL")
    if not prometheus:
        raise UsageError("--prometheus URL (or PROMETHEUS_URL), or --n9e, is required")
    return prometheus


def open_api(conn: Connection, url: str | None, datasource: str | None) -> tuple[Any, str]:
    """(PrometheusApi or N9eProxyApi, where it points) for what :func:`prometheus_url` returned."""
    from ..verify import PrometheusApi

    if url is not None:
        return PrometheusApi(url, timeout=conn.timeout), url
    return _n9e_api(conn, datasource)


def _n9e_api(conn: Connection, datasource: str | None) -> tuple[Any, str]:
    """The datasource proxy of the n9e the sync commands would talk to (same flags, env and contexts)."""
    from ..errors import UsageError
    from ..sync.engine import resolve_datasource
    from ..verify import N9eProxyApi
    from .connection import connect

    client, settings = connect(conn, group=None, datasource=datasource)
    if not settings.datasource:
        raise UsageError("--n9e needs the datasource to query: --datasource NAME|ID or N9E_DATASOURCE")
    ds_id = resolve_datasource(client, settings.datasource)
    assert ds_id is not None
    return N9eProxyApi(client, ds_id), f"{settings.url} (datasource {settings.datasource}, id {ds_id})"
