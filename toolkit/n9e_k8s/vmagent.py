"""Collection manifests with VictoriaMetrics' vmagent in place of the Prometheus agent (`manifests --agent vmagent`).

The scrape jobs are the Prometheus agent's, from the same :func:`manifests.scrape_config` (TLS, token,
relabelling and keep-lists included), so both agents collect the same series. vmagent reads them with
``-promscrape.config``; its remote write is given by flags (vmagent's scrape configuration has no
``remote_write`` section), the cluster label stays ``global.external_labels`` (vmagent adds it to every
series it sends, like the Prometheus agent). Namespace, RBAC and headless Services are the Prometheus set-up's.
"""

from __future__ import annotations

import hashlib
from typing import Any

from .manifests import (
    CONFIG_KEY,
    REMOTE_WRITE_AUTH_DIR,
    ManifestOptions,
    agent_deployment,
    client_cert_secrets,
    container_security_context,
    credential_volumes,
    http_probes,
    labels,
    prometheus_config,
    render_objects,
)
from .selectors import Selectors
from .yamlio import dump_yaml

# Keep in step with lab/victoriametrics/build (VM_VERSION): the tests dry-run the rendered configuration
# with a vmagent of the same release as the image.
VMAGENT_VERSION = "1.151.0"
VMAGENT_IMAGE = f"victoriametrics/vmagent:v{VMAGENT_VERSION}"

VMAGENT_NAME = "vmagent"
VMAGENT_CONFIGMAP = "vmagent-conf"
VMAGENT_CONFIG_DIR = "/etc/vmagent"
# vmagent buffers unsent data on disk (default ./vmagent-remotewrite-data, not writable here).
VMAGENT_DATA_DIR = "/vmagent-remotewrite-data"
VMAGENT_PORT = 8429

AGENTS = ("prometheus", "vmagent")


def vmagent_config(selectors: Selectors, options: ManifestOptions) -> dict[str, Any]:
    """vmagent's -promscrape.config: the Prometheus agent's global section and scrape jobs, no remote_write."""
    config = prometheus_config(selectors, options)
    del config["remote_write"]
    return config


def render_vmagent_yaml(selectors: Selectors, options: ManifestOptions) -> str:
    header = (
        "# vmagent scrape configuration rendered by `n9e-k8s manifests --agent vmagent`: change\n"
        "# promql/config.yaml or the command's options rather than this file. Remote write is set by the\n"
        "# Deployment's -remoteWrite.* flags. The jobs are those of the Prometheus agent variant.\n"
    )
    return header + dump_yaml(vmagent_config(selectors, options))


def vmagent_args(options: ManifestOptions) -> list[str]:
    """The container's flags: scrape config, remote write to n9e (basic auth read from the mounted Secret)."""
    args = [
        f"-promscrape.config={VMAGENT_CONFIG_DIR}/{CONFIG_KEY}",
        # An unknown key in the scrape configuration is an error, not ignored.
        "-promscrape.config.strictParse=true",
        f"-remoteWrite.url={options.remote_write_url}",
        f"-remoteWrite.tmpDataPath={VMAGENT_DATA_DIR}",
        f"-httpListenAddr=:{VMAGENT_PORT}",
    ]
    if options.basic_auth_secret:
        args += [
            f"-remoteWrite.basicAuth.usernameFile={REMOTE_WRITE_AUTH_DIR}/username",
            f"-remoteWrite.basicAuth.passwordFile={REMOTE_WRITE_AUTH_DIR}/password",
        ]
    return args


def render_vmagent_objects(selectors: Selectors, options: ManifestOptions) -> list[dict[str, Any]]:
    """Every object of the vmagent set-up, in apply order: the Prometheus set-up's objects with its
    ConfigMap and Deployment replaced by vmagent's."""
    config_yaml = render_vmagent_yaml(selectors, options)
    objects = []
    for obj in render_objects(selectors, options):  # checks the options
        if obj["kind"] == "ConfigMap":
            obj = _configmap(options, config_yaml)
        elif obj["kind"] == "Deployment":
            obj = _deployment(selectors, options, hashlib.sha256(config_yaml.encode()).hexdigest())
        objects.append(obj)
    return objects


def _configmap(options: ManifestOptions, config_yaml: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": VMAGENT_CONFIGMAP,
            "namespace": options.namespace,
            "labels": labels(VMAGENT_NAME),
        },
        "data": {CONFIG_KEY: config_yaml},
    }


def _deployment(selectors: Selectors, options: ManifestOptions, config_hash: str) -> dict[str, Any]:
    mounts: list[dict[str, Any]] = [
        {"name": "config", "mountPath": VMAGENT_CONFIG_DIR, "readOnly": True},
        {"name": "remote-write-data", "mountPath": VMAGENT_DATA_DIR},
    ]
    volumes: list[dict[str, Any]] = [
        {"name": "config", "configMap": {"name": VMAGENT_CONFIGMAP, "defaultMode": 0o444}},
        {"name": "remote-write-data", "emptyDir": {}},
    ]
    credential_volumes(options, client_cert_secrets(selectors, options), mounts, volumes)
    container = {
        "name": VMAGENT_NAME,
        "image": VMAGENT_IMAGE,
        "imagePullPolicy": "IfNotPresent",
        "args": vmagent_args(options),
        "ports": [{"name": "http", "containerPort": VMAGENT_PORT, "protocol": "TCP"}],
        **http_probes("/health", "/health", "http"),
        "resources": {
            "requests": {"cpu": "250m", "memory": "256Mi"},
            "limits": {"cpu": "1", "memory": "1Gi"},
        },
        "securityContext": container_security_context(),
        "volumeMounts": mounts,
    }
    return agent_deployment(VMAGENT_NAME, options.namespace, config_hash, container, volumes)
