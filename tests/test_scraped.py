"""`components.<name>.scraped: false` (managed control planes) and `disabled_alerts` in
promql/config.yaml: the component's alerts, recording rules, board and scrape job drop out of
build, sync and manifests; bad values are errors that name the file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from n9e_k8s.build import render_all
from n9e_k8s.errors import SourceErrors
from n9e_k8s.project import load_project
from n9e_k8s.selectors import load_selectors
from n9e_k8s.source import resolve_source
from n9e_k8s.sync.desired import boards_from_source, rules_from_source


@pytest.fixture
def tree(repo_root: Path, tmp_path: Path) -> Path:
    for d in ("promql", "alerts", "dashboards"):
        shutil.copytree(repo_root / d, tmp_path / d)
    return tmp_path


def _set(tree: Path, old: str, new: str) -> None:
    config = tree / "promql" / "config.yaml"
    text = config.read_text()
    assert old in text
    config.write_text(text.replace(old, new, 1))


def _unscrape(tree: Path, *components: str) -> None:
    specs = load_selectors(tree / "promql").specs
    for c in components:
        container = specs[c].container
        _set(
            tree,
            f"    container: {container}\n    scraped: true\n",
            f"    container: {container}\n    scraped: false\n",
        )


def _optional(tree: Path) -> list[str]:
    """The components a managed control plane may hide (all but the `always_scraped` ones)."""
    return [c.name for c in load_selectors(tree / "promql").specs.values() if not c.always_scraped]


def _build(tree: Path) -> dict[str, str]:
    return render_all(load_project(resolve_source(str(tree))))


def test_default_scrapes_every_component(repo_root: Path) -> None:
    selectors = load_selectors(repo_root / "promql")
    assert all(selectors.scraped(c) for c in selectors.components)
    assert not selectors.disabled_alerts


def test_a_managed_control_plane_drops_the_scheduler_and_controller_manager(tree: Path) -> None:
    before = _build(tree)
    optional = _optional(tree)
    assert optional, "the built-in config has components a managed control plane hides"
    _unscrape(tree, *optional)
    files = _build(tree)
    for c in optional:
        assert f"alerts/{c}.json" in before and f"alerts/{c}.json" not in files
        assert f"prometheus/{c}.rules.yaml" in before and f"prometheus/{c}.rules.yaml" not in files
        assert f"dashboards/k8s-{c}.json" in before and f"dashboards/k8s-{c}.json" not in files
    assert "alerts/apiserver.json" in files and "dashboards/k8s-apiserver.json" in files
    operator = yaml.safe_load(files["prometheus/prometheusrule.yaml"])
    names = {r.get("alert") for g in operator["spec"]["groups"] for r in g["rules"]}
    assert "KubeAPIDown" in names and not names & {"KubeSchedulerDown", "KubeControllerManagerDown"}
    # The manifests: one scrape job, no headless Service for the two components.
    config_map = next(v for k, v in files.items() if k.startswith("manifests/") and "ConfigMap" in v)
    prom = yaml.safe_load(yaml.safe_load(config_map)["data"]["prometheus.yml"])
    assert [j["job_name"] for j in prom["scrape_configs"]] == ["apiserver"]
    services = [v for k, v in files.items() if k.startswith("manifests/") and "kind: Service\n" in v]
    assert services == [] and any(
        "kind: Service\n" in v for k, v in before.items() if k.startswith("manifests/")
    )


def test_a_managed_control_plane_validates(tree: Path) -> None:
    """expected-empty.yaml names scheduler and controller-manager alerts: they are still rules of the source
    when config.yaml does not scrape those components, so `validate` must not call the names unknown."""
    from n9e_k8s.validate import validate_tree

    _unscrape(tree, "controller-manager", "scheduler")
    assert [str(p) for p in validate_tree(resolve_source(str(tree))) if p.severity == "error"] == []


def test_sync_follows_the_switch(tree: Path) -> None:
    before = {b.obj["ident"] for b in boards_from_source(load_project(resolve_source(str(tree))), "en")}
    _unscrape(tree, "scheduler")
    src = load_project(resolve_source(str(tree)))
    boards = boards_from_source(src, "en")
    alerts, records = rules_from_source(src, "en", (8, 5, 1))
    assert "k8s-scheduler" in before
    assert {b.obj["ident"] for b in boards} == before - {"k8s-scheduler"}
    names = {a.obj["name"] for a in alerts}
    assert "KubeControllerManagerDown" in names and not any(n.startswith("KubeScheduler") for n in names)
    assert records


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "    container: kube-apiserver\n",
            "    container: kube-apiserver\n    scraped: false\n",
            "always scraped",
        ),
        (
            "    scraped: true\n",
            "    scraped: maybe\n",
            "components.controller-manager.scraped: must be true or false",
        ),
        # `always_scraped` is data: any component can carry it
        (
            "    container: kube-scheduler\n    scraped: true\n",
            "    container: kube-scheduler\n    scraped: false\n    always_scraped: true\n",
            "components.scheduler.scraped: scheduler is always scraped",
        ),
        (
            "      tls: component-ca\n",
            "      tls: component-cert\n",
            "components.controller-manager.target.tls: tls must be one of cluster-ca, component-ca",
        ),
        (
            "      port: 10257\n",
            "",
            "components.controller-manager.target.headless_service: a headless Service needs 'port'",
        ),
        (
            "      port: 10257\n",
            "      port: 102570\n",
            "components.controller-manager.target.port: 102570 is not a port number",
        ),
        (
            "      service: kubernetes\n",
            "      service: Kube_API\n",
            "components.apiserver.target.service: 'Kube_API' is not a valid name",
        ),
        # pod_selector: Kubernetes label keys and values, and only for a Service the tool renders
        (
            "        k8s-app: kube-proxy\n",
            "        k8s-app: kube proxy\n",
            "components.kube-proxy.target.pod_selector.k8s-app: 'k8s-app': 'kube proxy' is not a Kubernetes label selector",
        ),
        (
            "      pod_selector:\n        k8s-app: kube-proxy\n",
            "      pod_selector: {}\n",
            "components.kube-proxy.target.pod_selector: must be a non-empty mapping",
        ),
        (
            "      port: 10249\n      scheme: http\n      headless_service: true\n",
            "      port: 10249\n      scheme: http\n      headless_service: false\n",
            "components.kube-proxy.target.pod_selector: 'pod_selector' is used only with headless_service: true",
        ),
        (
            "      discovery: node\n",
            "      discovery: nodes\n",
            "components.kubelet.target.discovery: discovery must be one of endpointslice, node, not 'nodes'",
        ),
        # node discovery scrapes every Node: a Service name would be ignored, so it is refused
        (
            "      discovery: node\n",
            "      discovery: node\n      service: kubelet\n",
            "components.kubelet.target.service: 'service' names a Service: not used with discovery: node",
        ),
        (
            "      headless_service: true\n",
            "      headless_servce: true\n",
            "unknown key 'headless_servce' (did you mean 'headless_service'?)",
        ),
    ],
)
def test_bad_switch_names_file_and_line(tree: Path, old: str, new: str, message: str) -> None:
    _set(tree, old, new)
    with pytest.raises(SourceErrors) as exc:
        load_selectors(tree / "promql")
    (error,) = exc.value.errors
    assert message in str(error)
    assert error.line and "config.yaml" in str(error.file)


def test_disabled_alerts_leave_every_output(tree: Path) -> None:
    _set(tree, "disabled_alerts: []", "disabled_alerts: [KubeClientCertificateExpiration]")
    files = _build(tree)
    assert "KubeClientCertificateExpiration" not in files["alerts/apiserver.json"]
    assert "KubeClientCertificateExpiration" not in files["prometheus/apiserver.rules.yaml"]
    assert "KubeAPIDown" in files["alerts/apiserver.json"]


def test_disabled_alerts_must_name_an_alert(tree: Path) -> None:
    _set(tree, "disabled_alerts: []", "disabled_alerts: [KubeClientCertExpiry]")
    with pytest.raises(SourceErrors) as exc:
        _build(tree)
    assert "KubeClientCertExpiry" in str(exc.value) and "config.yaml" in str(exc.value)
