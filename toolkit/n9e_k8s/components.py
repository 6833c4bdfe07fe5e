"""The components of promql/config.yaml (``components.<name>``): job, static-pod container and scrape target.

Everything the code knows about a component comes from here; no module names one. A component is::

    job: apiserver                 # scrape job name, pasted into PromQL
    namespace: kube-system         # where its static pod runs (cAdvisor / kube-state-metrics series)
    container: kube-apiserver
    scraped: true                  # false on a managed control plane: its outputs drop out
    always_scraped: true           # `scraped: false` is refused (every output depends on it)
    target:                        # where the agent's kubernetes_sd finds it
      discovery: endpointslice     # endpointslice (default: a Service's endpoints) or node (every Node)
      namespace: default           # of the Service (endpointslice only, like service and port_name)
      service: kubernetes
      port_name: https
      port: 6443                   # needed with headless_service; with node: replaces the node's port
      scheme: https                # https (default) or http
      tls: cluster-ca              # cluster-ca (the service account's CA), component-ca or client-cert
      server_name: kubernetes.default.svc
      secret: metrics-client       # with tls: client-cert, the Secret (ca.crt, tls.crt, tls.key) mounted
      headless_service: false      # render a headless Service selecting the static pod
      pod_selector:                # the pods that Service selects (default component: <service>,
        k8s-app: kube-proxy        # the kubeadm static-pod label; a DaemonSet's pods need their own)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import SourceError
from .yamlio import LineDict, unknown_keys

COMPONENT_KEYS = ("job", "namespace", "container", "scraped", "always_scraped", "target")
TARGET_KEYS = (
    "discovery",
    "namespace",
    "service",
    "port_name",
    "port",
    "scheme",
    "tls",
    "server_name",
    "secret",
    "headless_service",
    "pod_selector",
)
SCHEMES = ("https", "http")
# endpointslice: the endpoints of one Service (namespace;service;port_name); node: every Node, at the
# address and kubelet port it reports (status.addresses, status.daemonEndpoints), for a per-node agent.
DISCOVERIES = ("endpointslice", "node")
NODE_DISCOVERY = "node"
NODE_LABEL = "node"  # the label node discovery sets: the Node's name
# Keys that name a Service: required with endpointslice discovery, refused with node discovery.
SERVICE_KEYS = ("namespace", "service", "port_name")
# cluster-ca: the CA every pod has (the service account's ca.crt); component-ca: the CA given with
# --component-ca-configmap, or no verification without it (self-signed serving certificates);
# client-cert: a client certificate, its key and the server's CA from the target's `secret` (for a
# server that authenticates its clients by certificate, not by token).
TLS_MODES = ("cluster-ca", "component-ca", "client-cert")
CLIENT_CERT = "client-cert"
# Characters that would change a PromQL string they are pasted into ("...") or the line it is on: values
# with them are refused rather than escaped, so that what the config says is what the queries select.
UNSAFE_VALUE_RE = re.compile(r'["\\`\x00-\x1f\x7f]')
COMPONENT_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
DNS_LABEL_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS_SUBDOMAIN_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
# Kubernetes label keys ([prefix/]name) and values (both at most 63 characters in the name part).
LABEL_NAME_RE = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")
LABEL_VALUE_RE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$")


@dataclass(frozen=True)
class Target:
    """Where kubernetes_sd finds a component: the article's keep regex is namespace;service;port."""

    namespace: str  # the Service's namespace, name and port name: empty with node discovery
    service: str
    port_name: str
    port: int | None = None  # required for the headless Services we create
    scheme: str = "https"
    tls: str = "component-ca"
    server_name: str | None = None
    headless_service: bool = False
    secret: str | None = None  # with tls client-cert: the Secret holding ca.crt, tls.crt and tls.key
    pod_selector: tuple[tuple[str, str], ...] = ()  # the headless Service's selector; () = component
    discovery: str = "endpointslice"

    @property
    def per_node(self) -> bool:
        return self.discovery == NODE_DISCOVERY

    @property
    def added_labels(self) -> tuple[str, ...]:
        """Labels the scrape job sets on every series (manifests' relabelling): node discovery's `node`."""
        return (NODE_LABEL,) if self.per_node else ()

    @property
    def keep_regex(self) -> str:
        return f"{self.namespace};{self.service};{self.port_name}"

    @property
    def selector(self) -> dict[str, str]:
        """The labels of the pods the headless Service selects (kubeadm static pods: component=<name>)."""
        return dict(self.pod_selector) if self.pod_selector else {"component": self.service}


