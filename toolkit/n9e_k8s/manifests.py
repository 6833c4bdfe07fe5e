"""Collection manifests: the Prometheus agent that scrapes the control plane and remote-writes to n9e.

Pure render functions: :class:`ManifestOptions` and the one selector configuration go in, a list of
Kubernetes objects (plain dicts) comes out. Output is deterministic: keys keep the order written here,
which is fixed, so two runs give byte-identical YAML.

The set-up follows the article in ../shared/seed (RBAC, agent ConfigMap and Deployment, headless
Services), with its defects fixed; docs/collection.md lists every change and why. Object names are the
article's (``categraf``, ``prometheus-agent-conf``, ``prometheus-agent``) so that applying these
manifests over an article install updates the objects in place: the Deployment selector is immutable.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .components import CLIENT_CERT, DNS_LABEL_RE, DNS_SUBDOMAIN_RE, NODE_LABEL, Component, Target
from .errors import UsageError
from .keep import KeepLists, metric_relabel_configs
from .selectors import Selectors
from .yamlio import dump_yaml

# Keep in step with lab/prometheus/go.mod (module v0.316.0 is Prometheus v3.16.0): the tests check the
# agent configuration with a promtool of the same release as the image that runs it.
PROMETHEUS_VERSION = "3.16.0"
PROMETHEUS_IMAGE = f"prom/prometheus:v{PROMETHEUS_VERSION}"

DEFAULT_NAMESPACE = "flashcat"
DEFAULT_SCRAPE_INTERVAL = "15s"
# The placeholder `n9e-k8s build` uses when no URL is given.
PLACEHOLDER_REMOTE_WRITE_URL = "http://n9e.example:17000/prometheus/v1/write"

RBAC_NAME = "categraf"
CONFIGMAP_NAME = "prometheus-agent-conf"
AGENT_NAME = "prometheus-agent"
CONFIG_KEY = "prometheus.yml"

# Paths inside the agent pod.
CONFIG_DIR = "/etc/prometheus"
STORAGE_DIR = "/prometheus"
SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
SA_TOKEN = f"{SA_DIR}/token"
SA_CA = f"{SA_DIR}/ca.crt"
REMOTE_WRITE_AUTH_DIR = "/etc/n9e-remote-write"
COMPONENT_CA_DIR = "/etc/prometheus-component-ca"
# One folder per client-certificate Secret (tls: client-cert): <dir>/<secret>/{ca.crt,tls.crt,tls.key}.
CLIENT_CERT_DIR = "/etc/prometheus-client-cert"
CLIENT_CERT_KEYS = ("ca.crt", "tls.crt", "tls.key")
WEB_PORT = 9090


# File name of each object in `--out DIR` and in the build's manifests/ folder.
_FILE_ORDER = {
    "Namespace": 0,
    "ClusterRole": 10,
    "ServiceAccount": 11,
    "ClusterRoleBinding": 12,
    "ConfigMap": 20,
    "Deployment": 30,
    "Service": 40,
}

_DURATION_RE = re.compile(r"^([0-9]+(ms|s|m|h|d|w|y))+$")


@dataclass(frozen=True)
class ManifestOptions:
    remote_write_url: str
    namespace: str = DEFAULT_NAMESPACE
    cluster: str | None = None
    # Secret (keys `username`, `password`) mounted for remote_write basic auth; never inlined.
    basic_auth_secret: str | None = None
    # ConfigMap (key `ca.crt`) with the CA that signed the controller-manager's and scheduler's
    # serving certificates; without it those two jobs use insecure_skip_verify (see docs/collection.md).
    component_ca_configmap: str | None = None
    # Secret (keys ca.crt, tls.crt, tls.key) for every target with tls: client-cert, instead of the
    # `secret` that config.yaml names for it.
    client_cert_secret: str | None = None
    scrape_interval: str = DEFAULT_SCRAPE_INTERVAL
    image: str = PROMETHEUS_IMAGE
    # What each job keeps (keep.keep_lists of the project); None keeps every series (`--keep all`).
    keep: KeepLists | None = None

    def check(self) -> None:
        """Raise UsageError for options that would render a broken set-up."""
        url = urlsplit(self.remote_write_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise UsageError(
                f"--remote-write-url {self.remote_write_url!r} is not an http(s) URL; "
                "expected e.g. http://n9e.example:17000/prometheus/v1/write"
            )
        if url.username or url.password:
            raise UsageError(
                "--remote-write-url must not contain credentials; use --basic-auth-secret with a Secret"
            )
        try:
            url.port  # noqa: B018  (raises on a bad port)
        except ValueError as exc:
            raise UsageError(f"--remote-write-url: {exc}") from None
        if not DNS_LABEL_RE.match(self.namespace) or len(self.namespace) > 63:
            raise UsageError(f"--namespace {self.namespace!r} is not a valid namespace name (RFC 1123 label)")
        for flag, name in (
            ("--basic-auth-secret", self.basic_auth_secret),
            ("--component-ca-configmap", self.component_ca_configmap),
        ):
            if name is not None and (not DNS_SUBDOMAIN_RE.match(name) or len(name) > 253):
                raise UsageError(f"{flag} {name!r} is not a valid object name")
        secret = self.client_cert_secret
        if secret is not None and (not DNS_LABEL_RE.match(secret) or len(secret) > 50):
            # It also names the pod volume (client-cert-<secret>), a DNS label of at most 63 characters.
            raise UsageError(f"--client-cert-secret {secret!r} is not a DNS label of at most 50 characters")
        if self.cluster is not None and not self.cluster.strip():
            raise UsageError("--cluster must not be empty")
        if not _DURATION_RE.match(self.scrape_interval):
            raise UsageError(f"scrape interval {self.scrape_interval!r} is not a Prometheus duration")


def labels(name: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "n9e-k8s"}


def _jobs(selectors: Selectors) -> list[tuple[Component, Target]]:
    """(component, target) of every scraped component, in config order; job names come from the selectors."""
    unknown = [c.name for c in selectors.specs.values() if c.target is None and selectors.scraped(c.name)]
    if unknown:
        raise UsageError(
            f"no scrape target for component(s) {', '.join(unknown)}: add `target:` to them in promql/config.yaml"
        )
    names = [c.job for c in selectors.specs.values()]
    if len(set(names)) != len(names):
        raise UsageError(f"job names must be distinct, got {', '.join(names)}")
    return [
        (c, c.target) for c in selectors.specs.values() if c.target is not None and selectors.scraped(c.name)
    ]


def client_cert_secret(target: Target, options: ManifestOptions) -> str | None:
    """The Secret a client-cert target's certificate comes from (the option wins over config.yaml)."""
    if target.scheme != "https" or target.tls != CLIENT_CERT:
        return None
    return options.client_cert_secret or target.secret


