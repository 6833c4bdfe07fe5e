#!/usr/bin/env python3
"""Start and stop a real Kubernetes control plane and a Prometheus server scraping it.

    lab.py up [--n9e]   # stdout: `export ...` lines only (PROMETHEUS_URL, the component endpoints, N9E_*)
    lab.py down         # stops every process `up` started (by the pids it recorded)
    lab.py stop NAME    # an outage: stop kube-apiserver, kube-controller-manager or kube-scheduler
    lab.py start NAME   # start it again with its original command line, wait until it is healthy

Binaries come from lab/controlplane/build (etcd and Kubernetes from the Go module proxy, cached
outside the repository); Prometheus is Debian's /usr/bin/prometheus. Everything listens on
127.0.0.1 on free ports; state, certificates and logs live in the state directory:
$N9E_K8S_CONTROLPLANE_DIR, or ${TMPDIR:-/tmp}/n9e-k8s-controlplane.

`up` also creates the collection manifests' objects (`n9e-k8s manifests`: the ServiceAccount and
its ClusterRole are what Prometheus scrapes with, so a missing permission shows as a failed scrape)
and some work: namespaces with Deployments whose pods can never be scheduled (there are no nodes),
so the controllers and the scheduler have queues and attempts to report. kube-proxy runs on the
host's network namespace in nftables mode (its own table, `kube-proxy`, removed again by `down`) as
the lab node, programming the lab's Services.

A Prometheus agent runs the manifests' configuration, kubernetes_sd turned into static targets (the
same job names from promql/config.yaml, https, a ServiceAccount token, external label cluster="lab")
and remote-writes to a Prometheus server, which stores the series with the cluster label as n9e's
time-series database would; PROMETHEUS_URL is that server.

With --n9e (or N9E_K8S_LAB_N9E=1) a lab n9e (lab/n9e, default v6.7.3) runs too, as in production: the
agent remote-writes to n9e's /prometheus/v1/write, n9e's Pushgw writer forwards to the Prometheus
server, n9e's datasource points at that server, and the built-in dashboards and alert/recording rules
are synced into n9e with `n9e-k8s import-dashboards` and `n9e-k8s sync-alerts`.

With --victoriametrics (or N9E_K8S_LAB_VM=1) a VictoriaMetrics single-node (lab/victoriametrics/build)
runs too, and the Prometheus server remote-writes everything it stores (the agent's series and the
recording rules' results) to it: VICTORIAMETRICS_URL is then a second store holding the same data, for
`n9e-k8s verify --prometheus $VICTORIAMETRICS_URL` (PromQL answered by MetricsQL).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from coredns.trickle import query as dns_query  # lab/coredns/trickle.py
from labkit import free_port, log_tail, pid_alive  # lab/labkit.py

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
N9E_LAB = REPO / "lab" / "n9e" / "lab.py"
CLUSTER = "lab"
SCRAPE_INTERVAL = "5s"
PROMETHEUS = os.environ.get("N9E_K8S_PROMETHEUS_BIN", "/usr/bin/prometheus")
# Work for the controllers and the scheduler: namespace -> (deployment, replicas, CPU request).
# One node object (no kubelet) with 4 CPUs: the 100m pods are scheduled (bound) onto it, the 64-CPU
# pods never fit and stay in the scheduler's queues.
WORKLOAD = {
    "lab-shop": [("web", 3, "100m"), ("worker", 2, "64")],
    "lab-batch": [("report", 1, "100m"), ("queue", 2, "64")],
}
NODE = {
    "apiVersion": "v1",
    "kind": "Node",
    "metadata": {
        "name": "lab-node",
        "labels": {"kubernetes.io/hostname": "lab-node", "kubernetes.io/os": "linux"},
    },
    "status": {  # a node's status may be set on create
        "capacity": {"cpu": "4", "memory": "8Gi", "pods": "110"},
        "allocatable": {"cpu": "4", "memory": "8Gi", "pods": "110"},
        "conditions": [{"type": "Ready", "status": "True", "reason": "Lab", "message": "no kubelet"}],
    },
}
# CoreDNS: the user of its client certificate, and the zones of its upstream (a second CoreDNS).
COREDNS_USER = "n9e-k8s-lab-coredns"
UPSTREAM_ZONE = "lab.example"
BROKEN_ZONE = "broken.example"  # the upstream answers SERVFAIL here
# What kube-proxy programs: a Service of the web pods (they never get an IP: no kubelet, so no
# endpoints) and one whose EndpointSlice the lab writes itself (ENDPOINT_SLICE). Neither address is
# routed anywhere: kube-proxy only writes the rules.
SERVICES = (
    {
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "lab-shop"},
        "spec": {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": 8080}]},
    },
    {
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "backend", "namespace": "lab-shop"},
        "spec": {"ports": [{"name": "http", "port": 80, "targetPort": 8080}]},
    },
)  # fmt: skip
# One ready endpoint of `backend`, written once kube-proxy runs, with the trigger-time annotation the
# endpointslice controller sets: kube-proxy measures network programming latency from it (and
# ignores changes from before it started).
ENDPOINT_SLICE = {
    "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
    "metadata": {
        "name": "backend-lab", "namespace": "lab-shop",
        "labels": {"kubernetes.io/service-name": "backend",
                   "endpointslice.kubernetes.io/managed-by": "n9e-k8s-lab"},
    },
    "addressType": "IPv4",
    "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
    "endpoints": [{"addresses": ["10.244.0.10"], "conditions": {"ready": True}, "nodeName": "lab-node"}],
}  # fmt: skip


def add_endpoint(api: Api) -> None:
    """The `backend` EndpointSlice, changed now (after kube-proxy started)."""
    # RFC 3339 with fractions, as the controller writes it: kube-proxy keeps only times after its start,
    # and a time cut to the second may be before it.
    now = datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    annotations = {"endpoints.kubernetes.io/last-change-trigger-time": now}
    api.create({**ENDPOINT_SLICE, "metadata": {**ENDPOINT_SLICE["metadata"], "annotations": annotations}})


# A real kubelet registers this second node, with fakecri (lab/controlplane/kubernetes/fakecri) as its
# container runtime: pods bound to it "run" in memory, so its PLEG, runtime operations and pod starts are
# real. Its capacity is the host's: the 64-CPU pods fit on neither node and stay in the scheduler's queues.
KUBELET_NODE = "lab-kubelet"
# N9E_K8S_LAB_KUBELET=0 runs no kubelet (e.g. where the kubelet cannot mount its tmpfs volumes: it
# needs root). It is then listed in N9E_K8S_LAB_NOT_RUN: its job is left out of the agent and the lab
# tests treat it as `scraped: false` (tests/plugins/controlplane_lab.py).
RUN_KUBELET = os.environ.get("N9E_K8S_LAB_KUBELET", "1") != "0"
# Start order; `down` stops them in reverse.
COMPONENTS = (
    "etcd",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "coredns-upstream",
    "coredns",
    "dns-trickle",
    "kube-proxy",
    "fakecri",
    "kubelet",
    "prometheus",
    "prometheus-agent",
)
# Started only when asked for (--victoriametrics); stopped right after the agent.
VICTORIAMETRICS = "victoria-metrics"
VM_BUILD = REPO / "lab" / "victoriametrics" / "build"


def log(msg: str) -> None:
    print(f"controlplane-lab: {msg}", file=sys.stderr, flush=True)


def state_dir() -> Path:
    explicit = os.environ.get("N9E_K8S_CONTROLPLANE_DIR")
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("TMPDIR", "/tmp")) / "n9e-k8s-controlplane"


def exports(env: dict[str, str]) -> str:
    return "\n".join(f"export {k}={shlex.quote(v)}" for k, v in env.items())


# --- certificates and kubeconfigs -------------------------------------------------------------


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_certs(pki: Path) -> None:
    """A CA, the apiserver's serving certificate, client certificates and the service-account keys."""
    pki.mkdir(parents=True, exist_ok=True)
    openssl("genrsa", "-out", "ca.key", "2048", cwd=pki)
    openssl("req", "-x509", "-new", "-key", "ca.key", "-subj", "/CN=n9e-k8s-lab-ca", "-days", "30",
            "-out", "ca.crt", cwd=pki)  # fmt: skip
    # The manifests' apiserver job verifies the name kubernetes.default.svc, as in a cluster.
    sans = "IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc"
    certs = {
        "apiserver": ("/CN=kube-apiserver", f"subjectAltName={sans}\nextendedKeyUsage=serverAuth"),
        "admin": ("/O=system:masters/CN=n9e-k8s-lab-admin", "extendedKeyUsage=clientAuth"),
        "controller-manager": ("/CN=system:kube-controller-manager", "extendedKeyUsage=clientAuth"),
        "scheduler": ("/CN=system:kube-scheduler", "extendedKeyUsage=clientAuth"),
        "coredns": (f"/CN={COREDNS_USER}", "extendedKeyUsage=clientAuth"),
        # bound to the bootstrap ClusterRole system:node-proxier by default
        "kube-proxy": ("/CN=system:kube-proxy", "extendedKeyUsage=clientAuth"),
        # The Node authorizer's identity: it may register and update its own Node only.
        "kubelet": (f"/O=system:nodes/CN=system:node:{KUBELET_NODE}", "extendedKeyUsage=clientAuth"),
    }
    for name, (subject, ext) in certs.items():
        (pki / f"{name}.ext").write_text(ext + "\n")
        openssl("genrsa", "-out", f"{name}.key", "2048", cwd=pki)
        openssl("req", "-new", "-key", f"{name}.key", "-subj", subject, "-out", f"{name}.csr", cwd=pki)
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                "-CAcreateserial", "-days", "30", "-extfile", f"{name}.ext", "-out", f"{name}.crt",
                cwd=pki)  # fmt: skip
    openssl("genrsa", "-out", "sa.key", "2048", cwd=pki)
    openssl("rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub", cwd=pki)
    for key in pki.glob("*.key"):
        key.chmod(0o600)


