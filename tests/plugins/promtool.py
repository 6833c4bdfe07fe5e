"""The upstream promtool (lab/prometheus), for checks Debian's promtool 2.42 cannot do (kubernetes_sd
role endpointslice, `check config --agent` of a Prometheus 3 configuration).

``PROMTOOL_UPSTREAM`` may name an existing binary. Otherwise the one built by ``bash lab/prometheus/build``
(``make lab``) is used. A missing binary fails the test; only a local run with
``PROMTOOL_UPSTREAM_SKIP=1`` (and not CI) skips instead.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.ci import in_ci

REPO = Path(__file__).resolve().parents[2]
PATH_SCRIPT = REPO / "lab" / "prometheus" / "promtool-path"


def _missing(message: str) -> None:
    if os.environ.get("PROMTOOL_UPSTREAM_SKIP") == "1" and not in_ci():
        pytest.skip(f"{message} (skipped: PROMTOOL_UPSTREAM_SKIP=1)")
    pytest.fail(f"{message}; build it with `bash lab/prometheus/build` (or `make lab`)")


@pytest.fixture(scope="session")
def upstream_promtool() -> Path:
    """Path of the upstream promtool binary."""
    explicit = os.environ.get("PROMTOOL_UPSTREAM")
    if explicit:
        path = Path(explicit)
        if not (path.is_file() and os.access(path, os.X_OK)):
            pytest.fail(f"PROMTOOL_UPSTREAM={explicit} is not an executable file")
        return path
    res = subprocess.run(["bash", str(PATH_SCRIPT)], capture_output=True, text=True, check=False)
    if res.returncode != 0:
        _missing(f"upstream promtool not built: {res.stderr.strip()}")
    path = Path(res.stdout.strip())
    version = subprocess.run([str(path), "--version"], capture_output=True, text=True, check=False)
    if version.returncode != 0:
        pytest.fail(f"{path} --version failed: {version.stderr.strip()}")
    return path