def client_cert_secrets(selectors: Selectors, options: ManifestOptions) -> list[str]:
    """The client-certificate Secrets the scraped jobs read, each once, in config order."""
    secrets = (client_cert_secret(t, options) for _, t in _jobs(selectors))
    return list(dict.fromkeys(s for s in secrets if s))


def _tls_config(target: Target, options: ManifestOptions) -> dict[str, Any]:
    secret = client_cert_secret(target, options)
    if secret:
        # The server verifies the agent's certificate; the agent verifies the server with the CA that
        # signed it (kubeadm's etcd serving certificates carry the node's IP, which is what discovery finds).
        folder = f"{CLIENT_CERT_DIR}/{secret}"
        return {
            "ca_file": f"{folder}/ca.crt",
            "cert_file": f"{folder}/tls.crt",
            "key_file": f"{folder}/tls.key",
        }
    if target.tls == "cluster-ca":
        # E.g. the `kubernetes` Service's endpoints are the apiservers; their serving certificate is signed
        # by the cluster CA that every pod has, and always carries kubernetes.default.svc as a name.
        tls: dict[str, Any] = {"ca_file": SA_CA}
        if target.server_name:
            tls["server_name"] = target.server_name
        return tls
    if options.component_ca_configmap:
        return {"ca_file": f"{COMPONENT_CA_DIR}/ca.crt"}
    # kube-controller-manager and kube-scheduler serve /metrics with a self-signed certificate
    # they generate at start-up unless given --tls-cert-file; nothing can verify it.
    return {"insecure_skip_verify": True}