@dataclass(frozen=True)
class Component:
    name: str
    job: str
    namespace: str
    container: str
    scraped: bool = True
    always_scraped: bool = False
    target: Target | None = None


def value_error(value: object, file: Path, node: LineDict, key: str, path: str) -> SourceError | None:
    """A config value pasted into PromQL: a non-empty string without quotes, backslashes or control characters."""
    if not isinstance(value, str) or not value:
        return SourceError(file, "must be a non-empty string", line=node.line_of(key), path=path)
    if UNSAFE_VALUE_RE.search(value):
        return SourceError(
            file,
            f"{value!r}: quotes, backslashes, backticks and control characters are not allowed "
            "(the value is pasted into PromQL strings)",
            line=node.line_of(key),
            path=path,
        )
    return None


def parse_component(
    name: Any, spec: object, node: LineDict, file: Path
) -> tuple[Component | None, list[SourceError]]:
    """One ``components.<name>`` entry (``node`` is ``components``); None when it cannot be used."""
    path = f"components.{name}"
    if not isinstance(name, str) or not COMPONENT_NAME_RE.match(name):
        return None, [
            SourceError(
                file, "a component name is letters, digits, - and _", line=node.line_of(name), path=path
            )
        ]
    if not isinstance(spec, LineDict):
        return None, [SourceError(file, "must be a mapping with 'job'", line=node.line_of(name), path=path)]
    errors = unknown_keys(spec, COMPONENT_KEYS, file, path)
    if "job" not in spec:
        return None, [
            *errors,
            SourceError(file, "missing required key 'job'", line=node.line_of(name), path=path),
        ]
    values = {"job": spec["job"], "namespace": spec.get("namespace", "kube-system"),
              "container": spec.get("container", f"kube-{name}")}  # fmt: skip
    bad = [e for k, v in values.items() if (e := value_error(v, file, spec, k, f"{path}.{k}"))]
    errors += bad
    flags: dict[str, bool] = {}
    for key in ("scraped", "always_scraped"):
        flags[key], problem = _flag(spec, key, key == "scraped", file, path)
        errors += problem
    if flags["always_scraped"] and not flags["scraped"]:
        errors.append(
            SourceError(
                file,
                f"{name} is always scraped (always_scraped: true): the other outputs depend on it, "
                "and managed control planes serve its /metrics too",
                line=spec.line_of("scraped"),
                path=f"{path}.scraped",
            )
        )
    target, target_errors = _target(spec, file, path)
    errors += target_errors
    if bad:
        return None, errors
    component = Component(
        name,
        values["job"],
        values["namespace"],
        values["container"],
        flags["scraped"],
        flags["always_scraped"],
        target,
    )
    return component, errors


def _flag(spec: LineDict, key: str, default: bool, file: Path, path: str) -> tuple[bool, list[SourceError]]:
    value = spec.get(key, default)
    if isinstance(value, bool):
        return value, []
    where = {"line": spec.line_of(key), "path": f"{path}.{key}"}
    return default, [SourceError(file, f"must be true or false, not {value!r}", **where)]