def kubeconfig(path: Path, server: str, pki: Path, user: str) -> None:
    """A kubeconfig is YAML, and JSON is YAML: no YAML library needed."""
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {"name": CLUSTER, "cluster": {"server": server, "certificate-authority": str(pki / "ca.crt")}}
        ],
        "users": [
            {
                "name": user,
                "user": {
                    "client-certificate": str(pki / f"{user}.crt"),
                    "client-key": str(pki / f"{user}.key"),
                },
            }
        ],
        "contexts": [{"name": CLUSTER, "context": {"cluster": CLUSTER, "user": user}}],
        "current-context": CLUSTER,
    }
    path.write_text(json.dumps(config, indent=2) + "\n")
    path.chmod(0o600)


# --- processes ------------------------------------------------------------------------------------


def start(state: Path, name: str, cmd: list[str]) -> int:
    """Start one component in the background; its command line is kept (cmds/<name>.json) for `start NAME`."""
    (state / "cmds").mkdir(exist_ok=True)
    (state / "cmds" / f"{name}.json").write_text(json.dumps(cmd) + "\n")
    logfile = state / "logs" / f"{name}.log"
    logfile.parent.mkdir(exist_ok=True)
    with open(logfile, "ab") as out:
        proc = subprocess.Popen(
            cmd,
            cwd=state,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    (state / "pids").mkdir(exist_ok=True)
    (state / "pids" / f"{name}.pid").write_text(f"{proc.pid}\n")
    return proc.pid


def running(state: Path, n9e: bool, vm: bool = False) -> bool:
    """Every component up, and n9e and VictoriaMetrics exactly when asked for (a lab in another mode is
    restarted)."""
    pids = state / "pids"
    up = all(
        (pids / f"{c}.pid").is_file() and pid_alive(int((pids / f"{c}.pid").read_text()))
        for c in COMPONENTS
        if RUN_KUBELET or c not in ("fakecri", "kubelet")
    )
    try:
        n9e_pid = int((state / "n9e" / "n9e.pid").read_text())
    except (OSError, ValueError):
        n9e_pid = 0
    return up and n9e == bool(n9e_pid and pid_alive(n9e_pid)) and vm == victoriametrics_running(state)


def stop(state: Path, timeout: float = 20) -> None:
    pids_dir = state / "pids"
    if not pids_dir.is_dir():
        stop_n9e(state)
        return
    # Reverse start order: Prometheus and the controllers before the apiserver, etcd last.
    names = list(reversed(COMPONENTS))
    names.insert(1, VICTORIAMETRICS)  # after the agent, before the Prometheus server that writes to it
    for name in names:
        pidfile = pids_dir / f"{name}.pid"
        if not pidfile.is_file():
            continue
        pid = int(pidfile.read_text())
        if name == "prometheus":  # the agent is stopped: n9e next, before the server it writes to
            stop_n9e(state)
        _terminate(pid, timeout)
        pidfile.unlink()
        if name == "kube-proxy":
            remove_proxy_rules()
    stop_n9e(state)


# The nftables tables kube-proxy's nftables mode owns (pkg/proxy/nftables: one per IP family).
PROXY_TABLES = (("ip", "kube-proxy"), ("ip6", "kube-proxy"))


def remove_proxy_rules() -> None:
    """What kube-proxy leaves behind on the host: its nftables tables (it does not remove them on exit)."""
    if shutil.which("nft") is None:
        return
    for family, table in PROXY_TABLES:
        subprocess.run(["nft", "delete", "table", family, table], capture_output=True, check=False)


def _terminate(pid: int, timeout: float) -> None:
    if pid_alive(pid):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if pid_alive(pid):
            os.kill(pid, signal.SIGKILL)


# Components a test may stop and start again (an outage), with the health endpoint `start` waits for.
RESTARTABLE = {
    "kube-apiserver": ("KUBE_APISERVER_URL", "/readyz"),
    "kube-controller-manager": ("KUBE_CONTROLLER_MANAGER_URL", "/healthz"),
    "kube-scheduler": ("KUBE_SCHEDULER_URL", "/healthz"),
}


def stop_component(name: str, timeout: float = 20) -> None:
    """Stop one running control-plane component (SIGTERM, then SIGKILL); the rest of the lab stays up."""
    if name not in RESTARTABLE:
        raise RuntimeError(f"cannot stop {name!r}; one of: {', '.join(RESTARTABLE)}")
    pidfile = state_dir() / "pids" / f"{name}.pid"
    if not pidfile.is_file():
        raise RuntimeError(f"{name} is not running (no {pidfile})")
    _terminate(int(pidfile.read_text()), timeout)
    pidfile.unlink()
    log(f"stopped {name}")


def start_component(name: str, timeout: float = 180) -> None:
    """Start a component stopped by `stop NAME` again with its original command line; wait until healthy."""
    state = state_dir()
    if name not in RESTARTABLE:
        raise RuntimeError(f"cannot start {name!r}; one of: {', '.join(RESTARTABLE)}")
    pidfile = state / "pids" / f"{name}.pid"
    if pidfile.is_file() and pid_alive(int(pidfile.read_text())):
        log(f"{name} is already running")
        return
    env = json.loads((state / "env.json").read_text())
    cmd = json.loads((state / "cmds" / f"{name}.json").read_text())
    pid = start(state, name, cmd)
    url_key, path = RESTARTABLE[name]
    if name == "kube-apiserver":
        api = Api(env[url_key], state / "pki")
        check = lambda: api.call("GET", path) == "ok"  # noqa: E731
    else:
        check = lambda: healthz(env[url_key] + path)  # noqa: E731
    wait(name, check, pid, state / "logs" / f"{name}.log", timeout)
    log(f"started {name} again (pid {pid})")


def stop_n9e(state: Path) -> None:
    if (state / "n9e").is_dir():
        subprocess.run(
            [sys.executable, str(N9E_LAB), "down", "--keep"],
            env={**os.environ, "N9E_LAB_DIR": str(state / "n9e")},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )


# --- HTTP -----------------------------------------------------------------------------------------


class Api:
    """The apiserver's REST API with the admin client certificate."""

    def __init__(self, url: str, pki: Path) -> None:
        self.url = url
        self.ctx = ssl.create_default_context(cafile=str(pki / "ca.crt"))
        self.ctx.load_cert_chain(str(pki / "admin.crt"), str(pki / "admin.key"))

    def call(self, method: str, path: str, body: Any = None, ok: tuple[int, ...] = ()) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, context=self.ctx, timeout=30) as resp:
                text = resp.read()
                return json.loads(text) if text.strip().startswith(b"{") else text.decode()
        except urllib.error.HTTPError as exc:
            if exc.code in ok:
                return None
            raise RuntimeError(f"{method} {path}: HTTP {exc.code}: {exc.read()[:300]!r}") from None

    def create(self, obj: dict[str, Any]) -> None:
        self.call("POST", collection_path(obj), obj, ok=(409,))