def scrape_config(job: str, target: Target, options: ManifestOptions) -> dict[str, Any]:
    """One scrape job: kubernetes_sd over EndpointSlices (or Nodes); https with the service-account token
    (plain http and client-certificate authentication send no token)."""
    if target.per_node:
        sd: dict[str, Any] = {"role": "node"}
    else:
        sd = {"role": "endpointslice", "namespaces": {"names": [target.namespace]}}
    config: dict[str, Any] = {"job_name": job, "kubernetes_sd_configs": [sd], "scheme": target.scheme}
    if target.scheme == "https":
        config["tls_config"] = _tls_config(target, options)
        if not client_cert_secret(target, options):
            config["authorization"] = {"credentials_file": SA_TOKEN}
    config["relabel_configs"] = _node_relabels(target) if target.per_node else _service_relabels(target)
    # Here, in the one per-job function, so that every agent rendered from it (Prometheus, vmagent) keeps
    # only what the content reads.
    job_keep = options.keep.of(job) if options.keep else None
    if job_keep is not None:
        config["metric_relabel_configs"] = metric_relabel_configs(job_keep)
    return config


def _node_relabels(target: Target) -> list[dict[str, Any]]:
    """Node discovery gives one target per Node at its InternalIP and the port its kubelet reports
    (status.daemonEndpoints); `port` overrides that port. The node's name becomes label `node`."""
    relabels: list[dict[str, Any]] = [
        {"source_labels": ["__meta_kubernetes_node_name"], "target_label": NODE_LABEL},
    ]
    if target.port is not None:
        relabels.append(
            {
                "source_labels": ["__address__"],
                "regex": "(.+):[0-9]+",
                "target_label": "__address__",
                "replacement": f"${{1}}:{target.port}",
            }
        )
    return relabels


def _service_relabels(target: Target) -> list[dict[str, Any]]:
    """The article's keep rule: only the endpoints of the target's Service and port."""
    return [
        {
            "source_labels": [
                "__meta_kubernetes_namespace",
                "__meta_kubernetes_service_name",
                "__meta_kubernetes_endpointslice_port_name",
            ],
            "action": "keep",
            "regex": target.keep_regex,
        }
    ]


def prometheus_config(selectors: Selectors, options: ManifestOptions) -> dict[str, Any]:
    """The agent's prometheus.yml as a dict (agent mode: no rules, no alerting, no evaluation_interval)."""
    global_: dict[str, Any] = {"scrape_interval": options.scrape_interval}
    if options.cluster:
        global_["external_labels"] = {selectors.cluster_label: options.cluster}
    remote_write: dict[str, Any] = {"url": options.remote_write_url}
    if options.basic_auth_secret:
        remote_write["basic_auth"] = {
            "username_file": f"{REMOTE_WRITE_AUTH_DIR}/username",
            "password_file": f"{REMOTE_WRITE_AUTH_DIR}/password",
        }
    return {
        "global": global_,
        "scrape_configs": [scrape_config(c.job, t, options) for c, t in _jobs(selectors)],
        "remote_write": [remote_write],
    }


