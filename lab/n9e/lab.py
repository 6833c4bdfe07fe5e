#!/usr/bin/env python3
"""Build, start and stop a real Nightingale (n9e) for the n9e-k8s tests. Standard library only.

    lab.py build [--version V]... [--src DIR]
    lab.py up    [--version V] [--port P]     # stdout: one `export N9E_...` line, nothing else
    lab.py down  [--version V] [--keep]
    lab.py versions                           # the versions this machine can run, default first

The n9e code comes from the pinned Go module (wrapper/<version>/go.mod); our own wrapper/main.go starts its center
package. The binary is cached per version in ${XDG_CACHE_HOME:-~/.cache}/n9e-k8s/n9e/<version>/. Each `up` starts
a fresh server (new SQLite file, or for v6 a new MariaDB) in a state directory: $N9E_LAB_DIR, or
${TMPDIR:-/tmp}/n9e-k8s-lab-<version>. Progress and errors go to stderr; the server's own log is <state dir>/n9e.log.

The Go module proxy serves only v6.7.3 of n9e (the other pins need a local source tree, N9E_LAB_SRC), so v6.7.3 is
the default version and the one CI runs.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import getpass
import hashlib
import json
import os
import secrets
import shlex
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from labkit import free_port, log_tail, pid_alive  # lab/labkit.py

HERE = Path(__file__).resolve().parent
WRAPPER = HERE / "wrapper"
MODULE = "github.com/ccfos/nightingale/v6"
DEFAULT_VERSION = "v6.7.3"  # the only version the Go module proxy serves (README "Status")
USERNAME = "root"
PASSWORD = "root.2020"  # seeded by n9e itself; the lab server listens on 127.0.0.1 only
GROUP_NAME = "n9e-k8s-lab"
DATASOURCE_NAME = "prometheus"
TOKEN_NAME = "n9e-k8s-lab"
# [Alert.Heartbeat] EngineName in both config templates: n9e's alert engine evaluates the rules of exactly the
# datasources whose `cluster_name` is its engine name (models.GetDatasourceIdsByEngineName, alert/naming/heartbeat.go;
# the same in v6.7.3), as the UI's datasource form sets it.
ENGINE_NAME = "default"


@dataclass(frozen=True)
class Pin:
    commit: str
    # v6 and v7 have no X-User-Token (added in v8.0.0-beta.5); their schema must be loaded from the shipped SQL.
    token_auth: bool = True
    needs_redis: bool = False
    schema_sql: str = ""  # path inside the n9e module of the schema to load before the first start
    # True when the Go module proxy serves this version; the others build only from a local source tree.
    from_proxy: bool = False
    # "sqlite" (v7+) or "mysql" (v6 supports only MySQL and Postgres: the lab runs its own MariaDB).
    db: str = "sqlite"
    config_template: str = "config.toml.tmpl"


PINS: dict[str, Pin] = {
    "v6.7.3": Pin(
        "07c602660af1942d1c66f4f5d80d0e75a4df9929",
        token_auth=False,
        needs_redis=True,
        schema_sql="docker/initsql/a-n9e.sql",
        from_proxy=True,
        db="mysql",
        config_template="config.v6.toml.tmpl",
    ),
    "v9.1.1": Pin("4e056150142b2e1ed6966c9317a9e08442c399f7"),
    "v8.5.1": Pin("80d0193ac02bba273e1ccf7df39dc1fd993f2ef4"),
    "v7.7.2": Pin(
        "d0f690cf6ac6d5132c340c46e35a5f18da01f070",
        token_auth=False,
        needs_redis=True,
        schema_sql="docker/sqlite.sql",
    ),
}


class LabError(Exception):
    pass


def log(msg: str) -> None:
    print(f"n9e-lab: {msg}", file=sys.stderr, flush=True)


def cache_dir(version: str) -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "n9e-k8s" / "n9e" / version


def state_dir(version: str) -> Path:
    if os.environ.get("N9E_LAB_DIR"):
        return Path(os.environ["N9E_LAB_DIR"])
    return Path(tempfile.gettempdir()) / f"n9e-k8s-lab-{version}"


def pin_for(version: str) -> Pin:
    if version not in PINS:
        raise LabError(f"unknown version {version!r}; known: {', '.join(PINS)}")
    return PINS[version]


@contextlib.contextmanager
def locked(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


# ---------------------------------------------------------------------------------------------------------- build


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if proc.returncode != 0:
        raise LabError(
            f"command failed ({proc.returncode}): {shlex.join(cmd)} (in {cwd})\n{proc.stdout.strip()}"
        )
    return proc.stdout


def _src_for(version: str, src: str | None) -> str | None:
    """The local n9e source tree to build `version` from: --src, else N9E_LAB_SRC, else None.

    N9E_LAB_SRC (which may name the tree per version with "{version}", e.g. /src/n9e-{version}) is for the pins the
    proxy refuses; it is ignored for a version the proxy serves unless it names that version's tree by "{version}"
    and the tree exists.
    """
    if not src:
        pattern = os.environ.get("N9E_LAB_SRC", "")
        env_src = pattern.replace("{version}", version)
        if pin_for(version).from_proxy:
            if "{version}" in pattern and (Path(env_src) / "go.mod").is_file():
                src = env_src
        elif env_src:
            src = env_src
    if not src:
        return None
    src = str(Path(src).resolve())
    if not (Path(src) / "go.mod").is_file():
        raise LabError(f"{src} is not an n9e source tree (no go.mod)")
    return src


def _inputs(version: str) -> list[Path]:
    mod_dir = WRAPPER / version
    inputs = [WRAPPER / "main.go", mod_dir / "go.mod", mod_dir / "go.sum"]
    for f in inputs:
        if not f.is_file():
            raise LabError(f"missing {f}")
    return inputs


def _stamps(version: str, src: str | None) -> tuple[str, str]:
    """(stamp of a build from exactly these inputs and source, digest of the inputs alone)."""
    digest = hashlib.sha256()
    inputs_digest = hashlib.sha256()
    for f in _inputs(version):
        digest.update(f.read_bytes())
        inputs_digest.update(f.read_bytes())
    digest.update(f"src={src or ''}".encode())
    return digest.hexdigest(), "inputs=" + inputs_digest.hexdigest()


def cached(version: str, src: str | None = None) -> bool:
    """True if the cached binary of `version` is up to date, so `up` needs no build.

    A binary built from a local source tree stays usable without N9E_LAB_SRC for a pin the proxy refuses (the proxy
    could not rebuild it anyway), as long as the wrapper inputs are unchanged.
    """
    src = _src_for(version, src)
    stamp_value, inputs_line = _stamps(version, src)
    cache = cache_dir(version)
    binary, stamp = cache / "n9e", cache / "n9e.stamp"
    if not (binary.is_file() and stamp.is_file()):
        return False
    lines = stamp.read_text().split()
    if lines[:1] == [stamp_value]:
        if inputs_line not in lines:  # stamp written before the inputs line existed: upgrade it in place
            stamp.write_text(f"{stamp_value}\n{inputs_line}\n")
        return True
    return src is None and not pin_for(version).from_proxy and inputs_line in lines


def available(version: str) -> bool:
    """True if `up --version` can work here without the network beyond the module proxy."""
    pin = pin_for(version)
    env_src = os.environ.get("N9E_LAB_SRC", "")
    try:
        # a plain N9E_LAB_SRC (no "{version}") is one tree of one version: it makes no particular pin available
        return (
            pin.from_proxy
            or ("{version}" in env_src and _src_for(version, None) is not None)
            or cached(version)
        )
    except LabError:
        return False


def available_versions() -> list[str]:
    """The versions this machine can run: v6.7.3 (the default) first, then the pins in PINS order."""
    return [DEFAULT_VERSION] + [v for v in PINS if v != DEFAULT_VERSION and available(v)]


def build(version: str, src: str | None = None) -> Path:
    """Build the wrapper for `version` once; return the binary. Idempotent, safe to call concurrently."""
    pin = pin_for(version)
    inputs = _inputs(version)
    src = _src_for(version, src)
    stamp_value, inputs_line = _stamps(version, src)

    cache = cache_dir(version)
    binary = cache / "n9e"
    stamp = cache / "n9e.stamp"

    if cached(version, src):
        return binary
    with locked(cache / ".build.lock"):
        if cached(version, src):
            return binary
        started = time.monotonic()
        log(f"building n9e {version} ({pin.commit[:12]}) into {cache} ...")
        work = cache / "build"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        for f in inputs:
            shutil.copy(f, work / f.name)
        env = dict(os.environ)
        env.setdefault("GOTOOLCHAIN", "local")
        if src:
            # A local n9e checkout of the pinned commit instead of the module proxy (see README).
            log(f"using local n9e source {src}")
            _run(["go", "mod", "edit", f"-replace={MODULE}={src}"], work, env)
        else:
            # The committed go.sum is n9e's own go.sum plus our tidy result; this adds and checks n9e's own line.
            _run(["go", "mod", "download", MODULE], work, env)
        ldflags = f"-s -w -X {MODULE}/pkg/version.Version={version}-{pin.commit}"
        tmp = cache / "n9e.tmp"
        _run(["go", "build", "-mod=mod", "-trimpath", "-ldflags", ldflags, "-o", str(tmp), "."], work, env)
        mod_root = _run(["go", "list", "-mod=mod", "-m", "-f", "{{.Dir}}", MODULE], work, env).strip()
        if pin.schema_sql:
            (cache / "schema.sql").unlink(missing_ok=True)  # the module cache's copy is read-only
            shutil.copyfile(Path(mod_root) / pin.schema_sql, cache / "schema.sql")
        os.replace(tmp, binary)
        stamp.write_text(f"{stamp_value}\n{inputs_line}\n")
        shutil.rmtree(work, ignore_errors=True)
        log(f"built {binary} in {time.monotonic() - started:.0f}s")
    return binary


def default_build_versions() -> list[str]:
    """`build` without --version: v6.7.3 always, the other pins when N9E_LAB_SRC gives their source."""
    versions = [DEFAULT_VERSION]
    if os.environ.get("N9E_LAB_SRC") and "{version}" not in os.environ["N9E_LAB_SRC"]:
        log("N9E_LAB_SRC names one source tree: say which version it is with --version (or use {version})")
    elif os.environ.get("N9E_LAB_SRC"):
        for version in PINS:
            if version == DEFAULT_VERSION:
                continue
            path = Path(os.environ["N9E_LAB_SRC"].replace("{version}", version))
            if (path / "go.mod").is_file():
                versions.append(version)
            else:
                log(f"skipping {version}: no n9e source tree at {path} (N9E_LAB_SRC)")
    return versions


# ------------------------------------------------------------------------------------------------------------ http


def http(method: str, url: str, body=None, headers: dict[str, str] | None = None, timeout: float = 10):
    """Return (status, parsed JSON or text)."""
    data = None if body is None else json.dumps(body).encode()
    hdrs = {"X-Language": "en", "Content-Type": "application/json"}
    hdrs.update(headers or {})
    req = urllib.request.Request(url, data=data, method=method, headers=hdrs)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            status, raw, ctype = resp.status, resp.read(), resp.headers.get("Content-Type", "")
    except urllib.error.HTTPError as e:
        status, raw, ctype = e.code, e.read(), e.headers.get("Content-Type", "")
    text = raw.decode("utf-8", "replace")
    if "json" in ctype:
        return status, json.loads(text)
    return status, text


def api(method: str, url: str, auth: dict[str, str], body=None):
    status, resp = http(method, url, body, auth)
    # `error` is the other envelope ({"data", "error"}) of a few handlers, e.g. v6's POST /datasource/upsert
    if status != 200 or not isinstance(resp, dict) or resp.get("err") or resp.get("error"):
        what = resp if not isinstance(resp, str) else resp[:300]
        raise LabError(f"{method} {url.split('/api/n9e', 1)[-1]} -> HTTP {status}: {what}")
    return resp.get("dat")


# -------------------------------------------------------------------------------------------------------------- up


def exports(env: dict[str, str]) -> str:
    return "export " + " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())


def start_process(cmd: list[str], cwd: Path, logfile: Path, executable: str | None = None) -> int:
    with open(logfile, "ab") as out:
        proc = subprocess.Popen(
            cmd,
            executable=executable,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return proc.pid


def wait_http(url: str, pid: int, logfile: Path, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        if not pid_alive(pid):
            raise LabError(f"n9e exited during start-up; last lines of {logfile}:\n{log_tail(logfile)}")
        with contextlib.suppress(OSError, ValueError):
            status, body = http("GET", url, timeout=2)
            if status == 200 and isinstance(body, dict):
                return body
        if time.monotonic() > deadline:
            raise LabError(
                f"{url} did not answer within {timeout:.0f}s; last lines of {logfile}:\n{log_tail(logfile)}"
            )
        time.sleep(0.25)


def running_env(state: Path) -> dict[str, str] | None:
    """The env of a lab server in `state` that is still up, else None."""
    try:
        pid = int((state / "n9e.pid").read_text())
        env = json.loads((state / "env.json").read_text())
    except (OSError, ValueError):
        return None
    if not pid_alive(pid):
        return None
    with contextlib.suppress(OSError, ValueError):
        status, _ = http("GET", env["N9E_URL"] + "/api/n9e/versions", timeout=2)
        if status == 200:
            return env
    return None


def up(version: str, port: int | None = None) -> dict[str, str]:
    pin = pin_for(version)
    state = state_dir(version)
    with locked(Path(tempfile.gettempdir()) / f"n9e-k8s-lab-{version}.lock"):
        env = running_env(state)
        if env is not None:
            log(f"n9e {version} already running at {env['N9E_URL']} (state {state})")
            return env
        binary = build(version)
        stop(state)
        shutil.rmtree(state, ignore_errors=True)
        (state / "etc").mkdir(parents=True)
        (state / "integrations").mkdir()
        copy_integrations(state / "integrations")
        os.chmod(state, 0o700)
        started = time.monotonic()
        try:
            env, pid, t_deps, t_http = _start(version, pin, binary, state, port, started)
        except BaseException:
            stop(state)
            raise
        (state / "env.json").write_text(json.dumps(env, indent=1) + "\n")
        os.chmod(state / "env.json", 0o600)
        log(
            f"n9e {env['N9E_VERSION']} up at {env['N9E_URL']} (pid {pid}, state {state}): dependencies ready "
            f"after {t_deps:.1f}s, versions answered after {t_http:.1f}s, login/group/datasource ready after "
            f"{time.monotonic() - started:.1f}s"
        )
        return env


def copy_integrations(target: Path) -> None:
    """N9E_LAB_INTEGRATIONS=DIR: copy each component folder of DIR (an n9e `integrations/` folder, e.g. a build's
    out/integration) into the lab's BuiltinIntegrationsDir. A copy, since n9e v7+ write uuids back into it."""
    source = os.environ.get("N9E_LAB_INTEGRATIONS", "")
    if not source:
        return
    folders = [p for p in sorted(Path(source).iterdir()) if p.is_dir()] if Path(source).is_dir() else []
    if not folders:
        raise LabError(f"N9E_LAB_INTEGRATIONS={source} is not a folder of integration folders")
    for folder in folders:
        shutil.copytree(folder, target / folder.name)
    log(f"built-in integrations from {source}: {', '.join(p.name for p in folders)}")