def collection_path(obj: dict[str, Any]) -> str:
    group_version = obj["apiVersion"]
    base = "/api/v1" if group_version == "v1" else f"/apis/{group_version}"
    plural = {"Endpoints": "endpoints"}.get(obj["kind"]) or obj["kind"].lower() + (
        "es" if obj["kind"].endswith("s") else "s"
    )
    namespace = obj["metadata"].get("namespace")
    return f"{base}/namespaces/{namespace}/{plural}" if namespace else f"{base}/{plural}"


def wait(what: str, check, pid: int, logfile: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        if not pid_alive(pid):
            raise RuntimeError(f"{what} exited; last lines of {logfile}:\n{log_tail(logfile)}")
        try:
            if check():
                return
        except (OSError, RuntimeError, ssl.SSLError) as exc:
            last = str(exc)
        time.sleep(0.5)
    raise RuntimeError(
        f"{what} not ready after {timeout:.0f}s ({last}); last lines of {logfile}:\n{log_tail(logfile)}"
    )


def healthz(url: str) -> bool:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # the components' self-signed serving certificates
    with urllib.request.urlopen(url, context=ctx, timeout=5) as resp:
        return resp.status == 200


# --- up / down ------------------------------------------------------------------------------------


def binaries() -> Path:
    out = subprocess.run(["bash", str(HERE / "build")], check=True, stdout=subprocess.PIPE, text=True)
    return Path(out.stdout.strip().splitlines()[-1])


@dataclass(frozen=True)
class Lab:
    """What every process of one `up` needs: the state directory, the binaries, the PKI and the ports."""

    state: Path
    bin_dir: Path
    port: dict[str, int]

    @property
    def pki(self) -> Path:
        return self.state / "pki"

    def url(self, name: str, scheme: str = "http") -> str:
        return f"{scheme}://127.0.0.1:{self.port[name]}"

    def start(self, name: str, cmd: list[str]) -> int:
        return start(self.state, name, cmd)

    def wait(self, name: str, check: Callable[[], bool], pid: int, timeout: float) -> None:
        wait(name, check, pid, self.state / "logs" / f"{name}.log", timeout)


def _http_ok(url: str) -> Callable[[], bool]:
    return lambda: urllib.request.urlopen(url, timeout=5).status == 200


def unmount_under(path: Path) -> None:
    """The kubelet mounts its root dir and each pod's projected token volume (tmpfs): unmount them,
    deepest first, so that the directory can be removed."""
    prefix = str(path.resolve())
    mounts = [line.split()[1] for line in Path("/proc/self/mounts").read_text().splitlines()]
    for point in sorted(
        (m for m in mounts if m == prefix or m.startswith(prefix + "/")), key=len, reverse=True
    ):
        subprocess.run(["umount", point], check=False, capture_output=True)


def fresh_state(state: Path) -> None:
    """The directories of a new lab; data of an earlier one (PKI, etcd, TSDBs) is removed."""
    for sub in (
        "pki",
        "etcd",
        "prometheus",
        "prometheus-agent",
        "logs",
        "controller-manager",
        "scheduler",
        "kubelet",
    ):
        path = state / sub
        if path.exists() and sub in ("pki", "etcd", "prometheus", "prometheus-agent", "kubelet"):
            unmount_under(path)
            subprocess.run(["rm", "-rf", str(path)], check=True)
        path.mkdir(parents=True, exist_ok=True)


def start_etcd(lab: Lab) -> str:
    """etcd, ready (GET /health); returns its client URL."""
    url, peer = lab.url("etcd"), lab.url("etcd-peer")
    pid = lab.start("etcd", [
        str(lab.bin_dir / "etcd"), "--name=lab", f"--data-dir={lab.state / 'etcd'}",
        f"--listen-client-urls={url}", f"--advertise-client-urls={url}",
        f"--listen-peer-urls={peer}", f"--initial-advertise-peer-urls={peer}", f"--initial-cluster=lab={peer}",
        "--log-level=warn",
    ])  # fmt: skip
    lab.wait("etcd", _http_ok(f"{url}/health"), pid, 60)
    return url


def start_apiserver(lab: Lab, etcd_url: str) -> Api:
    """kube-apiserver, ready (GET /readyz as admin); returns a client for it."""
    pki = lab.pki
    pid = lab.start("kube-apiserver", [
        str(lab.bin_dir / "kube-apiserver"), f"--etcd-servers={etcd_url}",
        "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", f"--secure-port={lab.port['apiserver']}",
        f"--tls-cert-file={pki / 'apiserver.crt'}", f"--tls-private-key-file={pki / 'apiserver.key'}",
        f"--client-ca-file={pki / 'ca.crt'}",
        "--service-account-issuer=https://kubernetes.default.svc",
        f"--service-account-key-file={pki / 'sa.pub'}", f"--service-account-signing-key-file={pki / 'sa.key'}",
        "--service-cluster-ip-range=10.96.0.0/16", "--authorization-mode=Node,RBAC",
        "--v=1",
    ])  # fmt: skip
    api = Api(lab.url("apiserver", "https"), pki)
    lab.wait("kube-apiserver", lambda: api.call("GET", "/readyz") == "ok", pid, 180)
    return api


# Flags the controller-manager and the scheduler share: loopback, health endpoints without a token.
_COMPONENT_FLAGS = [
    "--bind-address=127.0.0.1",
    "--authorization-always-allow-paths=/healthz,/readyz,/livez",
    "--v=1",
]


def _kubeconfig_flags(kc: Path) -> list[str]:
    return [f"--kubeconfig={kc}", f"--authentication-kubeconfig={kc}", f"--authorization-kubeconfig={kc}"]


def start_controller_manager(lab: Lab) -> int:
    """kube-controller-manager, started (not waited for); returns its pid."""
    pki, state = lab.pki, lab.state
    return lab.start("kube-controller-manager", [
        str(lab.bin_dir / "kube-controller-manager"), *_kubeconfig_flags(state / "controller-manager.kubeconfig"),
        f"--secure-port={lab.port['cm']}", f"--cert-dir={state / 'controller-manager'}",
        f"--service-account-private-key-file={pki / 'sa.key'}", f"--root-ca-file={pki / 'ca.crt'}",
        "--use-service-account-credentials=true", "--cluster-name=lab",
        f"--cluster-signing-cert-file={pki / 'ca.crt'}", f"--cluster-signing-key-file={pki / 'ca.key'}",
        *_COMPONENT_FLAGS,
    ])  # fmt: skip


def start_scheduler(lab: Lab) -> int:
    """kube-scheduler, started (not waited for); returns its pid."""
    return lab.start("kube-scheduler", [
        str(lab.bin_dir / "kube-scheduler"), *_kubeconfig_flags(lab.state / "scheduler.kubeconfig"),
        f"--secure-port={lab.port['sched']}", f"--cert-dir={lab.state / 'scheduler'}", *_COMPONENT_FLAGS,
    ])  # fmt: skip


def start_controllers(lab: Lab) -> tuple[str, str]:
    """Their kubeconfigs (and the admin's), both started, then both healthy; returns their URLs."""
    apiserver = lab.url("apiserver", "https")
    for name in ("controller-manager", "scheduler"):
        kubeconfig(lab.state / f"{name}.kubeconfig", apiserver, lab.pki, name)
    kubeconfig(lab.state / "admin.kubeconfig", apiserver, lab.pki, "admin")
    cm_pid, sched_pid = start_controller_manager(lab), start_scheduler(lab)
    cm_url, sched_url = lab.url("cm", "https"), lab.url("sched", "https")
    lab.wait("kube-controller-manager", lambda: healthz(cm_url + "/healthz"), cm_pid, 120)
    lab.wait("kube-scheduler", lambda: healthz(sched_url + "/healthz"), sched_pid, 120)
    return cm_url, sched_url


# --- CoreDNS ---------------------------------------------------------------------------------------

COREDNS_PORTS = ("coredns-dns", "coredns-metrics", "coredns-upstream")
# What CoreDNS's kubernetes plugin reads (kubeadm's system:coredns ClusterRole).
COREDNS_RULES = [
    {
        "apiGroups": [""],
        "resources": ["endpoints", "services", "pods", "namespaces"],
        "verbs": ["list", "watch"],
    },
    {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"], "verbs": ["list", "watch"]},
]


def coredns_binary() -> Path:
    """lab/coredns/build's binary (built once into the cache)."""
    build = REPO / "lab" / "coredns" / "build"
    out = subprocess.run(["bash", str(build)], check=True, stdout=subprocess.PIPE, text=True)
    return Path(out.stdout.strip().splitlines()[-1])


def coredns_rbac(api: Api) -> None:
    """A ClusterRole with what the kubernetes plugin reads, bound to the lab's CoreDNS user."""
    name = "n9e-k8s-lab:coredns"
    api.create({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                "metadata": {"name": name}, "rules": COREDNS_RULES})  # fmt: skip
    api.create({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": name},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": name},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": COREDNS_USER}],
    })  # fmt: skip


def write_corefiles(lab: Lab) -> tuple[Path, Path]:
    """The cluster CoreDNS (kubernetes, cache, prometheus, errors, forward to the upstream) and the
    upstream (a hosts zone and a zone answered SERVFAIL), both on loopback only."""
    dns, metrics, upstream = (lab.port[p] for p in COREDNS_PORTS)
    folder = lab.state / "coredns"
    folder.mkdir(exist_ok=True)
    kc = lab.state / "coredns.kubeconfig"
    kubeconfig(kc, lab.url("apiserver", "https"), lab.pki, "coredns")
    main = folder / "Corefile"
    main.write_text(f"""\
.:{dns} {{
    bind 127.0.0.1
    errors
    cache 30
    kubernetes cluster.local in-addr.arpa ip6.arpa {{
        kubeconfig {kc} {CLUSTER}
        fallthrough in-addr.arpa ip6.arpa
    }}
    prometheus 127.0.0.1:{metrics}
    forward . 127.0.0.1:{upstream}
}}
""")
    up = folder / "Corefile.upstream"
    up.write_text(f"""\
{UPSTREAM_ZONE}:{upstream} {{
    bind 127.0.0.1
    template IN ANY {{
        match "^n[0-9]+[.]{UPSTREAM_ZONE.replace(".", "[.]")}[.]$"
        rcode NXDOMAIN
        fallthrough
    }}
    hosts {{
        192.0.2.10 www.{UPSTREAM_ZONE}
    }}
}}
{BROKEN_ZONE}:{upstream} {{
    bind 127.0.0.1
    template ANY ANY {{
        rcode SERVFAIL
    }}
}}
""")
    return main, up


def _resolves(server: str, name: str) -> bool:
    """One UDP query: an answer with rcode NOERROR."""
    host, port = server.rsplit(":", 1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(2)
        sock.sendto(dns_query(name, 1), (host, int(port)))
        return sock.recv(4096)[3] & 0xF == 0


def start_coredns(lab: Lab, api: Api) -> dict[str, str]:
    """The upstream CoreDNS, the cluster CoreDNS (ready: its metrics answer), and the query trickle;
    returns their environment variables."""
    binary = coredns_binary()
    coredns_rbac(api)
    main, upstream = write_corefiles(lab)
    lab.start("coredns-upstream", [str(binary), "-conf", str(upstream)])
    pid = lab.start("coredns", [str(binary), "-conf", str(main)])
    metrics = lab.url("coredns-metrics")
    dns = f"127.0.0.1:{lab.port['coredns-dns']}"
    # Ready when a forwarded name resolves: the server starts once the kubernetes plugin has synced
    # (or given up after 5s), after its metrics listener.
    lab.wait("coredns", lambda: _resolves(dns, f"www.{UPSTREAM_ZONE}"), pid, 60)
    lab.start("dns-trickle", [
        sys.executable, str(REPO / "lab" / "coredns" / "trickle.py"), "--server", dns,
        "--zone", UPSTREAM_ZONE, "--broken-zone", BROKEN_ZONE,
    ])  # fmt: skip
    return {"COREDNS_URL": metrics, "COREDNS_DNS": dns}


def start_kube_proxy(lab: Lab) -> str:
    """kube-proxy as the lab node, in nftables mode on the host's network namespace, ready (its
    /healthz is 200 once it has synced the rules); returns its metrics URL (plain http, loopback)."""
    if shutil.which("nft") is None:
        raise RuntimeError(
            "kube-proxy's nftables mode needs the nft command (lab/install-deps installs nftables)"
        )
    kc = lab.state / "kube-proxy.kubeconfig"
    kubeconfig(kc, lab.url("apiserver", "https"), lab.pki, "kube-proxy")
    remove_proxy_rules()  # of an earlier lab that was killed
    pid = lab.start("kube-proxy", [
        str(lab.bin_dir / "kube-proxy"), f"--kubeconfig={kc}", f"--hostname-override={NODE['metadata']['name']}",
        "--proxy-mode=nftables", "--cluster-cidr=10.244.0.0/16",
        f"--metrics-bind-address=127.0.0.1:{lab.port['proxy']}",
        f"--healthz-bind-address=127.0.0.1:{lab.port['proxy-healthz']}",
        # leave the host's conntrack settings alone
        "--conntrack-max-per-core=0", "--conntrack-tcp-timeout-established=0",
        "--conntrack-tcp-timeout-close-wait=0", "--v=1",
    ])  # fmt: skip
    lab.wait("kube-proxy", _http_ok(f"{lab.url('proxy-healthz')}/healthz"), pid, 120)
    return lab.url("proxy")


def start_kubelet(lab: Lab) -> str:
    """fakecri, then a kubelet on it (no cgroups, no QoS hierarchy, no eviction), registered as
    KUBELET_NODE and healthy (GET /healthz); returns its https URL (/metrics needs a token)."""
    state = lab.state
    sock = state / "kubelet" / "cri.sock"
    sock.parent.mkdir(parents=True, exist_ok=True)
    sock.unlink(missing_ok=True)
    endpoint = f"unix://{sock}"
    cri_pid = lab.start("fakecri", [str(lab.bin_dir / "fakecri"), endpoint])
    lab.wait("fakecri", sock.exists, cri_pid, 30)
    kubeconfig(state / "kubelet.kubeconfig", lab.url("apiserver", "https"), lab.pki, "kubelet")
    config = {
        "kind": "KubeletConfiguration",
        "apiVersion": "kubelet.config.k8s.io/v1beta1",
        "address": "127.0.0.1",
        "port": lab.port["kubelet"],
        "readOnlyPort": 0,
        "healthzBindAddress": "127.0.0.1",
        "healthzPort": lab.port["kubelet-healthz"],
        # As kubeadm sets it up: a bearer token is checked with a TokenReview, /metrics with a
        # SubjectAccessReview (get nodes/metrics) against the manifests' RBAC.
        "authentication": {
            "anonymous": {"enabled": False},
            "webhook": {"enabled": True},
            "x509": {"clientCAFile": str(lab.pki / "ca.crt")},
        },
        "authorization": {"mode": "Webhook"},
        "containerRuntimeEndpoint": endpoint,
        "imageServiceEndpoint": endpoint,
        "cgroupDriver": "cgroupfs",
        "cgroupsPerQOS": False,
        "enforceNodeAllocatable": [],
        "failSwapOn": False,
        "failCgroupV1": False,  # CI and lab hosts may still be on cgroup v1 (no cgroup is used here)
        "evictionHard": {},
        "localStorageCapacityIsolation": False,
        "makeIPTablesUtilChains": False,
        "resolvConf": "",
        "nodeStatusUpdateFrequency": "10s",
        "syncFrequency": "10s",
    }
    (state / "kubelet.json").write_text(json.dumps(config, indent=2) + "\n")
    pid = lab.start("kubelet", [
        str(lab.bin_dir / "kubelet"), f"--config={state / 'kubelet.json'}",
        f"--kubeconfig={state / 'kubelet.kubeconfig'}", f"--root-dir={state / 'kubelet'}",
        f"--cert-dir={state / 'kubelet' / 'pki'}", f"--hostname-override={KUBELET_NODE}",
        "--v=1",
    ])  # fmt: skip
    lab.wait("kubelet", lambda: healthz(f"http://127.0.0.1:{lab.port['kubelet-healthz']}/healthz"), pid, 120)
    return lab.url("kubelet", "https")


def start_prometheus(lab: Lab, forward_to: str | None = None) -> str:
    """The Prometheus server (what the agent remote-writes to, with the catalog's rule files), ready;
    with ``forward_to`` it remote-writes everything it stores there too."""
    state = lab.state
    # The server stores what the agent remote-writes, with the agent's external label (cluster),
    # as n9e's time-series database would.
    server_config: dict[str, Any] = {"global": {"evaluation_interval": "5s"}}
    if forward_to:
        server_config["remote_write"] = [{"url": forward_to}]
    if write_rule_files(state / "rules"):
        server_config["rule_files"] = [str(state / "rules" / "*.rules.yaml")]
    (state / "prometheus.yml").write_text(json.dumps(server_config, indent=2) + "\n")
    pid = lab.start("prometheus", [
        PROMETHEUS, f"--config.file={state / 'prometheus.yml'}", f"--storage.tsdb.path={state / 'prometheus'}",
        f"--web.listen-address=127.0.0.1:{lab.port['prom']}", "--storage.tsdb.retention.time=1d",
        "--web.enable-remote-write-receiver", "--web.enable-lifecycle",
    ])  # fmt: skip
    url = lab.url("prom")
    lab.wait("prometheus", _http_ok(f"{url}/-/ready"), pid, 60)
    return url


def start_agent(lab: Lab, token_file: Path, remote_write: str, kubelet_url: str) -> str:
    """The Prometheus agent with the manifests' scrape configuration, remote-writing to ``remote_write``."""
    state = lab.state
    # The lab's etcd serves plain http on loopback (no client certificates): scraped as it is served.
    write_agent_config(state, lab.pki, token_file, remote_write, {
        "apiserver": lab.url("apiserver", "https"),
        "controller-manager": lab.url("cm", "https"),
        "scheduler": lab.url("sched", "https"),
        "etcd": lab.url("etcd"),
        "coredns": lab.url("coredns-metrics"),
        "kube-proxy": lab.url("proxy"),
        **({"kubelet": kubelet_url} if kubelet_url else {}),
    })  # fmt: skip
    pid = lab.start("prometheus-agent", [
        PROMETHEUS, "--enable-feature=agent", f"--config.file={state / 'prometheus-agent.yml'}",
        f"--storage.agent.path={state / 'prometheus-agent'}", f"--web.listen-address=127.0.0.1:{lab.port['agent']}",
    ])  # fmt: skip
    url = lab.url("agent")
    lab.wait("prometheus-agent", _http_ok(f"{url}/-/ready"), pid, 60)
    return url


def up(n9e: bool = False, vm: bool = False) -> dict[str, str]:
    """The whole lab, in dependency order; returns (and records in env.json) its environment."""
    state = state_dir()
    if running(state, n9e, vm) and (state / "env.json").is_file():
        log(f"already running (state in {state})")
        return json.loads((state / "env.json").read_text())
    stop(state)
    bin_dir = binaries()
    started = time.monotonic()
    fresh_state(state)
    make_certs(state / "pki")
    names = ("etcd", "etcd-peer", "apiserver", "cm", "sched", "proxy", "proxy-healthz", "kubelet", "kubelet-healthz",
             "prom", "agent", "vm", *COREDNS_PORTS)  # fmt: skip
    ports = {name: free_port() for name in names}
    lab = Lab(state, bin_dir, ports)

    etcd_url = start_etcd(lab)
    api = start_apiserver(lab, etcd_url)
    cm_url, sched_url = start_controllers(lab)
    token_file = create_objects(api, state)
    coredns_env = start_coredns(lab, api)
    proxy_url = start_kube_proxy(lab)
    add_endpoint(api)
    kubelet_url = start_kubelet(lab) if RUN_KUBELET else ""
    vm_env = start_victoriametrics(lab) if vm else {}
    prom_url = start_prometheus(lab, vm_env.get("VICTORIAMETRICS_WRITE_URL"))
    n9e_env: dict[str, str] = {}
    remote_write = f"{prom_url}/api/v1/write"
    if n9e:
        n9e_env = start_n9e(state, prom_url)
        remote_write = f"{n9e_env['N9E_URL']}/prometheus/v1/write"  # as docs/collection.md tells users
    agent_url = start_agent(lab, token_file, remote_write, kubelet_url)
    env = {
        "PROMETHEUS_URL": prom_url,
        "PROMETHEUS_AGENT_URL": agent_url,
        "KUBE_APISERVER_URL": api.url,
        "KUBE_CONTROLLER_MANAGER_URL": cm_url,
        "KUBE_SCHEDULER_URL": sched_url,
        "ETCD_URL": etcd_url,
        **coredns_env,
        "KUBE_PROXY_URL": proxy_url,
        **({"KUBELET_URL": kubelet_url} if kubelet_url else {}),
        # config.yaml components the lab runs no process for (comma-separated).
        "N9E_K8S_LAB_NOT_RUN": "" if kubelet_url else "kubelet",
        "KUBECONFIG": str(state / "admin.kubeconfig"),
        "N9E_K8S_CONTROLPLANE_DIR": str(state),
        "N9E_K8S_CONTROLPLANE_TOKEN_FILE": str(token_file),
        "PROMETHEUS_REMOTE_WRITE_URL": remote_write,
        **n9e_env,
        **vm_env,
    }
    if n9e:
        sync_n9e(env)
    (state / "env.json").touch(mode=0o600)  # it holds n9e's token in --n9e mode
    (state / "env.json").write_text(json.dumps(env, indent=2) + "\n")
    log(f"up in {time.monotonic() - started:.0f}s (state and logs in {state})")
    return env


def victoriametrics_running(state: Path) -> bool:
    pidfile = state / "pids" / f"{VICTORIAMETRICS}.pid"
    try:
        return pid_alive(int(pidfile.read_text()))
    except (OSError, ValueError):
        return False


def start_victoriametrics(lab: Lab) -> dict[str, str]:
    """VictoriaMetrics single-node (built by lab/victoriametrics/build), ready; returns VICTORIAMETRICS_URL
    (the Prometheus query API is under it) and VICTORIAMETRICS_WRITE_URL (its remote-write receiver)."""
    out = subprocess.run(["bash", str(VM_BUILD)], check=True, stdout=subprocess.PIPE, text=True)
    binary = Path(out.stdout.strip().splitlines()[-1]) / "victoria-metrics"
    data = lab.state / "victoria-metrics"
    subprocess.run(["rm", "-rf", str(data)], check=True)
    pid = lab.start(VICTORIAMETRICS, [
        str(binary), f"-storageDataPath={data}", f"-httpListenAddr=127.0.0.1:{lab.port['vm']}",
        "-retentionPeriod=1d", "-loggerLevel=WARN",
        # The lab scrapes every 5s: look back like Prometheus (5m) and show the newest samples at once.
        "-search.latencyOffset=0s", "-search.cacheTimestampOffset=0s",
    ])  # fmt: skip
    url = lab.url("vm")
    lab.wait(VICTORIAMETRICS, _http_ok(f"{url}/health"), pid, 60)
    return {"VICTORIAMETRICS_URL": url, "VICTORIAMETRICS_WRITE_URL": f"{url}/api/v1/write"}


def start_n9e(state: Path, prom_url: str) -> dict[str, str]:
    """lab/n9e's server (N9E_LAB_VERSION, default v6.7.3) in <state>/n9e: its Pushgw writer forwards
    to the Prometheus server and its datasource points at it. Returns its N9E_* variables."""
    env = {
        **os.environ,
        "N9E_LAB_DIR": str(state / "n9e"),
        "N9E_LAB_PROMETHEUS_URL": prom_url,
        "N9E_LAB_WRITER_URL": f"{prom_url}/api/v1/write",
    }
    proc = subprocess.run([sys.executable, str(N9E_LAB), "up"], env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"lab/n9e/up failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    words = shlex.split(proc.stdout)
    n9e_env = dict(w.split("=", 1) for w in words if "=" in w and w.startswith("N9E_"))
    if "N9E_URL" not in n9e_env:
        raise RuntimeError(f"lab/n9e/up printed no N9E_URL:\n{proc.stderr[-3000:]}")
    log(f"n9e {n9e_env.get('N9E_VERSION')} at {n9e_env['N9E_URL']} (logs in {state / 'n9e'})")
    return n9e_env


def sync_n9e(env: dict[str, str]) -> None:
    """The built-in dashboards, alert and recording rules into the lab n9e's group, with the
    toolkit's own sync commands (N9E_URL, N9E_TOKEN, N9E_GROUP, N9E_DATASOURCE from `env`)."""
    for command in ("import-dashboards", "sync-alerts"):
        started = time.monotonic()
        proc = subprocess.run(
            [
                sys.executable,
                "-c",
                "from n9e_k8s.cli import main; main()",
                command,
                "--source",
                str(REPO),
                "--output",
                "json",
            ],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            raise RuntimeError(
                f"n9e-k8s {command} into the lab n9e failed ({proc.returncode}):\n"
                f"{proc.stderr[-2000:]}{proc.stdout[-2000:]}"
            )
        log(f"n9e-k8s {command}: done in {time.monotonic() - started:.1f}s")


def create_objects(api: Api, state: Path) -> Path:
    """The collection manifests' objects, the lab workload, and a token for Prometheus."""
    from n9e_k8s.manifests import ManifestOptions, render_objects

    selectors, keep = manifest_inputs()
    objects = render_objects(
        selectors,
        ManifestOptions(
            remote_write_url="http://127.0.0.1:17000/prometheus/v1/write", cluster=CLUSTER, keep=keep
        ),
    )
    service_account = None
    for obj in objects:
        api.create(obj)
        if obj["kind"] == "ServiceAccount":
            service_account = obj["metadata"]
    if service_account is None:
        raise RuntimeError("the collection manifests have no ServiceAccount")
    api.create(NODE)
    for namespace, deployments in WORKLOAD.items():
        api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
        for name, replicas, cpu in deployments:
            labels = {"app": name}
            api.create({
                "apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": name, "namespace": namespace},
                "spec": {
                    "replicas": replicas, "selector": {"matchLabels": labels},
                    "template": {"metadata": {"labels": labels}, "spec": {
                        "containers": [{"name": name, "image": "registry.k8s.io/pause:3.10",
                                        "resources": {"requests": {"cpu": cpu, "memory": "16Mi"}}}],
                    }},
                },
            })  # fmt: skip
    for obj in SERVICES:
        api.create(obj)
    # Churn every minute: a Job whose pods are scheduled onto the node (they tolerate its
    # unreachable taints: no kubelet ever reports) and fail at their deadline, so that scheduling
    # latencies, the job and cronjob controllers and the pod-delete events keep having data.
    tolerations = [
        {"key": f"node.kubernetes.io/{t}", "operator": "Exists"} for t in ("unreachable", "not-ready")
    ]
    api.create({
        "apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "tick", "namespace": "lab-batch"},
        "spec": {
            "schedule": "* * * * *", "concurrencyPolicy": "Allow",
            "successfulJobsHistoryLimit": 1, "failedJobsHistoryLimit": 2,
            "jobTemplate": {"spec": {
                "parallelism": 2, "completions": 2, "activeDeadlineSeconds": 25, "backoffLimit": 0,
                "template": {"spec": {
                    "restartPolicy": "Never", "tolerations": tolerations,
                    "containers": [{"name": "tick", "image": "registry.k8s.io/pause:3.10",
                                    "resources": {"requests": {"cpu": "50m", "memory": "16Mi"}}}],
                }},
            }},
        },
    })  # fmt: skip
    ns, name = service_account["namespace"], service_account["name"]
    token = api.call(
        "POST",
        f"/api/v1/namespaces/{ns}/serviceaccounts/{name}/token",
        {
            "apiVersion": "authentication.k8s.io/v1",
            "kind": "TokenRequest",
            "spec": {"expirationSeconds": 86400},
        },
    )["status"]["token"]
    token_file = state / "prometheus.token"
    token_file.touch(mode=0o600)
    token_file.write_text(token)
    return token_file


def write_rule_files(rules_dir: Path) -> bool:
    """The alert and recording rules as Prometheus rule files, so that the recorded series the
    alerts use exist in the lab. False when this toolkit has no rules."""
    subprocess.run(["rm", "-rf", str(rules_dir)], check=True)
    try:
        from n9e_k8s.alerts.render import prometheus_rule_file
        from n9e_k8s.project import load_project
    except ImportError:
        return False
    import yaml
    from n9e_k8s.source import resolve_source

    rules = load_project(resolve_source(str(REPO)), ("rules",)).rules
    rules_dir.mkdir(parents=True)
    for component in rules.components:
        # Every group at the lab's evaluation_interval (5s): Prometheus starts a group at an offset of
        # up to its interval (3m for the availability group), which the readiness wait would pay for.
        groups = yaml.safe_load(prometheus_rule_file(rules, component))
        for group in groups.get("groups", []):
            group.pop("interval", None)
        (rules_dir / f"{component}.rules.yaml").write_text(json.dumps(groups, indent=1) + "\n")
    return bool(rules.components)


def manifest_inputs() -> tuple[Any, Any]:
    """config.yaml and the keep-lists, as `n9e-k8s manifests` renders them: the lab's agent keeps what the
    content reads (``collection.keep``; N9E_K8S_LAB_KEEP=all keeps everything, for the before/after bench)."""
    from n9e_k8s.build import BUILD_PARTS
    from n9e_k8s.keep import keep_lists
    from n9e_k8s.project import load_project
    from n9e_k8s.source import SourceTree

    project = load_project(SourceTree(REPO), BUILD_PARTS)
    return project.config, keep_lists(project, os.environ.get("N9E_K8S_LAB_KEEP") or None)


def write_agent_config(
    state: Path, pki: Path, token_file: Path, remote_write: str, targets: dict[str, str]
) -> None:
    """The manifests' agent configuration with kubernetes_sd turned into static targets (``targets``:
    component -> URL, scraped with the URL's scheme) and the remote write going to the lab's Prometheus
    server. A job config.yaml gives a token sends the lab's token file; one served over plain http here
    loses its TLS settings (e.g. etcd's client certificate: the lab's etcd has none)."""
    from n9e_k8s.manifests import ManifestOptions, prometheus_config

    selectors, keep = manifest_inputs()
    options = ManifestOptions(
        remote_write_url=remote_write, cluster=CLUSTER, scrape_interval=SCRAPE_INTERVAL, keep=keep
    )
    options.check()
    config = prometheus_config(selectors, options)
    component_of = {job: component for component, job in selectors.jobs.items()}
    # A component the lab does not run (no URL) has no job: N9E_K8S_LAB_NOT_RUN lists it.
    config["scrape_configs"] = [j for j in config["scrape_configs"] if component_of[j["job_name"]] in targets]
    for job in config["scrape_configs"]:
        component = component_of[job["job_name"]]
        del job["kubernetes_sd_configs"], job["relabel_configs"]
        url = urlsplit(targets[component])
        job["static_configs"] = [{"targets": [url.netloc]}]
        job["scheme"] = url.scheme
        if url.scheme == "http":
            job.pop("tls_config", None)
            job.pop("authorization", None)
            continue
        if "authorization" in job:
            job["authorization"]["credentials_file"] = str(token_file)
        if "ca_file" in job.get("tls_config", {}):  # the apiserver's: the cluster CA
            job["tls_config"]["ca_file"] = str(pki / "ca.crt")
    (state / "prometheus-agent.yml").write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")


def down() -> None:
    state = state_dir()
    stop(state)
    unmount_under(state / "kubelet")
    (state / "env.json").unlink(missing_ok=True)
    log(f"stopped (state kept in {state})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lab/controlplane")
    sub = parser.add_subparsers(dest="command", required=True)
    p_up = sub.add_parser("up", help="start the control plane and Prometheus; print export lines")
    p_up.add_argument(
        "--n9e",
        action="store_true",
        default=os.environ.get("N9E_K8S_LAB_N9E", "") not in ("", "0"),
        help="also run a lab n9e between the agent and the Prometheus server (env N9E_K8S_LAB_N9E=1)",
    )
    p_up.add_argument(
        "--victoriametrics",
        action="store_true",
        default=os.environ.get("N9E_K8S_LAB_VM", "") not in ("", "0"),
        help="also run VictoriaMetrics, fed by the Prometheus server's remote write (env N9E_K8S_LAB_VM=1)",
    )
    sub.add_parser("down", help="stop everything up started")
    for verb, what in (
        ("stop", "stop one component (an outage; the rest stays up)"),
        ("start", "start a component stopped by `stop` again and wait until it is healthy"),
    ):
        sub.add_parser(verb, help=what).add_argument("component", choices=sorted(RESTARTABLE))
    args = parser.parse_args(argv)
    try:
        if args.command == "up":
            try:
                env = up(args.n9e, args.victoriametrics)
            except BaseException:
                stop(state_dir())
                raise
            print(exports(env), flush=True)
        elif args.command == "stop":
            stop_component(args.component)
        elif args.command == "start":
            start_component(args.component)
        else:
            down()
    except (RuntimeError, subprocess.CalledProcessError, OSError) as exc:
        log(f"error: {exc}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