def _and(names: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return " and ".join(filter(None, [", ".join(names[:-1]), *names[-1:]]))


def _config_header(selectors: Selectors, options: ManifestOptions) -> str:
    # Every component with a target, scraped or not (the header does not change with `scraped`).
    https = [(c, c.target) for c in selectors.specs.values() if c.target and c.target.scheme == "https"]
    cluster_ca = _and([c.name for c, t in https if t.tls == "cluster-ca"])
    component_ca = _and([c.container for c, t in https if t.tls == "component-ca"])
    client_cert = [(c, t) for c, t in https if t.tls == CLIENT_CERT]
    if options.component_ca_configmap:
        components_tls = f"# verify them with the CA mounted at {COMPONENT_CA_DIR}."
    else:
        components_tls = "# skip verification (insecure_skip_verify); see --component-ca-configmap."
    tls = []
    if cluster_ca:
        tls += [
            f"# TLS: the {cluster_ca} job verifies the {cluster_ca} with the in-cluster CA (the service",
            "# account's ca.crt)." + (" " if component_ca else ""),
        ]
    if component_ca:
        tls[-1:] = [
            (tls[-1] if tls else "# TLS: ") + f"{component_ca} serve self-signed",
            "# certificates unless started with --tls-cert-file, so their jobs",
            components_tls,
        ]
    for c, t in client_cert:
        secret = client_cert_secret(t, options)
        tls += [
            f"# {c.container} authenticates the agent by client certificate: its job sends the",
            f"# certificate of Secret {secret} (ca.crt, tls.crt, tls.key) and no token.",
        ]
    return "\n".join(
        [
            "# Prometheus agent configuration rendered by `n9e-k8s manifests`: change promql/config.yaml",
            "# or the command's options rather than this file.",
            *tls,
            "# Discovery uses EndpointSlices: the Endpoints API is deprecated since Kubernetes 1.33.",
            *(
                f"# The {c.name} job discovers every Node (role: node) at the port its {c.container} reports."
                for c in selectors.specs.values()
                if c.target and c.target.per_node
            ),
            "",
        ]
    )


def render_prometheus_yaml(selectors: Selectors, options: ManifestOptions) -> str:
    return _config_header(selectors, options) + dump_yaml(prometheus_config(selectors, options))


def render_objects(selectors: Selectors, options: ManifestOptions) -> list[dict[str, Any]]:
    """Every object of the collection set-up, in apply order."""
    options.check()
    ns = options.namespace
    prom_yaml = render_prometheus_yaml(selectors, options)
    config_hash = hashlib.sha256(prom_yaml.encode()).hexdigest()

    namespace = {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": ns, "labels": labels(AGENT_NAME)},
    }
    # Minimal rules for kubernetes_sd `role: endpointslice` (it watches EndpointSlices, and the
    # Services and Pods they belong to) and for GET /metrics, which kube-apiserver authorizes directly
    # and kube-controller-manager/kube-scheduler authorize through a SubjectAccessReview to the apiserver.
    # Nodes and nodes/metrics only with a node-discovery job (the kubelet). Dropped from the article:
    # nodes/stats, nodes/proxy, /metrics/cadvisor (no panel needs cAdvisor), ingresses in `extensions` (served no longer since 1.22) and
    # networking.k8s.io, and `get` on the discovery resources (only list/watch are used).
    cluster_role = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": RBAC_NAME, "labels": labels(AGENT_NAME)},
        "rules": _rbac_rules(selectors),
    }
    service_account = {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": RBAC_NAME, "namespace": ns, "labels": labels(AGENT_NAME)},
    }
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": RBAC_NAME, "labels": labels(AGENT_NAME)},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": RBAC_NAME},
        "subjects": [{"kind": "ServiceAccount", "name": RBAC_NAME, "namespace": ns}],
    }
    configmap = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": CONFIGMAP_NAME,
            "namespace": ns,
            "labels": {"name": CONFIGMAP_NAME, **labels(AGENT_NAME)},
        },
        "data": {CONFIG_KEY: prom_yaml},
    }
    objects = [namespace, cluster_role, service_account, binding, configmap]
    objects.append(_deployment(options, config_hash, client_cert_secrets(selectors, options)))
    objects += [_headless_service(t) for _, t in _jobs(selectors) if t.headless_service]
    return objects