def _start(
    version: str, pin: Pin, binary: Path, state: Path, port: int | None, started: float
) -> tuple[dict[str, str], int, float, float]:
    """Start the dependencies and n9e in the fresh `state`, provision it; (env, n9e pid, t deps, t http)."""
    redis_address = "127.0.0.1:6379"
    if pin.needs_redis:
        redis_address = start_redis(state)
    db_dsn = ""
    if pin.db == "mysql":
        db_dsn = start_mariadb(state, cache_dir(version) / "schema.sql")
    elif pin.schema_sql:
        with sqlite3.connect(state / "n9e.db") as db:
            db.executescript((cache_dir(version) / "schema.sql").read_text())
    # Every version gets a real datasource: v6 saves one only after its URL answered, and n9e's alert engine and
    # recording rules need a server that answers queries and accepts remote write (the datasource's write_addr).
    prom_url = os.environ.get("N9E_LAB_PROMETHEUS_URL", "") or start_prometheus(state)
    t_deps = time.monotonic() - started

    pub = os.environ.get("N9E_LAB_PUB", "")
    if pub:
        if not (Path(pub) / "index.html").is_file():
            raise LabError(f"N9E_LAB_PUB={pub} has no index.html (it should be an unpacked n9e-fe release)")
        (state / "pub").symlink_to(Path(pub).resolve())
    port = port or free_port()
    config = (HERE / pin.config_template).read_text()
    for key, value in {
        "PORT": str(port),
        "DB_FILE": str(state / "n9e.db"),
        "DB_DSN": db_dsn,
        "REDIS_ADDRESS": redis_address,
        "REDIS_TYPE": "standalone" if pin.needs_redis else "miniredis",
        "INTEGRATIONS_DIR": str(state / "integrations"),
        "USE_FILE_ASSETS": "true" if pub else "false",
        "ENGINE_NAME": ENGINE_NAME,
        "SIGNING_KEY": secrets.token_hex(16),  # v6 reads the JWT signing key from the config
        "PUSHGW_WRITERS": pushgw_writers(os.environ.get("N9E_LAB_WRITER_URL", "")),
    }.items():
        config = config.replace(f"@{key}@", value)
    (state / "etc" / "config.toml").write_text(config)
    os.chmod(state / "etc" / "config.toml", 0o600)

    logfile = state / "n9e.log"
    # argv[0] is <state>/n9e: n9e serves its web UI from `pub/` next to argv[0] (runner.Cwd is
    # filepath.Dir(filepath.Abs(os.Args[0])), toolkits/pkg file.SelfDir), i.e. from <state>/pub.
    pid = start_process(
        [str(state / "n9e"), "-configs", str(state / "etc")], state, logfile, executable=str(binary)
    )
    (state / "n9e.pid").write_text(f"{pid}\n")
    url = f"http://127.0.0.1:{port}"
    versions = wait_http(
        url + "/api/n9e/versions", pid, logfile, float(os.environ.get("N9E_LAB_TIMEOUT", 120))
    )
    t_http = time.monotonic() - started
    provisioned = provision(url, pin, prom_url)
    env = {
        "N9E_URL": url,
        "N9E_TOKEN": provisioned["token"],
        "N9E_USERNAME": USERNAME,
        "N9E_PASSWORD": PASSWORD,
        "N9E_GROUP": str(provisioned["group_id"]),
        "N9E_DATASOURCE": str(provisioned["datasource_id"]),
        "N9E_VERSION": versions["dat"]["version"],
        "N9E_AUTH_HEADER": "X-User-Token" if pin.token_auth else "Authorization",
        "N9E_PROMETHEUS_URL": prom_url,
    }
    return env, pid, t_deps, t_http