def _target(spec: LineDict, file: Path, path: str) -> tuple[Target | None, list[SourceError]]:
    raw = spec.get("target")
    if raw is None:
        return None, []
    path = f"{path}.target"
    if not isinstance(raw, LineDict):
        return None, [SourceError(file, "must be a mapping", line=spec.line_of("target"), path=path)]
    errors = unknown_keys(raw, TARGET_KEYS, file, path)

    def bad(key: str, message: str) -> None:
        errors.append(SourceError(file, message, line=raw.line_of(key), path=f"{path}.{key}"))

    discovery = raw.get("discovery", "endpointslice")
    if discovery not in DISCOVERIES:
        bad("discovery", f"discovery must be one of {', '.join(DISCOVERIES)}, not {discovery!r}")
    per_node = discovery == NODE_DISCOVERY
    for key in (*SERVICE_KEYS, "headless_service"):
        if per_node and key in raw:
            bad(key, f"'{key}' names a Service: not used with discovery: node (every Node is scraped)")
    for key in SERVICE_KEYS if discovery == "endpointslice" else ():
        value = raw.get(key)
        if key not in raw:
            errors.append(SourceError(file, f"missing required key '{key}'", line=raw.line, path=path))
        elif not isinstance(value, str) or not DNS_LABEL_RE.match(value) or len(value) > 63:
            bad(key, f"{value!r} is not a valid name (lower-case letters, digits and -)")
    port = raw.get("port")
    if port is not None and (isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536):
        bad("port", f"{port!r} is not a port number (1-65535)")
    for key, choices, default in (("scheme", SCHEMES, "https"), ("tls", TLS_MODES, "component-ca")):
        if raw.get(key, default) not in choices:
            bad(key, f"{key} must be one of {', '.join(choices)}, not {raw.get(key)!r}")
    server_name = raw.get("server_name")
    if server_name is not None and not (isinstance(server_name, str) and DNS_SUBDOMAIN_RE.match(server_name)):
        bad("server_name", f"{server_name!r} is not a DNS name")
    headless, problem = _flag(raw, "headless_service", False, file, path)
    errors += problem
    if headless and port is None:
        bad("headless_service", "a headless Service needs 'port'")
    errors += _secret_errors(raw, file, path)
    pod_selector, selector_errors = _pod_selector(raw, headless, file, path)
    errors += selector_errors
    if errors:
        return None, errors
    return Target(
        raw.get("namespace", ""), raw.get("service", ""), raw.get("port_name", ""), port,
        raw.get("scheme", "https"), raw.get("tls", "component-ca"), server_name, headless,
        raw.get("secret"), pod_selector, discovery,
    ), []  # fmt: skip


def _pod_selector(
    raw: LineDict, headless: bool, file: Path, path: str
) -> tuple[tuple[tuple[str, str], ...], list[SourceError]]:
    """`pod_selector`: a non-empty mapping of Kubernetes label keys to values, only with headless_service."""
    if "pod_selector" not in raw:
        return (), []
    value = raw["pod_selector"]
    where = {"line": raw.line_of("pod_selector"), "path": f"{path}.pod_selector"}
    if not headless:
        return (), [SourceError(file, "'pod_selector' is used only with headless_service: true", **where)]
    if not isinstance(value, dict) or not value:
        return (), [SourceError(file, "must be a non-empty mapping of pod labels (key: value)", **where)]
    errors = []
    for key, label in value.items():
        prefix, _, name = str(key).rpartition("/")
        good_key = (
            isinstance(key, str)
            and LABEL_NAME_RE.match(name)
            and (not prefix or (DNS_SUBDOMAIN_RE.match(prefix) and len(prefix) <= 253))
        )
        if not good_key or not isinstance(label, str) or not LABEL_VALUE_RE.match(label):
            line = value.line_of(key) if isinstance(value, LineDict) else where["line"]
            errors.append(
                SourceError(
                    file,
                    f"{key!r}: {label!r} is not a Kubernetes label selector (key [prefix/]name, string value)",
                    line=line,
                    path=f"{path}.pod_selector.{key}",
                )
            )
    return tuple(sorted(value.items())), errors


def _secret_errors(raw: LineDict, file: Path, path: str) -> list[SourceError]:
    """`secret` names the client-certificate Secret: required with tls client-cert over https, else refused."""
    secret = raw.get("secret")
    client_cert = raw.get("tls") == CLIENT_CERT and raw.get("scheme", "https") == "https"
    where = {"line": raw.line_of("secret") if "secret" in raw else raw.line, "path": f"{path}.secret"}
    if not client_cert:
        if "secret" in raw:
            return [
                SourceError(file, "'secret' is used only with tls: client-cert (and scheme https)", **where)
            ]
        return []
    if secret is None:
        return [
            SourceError(
                file, "tls: client-cert needs 'secret' (the Secret with the client certificate)", **where
            )
        ]
    if not isinstance(secret, str) or not DNS_LABEL_RE.match(secret) or len(secret) > 50:
        return [
            SourceError(
                file, f"{secret!r} is not a valid Secret name (a DNS label, at most 50 characters)", **where
            )
        ]
    return []
