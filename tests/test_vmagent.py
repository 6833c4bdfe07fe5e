"""`manifests --agent vmagent` (issue 16 item 6): the same scrape jobs as the Prometheus agent, Kubernetes
schemas (strict), and the real vmagent's -dryRun on the rendered scrape configuration."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import typer
import yaml
from n9e_k8s import manifests as m
from n9e_k8s import vmagent as vma
from n9e_k8s.k8s_validate import validate_manifest_objects
from n9e_k8s.selectors import Selectors, load_selectors
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parents[1]
FULL = m.ManifestOptions(
    remote_write_url="https://n9e.example/prometheus/v1/write",
    namespace="monitoring",
    cluster="prod",
    basic_auth_secret="n9e-remote-write",
    component_ca_configmap="control-plane-ca",
    client_cert_secret="etcd-client",
)
OPTION_SETS = {"default": m.ManifestOptions(m.PLACEHOLDER_REMOTE_WRITE_URL), "full": FULL}


@pytest.fixture(scope="module")
def selectors() -> Selectors:
    return load_selectors(REPO / "promql")


@pytest.mark.parametrize("options", list(OPTION_SETS))
def test_scrape_jobs_are_the_prometheus_agents(selectors: Selectors, options: str) -> None:
    opts = OPTION_SETS[options]
    prom = m.prometheus_config(selectors, opts)
    vm = vma.vmagent_config(selectors, opts)
    assert vm["scrape_configs"] == prom["scrape_configs"] and vm["scrape_configs"]
    assert vm["global"] == prom["global"]  # scrape interval and the cluster external label
    assert "remote_write" not in vm  # vmagent takes it from flags; strictParse would refuse the key


@pytest.mark.parametrize("version", ["1.28", "1.36"])
@pytest.mark.parametrize("options", list(OPTION_SETS))
def test_objects_pass_strict_schema(selectors: Selectors, version: str, options: str) -> None:
    objects = vma.render_vmagent_objects(selectors, OPTION_SETS[options])
    assert validate_manifest_objects(objects, version) == []
    kinds = [o["kind"] for o in objects]
    assert kinds.count("Deployment") == 1 and kinds.count("ConfigMap") == 1


def test_deployment_flags_and_mounts(selectors: Selectors) -> None:
    objects = vma.render_vmagent_objects(selectors, FULL)
    dep = next(o for o in objects if o["kind"] == "Deployment")
    cm = next(o for o in objects if o["kind"] == "ConfigMap")
    pod = dep["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["image"] == vma.VMAGENT_IMAGE == "victoriametrics/vmagent:v1.151.0"
    args = container["args"]
    assert f"-remoteWrite.url={FULL.remote_write_url}" in args
    assert f"-promscrape.config={vma.VMAGENT_CONFIG_DIR}/{m.CONFIG_KEY}" in args
    # basic auth from the mounted Secret's files, never a password on the command line
    assert f"-remoteWrite.basicAuth.usernameFile={m.REMOTE_WRITE_AUTH_DIR}/username" in args
    assert f"-remoteWrite.basicAuth.passwordFile={m.REMOTE_WRITE_AUTH_DIR}/password" in args
    assert not any(
        a.startswith(("-remoteWrite.basicAuth.password=", "-remoteWrite.basicAuth.username=")) for a in args
    )
    mounted = {v["mountPath"]: v["name"] for v in container["volumeMounts"]}
    for path in (
        m.REMOTE_WRITE_AUTH_DIR,
        m.COMPONENT_CA_DIR,
        f"{m.CLIENT_CERT_DIR}/etcd-client",
        vma.VMAGENT_DATA_DIR,
    ):
        assert path in mounted, path
    assert pod["volumes"][0]["configMap"]["name"] == cm["metadata"]["name"]
    assert dep["spec"]["template"]["metadata"]["annotations"]["n9e-k8s/config-sha256"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True


def _cli_app() -> typer.Typer:
    from n9e_k8s.commands import manifests as command

    cli = typer.Typer()

    @cli.callback()
    def _root() -> None:
        pass

    command.register(cli)
    return cli


def test_cli_agent_vmagent(selectors: Selectors) -> None:
    runner, app = CliRunner(), _cli_app()
    args = ["manifests", "--remote-write-url", m.PLACEHOLDER_REMOTE_WRITE_URL, "--source", str(REPO)]
    res = runner.invoke(app, [*args, "--agent", "vmagent"])
    assert res.exit_code == 0, res.output
    objects = list(yaml.safe_load_all(res.stdout))
    assert [o["kind"] for o in objects if o] == [
        o["kind"] for o in vma.render_vmagent_objects(selectors, OPTION_SETS["default"])
    ]
    assert any(o and o["metadata"]["name"] == vma.VMAGENT_NAME for o in objects)
    bad = runner.invoke(app, [*args, "--agent", "vm-agent"])
    assert (
        bad.exit_code == 2 and "--agent 'vm-agent'" in bad.output and not bad.stdout.strip().startswith("---")
    )


def _dry_run(vm_binaries: Path, text: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    cfg = tmp_path / "prometheus.yml"
    cfg.write_text(text)
    return subprocess.run(
        [str(vm_binaries / "vmagent"), "-dryRun", f"-promscrape.config={cfg}", "-loggerLevel=ERROR"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


@pytest.mark.victoriametrics
@pytest.mark.parametrize("options", list(OPTION_SETS))
def test_vmagent_dry_run_accepts_the_config(
    selectors: Selectors, vm_binaries: Path, tmp_path: Path, options: str
) -> None:
    res = _dry_run(vm_binaries, vma.render_vmagent_yaml(selectors, OPTION_SETS[options]), tmp_path)
    assert res.returncode == 0, res.stdout + res.stderr


@pytest.mark.victoriametrics
def test_vmagent_dry_run_rejects_a_broken_config(
    selectors: Selectors, vm_binaries: Path, tmp_path: Path
) -> None:
    """The check is real: an unknown key (strict parsing) and a remote_write section fail. Note: vmagent's
    dry run does not check kubernetes_sd roles (a misspelt role passes it and fails at discovery)."""
    cfg = vma.vmagent_config(selectors, FULL)
    typo = {**cfg, "scrape_configs": [{**cfg["scrape_configs"][0], "schemez": "https"}]}
    res = _dry_run(vm_binaries, m.dump_yaml(typo), tmp_path)
    assert res.returncode != 0 and "schemez" in res.stderr
    res = _dry_run(vm_binaries, m.dump_yaml(m.prometheus_config(selectors, FULL)), tmp_path)
    assert res.returncode != 0 and "remote_write" in res.stderr


@pytest.mark.victoriametrics
def test_vmagent_matches_image_version(vm_binaries: Path) -> None:
    out = subprocess.run(
        [str(vm_binaries / "vmagent"), "-version"], capture_output=True, text=True, check=True
    )
    assert f"v{vma.VMAGENT_VERSION}" in out.stdout
    assert (
        f'version="${{VM_VERSION:-v{vma.VMAGENT_VERSION}}}"'
        in (REPO / "lab" / "victoriametrics" / "build").read_text()
    )