def pushgw_writers(url: str) -> str:
    """The [[Pushgw.Writers]] section for N9E_LAB_WRITER_URL (a Prometheus remote-write receiver, e.g.
    http://127.0.0.1:9090/api/v1/write): what n9e receives on /prometheus/v1/write is forwarded there. Empty when unset
    (the lab then stores no samples). Timeouts as in n9e's own etc/config.toml."""
    if not url:
        return ""
    if not url.startswith(("http://", "https://")) or '"' in url:
        raise LabError(f"N9E_LAB_WRITER_URL={url!r} is not an http(s) URL")
    return (
        f'[[Pushgw.Writers]]\nUrl = "{url}"\nTimeout = 10000\nDialTimeout = 3000\nTLSHandshakeTimeout = 30000\n'
        "ExpectContinueTimeout = 1000\nIdleConnTimeout = 90000\nKeepAlive = 30000\nMaxIdleConns = 100\n"
        "MaxIdleConnsPerHost = 100\n"
    )


def _wait_port(port: int, pid: int, what: str, logfile: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if not pid_alive(pid):
            raise LabError(f"{what} exited during start-up; last lines of {logfile}:\n{log_tail(logfile)}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        if time.monotonic() > deadline:
            raise LabError(f"{what} did not listen within {timeout:.0f}s; {logfile}:\n{log_tail(logfile)}")
        time.sleep(0.1)


def _which(*names: str) -> str:
    for name in names:
        # Debian puts mariadbd/mysqld in /usr/sbin, which a non-root PATH may lack
        path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin")
        if path:
            return path
    raise LabError(
        f"n9e v6 needs MariaDB: none of {', '.join(names)} found (apt-get install mariadb-server; see lab/install-deps)"
    )


def start_mariadb(state: Path, schema: Path) -> str:
    """Initialise and start a private MariaDB in <state>/mysql, load n9e's schema; return n9e's DSN.

    root authenticates by unix socket only (the lab runs mariadbd as the current user, `--user=root` is needed
    only when that user is root); n9e gets its own user with a random password on 127.0.0.1.
    """
    mysqld = _which("mariadbd", "mysqld")
    install_db = _which("mariadb-install-db", "mysql_install_db")
    client = _which("mariadb", "mysql")
    base = state / "mysql"
    data = base / "data"
    sock = base / "mysqld.sock"
    if len(str(sock)) > 100:
        raise LabError(f"socket path too long for MariaDB ({sock}); use a shorter N9E_LAB_DIR or TMPDIR")
    base.mkdir()
    user = ["--user=root"] if os.geteuid() == 0 else []
    errlog = state / "mariadb.log"
    init = subprocess.run(
        [
            install_db,
            "--no-defaults",
            *user,
            f"--datadir={data}",
            "--auth-root-authentication-method=socket",
            "--skip-test-db",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    if init.returncode != 0:
        raise LabError(f"{install_db} failed ({init.returncode}):\n{init.stdout[-3000:]}")
    port = free_port()
    pid = start_process(
        [
            mysqld,
            "--no-defaults",
            *user,
            f"--datadir={data}",
            f"--socket={sock}",
            f"--pid-file={base / 'mysqld.pid'}",
            "--bind-address=127.0.0.1",
            f"--port={port}",
            "--skip-name-resolve",
            "--skip-log-bin",
            f"--log-error={errlog}",
            "--innodb-buffer-pool-size=64M",
            "--character-set-server=utf8mb4",
            "--collation-server=utf8mb4_general_ci",
        ],
        state,
        errlog,
    )
    (state / "mariadb.pid").write_text(f"{pid}\n")
    _wait_port(port, pid, "mariadbd", errlog, 60)

    password = secrets.token_hex(16)
    sql = schema.read_text() + (
        f"\nCREATE USER 'n9e'@'127.0.0.1' IDENTIFIED BY '{password}';"
        "\nGRANT ALL PRIVILEGES ON n9e_v6.* TO 'n9e'@'127.0.0.1';\n"
    )
    load = subprocess.run(
        [
            client,
            "--no-defaults",
            f"--socket={sock}",
            "-u",
            "root" if os.geteuid() == 0 else getpass.getuser(),
        ],
        input=sql,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    if load.returncode != 0:
        raise LabError(f"loading n9e's schema into MariaDB failed:\n{load.stdout[-3000:]}")
    return (
        f"n9e:{password}@tcp(127.0.0.1:{port})/n9e_v6"
        "?charset=utf8mb4&parseTime=True&loc=Local&allowNativePasswords=true"
    )


def start_prometheus(state: Path) -> str:
    """A private Prometheus (Debian's) with no targets as the lab's datasource; return its URL.

    It accepts remote write (/api/v1/write, the datasource's write_addr), where n9e's recording rules write."""
    exe = shutil.which("prometheus")
    if not exe:
        raise LabError(
            "n9e v6 saves a datasource only if its URL answers: prometheus not found "
            "(apt-get install prometheus, or set N9E_LAB_PROMETHEUS_URL)"
        )
    base = state / "prometheus"
    base.mkdir()
    (base / "prometheus.yml").write_text("global:\n  scrape_interval: 15s\nscrape_configs: []\n")
    port = free_port()
    logfile = state / "prometheus.log"
    pid = start_process(
        [
            exe,
            f"--config.file={base / 'prometheus.yml'}",
            f"--storage.tsdb.path={base / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--storage.tsdb.retention.time=1h",
            "--web.enable-remote-write-receiver",  # Prometheus >= 2.33; Debian's is 2.42
        ],
        state,
        logfile,
    )
    (state / "prometheus.pid").write_text(f"{pid}\n")
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        if not pid_alive(pid):
            raise LabError(f"prometheus exited during start-up:\n{log_tail(logfile)}")
        with contextlib.suppress(OSError, ValueError):
            if http("GET", url + "/-/ready", timeout=2)[0] == 200:
                return url
        if time.monotonic() > deadline:
            raise LabError(f"prometheus was not ready within 60s:\n{log_tail(logfile)}")
        time.sleep(0.2)


def start_redis(state: Path) -> str:
    exe = shutil.which("redis-server")
    if not exe:
        raise LabError("n9e v7 needs a real Redis: redis-server not found (apt-get install redis-server)")
    port = free_port()
    pid = start_process(
        [
            exe,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(state),
        ],
        state,
        state / "redis.log",
    )
    (state / "redis.pid").write_text(f"{pid}\n")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            if s.recv(16).startswith(b"+PONG"):
                return f"127.0.0.1:{port}"
        time.sleep(0.1)
    raise LabError(f"redis-server did not start; {log_tail(state / 'redis.log')}")


def provision(url: str, pin: Pin, prom_url: str) -> dict:
    """Log in as root and create the token, busi group and Prometheus datasource the tests use.

    The datasource is what a user saves in the UI's form: `cluster_name` = the alert engine's name (else n9e
    evaluates none of its rules) and `write_addr` = the server's remote-write receiver (else n9e's recording rules
    write nothing and log `push data with remote write: ... unsupported protocol scheme ""`)."""
    base = url + "/api/n9e"
    login = api("POST", base + "/auth/login", {}, {"username": USERNAME, "password": PASSWORD})
    jwt = {"Authorization": "Bearer " + login["access_token"]}
    if pin.token_auth:
        token = api("POST", base + "/self/token", jwt, {"token_name": TOKEN_NAME})["token"]
        auth = {"X-User-Token": token}
        # n9e's token cache resyncs every few seconds: wait until the new token is accepted.
        deadline = time.monotonic() + 30
        while http("GET", base + "/self/profile", headers=auth)[0] != 200:
            if time.monotonic() > deadline:
                raise LabError("the new API token was not accepted within 30s")
            time.sleep(0.5)
    else:
        token = login["access_token"]
        auth = jwt
    user_groups = api("GET", base + "/user-groups", auth) or []
    if not user_groups:
        raise LabError("n9e has no user group to make the busi group's member")
    group_id = api(
        "POST",
        base + "/busi-groups",
        auth,
        {
            "name": GROUP_NAME,
            "label_enable": 0,
            "label_value": "",
            "members": [{"user_group_id": user_groups[0]["id"], "perm_flag": "rw"}],
        },
    )
    ds = api(
        "POST",
        base + "/datasource/upsert",
        auth,
        {
            "name": DATASOURCE_NAME,
            "plugin_type": "prometheus",
            "plugin_type_name": "Prometheus Like",
            "category": "timeseries",
            "status": "enabled",
            "is_default": True,
            "force_save": True,  # v7+: the Prometheus need not be reachable (v6 ignores it and checks the URL)
            "cluster_name": ENGINE_NAME,
            "settings": {"write_addr": prom_url + "/api/v1/write", "internal_addr": ""},
            "http": {"url": prom_url, "timeout": 10000, "dial_timeout": 3000, "max_idle_conns_per_host": 100},
            "auth": {"basic_auth": False},
        },
    )
    datasource_id = ds if isinstance(ds, int) else ds.get("id") if isinstance(ds, dict) else None
    if not datasource_id:
        brief = api("GET", base + "/datasource/brief", auth) or []
        datasource_id = next((d["id"] for d in brief if d.get("name") == DATASOURCE_NAME), None)
    if not datasource_id:
        raise LabError(f"could not find the id of the created datasource (upsert answered {ds!r})")
    return {"token": token, "group_id": group_id, "datasource_id": datasource_id}


# ------------------------------------------------------------------------------------------------------------ down


def _kill(pidfile: Path, timeout: float = 15) -> None:
    try:
        pid = int(pidfile.read_text())
    except (OSError, ValueError):
        return
    if pid_alive(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if pid_alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    pidfile.unlink(missing_ok=True)


def stop(state: Path) -> None:
    """Stop n9e, then what it depends on (any that were started in `state`)."""
    _kill(state / "n9e.pid")
    _kill(state / "prometheus.pid", timeout=10)
    _kill(state / "redis.pid", timeout=5)
    _kill(state / "mariadb.pid", timeout=30)


def down(version: str, keep: bool = False) -> None:
    state = state_dir(version)
    if not state.exists():
        log(f"nothing to stop for {version} ({state} does not exist)")
        return
    stop(state)
    if keep:
        log(f"stopped n9e {version}; state kept in {state}")
    else:
        shutil.rmtree(state, ignore_errors=True)
        log(f"stopped n9e {version} and removed {state}")


# ------------------------------------------------------------------------------------------------------------ main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lab/n9e", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    p_build = sub.add_parser("build", help="build the n9e binary for one or more versions (cached)")
    p_build.add_argument(
        "--version",
        action="append",
        help=f"may repeat; default {DEFAULT_VERSION}, plus the other pins whose source N9E_LAB_SRC names",
    )
    p_build.add_argument(
        "--src", help="a local n9e source tree at the pinned commit instead of the module proxy"
    )
    p_up = sub.add_parser("up", help="start n9e in the background and print export lines")
    p_up.add_argument("--version", default=os.environ.get("N9E_LAB_VERSION", DEFAULT_VERSION))
    p_up.add_argument("--port", type=int)
    p_down = sub.add_parser("down", help="stop n9e and remove its state directory")
    p_down.add_argument("--version", default=os.environ.get("N9E_LAB_VERSION", DEFAULT_VERSION))
    p_down.add_argument("--keep", action="store_true", help="keep the state directory (logs, database)")
    sub.add_parser("versions", help="print the versions this machine can run (default first), one a line")
    args = parser.parse_args(argv)
    try:
        if args.cmd == "build":
            for version in args.version or default_build_versions():
                log(f"{version}: {build(version, args.src)}")
        elif args.cmd == "up":
            print(exports({k: v for k, v in up(args.version, args.port).items()}), flush=True)
        elif args.cmd == "down":
            down(args.version, args.keep)
        elif args.cmd == "versions":
            print("\n".join(available_versions()))
    except LabError as e:
        log(f"error: {e}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
