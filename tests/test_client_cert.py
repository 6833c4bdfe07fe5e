"""TLS mode client-cert (a server that authenticates the agent by certificate, e.g. etcd on 2379): the
target's `secret` in promql/config.yaml is required with it over https and refused otherwise (errors with
file and line), and the rendered agent sends the mounted Secret's certificate and no token."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from n9e_k8s import manifests as m
from n9e_k8s.components import CLIENT_CERT, Component
from n9e_k8s.errors import SourceErrors, UsageError
from n9e_k8s.selectors import Selectors, load_selectors

REPO = Path(__file__).resolve().parents[1]
URL = m.PLACEHOLDER_REMOTE_WRITE_URL


@pytest.fixture
def promql(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "promql", tmp_path / "promql")
    return tmp_path / "promql"


def _client_cert(selectors: Selectors) -> Component:
    """The built-in config's component with tls: client-cert (the test follows the config)."""
    found = [c for c in selectors.specs.values() if c.target and c.target.tls == CLIENT_CERT]
    assert found, "the built-in config has a client-cert target"
    return found[0]


def _edit(promql: Path, old: str, new: str) -> str:
    config = promql / "config.yaml"
    text = config.read_text()
    assert text.count(old) >= 1, old
    config.write_text(text.replace(old, new, 1))
    return config.read_text()


def _line_of(text: str, line: str, after: str = "") -> int:
    """1-based number of the first line equal to ``line`` after the first line equal to ``after``."""
    lines = text.splitlines()
    start = lines.index(after) if after else 0
    return lines.index(line, start) + 1


def _only_error(promql: Path) -> Any:
    with pytest.raises(SourceErrors) as exc:
        load_selectors(promql)
    (error,) = exc.value.errors
    assert str(error.file).endswith("config.yaml")
    return error


# --- config.yaml: `secret` -----------------------------------------------------------------------------


def test_client_cert_without_secret_is_an_error(promql: Path) -> None:
    comp = _client_cert(load_selectors(promql))
    secret_line = f"      secret: {comp.target.secret}\n"
    text = _edit(promql, secret_line, "")
    error = _only_error(promql)
    assert "tls: client-cert needs 'secret'" in str(error)
    assert f"components.{comp.name}.target.secret" in str(error)
    # the target mapping (its first key), since there is no `secret` line to point at
    assert error.line == _line_of(text, f"      namespace: {comp.target.namespace}", f"  {comp.name}:")


def test_secret_without_client_cert_is_refused(promql: Path) -> None:
    selectors = load_selectors(promql)
    other = next(c for c in selectors.specs.values() if c.target and c.target.tls == "component-ca")
    port = f"      port: {other.target.port}\n"
    text = _edit(promql, port, port + "      secret: etcd-client\n")
    error = _only_error(promql)
    assert "'secret' is used only with tls: client-cert" in str(error)
    assert f"components.{other.name}.target.secret" in str(error)
    assert error.line == _line_of(text, "      secret: etcd-client", f"  {other.name}:")


def test_secret_over_plain_http_is_refused(promql: Path) -> None:
    """The 2381 alternative (scheme http): there is no TLS, so a Secret would be mounted for nothing."""
    comp = _client_cert(load_selectors(promql))
    tls = f"      tls: {CLIENT_CERT}\n"
    text = _edit(promql, tls, tls + "      scheme: http\n")
    error = _only_error(promql)
    assert "'secret' is used only with tls: client-cert (and scheme https)" in str(error)
    assert error.line == _line_of(text, f"      secret: {comp.target.secret}", f"  {comp.name}:")


def test_http_without_secret_loads(promql: Path) -> None:
    comp = _client_cert(load_selectors(promql))
    _edit(promql, f"      secret: {comp.target.secret}\n", "      scheme: http\n")
    target = load_selectors(promql).specs[comp.name].target
    assert target is not None and target.scheme == "http" and target.secret is None


@pytest.mark.parametrize("bad", ["Etcd_Client", "x" * 51])
def test_secret_must_be_a_short_dns_label(promql: Path, bad: str) -> None:
    comp = _client_cert(load_selectors(promql))
    text = _edit(promql, f"      secret: {comp.target.secret}\n", f"      secret: {bad}\n")
    error = _only_error(promql)
    assert "is not a valid Secret name" in str(error)
    assert error.line == _line_of(text, f"      secret: {bad}", f"  {comp.name}:")


# --- the rendered agent --------------------------------------------------------------------------------


def _render(selectors: Selectors, **options: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    objects = m.render_objects(selectors, m.ManifestOptions(remote_write_url=URL, **options))
    cm = next(o for o in objects if o["kind"] == "ConfigMap")
    jobs = {j["job_name"]: j for j in yaml.safe_load(cm["data"][m.CONFIG_KEY])["scrape_configs"]}
    pod = next(o for o in objects if o["kind"] == "Deployment")["spec"]["template"]["spec"]
    return jobs, pod


@pytest.mark.parametrize("option", [None, "etcd-peer-client"])
def test_agent_sends_the_mounted_certificate_and_no_token(option: str | None) -> None:
    selectors = load_selectors(REPO / "promql")
    comp = _client_cert(selectors)
    jobs, pod = _render(selectors, client_cert_secret=option)
    secret = option or comp.target.secret
    folder = f"{m.CLIENT_CERT_DIR}/{secret}"
    job = jobs[comp.job]
    assert job["scheme"] == "https" and "authorization" not in job
    assert job["tls_config"] == {
        "ca_file": f"{folder}/ca.crt",
        "cert_file": f"{folder}/tls.crt",
        "key_file": f"{folder}/tls.key",
    }
    # the other https jobs still send the service-account token
    others = [j for name, j in jobs.items() if name != comp.job and j["scheme"] == "https"]
    assert others and all("authorization" in j for j in others)
    (volume,) = [v for v in pod["volumes"] if "secret" in v]
    assert volume["secret"]["secretName"] == secret
    assert [i["key"] for i in volume["secret"]["items"]] == ["ca.crt", "tls.crt", "tls.key"]
    mount = {"name": volume["name"], "mountPath": folder, "readOnly": True}
    assert mount in pod["containers"][0]["volumeMounts"]


def test_no_client_cert_target_no_volume(promql: Path) -> None:
    comp = _client_cert(load_selectors(promql))
    _edit(promql, f"      secret: {comp.target.secret}\n", "      scheme: http\n")
    jobs, pod = _render(load_selectors(promql))
    assert jobs[comp.job]["scheme"] == "http" and "tls_config" not in jobs[comp.job]
    assert not any("secret" in v for v in pod["volumes"])
    assert not any(
        vm["mountPath"].startswith(m.CLIENT_CERT_DIR) for vm in pod["containers"][0]["volumeMounts"]
    )


@pytest.mark.parametrize("bad", ["Etcd", "a" * 51, "a.b"])
def test_client_cert_secret_option_must_be_a_short_dns_label(bad: str) -> None:
    with pytest.raises(UsageError, match="--client-cert-secret"):
        _render(load_selectors(REPO / "promql"), client_cert_secret=bad)
