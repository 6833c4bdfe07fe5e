"""`adopt --prometheus URL` against a real Prometheus (Debian's, installed by `make deps`) that loaded
kube-prometheus' rules: the rules of /api/v1/rules adopt like the PrometheusRule file itself."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import yaml

from tests.ci import in_ci
from tests.ports import free_port


@pytest.fixture
def prometheus(shared_dir: Path, tmp_path: Path) -> Iterator[str]:
    binary = shutil.which("prometheus") or "/usr/bin/prometheus"
    if not Path(binary).is_file():
        if in_ci():
            pytest.fail("prometheus is missing: `make deps` installs Debian's prometheus package")
        pytest.skip("prometheus not installed (run `make deps`)")
    rule = yaml.safe_load(
        (shared_dir / "reference/kube-prometheus/kubernetesControlPlane-prometheusRule.yaml").read_text()
    )
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump({"groups": rule["spec"]["groups"]}))
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump({"rule_files": [str(tmp_path / "rules.yaml")]}))
    port = free_port()
    proc = subprocess.Popen(
        [binary, f"--config.file={tmp_path / 'prometheus.yml'}", f"--storage.tsdb.path={tmp_path / 'data'}",
         f"--web.listen-address=127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=(tmp_path / "prometheus.log").open("w"),
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(url + "/api/v1/rules", timeout=2).json()["data"]["groups"]:
                    break
            except (requests.RequestException, ValueError, KeyError):
                pass
            if proc.poll() is not None:
                pytest.fail(f"prometheus exited: {(tmp_path / 'prometheus.log').read_text()[-2000:]}")
            time.sleep(0.5)
        else:
            pytest.fail("prometheus did not serve its rules within 60 s")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def adopt(*args: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "n9e_k8s", "adopt", *args, "--output", "json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_prometheus_rules_adopt_like_the_file(prometheus: str, shared_dir: Path, tmp_path: Path) -> None:
    """The same ledger as the PrometheusRule file gives (tests/test_adopt.py, docs/adopt.md)."""
    live = adopt("--prometheus", prometheus, "--into", str(tmp_path / "live"))
    rules_file = shared_dir / "reference/kube-prometheus/kubernetesControlPlane-prometheusRule.yaml"
    from_file = adopt(str(rules_file), "--into", str(tmp_path / "file"))
    assert live["summary"] == from_file["summary"]
    assert live["summary"]["alert"]["converted"] + live["summary"]["alert"].get("renamed", 0) == 61
    assert live["summary"]["record"] == {"converted": 55, "merged": 16}
    assert all(r["origin"].startswith(prometheus + "/api/v1/rules / ") for r in live["rows"])
    build = subprocess.run(
        [sys.executable, "-m", "n9e_k8s", "build", "--source", str(tmp_path / "live"), "--out", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert build.returncode == 0, build.stderr
