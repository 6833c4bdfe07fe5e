"""A real Nightingale (n9e) for the tests: fixtures `n9e` and `n9e_lab_factory`, marker `n9e`.

The server is started through the lab contract (`lab/n9e/up`, which builds n9e once per version into a cache
outside the repository) and stopped with `lab/n9e/down` at the end of the session.

`available_versions()` lists the versions this machine can run, for parametrizing at collection time: v6.7.3 (the
only one the Go module proxy serves, so the one CI runs) first, then v9.1.1, v8.5.1, v7.7.2 when N9E_LAB_SRC gives
their source ("{version}" form) or their binaries are already cached.

Environment:
  N9E_URL + N9E_TOKEN     use that existing server for `n9e` instead of starting one (with N9E_GROUP,
                          N9E_DATASOURCE, N9E_USERNAME, N9E_PASSWORD, N9E_AUTH_HEADER); `n9e_lab_factory` still
                          starts its own
  N9E_LAB_VERSION         version of the `n9e` fixture (default: the first of available_versions(), v6.7.3)
  N9E_LAB_SKIP=1          skip the n9e tests instead of failing when n9e cannot be built or started (ignored in CI)
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.util
import os
import shlex
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import pytest
import requests

from tests.ci import in_ci

REPO = Path(__file__).resolve().parents[2]
LAB = REPO / "lab" / "n9e"
DEFAULT_VERSION = "v6.7.3"  # the lab's default: the only n9e version the Go module proxy serves
# Deprecated: the pins that need a local n9e source; use available_versions(), which lists what can run here.
LAB_VERSIONS = ("v9.1.1", "v8.5.1")


@functools.cache
def _lab_module() -> ModuleType:
    """lab/n9e/lab.py (standard library only), imported by path: it is a script, not a package."""
    spec = importlib.util.spec_from_file_location("n9e_k8s_lab_n9e", LAB / "lab.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def available_versions() -> list[str]:
    """The n9e versions this machine can run, the default first: v6.7.3 always, then the pinned versions whose
    source N9E_LAB_SRC gives or whose binary is cached. Cheap (no build), so usable at collection time."""
    return list(_lab_module().available_versions())


@dataclass(frozen=True)
class N9eLab:
    url: str
    token: str = field(repr=False)
    username: str
    password: str = field(repr=False)
    group_id: int
    group_name: str
    datasource_id: int
    datasource_name: str
    version: str
    # v8+ accept the API token as X-User-Token; v6 and v7 have no API tokens and `token` is a login JWT for
    # `Authorization: Bearer` (valid 25 h; log in again with username/password for longer).
    auth_header: str = "X-User-Token"
    # the datasource's URL (for v6 the lab's own Prometheus, since v6 checks the URL when saving a datasource)
    prometheus_url: str = ""
    # the lab's state directory (n9e.log is there); empty for a server given by N9E_URL
    state_dir: str = ""

    @property
    def api(self) -> str:
        return self.url + "/api/n9e"

    @property
    def headers(self) -> dict[str, str]:
        value = self.token if self.auth_header == "X-User-Token" else "Bearer " + self.token
        return {self.auth_header: value, "X-Language": "en"}

    def session(self) -> requests.Session:
        s = requests.Session()
        s.headers.update(self.headers)
        return s


def _unavailable(msg: str) -> None:
    if os.environ.get("N9E_LAB_SKIP") == "1" and not in_ci():
        pytest.skip(f"n9e lab unavailable (N9E_LAB_SKIP=1): {msg}")
    pytest.fail(msg, pytrace=False)


def _parse_exports(stdout: str) -> dict[str, str]:
    env: dict[str, str] = {}
    for line in stdout.splitlines():
        words = shlex.split(line)
        if words[:1] == ["export"]:
            env.update(w.split("=", 1) for w in words[1:] if "=" in w)
    return env


def _lookup_names(lab_env: dict[str, str]) -> tuple[str, str, str]:
    """(version, group name, datasource name) of a server given by env."""
    url = lab_env["N9E_URL"].rstrip("/")
    headers = _lab_from_env(lab_env).headers
    version = requests.get(url + "/api/n9e/versions", timeout=10).json()["dat"]["version"]
    group = requests.get(f"{url}/api/n9e/busi-group/{lab_env['N9E_GROUP']}", headers=headers, timeout=10)
    group.raise_for_status()
    brief = requests.get(url + "/api/n9e/datasource/brief", headers=headers, timeout=10)
    brief.raise_for_status()
    ds_name = next((d["name"] for d in brief.json()["dat"] if str(d["id"]) == lab_env["N9E_DATASOURCE"]), "")
    return version, group.json()["dat"]["name"], ds_name


def _lab_from_env(
    lab_env: dict[str, str], version: str = "", group_name: str = "", ds_name: str = ""
) -> N9eLab:
    return N9eLab(
        url=lab_env["N9E_URL"].rstrip("/"),
        token=lab_env["N9E_TOKEN"],
        username=lab_env.get("N9E_USERNAME", "root"),
        password=lab_env.get("N9E_PASSWORD", ""),
        group_id=int(lab_env["N9E_GROUP"]),
        group_name=group_name,
        datasource_id=int(lab_env["N9E_DATASOURCE"]),
        datasource_name=ds_name,
        version=version or lab_env.get("N9E_VERSION", ""),
        auth_header=lab_env.get("N9E_AUTH_HEADER", "X-User-Token"),
        prometheus_url=lab_env.get("N9E_PROMETHEUS_URL", ""),
    )


@pytest.fixture(scope="session")
def n9e_lab_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., N9eLab]]:
    """`get(version, integrations=None)` starts n9e of that version (once per session, cached) and returns its N9eLab."""
    started: dict[str, N9eLab] = {}
    failed: dict[str, str] = {}
    state_dirs: dict[str, Path] = {}

    def get(version: str, integrations: Path | None = None) -> N9eLab:
        """``integrations``: a folder of integration folders for the server's BuiltinIntegrationsDir (a second
        server of that version, since n9e reads the folder at start)."""
        key = f"{version}+integrations" if integrations else version
        if key in started:
            return started[key]
        if key in failed:
            _unavailable(failed[key])
        state = state_dirs.setdefault(key, tmp_path_factory.mktemp(f"n9e-{version}"))
        env = {**os.environ, "N9E_LAB_DIR": str(state), "N9E_LAB_INTEGRATIONS": str(integrations or "")}
        proc = subprocess.run(
            [sys.executable, str(LAB / "lab.py"), "up", "--version", version],
            env=env,
            capture_output=True,
            text=True,
        )
        lab_env = _parse_exports(proc.stdout)
        if proc.returncode != 0 or "N9E_URL" not in lab_env:
            tail = "\n".join(proc.stderr.strip().splitlines()[-60:])
            failed[key] = f"lab/n9e/up --version {version} failed (exit {proc.returncode}):\n{tail}"
            _unavailable(failed[key])
        sys.stderr.write(proc.stderr)
        lab = dataclasses.replace(
            _lab_from_env(lab_env, group_name="n9e-k8s-lab", ds_name="prometheus"), state_dir=str(state)
        )
        started[key] = lab
        return lab

    yield get

    for key, state in state_dirs.items():
        subprocess.run(
            [sys.executable, str(LAB / "lab.py"), "down", "--version", key.split("+")[0]],
            env={**os.environ, "N9E_LAB_DIR": str(state)},
            check=False,
        )


@pytest.fixture(scope="session")
def n9e(n9e_lab_factory: Callable[[str], N9eLab]) -> N9eLab:
    """The default n9e: an existing server if N9E_URL and N9E_TOKEN are set, else a lab server."""
    if os.environ.get("N9E_URL") and os.environ.get("N9E_TOKEN"):
        missing = [k for k in ("N9E_GROUP", "N9E_DATASOURCE") if not os.environ.get(k)]
        if missing:
            pytest.fail(f"N9E_URL is set but {', '.join(missing)} are not", pytrace=False)
        lab_env = dict(os.environ)
        try:
            names = _lookup_names(lab_env)
        except (requests.RequestException, KeyError, ValueError) as e:
            _unavailable(f"the n9e given by N9E_URL={lab_env['N9E_URL']} does not answer as expected: {e}")
        return _lab_from_env(lab_env, *names)
    return n9e_lab_factory(os.environ.get("N9E_LAB_VERSION") or available_versions()[0])
