"""VictoriaMetrics' vmagent and single-node victoria-metrics built by lab/victoriametrics/build (`make lab`):
fixture `vm_binaries` (the folder holding both), marker `victoriametrics`.

``VM_BIN_DIR`` may name a folder holding both binaries. A missing binary fails the test; only a local run
with ``VM_BINARIES_SKIP=1`` (and not CI) skips instead.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.ci import in_ci

REPO = Path(__file__).resolve().parents[2]
BUILD = REPO / "lab" / "victoriametrics" / "build"
BINARIES = ("vmagent", "victoria-metrics")


def vm_dir() -> Path | None:
    """The folder of the built binaries, or None when they are not built yet (nothing is built here)."""
    explicit = os.environ.get("VM_BIN_DIR")
    if explicit:
        return Path(explicit)
    from n9e_k8s.vmagent import VMAGENT_VERSION

    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    folder = cache / "n9e-k8s" / "victoriametrics" / f"v{VMAGENT_VERSION}"
    return folder if all((folder / b).is_file() for b in BINARIES) else None


@pytest.fixture(scope="session")
def vm_binaries() -> Path:
    folder = vm_dir()
    if folder is None or not all(os.access(folder / b, os.X_OK) for b in BINARIES):
        message = (
            f"vmagent/victoria-metrics not built ({folder}); build them with `bash {BUILD.relative_to(REPO)}`"
        )
        if os.environ.get("VM_BINARIES_SKIP") == "1" and not in_ci():
            pytest.skip(f"{message} (skipped: VM_BINARIES_SKIP=1)")
        pytest.fail(f"{message} (or `make lab`)")
    for b in BINARIES:
        res = subprocess.run([str(folder / b), "-version"], capture_output=True, text=True, check=False)
        if res.returncode != 0:
            pytest.fail(f"{folder / b} -version failed: {res.stderr.strip()}")
    return folder


def vm_url(lab) -> str:
    """The lab's VictoriaMetrics URL; a lab without it fails in CI and skips elsewhere."""
    if not lab.victoriametrics_url:
        if in_ci():
            pytest.fail("the control-plane lab runs without VictoriaMetrics (N9E_K8S_LAB_VM=0) in CI")
        pytest.skip("lab without VictoriaMetrics (N9E_K8S_LAB_VM=0)")
    return lab.victoriametrics_url
