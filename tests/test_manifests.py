"""Collection manifests (issue 7): golden output, Kubernetes schemas (strict), upstream promtool, and
the scrape job names against the selectors the dashboards and alerts use.

Regenerate the golden files with ``UPDATE_GOLDEN=1 pytest tests/test_manifests.py``.
"""

from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from n9e_k8s import manifests as m
from n9e_k8s.build import BUILD_PARTS
from n9e_k8s.catalog import load_catalog
from n9e_k8s.components import TLS_MODES
from n9e_k8s.errors import UsageError
from n9e_k8s.k8s_validate import validate_manifest_objects
from n9e_k8s.keep import keep_lists
from n9e_k8s.project import load_project
from n9e_k8s.selectors import Selectors, load_selectors
from n9e_k8s.source import SourceTree
from typer.testing import CliRunner

from tests.ci import updating

REPO = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).resolve().parent / "golden" / "manifests"
URL = m.PLACEHOLDER_REMOTE_WRITE_URL
K8S_VERSIONS = ["1.28", "1.36"]

# What `n9e-k8s manifests` renders by default: every job keeps what the content reads (tests/test_keep.py).
KEEP = keep_lists(load_project(SourceTree(REPO), BUILD_PARTS))
DEFAULT = m.ManifestOptions(remote_write_url=URL, keep=KEEP)
FULL = m.ManifestOptions(
    keep=KEEP,
    remote_write_url="https://n9e.example/prometheus/v1/write",
    namespace="monitoring",
    cluster="prod",
    basic_auth_secret="n9e-remote-write",
    component_ca_configmap="control-plane-ca",
)
OPTION_SETS = {"default": DEFAULT, "full": FULL}


@pytest.fixture(scope="module")
def selectors() -> Selectors:
    return load_selectors(REPO / "promql")


def _tree_with(tmp_path: Path, edit: Any) -> SourceTree:
    """A copy of the built-in source tree whose config.yaml was changed by ``edit(dict)``."""
    root = tmp_path / "src"
    shutil.copytree(REPO / "promql", root / "promql")
    for d in ("dashboards", "alerts"):
        (root / d).mkdir()
    cfg_file = root / "promql" / "config.yaml"
    cfg = yaml.safe_load(cfg_file.read_text())
    edit(cfg)
    cfg_file.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return SourceTree(root)


def _kube_prometheus_names(cfg: dict[str, Any]) -> None:
    for component, spec in cfg["components"].items():
        spec["job"] = f"kube-{component}"


def _prom_config(objects: list[dict[str, Any]]) -> dict[str, Any]:
    cm = next(o for o in objects if o["kind"] == "ConfigMap")
    return yaml.safe_load(cm["data"][m.CONFIG_KEY])


def _deployment(objects: list[dict[str, Any]]) -> dict[str, Any]:
    return next(o for o in objects if o["kind"] == "Deployment")


# --- golden output -----------------------------------------------------------------------------------


