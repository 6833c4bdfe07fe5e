"""vmagent in place of the Prometheus agent (issue 16 item 6), on the real control-plane lab: the real
vmagent runs the lab agent's scrape configuration (the manifests' jobs, kubernetes_sd turned into static
targets: TLS, the ServiceAccount token, external label cluster="lab") without its remote_write section,
remote-writes to the lab's VictoriaMetrics with -remoteWrite.url, and every job arrives there up."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest
import requests

from tests.plugins.victoriametrics import vm_url
from tests.ports import free_port

pytestmark = [pytest.mark.controlplane, pytest.mark.victoriametrics]

TIMEOUT = 90  # seconds for every job to be scraped by vmagent and stored in VictoriaMetrics


def test_vmagent_scrapes_every_job_into_victoriametrics(controlplane_lab, vm_binaries: Path, tmp_path: Path):
    vm_url(controlplane_lab)
    from n9e_k8s.manifests import dump_yaml
    from n9e_k8s.selectors import load_selectors
    from n9e_k8s.source import resolve_source

    config = json.loads((controlplane_lab.state_dir / "prometheus-agent.yml").read_text())
    del config["remote_write"]  # vmagent takes it from -remoteWrite.url (strict parsing refuses the key)
    cfg = tmp_path / "vmagent.yml"
    cfg.write_text(dump_yaml(config))
    vm = controlplane_lab.victoriametrics_url
    port = free_port()
    log = (tmp_path / "vmagent.log").open("wb")
    proc = subprocess.Popen(
        [
            str(vm_binaries / "vmagent"),
            f"-promscrape.config={cfg}",
            "-promscrape.config.strictParse=true",
            f"-remoteWrite.url={vm}/api/v1/write",
            "-remoteWrite.label=collector=vmagent",  # tells its series from the Prometheus agent's
            f"-remoteWrite.tmpDataPath={tmp_path / 'data'}",
            f"-httpListenAddr=127.0.0.1:{port}",
            "-loggerLevel=WARN",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
    )
    jobs = load_selectors(resolve_source(None).promql).jobs.values()
    try:
        deadline, missing = time.monotonic() + TIMEOUT, set(jobs)
        while missing and time.monotonic() < deadline and proc.poll() is None:
            answer = requests.get(
                f"{vm}/api/v1/query",
                params={"query": 'up{collector="vmagent", cluster="lab"} == 1'},
                timeout=10,
            ).json()
            missing = set(jobs) - {r["metric"]["job"] for r in answer["data"]["result"]}
            time.sleep(2)
        targets = (
            requests.get(f"http://127.0.0.1:{port}/api/v1/targets", timeout=10).json()
            if proc.poll() is None
            else {}
        )
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
    assert not missing, (
        f"jobs not up through vmagent: {missing}; targets: {targets}; log: {(tmp_path / 'vmagent.log').read_text()[-2000:]}"
    )
