"""Offline validation of the collection manifests.

Schema: every object against the Kubernetes OpenAPI-derived JSON schemas bundled in kubernetes-validate
(optional dependency ``n9e-k8s[k8s-validate]``), in strict mode (unknown keys are errors, as with
``kubectl apply --validate=strict``). All errors are collected: kubernetes-validate's own ``validate()``
stops at the first one, so the bundled schema is loaded here and run through ``iter_errors``.

Semantics: checks the schemas cannot express (they carry no cross-field or cross-object rules).

Problems read ``manifests/<file>: <json path>: message``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from .errors import UsageError
from .manifests import CONFIGMAP_NAME, file_name
from .problems import Problem

DEFAULT_K8S_VERSION = "1.34"
INSTALL_HINT = "kubernetes-validate is not installed: pip install 'n9e-k8s[k8s-validate]'"

_CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding"}


class MissingValidator(UsageError):
    """kubernetes-validate is not installed."""


def _schema_root() -> Any:
    try:
        import importlib_resources
        import kubernetes_validate  # noqa: F401
    except ImportError:
        raise MissingValidator(INSTALL_HINT) from None
    return importlib_resources.files("kubernetes_validate").joinpath("kubernetes-json-schema")


def supported_versions() -> list[str]:
    """Kubernetes versions with bundled strict schemas, e.g. ['1.25', ..., '1.37']."""
    found = []
    for entry in _schema_root().iterdir():
        m = re.match(r"^v(\d+)\.(\d+)\.0-local-strict$", entry.name)
        if m:
            found.append((int(m.group(1)), int(m.group(2))))
    return [f"{a}.{b}" for a, b in sorted(found)]


def normalize_version(version: str) -> str:
    """'1.34', 'v1.34' or '1.34.2' -> '1.34'; must be a bundled version (no silent fallback)."""
    from .registry import dotted, parse_k8s_minor

    supported = supported_versions()
    try:
        minor = dotted(parse_k8s_minor(version))
    except ValueError:
        minor = None
    if minor not in supported:
        raise UsageError(
            f"Kubernetes version {version!r} is not available offline; choose one of {', '.join(supported)}"
        )
    return minor


def _json_path(parts: Iterable[Any]) -> str:
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += f".{p}" if out else str(p)
    return out or "(root)"


class _SchemaSet:
    """The strict schemas of one Kubernetes version, loaded once per kind."""

    def __init__(self, version: str):
        from referencing import Registry, Resource

        self.version = normalize_version(version)
        self.dir = _schema_root().joinpath(f"v{self.version}.0-local-strict")
        defs = json.loads(self.dir.joinpath("_definitions.json").read_text())
        self._defs = Resource.from_contents(defs)
        self._registry_cls = Registry
        self._resource_cls = Resource
        self._validators: dict[str, Any] = {}

    def validator(self, api_version: str, kind: str) -> Any | None:
        # kubernetes-validate's layout: <kind>-<group prefix>-<version>.json (rbac.authorization.k8s.io/v1
        # -> rbac-v1, v1 -> v1). Pinned to kubernetes-validate 1.37.0 in pyproject.toml.
        api = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
        name = f"{kind.lower()}-{api}.json"
        if name not in self._validators:
            import jsonschema

            path = self.dir.joinpath(name)
            if not path.is_file():
                return None
            schema = json.loads(path.read_text())
            registry = self._defs @ (self._resource_cls.from_contents(schema) @ self._registry_cls())
            self._validators[name] = jsonschema.Draft202012Validator(schema, registry=registry)
        return self._validators[name]


def schema_problems(obj: dict[str, Any], schemas: _SchemaSet) -> list[tuple[str, str]]:
    """(json path, message) for every schema error of one object."""
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    if not isinstance(api_version, str) or not isinstance(kind, str):
        return [("(root)", "apiVersion and kind are required strings")]
    validator = schemas.validator(api_version, kind)
    if validator is None:
        return [("(root)", f"no schema for {api_version} {kind} in Kubernetes {schemas.version}")]
    errors = sorted(validator.iter_errors(obj), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    return [(_json_path(e.absolute_path), e.message) for e in errors]


def semantic_problems(objects: list[dict[str, Any]]) -> list[tuple[dict[str, Any], str, str]]:
    """(object, json path, message) for what the schemas cannot check."""
    out: list[tuple[dict[str, Any], str, str]] = []
    by_kind: dict[str, dict[str, dict[str, Any]]] = {}
    for obj in objects:
        meta = obj.get("metadata") or {}
        kind = obj.get("kind", "")
        if not meta.get("name"):
            out.append((obj, "metadata.name", "required"))
        if kind in _CLUSTER_SCOPED and "namespace" in meta:
            out.append((obj, "metadata.namespace", f"{kind} is cluster-scoped"))
        if kind not in _CLUSTER_SCOPED and not meta.get("namespace"):
            out.append((obj, "metadata.namespace", "missing: the object would land in the current namespace"))
        by_kind.setdefault(kind, {})[f"{meta.get('namespace', '')}/{meta.get('name', '')}"] = obj

    for obj in objects:
        kind = obj.get("kind")
        meta = obj.get("metadata") or {}
        if kind == "ConfigMap":
            for key, value in (obj.get("data") or {}).items():
                if not isinstance(value, str):
                    out.append((obj, f"data.{key}", f"value must be a string, got {type(value).__name__}"))
        elif kind == "Deployment":
            spec = obj.get("spec") or {}
            match = (spec.get("selector") or {}).get("matchLabels") or {}
            tmpl = spec.get("template") or {}
            labels = (tmpl.get("metadata") or {}).get("labels") or {}
            for k, v in match.items():
                if labels.get(k) != v:
                    out.append((obj, "spec.template.metadata.labels", f"does not match selector {k}={v}"))
            pod = tmpl.get("spec") or {}
            volumes = {v.get("name") for v in pod.get("volumes") or []}
            for ci, c in enumerate(pod.get("containers") or []):
                for mi, m in enumerate(c.get("volumeMounts") or []):
                    if m.get("name") not in volumes:
                        out.append(
                            (
                                obj,
                                f"spec.template.spec.containers[{ci}].volumeMounts[{mi}].name",
                                f"no volume named {m.get('name')!r}",
                            )
                        )
            sa = pod.get("serviceAccountName")
            if sa and f"{meta.get('namespace', '')}/{sa}" not in by_kind.get("ServiceAccount", {}):
                out.append((obj, "spec.template.spec.serviceAccountName", f"no ServiceAccount {sa!r} here"))
            for vi, v in enumerate(pod.get("volumes") or []):
                cm = (v.get("configMap") or {}).get("name")
                # The agent's own configuration must be rendered alongside; other ConfigMaps (a CA) and
                # Secrets are the user's and only exist in the cluster.
                if cm == CONFIGMAP_NAME and f"{meta.get('namespace', '')}/{cm}" not in by_kind.get(
                    "ConfigMap", {}
                ):
                    out.append(
                        (obj, f"spec.template.spec.volumes[{vi}].configMap.name", f"no ConfigMap {cm!r}")
                    )
        elif kind == "ClusterRoleBinding":
            role = (obj.get("roleRef") or {}).get("name")
            if role and f"/{role}" not in by_kind.get("ClusterRole", {}):
                out.append((obj, "roleRef.name", f"no ClusterRole {role!r}"))
            for si, s in enumerate(obj.get("subjects") or []):
                if s.get("kind") == "ServiceAccount":
                    key = f"{s.get('namespace', '')}/{s.get('name', '')}"
                    if key not in by_kind.get("ServiceAccount", {}):
                        out.append((obj, f"subjects[{si}]", f"no ServiceAccount {key}"))
        elif kind == "Service":
            spec = obj.get("spec") or {}
            if not spec.get("selector"):
                out.append((obj, "spec.selector", "empty: no EndpointSlices would be created"))
            for pi, p in enumerate(spec.get("ports") or []):
                if not p.get("name"):
                    out.append((obj, f"spec.ports[{pi}].name", "required: the scrape job keeps by port name"))
    return out


def validate_manifest_objects(
    objects: list[dict[str, Any]],
    k8s_version: str = DEFAULT_K8S_VERSION,
    prefix: str = "manifests/",
    schema: bool = True,
    services: Sequence[str] = (),
) -> list[str]:
    """Problems of the rendered objects, as ``manifests/<file>: <json path>: message`` lines.

    Raises :class:`MissingValidator` (a UsageError) when ``schema`` is on and kubernetes-validate is
    missing, and UsageError for a Kubernetes version without bundled schemas.
    """
    return [
        f"{p.file}: {p.path}: {p.message}"
        for p in manifest_problems(objects, k8s_version, prefix, schema, services)
    ]


def manifest_problems(
    objects: list[dict[str, Any]],
    k8s_version: str = DEFAULT_K8S_VERSION,
    prefix: str = "manifests/",
    schema: bool = True,
    services: Sequence[str] = (),
) -> list[Problem]:
    """The problems of :func:`validate_manifest_objects` as structured Problems (``services``: the order
    that numbers the Services' file names, :func:`manifests.service_order`)."""
    problems: list[Problem] = []
    schemas = _SchemaSet(k8s_version) if schema else None
    for obj in objects:
        where = f"{prefix}{file_name(obj, services)}" if "kind" in obj else f"{prefix}?"
        if schemas is not None:
            for path, message in schema_problems(obj, schemas):
                problems.append(Problem(where, path, f"{message} (Kubernetes {schemas.version}, strict)"))
    for obj, path, message in semantic_problems(objects):
        problems.append(Problem(f"{prefix}{file_name(obj, services)}", path, message))
    return problems


def validate_manifests_best_effort(
    objects: list[dict[str, Any]],
    k8s_version: str = DEFAULT_K8S_VERSION,
    prefix: str = "manifests/",
    services: Sequence[str] = (),
) -> tuple[list[str], str | None]:
    """Like :func:`validate_manifest_objects`; without kubernetes-validate (an optional extra) only the
    semantic checks run, and the second value says so."""
    try:
        return validate_manifest_objects(objects, k8s_version, prefix=prefix, services=services), None
    except MissingValidator as exc:
        note = f"{exc}; only the semantic checks ran"
        return validate_manifest_objects(objects, k8s_version, prefix, False, services), note
