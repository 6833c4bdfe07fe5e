"""Connection settings: flags > environment > a named context of the config file (as kubectl has).

Config file (``--config``, ``$N9E_K8S_CONFIG``, or ``$XDG_CONFIG_HOME/n9e-k8s/config.yaml``)::

    current-context: lab
    contexts:
      lab:
        url: http://127.0.0.1:17000
        token_env: N9E_LAB_TOKEN        # or token: ..., or username + password / password_env
        auth_header: Authorization      # optional: send the token as Bearer (default: decided by the client)
        group: n9e-k8s
        datasource: prometheus
        insecure: false
        ca_file: /etc/ssl/my-ca.pem
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import UsageError


@dataclass(frozen=True)
class Settings:
    url: str
    token: str | None = field(default=None, repr=False)
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    basic_user: str | None = None
    basic_password: str | None = field(default=None, repr=False)
    group: str | None = None
    datasource: str | None = None
    insecure: bool = False
    ca_file: str | None = None
    context: str | None = None
    auth_header: str | None = None  # where the token goes (N9E_AUTH_HEADER); None: decided by the client

    def __repr__(self) -> str:
        return (
            f"Settings(url={self.url!r}, context={self.context!r}, group={self.group!r}, "
            f"datasource={self.datasource!r}, token={'***' if self.token else None}, username={self.username!r})"
        )


def default_config_path(environ: dict[str, str]) -> Path:
    if environ.get("N9E_K8S_CONFIG"):
        return Path(environ["N9E_K8S_CONFIG"]).expanduser()
    base = Path(environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "n9e-k8s" / "config.yaml"


def load_context(
    path: Path | None, name: str | None, environ: dict[str, str], explicit: bool
) -> tuple[str | None, dict[str, Any]]:
    """The chosen context's settings (secrets resolved from *_env keys)."""
    import yaml

    path = path or default_config_path(environ)
    if not path.is_file():
        if explicit or name:
            raise UsageError(f"{path}: config file not found")
        return None, {}
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise UsageError(f"{path}: not valid YAML: {exc}") from None
    contexts = data.get("contexts") or {}
    if not isinstance(contexts, dict):
        raise UsageError(f"{path}: contexts must be a mapping of name -> settings")
    name = name or data.get("current-context")
    if not name:
        return None, {}
    if name not in contexts:
        known = ", ".join(sorted(contexts)) or "none"
        raise UsageError(f"{path}: no context {name!r} (known: {known})")
    ctx = dict(contexts[name] or {})
    for key in ("token", "password", "basic_password"):
        env_key = ctx.pop(f"{key}_env", None)
        if env_key and not ctx.get(key):
            if not environ.get(env_key):
                raise UsageError(f"context {name!r}: {key}_env names ${env_key}, which is not set")
            ctx[key] = environ[env_key]
    unknown = set(ctx) - {f for f in Settings.__dataclass_fields__ if f != "context"}
    if unknown:
        raise UsageError(f"{path}: context {name!r}: unknown key(s) {', '.join(sorted(unknown))}")
    return name, ctx


def resolve_settings(
    flags: dict[str, Any],
    config: str | None = None,
    context: str | None = None,
    environ: dict[str, str] | None = None,
) -> Settings:
    """Merge flags (non-None values) over the environment over the context."""
    env = dict(os.environ if environ is None else environ)
    ctx_name, ctx = load_context(
        Path(config).expanduser() if config else None, context, env, explicit=bool(config)
    )
    from_env = {
        "url": env.get("N9E_URL"),
        "token": env.get("N9E_TOKEN"),
        "username": env.get("N9E_USERNAME"),
        "password": env.get("N9E_PASSWORD"),
        "basic_user": env.get("N9E_BASIC_USER"),
        "basic_password": env.get("N9E_BASIC_PASSWORD"),
        "group": env.get("N9E_GROUP"),
        "datasource": env.get("N9E_DATASOURCE"),
        "ca_file": env.get("N9E_CA_FILE"),
        "auth_header": env.get("N9E_AUTH_HEADER"),
    }
    merged: dict[str, Any] = {}
    for layer in (
        ctx,
        {k: v for k, v in from_env.items() if v},
        {k: v for k, v in flags.items() if v not in (None, False)},
    ):
        merged.update(layer)
    if not merged.get("url"):
        raise UsageError("no n9e URL: pass --url, set N9E_URL, or choose a context with a url (--context)")
    merged["url"] = str(merged["url"]).rstrip("/")
    for key in ("group", "datasource"):
        if merged.get(key) is not None:
            merged[key] = str(merged[key])
    merged["insecure"] = bool(merged.get("insecure"))
    return Settings(context=ctx_name, **merged)
