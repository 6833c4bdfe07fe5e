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
    path = path or default_config_path(environ)
    if not path.is_file():
        if explicit or name:
            raise UsageError(f"{path}: config file not found")
        return None, {}
    data = _read_config(path)
    contexts = data.get("contexts") or {}
    if not isinstance(contexts, dict):
        raise UsageError(f"{path}: contexts: must be a mapping of name -> settings")
    name = name or data.get("current-context")
    if not name:
        return None, {}
    if name not in contexts:
        known = ", ".join(sorted(contexts)) or "none"
        raise UsageError(f"{path}: no context {name!r} (known: {known})")
    raw = contexts[name] or {}
    if not isinstance(raw, dict):
        raise UsageError(f"{path}: contexts.{name}: must be a mapping of settings")
    ctx = dict(raw)
    for key, value in ctx.items():
        if key in CONTEXT_KEYS or key in SECRET_ENV_KEYS:
            _check_type(path, f"contexts.{name}.{key}", key, value)
    for key in ("token", "password", "basic_password"):
        env_key = ctx.pop(f"{key}_env", None)
        if env_key and not ctx.get(key):
            if not environ.get(env_key):
                raise UsageError(f"context {name!r}: {key}_env names ${env_key}, which is not set")
            ctx[key] = environ[env_key]
    unknown = set(ctx) - CONTEXT_KEYS
    if unknown:
        from ..yamlio import close_match

        key = sorted(unknown)[0]
        raise UsageError(f"{path}: contexts.{name}.{key}: unknown key{close_match(key, CONTEXT_KEYS)}")
    if ctx.get("password") or ctx.get("token") or ctx.get("basic_password"):
        warn_if_readable(path)
    return name, ctx


SETTINGS_KEYS = tuple(f for f in Settings.__dataclass_fields__ if f != "context")
CONTEXT_KEYS = frozenset(SETTINGS_KEYS)
# Set by a flag (commands/connection.py): all but BasicAuth's, which only the environment and contexts give.
FLAG_KEYS = tuple(k for k in SETTINGS_KEYS if not k.startswith("basic_"))
# Set by N9E_<KEY> (N9E_URL, N9E_TOKEN, ...): all but insecure, which only a flag or a context turns on.
ENV_KEYS = tuple(k for k in SETTINGS_KEYS if k != "insecure")
SECRET_ENV_KEYS = frozenset({"token_env", "password_env", "basic_password_env"})
# Names other n9e tools give the URL variable; N9E_URL wins over them.
URL_ENV_ALIASES = ("N9E_BASE_URL", "N9E_API_URL")


def env_url(env: dict[str, str]) -> str | None:
    """N9E_URL, else the one alias that is set; two aliases that disagree are a usage error."""
    if env.get("N9E_URL"):
        return env["N9E_URL"]
    given = {name: env[name] for name in URL_ENV_ALIASES if env.get(name)}
    if len({v.rstrip("/") for v in given.values()}) > 1:
        names = " and ".join(f"{n}={v!r}" for n, v in given.items())
        raise UsageError(f"{names} disagree: set N9E_URL, or only one of them")
    return next(iter(given.values()), None)


def _read_config(path: Path) -> dict[str, Any]:
    """The config file as a mapping; anything else is a usage error naming the file (and line)."""
    from ..errors import SourceError
    from ..yamlio import load_yaml

    try:
        data = load_yaml(path)
    except SourceError as exc:
        raise UsageError(str(exc)) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UsageError(
            f"{path}: must be a mapping (current-context, contexts), not a {type(data).__name__}"
        )
    for key in data:
        if key not in ("current-context", "contexts"):
            from ..yamlio import close_match

            raise UsageError(
                f"{path}:{data.line_of(key)}: {key}: unknown key{close_match(str(key), ('current-context', 'contexts'))}"
            )
    if data.get("current-context") is not None and not isinstance(data["current-context"], str):
        raise UsageError(f"{path}: current-context: must be a string")
    return data


def _check_type(path: Path, where: str, key: str, value: Any) -> None:
    """``insecure`` is a YAML boolean (the string "false" would turn verification off); the rest strings
    (group and datasource may be ids)."""
    if key == "insecure":
        ok = isinstance(value, bool)
        want = "true or false (a YAML boolean, not a string)"
    elif key in ("group", "datasource"):
        ok = isinstance(value, (str, int)) and not isinstance(value, bool)
        want = "a name or an id"
    else:
        ok = isinstance(value, str)
        want = "a string"
    if not ok:
        raise UsageError(f"{path}: {where}: must be {want}, not {value!r}"[:400])


def warn_if_readable(path: Path) -> None:
    """A config file holding a secret should not be readable by other users."""
    import sys

    try:
        mode = path.stat().st_mode
    except OSError:
        return
    if mode & 0o044:
        print(
            f"warning: {path} holds a password or token and is readable by others (chmod 600 {path})",
            file=sys.stderr,
        )


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
    from_env = {k: env.get(f"N9E_{k.upper()}") for k in ENV_KEYS}
    from_env["url"] = env_url(env)
    merged: dict[str, Any] = {}
    for layer in (
        ctx,
        {k: v for k, v in from_env.items() if v},
        {k: v for k, v in flags.items() if v not in (None, False)},
    ):
        merged.update(layer)
    if not merged.get("url"):
        raise UsageError(
            "no n9e URL: pass --url, set N9E_URL (or N9E_BASE_URL, N9E_API_URL), "
            "or choose a context with a url (--context)"
        )
    merged["url"] = str(merged["url"]).rstrip("/")
    for key in ("group", "datasource"):
        if merged.get(key) is not None:
            merged[key] = str(merged[key])
    merged["insecure"] = bool(merged.get("insecure"))
    return Settings(context=ctx_name, **merged)