def _rbac_rules(selectors: Selectors) -> list[dict[str, Any]]:
    """Endpointslice discovery and GET /metrics always; with a scraped node-discovery job also list/watch
    on nodes (kubernetes_sd `role: node`) and get on nodes/metrics, which the kubelet authorizes its
    /metrics with (a SubjectAccessReview for that subresource)."""
    rules: list[dict[str, Any]] = [
        {"apiGroups": [""], "resources": ["pods", "services"], "verbs": ["list", "watch"]},
        {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"], "verbs": ["list", "watch"]},
    ]
    if any(t.per_node for _, t in _jobs(selectors)):
        rules += [
            {"apiGroups": [""], "resources": ["nodes"], "verbs": ["list", "watch"]},
            {"apiGroups": [""], "resources": ["nodes/metrics"], "verbs": ["get"]},
        ]
    return [*rules, {"nonResourceURLs": ["/metrics"], "verbs": ["get"]}]


def credential_volumes(
    options: ManifestOptions,
    client_cert_secrets: Sequence[str],
    mounts: list[dict[str, Any]],
    volumes: list[dict[str, Any]],
) -> None:
    """Append the read-only mounts of the remote-write basic auth, the component CA and the client
    certificates to ``mounts``/``volumes``: the paths the scrape jobs and remote write name, for either agent."""

    def read_only(name: str, path: str, source: dict[str, Any]) -> None:
        mounts.append({"name": name, "mountPath": path, "readOnly": True})
        volumes.append({"name": name, **source})

    if options.basic_auth_secret:
        keys = [{"key": k, "path": k} for k in ("username", "password")]
        # 0440 with fsGroup: readable by the agent (group 65534), not by other users.
        secret = {"secretName": options.basic_auth_secret, "defaultMode": 0o440, "items": keys}
        read_only("remote-write-auth", REMOTE_WRITE_AUTH_DIR, {"secret": secret})
    if options.component_ca_configmap:
        ca = {
            "name": options.component_ca_configmap,
            "defaultMode": 0o444,
            "items": [{"key": "ca.crt", "path": "ca.crt"}],
        }
        read_only("component-ca", COMPONENT_CA_DIR, {"configMap": ca})
    for name in client_cert_secrets:
        keys = [{"key": k, "path": k} for k in CLIENT_CERT_KEYS]
        secret = {"secretName": name, "defaultMode": 0o440, "items": keys}
        read_only(f"client-cert-{name}", f"{CLIENT_CERT_DIR}/{name}", {"secret": secret})


def _deployment(
    options: ManifestOptions, config_hash: str, client_cert_secrets: Sequence[str]
) -> dict[str, Any]:
    mounts: list[dict[str, Any]] = [
        {"name": "config", "mountPath": CONFIG_DIR, "readOnly": True},
        {"name": "storage", "mountPath": STORAGE_DIR},
    ]
    volumes: list[dict[str, Any]] = [
        {"name": "config", "configMap": {"name": CONFIGMAP_NAME, "defaultMode": 0o444}},
        {"name": "storage", "emptyDir": {}},
    ]
    credential_volumes(options, client_cert_secrets, mounts, volumes)
    container = {
        "name": "prometheus",
        "image": options.image,
        "imagePullPolicy": "IfNotPresent",
        # Prometheus 3 runs as an agent with --agent; the article's --enable-feature=agent is the
        # Prometheus 2 flag: v3 ignores it with a warning and starts a full server.
        "args": [
            "--agent",
            f"--config.file={CONFIG_DIR}/{CONFIG_KEY}",
            f"--storage.agent.path={STORAGE_DIR}",
            f"--web.listen-address=:{WEB_PORT}",
        ],
        "ports": [{"name": "web", "containerPort": WEB_PORT, "protocol": "TCP"}],
        **http_probes("/-/ready", "/-/healthy", "web"),
        # The article's values; note the mixed units (500M is 10^6-based, 1Gi is 2^30-based).
        "resources": {
            "requests": {"cpu": "500m", "memory": "500M"},
            "limits": {"cpu": "1", "memory": "1Gi"},
        },
        "securityContext": container_security_context(),
        "volumeMounts": mounts,
    }
    return agent_deployment(AGENT_NAME, options.namespace, config_hash, container, volumes)


def container_security_context() -> dict[str, Any]:
    """The agent container's hardening, for either agent (a new dict each time: objects are edited in tests)."""
    return {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
    }


def http_probes(ready: str, healthy: str, port: str) -> dict[str, Any]:
    """The agent container's readiness and liveness probes (HTTP GET on ``port``)."""
    return {
        "readinessProbe": {
            "httpGet": {"path": ready, "port": port},
            "periodSeconds": 5,
            "timeoutSeconds": 3,
            "failureThreshold": 3,
        },
        "livenessProbe": {
            "httpGet": {"path": healthy, "port": port},
            "initialDelaySeconds": 30,
            "periodSeconds": 15,
            "timeoutSeconds": 5,
            "failureThreshold": 4,
        },
    }


def agent_deployment(
    name: str, namespace: str, config_hash: str, container: dict[str, Any], volumes: list[dict[str, Any]]
) -> dict[str, Any]:
    """The agent's one-replica Deployment (selector ``app: <name>``), running as nobody under the RBAC
    service account; ``config_hash`` rolls the pod when its configuration changes."""
    # For the Prometheus agent the article's selector: immutable, so kept for in-place updates.
    selector = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": {**selector, **labels(name)},
        },
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": selector},
            "template": {
                "metadata": {
                    "labels": {**selector, **labels(name)},
                    # A changed agent configuration changes this hash, so `kubectl apply` rolls the pod:
                    # no --web.enable-lifecycle and no /-/reload needed.
                    "annotations": {"n9e-k8s/config-sha256": config_hash},
                },
                "spec": {
                    "serviceAccountName": RBAC_NAME,
                    "securityContext": {
                        "runAsNonRoot": True,
                        "runAsUser": 65534,
                        "runAsGroup": 65534,
                        "fsGroup": 65534,
                        "seccompProfile": {"type": "RuntimeDefault"},
                    },
                    "containers": [container],
                    "volumes": volumes,
                },
            },
        },
    }