def _check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if updating("UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert path.is_file(), f"golden file {path} missing; run with UPDATE_GOLDEN=1"
    assert text == path.read_text(), f"{path} differs from the rendered output; run with UPDATE_GOLDEN=1"


def test_golden_files_default(selectors: Selectors) -> None:
    files = m.render_manifest_files(selectors, DEFAULT, prefix="")
    assert list(files) == [
        "00-namespace.yaml",
        "10-clusterrole.yaml",
        "11-serviceaccount.yaml",
        "12-clusterrolebinding.yaml",
        "20-configmap.yaml",
        "30-deployment.yaml",
        # one headless Service per component of promql/config.yaml that asks for one, in config order
        *(f"{40 + i}-service-{name}.yaml" for i, name in enumerate(m.service_order(selectors))),
    ]
    assert "40-service-kube-controller-manager.yaml" in files
    for name, text in files.items():
        _check_golden(f"default/{name}", text)
    if os.environ.get("UPDATE_GOLDEN") != "1":
        assert sorted(p.name for p in (GOLDEN / "default").iterdir()) == sorted(files)


def test_golden_stream_full(selectors: Selectors) -> None:
    _check_golden("full.yaml", m.render_stream(m.render_objects(selectors, FULL)))


def test_render_is_deterministic(selectors: Selectors) -> None:
    a = m.render_manifest_files(selectors, FULL)
    b = m.render_manifest_files(selectors, copy.deepcopy(FULL))
    assert a == b
    assert all(k.startswith("manifests/") for k in a)


# --- Kubernetes schemas ------------------------------------------------------------------------------


@pytest.mark.parametrize("version", K8S_VERSIONS)
@pytest.mark.parametrize("options", list(OPTION_SETS), ids=list(OPTION_SETS))
def test_objects_pass_strict_schema(selectors: Selectors, version: str, options: str) -> None:
    import kubernetes_validate

    objects = m.render_objects(selectors, OPTION_SETS[options])
    assert validate_manifest_objects(objects, version) == []
    # Cross-check with kubernetes-validate's own entry point (first error only, same schemas).
    for obj in objects:
        assert kubernetes_validate.validate(obj, version, strict=True) == version


def test_stream_passes_kubernetes_validate_cli(selectors: Selectors, tmp_path: Path) -> None:
    """What `kubectl apply --dry-run=client` would get: the stdout stream, checked by the tool's CLI."""
    stream = tmp_path / "stream.yaml"
    objects = m.render_objects(selectors, DEFAULT)
    stream.write_text(m.render_stream(objects))
    exe = shutil.which("kubernetes-validate")
    assert exe, "kubernetes-validate CLI not on PATH (pip install 'n9e-k8s[k8s-validate]')"
    res = subprocess.run(
        [exe, "--strict", "-k", "1.28", "-k", "1.36", str(stream)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.count("passed") == 2 * len(objects), res.stdout  # each object, each version


def test_typo_key_is_reported_with_its_path(selectors: Selectors) -> None:
    objects = m.render_objects(selectors, DEFAULT)
    container = _deployment(objects)["spec"]["template"]["spec"]["containers"][0]
    container["resurces"] = container.pop("resources")
    _deployment(objects)["spec"]["replicas"] = "two"
    problems = validate_manifest_objects(objects, "1.36")
    assert any(
        p.startswith("manifests/30-deployment.yaml: spec.template.spec.containers[0]: ")
        and "'resurces' was unexpected" in p
        for p in problems
    ), problems
    # All errors are collected, not only the first.
    assert any(p.startswith("manifests/30-deployment.yaml: spec.replicas: ") for p in problems), problems
    assert len(problems) == 2, problems


def test_semantic_checks(selectors: Selectors) -> None:
    objects = m.render_objects(selectors, DEFAULT)
    _deployment(objects)["spec"]["template"]["metadata"]["labels"]["app"] = "other"
    cm = next(o for o in objects if o["kind"] == "ConfigMap")
    cm["data"]["port"] = 9090
    problems = validate_manifest_objects(objects, "1.28", schema=False)
    assert (
        "manifests/30-deployment.yaml: spec.template.metadata.labels: does not match selector app=prometheus-agent"
        in problems
    )
    assert "manifests/20-configmap.yaml: data.port: value must be a string, got int" in problems
    # The schema catches the non-string ConfigMap value too.
    assert any(
        p.startswith("manifests/20-configmap.yaml: data.port: 9090 is not of type")
        for p in validate_manifest_objects(objects, "1.28")
    )


def test_unbundled_kubernetes_version_is_a_usage_error(selectors: Selectors) -> None:
    objects = m.render_objects(selectors, DEFAULT)
    for bad in ("1.9", "1.24", "2.0", "latest"):
        with pytest.raises(UsageError, match="not available offline"):
            validate_manifest_objects(objects, bad)


# --- the agent configuration ------------------------------------------------------------------------


def _promtool_check(promtool: Path, config_text: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """`promtool check config --agent` on the rendered prometheus.yml.

    promtool checks that authorization.credentials_file and tls_config.cert_file/key_file exist (not
    ca_file or basic_auth files), and
    the service-account token only exists inside a pod: the in-pod paths are pointed at placeholders.
    """
    pod_root = tmp_path / "pod"
    for path in (
        m.SA_TOKEN,
        m.SA_CA,
        f"{m.REMOTE_WRITE_AUTH_DIR}/username",
        f"{m.REMOTE_WRITE_AUTH_DIR}/password",
        f"{m.COMPONENT_CA_DIR}/ca.crt",
        *(f"{m.CLIENT_CERT_DIR}/etcd-client/{key}" for key in m.CLIENT_CERT_KEYS),
    ):
        f = pod_root / path.lstrip("/")
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text("placeholder\n")
    text = config_text
    for prefix in (m.SA_DIR, m.REMOTE_WRITE_AUTH_DIR, m.COMPONENT_CA_DIR, m.CLIENT_CERT_DIR):
        text = text.replace(f"{prefix}/", f"{pod_root}{prefix}/")
    assert str(pod_root) in text
    cfg = tmp_path / "prometheus.yml"
    cfg.write_text(text)
    return subprocess.run(
        [str(promtool), "check", "config", "--agent", str(cfg)], capture_output=True, text=True, check=False
    )


@pytest.mark.promtool
@pytest.mark.parametrize("options", list(OPTION_SETS), ids=list(OPTION_SETS))
def test_upstream_promtool_accepts_agent_config(
    selectors: Selectors, upstream_promtool: Path, tmp_path: Path, options: str
) -> None:
    text = m.render_prometheus_yaml(selectors, OPTION_SETS[options])
    res = _promtool_check(upstream_promtool, text, tmp_path)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "SUCCESS" in res.stdout


@pytest.mark.promtool
def test_upstream_promtool_check_is_real(
    selectors: Selectors, upstream_promtool: Path, tmp_path: Path
) -> None:
    """The same check rejects what agent mode forbids and a misspelt discovery role."""
    cfg = yaml.safe_load(m.render_prometheus_yaml(selectors, DEFAULT))
    with_rules = dict(cfg, rule_files=["rules.yml"])
    res = _promtool_check(upstream_promtool, m.dump_yaml(with_rules), tmp_path / "a")
    assert res.returncode != 0 and "not allowed in agent mode" in res.stdout + res.stderr
    bad_role = copy.deepcopy(cfg)
    bad_role["scrape_configs"][0]["kubernetes_sd_configs"][0]["role"] = "endpointslise"
    res = _promtool_check(upstream_promtool, m.dump_yaml(bad_role), tmp_path / "b")
    assert res.returncode != 0 and "endpointslise" in res.stdout + res.stderr


@pytest.mark.promtool
def test_promtool_matches_image_version(upstream_promtool: Path) -> None:
    out = subprocess.run([str(upstream_promtool), "--version"], capture_output=True, text=True, check=True)
    assert f"version {m.PROMETHEUS_VERSION}" in out.stdout + out.stderr
    assert m.PROMETHEUS_IMAGE.endswith(f":v{m.PROMETHEUS_VERSION}")
    gomod = (REPO / "lab" / "prometheus" / "go.mod").read_text()
    major, minor, patch = m.PROMETHEUS_VERSION.split(".")
    assert f"github.com/prometheus/prometheus v0.{major}{int(minor):02d}.{patch}" in gomod


def test_keep_regexes_are_the_articles(selectors: Selectors) -> None:
    cfg = _prom_config(m.render_objects(selectors, DEFAULT))
    targets = {c.job: c.target for c in selectors.specs.values() if c.target}
    per_service = [j for j in cfg["scrape_configs"] if not targets[j["job_name"]].per_node]
    regexes = {j["job_name"]: j["relabel_configs"][0]["regex"] for j in per_service}
    assert regexes == {job: t.keep_regex for job, t in targets.items() if not t.per_node}
    assert {  # the article's three
        selectors.jobs["apiserver"]: "default;kubernetes;https",
        selectors.jobs["controller-manager"]: "kube-system;kube-controller-manager;https-metrics",
        selectors.jobs["scheduler"]: "kube-system;kube-scheduler;https",
    }.items() <= regexes.items()
    for job in cfg["scrape_configs"]:
        target = targets[job["job_name"]]
        assert job["scheme"] == target.scheme
        # the service-account token goes over https, except to a server that wants a client certificate
        if target.scheme == "https" and target.tls != "client-cert":
            assert job["authorization"] == {"credentials_file": m.SA_TOKEN}
        else:
            assert "authorization" not in job
        if target.per_node:  # every Node, at the kubelet port it reports, labelled with its name
            assert job["kubernetes_sd_configs"] == [{"role": "node"}]
            assert job["relabel_configs"] == [
                {"source_labels": ["__meta_kubernetes_node_name"], "target_label": "node"}
            ]
            continue
        assert job["kubernetes_sd_configs"][0]["role"] == "endpointslice"
        assert job["relabel_configs"][0]["source_labels"][2] == "__meta_kubernetes_endpointslice_port_name"
    assert cfg["global"]["scrape_interval"] == "15s"
    assert cfg["remote_write"] == [{"url": URL}]
    assert "external_labels" not in cfg["global"]


def test_tls_apiserver_verified_components_skip_unless_ca(selectors: Selectors) -> None:
    by_job = {j["job_name"]: j for j in _prom_config(m.render_objects(selectors, DEFAULT))["scrape_configs"]}
    objects = m.render_objects(selectors, FULL)
    with_ca = {j["job_name"]: j for j in _prom_config(objects)["scrape_configs"]}
    modes = {c.target.tls for c in selectors.specs.values() if c.target}
    assert modes == set(TLS_MODES), "the built-in config uses every TLS mode"
    assert any(c.target and c.target.scheme == "http" for c in selectors.specs.values()), "and plain http"
    for c in selectors.specs.values():
        assert c.target is not None
        if c.target.scheme == "http":  # CoreDNS, kube-proxy: plain http, neither TLS nor a token
            assert "tls_config" not in by_job[c.job] and "tls_config" not in with_ca[c.job]
            assert "authorization" not in by_job[c.job] and "authorization" not in with_ca[c.job]
        elif c.target.tls == "cluster-ca":  # the apiserver: the in-cluster CA, whatever the options
            expected = {"ca_file": m.SA_CA, "server_name": c.target.server_name}
            assert by_job[c.job]["tls_config"] == with_ca[c.job]["tls_config"] == expected
        elif c.target.tls == "client-cert":  # the certificate of the Secret config.yaml names
            folder = f"{m.CLIENT_CERT_DIR}/{c.target.secret}"
            expected = {
                "ca_file": f"{folder}/ca.crt",
                "cert_file": f"{folder}/tls.crt",
                "key_file": f"{folder}/tls.key",
            }
            assert by_job[c.job]["tls_config"] == with_ca[c.job]["tls_config"] == expected
        else:
            assert by_job[c.job]["tls_config"] == {"insecure_skip_verify": True}
            assert with_ca[c.job]["tls_config"] == {"ca_file": f"{m.COMPONENT_CA_DIR}/ca.crt"}
    assert by_job[selectors.jobs["apiserver"]]["tls_config"]["server_name"] == "kubernetes.default.svc"
    pod = _deployment(objects)["spec"]["template"]["spec"]
    assert {"name": "component-ca", "mountPath": m.COMPONENT_CA_DIR, "readOnly": True} in pod["containers"][
        0
    ]["volumeMounts"]
    assert any(v.get("configMap", {}).get("name") == "control-plane-ca" for v in pod["volumes"])


# --- job names: one selector configuration -----------------------------------------------------------


def _catalog_jobs(tree: SourceTree, selectors: Selectors) -> set[str]:
    jobs: set[str] = set()
    for entry in load_catalog(tree, selectors).entries:
        for mode in ("dashboard", "rule"):
            jobs |= set(re.findall(r'\bjob="([^"]*)"', entry.render(selectors, mode)))
    return jobs


def test_scrape_jobs_equal_dashboard_and_alert_selectors(selectors: Selectors) -> None:
    cfg = _prom_config(m.render_objects(selectors, DEFAULT))
    scrape_jobs = [j["job_name"] for j in cfg["scrape_configs"]]
    components = selectors.components  # config order
    assert scrape_jobs == [selectors.jobs[c] for c in components]
    for c in components:
        assert selectors.job_matcher(c) == f'job="{scrape_jobs[components.index(c)]}"'
    # Dashboards and alerts are rendered from the catalog: every job it queries is scraped.
    tree = SourceTree(REPO)
    assert _catalog_jobs(tree, selectors) == set(scrape_jobs)


def test_custom_job_names_change_the_manifests(tmp_path: Path) -> None:
    tree = _tree_with(tmp_path, _kube_prometheus_names)
    custom = load_selectors(tree.promql)
    cfg = _prom_config(m.render_objects(custom, DEFAULT))
    expected = [f"kube-{c}" for c in custom.components]
    assert "kube-apiserver" in expected
    assert [j["job_name"] for j in cfg["scrape_configs"]] == expected
    assert _catalog_jobs(tree, custom) == set(expected)
    # Discovery does not depend on the job names.
    default = load_selectors(REPO / "promql")
    assert [j["relabel_configs"][0].get("regex") for j in cfg["scrape_configs"]] == [
        None if c.target.per_node else c.target.keep_regex for c in default.specs.values() if c.target
    ]


def test_cluster_sets_external_label_named_by_config(selectors: Selectors, tmp_path: Path) -> None:
    opts = m.ManifestOptions(remote_write_url=URL, cluster="prod")
    cfg = _prom_config(m.render_objects(selectors, opts))
    assert cfg["global"]["external_labels"] == {selectors.cluster_label: "prod"}

    def rename(c: dict[str, Any]) -> None:
        c["cluster_label"] = "k8s_cluster"
        c["variables"]["cluster"]["label"] = "k8s_cluster"
        c["dashboard_filters"] = {
            "k8s_cluster" if k == "cluster" else k: v for k, v in c["dashboard_filters"].items()
        }

    custom = load_selectors(_tree_with(tmp_path, rename).promql)
    cfg = _prom_config(m.render_objects(custom, opts))
    assert cfg["global"]["external_labels"] == {"k8s_cluster": "prod"}


def test_config_change_rolls_the_pod(selectors: Selectors) -> None:
    def pod_hash(o: m.ManifestOptions) -> str:
        return _deployment(m.render_objects(selectors, o))["spec"]["template"]["metadata"]["annotations"][
            "n9e-k8s/config-sha256"
        ]

    assert pod_hash(DEFAULT) == pod_hash(m.ManifestOptions(remote_write_url=URL, keep=KEEP))
    assert pod_hash(DEFAULT) != pod_hash(m.ManifestOptions(remote_write_url=URL, cluster="prod", keep=KEEP))
    assert pod_hash(DEFAULT) != pod_hash(m.ManifestOptions(remote_write_url=URL))  # --keep all


# --- the Deployment and RBAC -------------------------------------------------------------------------


def test_deployment_runs_agent_hardened(selectors: Selectors) -> None:
    dep = _deployment(m.render_objects(selectors, DEFAULT))
    pod = dep["spec"]["template"]["spec"]
    (c,) = pod["containers"]
    assert re.fullmatch(r"prom/prometheus:v3\.\d+\.\d+", c["image"])
    assert "--agent" in c["args"] and "--enable-feature=agent" not in c["args"]
    assert "--web.enable-lifecycle" not in c["args"]
    assert f"--storage.agent.path={m.STORAGE_DIR}" in c["args"]
    assert c["readinessProbe"]["httpGet"] == {"path": "/-/ready", "port": "web"}
    assert c["livenessProbe"]["httpGet"] == {"path": "/-/healthy", "port": "web"}
    assert c["ports"] == [{"name": "web", "containerPort": 9090, "protocol": "TCP"}]
    assert c["resources"] == {
        "requests": {"cpu": "500m", "memory": "500M"},
        "limits": {"cpu": "1", "memory": "1Gi"},
    }
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == 65534
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert c["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
    }
    # With a read-only root, the only writable path is the agent's storage.
    writable = [vm["mountPath"] for vm in c["volumeMounts"] if not vm.get("readOnly")]
    assert writable == [m.STORAGE_DIR]
    assert pod["serviceAccountName"] == m.RBAC_NAME
    assert dep["spec"]["selector"] == {"matchLabels": {"app": "prometheus-agent"}}


_SERVICE_RULES = [
    {"apiGroups": [""], "resources": ["pods", "services"], "verbs": ["list", "watch"]},
    {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"], "verbs": ["list", "watch"]},
]
_NODE_RULES = [  # kubernetes_sd role: node, and the kubelet's SubjectAccessReview for /metrics
    {"apiGroups": [""], "resources": ["nodes"], "verbs": ["list", "watch"]},
    {"apiGroups": [""], "resources": ["nodes/metrics"], "verbs": ["get"]},
]
_METRICS_RULE = {"nonResourceURLs": ["/metrics"], "verbs": ["get"]}


def _cluster_role(selectors: Selectors) -> dict[str, Any]:
    return next(o for o in m.render_objects(selectors, DEFAULT) if o["kind"] == "ClusterRole")


def test_rbac_is_minimal(selectors: Selectors) -> None:
    assert any(c.target and c.target.per_node for c in selectors.specs.values()), "the kubelet is scraped"
    assert _cluster_role(selectors)["rules"] == [*_SERVICE_RULES, *_NODE_RULES, _METRICS_RULE]


def _no_node_jobs(cfg: dict[str, Any]) -> None:
    for spec in cfg["components"].values():
        if spec.get("target", {}).get("discovery") == "node":
            spec["scraped"] = False


def test_node_permissions_only_with_a_node_job(tmp_path: Path) -> None:
    custom = load_selectors(_tree_with(tmp_path, _no_node_jobs).promql)
    assert _cluster_role(custom)["rules"] == [*_SERVICE_RULES, _METRICS_RULE]
    jobs = _prom_config(m.render_objects(custom, DEFAULT))["scrape_configs"]
    assert jobs and all(j["kubernetes_sd_configs"][0]["role"] == "endpointslice" for j in jobs)


def _kubelet_port_10255(cfg: dict[str, Any]) -> None:
    for spec in cfg["components"].values():
        if spec.get("target", {}).get("discovery") == "node":
            spec["target"]["port"] = 10255


def test_node_job_port_overrides_the_reported_one(tmp_path: Path) -> None:
    custom = load_selectors(_tree_with(tmp_path, _kubelet_port_10255).promql)
    cfg = _prom_config(m.render_objects(custom, DEFAULT))
    (job,) = [j for j in cfg["scrape_configs"] if j["kubernetes_sd_configs"] == [{"role": "node"}]]
    assert job["relabel_configs"][1] == {
        "source_labels": ["__address__"],
        "regex": "(.+):[0-9]+",
        "target_label": "__address__",
        "replacement": "${1}:10255",
    }


def test_headless_services(selectors: Selectors) -> None:
    services = {
        o["metadata"]["name"]: o for o in m.render_objects(selectors, DEFAULT) if o["kind"] == "Service"
    }
    targets = {
        c.target.service: c.target for c in selectors.specs.values() if c.target and c.target.headless_service
    }
    assert targets and set(services) == set(targets)
    assert "kubernetes" not in services, "the apiserver's Service exists already"
    for name, target in targets.items():
        svc = services[name]
        assert svc["metadata"]["namespace"] == target.namespace
        assert svc["metadata"]["labels"]["k8s-app"] == name
        assert svc["spec"]["clusterIP"] == "None"
        # a static pod by kubeadm's component label, or the pods of the target's pod_selector
        assert svc["spec"]["selector"] == (dict(target.pod_selector) or {"component": name})
        assert svc["spec"]["ports"] == [
            {"name": target.port_name, "port": target.port, "protocol": "TCP", "targetPort": target.port}
        ]
    # file numbers follow the config order
    names = [m.file_name(o, m.service_order(selectors)) for o in services.values()]
    assert names == [f"{40 + i}-service-{n}.yaml" for i, n in enumerate(targets)]


def test_a_daemonset_is_selected_by_its_pod_labels(selectors: Selectors) -> None:
    """kube-proxy is no static pod: its Service selects kubeadm's k8s-app=kube-proxy DaemonSet pods, and
    its job scrapes plain http on 10249 without a token."""
    services = {
        o["metadata"]["name"]: o for o in m.render_objects(selectors, DEFAULT) if o["kind"] == "Service"
    }
    proxy = services["kube-proxy"]
    assert proxy["metadata"]["namespace"] == "kube-system"
    assert proxy["spec"]["selector"] == {"k8s-app": "kube-proxy"}
    assert proxy["spec"]["ports"][0]["port"] == 10249
    job = {j["job_name"]: j for j in _prom_config(m.render_objects(selectors, FULL))["scrape_configs"]}
    assert job["kube-proxy"]["scheme"] == "http"
    assert job["kube-proxy"]["relabel_configs"][0]["regex"] == "kube-system;kube-proxy;http-metrics"
    # the static pods keep kubeadm's component label
    assert services["kube-scheduler"]["spec"]["selector"] == {"component": "kube-scheduler"}


def test_basic_auth_is_file_references_never_a_password(selectors: Selectors) -> None:
    objects = m.render_objects(selectors, FULL)
    assert not [o for o in objects if o["kind"] == "Secret"]
    rw = _prom_config(objects)["remote_write"][0]
    assert rw["basic_auth"] == {
        "username_file": f"{m.REMOTE_WRITE_AUTH_DIR}/username",
        "password_file": f"{m.REMOTE_WRITE_AUTH_DIR}/password",
    }
    stream = m.render_stream(objects)
    assert not re.search(r"^\s*password:", stream, re.M)
    assert not re.search(r"^\s*username:", stream, re.M)
    pod = _deployment(objects)["spec"]["template"]["spec"]
    vol = next(v for v in pod["volumes"] if v["name"] == "remote-write-auth")
    assert vol["secret"]["secretName"] == "n9e-remote-write"
    assert vol["secret"]["defaultMode"] == 0o440
    mount = next(vm for vm in pod["containers"][0]["volumeMounts"] if vm["name"] == "remote-write-auth")
    assert mount == {"name": "remote-write-auth", "mountPath": m.REMOTE_WRITE_AUTH_DIR, "readOnly": True}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"remote_write_url": "n9e.example:17000/prometheus/v1/write"},
        {"remote_write_url": "ftp://n9e.example/x"},
        {"remote_write_url": "http://user:secret@n9e.example/x"},
        {"remote_write_url": "http://n9e.example:99999/x"},
        {"remote_write_url": URL, "namespace": "Flash_Cat"},
        {"remote_write_url": URL, "basic_auth_secret": "Bad Name"},
        {"remote_write_url": URL, "cluster": " "},
    ],
)
def test_bad_options_are_usage_errors(selectors: Selectors, kwargs: dict[str, str]) -> None:
    with pytest.raises(UsageError):
        m.render_objects(selectors, m.ManifestOptions(**kwargs))


# --- CLI -------------------------------------------------------------------------------------------


@pytest.fixture()
def cli() -> Any:
    import typer
    from n9e_k8s.cli import COMMANDS
    from n9e_k8s.commands import manifests as command

    assert COMMANDS["manifests"] == "manifests"
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        pass

    command.register(app)
    runner = CliRunner()
    return lambda *args: runner.invoke(app, ["manifests", *args])


def test_cli_stdout_stream(cli: Any, selectors: Selectors) -> None:
    res = cli("--remote-write-url", URL)
    assert res.exit_code == 0, res.output
    docs = list(yaml.safe_load_all(res.stdout))
    assert [d["kind"] for d in docs] == [o["kind"] for o in m.render_objects(selectors, DEFAULT)]
    assert res.stdout == m.render_stream(m.render_objects(selectors, DEFAULT))


def test_cli_out_dir_matches_golden(cli: Any, tmp_path: Path) -> None:
    out = tmp_path / "out"
    res = cli("--remote-write-url", URL, "--out", str(out))
    assert res.exit_code == 0, res.output
    written = sorted(p.name for p in out.iterdir())
    assert written == sorted(p.name for p in (GOLDEN / "default").iterdir())
    for name in written:
        assert (out / name).read_text() == (GOLDEN / "default" / name).read_text()


def test_cli_invalid_url_exit_2(cli: Any, tmp_path: Path) -> None:
    res = cli("--remote-write-url", "not a url", "--out", str(tmp_path / "out"))
    assert res.exit_code == 2
    assert "is not an http(s) URL" in res.output
    assert not (tmp_path / "out").exists()


def test_cli_custom_source_and_cluster(cli: Any, tmp_path: Path) -> None:
    tree = _tree_with(tmp_path, _kube_prometheus_names)
    res = cli("--remote-write-url", URL, "--cluster", "prod", "--source", str(tree.root))
    assert res.exit_code == 0, res.output
    cfg = _prom_config(list(yaml.safe_load_all(res.stdout)))
    assert [j["job_name"] for j in cfg["scrape_configs"]] == [
        f"kube-{c}" for c in load_selectors(tree.promql).components
    ]
    assert cfg["global"]["external_labels"] == {"cluster": "prod"}


def test_cli_unknown_k8s_version_exit_2(cli: Any) -> None:
    res = cli("--remote-write-url", URL, "--k8s-version", "1.9")
    assert res.exit_code == 2
    assert "not available offline" in res.output