def _headless_service(target: Target) -> dict[str, Any]:
    """The article's headless Service: selects the kubeadm static pod (label component=<name>), or the
    pods of the target's pod_selector (a DaemonSet such as kube-proxy)."""
    assert target.port is not None
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": target.service,
            "namespace": target.namespace,
            "labels": {"k8s-app": target.service, "app.kubernetes.io/part-of": "n9e-k8s"},
        },
        "spec": {
            "type": "ClusterIP",
            "clusterIP": "None",
            "selector": target.selector,
            "ports": [
                {"name": target.port_name, "port": target.port, "protocol": "TCP", "targetPort": target.port}
            ],
            "sessionAffinity": "None",
        },
    }


def service_order(selectors: Selectors) -> tuple[str, ...]:
    """The headless Services in config order (scraped or not): their file numbers (40, 41, ...)."""
    return tuple(
        c.target.service
        for c in selectors.specs.values()
        if c.target is not None and c.target.headless_service
    )


def file_name(obj: dict[str, Any], services: Sequence[str] = ()) -> str:
    """Stable file name of an object, e.g. ``30-deployment.yaml``, ``41-service-kube-scheduler.yaml``;
    a Service is numbered by its place in ``services`` (:func:`service_order`)."""
    kind = obj["kind"]
    base = _FILE_ORDER.get(kind, 90)
    if kind == "Service":
        name = obj["metadata"]["name"]
        base += services.index(name) if name in services else 0
        return f"{base:02d}-service-{name}.yaml"
    return f"{base:02d}-{kind.lower()}.yaml"


def render_manifest_files(
    selectors: Selectors, options: ManifestOptions, prefix: str = "manifests/"
) -> dict[str, str]:
    """Relative path -> YAML text of every object (``manifests/00-namespace.yaml``, ...)."""
    order = service_order(selectors)
    return {f"{prefix}{file_name(o, order)}": dump_yaml(o) for o in render_objects(selectors, options)}


def render_stream(objects: list[dict[str, Any]]) -> str:
    """A multi-document YAML stream, for `kubectl apply -f -`."""
    return "".join(f"---\n{dump_yaml(o)}" for o in objects)
